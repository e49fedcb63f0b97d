//! `drop-table` (error).

use super::super::migration::Migration;
use super::super::text::qualified;
use super::super::{Finding, RuleInfo, Severity};
use super::allow_hint;
use crate::diff::Change;

/// Dropping a table deletes every row in it, and application versions still
/// running during the deploy fail as soon as they query it.
///
/// Safe alternative: remove the table from the application and deploy that
/// first; keep a copy if the data may be needed; then drop it. Tables created
/// earlier in the same migration are not flagged.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "drop-table",
    severity: Severity::Error,
    summary: "DROP TABLE deletes the table and all its rows",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let Change::DropTable(table) = change else {
            continue;
        };
        let name = table.qualified();
        if m.is_new(i, &name) {
            continue;
        }
        let cascade = if m.cascade(i) {
            "; CASCADE also drops the views and foreign keys that depend on it"
        } else {
            ""
        };
        let sql = qualified(&name);
        out.push(m.finding(
            &RULE,
            i,
            format!("dropping table {name} deletes all of its rows, and running code that still uses it fails{cascade}"),
            format!(
                "stop using {name} in the application and deploy that first; keep a copy if the data may be \
                 needed:\n  CREATE TABLE {backup} AS TABLE {sql};\n{}",
                allow_hint(RULE.id),
                backup = qualified(&crate::schema::QualifiedName::new(&name.schema, format!("{}_backup", name.name))),
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_changes, pg, report};
    use super::*;
    use crate::schema::Table;

    #[test]
    fn flags_dropping_an_existing_table() {
        let f = check(&RULE, "DROP TABLE users;", &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("table users"));
        let f = check(&RULE, "DROP TABLE IF EXISTS a, b CASCADE;", &pg());
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("CASCADE"));
    }

    #[test]
    fn flags_generated_drops() {
        let f = check_changes(
            &RULE,
            vec![Change::DropTable(Table::new("public", "old"))],
            &pg(),
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_for_tables_created_in_the_same_migration_and_other_objects() {
        assert!(check(&RULE, "CREATE TABLE tmp (id int);\nDROP TABLE tmp;", &pg()).is_empty());
        assert!(check(&RULE, "DROP VIEW v; DROP INDEX i;", &pg()).is_empty());
    }

    #[test]
    fn suppressed_by_an_allow_comment() {
        assert!(
            check(
                &RULE,
                "-- db-migrate: allow drop-table\nDROP TABLE users;",
                &pg()
            )
            .is_empty()
        );
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "DROP TABLE users;\n\nDROP TABLE app.\"Events\" CASCADE;",
            &pg()
        ));
    }
}
