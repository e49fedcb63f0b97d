//! The run lock: one `apply` at a time per database.
//!
//! PostgreSQL: a session advisory lock keyed by the history table's name,
//! held for the whole run and polled with a timeout; while waiting, the
//! holder is named from `pg_stat_activity`. SQLite: each migration runs in a
//! `BEGIN IMMEDIATE` transaction with a busy timeout, which serialises writers.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::HistoryTable;
use crate::db::{Conn, Db, StatementError};

/// Who holds the lock we are waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Backend process id.
    pub pid: i32,
    /// Its `application_name`.
    pub application: String,
    /// Since when its session exists.
    pub since: String,
    /// Client address, if over TCP.
    pub client: Option<String>,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {}", self.pid)?;
        if !self.application.is_empty() {
            write!(f, " ({})", self.application)?;
        }
        if let Some(c) = &self.client {
            write!(f, " from {c}")?;
        }
        write!(f, ", connected since {}", self.since)
    }
}

/// The lock could not be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    /// Another run held it for longer than the timeout.
    #[error(
        "another db-migrate run holds the migration lock on {target} ({holder}); gave up after {waited:?}"
    )]
    #[diagnostic(help(
        "wait for that run to finish and retry, raise --lock-timeout, or if that session is stuck end it with SELECT pg_terminate_backend(<pid>)"
    ))]
    Timeout {
        /// The database.
        target: String,
        /// Who holds it.
        holder: String,
        /// How long we waited.
        waited: Duration,
    },
    /// The database failed while locking.
    #[error("could not take the migration lock: {0}")]
    Database(StatementError),
}

/// The advisory lock key for a history table: stable across runs and versions.
pub fn lock_key(table: &HistoryTable) -> i64 {
    let digest = Sha256::digest(format!("db-migrate:{table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Takes the run lock, calling `waiting` once with the holder if it must wait.
pub fn acquire_lock(
    db: &mut Db,
    table: &HistoryTable,
    timeout: Duration,
    mut waiting: impl FnMut(&LockHolder),
) -> Result<(), LockError> {
    let target = db.target.clone();
    let Conn::Postgres(client) = &mut db.conn else {
        return Ok(());
    };
    let key = lock_key(table);
    let start = Instant::now();
    let mut told = false;
    let mut pause = Duration::from_millis(50);
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .map_err(|e| LockError::Database(e.into()))?
            .get(0);
        if got {
            return Ok(());
        }
        let holder = holder(client, key).map_err(|e| LockError::Database(e.into()))?;
        if !told {
            if let Some(h) = &holder {
                waiting(h);
            }
            told = true;
        }
        if start.elapsed() >= timeout {
            return Err(LockError::Timeout {
                target,
                holder: holder.map_or_else(
                    || "a session that just released it".into(),
                    |h| h.to_string(),
                ),
                waited: start.elapsed(),
            });
        }
        std::thread::sleep(pause.min(timeout.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Releases the run lock (the session's end would release it too).
pub fn release_lock(db: &mut Db, table: &HistoryTable) -> Result<(), StatementError> {
    if let Conn::Postgres(client) = &mut db.conn {
        client.query_one("SELECT pg_advisory_unlock($1)", &[&lock_key(table)])?;
    }
    Ok(())
}

fn holder(client: &mut postgres::Client, key: i64) -> Result<Option<LockHolder>, postgres::Error> {
    let rows = client.query(
        "SELECT a.pid, coalesce(a.application_name, ''), \
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                host(a.client_addr) \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted \
           AND l.classid = (($1::bigint >> 32) & 4294967295)::bigint::oid \
           AND l.objid = ($1::bigint & 4294967295)::bigint::oid AND l.objsubid = 1 \
         LIMIT 1",
        &[&key],
    )?;
    Ok(rows.first().map(|r| LockHolder {
        pid: r.get(0),
        application: r.get(1),
        since: r.get(2),
        client: r.get(3),
    }))
}
