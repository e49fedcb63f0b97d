//! `drop-column` (error).

use super::super::migration::Migration;
use super::super::{Finding, RuleInfo, Severity};
use super::allow_hint;
use crate::diff::Change;
use crate::schema::QualifiedName;

/// Dropping a column deletes its data, and application versions still running
/// during the deploy fail when they select or insert it (Drizzle names every
/// column of the table in its queries). This covers a column still in use by
/// running code as well as the data loss itself. SQLite table rebuilds that
/// leave a column out count too.
///
/// Safe alternative: deploy code that no longer reads or writes the column
/// first, back up the data if it may be needed, then drop the column.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "drop-column",
    severity: Severity::Error,
    summary: "DROP COLUMN deletes the column's data and breaks code still using it",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let dropped: Vec<(QualifiedName, &str)> = match change {
            // A generated column's values derive from other columns: nothing is lost.
            Change::DropColumn { column, .. } if column.generated.is_some() => continue,
            Change::DropColumn { table, column } => vec![(table.clone(), column.name.as_str())],
            Change::RebuildTable { from, to } => from
                .columns
                .iter()
                .filter(|c| to.column(&c.name).is_none() && c.generated.is_none())
                .map(|c| (to.qualified(), c.name.as_str()))
                .collect(),
            _ => continue,
        };
        for (table, column) in dropped {
            if m.is_new(i, &table) {
                continue;
            }
            out.push(m.finding(
                &RULE,
                i,
                format!(
                    "dropping column {table}.{column} deletes its data, and application versions still running \
                     during the deploy fail when they select or insert it"
                ),
                format!(
                    "deploy code that no longer reads or writes {table}.{column} before this migration runs, and back \
                     the data up if it may be needed; {}",
                    allow_hint(RULE.id)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_changes, pg, report, sqlite};
    use super::*;
    use crate::schema::{Column, ColumnType, Table};

    #[test]
    fn flags_dropped_columns() {
        let f = check(
            &RULE,
            "ALTER TABLE users DROP COLUMN nickname, DROP COLUMN bio;",
            &pg(),
        );
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("users.nickname"));
        assert!(f[1].message.contains("users.bio"));
        assert_eq!(
            check(&RULE, "ALTER TABLE t DROP COLUMN c", &sqlite()).len(),
            1
        );
    }

    #[test]
    fn flags_sqlite_rebuilds_that_leave_a_column_out() {
        let mut from = Table::new("main", "t");
        from.columns
            .push(Column::new("id", ColumnType::sql("integer")));
        from.columns
            .push(Column::new("gone", ColumnType::sql("text")));
        let mut to = from.clone();
        to.columns.pop();
        let f = check_changes(&RULE, vec![Change::RebuildTable { from, to }], &sqlite());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("t.gone"));
    }

    #[test]
    fn quiet_for_new_tables_and_other_changes() {
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (a int, b int); ALTER TABLE t DROP COLUMN b;",
                &pg()
            )
            .is_empty()
        );
        assert!(
            check(
                &RULE,
                "ALTER TABLE t ADD COLUMN b int; ALTER TABLE t DROP CONSTRAINT c;",
                &pg()
            )
            .is_empty()
        );
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" DROP COLUMN \"nickname\";",
            &pg()
        ));
    }
}
