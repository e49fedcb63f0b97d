//! What commands ask of a live session beyond running SQL: reading the
//! schema, facts for lint rules, the server-side session id, cancelling a
//! running statement from another thread, and finding what an earlier,
//! stopped run left running or half-built. Each method answers for every
//! dialect, so commands never look at the driver connection.

use std::collections::HashMap;

use crate::inspect::Scope;
use crate::schema::{QualifiedName, Schema};

use super::connection::{Conn, Db, StatementError};
use super::mysql::{MysqlConn, MysqlTarget, NamedRows, Rows};
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
        match &mut self.conn {
            Conn::Postgres(c) => crate::inspect::postgres::inspect_expecting(c, scope, expected)
                .map_err(|e| e.to_string()),
            Conn::Sqlite(c) => crate::inspect::sqlite::inspect(c, scope).map_err(|e| e.to_string()),
            Conn::Mysql(c) => crate::inspect::mysql::inspect(
                &mut |sql| c.query(sql, Vec::new()).map_err(|e| e.to_string()),
                scope,
                expected,
            ),
        }
    }

    /// The server's version number (`server_version_num`), where versions
    /// change what a statement does.
    pub fn server_version(&mut self) -> Option<u32> {
        match &mut self.conn {
            Conn::Postgres(c) => crate::inspect::table_sizes::server_version(c),
            Conn::Sqlite(_) | Conn::Mysql(_) => None,
        }
    }

    /// Rows per table now: the planner's estimates on PostgreSQL, counts on SQLite.
    pub fn row_counts(&mut self) -> Option<HashMap<QualifiedName, f64>> {
        match &mut self.conn {
            Conn::Postgres(c) => crate::inspect::table_sizes::row_estimates(c),
            Conn::Sqlite(c) => crate::inspect::table_sizes::sqlite_row_counts(c),
            Conn::Mysql(c) => crate::inspect::table_sizes::mysql_row_estimates(&mut |sql| {
                c.query(sql, Vec::new()).map_err(|e| e.to_string())
            }),
        }
    }

    /// The server's id of this session (PostgreSQL's backend pid), for
    /// watching what blocks it and cancelling it.
    pub fn session_id(&mut self) -> Option<i32> {
        match &mut self.conn {
            Conn::Postgres(c) => c
                .query_one("SELECT pg_backend_pid()", &[])
                .ok()
                .map(|r| r.get(0)),
            Conn::Sqlite(_) => None,
            Conn::Mysql(c) => c.id().and_then(|id| i32::try_from(id).ok()),
        }
    }

    /// Something that cancels this session's running statement from another
    /// thread; `session` is [`Db::session_id`].
    pub fn canceller(&self, url: &DatabaseUrl, session: Option<i32>) -> Option<Canceller> {
        match (&self.conn, url, session) {
            (Conn::Postgres(_), DatabaseUrl::Postgres(t), Some(pid)) => Some(Canceller::Postgres {
                target: Box::new(t.clone()),
                pid,
                client: None,
            }),
            (Conn::Sqlite(c), _, _) => Some(Canceller::Sqlite(c.get_interrupt_handle())),
            (Conn::Mysql(_), DatabaseUrl::Mysql(t), Some(id)) => Some(Canceller::Mysql {
                target: Box::new(t.clone()),
                id: u32::try_from(id).ok()?,
                conn: None,
            }),
            _ => None,
        }
    }

    /// Another session that is running `statement` now (one an earlier run
    /// started before it was stopped). Only PostgreSQL sessions outlive their
    /// client this way.
    pub fn running_elsewhere(&mut self, statement: &str) -> Option<Blocker> {
        if let Conn::Mysql(c) = &mut self.conn {
            let rows = c
                .query(
                    "SELECT ID, USER, COALESCE(STATE, ''), INFO, TIME FROM information_schema.PROCESSLIST \
                     WHERE ID <> CONNECTION_ID() AND DB = DATABASE() AND COMMAND = 'Query' \
                       AND LENGTH(INFO) > 0 AND LOCATE(INFO, ?) = 1",
                    vec![statement.into()],
                )
                .ok()?;
            let row = rows.into_iter().next()?;
            let field = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            return Some(Blocker {
                pid: field(0).parse().unwrap_or(0),
                application: field(1),
                state: field(2),
                query: field(3),
                seconds: field(4).parse().unwrap_or(0.0),
            });
        }
        let Conn::Postgres(c) = &mut self.conn else {
            return None;
        };
        let rows = c
            .query(
                "/* db-migrate: waiting for an earlier attempt */ \
                 SELECT pid, coalesce(application_name, ''), coalesce(state, ''), query, \
                        coalesce(extract(epoch FROM now() - query_start), 0)::float8 \
                 FROM pg_stat_activity \
                 WHERE pid <> pg_backend_pid() AND datname = current_database() AND state = 'active' \
                   AND length(query) > 0 AND position(query in $1) = 1",
                &[&statement],
            )
            .ok()?;
        rows.first().map(|row| Blocker {
            pid: row.get(0),
            application: row.get(1),
            state: row.get(2),
            query: row.get(3),
            seconds: row.get(4),
        })
    }

    /// The qualified, quoted name of the index called `name` whose validity
    /// is `valid` (PostgreSQL: an INVALID index is what a failed
    /// `CREATE INDEX CONCURRENTLY` leaves).
    pub fn index_with_validity(&mut self, name: &str, valid: bool) -> Option<String> {
        let Conn::Postgres(c) = &mut self.conn else {
            return None;
        };
        let rows = c
            .query(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE i.indisvalid = $2 AND c.relname = $1",
                &[&name, &valid],
            )
            .ok()?;
        rows.first().map(|r| r.get(0))
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

impl Db {
    /// The text of the `n`th (1-based) parameter placeholder: `$n`, `?n` or `?`.
    pub fn placeholder(&self, n: usize) -> String {
        match self.conn {
            Conn::Postgres(_) => format!("${n}"),
            Conn::Sqlite(_) => format!("?{n}"),
            Conn::Mysql(_) => "?".to_string(),
        }
    }

    /// Runs `sql` with `params` bound to its placeholders (see
    /// [`Db::placeholder`]) and returns every row, each column as text
    /// (NULL as `None`; booleans as `true`/`false`).
    pub fn rows(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Rows, StatementError> {
        Ok(self.rows_named(sql, params)?.1)
    }

    /// [`Db::rows`] with the result's column names (empty when there are no rows).
    pub fn rows_named(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<NamedRows, StatementError> {
        match &mut self.conn {
            Conn::Postgres(c) => {
                use postgres::types::{ToSql, Type};
                let owned: Vec<(Box<dyn ToSql + Sync>, Type)> = params
                    .iter()
                    .map(|p| -> (Box<dyn ToSql + Sync>, Type) {
                        match *p {
                            Param::Text(t) => (Box::new(t.map(str::to_string)), Type::TEXT),
                            Param::Int(n) => (Box::new(n), Type::INT8),
                            Param::Bool(b) => (Box::new(b), Type::BOOL),
                        }
                    })
                    .collect();
                let typed: Vec<(&(dyn ToSql + Sync), Type)> =
                    owned.iter().map(|(v, t)| (v.as_ref(), t.clone())).collect();
                // Typed parameters: one round trip, no named prepared statement
                // (which transaction-mode poolers do not keep).
                let rows = c.query_typed(sql, &typed)?;
                let names = rows.first().map_or_else(Vec::new, |r| {
                    r.columns().iter().map(|c| c.name().to_string()).collect()
                });
                Ok((names, rows.iter().map(postgres_row_text).collect()))
            }
            Conn::Sqlite(c) => {
                let values: Vec<rusqlite::types::Value> = params
                    .iter()
                    .map(|p| match *p {
                        Param::Text(t) => t.map_or(rusqlite::types::Value::Null, |t| {
                            rusqlite::types::Value::Text(t.to_string())
                        }),
                        Param::Int(n) => n.map_or(
                            rusqlite::types::Value::Null,
                            rusqlite::types::Value::Integer,
                        ),
                        Param::Bool(b) => rusqlite::types::Value::Integer(i64::from(b)),
                    })
                    .collect();
                let mut stmt = c.prepare(sql)?;
                let width = stmt.column_count();
                let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
                let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
                    (0..width)
                        .map(|i| {
                            Ok(match r.get::<_, rusqlite::types::Value>(i)? {
                                rusqlite::types::Value::Null => None,
                                rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                                rusqlite::types::Value::Real(f) => Some(f.to_string()),
                                rusqlite::types::Value::Text(t) => Some(t),
                                rusqlite::types::Value::Blob(b) => {
                                    Some(String::from_utf8_lossy(&b).into_owned())
                                }
                            })
                        })
                        .collect::<Result<Vec<_>, rusqlite::Error>>()
                })?;
                Ok((names, rows.collect::<Result<Vec<_>, _>>()?))
            }
            Conn::Mysql(c) => c.query_named(
                sql,
                params
                    .iter()
                    .map(|p| match *p {
                        Param::Text(t) => t.into(),
                        Param::Int(n) => n.into(),
                        Param::Bool(b) => b.into(),
                    })
                    .collect(),
            ),
        }
    }
}

/// A PostgreSQL row as text, column by column (the types history tables use).
fn postgres_row_text(row: &postgres::Row) -> Vec<Option<String>> {
    use postgres::types::Type;
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_().clone();
            if ty == Type::BOOL {
                row.get::<_, Option<bool>>(i).map(|b| b.to_string())
            } else if ty == Type::INT2 {
                row.get::<_, Option<i16>>(i).map(|n| n.to_string())
            } else if ty == Type::INT4 {
                row.get::<_, Option<i32>>(i).map(|n| n.to_string())
            } else if ty == Type::INT8 {
                row.get::<_, Option<i64>>(i).map(|n| n.to_string())
            } else {
                row.try_get::<_, Option<String>>(i).ok().flatten()
            }
        })
        .collect()
}
