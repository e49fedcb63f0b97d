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
use crate::db::{Conn, Db, StatementError};

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
        if let (Conn::Mysql(c), Some(_)) = (&mut db.conn, self.mode) {
            c.query(
                "SELECT RELEASE_LOCK(?)",
                vec![mysql_lock_name(self.key).into()],
            )?;
            return Ok(());
        }
        let Conn::Postgres(client) = &mut db.conn else {
            return Ok(());
        };
        match self.mode {
            Some(LockMode::Advisory) => {
                client.query_one("SELECT pg_advisory_unlock($1)", &[&self.key])?;
            }
            Some(LockMode::Table) => {
                let sql = format!(
                    "DELETE FROM {} WHERE id = 1 AND holder = $1",
                    self.lock_table
                );
                client.execute(&sql, &[&self.owner])?;
            }
            None => {}
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
    if let Conn::Mysql(c) = &mut db.conn {
        return mysql_lock(c, lock, target, timeout, waiting);
    }
    let Conn::Postgres(client) = &mut db.conn else {
        return Ok(lock);
    };
    if mode == LockMode::Table {
        ensure_lease_table(client, &lock.lock_table).map_err(|e| LockError::Database(e.into()))?;
    }
    let (key, lock_table, owner) = (lock.key, lock.lock_table.clone(), lock.owner.clone());
    poll(
        client,
        target,
        timeout,
        waiting,
        |client| {
            match mode {
                LockMode::Advisory => client
                    .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                    .map(|r| r.get::<_, bool>(0)),
                LockMode::Table => try_lease(client, &lock_table, &owner),
            }
            .map_err(|e| LockError::Database(e.into()))
        },
        |client| {
            match mode {
                LockMode::Advisory => advisory_holder(client, key),
                LockMode::Table => lease_holder(client, &lock_table),
            }
            .map_err(|e| LockError::Database(e.into()))
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
    conn: &mut crate::db::mysql::MysqlConn,
    mut lock: RunLock,
    target: String,
    timeout: Duration,
    waiting: impl FnMut(&LockHolder),
) -> Result<RunLock, LockError> {
    let name = mysql_lock_name(lock.key);
    poll(
        conn,
        target,
        timeout,
        waiting,
        |conn| {
            let got = conn
                .query("SELECT GET_LOCK(?, 0)", vec![name.as_str().into()])
                .map_err(LockError::Database)?;
            Ok(got
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .as_deref()
                == Some("1"))
        },
        |conn| {
            Ok(conn
                .query(
                    "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p \
                     WHERE p.ID = IS_USED_LOCK(?)",
                    vec![name.as_str().into()],
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

fn ensure_lease_table(
    client: &mut postgres::Client,
    lock_table: &str,
) -> Result<(), postgres::Error> {
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {lock_table} (id integer PRIMARY KEY, holder text NOT NULL, \
         acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)"
    );
    match client.batch_execute(&sql) {
        // Two runs creating it at once: the loser sees a duplicate; the table exists.
        Err(e)
            if e.code()
                .is_some_and(|c| c.code() == "23505" || c.code() == "42P07") =>
        {
            Ok(())
        }
        other => other,
    }
}

fn try_lease(
    client: &mut postgres::Client,
    lock_table: &str,
    owner: &str,
) -> Result<bool, postgres::Error> {
    let sql = format!(
        "INSERT INTO {lock_table} AS l (id, holder, acquired_at, expires_at) \
         VALUES (1, $1, now(), now() + make_interval(secs => $2)) \
         ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = now(), expires_at = EXCLUDED.expires_at \
         WHERE l.expires_at < now() RETURNING holder"
    );
    let ttl = LEASE_TTL.as_secs_f64();
    Ok(!client.query(&sql, &[&owner, &ttl])?.is_empty())
}

fn lease_holder(
    client: &mut postgres::Client,
    lock_table: &str,
) -> Result<Option<LockHolder>, postgres::Error> {
    let sql = format!(
        "SELECT holder, to_char(acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
         extract(epoch FROM expires_at - now())::float8 FROM {lock_table} WHERE id = 1"
    );
    Ok(client.query(&sql, &[])?.first().map(|r| {
        let left: f64 = r.get(2);
        LockHolder {
            who: format!(
                "{}, lease expires in {:.0}s unless renewed",
                r.get::<_, String>(0),
                left.max(0.0)
            ),
            since: r.get(1),
        }
    }))
}

fn advisory_holder(
    client: &mut postgres::Client,
    key: i64,
) -> Result<Option<LockHolder>, postgres::Error> {
    let rows = client.query(
        "SELECT a.pid, coalesce(a.application_name, ''), \
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                host(a.client_addr) \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND l.classid = (($1::bigint >> 32) & 4294967295)::bigint::oid \
           AND l.objid = ($1::bigint & 4294967295)::bigint::oid AND l.objsubid = 1 \
         LIMIT 1",
        &[&key],
    )?;
    Ok(rows.first().map(|r| {
        let mut who = format!("pid {}", r.get::<_, i32>(0));
        let app: String = r.get(1);
        if !app.is_empty() {
            who.push_str(&format!(" ({app})"));
        }
        if let Some(c) = r.get::<_, Option<String>>(3) {
            who.push_str(&format!(" from {c}"));
        }
        LockHolder {
            who,
            since: r.get(2),
        }
    }))
}

/// Renews the lease every third of its lifetime on a connection of its own.
fn spawn_heartbeat(url: &DatabaseUrl, lock: &RunLock) -> Result<JoinHandle<()>, LockError> {
    let DatabaseUrl::Postgres(target) = url else {
        return Err(LockError::Heartbeat("not a PostgreSQL URL".into()));
    };
    let mut client = crate::db::connect(target).map_err(|e| LockError::Heartbeat(e.to_string()))?;
    let stop = Arc::clone(&lock.stop);
    let sql = format!(
        "UPDATE {} SET expires_at = now() + make_interval(secs => $2) WHERE id = 1 AND holder = $1",
        lock.lock_table
    );
    let owner = lock.owner.clone();
    Ok(std::thread::spawn(move || {
        let ttl = LEASE_TTL.as_secs_f64();
        let every = LEASE_TTL / 3;
        let mut last = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= every {
                let _ = client.execute(&sql, &[&owner, &ttl]);
                last = Instant::now();
            }
        }
    }))
}
