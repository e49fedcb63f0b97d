//! `enum-value-used-in-transaction` (error, PostgreSQL).

use super::super::migration::Migration;
use super::super::text::string_literals;
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;
use crate::schema::Dialect;

/// A value added with `ALTER TYPE ... ADD VALUE` cannot be used until the
/// transaction that added it commits: a later statement in the same
/// transaction that uses it (as a default, in an `UPDATE`, a check...) fails
/// with "unsafe use of new value". Before PostgreSQL 12, `ADD VALUE` cannot
/// run inside a transaction block at all.
///
/// Safe alternative: add the value in its own migration, applied (and
/// committed) before the one that uses it; or run the migration outside a
/// transaction.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "enum-value-used-in-transaction",
    severity: Severity::Error,
    summary: "a new enum value used in the transaction that added it fails",
    check,
};

const HELP: &str = "add the value in a migration of its own, applied before the one that uses it; or put \
                    `-- db-migrate: no-transaction` at the top of this migration";

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let Change::AddEnumValue { name, value, .. } = change else {
            continue;
        };
        if !m.in_transaction(i) {
            continue;
        }
        if m.pg_version() < 120000 {
            out.push(m.finding(
                &RULE,
                i,
                format!("adding value '{value}' to enum {name} cannot run inside a transaction block before PostgreSQL 12"),
                HELP.to_string(),
            ));
            continue;
        }
        let used_at = (i + 1..m.statements.len()).find(|&j| {
            m.same_transaction(i, j)
                && string_literals(&m.statements[j].sql, Dialect::Postgres).contains(value)
        });
        if let Some(j) = used_at {
            out.push(m.finding(
                &RULE,
                j,
                format!(
                    "this statement uses '{value}', which line {} adds to enum {name} in the same transaction: \
                     PostgreSQL rejects a new enum value until that transaction commits",
                    m.line(i)
                ),
                HELP.to_string(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report};
    use super::*;

    const SQL: &str = "ALTER TYPE \"public\".\"status\" ADD VALUE 'archived';\n\
                       ALTER TABLE posts ALTER COLUMN status SET DEFAULT 'archived';";

    #[test]
    fn flags_the_first_use_in_the_same_transaction() {
        let f = check(&RULE, SQL, &pg());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].statement, 1);
        assert!(f[0].message.contains("'archived'") && f[0].message.contains("line 1"));
    }

    #[test]
    fn flags_add_value_in_a_transaction_before_postgres_12() {
        let mut ctx = pg();
        ctx.pg_version = Some(110005);
        let f = check(&RULE, "ALTER TYPE status ADD VALUE 'archived';", &ctx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].statement, 0);
    }

    #[test]
    fn quiet_when_committed_first_or_unused() {
        let mut ctx = pg();
        ctx.transactional = false;
        assert!(check(&RULE, SQL, &ctx).is_empty());
        let unused = "ALTER TYPE status ADD VALUE 'archived';\nUPDATE posts SET status = 'draft';";
        assert!(check(&RULE, unused, &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(&RULE, SQL, &pg()));
    }
}
