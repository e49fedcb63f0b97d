//! `generate <name>`: declared schema vs the last snapshot → a new migration
//! directory with migration.sql and meta.json.
//!
//! When the changes cannot all run in one transaction the migration is split:
//! `<name>`, then `<name>_2`..., with ids one second apart, each with the
//! snapshot of the declared schema after it. A part that cannot run in a
//! transaction starts with `-- db-migrate: no-transaction`.

use std::borrow::Cow;

use serde_json::json;

use crate::config::Config;
use crate::diff::apply::apply_all;
use crate::diff::{RenameMode, diff};
use crate::lint;
use crate::migrations::{self, Meta, MigrationSet, NO_TRANSACTION_DIRECTIVE, Warning};
use crate::render::Rendered;
use crate::report::{self, BAD, BOLD, DIM, OK, WARN};
use crate::schema::{Dialect, Schema, names};

use super::{CommandResult, Failure, Outcome, renames, usage};

/// What `generate` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct GenerateArgs {
    /// The migration name (`[a-z0-9_]+`).
    pub name: String,
    /// Write an empty, hand-written migration.
    pub empty: bool,
    /// `--rename OLD=NEW` decisions.
    pub renames: Vec<String>,
    /// `--create NEW` decisions.
    pub created: Vec<String>,
}

/// Runs `generate`.
pub fn run(config: &Config, args: &GenerateArgs) -> CommandResult {
    if let Err(why) = migrations::validate_name(&args.name) {
        let suggestion = migrations::suggest_name(&args.name);
        let hint = if suggestion.is_empty() {
            "names use lowercase letters, digits and _, e.g. add_last_login_timestamp".to_string()
        } else {
            format!(
                "names use lowercase letters, digits and _: try `db-migrate generate {suggestion}`"
            )
        };
        return Err(usage(why, hint));
    }
    let set = MigrationSet::load(&config.migrations_dir)?;
    let now = jiff::Timestamp::now();
    if args.empty {
        let id = set.next_id(&args.name, now);
        let sql = "-- Hand-written migration: put your SQL below. It runs in one transaction;\n\
                   -- put `-- db-migrate: no-transaction` on the first line to run it outside one.\n";
        let dir = set.write(&id, sql, None::<&Meta>)?;
        let path = super::shown(&dir.join(migrations::SQL_FILE));
        report::line(
            OK,
            "created",
            &format!("{path} (empty; write your SQL there)"),
        );
        return Ok(done(&[json!({
            "id": id, "path": path, "statements": 0, "transaction": true, "findings": [],
        })]));
    }

    let (declared, previous) = super::declared_and_migrated(config, &set)?;
    let written = write_changes(config, set, &args.name, &previous, &declared, args, now)?;
    Ok(done(&written))
}

/// Ends `generate`; with `--json`, the final object lists the migrations written.
fn done(written: &[serde_json::Value]) -> Outcome {
    if report::json() {
        report::json_done("generate", 0, json!({ "migrations": written }));
    }
    Outcome::Clean
}

/// Diffs `previous` → `declared` (asking about renames, or failing without a
/// terminal) and writes the migration(s) named `name` on top of `set`;
/// returns what was written (for `--json`), nothing when nothing changed.
pub(super) fn write_changes(
    config: &Config,
    set: MigrationSet,
    name: &str,
    previous: &Schema,
    declared: &Schema,
    args: &GenerateArgs,
    now: jiff::Timestamp,
) -> Result<Vec<serde_json::Value>, Failure> {
    if previous.dialect != declared.dialect {
        return Err(usage(
            format!(
                "the schema is for {} but the migrations in {} are for {}",
                declared.dialect,
                super::shown(&config.migrations_dir),
                previous.dialect
            ),
            "use one migrations folder per database dialect (--migrations <dir>)",
        ));
    }
    let mut decisions = renames::from_flags(&args.renames, &args.created, previous, declared)?;
    let changes = loop {
        match diff(previous, declared, &decisions, RenameMode::Ask) {
            Ok(c) => break c,
            Err(ambiguities) if renames::interactive() => {
                if !renames::ask(&ambiguities, &mut decisions, previous, declared)? {
                    return Err(super::problem("aborted; nothing was written", None));
                }
            }
            Err(ambiguities) => {
                return Err(renames::undecided(
                    &ambiguities,
                    &format!("generate {name}"),
                ));
            }
        }
    };
    let undeclared =
        migrations::undeclared(&changes, &set.handwritten_objects(Some(declared.dialect)));
    if !undeclared.is_empty() {
        return Err(super::undeclared_failure(&undeclared));
    }
    let rendered_parts = super::rendered_parts(changes, previous, declared);
    if rendered_parts.is_empty() {
        report::line(OK, "✓", "No schema changes, nothing to migrate");
        return Ok(Vec::new());
    }
    if declared.dialect == Dialect::Postgres {
        for (kind, name) in names::too_long(declared) {
            report::line(
                WARN,
                "warning",
                &format!(
                    "{kind} name {name:?} is longer than 63 bytes: PostgreSQL keeps {:?}",
                    names::postgres_truncate(&name)
                ),
            );
        }
    }

    let count = rendered_parts.len();
    // Each part follows the one written before it.
    let mut parent = set.last().map(|m| m.id.clone());
    let mut before = Cow::Borrowed(previous);
    let mut written = Vec::new();
    for (k, part) in rendered_parts.into_iter().enumerate() {
        let name = part_name(name, k);
        let id = migrations::next_id_after(parent.as_deref(), &name, now);
        let after = if k + 1 == count {
            Cow::Borrowed(declared)
        } else {
            Cow::Owned(apply_all(&before, part.rendered.iter().map(|r| &r.change)))
        };
        let down = super::down::script::down_sql(&before, &after, &decisions, &part.rendered);
        written.push(write_part(
            &set,
            parent.as_deref(),
            &id,
            &name,
            now,
            &part.rendered,
            part.transactional,
            &after,
            &down,
        )?);
        parent = Some(id);
        before = after;
    }
    if count > 1 {
        report::line(
            WARN,
            "note",
            &format!(
                "the changes were split into {count} migrations: a new enum label must be committed before it is used, and CREATE INDEX CONCURRENTLY runs outside a transaction"
            ),
        );
    }
    Ok(written)
}

