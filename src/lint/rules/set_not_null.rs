//! `set-not-null` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::text::{ident, qualified};
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::{Change, ColumnChange, ColumnPart, UncheckedConstraint};
use crate::schema::{QualifiedName, canonical, names};

/// `ALTER COLUMN ... SET NOT NULL` scans the whole table under an ACCESS
/// EXCLUSIVE lock (blocking reads and writes) to prove there is no NULL, and
/// fails if there is one.
///
/// Safe alternative: `ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID`,
/// `VALIDATE CONSTRAINT` in a later migration (no blocking lock), then `SET
/// NOT NULL`, which PostgreSQL 12+ proves from the validated check without a
/// scan, and drop the check. Not flagged when that check is validated earlier
/// in the same migration.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "set-not-null",
    severity: Severity::Warning,
    summary: "SET NOT NULL scans an existing table under ACCESS EXCLUSIVE",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let (table, column) = match change {
            Change::AlterColumn {
                table, to, what, ..
            } if what.contains(ColumnChange::NULLABILITY)
                && to.not_null
                && to.identity.is_none() =>
            {
                (table, to.name.as_str())
            }
            Change::AlterColumnPart {
                table,
                column,
                part: ColumnPart::SetNotNull,
            } => (table, column.as_str()),
            _ => continue,
        };
        if m.lock_is_harmless(i, table)
            || (m.pg_version() >= 120000 && proven_not_null(m, i, table, column))
        {
            continue;
        }
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "setting {table}.{column} NOT NULL scans the whole table{} under an ACCESS EXCLUSIVE lock, blocking \
                 reads and writes, and fails if any row is NULL",
                m.size(table)
            ),
            help(m, table, column),
        ));
    }
}

/// True when an earlier statement validated a `CHECK (column IS NOT NULL)`
/// added `NOT VALID` in this migration, so the scan is skipped.
fn proven_not_null(m: &Migration, at: usize, table: &QualifiedName, column: &str) -> bool {
    let wanted = canonical::expression(&format!("{} IS NOT NULL", ident(column)), &table.name);
    let checks: Vec<&str> = m
        .changes()
        .take_while(|(j, _)| *j < at)
        .filter_map(|(_, c)| match c {
            Change::AddConstraintNotValid {
                table: t,
                constraint: UncheckedConstraint::Check(check),
            } if t == table && canonical::expression(&check.expression, &table.name) == wanted => {
                Some(check.name.as_str())
            }
            _ => None,
        })
        .collect();
    m.changes().take_while(|(j, _)| *j < at).any(|(_, c)| {
        matches!(c, Change::ValidateConstraint { table: t, name } if t == table && checks.contains(&name.as_str()))
    })
}

fn help(m: &Migration, table: &QualifiedName, column: &str) -> String {
    let (t, c) = (qualified(table), ident(column));
    let check = ident(names::postgres_truncate(&format!(
        "{}_{column}_not_null",
        table.name
    )));
    let mut help = format!(
        "prove it with a validated check first, so SET NOT NULL needs no scan:\n  \
         ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID;\n  \
         -- next migration (VALIDATE does not block reads or writes):\n  \
         ALTER TABLE {t} VALIDATE CONSTRAINT {check};\n  \
         ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n  \
         ALTER TABLE {t} DROP CONSTRAINT {check};"
    );
    if m.pg_version() < 120000 {
        help.push_str("\nnote: before PostgreSQL 12, SET NOT NULL always scans; the check alone protects the data");
    }
    help
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_changes, pg, report};
    use super::*;
    use crate::schema::{Column, ColumnType};

    #[test]
    fn flags_set_not_null_on_existing_tables() {
        let f = check(
            &RULE,
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("users.email"));
        assert!(f[0].help.contains("CHECK (email IS NOT NULL) NOT VALID"));
        let from = Column::new("email", ColumnType::sql("text"));
        let mut to = from.clone();
        to.not_null = true;
        let generated = Change::AlterColumn {
            table: QualifiedName::new("public", "users"),
            from,
            to,
            what: ColumnChange::NULLABILITY,
        };
        assert_eq!(check_changes(&RULE, vec![generated], &pg()).len(), 1);
    }

    #[test]
    fn quiet_after_a_validated_check_and_on_new_tables() {
        let recipe = "ALTER TABLE users ADD CONSTRAINT c CHECK (\"email\" IS NOT NULL) NOT VALID;\n\
                      COMMIT;\n\
                      ALTER TABLE users VALIDATE CONSTRAINT c;\n\
                      ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(check(&RULE, recipe, &pg()).is_empty());
        let mut old = pg();
        old.pg_version = Some(110009);
        let f = check(&RULE, recipe, &old);
        assert_eq!(f.len(), 1);
        assert!(f[0].help.contains("before PostgreSQL 12"));
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
                &pg()
            )
            .is_empty()
        );
        assert!(
            check(
                &RULE,
                "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
                &pg()
            )
            .is_empty()
        );
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;",
            &pg()
        ));
    }
}
