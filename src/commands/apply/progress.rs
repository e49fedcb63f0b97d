//! What `apply` tells the user while it runs: a spinner per migration on a
//! terminal, plain lines otherwise, or one JSON object per line (`--json`).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::db::Blocker;
use crate::report::{self, DIM, OK, WARN};

/// Something that happened during a run.
pub enum Event<'a> {
    /// The run starts: how many migrations, where.
    Start {
        /// Pending migrations about to run.
        count: usize,
        /// The database, password masked.
        target: &'a str,
    },
    /// A migration starts.
    Migration {
        /// Its id.
        id: &'a str,
        /// Statements in it.
        statements: usize,
    },
    /// A statement of the current migration finished.
    Statement {
        /// 1-based number of the statement done.
        done: usize,
        /// Statements in the migration.
        total: usize,
    },
    /// A statement timed out waiting for a lock; the migration is retried.
    Retry {
        /// The migration.
        id: &'a str,
        /// 1-based retry number.
        attempt: u32,
        /// How long before the retry.
        wait: Duration,
        /// Who held the lock.
        blockers: &'a [Blocker],
    },
    /// A migration was applied.
    Applied {
        /// Its id.
        id: &'a str,
        /// Statements run.
        statements: usize,
        /// Milliseconds it took.
        ms: u64,
    },
    /// A migration was applied by a concurrent run meanwhile.
    Skipped {
        /// Its id.
        id: &'a str,
    },
    /// The run finished.
    Done {
        /// Migrations applied.
        count: usize,
        /// The database.
        target: &'a str,
    },
}

/// Reports events.
pub trait Progress {
    /// Reports one event.
    fn event(&mut self, event: Event<'_>);
    /// Removes any live display before other output (errors) is printed.
    fn finish(&mut self) {}
}

/// The reporter for `--json` or a human.
pub fn reporter(json: bool) -> Box<dyn Progress> {
    if json {
        Box::new(JsonLines)
    } else {
        Box::new(Human {
            spinner: None,
            terminal: std::io::stderr().is_terminal(),
            current: String::new(),
        })
    }
}

struct Human {
    spinner: Option<ProgressBar>,
    terminal: bool,
    current: String,
}

impl Progress for Human {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start { count, target } => anstream::println!(
                "Applying {count} migration{} to {}",
                if count == 1 { "" } else { "s" },
                report::styled(report::BOLD, target)
            ),
            Event::Migration { id, statements } => {
                self.current = id.to_string();
                if self.terminal {
                    let bar = ProgressBar::new(statements as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} {msg} [{pos}/{len} statements, {elapsed}]",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_message(id.to_string());
                    bar.enable_steady_tick(Duration::from_millis(120));
                    self.spinner = Some(bar);
                } else {
                    anstream::println!("{} {id}", report::styled(DIM, "applying"));
                }
            }
            Event::Statement { done, .. } => {
                if let Some(bar) = &self.spinner {
                    bar.set_position(done as u64);
                }
            }
            Event::Retry {
                id,
                attempt,
                wait,
                blockers,
            } => {
                self.finish();
                let who = if blockers.is_empty() {
                    "another session".to_string()
                } else {
                    blockers
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                report::eline(
                    WARN,
                    "retry",
                    &format!(
                        "{id}: a statement timed out waiting for a lock held by {who}; retry {attempt} in {wait:.1?}"
                    ),
                );
            }
            Event::Applied { id, statements, ms } => {
                self.finish();
                report::line(
                    OK,
                    "applied",
                    &format!(
                        "{id} {}",
                        report::styled(
                            DIM,
                            &format!(
                                "({statements} statement{}, {ms} ms)",
                                if statements == 1 { "" } else { "s" }
                            )
                        )
                    ),
                );
            }
            Event::Skipped { id } => {
                self.finish();
                report::line(
                    DIM,
                    "skipped",
                    &format!("{id} (applied by a concurrent run)"),
                );
            }
            Event::Done { count, target } => report::line(
                OK,
                "✓",
                &format!(
                    "{count} migration{} applied to {target}",
                    if count == 1 { "" } else { "s" }
                ),
            ),
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
    }
}

struct JsonLines;

impl Progress for JsonLines {
    fn event(&mut self, event: Event<'_>) {
        let value = match event {
            Event::Start { count, target } => {
                json!({"event": "start", "pending": count, "target": target})
            }
            Event::Migration { id, statements } => {
                json!({"event": "migration", "id": id, "statements": statements})
            }
            Event::Statement { done, total } => {
                json!({"event": "statement", "done": done, "total": total})
            }
            Event::Retry {
                id,
                attempt,
                wait,
                blockers,
            } => json!({
                "event": "retry", "id": id, "attempt": attempt, "wait_ms": wait.as_millis() as u64,
                "blockers": blockers.iter().map(|b| json!({
                    "pid": b.pid, "application": b.application, "state": b.state, "query": b.query, "seconds": b.seconds
                })).collect::<Vec<_>>()
            }),
            Event::Applied { id, statements, ms } => {
                json!({"event": "applied", "id": id, "statements": statements, "ms": ms})
            }
            Event::Skipped { id } => json!({"event": "skipped", "id": id}),
            Event::Done { count, target } => {
                report::json_done("apply", 0, json!({"applied": count, "target": target}));
                return;
            }
        };
        anstream::println!("{value}");
    }
}
