//! `check`: schema changes not yet generated (declared vs last snapshot),
//! pending migrations, and drift (the live database vs what its applied
//! migrations built). Exit 0 only when there is none.

use serde::Serialize;

use crate::config::Config;
use crate::diff::{Change, RenameMode, Renames, diff};
use crate::report::{self, BAD, OK, WARN};
use crate::schema::Schema;

use super::status::{State, compare};
use super::{CommandResult, Failure, Outcome, inspect};

/// One kind of problem found, with its items.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `ungenerated`, `undeclared`, `fork`, `pending`, `drift`, `edited`, `incomplete` or `missing`.
    pub kind: &'static str,
    /// A sentence saying what it means.
    pub message: String,
    /// What exactly.
    pub items: Vec<String>,
}

/// What `check` found, and the database it looked at (none without a URL).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The database, password masked.
    pub target: Option<String>,
    /// What was found, in a fixed order.
    pub findings: Vec<Finding>,
}

/// Runs the checks without printing anything.
pub fn collect(config: &Config) -> Result<Checked, Failure> {
    let set = super::load_migrations(config)?;
    let (declared, snapshot) = super::declared_and_migrated(config, &set)?;
    let mut findings = Vec::new();

    // (a) Declared schema vs the last snapshot.
    let ungenerated = changes(&snapshot, &declared);
    let handwritten = set.handwritten_objects(Some(declared.dialect));
    let undeclared = crate::migrations::undeclared(&ungenerated, &handwritten);
    if !undeclared.is_empty() {
        findings.push(Finding {
            kind: "undeclared",
            message: "hand-written migrations created what the schema does not declare: declare it in the schema \
                      (or drop it in a hand-written migration); until then `generate` refuses to drop it"
                .into(),
            items: undeclared
                .iter()
                .map(|c| format!("{} (created by {})", c.object, c.migration))
                .collect(),
        });
    }
    let ungenerated: Vec<Change> = ungenerated
        .into_iter()
        .filter(|c| crate::migrations::undeclared(std::slice::from_ref(c), &handwritten).is_empty())
        .collect();
    if !ungenerated.is_empty() {
        findings.push(Finding {
            kind: "ungenerated",
            message: "the schema has changes that no migration contains: run `db-migrate generate <name>`".into(),
            items: ungenerated.iter().map(Change::describe).collect(),
        });
    }

    // Branches that each generated a migration from the same parent.
    let forks = set.forks();
    if !forks.is_empty() {
        findings.push(Finding {
            kind: "fork",
            message: "migrations generated on different branches from the same parent: the later one does not contain the \
                      other's changes in its snapshot; run `db-migrate rebase` to regenerate it on top (if it is already \
                      applied somewhere, keep it and generate a new migration instead)"
                .into(),
            items: forks.iter().map(ToString::to_string).collect(),
        });
    }

    // (b) and (c) need the database.
    let target = if config.database_url.is_some() {
        let mut db = super::connect(config, Some(declared.dialect))?;
        let applied = super::applied_migrations(&mut db, config, &set)?;
        let entries = compare(&set, &applied);
        for (state, kind, message) in [
            (
                State::Pending,
                "pending",
                "migrations not applied yet (the database is behind): run `db-migrate apply`",
            ),
            (
                State::Edited,
                "edited",
                "applied migrations whose migration.sql changed since",
            ),
            (
                State::Incomplete,
                "incomplete",
                "no-transaction migrations (or down.sql files) that stopped part-way: fix and run `db-migrate apply` (or `down`)",
            ),
            (
                State::Missing,
                "missing",
                "applied migrations that are not in the migrations folder",
            ),
        ] {
            let items: Vec<String> = entries
                .iter()
                .filter(|e| e.state == state)
                .map(|e| e.id.clone())
                .collect();
            if !items.is_empty() {
                findings.push(Finding {
                    kind,
                    message: message.into(),
                    items,
                });
            }
        }
        // What the applied migrations built: the snapshot after the newest applied one.
        let newest = applied
            .iter()
            .filter(|a| a.finished)
            .map(|a| a.id.as_str())
            .max();
        let expected = super::in_database(
            config,
            newest
                .and_then(|id| set.snapshot_after(id, Some(declared.dialect)))
                .unwrap_or_else(|| Schema::empty(declared.dialect)),
        );
        let mut scope = expected.clone();
        scope.schemas.extend(declared.schemas.iter().cloned());
        let live = inspect(&mut db, config, &scope)?;
        let drift = changes(&expected, &live);
        if !drift.is_empty() {
            findings.push(Finding {
                kind: "drift",
                message: format!(
                    "the database differs from what its applied migrations built{}",
                    newest
                        .map(|id| format!(" (up to {id})"))
                        .unwrap_or_default()
                ),
                items: drift.iter().map(Change::describe_as_drift).collect(),
            });
        }
        Some(db.target.clone())
    } else {
        None
    };

    Ok(Checked { target, findings })
}

/// Runs `check`.
pub fn run(config: &Config) -> CommandResult {
    let Checked { target, findings } = collect(config)?;
    for f in &findings {
        report::annotation(
            if f.kind == "pending" {
                "warning"
            } else {
                "error"
            },
            None,
            None,
            &format!("db-migrate check: {}", f.kind),
            &format!("{}\n{}", f.message, f.items.join("\n")),
        );
    }
    if report::json() {
        report::json_done(
            "check",
            u8::from(!findings.is_empty()),
            serde_json::json!({ "target": target, "findings": findings, "clean": findings.is_empty() }),
        );
    } else if findings.is_empty() {
        let what = match &target {
            Some(t) => format!("schema, migrations and {t} agree"),
            None => "schema and migrations agree (no database URL: pending migrations and drift not checked)".into(),
        };
        report::line(OK, "✓", &what);
    } else {
        for f in &findings {
            let style = if f.kind == "pending" { WARN } else { BAD };
            report::line(style, f.kind, &f.message);
            for item in &f.items {
                report::out(&format!("    {item}"));
            }
        }
    }
    Ok(if findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

fn changes(from: &Schema, to: &Schema) -> Vec<Change> {
    diff(from, to, &Renames::default(), RenameMode::DropAndCreate).unwrap_or_default()
}
