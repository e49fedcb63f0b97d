//! `generate <name>`: declared schema vs the last snapshot → a new migration
//! directory with migration.sql and meta.json.

use crate::config::Config;
use crate::diff::{Change, RenameMode};
use crate::lint;
use crate::migrations::{self, Meta, MigrationSet, NO_TRANSACTION_DIRECTIVE, Warning};
use crate::render::Rendered;
use crate::report::{self, BAD, BOLD, DIM, OK, WARN};
use crate::schema::Schema;

use super::{CommandResult, Failure, Outcome, declared_schema, renames, usage};

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
    let id = set.next_id(&args.name, now);

    if args.empty {
        let sql = "-- Hand-written migration: put your SQL below. It runs in one transaction;\n\
                   -- put `-- db-migrate: no-transaction` on the first line to run it outside one.\n";
        let dir = set.write(&id, sql, None)?;
        report::line(
            OK,
            "created",
            &format!(
                "{} (empty; write your SQL there)",
                super::shown(&dir.join(migrations::SQL_FILE))
            ),
        );
        return Ok(Outcome::Clean);
    }

    let declared = declared_schema(config)?;
    let previous = set
        .latest_snapshot()
        .cloned()
        .unwrap_or_else(|| Schema::empty(declared.dialect));
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
    let mut decisions = renames::from_flags(&args.renames, &args.created, &previous, &declared)?;
    let rendered = loop {
        match super::changes_sql(&previous, &declared, &decisions, RenameMode::Ask) {
            Ok(r) => break r,
            Err(ambiguities) if renames::interactive() => {
                if !renames::ask(&ambiguities, &mut decisions, &previous, &declared)? {
                    return Err(super::problem("aborted; nothing was written", None));
                }
            }
            Err(ambiguities) => {
                return Err(renames::undecided(
                    &ambiguities,
                    &format!("generate {}", args.name),
                ));
            }
        }
    };
    if rendered.iter().all(|r| r.statements.is_empty()) {
        report::line(OK, "✓", "No schema changes, nothing to migrate");
        return Ok(Outcome::Clean);
    }

    let transaction = !rendered.iter().any(|r| needs_no_transaction(&r.change));
    let statements = lint::statements_from_changes(&rendered);
    let mut context = lint::Context::new(declared.dialect);
    context.transactional = transaction;
    let findings = lint::lint(&statements, &context);
    let (sql, lines) = migration_sql(&rendered, &findings, transaction);
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
        id: id.clone(),
        name: args.name.clone(),
        created_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        dialect: declared.dialect,
        parent: set.last().map(|m| m.id.clone()),
        checksum: migrations::checksum(&sql),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        transaction,
        warnings: warnings.clone(),
        snapshot: Some(declared),
    };
    let dir = set.write(&id, &sql, Some(&meta)).map_err(Failure::from)?;
    let count: usize = rendered.iter().map(|r| r.statements.len()).sum();
    report::line(
        OK,
        "created",
        &format!(
            "{} ({count} statement{})",
            report::styled(BOLD, &super::shown(&dir.join(migrations::SQL_FILE))),
            if count == 1 { "" } else { "s" }
        ),
    );
    for r in &rendered {
        anstream::println!("  {}", r.change.describe());
    }
    for w in &warnings {
        let style = if w.severity == "error" { BAD } else { WARN };
        report::line(
            style,
            &w.severity,
            &format!("[{}] {} (migration.sql line {})", w.rule, w.message, w.line),
        );
        for help in w.help.lines() {
            anstream::println!("    {}", report::styled(DIM, help));
        }
    }
    if !transaction {
        report::line(
            WARN,
            "note",
            "this migration runs outside a transaction (it builds an index CONCURRENTLY)",
        );
    }
    Ok(Outcome::Clean)
}

/// True for changes PostgreSQL cannot run inside a transaction.
fn needs_no_transaction(change: &Change) -> bool {
    matches!(change, Change::CreateIndex { index, .. } if index.concurrently)
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
