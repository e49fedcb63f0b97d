//! `drop-schema` (error).

use super::super::migration::Migration;
use super::super::text::ident;
use super::super::{Finding, RuleInfo, Severity};
use super::allow_hint;
use crate::diff::Change;

/// `DROP SCHEMA ... CASCADE` deletes every table, view, type and function in
/// the schema; without `CASCADE` it fails while anything is left in it.
///
/// Safe alternative: drop the objects one by one, each where it can be
/// reviewed, and drop the schema once it is empty (without `CASCADE`).
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "drop-schema",
    severity: Severity::Error,
    summary: "DROP SCHEMA deletes everything in the schema (or fails while it is not empty)",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    let mut created = Vec::new();
    for (i, change) in m.changes() {
        match change {
            Change::CreateSchema(s) => created.push(s.as_str()),
            Change::DropSchema(s) if !created.contains(&s.as_str()) => {
                let message = if m.cascade(i) {
                    format!(
                        "dropping schema {s} with CASCADE deletes every table, view, type and function in it"
                    )
                } else {
                    format!(
                        "dropping schema {s} deletes it, and fails while anything is left in it"
                    )
                };
                out.push(m.finding(
                    &RULE,
                    i,
                    message,
                    format!(
                        "drop the objects in {s} one by one where they can be reviewed, then `DROP SCHEMA {}` without \
                         CASCADE; {}",
                        ident(s),
                        allow_hint(RULE.id)
                    ),
                ));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report};
    use super::*;

    #[test]
    fn flags_dropping_a_schema() {
        let f = check(&RULE, "DROP SCHEMA billing CASCADE;", &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("CASCADE"));
        let f = check(&RULE, "DROP SCHEMA billing;", &pg());
        assert!(f[0].message.contains("fails while anything is left"));
    }

    #[test]
    fn quiet_for_a_schema_created_in_the_same_migration() {
        assert!(check(&RULE, "CREATE SCHEMA tmp; DROP SCHEMA tmp;", &pg()).is_empty());
        assert!(check(&RULE, "DROP TABLE t;", &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(&RULE, "DROP SCHEMA \"billing\" CASCADE;", &pg()));
    }
}
