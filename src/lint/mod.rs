//! The migration linter: finds statements that lose data, take long locks,
//! break running application versions or cannot run where they are placed.
//!
//! Rules work on the typed [`Change`] stream, so generated and hand-written
//! migrations are checked alike: a generated migration knows its changes
//! ([`statements_from_changes`]); a hand-written one is split and parsed into
//! the same changes ([`statements_from_sql`]). Each rule lives in its own file
//! under `rules/`, with the hazard, the safe alternative and its tests.
//!
//! A finding is silenced by a comment directly above its statement:
//! `-- db-migrate: allow drop-column` (several rule ids may be listed, separated by commas).

mod migration;
mod parse;
mod rules;
mod text;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use crate::diff::Change;
use crate::render::Rendered;
use crate::schema::{Dialect, QualifiedName};
use crate::sql::{SqlDialect, split};

use migration::Migration;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Loses data or fails: must be decided on before the migration runs.
    Error,
    /// Can block production traffic or break running application versions.
    Warning,
    /// Worth a look; nothing known to be wrong.
    Info,
}

impl Severity {
    /// The word printed before a finding.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One problem found in one statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule's id, e.g. `set-not-null`.
    pub rule: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// What the statement does and why it is risky, naming the table, column or index.
    pub message: String,
    /// The safe alternative, with SQL where there is one.
    pub help: String,
    /// Index of the statement in the linted statements.
    pub statement: usize,
}

/// What the linter knows about where the migration will run.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The database family.
    pub dialect: Dialect,
    /// The server's `server_version_num` (e.g. `150004`); `None` assumes the oldest supported, 12.
    pub pg_version: Option<u32>,
    /// Rows per table now (see [`crate::inspect::table_sizes`]); `None` when
    /// unknown, which counts as non-empty. A negative estimate is unknown too;
    /// 0 is known empty. Lock and rewrite rules stay quiet on empty tables;
    /// rules that fail on rows become errors on tables known to have some.
    pub table_rows: Option<HashMap<QualifiedName, f64>>,
    /// The whole migration runs in one transaction.
    pub transactional: bool,
}

impl Context {
    /// A context with nothing known about the server: oldest supported version,
    /// every table possibly large, one transaction per migration.
    pub fn new(dialect: Dialect) -> Context {
        Context {
            dialect,
            pg_version: None,
            table_rows: None,
            transactional: true,
        }
    }
}

/// What sort of statement a [`LintStatement`] is, beyond the changes it makes.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// A schema change, described by the statement's changes; `cascade` when it ends in `CASCADE`.
    Ddl {
        /// `CASCADE` was given.
        cascade: bool,
    },
    /// `INSERT`, `UPDATE`, `DELETE`, `MERGE` or `COPY`.
    DataChange,
    /// `TRUNCATE`.
    Truncate {
        /// The tables emptied by name.
        tables: Vec<QualifiedName>,
        /// `CASCADE`: tables referencing them are emptied too.
        cascade: bool,
    },
    /// `SET [LOCAL | SESSION] name = value`.
    SetSetting {
        /// The setting, lower case.
        name: String,
        /// The value as written.
        value: String,
    },
    /// `BEGIN`, `COMMIT` or `ROLLBACK`.
    Transaction(TransactionControl),
    /// A statement the parser understood but the linter does not model (queries, views, grants...).
    Other,
    /// A statement the parser could not read (a `DO` block, `REINDEX`...).
    Unparsed {
        /// It looks like it changes the schema.
        ddl: bool,
    },
}

/// A transaction control statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionControl {
    /// `BEGIN` or `START TRANSACTION`.
    Begin,
    /// `COMMIT` or `END`.
    Commit,
    /// `ROLLBACK` (not to a savepoint).
    Rollback,
}

/// One statement to lint: its SQL text, where it is, what it does, and the
/// suppressions above it. A generated migration's statements borrow its
/// rendered text and changes.
#[derive(Debug, Clone, PartialEq)]
pub struct LintStatement<'a> {
    /// The statement's text, without its terminator.
    pub sql: Cow<'a, str>,
    /// 1-based line where it starts in the migration file.
    pub line: usize,
    /// The schema changes it makes, in order (one statement may make several).
    pub changes: Vec<Cow<'a, Change>>,
    /// What sort of statement it is.
    pub kind: StatementKind,
    /// Rule ids allowed by `-- db-migrate: allow <rule-id>[, <rule-id>]` comments directly above.
    pub allowed: Vec<String>,
}

/// A rule's description, for `--help` and documentation.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// The id used in findings and `allow` comments.
    pub id: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// What it flags, in one line.
    pub summary: &'static str,
    check: fn(&Migration, &mut Vec<Finding>),
}

/// Every rule, in the order findings are reported for one statement.
pub fn rules() -> &'static [RuleInfo] {
    rules::ALL
}

/// The statements of a generated migration, whose changes are known.
///
/// Lines are those of the script [`crate::render::script`] writes for these statements.
pub fn statements_from_changes(rendered: &[Rendered]) -> Vec<LintStatement<'_>> {
    let mut out = Vec::new();
    let mut line = 1;
    for r in rendered {
        let changes = parse::attach(&r.change, &r.statements);
        for (sql, changes) in r.statements.iter().zip(changes) {
            out.push(LintStatement {
                sql: Cow::Borrowed(sql),
                line,
                changes,
                kind: StatementKind::Ddl { cascade: false },
                allowed: Vec::new(),
            });
            // Each statement is followed by `;`, a line break and a blank line.
            line += sql.matches('\n').count() + 2;
        }
    }
    out
}

