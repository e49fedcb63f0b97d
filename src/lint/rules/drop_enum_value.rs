//! `drop-enum-value` (error).

use super::super::migration::Migration;
use super::super::text::{ident, qualified};
use super::super::{Finding, RuleInfo, Severity};
use super::allow_hint;
use crate::diff::Change;
use crate::sql::literal;

/// PostgreSQL cannot remove a value from an enum, so the type is rebuilt
/// without it and every column of the type is cast through text. Rows that
/// hold a removed value make the migration fail; once it has run, application
/// versions still writing the value fail.
///
/// Safe alternative: stop writing the value and deploy that, move the rows
/// that hold it to another value, then remove it.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "drop-enum-value",
    severity: Severity::Error,
    summary: "rebuilding an enum without a value fails on rows that hold it",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, change) in m.changes() {
        let Change::RecreateEnum { from, to, columns } = change else {
            continue;
        };
        let removed: Vec<String> = from
            .values
            .iter()
            .filter(|v| !to.values.contains(v))
            .map(|v| literal(v))
            .collect();
        if removed.is_empty() {
            continue;
        }
        let name = to.qualified();
        let updates: Vec<String> = columns
            .iter()
            .map(|(table, c)| {
                format!(
                    "  UPDATE {} SET {col} = <another value> WHERE {col} IN ({});",
                    qualified(table),
                    removed.join(", "),
                    col = ident(&c.name)
                )
            })
            .collect();
        let moves = if updates.is_empty() {
            String::new()
        } else {
            format!(":\n{}\n", updates.join("\n"))
        };
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "rebuilding enum {name} without {} fails if any row still holds {}, and breaks code that still writes {}",
                removed.join(", "),
                if removed.len() == 1 { "it" } else { "one of them" },
                if removed.len() == 1 { "it" } else { "them" },
            ),
            format!(
                "stop writing {} and deploy that, then move the rows that hold {} to another value before this \
                 migration{moves}{}{}",
                removed.join(", "),
                if removed.len() == 1 { "it" } else { "them" },
                if moves.is_empty() { "; " } else { "" },
                allow_hint(RULE.id)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_changes, pg, report_changes};
    use super::*;
    use crate::schema::{Column, ColumnType, Enum, QualifiedName};

    fn mood(values: &[&str]) -> Enum {
        Enum {
            schema: "public".into(),
            name: "mood".into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn recreate(from: &[&str], to: &[&str]) -> Change {
        let column = Column::new(
            "mood",
            ColumnType::Enum(QualifiedName::new("public", "mood")),
        );
        Change::RecreateEnum {
            from: mood(from),
            to: mood(to),
            columns: vec![(QualifiedName::new("public", "people"), column)],
        }
    }

    #[test]
    fn flags_removed_values() {
        let f = check_changes(
            &RULE,
            vec![recreate(&["happy", "sad", "meh"], &["happy", "sad"])],
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("enum mood without 'meh'"));
        assert!(f[0].help.contains("UPDATE people SET mood"));
    }

    #[test]
    fn quiet_when_values_are_only_reordered() {
        assert!(check_changes(&RULE, vec![recreate(&["a", "b"], &["b", "a"])], &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report_changes(
            &RULE,
            vec![recreate(&["happy", "sad", "meh"], &["happy"])],
            &pg()
        ));
    }
}
