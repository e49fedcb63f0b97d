//! `not-null-without-default` (warning; an error on a table known to have rows).

use super::super::migration::{Migration, human_count};
use super::super::text::{ident, qualified, type_name};
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;
use crate::schema::{Column, ColumnType, QualifiedName};

/// Adding a `NOT NULL` column without a default fails on a table that has rows
/// (SQLite refuses it outright), and once added, every `INSERT` from an
/// application version that does not set the column fails. A SQLite rebuild
/// that adds such a column fails the same way when it copies the rows.
///
/// Safe alternative: give it a default (on PostgreSQL 11+ a non-volatile
/// default adds the column without a rewrite); or add it nullable, backfill,
/// and set NOT NULL once every writer sets it.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "not-null-without-default",
    severity: Severity::Warning,
    summary: "ADD COLUMN NOT NULL without DEFAULT fails on rows and breaks old INSERTs",
    check,
};

/// True when existing rows and old INSERTs get no value for the column.
fn needs_a_value(c: &Column) -> bool {
    let serial = matches!(&c.ty, ColumnType::Sql(t) if t.ends_with("serial"));
    c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none() && !serial
}

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let added: Vec<(QualifiedName, &Column)> = match change {
            Change::AddColumn { table, column } => vec![(table.clone(), column)],
            Change::RebuildTable { from, to } => to
                .columns
                .iter()
                .filter(|c| from.column(&c.name).is_none())
                .map(|c| (to.qualified(), c))
                .collect(),
            _ => continue,
        };
        for (table, column) in added {
            if !needs_a_value(column) || m.is_new(i, &table) {
                continue;
            }
            let rows = m.rows(&table);
            let fails = match rows {
                Some(n) if n > 0.0 => format!("fails: the table has about {} rows", human_count(n)),
                Some(_) => "succeeds on the empty table".to_string(),
                None if m.postgres() => "fails if the table has rows".to_string(),
                None => "is refused by SQLite on a table with rows".to_string(),
            };
            let (t, c) = (qualified(&table), ident(&column.name));
            let mut finding = m.finding(
                &RULE,
                i,
                format!(
                    "adding {table}.{} NOT NULL without a default {fails}, and INSERTs from application versions \
                     that do not set it fail",
                    column.name
                ),
                format!(
                    "give it a default:\n  ALTER TABLE {t} ADD COLUMN {c} {} NOT NULL DEFAULT <value>;\nor add it \
                     nullable, backfill it, and set NOT NULL once every writer sets it",
                    type_name(&column.ty, column.dims)
                ),
            );
            if rows.is_some_and(|n| n > 0.0) {
                finding.severity = Severity::Error;
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;

    #[test]
    fn flags_required_columns_without_default() {
        let f = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN tenant_id integer NOT NULL;",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("users.tenant_id"));
        assert!(
            f[0].help
                .contains("ADD COLUMN tenant_id integer NOT NULL DEFAULT")
        );
        let f = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN tenant_id integer NOT NULL;",
            &sqlite(),
        );
        assert!(f[0].message.contains("SQLite"));
    }

    #[test]
    fn flags_sqlite_rebuilds_that_add_a_required_column() {
        use crate::schema::Table;
        let mut from = Table::new("main", "t");
        from.columns
            .push(Column::new("id", ColumnType::sql("integer")));
        let mut to = from.clone();
        let mut required = Column::new("code", ColumnType::sql("text"));
        required.not_null = true;
        to.columns.push(required);
        let rebuild = Change::RebuildTable { from, to };
        let f = super::super::testing::check_changes(&RULE, vec![rebuild], &sqlite());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("t.code"));
    }

    #[test]
    fn known_rows_make_it_an_error() {
        use std::collections::HashMap;
        let sql = "ALTER TABLE users ADD COLUMN tenant_id integer NOT NULL;";
        // (rows, severity, what the message says)
        for (rows, severity, says) in [
            (
                200_000.0,
                Severity::Error,
                "fails: the table has about 200k rows",
            ),
            (0.0, Severity::Warning, "succeeds on the empty table"),
            (-1.0, Severity::Warning, "fails if the table has rows"),
        ] {
            let mut ctx = pg();
            ctx.table_rows = Some(HashMap::from([(
                QualifiedName::new("public", "users"),
                rows,
            )]));
            let f = check(&RULE, sql, &ctx);
            assert_eq!(f[0].severity, severity, "{rows}");
            assert!(f[0].message.contains(says), "{}", f[0].message);
        }
    }

    #[test]
    fn quiet_with_a_default_identity_serial_or_on_new_tables() {
        for sql in [
            "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;",
            "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;",
            "ALTER TABLE users ADD COLUMN n serial NOT NULL;",
            "ALTER TABLE users ADD COLUMN note text;",
            "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN b int NOT NULL;",
        ] {
            assert!(check(&RULE, sql, &pg()).is_empty(), "{sql}");
        }
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" integer NOT NULL;",
            &pg()
        ));
    }
}
