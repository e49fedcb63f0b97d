//! `status`: each migration as applied, pending, edited, incomplete or
//! missing on disk. Exit 0 only when everything is applied and clean.

use serde::Serialize;

use crate::config::Config;
use crate::history::AppliedMigration;
use crate::migrations::MigrationSet;
use crate::report::{self, BAD, DIM, OK, WARN};

use super::{CommandResult, Outcome, connect, migrations_dialect};

/// The state of one migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// In the history with the same checksum.
    Applied,
    /// On disk, not in the history.
    Pending,
    /// Applied, but migration.sql changed since.
    Edited,
    /// A no-transaction migration that stopped part-way.
    Incomplete,
    /// In the history, not on disk.
    Missing,
}

/// One line of the status report.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The migration id.
    pub id: String,
    /// Its state.
    pub state: State,
    /// When it was applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_at: Option<String>,
    /// How long it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_ms: Option<i64>,
    /// Statements done (incomplete migrations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements_done: Option<i64>,
    /// The last error (incomplete migrations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// An incomplete migration is being undone (its down.sql stopped part-way).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undoing: bool,
    /// Whether `down` can undo it (migrations on disk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<Down>,
}

/// Whether a migration can be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Down {
    /// down.sql gives the schema and the data back.
    Reversible,
    /// down.sql gives the structure back, not all the data (`--force`).
    Irreversible,
    /// No down.sql.
    Missing,
}

impl Down {
    fn of(m: &crate::migrations::Migration) -> Down {
        match (&m.down, m.irreversible().is_empty()) {
            (None, _) => Down::Missing,
            (Some(_), true) => Down::Reversible,
            (Some(_), false) => Down::Irreversible,
        }
    }

    /// How the human report says it.
    fn label(self) -> &'static str {
        match self {
            Down::Reversible => "",
            Down::Irreversible => "  (down: does not give data back)",
            Down::Missing => "  (no down.sql)",
        }
    }
}

/// The whole report (`--json`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The database, password masked.
    pub target: String,
    /// Every migration, in id order, then the missing ones.
    pub migrations: Vec<Entry>,
    /// Migrations generated on another branch's parent (see [`crate::migrations::Fork`]).
    pub forks: Vec<String>,
    /// True when everything is applied and nothing is edited, incomplete, missing or forked.
    pub clean: bool,
}

/// Compares the folder with the history.
pub fn compare(set: &MigrationSet, applied: &[AppliedMigration]) -> Vec<Entry> {
    let mut out = Vec::new();
    for m in &set.migrations {
        let row = applied.iter().find(|a| a.id == m.id);
        let state = match row {
            None => State::Pending,
            Some(a) if !a.finished => State::Incomplete,
            Some(a) if a.checksum != m.checksum => State::Edited,
            Some(_) => State::Applied,
        };
        let mut e = entry(&m.id, state, row);
        e.down = Some(Down::of(m));
        out.push(e);
    }
    for a in applied {
        if set.get(&a.id).is_none() {
            out.push(entry(&a.id, State::Missing, Some(a)));
        }
    }
    out
}

fn entry(id: &str, state: State, row: Option<&AppliedMigration>) -> Entry {
    Entry {
        id: id.to_string(),
        state,
        applied_at: row.map(|a| a.applied_at.clone()),
        execution_ms: row.map(|a| a.execution_ms),
        statements_done: row
            .and_then(|a| a.statements_done)
            .filter(|_| state == State::Incomplete),
        error: row.and_then(|a| a.error.clone()),
        undoing: row.is_some_and(AppliedMigration::undoing),
        down: None,
    }
}

