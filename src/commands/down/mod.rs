//! `down`: undoes applied migrations, newest first, each with its down.sql
//! in one transaction together with the deletion of its history row, under
//! the run lock that `apply` takes. It refuses, before running anything,
//! when the database has drifted from what the migrations built, when a
//! migration has no down.sql, or (unless `--force`) when a down.sql says it
//! cannot give data back.

pub mod script;

use miette::NamedSource;
use serde_json::json;

use crate::config::Config;
use crate::db::{Db, ScriptError};
use crate::diff::{Change, RenameMode, Renames, diff};
use crate::history::{AppliedMigration, HistoryTable};
use crate::migrations::{DOWN_FILE, Migration, MigrationSet};
use crate::report::{self, DIM, OK, WARN};
use crate::schema::Schema;

use super::apply::MigrationFailed;
use super::apply::progress::{Event, Progress};
use super::apply::run::{RunError, Runner};
use super::{
    CommandResult, Failure, Outcome, connect_with_url, history_table, inspect, migrations_dialect,
    problem, shown, usage,
};

/// What `down` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct DownArgs {
    /// Undo this many of the newest applied migrations (default 1).
    pub steps: Option<usize>,
    /// Undo every applied migration after this one (an id, name or id prefix).
    pub to: Option<String>,
    /// Print what would run, change nothing.
    pub dry_run: bool,
    /// Run down.sql files marked irreversible.
    pub force: bool,
}

/// Runs `down`.
pub fn run(config: &Config, args: &DownArgs) -> CommandResult {
    let set = super::load_migrations(config)?;
    let (mut db, url) = connect_with_url(config, migrations_dialect(&set))?;
    let set = set.run_on(db.dialect());
    let table = history_table(config);
    if args.dry_run {
        let applied = super::applied_migrations(&mut db, config, &set)?;
        let targets = select(&set, &applied, args, &db.target)?;
        return Ok(print_dry_run(&db.target, &targets, args.force));
    }
    let lock = super::apply::run_lock(&mut db, &url, &table, config)?;
    let result = down_locked(&mut db, &table, &set, config, args);
    let _ = lock.release(&mut db);
    result
}

fn down_locked(
    db: &mut Db,
    table: &HistoryTable,
    set: &MigrationSet,
    config: &Config,
    args: &DownArgs,
) -> CommandResult {
    let applied = super::applied_migrations(db, config, set)?;
    let targets = select(set, &applied, args, &db.target)?;
    let Some(newest) = targets.first() else {
        return Ok(nothing_to_undo(&db.target));
    };
    // A down.sql that stopped part-way goes on where it stopped: the
    // database is between two schemas then.
    let resuming = applied.iter().find(|a| a.undoing());
    match resuming {
        Some(a) if a.id != newest.0.id => {
            return Err(problem(
                format!(
                    "{} is half undone on {}; it must be finished first",
                    a.id, db.target
                ),
                Some(
                    "undo the migrations applied after it first, then run `db-migrate down` again"
                        .into(),
                ),
            ));
        }
        Some(a) => report::eline(
            WARN,
            "resume",
            &format!(
                "{} was undone part-way ({} statements of down.sql done): going on from there",
                a.id,
                a.statements_done.unwrap_or(0)
            ),
        ),
        None => refuse_drift(db, config, set, newest)?,
    }
    let target = db.target.clone();
    if !report::json() {
        anstream::println!(
            "Undoing {} migration{} on {}",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            report::styled(report::BOLD, &target)
        );
    }
    let mut quiet = Quiet;
    let mut runner = Runner {
        db,
        table,
        settings: super::apply::settings(config),
        watch: None,
        progress: &mut quiet,
    };
    for (n, (m, down)) in targets.iter().enumerate() {
        let started = std::time::Instant::now();
        let previous = applied.iter().find(|a| a.id == m.id);
        match runner.undo(m, down, previous) {
            Ok(statements) => {
                let ms = super::millis(started.elapsed());
                if config.journal
                    && let Err(e) = set.remove_applied(&m.id)
                {
                    report::eline(
                        WARN,
                        "warning",
                        &format!("undone, but the journal record was not removed: {e}"),
                    );
                }
                if report::json() {
                    anstream::println!(
                        "{}",
                        json!({"event": "undone", "id": m.id, "statements": statements, "ms": ms})
                    );
                } else {
                    report::line(
                        OK,
                        "✓",
                        &format!(
                            "undone {} ({statements} statement{}, {ms} ms)",
                            m.id,
                            if statements == 1 { "" } else { "s" }
                        ),
                    );
                }
            }
            Err(e) => return Err(failure(m, down, e, targets.len() - n - 1, &target)),
        }
    }
    if report::json() {
        report::json_done(
            "down",
            0,
            json!({ "undone": targets.iter().map(|(m, _)| &m.id).collect::<Vec<_>>(), "target": target }),
        );
    } else {
        report::line(
            OK,
            "✓",
            &format!(
                "{} undone; `db-migrate apply` runs {} again",
                targets.len(),
                if targets.len() == 1 { "it" } else { "them" }
            ),
        );
    }
    Ok(Outcome::Clean)
}