/// `<name>` for the first part of a split migration, `<name>_2`, `<name>_3`... after.
fn part_name(name: &str, index: usize) -> String {
    if index == 0 {
        name.to_string()
    } else {
        format!("{name}_{}", index + 1)
    }
}

/// Lints one part and writes its directory, then says what it holds;
/// returns it as JSON.
#[allow(clippy::too_many_arguments)]
fn write_part(
    set: &MigrationSet,
    parent: Option<&str>,
    id: &str,
    name: &str,
    now: jiff::Timestamp,
    rendered: &[Rendered],
    transaction: bool,
    snapshot: &Schema,
    down: &str,
) -> Result<serde_json::Value, Failure> {
    let statements = lint::statements_from_changes(rendered);
    let mut context = lint::Context::new(snapshot.dialect);
    context.transactional = transaction;
    let findings = lint::lint(&statements, &context);
    let (sql, lines) = migration_sql(rendered, &findings, transaction);
    let warnings: Vec<Warning> = findings
        .iter()
        .map(|f| Warning {
            rule: f.rule.to_string(),
            severity: f.severity.label().to_string(),
            message: f.message.clone(),
            help: f.help.clone(),
            line: lines.get(f.statement).copied().unwrap_or(0),
        })
        .collect();
    let meta = Meta {
        id: id.to_string(),
        name: name.to_string(),
        created_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        dialect: snapshot.dialect,
        down_checksum: Some(migrations::checksum(down)),
        drizzle_kit: None,
        parent: parent.map(str::to_string),
        checksum: migrations::checksum(&sql),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        transaction,
        warnings: warnings.clone(),
        snapshot: Some(snapshot),
    };
    let dir = set.write(id, &sql, Some(&meta)).map_err(Failure::from)?;
    set.write_down(id, down).map_err(Failure::from)?;
    let count: usize = rendered.iter().map(|r| r.statements.len()).sum();
    let path = super::shown(&dir.join(migrations::SQL_FILE));
    report::line(
        OK,
        "created",
        &format!(
            "{} ({count} statement{})",
            report::styled(BOLD, &path),
            if count == 1 { "" } else { "s" }
        ),
    );
    for r in rendered {
        report::out(&format!("  {}", r.change.describe()));
    }
    for w in &warnings {
        let style = if w.severity == "error" { BAD } else { WARN };
        report::line(
            style,
            &w.severity,
            &format!("[{}] {} (migration.sql line {})", w.rule, w.message, w.line),
        );
        for help in w.help.lines() {
            report::out(&format!("    {}", report::styled(DIM, help)));
        }
    }
    if !transaction {
        report::line(
            WARN,
            "note",
            "this migration runs outside a transaction (it builds an index CONCURRENTLY)",
        );
    }
    Ok(json!({
        "id": id,
        "path": path,
        "statements": count,
        "transaction": transaction,
        "findings": warnings,
    }))
}

/// The migration script, findings as comments above their statements, and
/// the line where each statement starts.
fn migration_sql(
    rendered: &[Rendered],
    findings: &[lint::Finding],
    transaction: bool,
) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut lines = Vec::new();
    if !transaction {
        out.push_str(NO_TRANSACTION_DIRECTIVE);
        out.push('\n');
    }
    let (mut line, mut counted) = (1, 0);
    let statements = rendered.iter().flat_map(|r| r.statements.iter());
    for (index, statement) in statements.enumerate() {
        if index > 0 {
            out.push('\n');
        }
        for f in findings.iter().filter(|f| f.statement == index) {
            out.push_str(&format!(
                "-- {} [{}]: {}\n",
                f.severity.label(),
                f.rule,
                f.message.replace('\n', " ")
            ));
        }
        line += out[counted..].matches('\n').count();
        counted = out.len();
        lines.push(line);
        out.push_str(statement);
        out.push_str(";\n");
    }
    (out, lines)
}