/// Runs `status`.
pub fn run(config: &Config) -> CommandResult {
    let set = super::load_migrations(config)?;
    let mut db = connect(config, migrations_dialect(&set))?;
    let applied = super::applied_migrations(&mut db, config, &set)?;
    let entries = compare(&set, &applied);
    let forks: Vec<String> = set.forks().iter().map(ToString::to_string).collect();
    let clean = entries.iter().all(|e| e.state == State::Applied) && forks.is_empty();
    let report = Report {
        target: db.target.clone(),
        migrations: entries,
        forks,
        clean,
    };
    let outcome = if clean {
        Outcome::Clean
    } else {
        Outcome::Findings
    };
    for e in &report.migrations {
        let (level, what) = match e.state {
            State::Applied => continue,
            State::Pending => ("warning", "pending: not applied to the database yet"),
            State::Edited => (
                "error",
                "edited: migration.sql changed after it was applied",
            ),
            State::Incomplete if e.undoing => (
                "error",
                "incomplete: its no-transaction down.sql stopped part-way; `db-migrate down` goes on",
            ),
            State::Incomplete => (
                "error",
                "incomplete: a no-transaction migration stopped part-way",
            ),
            State::Missing => (
                "error",
                "missing: applied, but not in the migrations folder",
            ),
        };
        let file = (e.state != State::Missing).then(|| {
            super::shown(
                &config
                    .migrations_dir
                    .join(&e.id)
                    .join(crate::migrations::SQL_FILE),
            )
        });
        report::annotation(
            level,
            file.as_deref(),
            None,
            &format!("db-migrate status: {}", e.id),
            what,
        );
    }
    for f in &report.forks {
        report::annotation("error", None, None, "db-migrate status: fork", f);
    }
    if report::json() {
        report::json_done(
            "status",
            super::exit_code(outcome),
            serde_json::to_value(&report).unwrap_or_default(),
        );
    } else {
        print_human(&report, config);
    }
    Ok(outcome)
}

fn print_human(report: &Report, config: &Config) {
    anstream::println!(
        "Migrations in {} on {}",
        super::shown(&config.migrations_dir),
        report::styled(report::BOLD, &report.target)
    );
    if report.migrations.is_empty() {
        anstream::println!("  (no migrations yet: `db-migrate generate <name>` makes the first)");
        return;
    }
    let width = report
        .migrations
        .iter()
        .map(|e| e.id.len())
        .max()
        .unwrap_or(0);
    for e in &report.migrations {
        let (style, label, detail) = match e.state {
            State::Applied => {
                let at = e.applied_at.clone().unwrap_or_default();
                let by_drizzle_kit = e.error.as_deref() == Some(super::adopt::NOTE);
                let undo = e.down.map_or("", Down::label);
                (
                    OK,
                    "applied   ",
                    if by_drizzle_kit {
                        format!("{at} (drizzle-kit){undo}")
                    } else {
                        format!("{at}{undo}")
                    },
                )
            }
            State::Pending => (WARN, "pending   ", String::new()),
            State::Edited => (
                BAD,
                "edited    ",
                format!(
                    "applied {}, migration.sql changed since",
                    e.applied_at.clone().unwrap_or_default()
                ),
            ),
            State::Incomplete => (
                BAD,
                "incomplete",
                format!(
                    "{}{} statements done; {}",
                    if e.undoing {
                        "being undone: down.sql "
                    } else {
                        ""
                    },
                    e.statements_done.unwrap_or(0),
                    // A run whose connection was lost could not record why it stopped.
                    match e.error.as_deref().and_then(|t| t.lines().next()).filter(|l| !l.trim().is_empty()) {
                        Some(line) => format!("last error: {line}"),
                        None => "stopped without an error recorded (the run was killed or lost its connection)"
                            .to_string(),
                    }
                ),
            ),
            State::Missing => (
                BAD,
                "missing   ",
                format!(
                    "applied {}, not in the migrations folder",
                    e.applied_at.clone().unwrap_or_default()
                ),
            ),
        };
        anstream::println!(
            "  {style}{label}{style:#} {:<width$}  {DIM}{detail}{DIM:#}",
            e.id
        );
    }
    for f in &report.forks {
        anstream::println!("  {BAD}fork{BAD:#}       {f}");
    }
    if !report.forks.is_empty() {
        anstream::println!(
            "  {DIM}run `db-migrate rebase` to regenerate the newest migration on top of the other (if it is already applied somewhere, write a new migration instead){DIM:#}"
        );
    }
    let count = |s: State| report.migrations.iter().filter(|e| e.state == s).count();
    let mut parts = vec![format!("{} applied", count(State::Applied))];
    for (s, name) in [
        (State::Pending, "pending"),
        (State::Edited, "edited"),
        (State::Incomplete, "incomplete"),
        (State::Missing, "missing"),
    ] {
        if count(s) > 0 {
            parts.push(format!("{} {name}", count(s)));
        }
    }
    anstream::println!("{}", parts.join(", "));
}
