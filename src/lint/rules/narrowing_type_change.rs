//! `narrowing-type-change` (error).

use super::super::migration::Migration;
use super::super::text::{ident, qualified, type_name};
use super::super::{Finding, RuleInfo, Severity};
use super::allow_hint;
use crate::diff::Change;
use crate::schema::{Column, ColumnType, canonical};

/// Changing a column to a type that cannot hold every old value (e.g.
/// `varchar(255)` → `varchar(50)`, `bigint` → `integer`, `text` → `integer`,
/// `numeric` → `numeric(10,2)`) fails on the first value that does not
/// convert, or silently rounds or truncates it.
///
/// Safe alternative: check the data first (the query is in the help), or add a
/// column of the new type, backfill it with an explicit conversion, move the
/// application over and drop the old column. Hand-written `ALTER COLUMN ...
/// TYPE` does not say the old type, so only generated changes are checked.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "narrowing-type-change",
    severity: Severity::Error,
    summary: "a column type change that can reject or alter existing values",
    check,
};

/// True when every value of `from` fits `to` unchanged.
fn keeps_values(from: &Column, to: &Column) -> bool {
    if canonical::widening(&from.ty, from.dims, &to.ty, to.dims) {
        return true;
    }
    // Any enum label fits in text.
    let to_text = matches!(&to.ty, ColumnType::Sql(t) if t == "text" || t == "varchar");
    matches!(from.ty, ColumnType::Enum(_)) && to_text && from.dims == to.dims
}

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let Change::AlterColumn {
            table,
            from,
            to,
            what,
        } = change
        else {
            continue;
        };
        if !what.contains(crate::diff::ColumnChange::TYPE)
            || keeps_values(from, to)
            || m.is_new(i, table)
        {
            continue;
        }
        let old = type_name(&from.ty, from.dims);
        let new = type_name(&to.ty, to.dims);
        let limit = canonical::length_limit(&to.ty).filter(|_| from.dims == to.dims);
        let effect = if let (Some(n), true) = (limit, casts(&m.statements[i].sql)) {
            format!(
                "cuts every value longer than {n} to {n} characters without a word: the explicit cast in \
                 USING truncates; without USING, PostgreSQL refuses a value that does not fit"
            )
        } else if let Some(n) = limit {
            format!(
                "fails if a value is longer than {n} (PostgreSQL refuses it; nothing is truncated)"
            )
        } else if canonical::resized(&from.ty, from.dims, &to.ty, to.dims) {
            "can alter existing values: they are rounded to the new scale or precision, and the migration fails \
             on a value too large for it"
                .to_string()
        } else {
            "can reject or alter existing values: the migration fails on the first value that does not convert, \
             or rounds it"
                .to_string()
        };
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "changing {table}.{} from {old} to {new} {effect}",
                to.name
            ),
            format!(
                "make sure every value fits {new} before this runs{}; or add a column of type {new}, backfill it, \
                 move the application over and drop the old one; {}",
                length_check(table, to),
                allow_hint(RULE.id)
            ),
        ));
    }
}

/// True when an `ALTER COLUMN ... TYPE` statement converts with `USING`.
fn casts(sql: &str) -> bool {
    sql.split_whitespace()
        .any(|word| word.eq_ignore_ascii_case("using"))
}

/// For a shorter `varchar(n)`/`char(n)`: the query that finds the values that do not fit.
fn length_check(table: &crate::schema::QualifiedName, to: &Column) -> String {
    let ColumnType::Sql(t) = &to.ty else {
        return String::new();
    };
    let limit = ["varchar(", "char("].iter().find_map(|prefix| {
        t.strip_prefix(prefix)?
            .strip_suffix(')')?
            .parse::<u32>()
            .ok()
    });
    match limit {
        Some(n) if to.dims == 0 => format!(
            " (SELECT count(*) FROM {} WHERE length({}) > {n})",
            qualified(table),
            ident(&to.name)
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_changes, only, pg, report_changes};
    use super::*;
    use crate::diff::ColumnChange;
    use crate::schema::QualifiedName;

    fn alter(from: &str, to: &str) -> Change {
        Change::AlterColumn {
            table: QualifiedName::new("public", "users"),
            from: Column::new("name", ColumnType::sql(from)),
            to: Column::new("name", ColumnType::sql(to)),
            what: ColumnChange::TYPE,
        }
    }

    #[test]
    fn flags_narrowing_changes() {
        for (from, to) in [
            ("varchar(255)", "varchar(50)"),
            ("bigint", "integer"),
            ("text", "integer"),
        ] {
            let f = check_changes(&RULE, vec![alter(from, to)], &pg());
            assert_eq!(f.len(), 1, "{from} -> {to}");
            assert!(f[0].message.contains("users.name"));
        }
    }

    #[test]
    fn quiet_for_widening_changes() {
        for (from, to) in [
            ("varchar(50)", "varchar(255)"),
            ("integer", "bigint"),
            ("varchar(20)", "text"),
        ] {
            assert!(
                check_changes(&RULE, vec![alter(from, to)], &pg()).is_empty(),
                "{from} -> {to}"
            );
        }
        let mut from = Column::new(
            "mood",
            ColumnType::Enum(QualifiedName::new("public", "mood")),
        );
        from.not_null = true;
        let enum_to_text = Change::AlterColumn {
            table: QualifiedName::new("public", "t"),
            from,
            to: Column::new("mood", ColumnType::sql("text")),
            what: ColumnChange::TYPE,
        };
        assert!(check_changes(&RULE, vec![enum_to_text], &pg()).is_empty());
    }

    #[test]
    fn quiet_for_hand_written_type_changes_whose_old_type_is_unknown() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
                &pg()
            )
            .is_empty()
        );
    }

    #[test]
    fn an_explicit_cast_to_a_shorter_type_is_called_truncation() {
        let mut before = crate::schema::Schema::empty(crate::schema::Dialect::Postgres);
        let mut users = crate::schema::Table::new("public", "users");
        users
            .columns
            .push(Column::new("email", ColumnType::sql("varchar(320)")));
        before.tables.push(users);
        for (sql, truncates) in [
            (
                "ALTER TABLE users ALTER COLUMN email TYPE varchar(20) USING email::varchar(20);",
                true,
            ),
            (
                "ALTER TABLE users ALTER COLUMN email TYPE varchar(20);",
                false,
            ),
        ] {
            let statements = crate::lint::statements_over(sql, &mut before.clone());
            let f = only(&RULE, crate::lint::lint(&statements, &pg()));
            assert_eq!(f.len(), 1, "{sql}");
            assert_eq!(
                f[0].message.contains("truncates"),
                truncates,
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report_changes(
            &RULE,
            vec![alter("varchar(255)", "varchar(50)")],
            &pg()
        ));
    }
}
