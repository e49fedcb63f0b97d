//! `drop-table` (error).

use super::super::migration::Migration;
use super::super::text::qualified;
use super::super::{Finding, RuleInfo, Severity};
use super::allow_hint;
use crate::diff::Change;
use crate::schema::QualifiedName;

/// Dropping a table deletes every row in it, and application versions still
/// running during the deploy fail as soon as they query it.
///
/// Safe alternative: remove the table from the application and deploy that
/// first; keep a copy if the data may be needed; then drop it. Not flagged:
/// tables created earlier in the same migration, and tables replaced by one
/// (a table rebuild: create a new table, copy the rows, drop the old one,
/// rename the new one to the old name).
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
        if m.is_new(i, &name) || replaced(m, i, &name) {
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
                backup = qualified(&QualifiedName::new(&name.schema, format!("{}_backup", name.name))),
            ),
        ));
    }
}

/// True when a table created in this migration is renamed to `name` after statement `at`.
fn replaced(m: &Migration, at: usize, name: &QualifiedName) -> bool {
    m.changes().any(|(j, c)| {
        j > at && matches!(c, Change::RenameTable { from, to } if to == name && m.is_new(j, from))
    })
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
    fn quiet_for_a_table_rebuild() {
        let sql = "CREATE TABLE __new_t (id integer PRIMARY KEY, name text NOT NULL);\n\
                   INSERT INTO __new_t (id, name) SELECT id, coalesce(name, '') FROM t;\n\
                   DROP TABLE t;\n\
                   ALTER TABLE __new_t RENAME TO t;";
        assert!(check(&RULE, sql, &super::super::testing::sqlite()).is_empty());
        assert_eq!(
            check(&RULE, "DROP TABLE t; ALTER TABLE u RENAME TO t;", &pg()).len(),
            1
        );
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
