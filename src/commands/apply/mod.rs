//! `apply`: run pending migrations in order, each in its own transaction
//! together with its history row, under the run lock.

mod dry_run;
pub(super) mod gate;
mod interrupt;
pub(super) mod progress;
pub(super) mod run;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::config::Config;
use crate::db::url::DatabaseUrl;
use crate::db::{BlockerWatch, Db, ScriptError, StatementError};
use crate::history::{self, AppliedMigration, HistoryTable, LockMode};
use crate::migrations::{AppliedRecord, CHECKSUM_VERSION, Migration, MigrationSet};
use crate::report::{self, BAD, WARN};
use interrupt::Interrupts;

use super::{
    CommandResult, Failure, Outcome, connect_with_url, history_table, migrations_dialect,
    now_rfc3339, problem, usage,
};
use progress::Event;
use run::{Ran, RunError, Runner, Settings};

/// What `apply` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ApplyArgs {
    /// Run even though applied migrations were edited.
    pub allow_edited: bool,
    /// Run pending migrations older than the newest applied one.
    pub allow_out_of_order: bool,
    /// Print the SQL that would run; change nothing.
    pub dry_run: bool,
    /// Stop after this migration (id, unique id prefix, or name).
    pub to: Option<String>,
    /// Run migrations with lint errors that no allow comment allows.
    pub allow_lint_errors: bool,
}

/// A migration (or its down.sql) that failed, shown with its SQL.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(
    "{what} failed at {file} line {line}, column {column} (statement {number} of {total}){outcome}{later}"
)]
pub struct MigrationFailed {
    /// What ran: `migration <id>`, or `undoing <id>`.
    pub what: String,
    /// The file's name: migration.sql or down.sql.
    pub file: &'static str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// 1-based statement number.
    pub number: usize,
    /// Statements in the file.
    pub total: usize,
    /// What happened to the migration's own statements.
    pub outcome: String,
    /// What about later migrations.
    pub later: String,
    /// The file.
    #[source_code]
    pub src: NamedSource<String>,
    /// The failing spot.
    #[label("{server}")]
    pub span: SourceSpan,
    /// The server's message.
    pub server: String,
    /// How to go on.
    #[help]
    pub help: Option<String>,
}

/// Runs `apply`.
pub fn run(config: &Config, args: &ApplyArgs) -> CommandResult {
    let set = super::load_migrations(config)?;
    let (mut db, url) = connect_with_url(config, migrations_dialect(&set))?;
    let set = set.run_on(db.dialect());
    let table = history_table(config);
    if args.dry_run {
        let applied = super::applied_migrations(&mut db, config, &set)?;
        let pending = select(&set, &applied, args, &db.target)?;
        return Ok(dry_run::print(
            &db,
            &table,
            settings(config),
            &pending,
            &applied,
        ));
    }
    let lock = run_lock(&mut db, &url, &table, config)?;
    let result = apply_locked(&mut db, &url, &table, &set, config, args);
    let _ = lock.release(&mut db);
    result
}

/// Takes the run lock that `apply` and `down` hold while they change the
/// database: a session advisory lock, or a lease table behind a
/// transaction-mode pooler (or as configured); says whom it waits for.
pub fn run_lock(
    db: &mut Db,
    url: &DatabaseUrl,
    table: &HistoryTable,
    config: &Config,
) -> Result<history::RunLock, Failure> {
    let mode = config.lock_mode.unwrap_or_else(|| {
        if url.is_transaction_pooler() {
            report::eline(
                WARN,
                "note",
                "this URL goes through a transaction-mode connection pooler, where session advisory locks do not hold: \
                 using a lease table instead (set lock = \"advisory\" to override, or connect directly)",
            );
            LockMode::Table
        } else {
            LockMode::Advisory
        }
    });
    history::acquire_lock(db, url, table, mode, config.lock_timeout, |holder| {
        report::eline(
            WARN,
            "waiting",
            &format!("for the migration lock held by {holder}"),
        );
    })
    .map_err(Failure::problem)
}

