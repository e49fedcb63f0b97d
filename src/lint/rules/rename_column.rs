//! `rename-column` (warning).

use super::super::migration::Migration;
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;

/// Renaming a column breaks every application version that still uses the old
/// name: during a rolling deploy, old instances fail until they are replaced.
///
/// Safe alternative: keep the name in the database and rename only the
/// property in the Drizzle schema (`newName: text("old_name")`); or add the
/// new column, write both, backfill, move reads over, then drop the old one.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "rename-column",
    severity: Severity::Warning,
    summary: "RENAME COLUMN breaks application versions that use the old name",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let Change::RenameColumn { table, from, to } = change else {
            continue;
        };
        if m.is_new(i, table) {
            continue;
        }
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "renaming column {table}.{from} to {to} breaks application versions that still use {from} until \
                 every instance runs the new code"
            ),
            format!(
                "keep the database name and rename only the property in the Drizzle schema ({to}: \
                 <type>(\"{from}\")); or add {to}, write to both, backfill, move reads to {to}, then drop {from}"
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;

    #[test]
    fn flags_renamed_columns() {
        let f = check(
            &RULE,
            "ALTER TABLE users RENAME COLUMN name TO full_name;",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("users.name to full_name"));
        assert_eq!(
            check(
                &RULE,
                "ALTER TABLE users RENAME COLUMN name TO full_name;",
                &sqlite()
            )
            .len(),
            1
        );
    }

    #[test]
    fn quiet_for_new_tables() {
        let sql = "CREATE TABLE t (a int); ALTER TABLE t RENAME COLUMN a TO b;";
        assert!(check(&RULE, sql, &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" RENAME COLUMN \"name\" TO \"full_name\";",
            &pg()
        ));
    }
}
