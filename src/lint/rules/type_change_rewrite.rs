//! `type-change-rewrite` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::text::type_name;
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::{Change, ColumnChange, ColumnPart};
use crate::schema::{ColumnType, Dialect, QualifiedName, canonical};

/// Changing a column's type rewrites the table and rebuilds its indexes under
/// an ACCESS EXCLUSIVE lock, blocking reads and writes throughout, unless the
/// old values are valid in the new type as they are: `varchar(n)` →
/// `varchar(m ≥ n)` or `text`, `numeric(p,s)` → `numeric(q ≥ p,s)`, `cidr` →
/// `inet`. Rebuilding an enum (to remove or reorder values) casts its columns
/// through text and back: two rewrites.
///
/// Safe alternative: add a column of the new type, keep it in sync with a
/// trigger, backfill it in batches, move the application over, then drop the
/// old column. To extend an enum, `ALTER TYPE ... ADD VALUE` rewrites nothing.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "type-change-rewrite",
    severity: Severity::Warning,
    summary: "a column type change that rewrites an existing table under ACCESS EXCLUSIVE",
    check,
};

const HELP: &str = "add a column of the new type, keep it in sync with a trigger, backfill it in batches, move the \
                    application over, then drop the old column";

/// `varchar(36)` → (`varchar`, `36`).
fn split(t: &str) -> (&str, &str) {
    match t.find('(') {
        Some(i) if t.ends_with(')') => (&t[..i], &t[i + 1..t.len() - 1]),
        _ => (t, ""),
    }
}

