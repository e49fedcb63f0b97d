//! Watching who blocks a running migration: a second connection polls
//! `pg_blocking_pids` for the migration's session, so that when a statement
//! times out waiting for a lock the report can name the sessions in its way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::url::DatabaseUrl;

/// A session that held a lock the migration waited for.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    /// Backend process id.
    pub pid: i32,
    /// Its `application_name`.
    pub application: String,
    /// `active`, `idle in transaction`...
    pub state: String,
    /// The start of its current or last query.
    pub query: String,
    /// Seconds since its transaction (or query) started.
    pub seconds: f64,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {}", self.pid)?;
        if !self.application.is_empty() {
            write!(f, " ({})", self.application)?;
        }
        write!(
            f,
            ", {} for {:.0}s: {}",
            self.state, self.seconds, self.query
        )
    }
}

/// A background watcher; stops when dropped.
pub struct BlockerWatch {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Blocker>>>,
    handle: Option<JoinHandle<()>>,
}

impl BlockerWatch {
    /// Starts watching session `pid`; `None` when a second connection cannot be opened.
    pub fn start(url: &DatabaseUrl, pid: i32) -> Option<BlockerWatch> {
        let DatabaseUrl::Postgres(target) = url else {
            return None;
        };
        let mut client = super::connect(target).ok()?;
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (stop2, seen2) = (Arc::clone(&stop), Arc::clone(&seen));
        let handle = std::thread::spawn(move || {
            let sql = "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), \
                       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 160), \
                       coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)), 0)::float8 \
                       FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1))";
            while !stop2.load(Ordering::Relaxed) {
                if let Ok(rows) = client.query(sql, &[&pid])
                    && !rows.is_empty()
                {
                    let now: Vec<Blocker> = rows
                        .iter()
                        .map(|r| Blocker {
                            pid: r.get(0),
                            application: r.get(1),
                            state: r.get(2),
                            query: r.get(3),
                            seconds: r.get(4),
                        })
                        .collect();
                    if let Ok(mut s) = seen2.lock() {
                        *s = now;
                    }
                }
                // Poll every 200 ms, but notice the stop flag quickly.
                for _ in 0..10 {
                    if stop2.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        });
        Some(BlockerWatch {
            stop,
            seen,
            handle: Some(handle),
        })
    }

    /// The sessions seen blocking most recently (cleared by [`BlockerWatch::clear`]).
    pub fn blockers(&self) -> Vec<Blocker> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Forgets what was seen (before the next attempt).
    pub fn clear(&self) {
        if let Ok(mut s) = self.seen.lock() {
            s.clear();
        }
    }
}

impl Drop for BlockerWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
