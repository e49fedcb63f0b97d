//! `rename-table` (warning).

use super::super::migration::Migration;
use super::super::text::qualified;
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;

/// Renaming a table (or moving it to another schema) breaks every application
/// version that still queries the old name during a rolling deploy.
///
/// Safe alternative: keep the name in the database and rename only the
/// variable in the Drizzle schema (`pgTable("old_name", ...)`); or, on
/// PostgreSQL, rename it and create a view under the old name for the deploy
/// (a simple view accepts inserts and updates), then drop the view.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "rename-table",
    severity: Severity::Warning,
    summary: "RENAME TABLE breaks application versions that use the old name",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let Change::RenameTable { from, to } = change else {
            continue;
        };
        if m.is_new(i, from) {
            continue;
        }
        let mut help = format!(
            "keep the database name and rename only the variable in the Drizzle schema (table(\"{}\", ...))",
            from.name
        );
        if m.postgres() {
            help.push_str(&format!(
                "; or keep the old name working during the deploy with a view, dropped afterwards:\n  \
                 CREATE VIEW {} AS SELECT * FROM {};",
                qualified(from),
                qualified(to)
            ));
        }
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "renaming table {from} to {to} breaks application versions that still query {from} until every \
                 instance runs the new code"
            ),
            help,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;

    #[test]
    fn flags_renamed_tables() {
        let f = check(&RULE, "ALTER TABLE users RENAME TO accounts;", &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("users to accounts"));
        assert!(
            f[0].help
                .contains("CREATE VIEW users AS SELECT * FROM accounts;")
        );
        let f = check(&RULE, "ALTER TABLE users RENAME TO accounts;", &sqlite());
        assert!(!f[0].help.contains("VIEW"));
    }

    #[test]
    fn quiet_for_new_tables() {
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (a int); ALTER TABLE t RENAME TO u;",
                &pg()
            )
            .is_empty()
        );
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" RENAME TO \"accounts\";",
            &pg()
        ));
    }
}
