//! `report --format markdown`: one Markdown report for a pull request: the
//! migrations it adds (SQL folded), their lint findings by severity with
//! the safe alternative, and what `check` finds. Deterministic (no times,
//! fixed order) and under [`LIMIT`] characters, GitHub's comment size.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::Config;
use crate::lint::{self, Severity};
use crate::migrations::{Migration, MigrationSet};
use crate::schema::Dialect;

use super::check::{Checked, collect};
use super::{
    CommandResult, Failure, LiveFacts, Outcome, connect, migrations_dialect, shown, usage,
};

/// The hidden first line that identifies the report (the GitHub Action edits
/// the comment that carries it instead of posting another).
pub const MARKER: &str = "<!-- db-migrate report -->";

/// The longest report, in characters (a GitHub comment holds 65,536).
pub const LIMIT: usize = 65_000;

/// What `report` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ReportArgs {
    /// A git ref (the pull request's base): the migrations not in it are the added ones.
    pub base: Option<String>,
}

/// One lint finding, placed.
struct Placed {
    severity: Severity,
    file: String,
    line: usize,
    rule: &'static str,
    message: String,
    help: String,
}

/// Runs `report`.
pub fn run(config: &Config, args: &ReportArgs) -> CommandResult {
    let set = MigrationSet::load(&config.migrations_dir)?;
    let mut db = match &config.database_url {
        Some(_) => Some(connect(config, migrations_dialect(&set))?),
        None => None,
    };
    let added: Vec<&Migration> = match (&args.base, db.as_mut()) {
        (Some(base), _) => {
            let existing = at_ref(config, base)?;
            set.migrations
                .iter()
                .filter(|m| !existing.contains(&m.id))
                .collect()
        }
        (None, Some(db)) => {
            let applied = super::applied_migrations(db, config, &set)?;
            set.migrations
                .iter()
                .filter(|m| applied.iter().all(|a| a.id != m.id || !a.finished))
                .collect()
        }
        (None, None) => set.migrations.iter().collect(),
    };
    let live = db.as_mut().map(LiveFacts::read).unwrap_or_default();
    let dialect = db
        .as_ref()
        .map(crate::db::Db::dialect)
        .or_else(|| migrations_dialect(&set))
        .unwrap_or(Dialect::Postgres);
    drop(db);

    let mut findings = Vec::new();
    let ids: Vec<&str> = added.iter().map(|m| m.id.as_str()).collect();
    let mut statements = super::migrations_statements(&set, &ids, dialect);
    for m in &added {
        let mut ctx = lint::Context::new(m.meta.as_ref().map_or(dialect, |meta| meta.dialect));
        ctx.pg_version = live.pg_version;
        ctx.table_rows = live.table_rows.clone();
        ctx.transactional = m.transactional();
        let statements = match statements.remove(m.id.as_str()) {
            Some(s) if ctx.dialect == dialect => s,
            _ => lint::statements_from_sql(&m.sql, ctx.dialect),
        };
        for f in lint::lint(&statements, &ctx) {
            findings.push(Placed {
                severity: f.severity,
                file: shown(&m.sql_path()),
                line: statements.get(f.statement).map_or(0, |s| s.line),
                rule: f.rule,
                message: f.message,
                help: f.help,
            });
        }
    }
    let checked = collect(config)?;
    let text = markdown(&added, &findings, &checked, true);
    let text = if text.chars().count() > LIMIT {
        markdown(&added, &findings, &checked, false)
    } else {
        text
    };
    let text = cap(&text);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let outcome = if errors > 0 || !checked.findings.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if crate::report::json() {
        crate::report::json_done(
            "report",
            super::exit_code(outcome),
            serde_json::json!({ "markdown": text }),
        );
    } else {
        print!("{text}");
    }
    Ok(outcome)
}

/// The migration ids present at `base` in git.
fn at_ref(config: &Config, base: &str) -> Result<Vec<String>, Failure> {
    let dir = config
        .migrations_dir
        .strip_prefix(&config.project_dir)
        .unwrap_or(&config.migrations_dir);
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&config.project_dir)
        .args(["ls-tree", "-d", "--name-only", base, "--"])
        .arg(format!("{}/", dir.display()))
        .output()
        .map_err(|e| {
            usage(
                format!("could not run git: {e}"),
                "install git, or leave out --base",
            )
        })?;
    if !out.status.success() {
        return Err(usage(
            format!(
                "git cannot list {} at {base}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            "pass the pull request's base as a ref git knows (fetch it first), e.g. --base origin/main",
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            Path::new(l)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
        })
        .collect())
}