/// Records in db-migrate's history, in one transaction, the imported
/// migrations drizzle-kit's migrator applied (they never run again), and
/// adds them to `applied`.
fn adopt_drizzle_kit(
    db: &mut Db,
    table: &HistoryTable,
    set: &MigrationSet,
    config: &Config,
    applied: &mut Vec<AppliedMigration>,
) -> Result<(), Failure> {
    let adopted = super::adopt::applied_by_drizzle_kit(db, config, set, applied)?;
    if adopted.is_empty() {
        return Ok(());
    }
    db.begin()
        .map_err(|e| db_problem(db, "could not begin a transaction", e))?;
    for row in &adopted {
        if let Err(e) = history::record(db, table, row) {
            db.rollback();
            return Err(db_problem(
                db,
                "could not record drizzle-kit's migrations",
                e,
            ));
        }
    }
    db.commit()
        .map_err(|e| db_problem(db, "could not commit drizzle-kit's migrations", e))?;
    for row in adopted.iter().filter(|_| config.journal) {
        let _ = set.write_applied(&AppliedRecord {
            id: row.id.clone(),
            checksum: row.checksum.clone(),
            checksum_version: CHECKSUM_VERSION,
            applied_at: row.applied_at.clone(),
            execution_ms: 0,
            target: db.target.clone(),
            tool_version: row.tool_version.clone(),
        });
    }
    report::eline(
        report::OK,
        "adopted",
        &format!(
            "{} migration{} drizzle-kit had applied, recorded in {table} (not run again)",
            adopted.len(),
            if adopted.len() == 1 { "" } else { "s" }
        ),
    );
    applied.extend(adopted);
    Ok(())
}

/// The session settings and retry policy from the configuration.
pub(super) fn settings(config: &Config) -> Settings {
    Settings {
        lock_timeout: config.ddl_lock_timeout,
        statement_timeout: config.statement_timeout,
        retries: config.lock_retries,
        earlier_attempt_wait: config.lock_timeout,
    }
}

fn db_problem(db: &Db, what: &str, e: StatementError) -> Failure {
    problem(format!("{what} on {}: {e}", db.target), None)
}

