//! Ctrl-C and SIGTERM during `apply`: the statement running on the server is
//! cancelled (PostgreSQL: `pg_cancel_backend` from a second connection;
//! SQLite: the connection is interrupted), so its transaction rolls back and
//! the run lock is released, instead of the server working on after the
//! process is gone. A second signal exits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::db::Db;
use crate::db::url::DatabaseUrl;

/// Watches for SIGINT and SIGTERM while migrations run.
pub struct Interrupts {
    signal: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    ids: Vec<signal_hook::SigId>,
}

impl Interrupts {
    /// Starts watching; the runner's session is `pid` on PostgreSQL.
    pub fn watch(url: &DatabaseUrl, db: &Db, pid: Option<i32>) -> Interrupts {
        let signal = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for sig in [SIGINT, SIGTERM] {
            // A second signal ends the process at once (128 + the signal).
            let code = 128 + sig;
            if let Ok(id) =
                signal_hook::flag::register_conditional_shutdown(sig, code, Arc::clone(&seen))
            {
                ids.push(id);
            }
            if let Ok(id) = signal_hook::flag::register(sig, Arc::clone(&seen)) {
                ids.push(id);
            }
            if let Ok(id) =
                signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize)
            {
                ids.push(id);
            }
        }
        let mut canceller = db.canceller(url, pid);
        let stop = Arc::new(AtomicBool::new(false));
        let (signal2, stop2) = (Arc::clone(&signal), Arc::clone(&stop));
        let handle = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                if signal2.load(Ordering::Relaxed) == 0 {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                // Until the runner stops: a statement started meanwhile is cancelled too.
                if let Some(c) = canceller.as_mut() {
                    c.cancel();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Interrupts {
            signal,
            stop,
            handle: Some(handle),
            ids,
        }
    }

    /// The signal that arrived, if any: `SIGINT` or `SIGTERM`.
    pub fn received(&self) -> Option<i32> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The signal's name for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT (Ctrl-C)",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
