//! The run lock: one `apply` at a time per database.
//!
//! - **advisory** (PostgreSQL default): a session advisory lock keyed by the
//!   history table's name, held for the whole run, polled with a timeout;
//!   while waiting, the holder is named from `pg_stat_activity`.
//! - **table**: a lease row in `<history>_lock` with an expiry, renewed by a
//!   heartbeat on its own connection; works behind transaction-mode poolers
//!   (PgBouncer, Supavisor, Neon's pooler) where session locks do not hold.
//!   A killed holder's lease expires, so nothing stays stuck.
//! - SQLite: each migration runs in a `BEGIN IMMEDIATE` transaction with a
//!   busy timeout, which serialises writers; no lock is needed on top.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::HistoryTable;
use crate::db::url::DatabaseUrl;
use crate::db::{Db, Param, StatementError};
use crate::schema::Dialect;

/// How concurrent runs are kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// A PostgreSQL session advisory lock.
    Advisory,
    /// A lease row with heartbeat and expiry.
    Table,
}

impl LockMode {
    /// Parses `advisory` or `table`.
    pub fn parse(text: &str) -> Option<LockMode> {
        match text {
            "advisory" => Some(LockMode::Advisory),
            "table" => Some(LockMode::Table),
            _ => None,
        }
    }
}

/// How long a lease lives without a heartbeat.
pub const LEASE_TTL: Duration = Duration::from_secs(30);

/// Who holds the lock we are waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// A description: pid and application for advisory locks, the lease owner for tables.
    pub who: String,
    /// Since when it holds it (or its session exists).
    pub since: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, since {}", self.who, self.since)
    }
}

/// The lock could not be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    /// Another run held it for longer than the timeout.
    #[error(
        "another db-migrate run holds the migration lock on {target} ({holder}); gave up after {waited:.1?}"
    )]
    #[diagnostic(help(
        "wait for that run to finish and retry, or raise --lock-timeout; a stuck session can be ended with SELECT pg_terminate_backend(<pid>), a stale lease expires by itself"
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
    /// The lease heartbeat needs its own connection.
    #[error("could not open the connection that keeps the migration lock alive: {0}")]
    Heartbeat(String),
}

/// A held run lock; release it with [`RunLock::release`] (dropping it stops the heartbeat).
pub struct RunLock {
    mode: Option<LockMode>,
    key: i64,
    lock_table: String,
    owner: String,
    stop: Arc<AtomicBool>,
    heartbeat: Option<JoinHandle<()>>,
}

impl RunLock {
    /// Releases the lock.
    pub fn release(mut self, db: &mut Db) -> Result<(), StatementError> {
        self.stop_heartbeat();
        match (db.dialect(), self.mode) {
            (_, None) | (Dialect::Sqlite, _) => {}
            (Dialect::Mysql, Some(_)) => {
                let name = mysql_lock_name(self.key);
                db.rows("SELECT RELEASE_LOCK(?)", &[Param::Text(Some(&name))])?;
            }
            (Dialect::Postgres, Some(LockMode::Advisory)) => {
                db.rows(
                    "SELECT pg_advisory_unlock($1)",
                    &[Param::Int(Some(self.key))],
                )?;
            }
            (Dialect::Postgres, Some(LockMode::Table)) => {
                let sql = format!(
                    "DELETE FROM {} WHERE id = 1 AND holder = $1",
                    self.lock_table
                );
                db.rows(&sql, &[Param::Text(Some(&self.owner))])?;
            }
        }
        Ok(())
    }

