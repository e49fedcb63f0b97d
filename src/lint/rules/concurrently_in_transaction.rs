//! `concurrently-in-transaction` (error, PostgreSQL).

use super::super::migration::Migration;
use super::super::{Finding, RuleInfo, Severity};
use super::NO_TRANSACTION;
use crate::diff::Change;

/// `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY` cannot run inside
/// a transaction block: PostgreSQL rejects them, and the migration fails.
///
/// Safe alternative: run the migration outside a transaction (`--
/// db-migrate: no-transaction` at its top), ideally with the concurrent
/// statement on its own, or move the statement out of its `BEGIN ... COMMIT`.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "concurrently-in-transaction",
    severity: Severity::Error,
    summary: "CREATE/DROP INDEX CONCURRENTLY inside a transaction fails",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let (verb, index) = match change {
            Change::CreateIndex { index, .. } if index.concurrently => {
                ("CREATE INDEX", index.name.clone())
            }
            Change::DropIndexByName {
                name,
                concurrently: true,
            } => ("DROP INDEX", name.to_string()),
            _ => continue,
        };
        if !m.in_transaction(i) {
            continue;
        }
        let (where_, help) = if m.ctx.transactional {
            (
                "this migration runs in one",
                format!("run it {NO_TRANSACTION}, ideally in a migration of its own"),
            )
        } else {
            (
                "it is inside BEGIN ... COMMIT",
                "move it out of the BEGIN ... COMMIT block".to_string(),
            )
        };
        out.push(m.finding(
            &RULE,
            i,
            format!("{verb} CONCURRENTLY {index} cannot run inside a transaction block, and {where_}: the migration fails"),
            help,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report};
    use super::*;

    #[test]
    fn flags_concurrent_statements_in_a_transaction() {
        let sql = "CREATE INDEX CONCURRENTLY i ON users (email);\nDROP INDEX CONCURRENTLY j;";
        let f = check(&RULE, sql, &pg());
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("CREATE INDEX CONCURRENTLY i"));
        assert!(f[1].message.contains("DROP INDEX CONCURRENTLY j"));
        let mut ctx = pg();
        ctx.transactional = false;
        let f = check(
            &RULE,
            "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;",
            &ctx,
        );
        assert!(f[0].message.contains("BEGIN ... COMMIT"));
    }

    #[test]
    fn quiet_outside_a_transaction() {
        let mut ctx = pg();
        ctx.transactional = false;
        let sql = "CREATE INDEX CONCURRENTLY i ON users (email);\nBEGIN;\nCOMMIT;\nDROP INDEX CONCURRENTLY j;";
        assert!(check(&RULE, sql, &ctx).is_empty());
        assert!(check(&RULE, "CREATE INDEX i ON users (email);", &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "CREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\" (\"email\");",
            &pg()
        ));
    }
}
