//! Running one migration: in a transaction with its history row, or
//! statement by statement with recorded progress; with the session's
//! timeouts set and retries when a statement times out waiting for a lock.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::progress::{Event, Progress};
use crate::db::{Blocker, BlockerWatch, Db, ScriptError, StatementError, sqlite_triggers};
use crate::history::{self, AppliedMigration, HistoryTable};
use crate::migrations::{CHECKSUM_VERSION, Migration};
use crate::schema::Dialect;
use crate::sql::split;

use super::super::{millis, now_rfc3339};

/// SQLSTATE of a statement that gave up waiting for a lock (`lock_timeout`).
pub const LOCK_NOT_AVAILABLE: &str = "55P03";

/// Session settings and retry policy for migration statements.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// `lock_timeout` (`None`: leave as is; zero: off).
    pub lock_timeout: Option<Duration>,
    /// `statement_timeout` (`None`: leave as is; zero: off).
    pub statement_timeout: Option<Duration>,
    /// Retries after a lock timeout.
    pub retries: u32,
    /// How long to wait for an earlier run's session still running the
    /// statement to be resumed (see [`Runner::wait_for_earlier_attempt`]).
    pub earlier_attempt_wait: Duration,
}

impl Settings {
    /// The statements that set the session's timeouts before each migration
    /// (PostgreSQL; none on SQLite).
    pub fn statements(&self, dialect: Dialect) -> Vec<String> {
        if dialect == Dialect::Mysql {
            // MySQL waits for metadata locks up to `lock_wait_timeout` seconds
            // (a year by default); it has no limit on DDL statements' time.
            return self
                .lock_timeout
                .map(|t| format!("SET SESSION lock_wait_timeout = {}", t.as_secs().max(1)))
                .into_iter()
                .collect();
        }
        if dialect != Dialect::Postgres {
            return Vec::new();
        }
        let ms = |d: Duration| format!("'{}ms'", d.as_millis());
        let mut statements = Vec::new();
        if let Some(t) = self.lock_timeout {
            statements.push(format!("SET lock_timeout = {}", ms(t)));
        }
        if let Some(t) = self.statement_timeout {
            statements.push(format!("SET statement_timeout = {}", ms(t)));
        }
        statements
    }
}

/// How a migration ended.
pub enum Ran {
    /// Applied now, with this many statements.
    Applied(usize),
    /// A concurrent run applied it first.
    AlreadyApplied,
}

/// Why a migration did not finish.
pub enum RunError {
    /// A statement failed.
    Script {
        /// Where and what.
        error: Box<ScriptError>,
        /// Sessions that held the lock it waited for, if it timed out waiting.
        blockers: Vec<Blocker>,
        /// How many times it was retried.
        retries: u32,
        /// Extra advice (e.g. an INVALID index left behind).
        advice: Option<String>,
    },
    /// The runner's own bookkeeping failed.
    Database(&'static str, Box<StatementError>),
    /// A resumed migration's completed statements were edited since.
    EditedPrefix {
        /// Statements already done.
        done: usize,
    },
    /// Another session still runs the statement to resume (an earlier run
    /// whose runner was stopped), past the wait.
    EarlierAttempt {
        /// 1-based number of the statement.
        number: usize,
        /// The session running it.
        session: Blocker,
    },
}

impl RunError {
    fn database(what: &'static str, e: StatementError) -> RunError {
        RunError::Database(what, Box::new(e))
    }
}

/// Runs migrations on one connection.
pub struct Runner<'a> {
    /// The connection.
    pub db: &'a mut Db,
    /// The history table.
    pub table: &'a HistoryTable,
    /// Timeouts and retries.
    pub settings: Settings,
    /// Who blocks us, when watched.
    pub watch: Option<BlockerWatch>,
    /// Where progress goes.
    pub progress: &'a mut dyn Progress,
}