    fn stop_heartbeat(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.heartbeat.take() {
            let _ = h.join();
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        self.stop_heartbeat();
    }
}

/// The advisory lock key for a history table: stable across runs and versions.
pub fn lock_key(table: &HistoryTable) -> i64 {
    let digest = Sha256::digest(format!("db-migrate:{table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The lease table next to the history table: `<history>_lock`.
fn lease_table(table: &HistoryTable) -> String {
    let lock = HistoryTable {
        schema: table.schema.clone(),
        name: format!("{}_lock", table.name),
    };
    lock.sql(crate::schema::Dialect::Postgres)
}

/// Takes the run lock, calling `waiting` once with the holder if it must wait.
pub fn acquire_lock(
    db: &mut Db,
    url: &DatabaseUrl,
    table: &HistoryTable,
    mode: LockMode,
    timeout: Duration,
    waiting: impl FnMut(&LockHolder),
) -> Result<RunLock, LockError> {
    let mut lock = RunLock {
        mode: None,
        key: lock_key(table),
        lock_table: lease_table(table),
        owner: owner_id(),
        stop: Arc::new(AtomicBool::new(false)),
        heartbeat: None,
    };
    let target = db.target.clone();
    match db.dialect() {
        // Each migration takes SQLite's write lock (`BEGIN IMMEDIATE`).
        Dialect::Sqlite => return Ok(lock),
        Dialect::Mysql => return mysql_lock(db, lock, target, timeout, waiting),
        Dialect::Postgres => {}
    }
    if mode == LockMode::Table {
        ensure_lease_table(db, &lock.lock_table).map_err(LockError::Database)?;
    }
    let (key, lock_table, owner) = (lock.key, lock.lock_table.clone(), lock.owner.clone());
    poll(
        db,
        target,
        timeout,
        waiting,
        |db| {
            match mode {
                LockMode::Advisory => db
                    .value("SELECT pg_try_advisory_lock($1)", &[Param::Int(Some(key))])
                    .map(|v| v.as_deref() == Some("true")),
                LockMode::Table => try_lease(db, &lock_table, &owner),
            }
            .map_err(LockError::Database)
        },
        |db| {
            match mode {
                LockMode::Advisory => advisory_holder(db, key),
                LockMode::Table => lease_holder(db, &lock_table),
            }
            .map_err(LockError::Database)
        },
    )?;
    lock.mode = Some(mode);
    if mode == LockMode::Table {
        lock.heartbeat = Some(spawn_heartbeat(url, &lock)?);
    }
    Ok(lock)
}

/// Tries `take` until it succeeds or `timeout` passes (pausing 50 ms, then
/// twice as long each time, at most 500 ms), telling `waiting` once who
/// holds the lock.
fn poll<C>(
    conn: &mut C,
    target: String,
    timeout: Duration,
    mut waiting: impl FnMut(&LockHolder),
    mut take: impl FnMut(&mut C) -> Result<bool, LockError>,
    mut holder: impl FnMut(&mut C) -> Result<Option<LockHolder>, LockError>,
) -> Result<(), LockError> {
    let start = Instant::now();
    let mut told = false;
    let mut pause = Duration::from_millis(50);
    loop {
        if take(conn)? {
            return Ok(());
        }
        let holder = holder(conn)?;
        if !told {
            if let Some(h) = &holder {
                waiting(h);
            }
            told = true;
        }
        if start.elapsed() >= timeout {
            return Err(LockError::Timeout {
                target,
                holder: holder
                    .map_or_else(|| "a run that just released it".into(), |h| h.to_string()),
                waited: start.elapsed(),
            });
        }
        std::thread::sleep(pause.min(timeout.saturating_sub(start.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// MySQL's named lock for a history table (lock names are at most 64 characters).
fn mysql_lock_name(key: i64) -> String {
    format!("db-migrate:{key:016x}")
}

/// MySQL: `GET_LOCK` on the runner's session, polled so the holder can be
/// named while waiting. The server releases it when the session ends, so a
/// killed run leaves nothing held.
fn mysql_lock(
    db: &mut Db,
    mut lock: RunLock,
    target: String,
    timeout: Duration,
    waiting: impl FnMut(&LockHolder),
) -> Result<RunLock, LockError> {
    let name = mysql_lock_name(lock.key);
    poll(
        db,
        target,
        timeout,
        waiting,
        |db| {
            let got = db
                .value("SELECT GET_LOCK(?, 0)", &[Param::Text(Some(&name))])
                .map_err(LockError::Database)?;
            Ok(got.as_deref() == Some("1"))
        },
        |db| {
            Ok(db
                .rows(
                    "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p \
                     WHERE p.ID = IS_USED_LOCK(?)",
                    &[Param::Text(Some(&name))],
                )
                .map_err(LockError::Database)?
                .into_iter()
                .next()
                .map(|r| {
                    let field = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                    LockHolder {
                        who: format!("session {} ({}@{})", field(0), field(1), field(2)),
                        since: format!("{} s ago", field(3)),
                    }
                }))
        },
    )?;
    lock.mode = Some(LockMode::Advisory);
    Ok(lock)
}

fn owner_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "db-migrate on {host}, pid {} ({nanos:x})",
        std::process::id()
    )
}

fn ensure_lease_table(db: &mut Db, lock_table: &str) -> Result<(), StatementError> {
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {lock_table} (id integer PRIMARY KEY, holder text NOT NULL, \
         acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)"
    );
    match db.execute(&sql) {
        // Two runs creating it at once: the loser sees a duplicate; the table exists.
        Err(e) if matches!(e.code.as_deref(), Some("23505" | "42P07")) => Ok(()),
        other => other,
    }
}

/// The lease's time to live, as SQL for an interval.
fn lease_ttl() -> String {
    format!("interval '{} seconds'", LEASE_TTL.as_secs())
}

fn try_lease(db: &mut Db, lock_table: &str, owner: &str) -> Result<bool, StatementError> {
    let ttl = lease_ttl();
    let sql = format!(
        "INSERT INTO {lock_table} AS l (id, holder, acquired_at, expires_at) \
         VALUES (1, $1, now(), now() + {ttl}) \
         ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = now(), expires_at = EXCLUDED.expires_at \
         WHERE l.expires_at < now() RETURNING holder"
    );
    Ok(!db.rows(&sql, &[Param::Text(Some(owner))])?.is_empty())
}

fn lease_holder(db: &mut Db, lock_table: &str) -> Result<Option<LockHolder>, StatementError> {
    let sql = format!(
        "SELECT holder, to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
         greatest(0, round(extract(epoch FROM expires_at - now())))::bigint FROM {lock_table} WHERE id = 1"
    );
    Ok(db.rows(&sql, &[])?.into_iter().next().map(|r| {
        let field = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
        LockHolder {
            who: format!(
                "{}, lease expires in {}s unless renewed",
                field(0),
                field(2)
            ),
            since: field(1),
        }
    }))
}

fn advisory_holder(db: &mut Db, key: i64) -> Result<Option<LockHolder>, StatementError> {
    let rows = db.rows(
        "SELECT a.pid, coalesce(a.application_name, ''), \
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                host(a.client_addr) \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND l.classid = (($1::bigint >> 32) & 4294967295)::bigint::oid \
           AND l.objid = ($1::bigint & 4294967295)::bigint::oid AND l.objsubid = 1 \
         LIMIT 1",
        &[Param::Int(Some(key))],
    )?;
    Ok(rows.into_iter().next().map(|r| {
        let field = |i: usize| r.get(i).cloned().flatten();
        let mut who = format!("pid {}", field(0).unwrap_or_default());
        let app = field(1).unwrap_or_default();
        if !app.is_empty() {
            who.push_str(&format!(" ({app})"));
        }
        if let Some(c) = field(3) {
            who.push_str(&format!(" from {c}"));
        }
        LockHolder {
            who,
            since: field(2).unwrap_or_default(),
        }
    }))
}

/// Renews the lease every third of its lifetime on a connection of its own.
fn spawn_heartbeat(url: &DatabaseUrl, lock: &RunLock) -> Result<JoinHandle<()>, LockError> {
    let mut db =
        Db::connect(url, Duration::from_secs(5)).map_err(|e| LockError::Heartbeat(e.message))?;
    let stop = Arc::clone(&lock.stop);
    let sql = format!(
        "UPDATE {} SET expires_at = now() + {} WHERE id = 1 AND holder = $1",
        lock.lock_table,
        lease_ttl()
    );
    let owner = lock.owner.clone();
    Ok(std::thread::spawn(move || {
        let every = LEASE_TTL / 3;
        let mut last = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= every {
                let _ = db.rows(&sql, &[Param::Text(Some(&owner))]);
                last = Instant::now();
            }
        }
    }))
}