/// Progress of statements is not shown for down.
struct Quiet;

impl Progress for Quiet {
    fn event(&mut self, _: Event<'_>) {}
}

fn nothing_to_undo(target: &str) -> Outcome {
    if report::json() {
        report::json_done("down", 0, json!({ "undone": [], "target": target }));
    } else {
        report::line(
            OK,
            "✓",
            &format!("nothing to undo: no migration is applied to {target}"),
        );
    }
    Outcome::Clean
}

/// The migrations to undo, newest first, each with its down.sql; refuses
/// (naming them) those without one, those marked irreversible unless
/// `--force`, and an incomplete no-transaction migration.
fn select<'a>(
    set: &'a MigrationSet,
    applied: &[AppliedMigration],
    args: &DownArgs,
    target: &str,
) -> Result<Vec<(&'a Migration, &'a str)>, Failure> {
    if let Some(a) = applied.iter().find(|a| !a.finished && !a.undoing()) {
        return Err(problem(
            format!(
                "{} stopped part-way on {target}; it cannot be undone before it is finished",
                a.id
            ),
            Some("run `db-migrate apply` to finish it, then undo it".into()),
        ));
    }
    let mut ids: Vec<&str> = applied.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.reverse();
    let chosen: Vec<&str> = match (&args.to, args.steps) {
        (Some(to), _) => {
            let stop = applied_match(set, &ids, to)?;
            ids.into_iter().filter(|id| *id > stop.as_str()).collect()
        }
        (None, steps) => ids.into_iter().take(steps.unwrap_or(1)).collect(),
    };
    let mut out = Vec::new();
    let mut without_down = Vec::new();
    let mut irreversible = Vec::new();
    for id in chosen {
        let Some(m) = set.get(id) else {
            return Err(problem(
                format!(
                    "{id} is applied to {target} but is not in the migrations folder, so it cannot be undone"
                ),
                Some("restore its folder (git checkout), then run down again".into()),
            ));
        };
        match &m.down {
            None => without_down.push(shown(&m.down_path())),
            Some(down) => {
                let generated = m
                    .meta
                    .as_ref()
                    .and_then(|meta| meta.down_checksum.as_deref());
                if generated.is_some_and(|c| c != crate::migrations::checksum(down)) {
                    report::eline(
                        WARN,
                        "note",
                        &format!(
                            "{} was edited after generate wrote it; running it as it is now",
                            shown(&m.down_path())
                        ),
                    );
                }
                for why in m.irreversible() {
                    irreversible.push(format!("{id}: {why}"));
                }
                out.push((m, down.as_str()));
            }
        }
    }
    if !without_down.is_empty() {
        return Err(problem(
            format!(
                "nothing was undone: {} missing:\n  {}",
                if without_down.len() == 1 {
                    "a down.sql is"
                } else {
                    "down.sql files are"
                },
                without_down.join("\n  ")
            ),
            Some(format!(
                "`generate` writes {DOWN_FILE} for the migrations it generates; for a hand-written migration, write the SQL that undoes it in that file"
            )),
        ));
    }
    if !irreversible.is_empty() && !args.force {
        return Err(problem(
            format!(
                "nothing was undone: undoing would not give data back:\n  {}",
                irreversible.join("\n  ")
            ),
            Some(
                "the structure comes back empty; restore the data from a backup afterwards if you need it, and run \
                 `db-migrate down --force` to undo anyway"
                    .into(),
            ),
        ));
    }
    Ok(out)
}

