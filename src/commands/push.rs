//! `push` (development only): make the database match the declared schema
//! directly, in one transaction, refusing anything that loses data unless `--force`.

use crate::config::Config;
use crate::db::{Conn, Db};
use crate::diff::RenameMode;
use crate::history;
use crate::render::statements;
use crate::report::{self, BAD, OK, WARN};
use crate::schema::Dialect;

use super::{CommandResult, Failure, Outcome, connect, data_loss, declared_schema, history_table, inspect, problem, renames};

/// What `push` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct PushArgs {
    /// Apply statements that lose data.
    pub force: bool,
    /// Print the statements without running them.
    pub dry_run: bool,
    /// `--rename OLD=NEW` decisions.
    pub renames: Vec<String>,
}

/// Runs `push`.
pub fn run(config: &Config, args: &PushArgs) -> CommandResult {
    let declared = declared_schema(config)?;
    let mut db = connect(config, Some(declared.dialect))?;
    let live = inspect(&mut db, config, &declared)?;
    let decisions = renames::from_flags(&args.renames, &[], &live, &declared)?;
    let rendered = super::changes_sql(&live, &declared, &decisions, RenameMode::DropAndCreate)
        .map_err(|a| renames::undecided(&a, "push"))?;
    let sql = statements(&rendered);
    if sql.is_empty() {
        report::line(OK, "✓", &format!("{} already matches the schema", db.target));
        return Ok(Outcome::Clean);
    }
    println!("Statements for {}:", db.target);
    report::sql(&sql);

    let losses = data_loss(&rendered);
    if !losses.is_empty() && !args.force {
        report::line(BAD, "refused", "these changes discard data; nothing was changed:");
        for c in &losses {
            println!("    {}", c.describe());
        }
        println!("  pass --force to apply them anyway; if a table or column was renamed, pass --rename OLD=NEW instead");
        return Ok(Outcome::Findings);
    }
    if args.dry_run {
        report::line(WARN, "dry run", "nothing was changed");
        return Ok(Outcome::Clean);
    }
    if history::exists(&mut db, &history_table(config)).unwrap_or(false) {
        report::line(
            WARN,
            "note",
            "this database is managed by migrations; pushed changes are drift until a migration makes them (`db-migrate check`)",
        );
    }
    execute(&mut db, &sql)?;
    report::line(OK, "✓", &format!("pushed {} statement{} to {}", sql.len(), if sql.len() == 1 { "" } else { "s" }, db.target));
    Ok(Outcome::Clean)
}

/// Runs the statements in one transaction (PostgreSQL DDL is transactional;
/// SQLite keeps foreign keys off around it and checks them before commit).
fn execute(db: &mut Db, sql: &[String]) -> Result<(), Failure> {
    let concurrent = sql.iter().any(|s| s.contains(" CONCURRENTLY "));
    let sqlite = db.dialect() == Dialect::Sqlite;
    if sqlite {
        let _ = db.execute("PRAGMA foreign_keys = OFF");
    }
    let transactional = !concurrent;
    let fail = |db: &mut Db, statement: &str, e: crate::db::StatementError| {
        if transactional {
            db.rollback();
        }
        problem(
            format!("push failed{}: {e}\n  in: {statement}", if transactional { " and was rolled back" } else { "" }),
            None,
        )
    };
    if transactional {
        db.begin().map_err(|e| problem(format!("could not begin: {e}"), None))?;
    }
    for s in sql {
        if let Err(e) = db.execute(s) {
            let f = fail(db, s, e);
            if sqlite {
                let _ = db.execute("PRAGMA foreign_keys = ON");
            }
            return Err(f);
        }
    }
    if sqlite {
        if let Conn::Sqlite(c) = &db.conn {
            let violations: i64 = c
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
                .unwrap_or(0);
            if violations > 0 {
                db.rollback();
                let _ = db.execute("PRAGMA foreign_keys = ON");
                return Err(problem(
                    format!("push would leave {violations} rows violating foreign keys; rolled back"),
                    None,
                ));
            }
        }
    }
    if transactional {
        db.commit().map_err(|e| problem(format!("could not commit: {e}"), None))?;
    }
    if sqlite {
        let _ = db.execute("PRAGMA foreign_keys = ON");
    }
    Ok(())
}
