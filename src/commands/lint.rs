//! `lint [migrations...]`: check migration SQL (generated or hand-written)
//! for data loss, long locks, backward-incompatible changes and transaction
//! mistakes. Exit 1 when a finding of severity error is not allowed by a
//! `-- db-migrate: allow <rule>` comment.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::db::Db;
use crate::lint::{self, Severity};
use crate::migrations::MigrationSet;
use crate::report::{self, BAD, DIM, OK, WARN};
use crate::schema::Dialect;

use super::{CommandResult, Failure, Outcome, connect, migrations_dialect, shown, usage};

/// What `lint` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct LintArgs {
    /// Migration ids, names, directories or .sql files; empty = the default set.
    pub targets: Vec<String>,
    /// PostgreSQL version the rules assume (e.g. 15 or 150004).
    pub pg_version: Option<u32>,
}

/// One linted file.
struct Target {
    label: String,
    path: PathBuf,
    sql: String,
    transactional: bool,
    dialect: Option<Dialect>,
    /// The id, for a migration of the folder (read over the schema before it).
    id: Option<String>,
}

#[derive(Serialize)]
struct JsonFinding {
    file: String,
    line: usize,
    rule: &'static str,
    severity: &'static str,
    message: String,
    help: String,
}

/// Runs `lint`.
pub fn run(config: &Config, args: &LintArgs) -> CommandResult {
    let set = MigrationSet::load(&config.migrations_dir)?;
    let mut db = if config.database_url.is_some() {
        Some(connect(config, migrations_dialect(&set))?)
    } else {
        None
    };
    let targets = select(config, &set, &args.targets, db.as_mut())?;
    let dialect = db
        .as_ref()
        .map(Db::dialect)
        .or_else(|| migrations_dialect(&set))
        .unwrap_or(Dialect::Postgres);
    let live = db.as_mut().map(super::LiveFacts::read).unwrap_or_default();
    let pg_version = args
        .pg_version
        .map(|v| if v < 100 { v * 10000 } else { v })
        .or(live.pg_version);
    let table_rows = live.table_rows;

    let mut errors = 0;
    let mut total = 0;
    let mut json = Vec::new();
    let ids: Vec<&str> = targets.iter().filter_map(|t| t.id.as_deref()).collect();
    let mut statements = super::migrations_statements(&set, &ids, dialect);
    for t in &targets {
        let mut ctx = lint::Context::new(t.dialect.unwrap_or(dialect));
        ctx.pg_version = pg_version;
        ctx.table_rows = table_rows.clone();
        ctx.transactional = t.transactional;
        let statements = match t.id.as_deref().and_then(|id| statements.remove(id)) {
            Some(s) if ctx.dialect == dialect => s,
            _ => lint::statements_from_sql(&t.sql, ctx.dialect),
        };
        let findings = lint::lint(&statements, &ctx);
        total += findings.len();
        errors += findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        for f in &findings {
            report::annotation(
                match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "notice",
                },
                Some(&shown(&t.path)),
                statements.get(f.statement).map(|s| s.line),
                &format!("db-migrate lint: {}", f.rule),
                &format!("{}\n{}", f.message, f.help),
            );
        }
        if report::json() {
            for f in &findings {
                json.push(JsonFinding {
                    file: shown(&t.path),
                    line: statements.get(f.statement).map_or(0, |s| s.line),
                    rule: f.rule,
                    severity: f.severity.label(),
                    message: f.message.clone(),
                    help: f.help.clone(),
                });
            }
        } else if !findings.is_empty() {
            anstream::print!(
                "{}",
                lint::render_findings(&findings, &statements, &shown(&t.path))
            );
        } else {
            report::line(DIM, "clean", &t.label);
        }
    }
    let outcome = if errors > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if report::json() {
        report::json_done(
            "lint",
            super::exit_code(outcome),
            serde_json::json!({ "files": targets.len(), "errors": errors, "findings": json }),
        );
    } else {
        let summary = format!(
            "{} file{} linted, {total} finding{} ({errors} error{})",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            if total == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" }
        );
        let style = if errors > 0 {
            BAD
        } else if total > 0 {
            WARN
        } else {
            OK
        };
        report::line(style, if errors > 0 { "✗" } else { "✓" }, &summary);
    }
    Ok(outcome)
}

/// The files to lint: the named ones, else the pending migrations (with a
/// database), else every migration.
fn select(
    config: &Config,
    set: &MigrationSet,
    names: &[String],
    db: Option<&mut Db>,
) -> Result<Vec<Target>, Failure> {
    let from_migration = |m: &crate::migrations::Migration| Target {
        label: m.id.clone(),
        path: m.sql_path(),
        sql: m.sql.clone(),
        transactional: m.transactional(),
        dialect: m.meta.as_ref().map(|meta| meta.dialect),
        id: Some(m.id.clone()),
    };
    if names.is_empty() {
        let applied: Vec<String> = match db {
            Some(db) => super::applied_migrations(db, config, set)?
                .into_iter()
                .filter(|a| a.finished)
                .map(|a| a.id)
                .collect(),
            None => Vec::new(),
        };
        return Ok(set
            .migrations
            .iter()
            .filter(|m| !applied.contains(&m.id))
            .map(from_migration)
            .collect());
    }
    let mut out = Vec::new();
    for name in names {
        let found: Vec<_> = set
            .migrations
            .iter()
            .filter(|m| m.id == *name || m.name() == name || m.id.starts_with(name.as_str()))
            .collect();
        if found.len() == 1 {
            out.push(from_migration(found[0]));
            continue;
        }
        let path = config.project_dir.join(name);
        let file = if path.is_dir() {
            path.join(crate::migrations::SQL_FILE)
        } else {
            path
        };
        if file.is_file() {
            out.push(from_file(&file)?);
        } else if found.len() > 1 {
            return Err(usage(
                format!("{name:?} matches {} migrations", found.len()),
                "give the full migration id",
            ));
        } else {
            return Err(usage(
                format!("no migration or file {name:?}"),
                "name a migration by id or name, a migration directory, or an .sql file",
            ));
        }
    }
    Ok(out)
}

fn from_file(path: &Path) -> Result<Target, Failure> {
    let sql = std::fs::read_to_string(path).map_err(|e| {
        usage(
            format!("cannot read {}: {e}", path.display()),
            "check the path",
        )
    })?;
    let transactional = !crate::migrations::opts_out_of_transaction(&sql);
    Ok(Target {
        label: shown(path),
        path: path.to_path_buf(),
        sql,
        transactional,
        dialect: None,
        id: None,
    })
}