impl Runner<'_> {
    /// Runs one migration; `previous` is its history row if an earlier run stopped part-way.
    pub fn run(
        &mut self,
        m: &Migration,
        previous: Option<&AppliedMigration>,
    ) -> Result<Ran, RunError> {
        let total = split(&m.sql, self.db.sql_dialect()).len();
        self.progress.event(Event::Migration {
            id: &m.id,
            statements: total,
        });
        let mut attempt = 0;
        loop {
            if let Some(w) = &self.watch {
                w.clear();
            }
            // A migration may change the session's settings: they are set
            // again for each (with its BEGIN, in one round trip).
            let outcome = if m.transactional() {
                self.run_in_transaction(m, total)
            } else {
                self.apply_settings()
                    .map_err(|e| RunError::database("could not set the session's timeouts", e))?;
                let previous = if attempt == 0 {
                    previous.cloned()
                } else {
                    history::read(self.db, self.table)
                        .map_err(|e| RunError::database("could not read the history", e))?
                        .into_iter()
                        .find(|a| a.id == m.id)
                };
                self.run_statement_by_statement(m, previous.as_ref())
            };
            match outcome {
                Err(RunError::Script { error, advice, .. })
                    if error.error.code.as_deref() == Some(LOCK_NOT_AVAILABLE)
                        && attempt < self.settings.retries =>
                {
                    let _ = advice;
                    attempt += 1;
                    let wait = backoff(attempt);
                    let blockers = self.blockers();
                    self.progress.event(Event::Retry {
                        id: &m.id,
                        attempt,
                        wait,
                        blockers: &blockers,
                    });
                    std::thread::sleep(wait);
                }
                Err(RunError::Script { error, advice, .. }) => {
                    let blockers = if error.error.code.as_deref() == Some(LOCK_NOT_AVAILABLE) {
                        self.blockers()
                    } else {
                        Vec::new()
                    };
                    return Err(RunError::Script {
                        error,
                        blockers,
                        retries: attempt,
                        advice,
                    });
                }
                other => return other,
            }
        }
    }

    fn blockers(&self) -> Vec<Blocker> {
        self.watch
            .as_ref()
            .map(BlockerWatch::blockers)
            .unwrap_or_default()
    }

    /// `SET lock_timeout` / `statement_timeout` for the session (PostgreSQL).
    fn apply_settings(&mut self) -> Result<(), StatementError> {
        for statement in self.settings.statements(self.db.dialect()) {
            self.db.execute(&statement)?;
        }
        Ok(())
    }

    /// One transaction: the statements and the history row commit together.
    fn run_in_transaction(&mut self, m: &Migration, total: usize) -> Result<Ran, RunError> {
        let table = self.table;
        let started = Instant::now();
        self.script_in_transaction(
            &m.sql,
            total,
            |db| {
                // PostgreSQL runs hold the run lock; SQLite runs serialise on
                // the write transaction, so another run may have applied it.
                let applied = db.dialect() == Dialect::Sqlite
                    && history::contains(db, table, &m.id)
                        .map_err(|e| RunError::database("could not read the history", e))?;
                Ok(applied.then_some(Ran::AlreadyApplied))
            },
            |db, total| {
                // The history row goes with the COMMIT.
                let record = history::record_sql(
                    table,
                    db.dialect(),
                    &row(m, millis(started.elapsed()), None, true, None, None),
                );
                Ok((Ran::Applied(total), Some(record)))
            },
        )
    }

    /// Undoes migration `m` with `down` (its down.sql) and deletes its
    /// history row: in one transaction, or, when `down` opts out of one,
    /// statement by statement with the row deleted at the end. Returns the
    /// number of statements run.
    pub fn undo(
        &mut self,
        m: &Migration,
        down: &str,
        previous: Option<&AppliedMigration>,
    ) -> Result<usize, RunError> {
        let table = self.table;
        let forget = |db: &mut Db| {
            history::forget(db, table, &m.id)
                .map_err(|e| RunError::database("could not delete the history row", e))
        };
        let total = split(down, self.db.sql_dialect()).len();
        if crate::migrations::opts_out_of_transaction(down) {
            self.apply_settings()
                .map_err(|e| RunError::database("could not set the session's timeouts", e))?;
            let total = self.undo_statement_by_statement(m, down, previous)?;
            forget(self.db)?;
            return Ok(total);
        }
        self.script_in_transaction(
            down,
            total,
            |_| Ok(None),
            |db, total| {
                forget(db)?;
                Ok((total, None))
            },
        )
    }

    /// A no-transaction down.sql: each statement commits with the progress
    /// in the migration's history row (marked [`history::UNDOING`]), so a
    /// failed or stopped run resumes at the failed statement once those
    /// before it are verified unchanged.
    fn undo_statement_by_statement(
        &mut self,
        m: &Migration,
        down: &str,
        previous: Option<&AppliedMigration>,
    ) -> Result<usize, RunError> {
        let started = Instant::now();
        let statements: Vec<String> = split(down, self.db.sql_dialect())
            .iter()
            .map(|s| s.text.to_string())
            .collect();
        let mark = |done: &[String]| format!("{}{}", history::UNDOING, prefix_checksum(done));
        let skip = match previous {
            Some(p) if p.undoing() => usize::try_from(p.statements_done.unwrap_or(0))
                .unwrap_or(0)
                .min(statements.len()),
            _ => 0,
        };
        if skip > 0
            && previous.and_then(|p| p.progress_checksum.as_deref())
                != Some(&mark(&statements[..skip]))
        {
            return Err(RunError::EditedPrefix { done: skip });
        }
        self.run_with_progress(m, down, &statements, skip, started, &mark, skip > 0)
            .map_err(script_error)
    }

    /// Runs `script` from statement `skip`, each statement committed together
    /// with `m`'s history row counting those done (and `checksum` of them).
    /// A failure is recorded in the row too when `skip` statements were done
    /// before or one was done now, or `always_record_failure`.
    #[allow(clippy::too_many_arguments)]
    fn run_with_progress(
        &mut self,
        m: &Migration,
        script: &str,
        statements: &[String],
        skip: usize,
        started: Instant,
        checksum: &dyn Fn(&[String]) -> String,
        always_record_failure: bool,
    ) -> Result<usize, Box<ScriptError>> {
        let table = self.table;
        let progress = &mut *self.progress;
        let result = self.db.run_script(script, skip, true, |db, index| {
            let done = index + 1;
            progress.event(Event::Statement {
                done,
                total: statements.len(),
            });
            history::record(
                db,
                table,
                &row(
                    m,
                    millis(started.elapsed()),
                    Some(count(done)),
                    false,
                    None,
                    Some(checksum(&statements[..done])),
                ),
            )
        });
        if let Err(e) = &result
            && (always_record_failure || e.index > skip)
        {
            let _ = history::record(
                self.db,
                table,
                &row(
                    m,
                    millis(started.elapsed()),
                    Some(count(e.index)),
                    false,
                    Some(e.error.to_string()),
                    Some(checksum(&statements[..e.index.min(statements.len())])),
                ),
            );
        }
        result
    }

    /// Runs `script` in one transaction between `before` (which may end the
    /// run with its own outcome) and `after` (which may give a statement to
    /// send with the COMMIT), and commits them together:
    /// SQLite's foreign keys are checked at the end, and the triggers of
    /// tables the script rebuilds are made again.
    fn script_in_transaction<T>(
        &mut self,
        script: &str,
        total: usize,
        before: impl FnOnce(&mut Db) -> Result<Option<T>, RunError>,
        after: impl FnOnce(&mut Db, usize) -> Result<(T, Option<String>), RunError>,
    ) -> Result<T, RunError> {
        let progress = &mut *self.progress;
        let settings = self.settings.statements(self.db.dialect());
        self.db.with_foreign_keys_deferred(|db| {
            db.begin_after(&settings).map_err(|e| {
                RunError::database(
                    "could not set the session's timeouts and begin a transaction",
                    e,
                )
            })?;
            let outcome = (|| {
                if let Some(early) = before(db)? {
                    return Ok(((early, None), false));
                }
                let triggers = sqlite_triggers::of_rebuilt_tables(db, script)
                    .map_err(|e| RunError::database("could not read the triggers", e))?;
                let total = db
                    .run_script(script, 0, false, |_, index| {
                        progress.event(Event::Statement {
                            done: index + 1,
                            total,
                        });
                        Ok(())
                    })
                    .map_err(script_error)?;
                sqlite_triggers::restore(db, &triggers).map_err(|e| {
                    RunError::database("could not re-create the triggers of a rebuilt table", e)
                })?;
                db.check_foreign_keys().map_err(|e| {
                    RunError::database(
                        "foreign keys are violated after the migration; rolled back",
                        e,
                    )
                })?;
                Ok((after(db, total)?, true))
            })();
            match outcome {
                Ok(((done, with), true)) => {
                    let committed = match &with {
                        Some(statement) => db.commit_after(statement).map_err(|e| {
                            RunError::database("could not record the migration and commit", e)
                        }),
                        None => db
                            .commit()
                            .map_err(|e| RunError::database("could not commit", e)),
                    };
                    if committed.is_err() {
                        db.rollback();
                    }
                    committed.map(|()| done)
                }
                Ok(((early, _), false)) => {
                    db.rollback();
                    Ok(early)
                }
                Err(e) => {
                    db.rollback();
                    Err(e)
                }
            }
        })
    }

    /// Outside a transaction: each statement commits on its own and progress
    /// is recorded after each, so a failed run resumes at the failed
    /// statement once the statements before it are verified unchanged.
    fn run_statement_by_statement(
        &mut self,
        m: &Migration,
        previous: Option<&AppliedMigration>,
    ) -> Result<Ran, RunError> {
        let started = Instant::now();
        let statements: Vec<String> = split(&m.sql, self.db.sql_dialect())
            .iter()
            .map(|s| s.text.to_string())
            .collect();
        let skip = match previous {
            Some(p) if !p.finished => usize::try_from(p.statements_done.unwrap_or(0))
                .unwrap_or(0)
                .min(statements.len()),
            _ => 0,
        };
        if skip > 0
            && previous.and_then(|p| p.progress_checksum.as_deref())
                != Some(&prefix_checksum(&statements[..skip]))
        {
            return Err(RunError::EditedPrefix { done: skip });
        }
        let table = self.table;
        if skip == 0 {
            history::record(
                self.db,
                table,
                &row(m, 0, Some(0), false, None, Some(prefix_checksum(&[]))),
            )
            .map_err(|e| RunError::database("could not record the migration", e))?;
        }
        let mut skip = skip;
        if let Some(next) = statements.get(skip) {
            if crate::sql::needs_no_transaction(next) {
                self.wait_for_earlier_attempt(next).map_err(|session| {
                    RunError::EarlierAttempt {
                        number: skip + 1,
                        session,
                    }
                })?;
            }
            if let Some(index) = self.built_already(next) {
                // A run killed during the build: the server finished it on its own.
                crate::report::eline(
                    crate::report::WARN,
                    "resume",
                    &format!(
                        "index {index} was already built by an earlier run that was stopped; not building it again"
                    ),
                );
                skip += 1;
                history::record(
                    self.db,
                    table,
                    &row(
                        m,
                        0,
                        Some(count(skip)),
                        false,
                        None,
                        Some(prefix_checksum(&statements[..skip])),
                    ),
                )
                .map_err(|e| RunError::database("could not record the migration", e))?;
            } else {
                self.drop_invalid_leftover(next);
            }
        }
        let result = self.run_with_progress(
            m,
            &m.sql,
            &statements,
            skip,
            started,
            &prefix_checksum,
            true,
        );
        match result {
            Ok(total) => {
                history::record(
                    self.db,
                    table,
                    &row(
                        m,
                        millis(started.elapsed()),
                        Some(count(total)),
                        true,
                        None,
                        Some(prefix_checksum(&statements)),
                    ),
                )
                .map_err(|e| RunError::database("could not record the migration", e))?;
                Ok(Ran::Applied(total))
            }
            Err(e) => {
                let advice = self.invalid_leftover(&e.statement).map(|index| {
                    format!(
                        "the failed CREATE INDEX CONCURRENTLY left index {index} INVALID; the next `db-migrate apply` drops it before retrying \
                         (or run DROP INDEX CONCURRENTLY {index}; yourself)"
                    )
                });
                let mut err = script_error(e);
                if let RunError::Script { advice: a, .. } = &mut err {
                    *a = advice;
                }
                Err(err)
            }
        }
    }

    /// The valid index a `CREATE INDEX CONCURRENTLY` statement would build, if
    /// it exists already (built by an earlier run that was killed meanwhile).
    fn built_already(&mut self, statement: &str) -> Option<String> {
        self.concurrent_index(statement, true)
    }

    /// Before a statement that runs outside a transaction: while another
    /// session runs the same statement (a run killed during it leaves the
    /// server's session working, and a lease can expire before it ends),
    /// waits for it, up to [`Settings::earlier_attempt_wait`]; past that,
    /// returns the session.
    pub fn wait_for_earlier_attempt(&mut self, statement: &str) -> Result<(), Blocker> {
        let wait = self.settings.earlier_attempt_wait;
        let started = Instant::now();
        let mut said = false;
        loop {
            let Some(session) = self.db.running_elsewhere(statement) else {
                return Ok(());
            };
            if started.elapsed() >= wait {
                return Err(session);
            }
            if !said {
                said = true;
                crate::report::eline(
                    crate::report::WARN,
                    "waiting",
                    &format!(
                        "session {} ({}) is still running this statement from an earlier run that was stopped \
                         ({:.0} s so far); waiting up to {} s for it to finish",
                        session.pid,
                        if session.application.is_empty() {
                            "no application name"
                        } else {
                            &session.application
                        },
                        session.seconds,
                        wait.as_secs()
                    ),
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The INVALID index a failed `CREATE INDEX CONCURRENTLY` statement left, if any.
    fn invalid_leftover(&mut self, statement: &str) -> Option<String> {
        self.concurrent_index(statement, false)
    }

    /// The index a `CREATE INDEX CONCURRENTLY` statement builds, when it exists
    /// and its validity is `valid`.
    fn concurrent_index(&mut self, statement: &str, valid: bool) -> Option<String> {
        let name = concurrent_index_name(statement, self.db.dialect())?;
        self.db.index_with_validity(&name, valid)
    }

    /// Before re-running a `CREATE INDEX CONCURRENTLY` that failed, drops the
    /// INVALID index it left behind (it holds the name and blocks the retry).
    fn drop_invalid_leftover(&mut self, next: &str) {
        if let Some(index) = self.invalid_leftover(next) {
            crate::report::eline(
                crate::report::WARN,
                "cleanup",
                &format!(
                    "dropping index {index}, left INVALID by an earlier failed CREATE INDEX CONCURRENTLY"
                ),
            );
            let _ = self
                .db
                .execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"));
        }
    }
}

fn script_error(e: Box<ScriptError>) -> RunError {
    RunError::Script {
        error: e,
        blockers: Vec::new(),
        retries: 0,
        advice: None,
    }
}

/// The name of the index a `CREATE [UNIQUE] INDEX CONCURRENTLY` statement builds.
fn concurrent_index_name(statement: &str, dialect: Dialect) -> Option<String> {
    let parsed = crate::lint::statements_from_sql(statement, dialect);
    parsed.first()?.changes.iter().find_map(|c| match &**c {
        crate::diff::Change::CreateIndex { index, .. } if index.concurrently => {
            Some(index.name.clone())
        }
        _ => None,
    })
}

/// A statement count as stored in the history table.
pub fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// 1 s, 2 s, 4 s... (at most 30 s) with up to 25 % jitter, so concurrent
/// deploys do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base =
        Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30));
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 250);
    base + base * jitter / 1000
}

/// Checksum of the statements already run, to verify them before resuming.
pub fn prefix_checksum(statements: &[String]) -> String {
    let mut hasher = Sha256::new();
    for s in statements {
        hasher.update(s.trim().as_bytes());
        hasher.update(b"\n;\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A history row for `m`.
pub fn row(
    m: &Migration,
    ms: u64,
    statements_done: Option<i64>,
    finished: bool,
    error: Option<String>,
    progress_checksum: Option<String>,
) -> AppliedMigration {
    AppliedMigration {
        id: m.id.clone(),
        checksum: m.checksum.clone(),
        checksum_version: CHECKSUM_VERSION as i32,
        applied_at: now_rfc3339(),
        execution_ms: i64::try_from(ms).unwrap_or(i64::MAX),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        statements_done,
        finished,
        error,
        progress_checksum,
    }
}
