//! An open database connection of either dialect, and running migration
//! scripts on it statement by statement.

use std::time::Duration;

use crate::schema::Dialect;
use crate::sql::{SqlDialect, Statement, char_position_to_byte, line_col, split};

use super::url::DatabaseUrl;

/// A connection plus the (password-masked) target it points at.
pub struct Db {
    /// The database, password masked, for messages and records.
    pub target: String,
    /// The session, behind the one seam every dialect implements.
    pub(super) driver: Box<dyn super::driver::Driver>,
}

/// A failure to open a connection.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct OpenError {
    /// What went wrong (password masked).
    pub message: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

/// A statement the database rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementError {
    /// The server's message.
    pub message: String,
    /// SQLSTATE (PostgreSQL) or SQLite's result code name.
    pub code: Option<String>,
    /// 1-based character position in the statement, when the server gives one.
    pub position: Option<usize>,
    /// The server's DETAIL.
    pub detail: Option<String>,
    /// The server's HINT.
    pub hint: Option<String>,
}

impl std::fmt::Display for StatementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "[{code}] ")?;
        }
        f.write_str(&self.message)?;
        if let Some(d) = &self.detail {
            write!(f, "\nDETAIL: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nHINT: {h}")?;
        }
        Ok(())
    }
}

impl From<postgres::Error> for StatementError {
    fn from(e: postgres::Error) -> StatementError {
        match e.as_db_error() {
            Some(db) => StatementError {
                message: db.message().to_string(),
                code: Some(db.code().code().to_string()),
                position: match db.position() {
                    Some(postgres::error::ErrorPosition::Original(p)) => Some(*p as usize),
                    _ => None,
                },
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
            },
            None => StatementError {
                message: super::url::mask_password(&e.to_string()),
                code: None,
                position: None,
                detail: None,
                hint: None,
            },
        }
    }
}

impl From<rusqlite::Error> for StatementError {
    fn from(e: rusqlite::Error) -> StatementError {
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(format!("{:?}", f.code)),
            _ => None,
        };
        StatementError {
            message: e.to_string(),
            code,
            position: None,
            detail: None,
            hint: None,
        }
    }
}

impl Db {
    /// Opens a connection. `busy_timeout` is how long SQLite waits for a locked file.
    pub fn connect(url: &DatabaseUrl, busy_timeout: Duration) -> Result<Db, OpenError> {
        let target = url.masked();
        let driver: Box<dyn super::driver::Driver> = match url {
            DatabaseUrl::Postgres(pg) => {
                let client = super::postgres_connect::connect(pg).map_err(|e| OpenError {
                    message: e.to_string(),
                    help: None,
                })?;
                Box::new(super::postgres::Postgres::new(client, pg.clone()))
            }
            DatabaseUrl::Sqlite(sqlite) => {
                if let Some(parent) = sqlite.path.parent()
                    && !parent.as_os_str().is_empty()
                    && !parent.is_dir()
                {
                    return Err(OpenError {
                        message: format!(
                            "cannot open {target}: folder {} does not exist",
                            parent.display()
                        ),
                        help: Some("create the folder, or point the URL at an existing one".into()),
                    });
                }
                let conn = rusqlite::Connection::open(&sqlite.path).map_err(|e| OpenError {
                    message: format!("cannot open {target}: {e}"),
                    help: None,
                })?;
                conn.busy_timeout(busy_timeout).map_err(|e| OpenError {
                    message: format!("cannot configure {target}: {e}"),
                    help: None,
                })?;
                Box::new(super::sqlite::Sqlite(conn))
            }
            DatabaseUrl::Mysql(my) => {
                Box::new(super::mysql::connect(my).map_err(|message| OpenError {
                    message,
                    help: None,
                })?)
            }
        };
        Ok(Db { target, driver })
    }

    /// The dialect of the connected database.
    pub fn dialect(&self) -> Dialect {
        self.driver.dialect()
    }

    /// Runs one statement (or a few, with no results) as text.
    pub fn execute(&mut self, sql: &str) -> Result<(), StatementError> {
        self.driver.execute(sql)
    }

