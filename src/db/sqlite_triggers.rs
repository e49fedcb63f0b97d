//! SQLite table rebuilds drop the table's triggers with the old table. The
//! model has no triggers (Drizzle cannot declare them; a hand-written
//! migration made them), so the runner keeps them: it reads the triggers of
//! every table a script rebuilds (`__new_<t>` renamed to `<t>`) before the
//! script runs, and re-creates those the script dropped, in the same
//! transaction.

use rusqlite::OptionalExtension;

use super::{Db, StatementError};
use crate::diff::Change;
use crate::lint::statements_from_sql;
use crate::schema::Dialect;

/// A trigger, as `sqlite_schema` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// Its table.
    pub table: String,
    /// Its `CREATE TRIGGER` statement.
    pub sql: String,
}

/// The triggers of the tables `script` rebuilds (none on PostgreSQL).
pub fn of_rebuilt_tables(db: &mut Db, script: &str) -> Result<Vec<Trigger>, StatementError> {
    let Some(c) = db.sqlite() else {
        return Ok(Vec::new());
    };
    let rebuilt: Vec<String> = statements_from_sql(script, Dialect::Sqlite)
        .into_iter()
        .flat_map(|s| s.changes)
        .filter_map(|change| match change.into_owned() {
            Change::RenameTable { from, to } if from.name == format!("__new_{}", to.name) => {
                Some(to.name)
            }
            _ => None,
        })
        .collect();
    let mut triggers = Vec::new();
    let mut stmt = c.prepare(
        "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 ORDER BY name",
    )?;
    for table in rebuilt {
        let rows = stmt.query_map([&table], |r| {
            Ok(Trigger {
                name: r.get(0)?,
                table: r.get(1)?,
                sql: r.get(2)?,
            })
        })?;
        for t in rows {
            triggers.push(t?);
        }
    }
    Ok(triggers)
}

/// Re-creates each of `triggers` that is gone while its table is there.
pub fn restore(db: &mut Db, triggers: &[Trigger]) -> Result<(), StatementError> {
    let Some(c) = db.sqlite() else {
        return Ok(());
    };
    for t in triggers {
        let kind = |kind: &str, name: &str| {
            c.query_row(
                "SELECT 1 FROM sqlite_schema WHERE type = ?1 AND name = ?2",
                [kind, name],
                |_| Ok(()),
            )
            .optional()
        };
        if kind("trigger", &t.name)?.is_none() && kind("table", &t.table)?.is_some() {
            c.execute_batch(&t.sql)?;
        }
    }
    Ok(())
}
