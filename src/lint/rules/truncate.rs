//! `truncate` (error).

use super::super::migration::Migration;
use super::super::{Finding, RuleInfo, Severity, StatementKind};
use super::allow_hint;

/// `TRUNCATE` deletes every row of the tables at once, and cannot be undone
/// once committed. `TRUNCATE ... CASCADE` also empties every table with a
/// foreign key to them, and the tables referencing those, which is easy to
/// overlook.
///
/// Safe alternative: delete exactly the rows meant to go with `DELETE ...
/// WHERE`, or name every table to empty and leave out `CASCADE`.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "truncate",
    severity: Severity::Error,
    summary: "TRUNCATE deletes every row (CASCADE also empties referencing tables)",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, s) in m.statements.iter().enumerate() {
        let StatementKind::Truncate { tables, cascade } = &s.kind else {
            continue;
        };
        let existing: Vec<String> = tables
            .iter()
            .filter(|t| !m.is_new(i, t))
            .map(|t| t.to_string())
            .collect();
        if existing.is_empty() {
            continue;
        }
        let (message, help) = if *cascade {
            (
                format!(
                    "TRUNCATE ... CASCADE deletes every row of {}, and also empties every table with a foreign key \
                     to them, recursively",
                    existing.join(", ")
                ),
                "name every table to empty and leave out CASCADE, or delete the rows meant to go with DELETE ... WHERE",
            )
        } else {
            (
                format!("TRUNCATE deletes every row of {}", existing.join(", ")),
                "delete only the rows meant to go with DELETE ... WHERE",
            )
        };
        out.push(m.finding(
            &RULE,
            i,
            message,
            format!("{help}; {}", allow_hint(RULE.id)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report};
    use super::*;

    #[test]
    fn flags_truncate_and_says_so_for_cascade() {
        let f = check(&RULE, "TRUNCATE TABLE sessions;", &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("sessions") && !f[0].message.contains("CASCADE"));
        let f = check(&RULE, "TRUNCATE users, teams CASCADE;", &pg());
        assert!(f[0].message.contains("CASCADE") && f[0].message.contains("users, teams"));
    }

    #[test]
    fn quiet_for_new_tables_and_deletes() {
        assert!(check(&RULE, "CREATE TABLE t (a int); TRUNCATE t;", &pg()).is_empty());
        assert!(check(&RULE, "DELETE FROM t WHERE a = 1;", &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "TRUNCATE sessions;\nTRUNCATE users CASCADE;",
            &pg()
        ));
    }
}