    /// Runs a query with text parameters bound (`$1`, `?1`...) and returns
    /// its first column as text (NULLs left out). Without parameters any
    /// column type is read as its text (PostgreSQL's simple protocol); with
    /// them the column must be text-like.
    pub fn query_column(
        &mut self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<String>, StatementError> {
        self.driver.query_column(sql, params)
    }

    /// Starts a transaction (SQLite: `BEGIN IMMEDIATE`, taking the write lock now).
    pub fn begin(&mut self) -> Result<(), StatementError> {
        self.begin_after(&[])
    }

    /// Runs `settings` (session `SET`s) and starts a transaction; on
    /// PostgreSQL they go with the next statement, in its round trip.
    pub fn begin_after(&mut self, settings: &[String]) -> Result<(), StatementError> {
        self.driver.begin_after(settings)
    }

    /// Commits the open transaction.
    pub fn commit(&mut self) -> Result<(), StatementError> {
        self.execute("COMMIT")
    }

    /// Runs `statement` and commits the open transaction with it, in one
    /// round trip on PostgreSQL.
    pub fn commit_after(&mut self, statement: &str) -> Result<(), StatementError> {
        self.driver.commit_after(statement)
    }

    /// Rolls back the open transaction, ignoring a failure to do so (the
    /// connection is then unusable and will be closed).
    pub fn rollback(&mut self) {
        let _ = self.execute("ROLLBACK");
    }

    /// Runs `work` with SQLite's foreign-key enforcement off, restoring it
    /// afterwards, so that a table rebuild does not fire `ON DELETE` actions
    /// (SQLite ignores the pragma inside a transaction, so it is set around
    /// it). Does nothing special elsewhere.
    pub fn with_foreign_keys_deferred<T>(&mut self, work: impl FnOnce(&mut Db) -> T) -> T {
        self.driver.enforce_foreign_keys(false);
        let result = work(self);
        self.driver.enforce_foreign_keys(true);
        result
    }

    /// SQLite: fails naming the first row that violates a foreign key (run
    /// before committing a transaction made with foreign keys deferred).
    /// The other servers enforce them themselves.
    pub fn check_foreign_keys(&mut self) -> Result<(), StatementError> {
        self.driver.check_foreign_keys()
    }

    /// The SQLite connection, for what only SQLite needs.
    pub(super) fn sqlite(&self) -> Option<&rusqlite::Connection> {
        self.driver.sqlite()
    }

    /// The splitter dialect for this connection's scripts.
    pub fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::of(self.dialect())
    }

    /// Runs a script statement by statement, calling `after_each(index)` after
    /// each one succeeds; stops at the first failure.
    ///
    /// With `each_atomic`, every statement that can run in a transaction runs
    /// in its own, together with `after_each` (the progress record), so a run
    /// killed at any point has either done both or neither; the others
    /// (`CREATE INDEX CONCURRENTLY`, `VACUUM`...) run bare. A script that
    /// controls transactions itself runs every statement bare.
    pub fn run_script(
        &mut self,
        script: &str,
        skip: usize,
        each_atomic: bool,
        mut after_each: impl FnMut(&mut Db, usize) -> Result<(), StatementError>,
    ) -> Result<usize, Box<ScriptError>> {
        let statements = split(script, self.sql_dialect());
        let total = statements.len();
        let each_atomic = each_atomic
            && !statements
                .iter()
                .any(|s| crate::sql::controls_transaction(s.text));
        for (index, statement) in statements.iter().enumerate().skip(skip) {
            let atomic = each_atomic && !crate::sql::needs_no_transaction(statement.text);
            let fail = |error| Box::new(ScriptError::new(script, statement, index, total, error));
            if atomic {
                self.begin().map_err(fail)?;
            }
            let done = self
                .execute(statement.text)
                .and_then(|()| after_each(self, index))
                .and_then(|()| if atomic { self.commit() } else { Ok(()) });
            if let Err(error) = done {
                if atomic {
                    self.rollback();
                }
                return Err(fail(error));
            }
        }
        Ok(total)
    }
}

/// A statement of a script that failed, located in the script.
#[derive(Debug, Clone)]
pub struct ScriptError {
    /// 0-based index of the statement.
    pub index: usize,
    /// Number of statements in the script.
    pub total: usize,
    /// The statement's text.
    pub statement: String,
    /// Byte offset of the error in the script (the statement start, or the
    /// server's position within it).
    pub offset: usize,
    /// Length of the highlighted part, in bytes.
    pub length: usize,
    /// 1-based line of the error in the script.
    pub line: usize,
    /// 1-based column of the error in the script.
    pub column: usize,
    /// What the database said.
    pub error: StatementError,
}

impl ScriptError {
    fn new(
        script: &str,
        statement: &Statement<'_>,
        index: usize,
        total: usize,
        error: StatementError,
    ) -> ScriptError {
        let (offset, length) = match error.position {
            Some(p) => {
                let within = char_position_to_byte(statement.text, p);
                let rest = &statement.text[within.min(statement.text.len())..];
                let word = rest
                    .find(|c: char| c.is_whitespace() || c == ';' || c == ',' || c == ')')
                    .unwrap_or(rest.len())
                    .max(1);
                (statement.start + within, word.min(rest.len().max(1)))
            }
            None => (
                statement.start,
                statement.text.lines().next().map_or(1, str::len).max(1),
            ),
        };
        let (line, column) = line_col(script, offset);
        ScriptError {
            index,
            total,
            statement: statement.text.to_string(),
            offset,
            length,
            line,
            column,
            error,
        }
    }
}
