//! The rules, one per file. Each file holds the rule's id, severity and
//! summary, a doc comment with the hazard and the safe alternative, the check,
//! and its tests.

mod concurrently_in_transaction;
mod constraint_not_valid;
mod drop_column;
mod drop_enum_value;
mod drop_schema;
mod drop_table;
mod enum_value_used_in_transaction;
mod identifier_too_long;
mod index_not_concurrent;
mod narrowing_type_change;
mod not_analysed;
mod not_null_without_default;
mod rename_column;
mod rename_table;
mod set_not_null;
mod stored_generated_column;
mod truncate;
mod type_change_rewrite;
mod unique_constraint_lock;
mod volatile_default;

use super::RuleInfo;

/// Every rule: data loss, locks, backward compatibility, transactions, naming, coverage.
pub(crate) static ALL: &[RuleInfo] = &[
    drop_table::RULE,
    drop_column::RULE,
    drop_schema::RULE,
    drop_enum_value::RULE,
    narrowing_type_change::RULE,
    truncate::RULE,
    index_not_concurrent::RULE,
    constraint_not_valid::RULE,
    set_not_null::RULE,
    volatile_default::RULE,
    stored_generated_column::RULE,
    type_change_rewrite::RULE,
    unique_constraint_lock::RULE,
    rename_column::RULE,
    rename_table::RULE,
    not_null_without_default::RULE,
    concurrently_in_transaction::RULE,
    enum_value_used_in_transaction::RULE,
    identifier_too_long::RULE,
    not_analysed::RULE,
];

/// The closing sentence of a data-loss rule's help: how to say "yes, on purpose".
fn allow_hint(rule: &str) -> String {
    format!(
        "if this is intended, put `-- db-migrate: allow {rule}` on the line above the statement"
    )
}

/// How to run a statement outside a transaction.
const NO_TRANSACTION: &str =
    "outside a transaction (`-- db-migrate: no-transaction` at the top of its migration)";

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the rules' tests.

    use std::borrow::Cow;

    use super::super::{
        Context, Finding, LintStatement, RuleInfo, lint, render_findings, statements_from_changes,
    };
    use crate::diff::Change;
    use crate::schema::Dialect;

    /// A PostgreSQL context where nothing is known about the tables.
    pub fn pg() -> Context {
        Context::new(Dialect::Postgres)
    }

    /// A SQLite context.
    pub fn sqlite() -> Context {
        Context::new(Dialect::Sqlite)
    }

    /// The findings of one rule on hand-written SQL.
    pub fn check(rule: &RuleInfo, sql: &str, ctx: &Context) -> Vec<Finding> {
        let statements = super::super::statements_from_sql(sql, ctx.dialect);
        only(rule, lint(&statements, ctx))
    }

    /// The findings of one rule on generated changes.
    pub fn check_changes(rule: &RuleInfo, changes: Vec<Change>, ctx: &Context) -> Vec<Finding> {
        only(rule, lint(&generated(changes, ctx.dialect), ctx))
    }

    /// The statements a plan of `changes` renders to, in order.
    pub fn generated(changes: Vec<Change>, dialect: Dialect) -> Vec<LintStatement<'static>> {
        let rendered = crate::render::render(changes, dialect);
        statements_from_changes(&rendered)
            .into_iter()
            .map(|s| LintStatement {
                sql: Cow::Owned(s.sql.into_owned()),
                changes: s
                    .changes
                    .into_iter()
                    .map(|c| Cow::Owned(c.into_owned()))
                    .collect(),
                ..s
            })
            .collect()
    }

    /// One rule's findings on hand-written SQL as the text `db-migrate lint` prints.
    pub fn report(rule: &RuleInfo, sql: &str, ctx: &Context) -> String {
        let statements = super::super::statements_from_sql(sql, ctx.dialect);
        let findings = only(rule, lint(&statements, ctx));
        render_findings(&findings, &statements, "migration.sql")
    }

    /// One rule's findings on generated changes as the text `db-migrate lint` prints.
    pub fn report_changes(rule: &RuleInfo, changes: Vec<Change>, ctx: &Context) -> String {
        let statements = generated(changes, ctx.dialect);
        let findings = only(rule, lint(&statements, ctx));
        render_findings(&findings, &statements, "migration.sql")
    }

    /// The findings of `rule` among `findings`.
    pub fn only(rule: &RuleInfo, findings: Vec<Finding>) -> Vec<Finding> {
        findings.into_iter().filter(|f| f.rule == rule.id).collect()
    }
}
