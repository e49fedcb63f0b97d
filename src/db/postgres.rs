//! The PostgreSQL session behind `Db`.

use std::collections::HashMap;

use postgres::types::{ToSql, Type};

use crate::inspect::Scope;
use crate::schema::{Dialect, QualifiedName, Schema};

use super::connection::StatementError;
use super::driver::{Driver, NamedRows};
use super::session::{Canceller, Param};
use super::url::{DatabaseUrl, PgTarget};
use super::watch::Blocker;

/// A PostgreSQL session.
pub struct Postgres {
    client: Box<postgres::Client>,
    /// Where it is connected, for a second session.
    target: Box<PgTarget>,
    /// Statements that go with the next one (the session's settings and
    /// BEGIN), saving their round trip.
    lead: Option<String>,
}

impl Postgres {
    /// A session on `client`, connected to `target`.
    pub fn new(client: postgres::Client, target: PgTarget) -> Postgres {
        Postgres {
            client: Box::new(client),
            target: Box::new(target),
            lead: None,
        }
    }

    /// The client, once the statements waiting for the next one are sent
    /// (a query with parameters cannot carry them).
    fn client(&mut self) -> Result<&mut postgres::Client, StatementError> {
        if let Some(lead) = self.lead.take() {
            self.client.batch_execute(&lead)?;
        }
        Ok(&mut self.client)
    }
}

impl Driver for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str) -> Result<(), StatementError> {
        let Some(lead) = self.lead.take() else {
            return self.client.batch_execute(sql).map_err(StatementError::from);
        };
        // One round trip for both. The server's position counts from the
        // start of the text sent: it is made relative to `sql` again, and
        // dropped when it points into the lead.
        let text = format!("{lead};\n{sql}");
        let shift = text.chars().count() - sql.chars().count();
        self.client.batch_execute(&text).map_err(|e| {
            let mut e = StatementError::from(e);
            e.position = e
                .position
                .and_then(|p| p.checked_sub(shift))
                .filter(|&p| p > 0);
            e
        })
    }

    fn query_column(&mut self, sql: &str, params: &[&str]) -> Result<Vec<String>, StatementError> {
        // Without parameters any column type is read as its text (the simple protocol).
        if params.is_empty() {
            return Ok(self
                .client()?
                .simple_query(sql)?
                .into_iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                    _ => None,
                })
                .collect());
        }
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = params
            .iter()
            .map(|p| (p as &(dyn ToSql + Sync), Type::TEXT))
            .collect();
        Ok(self
            .client()?
            .query_typed(sql, &typed)?
            .iter()
            .filter_map(|r| r.get::<_, Option<String>>(0))
            .collect())
    }

    fn begin_after(&mut self, settings: &[String]) -> Result<(), StatementError> {
        // Sent with the next statement: nothing reaches the server in between.
        let begin = if settings.is_empty() {
            "BEGIN".to_string()
        } else {
            format!("{}; BEGIN", settings.join("; "))
        };
        self.lead = Some(match self.lead.take() {
            Some(lead) => format!("{lead}; {begin}"),
            None => begin,
        });
        Ok(())
    }

    fn commit_after(&mut self, statement: &str) -> Result<(), StatementError> {
        // One round trip: the server stops at the first failure, and the
        // caller rolls back.
        self.execute(&format!("{statement};\nCOMMIT"))
    }

    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn rows_named(&mut self, sql: &str, params: &[Param<'_>]) -> Result<NamedRows, StatementError> {
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
        let rows = self.client()?.query_typed(sql, &typed)?;
        let names = rows.first().map_or_else(Vec::new, |r| {
            r.columns().iter().map(|c| c.name().to_string()).collect()
        });
        Ok((names, rows.iter().map(row_text).collect()))
    }

    fn inspect(&mut self, scope: &Scope, expected: &Schema) -> Result<Schema, String> {
        let target = self.target.clone();
        let second = move || super::postgres_connect::connect(&target).ok();
        let client = self.client().map_err(|e| e.to_string())?;
        crate::inspect::postgres::inspect_expecting(client, Some(&second), scope, expected)
            .map_err(|e| e.to_string())
    }

    fn row_counts(&mut self) -> Option<HashMap<QualifiedName, f64>> {
        crate::inspect::table_sizes::row_estimates(self.client().ok()?)
    }

    fn server_version(&mut self) -> Option<u32> {
        crate::inspect::table_sizes::server_version(self.client().ok()?)
    }

    fn session_id(&mut self) -> Option<i32> {
        self.client()
            .ok()?
            .query_one("SELECT pg_backend_pid()", &[])
            .ok()
            .map(|r| r.get(0))
    }

    fn canceller(&self, url: &DatabaseUrl, session: Option<i32>) -> Option<Canceller> {
        match (url, session) {
            (DatabaseUrl::Postgres(t), Some(pid)) => Some(Canceller::Postgres {
                target: Box::new(t.clone()),
                pid,
                client: None,
            }),
            _ => None,
        }
    }

    fn running_elsewhere(&mut self, statement: &str) -> Option<Blocker> {
        let rows = self
            .client()
            .ok()?
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

    fn index_with_validity(&mut self, name: &str, valid: bool) -> Option<String> {
        let rows = self
            .client()
            .ok()?
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

/// A row as text, column by column (the types history and lock queries return).
fn row_text(row: &postgres::Row) -> Vec<Option<String>> {
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