/// The applied migration `to` names (id, name or id prefix).
fn applied_match(set: &MigrationSet, applied: &[&str], to: &str) -> Result<String, Failure> {
    let matches: Vec<&str> = applied
        .iter()
        .copied()
        .filter(|id| *id == to || id.starts_with(to) || set.get(id).is_some_and(|m| m.name() == to))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(usage(
            format!("--to {to}: no applied migration has that id or name"),
            "give the id or name of an applied migration from `db-migrate status`; it stays applied and every one after it is undone",
        )),
        _ => Err(usage(
            format!("--to {to} matches {} migrations", matches.len()),
            "give the full migration id",
        )),
    }
}

/// Refuses when the database differs from what the migrations up to
/// `newest` built: its down.sql was written for that schema.
fn refuse_drift(
    db: &mut Db,
    config: &Config,
    set: &MigrationSet,
    newest: &(&Migration, &str),
) -> Result<(), Failure> {
    let dialect = db.dialect();
    let expected = super::in_database(
        config,
        set.snapshot_after(&newest.0.id, Some(dialect))
            .unwrap_or_else(|| Schema::empty(dialect)),
    );
    let live = inspect(db, config, &expected)?;
    let drift = diff(
        &expected,
        &live,
        &Renames::default(),
        RenameMode::DropAndCreate,
    )
    .unwrap_or_default();
    if drift.is_empty() {
        return Ok(());
    }
    let items: Vec<String> = drift.iter().map(Change::describe_as_drift).collect();
    Err(problem(
        format!(
            "nothing was undone: {} differs from what its migrations built (up to {}), and down.sql was written for that:\n  {}",
            db.target,
            newest.0.id,
            items.join("\n  ")
        ),
        Some("`db-migrate check` shows the drift; put the database back as its migrations built it, then run down again".into()),
    ))
}

fn print_dry_run(target: &str, targets: &[(&Migration, &str)], force: bool) -> Outcome {
    if report::json() {
        let list: Vec<_> = targets
            .iter()
            .map(|(m, down)| json!({"id": m.id, "sql": down, "irreversible": m.irreversible()}))
            .collect();
        report::json_done(
            "down",
            0,
            json!({ "dry_run": true, "target": target, "migrations": list }),
        );
        return Outcome::Clean;
    }
    if targets.is_empty() {
        anstream::println!("nothing to undo: no migration is applied to {target}");
        return Outcome::Clean;
    }
    anstream::println!(
        "Would undo {} migration{} on {} (dry run: nothing is changed)",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        report::styled(report::BOLD, target)
    );
    for (m, down) in targets {
        anstream::println!("\n{DIM}-- {} ({}){DIM:#}", m.id, shown(&m.down_path()));
        if !m.irreversible().is_empty() && force {
            report::line(
                WARN,
                "--force",
                "runs it although it does not give data back",
            );
        }
        anstream::println!("{}", down.trim_end());
    }
    Outcome::Clean
}

fn failure(m: &Migration, down: &str, e: RunError, later: usize, target: &str) -> Failure {
    match e {
        RunError::Script { error, .. } => Failure::problem(failed(m, down, &error, later)),
        RunError::Database(what, e) => problem(format!("{}: {what} on {target}: {e}", m.id), None),
        RunError::EditedPrefix { done } => problem(
            format!(
                "{}: statements 1-{done} of down.sql ran in an earlier attempt but down.sql changed since; cannot go on safely",
                m.id
            ),
            Some("restore the statements that already ran and fix only the failed one and those after it".into()),
        ),
        RunError::EarlierAttempt { .. } => {
            problem(format!("{}: could not be undone on {target}", m.id), None)
        }
    }
}

fn failed(m: &Migration, down: &str, e: &ScriptError, later: usize) -> MigrationFailed {
    let transactional = !crate::migrations::opts_out_of_transaction(down);
    let src = NamedSource::new(shown(&m.down_path()), down.to_string());
    MigrationFailed {
        outcome: if transactional {
            "; it was rolled back and stays applied".to_string()
        } else {
            format!(
                "; it runs outside a transaction: statements 1-{} are done and recorded",
                e.index
            )
        },
        later: match later {
            0 => String::new(),
            1 => "; 1 older migration was not undone".to_string(),
            n => format!("; {n} older migrations were not undone"),
        },
        help: Some(if transactional {
            "fix the statement in down.sql, then run `db-migrate down` again".to_string()
        } else {
            format!(
                "fix statement {} in down.sql (leave the ones before it as they are) and run `db-migrate down`: it goes on there",
                e.index + 1
            )
        }),
        ..MigrationFailed::at(format!("undoing {}", m.id), DOWN_FILE, src, e)
    }
}