/// The migrations to run, after refusing edited applied migrations and
/// out-of-order ones unless allowed, cut at `--to`.
fn select<'a>(
    set: &'a MigrationSet,
    applied: &[AppliedMigration],
    args: &ApplyArgs,
    target: &str,
) -> Result<Vec<&'a Migration>, Failure> {
    if let Some(a) = applied.iter().find(|a| a.undoing()) {
        return Err(problem(
            format!(
                "{} was being undone on {target} and stopped part-way ({} statements of its down.sql done)",
                a.id,
                a.statements_done.unwrap_or(0)
            ),
            Some("finish undoing it with `db-migrate down` (it goes on where it stopped), then run apply".into()),
        ));
    }
    let edited: Vec<&str> = set
        .migrations
        .iter()
        .filter(|m| {
            applied
                .iter()
                .any(|a| a.id == m.id && a.finished && a.checksum != m.checksum)
        })
        .map(|m| m.id.as_str())
        .collect();
    if !edited.is_empty() {
        if !args.allow_edited {
            return Err(problem(
                format!(
                    "{} applied migration{} changed on disk since {} applied: {}",
                    edited.len(),
                    if edited.len() == 1 { "" } else { "s" },
                    if edited.len() == 1 { "it was" } else { "they were" },
                    edited.join(", ")
                ),
                Some(
                    "applied migrations are immutable: restore the original migration.sql (git checkout) and put new changes in a new \
                     migration; --allow-edited runs the pending ones anyway"
                        .into(),
                ),
            ));
        }
        report::eline(
            BAD,
            "WARNING",
            &format!(
                "--allow-edited: applied migrations differ from their files: {}",
                edited.join(", ")
            ),
        );
    }
    for a in applied {
        if set.get(&a.id).is_none() {
            report::eline(
                WARN,
                "warning",
                &format!(
                    "{} is in the history of {target} but not in the migrations folder",
                    a.id
                ),
            );
        }
    }
    let mut pending: Vec<&Migration> = set
        .migrations
        .iter()
        .filter(|m| applied.iter().all(|a| a.id != m.id || !a.finished))
        .collect();
    if let Some(newest) = applied
        .iter()
        .filter(|a| a.finished)
        .map(|a| a.id.as_str())
        .max()
    {
        let older: Vec<&str> = pending
            .iter()
            .filter(|m| m.id.as_str() < newest && applied.iter().all(|a| a.id != m.id))
            .map(|m| m.id.as_str())
            .collect();
        if !older.is_empty() && !args.allow_out_of_order {
            return Err(problem(
                format!(
                    "pending migration{} older than the newest applied one ({newest}): {}",
                    if older.len() == 1 { " is" } else { "s are" },
                    older.join(", ")
                ),
                Some(
                    "this happens when branches merge; check it does not conflict with what was applied after it, then run \
                     `db-migrate apply --allow-out-of-order`"
                        .into(),
                ),
            ));
        }
    }
    if let Some(to) = &args.to {
        let matches: Vec<&Migration> = set
            .migrations
            .iter()
            .filter(|m| m.id == *to || m.name() == to || m.id.starts_with(to.as_str()))
            .collect();
        let stop = match matches.as_slice() {
            [one] => one.id.clone(),
            [] => {
                return Err(usage(
                    format!("--to {to}: no such migration"),
                    "give a migration id or name from `db-migrate status`",
                ));
            }
            _ => {
                return Err(usage(
                    format!("--to {to} matches {} migrations", matches.len()),
                    "give the full migration id",
                ));
            }
        };
        pending.retain(|m| m.id <= stop);
    }
    Ok(pending)
}

fn apply_locked(
    db: &mut Db,
    url: &DatabaseUrl,
    table: &HistoryTable,
    set: &MigrationSet,
    config: &Config,
    args: &ApplyArgs,
) -> CommandResult {
    history::ensure(db, table)
        .map_err(|e| db_problem(db, "could not create the history table", e))?;
    let mut applied =
        history::read(db, table).map_err(|e| db_problem(db, "could not read the history", e))?;
    adopt_drizzle_kit(db, table, set, config, &mut applied)?;
    let pending = select(set, &applied, args, &db.target)?;
    let mut progress = progress::reporter(report::json());
    if pending.is_empty() {
        if report::json() {
            progress.event(Event::Done {
                count: 0,
                target: &db.target,
            });
        } else {
            let done = applied.iter().filter(|a| a.finished).count();
            report::line(
                report::OK,
                "✓",
                &format!("{} is up to date ({done} migrations applied)", db.target),
            );
        }
        return Ok(Outcome::Clean);
    }
    gate::check(db, set, &pending, args.allow_lint_errors)?;
    let target = db.target.clone();
    progress.event(Event::Start {
        count: pending.len(),
        target: &target,
    });
    let pid = db.session_id();
    let watch = pid.and_then(|pid| BlockerWatch::start(url, pid));
    let interrupts = Interrupts::watch(url, db, pid);
    let mut runner = Runner {
        db,
        table,
        settings: settings(config),
        watch,
        progress: progress.as_mut(),
    };
    let mut count = 0;
    for (n, m) in pending.iter().enumerate() {
        if let Some(signal) = interrupts.received() {
            runner.progress.finish();
            return Err(interrupted(signal, None, count, &pending[n..]));
        }
        let previous = applied.iter().find(|a| a.id == m.id);
        let started = std::time::Instant::now();
        match runner.run(m, previous) {
            Ok(Ran::Applied(statements)) => {
                count += 1;
                let ms = super::millis(started.elapsed());
                runner.progress.event(Event::Applied {
                    id: &m.id,
                    statements,
                    ms,
                });
                let record = AppliedRecord {
                    id: m.id.clone(),
                    checksum: m.checksum.clone(),
                    checksum_version: CHECKSUM_VERSION,
                    applied_at: now_rfc3339(),
                    execution_ms: ms,
                    target: target.clone(),
                    tool_version: env!("CARGO_PKG_VERSION").to_string(),
                };
                if config.journal
                    && let Err(e) = set.write_applied(&record)
                {
                    report::eline(
                        WARN,
                        "warning",
                        &format!("applied, but the journal was not written: {e}"),
                    );
                }
            }
            Ok(Ran::AlreadyApplied) => runner.progress.event(Event::Skipped { id: &m.id }),
            Err(e) => {
                runner.progress.finish();
                if let Some(signal) = interrupts.received() {
                    let stopped = Stopped {
                        id: &m.id,
                        statement: match &e {
                            RunError::Script { error, .. } if !m.transactional() => {
                                Some((error.index + 1, error.total))
                            }
                            _ => None,
                        },
                    };
                    return Err(interrupted(signal, Some(stopped), count, &pending[n + 1..]));
                }
                let adopting = applied.is_empty() && count == 0;
                return Err(failure(m, e, pending.len() - n - 1, &target, adopting));
            }
        }
    }
    runner.progress.event(Event::Done {
        count,
        target: &target,
    });
    Ok(Outcome::Clean)
}

