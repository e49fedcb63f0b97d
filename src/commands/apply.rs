//! `apply`: run pending migrations in order, each in its own transaction
//! together with its history row, under the run lock.

use std::time::Instant;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::config::Config;
use crate::db::{Db, ScriptError, StatementError};
use crate::history::{self, AppliedMigration, HistoryTable};
use crate::migrations::{AppliedRecord, CHECKSUM_VERSION, Migration, MigrationSet};
use crate::report::{self, BAD, DIM, OK, WARN};

use super::{
    CommandResult, Failure, Outcome, connect, history_table, migrations_dialect, millis,
    now_rfc3339, problem,
};

/// What `apply` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ApplyArgs {
    /// Run even though applied migrations were edited.
    pub allow_edited: bool,
    /// Run pending migrations older than the newest applied one.
    pub allow_out_of_order: bool,
}

/// A migration that failed, shown with its SQL.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(
    "migration {id} failed at migration.sql line {line}, column {column} (statement {number} of {total}){outcome}{later}"
)]
pub struct MigrationFailed {
    /// The migration id.
    pub id: String,
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
    /// migration.sql.
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
    let set = MigrationSet::load(&config.migrations_dir)?;
    let mut db = connect(config, migrations_dialect(&set))?;
    let table = history_table(config);
    history::acquire_lock(&mut db, &table, config.lock_timeout, |holder| {
        report::eline(
            WARN,
            "waiting",
            &format!("for the migration lock held by {holder}"),
        );
    })
    .map_err(Failure::problem)?;
    let result = apply_locked(&mut db, &table, &set, config, args);
    let _ = history::release_lock(&mut db, &table);
    result
}

fn db_problem(db: &Db, what: &str, e: StatementError) -> Failure {
    problem(format!("{what} on {}: {e}", db.target), None)
}