/// The statements of a hand-written migration: split, then parsed into changes where possible.
pub fn statements_from_sql(sql: &str, dialect: Dialect) -> Vec<LintStatement<'static>> {
    let lexical = SqlDialect::of(dialect);
    split(sql, lexical)
        .into_iter()
        .map(|st| {
            let parsed = parse::statement(st.text, dialect);
            LintStatement {
                sql: Cow::Owned(st.text.to_string()),
                line: st.line,
                changes: parsed.changes.into_iter().map(Cow::Owned).collect(),
                kind: parsed.kind,
                allowed: st
                    .leading_comments
                    .iter()
                    .flat_map(|c| allowed_rules(c))
                    .collect(),
            }
        })
        .collect()
}

/// [`statements_from_sql`] for a migration that runs on `schema` (the schema
/// the migrations before it build): what a statement leaves unsaid is taken
/// from it, so the rules see what `generate` saw. An altered column becomes
/// a full [`Change::AlterColumn`] (its old type known: a narrowing is a
/// narrowing), a dropped column or table has its definition (a generated
/// column's drop loses nothing).
///
/// `schema` is left as the statements leave it.
pub fn statements_over(
    sql: &str,
    schema: &mut crate::schema::Schema,
) -> Vec<LintStatement<'static>> {
    let mut statements = statements_from_sql(sql, schema.dialect);
    for st in &mut statements {
        for change in &mut st.changes {
            if let Some(known) = with_known_definitions(change, schema) {
                *change = Cow::Owned(known);
            }
            crate::diff::apply::apply(schema, change);
        }
    }
    statements
}

/// `change` with the definitions `schema` knows filled in, when it lacks them.
fn with_known_definitions(change: &Change, schema: &crate::schema::Schema) -> Option<Change> {
    use crate::diff::{ColumnChange, ColumnPart};
    match change {
        Change::AlterColumnPart {
            table,
            column,
            part,
        } => {
            let from = schema
                .table(&table.schema, &table.name)?
                .column(column)?
                .clone();
            let mut to = from.clone();
            match part {
                ColumnPart::Type { ty, dims, .. } => {
                    to.ty = ty.clone();
                    to.dims = *dims;
                }
                ColumnPart::SetNotNull => to.not_null = true,
                ColumnPart::DropNotNull => to.not_null = false,
                ColumnPart::SetDefault(d) => to.default = Some(d.clone()),
                ColumnPart::DropDefault => to.default = None,
            }
            let what = ColumnChange::between(&from, &to);
            Some(Change::AlterColumn {
                table: table.clone(),
                from,
                to,
                what,
            })
        }
        Change::DropColumn { table, column } => {
            let known = schema
                .table(&table.schema, &table.name)?
                .column(&column.name)?;
            (known != column).then(|| Change::DropColumn {
                table: table.clone(),
                column: known.clone(),
            })
        }
        Change::DropTable(t) if t.columns.is_empty() => {
            let known = schema.table(&t.schema, &t.name)?;
            Some(Change::DropTable(known.clone()))
        }
        _ => None,
    }
}

/// Runs every rule over a migration's statements; findings allowed by a comment are left out.
///
/// Findings come in statement order, then in rule order.
pub fn lint(statements: &[LintStatement], ctx: &Context) -> Vec<Finding> {
    let migration = Migration::new(statements, ctx);
    let mut findings = Vec::new();
    for rule in rules::ALL {
        (rule.check)(&migration, &mut findings);
    }
    findings.retain(|f| {
        statements
            .get(f.statement)
            .is_none_or(|s| !s.allowed.iter().any(|a| a == f.rule))
    });
    let order = |id: &str| rules::ALL.iter().position(|r| r.id == id);
    findings.sort_by_key(|f| (f.statement, order(f.rule)));
    findings
}

/// Findings as text, one per paragraph:
/// `migration.sql:12: warning [set-not-null] ...` then `  help: ...`.
pub fn render_findings(findings: &[Finding], statements: &[LintStatement], path: &str) -> String {
    let mut out = String::new();
    for f in findings {
        let line = statements.get(f.statement).map_or(0, |s| s.line);
        out.push_str(&format!(
            "{path}:{line}: {} [{}] {}\n",
            f.severity, f.rule, f.message
        ));
        let mut help = f.help.lines();
        if let Some(first) = help.next() {
            out.push_str(&format!("  help: {first}\n"));
        }
        for rest in help {
            out.push_str(&format!("        {rest}\n"));
        }
    }
    out
}

/// The rule ids of a `-- db-migrate: allow a, b` (or `/* ... */`) comment.
fn allowed_rules(comment: &str) -> Vec<String> {
    let body = comment
        .trim()
        .trim_start_matches("--")
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim();
    let Some(rest) = body.strip_prefix("db-migrate:") else {
        return Vec::new();
    };
    let Some(ids) = rest.trim_start().strip_prefix("allow") else {
        return Vec::new();
    };
    if !ids.starts_with(char::is_whitespace) {
        return Vec::new();
    }
    ids.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}