/// The migration a signal stopped, and for a no-transaction one, at which statement.
struct Stopped<'a> {
    id: &'a str,
    statement: Option<(usize, usize)>,
}

/// The report of a run stopped by a signal: what was applied, what was
/// cancelled and rolled back, what did not run.
fn interrupted(
    signal: i32,
    stopped: Option<Stopped>,
    applied: usize,
    later: &[&Migration],
) -> Failure {
    let mut message = format!(
        "interrupted by {}: {applied} migration{} applied in this run",
        interrupt::name(signal),
        if applied == 1 { "" } else { "s" }
    );
    match &stopped {
        Some(Stopped {
            id,
            statement: Some((k, n)),
        }) => message.push_str(&format!(
            "; {id} (no transaction) was cancelled at statement {k} of {n}: the statements before it are applied and recorded"
        )),
        Some(Stopped { id, statement: None }) => {
            message.push_str(&format!("; {id} was cancelled and rolled back"))
        }
        None => {}
    }
    if !later.is_empty() {
        let ids: Vec<&str> = later.iter().map(|m| m.id.as_str()).collect();
        message.push_str(&format!("; not run: {}", ids.join(", ")));
    }
    let help = "the run lock is released; run `db-migrate apply` again to continue (a no-transaction migration resumes where it stopped)";
    let code = u8::try_from(128 + signal).unwrap_or(130);
    Failure::Interrupted(
        miette::Report::new(miette::MietteDiagnostic::new(message).with_help(help)),
        code,
    )
}