fn apply_locked(
    db: &mut Db,
    table: &HistoryTable,
    set: &MigrationSet,
    _config: &Config,
    args: &ApplyArgs,
) -> CommandResult {
    history::ensure(db, table)
        .map_err(|e| db_problem(db, "could not create the history table", e))?;
    let applied =
        history::read(db, table).map_err(|e| db_problem(db, "could not read the history", e))?;

    // Edited applied migrations stop everything, unless overridden.
    let edited: Vec<&Migration> = set
        .migrations
        .iter()
        .filter(|m| {
            applied
                .iter()
                .any(|a| a.id == m.id && a.finished && a.checksum != m.checksum)
        })
        .collect();
    if !edited.is_empty() {
        let names: Vec<&str> = edited.iter().map(|m| m.id.as_str()).collect();
        if !args.allow_edited {
            return Err(problem(
                format!(
                    "{} applied migration{} changed on disk since {} applied: {}",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    if names.len() == 1 { "it was" } else { "they were" },
                    names.join(", ")
                ),
                Some(
                    "applied migrations are immutable: restore the original migration.sql (git checkout) and put new changes in a new migration; \
                     --allow-edited runs the pending ones anyway"
                        .into(),
                ),
            ));
        }
        report::eline(
            BAD,
            "WARNING",
            &format!(
                "--allow-edited: applied migrations differ from their files: {}",
                names.join(", ")
            ),
        );
    }
    for a in &applied {
        if set.get(&a.id).is_none() {
            report::eline(
                WARN,
                "warning",
                &format!(
                    "{} is in the history of {} but not in the migrations folder",
                    a.id, db.target
                ),
            );
        }
    }

    let pending: Vec<&Migration> = set
        .migrations
        .iter()
        .filter(|m| applied.iter().all(|a| a.id != m.id || !a.finished))
        .collect();
    let newest_applied = applied
        .iter()
        .filter(|a| a.finished)
        .map(|a| a.id.as_str())
        .max();
    if let Some(newest) = newest_applied {
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
    if pending.is_empty() {
        report::line(
            OK,
            "✓",
            &format!(
                "{} is up to date ({} migrations applied)",
                db.target,
                applied.len()
            ),
        );
        return Ok(Outcome::Clean);
    }

    let count = pending.len();
    anstream::println!(
        "Applying {count} migration{} to {}",
        if count == 1 { "" } else { "s" },
        report::styled(report::BOLD, &db.target)
    );
    for (n, m) in pending.iter().enumerate() {
        let previous = applied.iter().find(|a| a.id == m.id);
        let started = Instant::now();
        let outcome = if m.transactional() {
            run_in_transaction(db, table, m)
        } else {
            run_statement_by_statement(db, table, m, previous)
        };
        match outcome {
            Ok(Ran::Applied(statements)) => {
                let ms = millis(started.elapsed());
                report::line(
                    OK,
                    "applied",
                    &format!(
                        "{} {}",
                        m.id,
                        report::styled(
                            DIM,
                            &format!(
                                "({statements} statement{}, {ms} ms)",
                                if statements == 1 { "" } else { "s" }
                            )
                        )
                    ),
                );
                let record = AppliedRecord {
                    id: m.id.clone(),
                    checksum: m.checksum.clone(),
                    checksum_version: CHECKSUM_VERSION,
                    applied_at: now_rfc3339(),
                    execution_ms: ms,
                    target: db.target.clone(),
                    tool_version: env!("CARGO_PKG_VERSION").to_string(),
                };
                if let Err(e) = set.write_applied(&record) {
                    report::eline(
                        WARN,
                        "warning",
                        &format!("applied, but the journal was not written: {e}"),
                    );
                }
            }
            Ok(Ran::AlreadyApplied) => {
                report::line(
                    DIM,
                    "skipped",
                    &format!("{} (applied by a concurrent run)", m.id),
                );
            }
            Err(RunError::Script(e)) => {
                let later = count - n - 1;
                return Err(Failure::problem(failed(m, &e, later, m.transactional())));
            }
            Err(RunError::Database(what, e)) => {
                return Err(db_problem(db, &format!("{}: {what}", m.id), *e));
            }
        }
    }
    report::line(
        OK,
        "✓",
        &format!(
            "{count} migration{} applied to {}",
            if count == 1 { "" } else { "s" },
            db.target
        ),
    );
    Ok(Outcome::Clean)
}

enum Ran {
    Applied(usize),
    AlreadyApplied,
}

enum RunError {
    Script(Box<ScriptError>),
    Database(&'static str, Box<StatementError>),
}

impl RunError {
    fn database(what: &'static str, e: StatementError) -> RunError {
        RunError::Database(what, Box::new(e))
    }
}

fn row(
    m: &Migration,
    ms: u64,
    statements_done: Option<i64>,
    finished: bool,
    error: Option<String>,
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
    }
}

/// One transaction: the statements and the history row commit together.
fn run_in_transaction(db: &mut Db, table: &HistoryTable, m: &Migration) -> Result<Ran, RunError> {
    db.with_foreign_keys_deferred(|db| {
        let started = Instant::now();
        db.begin()
            .map_err(|e| RunError::database("could not begin a transaction", e))?;
        let outcome = (|| {
            if history::contains(db, table, &m.id)
                .map_err(|e| RunError::database("could not read the history", e))?
            {
                return Ok(Ran::AlreadyApplied);
            }
            let total = db
                .run_script(&m.sql, 0, |_, _| Ok(()))
                .map_err(RunError::Script)?;
            db.check_foreign_keys().map_err(|e| {
                RunError::database(
                    "foreign keys are violated after the migration; rolled back",
                    e,
                )
            })?;
            history::record(
                db,
                table,
                &row(m, millis(started.elapsed()), None, true, None),
            )
            .map_err(|e| RunError::database("could not record the migration", e))?;
            Ok(Ran::Applied(total))
        })();
        match outcome {
            Ok(Ran::Applied(total)) => {
                db.commit()
                    .map_err(|e| RunError::database("could not commit", e))?;
                Ok(Ran::Applied(total))
            }
            other => {
                db.rollback();
                other
            }
        }
    })
}

/// Outside a transaction: each statement commits on its own and progress is
/// recorded after each, so a failed run resumes at the failed statement.
fn run_statement_by_statement(
    db: &mut Db,
    table: &HistoryTable,
    m: &Migration,
    previous: Option<&AppliedMigration>,
) -> Result<Ran, RunError> {
    let started = Instant::now();
    let skip = match previous {
        Some(p) if !p.finished => usize::try_from(p.statements_done.unwrap_or(0)).unwrap_or(0),
        _ => 0,
    };
    if skip > 0 {
        report::line(
            WARN,
            "resuming",
            &format!("{} at statement {}", m.id, skip + 1),
        );
    } else {
        history::record(db, table, &row(m, 0, Some(0), false, None))
            .map_err(|e| RunError::database("could not record the migration", e))?;
    }
    let result = db.run_script(&m.sql, skip, |db, index| {
        let done = i64::try_from(index + 1).unwrap_or(i64::MAX);
        history::record(
            db,
            table,
            &row(m, millis(started.elapsed()), Some(done), false, None),
        )
    });
    match result {
        Ok(total) => {
            let done = i64::try_from(total).unwrap_or(i64::MAX);
            history::record(
                db,
                table,
                &row(m, millis(started.elapsed()), Some(done), true, None),
            )
            .map_err(|e| RunError::database("could not record the migration", e))?;
            Ok(Ran::Applied(total))
        }
        Err(e) => {
            let done = i64::try_from(e.index).unwrap_or(i64::MAX);
            let _ = history::record(
                db,
                table,
                &row(
                    m,
                    millis(started.elapsed()),
                    Some(done),
                    false,
                    Some(e.error.to_string()),
                ),
            );
            Err(RunError::Script(e))
        }
    }
}

fn failed(m: &Migration, e: &ScriptError, later: usize, transactional: bool) -> MigrationFailed {
    let later = match later {
        0 => String::new(),
        1 => "; 1 later migration was not run".to_string(),
        n => format!("; {n} later migrations were not run"),
    };
    let help = if transactional {
        "fix the statement in migration.sql (it was never applied, so editing it is safe) or the schema, then run `db-migrate apply` again"
            .to_string()
    } else {
        format!(
            "this migration runs outside a transaction: statements 1-{} are applied and recorded; fix statement {} and run `db-migrate apply` to resume there",
            e.index,
            e.index + 1
        )
    };
    MigrationFailed {
        id: m.id.clone(),
        outcome: if transactional {
            "; it was rolled back".to_string()
        } else {
            format!(
                "; it runs outside a transaction, so statements 1-{} stay applied",
                e.index
            )
        },
        line: e.line,
        column: e.column,
        number: e.index + 1,
        total: e.total,
        later,
        src: NamedSource::new(m.sql_path().display().to_string(), m.sql.clone()),
        span: SourceSpan::from((e.offset, e.length)),
        server: e.error.to_string(),
        help: Some(help),
    }
}