/// The report; without `with_sql`, the migrations' SQL is left out (to fit).
fn markdown(
    added: &[&Migration],
    findings: &[Placed],
    checked: &Checked,
    with_sql: bool,
) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let mut out = format!("{MARKER}\n## db-migrate\n\n");
    let verdict = if errors > 0 || !checked.findings.is_empty() {
        "❌"
    } else {
        "✅"
    };
    let _ = writeln!(
        out,
        "{verdict} **{}** · lint: **{}**, {}, {} · check: {}\n",
        plural(added.len(), "migration"),
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(infos, "note"),
        if checked.findings.is_empty() {
            "clean".to_string()
        } else {
            plural(checked.findings.len(), "finding")
        }
    );

    out.push_str("### Migrations\n\n");
    if added.is_empty() {
        out.push_str("No migrations added.\n\n");
    }
    for m in added {
        let statements = crate::sql::split(
            &m.sql,
            crate::sql::SqlDialect::of(m.meta.as_ref().map_or(Dialect::Postgres, |x| x.dialect)),
        )
        .len();
        let transaction = if m.transactional() {
            ""
        } else {
            ", no transaction"
        };
        if with_sql {
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code> ({}{transaction})</summary>\n\n```sql\n{}\n```\n\n</details>\n",
                m.id,
                plural(statements, "statement"),
                m.sql.trim_end().replace("```", "` ` `")
            );
        } else {
            let _ = writeln!(
                out,
                "- `{}` ({}{transaction})",
                m.id,
                plural(statements, "statement")
            );
        }
    }
    if !with_sql && !added.is_empty() {
        out.push_str(
            "\n_The SQL is left out to keep this report under GitHub's comment size._\n\n",
        );
    }

    out.push_str("### Lint\n\n");
    if findings.is_empty() {
        out.push_str("No findings.\n\n");
    }
    for (severity, title) in [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Notes"),
    ] {
        let these: Vec<&Placed> = findings.iter().filter(|f| f.severity == severity).collect();
        if these.is_empty() {
            continue;
        }
        let _ = writeln!(out, "#### {title}\n");
        for f in these {
            let _ = writeln!(
                out,
                "- **`{}`** `{}:{}`: {}",
                f.rule,
                f.file,
                f.line,
                f.message.replace('\n', " ")
            );
            if !f.help.is_empty() {
                let _ = writeln!(
                    out,
                    "  <details><summary>safe alternative</summary>\n\n  ```\n{}\n  ```\n  </details>",
                    indent(&f.help)
                );
            }
        }
        out.push('\n');
    }

    out.push_str("### Check\n\n");
    if checked.findings.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            match &checked.target {
                Some(_) => "The schema, the migrations and the database agree.",
                None =>
                    "The schema and the migrations agree (no database: pending migrations and drift not checked).",
            }
        );
    }
    for f in &checked.findings {
        let _ = writeln!(out, "- **{}**: {}", f.kind, f.message);
        for item in &f.items {
            let _ = writeln!(out, "  - `{item}`");
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// At most [`LIMIT`] characters, cut at a line with a note when longer.
fn cap(text: &str) -> String {
    if text.chars().count() <= LIMIT {
        return text.to_string();
    }
    let note = "\n\n_…cut to stay under GitHub's comment size; run `db-migrate report` locally for all of it._\n";
    let mut out = String::new();
    for line in text.lines() {
        if out.chars().count() + line.chars().count() + note.len() + 1 > LIMIT {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(note);
    out
}

#[cfg(test)]
mod tests {
    use super::{LIMIT, cap};

    #[test]
    fn long_reports_are_cut_with_a_note() {
        let long = "x".repeat(100) + "\n";
        let text = long.repeat(2000);
        let capped = cap(&text);
        assert!(capped.chars().count() <= LIMIT);
        assert!(capped.ends_with("for all of it._\n"));
        assert_eq!(cap("short\n"), "short\n");
    }
}
