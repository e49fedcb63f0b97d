//! `push` (development only): make the database match the declared schema
//! directly, in one transaction (or a few, where a new enum label must be
//! committed before use), refusing what `apply` refuses (the lint errors on
//! tables that hold rows: data loss, NOT NULL without a default...) unless
//! `--force`.

use crate::config::Config;
use crate::db::{Db, sqlite_triggers};
use crate::diff::{RenameMode, diff};
use crate::history;
use crate::lint;
use crate::render::statements;
use crate::report::{self, BAD, OK, WARN};

use super::apply::gate;
use super::{
    CommandResult, Failure, LiveFacts, Outcome, connect, declared_schema, exit_code, history_table,
    inspect, problem, renames,
};

/// What `push` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct PushArgs {
    /// Apply statements that lose data.
    pub force: bool,
    /// Print the statements without running them.
    pub dry_run: bool,
    /// `--rename OLD=NEW` decisions.
    pub renames: Vec<String>,
    /// `--create NEW` decisions.
    pub created: Vec<String>,
}

/// Runs `push`.
pub fn run(config: &Config, args: &PushArgs) -> CommandResult {
    let declared = declared_schema(config)?;
    let mut db = connect(config, Some(declared.dialect))?;
    let live = inspect(&mut db, config, &declared)?;
    let decisions = renames::from_flags(&args.renames, &args.created, &live, &declared)?;
    let changes = diff(&live, &declared, &decisions, RenameMode::DropAndCreate)
        .map_err(|a| renames::undecided(&a, "push"))?;
    let parts = super::rendered_parts(changes, &live, &declared);
    let sql: Vec<String> = parts.iter().flat_map(|p| statements(&p.rendered)).collect();
    if sql.is_empty() {
        report::line(
            OK,
            "✓",
            &format!("{} already matches the schema", db.target),
        );
        return Ok(done(&db, &sql, "unchanged", Outcome::Clean));
    }
    report::out(&format!("Statements for {}:", db.target));
    report::sql(&sql);

    // The same findings stop `apply`: errors on tables that hold rows.
    let live = LiveFacts::read(&mut db);
    let errors: Vec<_> = parts
        .iter()
        .flat_map(|part| {
            let ctx = gate::context(&live, db.dialect(), part.transactional);
            gate::blocking(&lint::statements_from_changes(&part.rendered), &ctx)
        })
        .collect();
    if !errors.is_empty() && !args.force {
        report::line(
            BAD,
            "refused",
            "these changes lose data or fail on the rows there are; nothing was changed:",
        );
        for (f, _) in &errors {
            report::out(&format!("    [{}] {}", f.rule, f.message));
        }
        report::out(
            "  pass --force to apply them anyway; if a table or column was renamed, pass --rename OLD=NEW instead",
        );
        return Ok(done(&db, &sql, "refused", Outcome::Findings));
    }
    if args.dry_run {
        report::line(WARN, "dry run", "nothing was changed");
        return Ok(done(&db, &sql, "dry_run", Outcome::Clean));
    }
    if history::exists(&mut db, &history_table(config)).unwrap_or(false) {
        report::line(
            WARN,
            "note",
            "this database is managed by migrations; pushed changes are drift until a migration makes them (`db-migrate check`)",
        );
    }
    for part in &parts {
        execute(&mut db, &statements(&part.rendered), part.transactional)?;
    }
    report::line(
        OK,
        "✓",
        &format!(
            "pushed {} statement{} to {}",
            sql.len(),
            if sql.len() == 1 { "" } else { "s" },
            db.target
        ),
    );
    Ok(done(&db, &sql, "pushed", Outcome::Clean))
}

/// Ends `push`; with `--json`, the final object holds the statements and
/// what became of them (`pushed`, `unchanged`, `refused`, `dry_run`).
fn done(db: &Db, sql: &[String], result: &str, outcome: Outcome) -> Outcome {
    if report::json() {
        report::json_done(
            "push",
            exit_code(outcome),
            serde_json::json!({ "target": db.target, "result": result, "statements": sql }),
        );
    }
    outcome
}

/// Runs one part's statements in one transaction (PostgreSQL DDL is
/// transactional; SQLite defers foreign keys and checks them before
/// committing), or one by one when the part cannot run in a transaction.
fn execute(db: &mut Db, sql: &[String], transactional: bool) -> Result<(), Failure> {
    db.with_foreign_keys_deferred(|db| {
        if transactional {
            db.begin()
                .map_err(|e| problem(format!("could not begin: {e}"), None))?;
        }
        // A SQLite rebuild drops the table's triggers: keep them.
        let script: String = sql.iter().map(|s| format!("{s};\n")).collect();
        let mut outcome = Ok(());
        let triggers = match sqlite_triggers::of_rebuilt_tables(db, &script) {
            Ok(t) => t,
            Err(e) => {
                outcome = Err((None, e));
                Vec::new()
            }
        };
        if outcome.is_ok() {
            for s in sql {
                if let Err(e) = db.execute(s) {
                    outcome = Err((Some(s.as_str()), e));
                    break;
                }
            }
        }
        if outcome.is_ok() {
            outcome = sqlite_triggers::restore(db, &triggers).map_err(|e| (None, e));
        }
        if outcome.is_ok() {
            outcome = db.check_foreign_keys().map_err(|e| (None, e));
        }
        match outcome {
            Ok(()) if transactional => db
                .commit()
                .map_err(|e| problem(format!("could not commit: {e}"), None)),
            Ok(()) => Ok(()),
            Err((statement, e)) => {
                if transactional {
                    db.rollback();
                }
                Err(problem(
                    format!(
                        "push failed{}: {e}{}",
                        if transactional {
                            " and was rolled back"
                        } else {
                            ""
                        },
                        statement
                            .map(|s| format!("\n  in: {s}"))
                            .unwrap_or_default()
                    ),
                    None,
                ))
            }
        }
    })
}
