//! The SQLite connection behind `Db`.

use std::collections::HashMap;

use rusqlite::types::Value;

use crate::inspect::Scope;
use crate::schema::{Dialect, QualifiedName, Schema};

use super::connection::StatementError;
use super::driver::Driver;
use super::driver::NamedRows;
use super::session::{Canceller, Param};
use super::url::DatabaseUrl;

/// A SQLite database file.
pub struct Sqlite(pub rusqlite::Connection);

impl Driver for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str) -> Result<(), StatementError> {
        self.0.execute_batch(sql).map_err(StatementError::from)
    }

    fn begin_after(&mut self, settings: &[String]) -> Result<(), StatementError> {
        for s in settings {
            self.execute(s)?;
        }
        // Takes the write lock now: concurrent runs wait here, not mid-migration.
        self.execute("BEGIN IMMEDIATE")
    }

    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn rows_named(&mut self, sql: &str, params: &[Param<'_>]) -> Result<NamedRows, StatementError> {
        let values: Vec<Value> = params
            .iter()
            .map(|p| match *p {
                Param::Text(t) => t.map_or(Value::Null, |t| Value::Text(t.to_string())),
                Param::Int(n) => n.map_or(Value::Null, Value::Integer),
                Param::Bool(b) => Value::Integer(i64::from(b)),
            })
            .collect();
        let mut stmt = self.0.prepare(sql)?;
        let width = stmt.column_count();
        let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
            (0..width)
                .map(|i| {
                    Ok(match r.get::<_, Value>(i)? {
                        Value::Null => None,
                        Value::Integer(n) => Some(n.to_string()),
                        Value::Real(f) => Some(f.to_string()),
                        Value::Text(t) => Some(t),
                        Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    })
                })
                .collect::<Result<Vec<_>, rusqlite::Error>>()
        })?;
        Ok((names, rows.collect::<Result<Vec<_>, _>>()?))
    }

    fn inspect(&mut self, scope: &Scope, _expected: &Schema) -> Result<Schema, String> {
        crate::inspect::sqlite::inspect(&self.0, scope).map_err(|e| e.to_string())
    }

    fn row_counts(&mut self) -> Option<HashMap<QualifiedName, f64>> {
        crate::inspect::table_sizes::sqlite_row_counts(&self.0)
    }

    fn canceller(&self, _url: &DatabaseUrl, _session: Option<i32>) -> Option<Canceller> {
        Some(Canceller::Sqlite(self.0.get_interrupt_handle()))
    }

    fn enforce_foreign_keys(&mut self, on: bool) {
        // SQLite ignores the pragma inside a transaction: it is set around one.
        let _ = self.execute(if on {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        });
    }

    fn check_foreign_keys(&mut self) -> Result<(), StatementError> {
        let mut stmt = self.0.prepare("PRAGMA foreign_key_check")?;
        let mut rows = stmt.query([])?;
        if let Some(r) = rows.next()? {
            let child: String = r.get(0)?;
            let rowid: Option<i64> = r.get(1)?;
            let parent: String = r.get(2)?;
            return Err(StatementError {
                message: format!(
                    "row {} of {child} references a missing row of {parent}",
                    rowid.map_or("?".into(), |r| r.to_string())
                ),
                code: Some("FOREIGN_KEY".into()),
                position: None,
                detail: None,
                hint: None,
            });
        }
        Ok(())
    }

    fn sqlite(&self) -> Option<&rusqlite::Connection> {
        Some(&self.0)
    }
}
