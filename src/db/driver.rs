//! The seam between `Db` and each database family's driver: everything
//! that differs between PostgreSQL, SQLite and MySQL once connected. `Db`
//! holds one as a `Box<dyn Driver>`; nothing outside `db/` sees it.

use std::collections::HashMap;

use crate::inspect::Scope;
use crate::schema::{Dialect, QualifiedName, Schema};

use super::connection::StatementError;
use super::session::{Canceller, Param};
use super::url::DatabaseUrl;
use super::watch::Blocker;

/// Rows of a query, every column as text (NULL as `None`).
pub type Rows = Vec<Vec<Option<String>>>;

/// Rows with the names of their columns.
pub type NamedRows = (Vec<String>, Rows);

/// A connected session of one database family.
pub trait Driver: Send {
    /// Its dialect.
    fn dialect(&self) -> Dialect;
    /// Runs one statement (or a few, with no results) as text.
    fn execute(&mut self, sql: &str) -> Result<(), StatementError>;
    /// The first column of a query's rows as text (NULLs left out); `params`
    /// are bound as text.
    fn query_column(&mut self, sql: &str, params: &[&str]) -> Result<Vec<String>, StatementError> {
        let params: Vec<Param<'_>> = params.iter().map(|p| Param::Text(Some(p))).collect();
        Ok(self
            .rows_named(sql, &params)?
            .1
            .into_iter()
            .filter_map(|row| row.into_iter().next().flatten())
            .collect())
    }
    /// Runs `settings` and starts a transaction; a driver may hold them back
    /// to send with the next statement (PostgreSQL does).
    fn begin_after(&mut self, settings: &[String]) -> Result<(), StatementError>;
    /// Runs `statement`, then commits the open transaction.
    fn commit_after(&mut self, statement: &str) -> Result<(), StatementError> {
        self.execute(statement)?;
        self.execute("COMMIT")
    }
    /// The text of the `n`th (1-based) parameter placeholder.
    fn placeholder(&self, n: usize) -> String;
    /// Every row of a query with `params` bound, as text, with the column names.
    fn rows_named(&mut self, sql: &str, params: &[Param<'_>]) -> Result<NamedRows, StatementError>;
    /// Reads the live schema in `scope`.
    fn inspect(&mut self, scope: &Scope, expected: &Schema) -> Result<Schema, String>;
    /// Rows per table now (estimates where the server keeps them).
    fn row_counts(&mut self) -> Option<HashMap<QualifiedName, f64>>;
    /// Something that cancels the running statement from another thread.
    fn canceller(&self, url: &DatabaseUrl, session: Option<i32>) -> Option<Canceller>;
    /// The server's version number, where versions change what a statement does.
    fn server_version(&mut self) -> Option<u32> {
        None
    }
    /// The server's id of this session.
    fn session_id(&mut self) -> Option<i32> {
        None
    }
    /// Another session running `statement` now (left by an earlier, stopped run).
    fn running_elsewhere(&mut self, _statement: &str) -> Option<Blocker> {
        None
    }
    /// The qualified, quoted name of the index `name` whose validity is `valid`.
    fn index_with_validity(&mut self, _name: &str, _valid: bool) -> Option<String> {
        None
    }
    /// Turns foreign-key enforcement on or off for the session (SQLite).
    fn enforce_foreign_keys(&mut self, _on: bool) {}
    /// Fails naming the first row that violates a foreign key (SQLite).
    fn check_foreign_keys(&mut self) -> Result<(), StatementError> {
        Ok(())
    }
    /// The SQLite connection, for what only SQLite needs (its triggers).
    fn sqlite(&self) -> Option<&rusqlite::Connection> {
        None
    }
}
