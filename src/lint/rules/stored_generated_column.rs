//! `stored-generated-column` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;

/// Adding a stored generated column computes it for every existing row,
/// rewriting the table under an ACCESS EXCLUSIVE lock. (Changing a generation
/// expression recreates the column, with the same effect.)
///
/// Safe alternative: add a plain nullable column, fill new rows from a trigger
/// and existing rows in batches; or compute the value in queries or a view.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "stored-generated-column",
    severity: Severity::Warning,
    summary: "adding a stored generated column rewrites an existing table",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let Change::AddColumn { table, column } = change else {
            continue;
        };
        let Some(expression) = &column.generated else {
            continue;
        };
        if m.lock_is_harmless(i, table) {
            continue;
        }
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "adding stored generated column {table}.{} computes ({expression}) for every existing row, rewriting \
                 {table}{} under an ACCESS EXCLUSIVE lock",
                column.name,
                m.size(table)
            ),
            "add a plain nullable column instead, fill it for new rows from a trigger and for existing rows in \
             batches; or compute the value in queries or a view"
                .to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_changes, pg, report};
    use super::*;
    use crate::diff::ColumnChange;
    use crate::schema::{Column, ColumnType, QualifiedName};

    #[test]
    fn flags_stored_generated_columns() {
        let sql = "ALTER TABLE people ADD COLUMN full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED;";
        let f = check(&RULE, sql, &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("people.full_name"));
    }

    #[test]
    fn flags_a_changed_generation_expression() {
        let mut from = Column::new("total", ColumnType::sql("integer"));
        from.generated = Some("a + b".into());
        let mut to = from.clone();
        to.generated = Some("a + b + c".into());
        let change = Change::AlterColumn {
            table: QualifiedName::new("public", "orders"),
            from,
            to,
            what: ColumnChange::GENERATED,
        };
        let f = check_changes(&RULE, vec![change], &pg());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].statement, 1);
    }

    #[test]
    fn quiet_for_plain_columns_and_new_tables() {
        assert!(check(&RULE, "ALTER TABLE people ADD COLUMN nick text;", &pg()).is_empty());
        let new = "CREATE TABLE p (a int); ALTER TABLE p ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED;";
        assert!(check(&RULE, new, &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE people ADD COLUMN full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED;",
            &pg()
        ));
    }
}
