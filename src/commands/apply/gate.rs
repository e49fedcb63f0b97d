//! Before a run: lint the pending migrations with what the live database
//! says (its version, its tables' rows now), and refuse error findings that
//! no `-- db-migrate: allow <rule>` comment allows, unless
//! `--allow-lint-errors`. A finding whose tables are all empty, or do not
//! exist yet (a fresh database replaying the history creates them in this
//! run), loses nothing and does not stop the run.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::db::Db;
use crate::diff::Change;
use crate::lint::{self, Finding, LintStatement, Severity};
use crate::migrations::{Migration, MigrationSet};
use crate::report::{self, BAD};
use crate::schema::{Dialect, QualifiedName};

use super::super::{Failure, LiveFacts, problem};

/// Refuses `pending` when any has an unallowed error finding (nothing runs);
/// with `allow`, says loudly which ones run anyway.
pub fn check(
    db: &mut Db,
    set: &MigrationSet,
    pending: &[&Migration],
    allow: bool,
) -> Result<(), Failure> {
    let live = LiveFacts::read(db);
    let mut errors = Vec::new();
    let ids: Vec<&str> = pending.iter().map(|m| m.id.as_str()).collect();
    let mut statements = super::super::migrations_statements(set, &ids, db.dialect());
    for m in pending {
        let ctx = context(&live, db.dialect(), m.transactional());
        let statements = statements.remove(m.id.as_str()).unwrap_or_default();
        for (f, line) in blocking(&statements, &ctx) {
            errors.push(format!(
                "{} migration.sql line {line}: [{}] {}",
                m.id, f.rule, f.message
            ));
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let list = errors.join("\n  ");
    if allow {
        report::eline(
            BAD,
            "WARNING",
            &format!(
                "--allow-lint-errors: running {} lint error{} anyway:\n  {list}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ),
        );
        return Ok(());
    }
    Err(problem(
        format!(
            "{} lint error{} in the pending migrations; nothing was applied:\n  {list}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ),
        Some(
            "review each one (`db-migrate lint` explains it and the safe alternative). When it is intended, put \
             `-- db-migrate: allow <rule>` on the line above the statement in migration.sql (it has not been applied, \
             so editing it is safe); or pass --allow-lint-errors to run them anyway"
                .into(),
        ),
    ))
}

/// The lint context of a run on the live database.
pub fn context(live: &LiveFacts, dialect: Dialect, transactional: bool) -> lint::Context {
    let mut ctx = lint::Context::new(dialect);
    ctx.pg_version = live.pg_version;
    ctx.table_rows = live.table_rows.clone();
    ctx.transactional = transactional;
    ctx
}

/// The findings that stop a run (`apply`, `push`), with their lines: the
/// errors, except those whose tables are all empty or not there yet.
pub fn blocking(statements: &[LintStatement], ctx: &lint::Context) -> Vec<(Finding, usize)> {
    lint::lint(statements, ctx)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .filter_map(|f| {
            let s = statements.get(f.statement);
            let harmless = s.is_some_and(|s| on_empty_tables(&s.changes, ctx.table_rows.as_ref()));
            let line = s.map_or(0, |s| s.line);
            (!harmless).then_some((f, line))
        })
        .collect()
}

/// True when every table `changes` touch is known to be empty now or does
/// not exist yet; false when one has rows, is unknown, or a change touches
/// no table (an enum, a schema).
fn on_empty_tables(
    changes: &[Cow<'_, Change>],
    rows: Option<&HashMap<QualifiedName, f64>>,
) -> bool {
    let Some(rows) = rows else {
        return false;
    };
    !changes.is_empty()
        && changes.iter().all(|c| {
            let table = match &**c {
                Change::DropTable(t) => t.qualified(),
                Change::RebuildTable { to, .. } => to.qualified(),
                Change::AlterColumnPart { table, .. } => table.clone(),
                other => match other.altered_table() {
                    Some(t) => t.clone(),
                    None => return false,
                },
            };
            rows.get(&table).is_none_or(|&n| n == 0.0)
        })
}
