//! What commands ask of a live session beyond running SQL: reading the
//! schema, facts for lint rules, the server-side session id, cancelling a
//! running statement from another thread, and finding what an earlier,
//! stopped run left running or half-built. Each method answers for every
//! dialect, so commands never look at the driver connection.

use std::collections::HashMap;

use crate::inspect::Scope;
use crate::schema::{QualifiedName, Schema};

use super::connection::{Db, StatementError};
use super::driver::{NamedRows, Rows};
use super::mysql::{MysqlConn, MysqlTarget};
use super::url::{DatabaseUrl, PgTarget};
use super::watch::Blocker;

/// Cancels the statement a session is running, from another thread.
pub enum Canceller {
    /// The PostgreSQL backend with this pid, cancelled over a second connection.
    Postgres {
        /// Where to open the second connection.
        target: Box<PgTarget>,
        /// The backend to cancel.
        pid: i32,
        /// The second connection, opened at the first cancel.
        client: Option<Box<postgres::Client>>,
    },
    /// A SQLite connection.
    Sqlite(rusqlite::InterruptHandle),
    /// The MySQL session with this id, ended with `KILL QUERY` from a second connection.
    Mysql {
        /// Where to open the second connection.
        target: Box<MysqlTarget>,
        /// The session to cancel.
        id: u32,
        /// The second connection, opened at the first cancel.
        conn: Option<Box<MysqlConn>>,
    },
}

impl Canceller {
    /// Cancels whatever statement the session runs now (a no-op when idle).
    pub fn cancel(&mut self) {
        match self {
            Canceller::Postgres {
                target,
                pid,
                client,
            } => {
                if client.is_none() {
                    *client = super::connect(target).ok().map(Box::new);
                }
                if let Some(c) = client.as_mut() {
                    let _ = c.execute("SELECT pg_cancel_backend($1)", &[pid]);
                }
            }
            Canceller::Sqlite(handle) => handle.interrupt(),
            Canceller::Mysql { target, id, conn } => {
                if conn.is_none() {
                    *conn = super::mysql::connect(target).ok().map(Box::new);
                }
                if let Some(c) = conn.as_mut() {
                    let _ = c.execute(&format!("KILL QUERY {id}"));
                }
            }
        }
    }
}

impl Db {
    /// Reads the live schema in `scope`; `expected` (the declared schema)
    /// lets PostgreSQL read roles, views and expressions as declared where
    /// the server prints both alike.
    pub fn inspect(&mut self, scope: &Scope, expected: &Schema) -> Result<Schema, String> {
        self.driver.inspect(scope, expected)
    }

    /// The server's version number (`server_version_num`), where versions
    /// change what a statement does.
    pub fn server_version(&mut self) -> Option<u32> {
        self.driver.server_version()
    }

    /// Rows per table now: the server's estimates (PostgreSQL, MySQL), counts on SQLite.
    pub fn row_counts(&mut self) -> Option<HashMap<QualifiedName, f64>> {
        self.driver.row_counts()
    }

    /// The server's id of this session (PostgreSQL's backend pid, MySQL's
    /// connection id), for watching what blocks it and cancelling it.
    pub fn session_id(&mut self) -> Option<i32> {
        self.driver.session_id()
    }

    /// Something that cancels this session's running statement from another
    /// thread; `session` is [`Db::session_id`].
    pub fn canceller(&self, url: &DatabaseUrl, session: Option<i32>) -> Option<Canceller> {
        self.driver.canceller(url, session)
    }

    /// Another session that is running `statement` now (one an earlier run
    /// started before it was stopped): server sessions outlive their client.
    pub fn running_elsewhere(&mut self, statement: &str) -> Option<Blocker> {
        self.driver.running_elsewhere(statement)
    }

    /// The qualified, quoted name of the index called `name` whose validity
    /// is `valid` (PostgreSQL: an INVALID index is what a failed
    /// `CREATE INDEX CONCURRENTLY` leaves).
    pub fn index_with_validity(&mut self, name: &str, valid: bool) -> Option<String> {
        self.driver.index_with_validity(name, valid)
    }

    /// The text of the `n`th (1-based) parameter placeholder: `$n`, `?n` or `?`.
    pub fn placeholder(&self, n: usize) -> String {
        self.driver.placeholder(n)
    }

    /// Runs `sql` with `params` bound to its placeholders (see
    /// [`Db::placeholder`]) and returns every row, each column as text
    /// (NULL as `None`; booleans as `true`/`false`).
    pub fn rows(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Rows, StatementError> {
        Ok(self.driver.rows_named(sql, params)?.1)
    }

    /// [`Db::rows`] with the result's column names (empty when there are no rows).
    pub fn rows_named(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<NamedRows, StatementError> {
        self.driver.rows_named(sql, params)
    }

    /// The first column of the first row of [`Db::rows`], if any.
    pub fn value(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<String>, StatementError> {
        Ok(self
            .rows(sql, params)?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten()))
    }
}

/// A value bound to a statement's parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    /// Text, or NULL.
    Text(Option<&'a str>),
    /// A 64-bit integer, or NULL.
    Int(Option<i64>),
    /// A boolean.
    Bool(bool),
}