/// True when PostgreSQL changes the type without rewriting the table.
fn without_rewrite(from: &ColumnType, from_dims: u8, to: &ColumnType, to_dims: u8) -> bool {
    let (ColumnType::Sql(a), ColumnType::Sql(b)) = (from, to) else {
        return from == to && from_dims == to_dims;
    };
    let a = canonical::type_sql(Dialect::Postgres, a);
    let b = canonical::type_sql(Dialect::Postgres, b);
    if a == b && from_dims == to_dims {
        return true;
    }
    if from_dims != 0 || to_dims != 0 {
        return false;
    }
    let (base_a, args_a) = split(&a);
    let (base_b, args_b) = split(&b);
    let number = |s: &str| s.trim().parse::<u32>().ok();
    match (base_a, base_b) {
        ("varchar", "text") | ("text", "varchar") => args_b.is_empty(),
        ("varchar", "varchar") | ("varbit", "varbit") => {
            args_b.is_empty() || (number(args_a).is_some() && number(args_a) <= number(args_b))
        }
        ("numeric", "numeric") => {
            let parts = |s: &str| {
                let mut it = s.split(',');
                (
                    number(it.next().unwrap_or("")),
                    it.next()
                        .map(|x| x.trim().to_string())
                        .unwrap_or("0".into()),
                )
            };
            let ((p, s), (q, t)) = (parts(args_a), parts(args_b));
            args_b.is_empty() || (!args_a.is_empty() && s == t && p <= q)
        }
        ("cidr", "inet") => true,
        _ => false,
    }
}

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        match change {
            Change::AlterColumn { table, from, to, what } if what.contains(ColumnChange::TYPE) => {
                if m.lock_is_harmless(i, table) || without_rewrite(&from.ty, from.dims, &to.ty, to.dims) {
                    continue;
                }
                let (old, new) = (type_name(&from.ty, from.dims), type_name(&to.ty, to.dims));
                let mut help = HELP.to_string();
                if canonical::type_sql(Dialect::Postgres, &old) == "timestamp"
                    && canonical::type_sql(Dialect::Postgres, &new) == "timestamp with time zone"
                    && m.pg_version() >= 120000
                {
                    help.push_str(
                        "; or run it with the session time zone set to UTC (SET timezone = 'UTC'), which lets \
                         PostgreSQL 12+ skip the rewrite for timestamp → timestamptz",
                    );
                }
                out.push(m.finding(
                    &RULE,
                    i,
                    format!(
                        "changing {table}.{} from {old} to {new} rewrites {table}{} and its indexes under an ACCESS \
                         EXCLUSIVE lock, blocking reads and writes",
                        to.name,
                        m.size(table)
                    ),
                    help,
                ));
            }
            Change::AlterColumnPart {
                table,
                column,
                part: ColumnPart::Type { ty, dims, .. },
            } if !m.lock_is_harmless(i, table) => out.push(m.finding(
                &RULE,
                i,
                format!(
                    "changing the type of {table}.{column} to {} rewrites {table}{} and its indexes under an ACCESS \
                     EXCLUSIVE lock, unless the old values fit unchanged (varchar(n) → varchar(m ≥ n) or text, \
                     numeric(p,s) → numeric(q ≥ p,s))",
                    type_name(ty, *dims),
                    m.size(table)
                ),
                HELP.to_string(),
            )),
            Change::RecreateEnum { to, columns, .. } => {
                let affected: Vec<(&QualifiedName, &str)> = columns
                    .iter()
                    .filter(|(t, _)| !m.lock_is_harmless(i, t))
                    .map(|(t, c)| (t, c.name.as_str()))
                    .collect();
                if affected.is_empty() {
                    continue;
                }
                let list: Vec<String> = affected.iter().map(|(t, c)| format!("{t}.{c}")).collect();
                out.push(m.finding(
                    &RULE,
                    i,
                    format!(
                        "rebuilding enum {} casts {} to text and back, rewriting each table twice under an ACCESS \
                         EXCLUSIVE lock",
                        to.qualified(),
                        list.join(", ")
                    ),
                    "only add values (ALTER TYPE ... ADD VALUE rewrites nothing); to remove or reorder values on a \
                     large table, add a column of a new enum type and backfill it in batches"
                        .to_string(),
                ));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, check_changes, pg, report};
    use super::*;
    use crate::schema::Column;

    fn alter(from: &str, to: &str) -> Change {
        Change::AlterColumn {
            table: QualifiedName::new("public", "events"),
            from: Column::new("at", ColumnType::sql(from)),
            to: Column::new("at", ColumnType::sql(to)),
            what: ColumnChange::TYPE,
        }
    }

    #[test]
    fn knows_which_changes_rewrite() {
        let t = ColumnType::sql;
        assert!(without_rewrite(&t("varchar(10)"), 0, &t("varchar(20)"), 0));
        assert!(without_rewrite(
            &t("character varying(10)"),
            0,
            &t("text"),
            0
        ));
        assert!(without_rewrite(
            &t("numeric(10,2)"),
            0,
            &t("numeric(12,2)"),
            0
        ));
        assert!(without_rewrite(&t("numeric(10,2)"), 0, &t("numeric"), 0));
        assert!(!without_rewrite(
            &t("numeric(10,2)"),
            0,
            &t("numeric(12,3)"),
            0
        ));
        assert!(!without_rewrite(&t("varchar(20)"), 0, &t("varchar(10)"), 0));
        assert!(!without_rewrite(&t("integer"), 0, &t("bigint"), 0));
        assert!(!without_rewrite(&t("text"), 0, &t("varchar(10)"), 0));
        assert!(!without_rewrite(&t("text"), 0, &t("text"), 1));
    }

    #[test]
    fn flags_rewriting_changes() {
        let f = check_changes(&RULE, vec![alter("integer", "bigint")], &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("events.at from integer to bigint"));
        let f = check_changes(
            &RULE,
            vec![alter("timestamp", "timestamp with time zone")],
            &pg(),
        );
        assert!(f[0].help.contains("UTC"));
        let f = check(
            &RULE,
            "ALTER TABLE events ALTER COLUMN at TYPE bigint;",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("unless"));
    }

    #[test]
    fn quiet_for_coercible_changes_and_new_tables() {
        assert!(check_changes(&RULE, vec![alter("varchar(10)", "text")], &pg()).is_empty());
        let new = "CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a TYPE bigint;";
        assert!(check(&RULE, new, &pg()).is_empty());
        assert!(check(&RULE, "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;", &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"events\" ALTER COLUMN \"id\" SET DATA TYPE bigint;",
            &pg()
        ));
    }
}