/// `adopting`: the database had no migration history before this run.
fn failure(m: &Migration, e: RunError, later: usize, target: &str, adopting: bool) -> Failure {
    match e {
        RunError::Script {
            error,
            blockers,
            retries,
            advice,
        } => {
            let mut help = if m.transactional() {
                "fix the statement in migration.sql (it was never applied, so editing it is safe) or the schema, then run \
                 `db-migrate apply` again"
                    .to_string()
            } else {
                format!(
                    "this migration runs outside a transaction: statements 1-{} are applied and recorded; fix statement {} and run \
                     `db-migrate apply` to resume there",
                    error.index,
                    error.index + 1
                )
            };
            if error.error.code.as_deref() == Some(run::LOCK_NOT_AVAILABLE) {
                let who = if blockers.is_empty() {
                    "another session (it was gone before it could be named)".to_string()
                } else {
                    blockers.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
                };
                help = format!(
                    "the statement timed out waiting for a lock ({} retr{}); blocked by:\n  {who}\nrun again when that work is done, \
                     end the blocking session, or raise --ddl-lock-timeout",
                    retries,
                    if retries == 1 { "y" } else { "ies" }
                );
            }
            let exists = matches!(error.error.code.as_deref(), Some("42P07" | "42710" | "42P06"))
                || error.error.message.contains("already exists");
            if adopting && exists {
                // An existing database meets its first migration.
                help = format!(
                    "{target} already has objects this migration creates, and no migration history: if the database \
                     already has the schema of the migrations up to some id, record them as applied without running \
                     them with `db-migrate baseline <id>` (it checks the database first), then run `db-migrate apply`"
                );
            }
            if connection_lost(error.error.code.as_deref(), &error.error.message) {
                // Not the statement's fault: the server or the network went away.
                help = format!(
                    "the connection to {target} was lost while this statement ran (the server stopped, restarted or \
                     ended the session, or the network dropped); {} Run `db-migrate apply` again once the server is back; \
                     nothing needs fixing in migration.sql",
                    if m.transactional() {
                        "the server rolls an unfinished transaction back."
                    } else {
                        "statements recorded as done are not run again."
                    }
                );
            }
            if let Some(a) = advice {
                help = format!("{a}\n{help}");
            }
            Failure::problem(failed(m, &error, later, help))
        }
        RunError::Database(what, e) => problem(format!("{}: {what} on {target}: {e}", m.id), None),
        RunError::EarlierAttempt { number, session } => problem(
            format!(
                "{}: statement {number} is still running on {target} in session {} ({}, {:.0} s so far), \
                 left by an earlier run that was stopped; not starting it a second time",
                m.id, session.pid, session.application, session.seconds
            ),
            Some(format!(
                "wait for it to finish and run `db-migrate apply` again (a finished index is not built again), \
                 or stop it with SELECT pg_cancel_backend({}); and run apply again",
                session.pid
            )),
        ),
        RunError::EditedPrefix { done } => problem(
            format!("{}: statements 1-{done} ran in an earlier attempt but migration.sql changed since; cannot resume safely", m.id),
            Some("restore the statements that already ran and fix only the failed one and those after it".into()),
        ),
    }
}

/// True for an error that means the connection is gone: the server's
/// shutdown and connection SQLSTATEs (`57P01`-`57P03`, class `08`), or a
/// client-side error about the socket.
fn connection_lost(code: Option<&str>, message: &str) -> bool {
    if let Some(code) = code {
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
    }
    let m = message.to_ascii_lowercase();
    [
        "connection closed",
        "connection reset",
        "broken pipe",
        "unexpected eof",
        "terminating connection",
        "error communicating",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

impl MigrationFailed {
    /// Where statement `e` of `file` (its text in `src`) failed; the outcome,
    /// what became of the other migrations and the help are for the caller.
    pub fn at(
        what: String,
        file: &'static str,
        src: NamedSource<String>,
        e: &ScriptError,
    ) -> MigrationFailed {
        MigrationFailed {
            what,
            file,
            line: e.line,
            column: e.column,
            number: e.index + 1,
            total: e.total,
            outcome: String::new(),
            later: String::new(),
            src,
            span: SourceSpan::from((e.offset, e.length)),
            server: e.error.to_string(),
            help: None,
        }
    }
}

fn failed(m: &Migration, e: &ScriptError, later: usize, help: String) -> MigrationFailed {
    let src = NamedSource::new(super::shown(&m.sql_path()), m.sql.clone());
    MigrationFailed {
        outcome: if m.transactional() {
            "; it was rolled back".to_string()
        } else {
            format!(
                "; it runs outside a transaction, so statements 1-{} stay applied",
                e.index
            )
        },
        later: match later {
            0 => String::new(),
            1 => "; 1 later migration was not run".to_string(),
            n => format!("; {n} later migrations were not run"),
        },
        help: Some(help),
        ..MigrationFailed::at(
            format!("migration {}", m.id),
            crate::migrations::SQL_FILE,
            src,
            e,
        )
    }
}
