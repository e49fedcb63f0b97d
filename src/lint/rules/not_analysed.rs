//! `not-analysed` (info).

use super::super::migration::Migration;
use super::super::text::{excerpt, first_word};
use super::super::{Finding, RuleInfo, Severity, StatementKind};

/// A statement that looks like a schema change but could not be parsed (a
/// `DO` block, `REINDEX`, syntax the parser does not know) is not checked by
/// any other rule, so its locks and data loss are unknown.
///
/// Safe alternative: review it by hand, then mark it with `-- db-migrate:
/// allow not-analysed`.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "not-analysed",
    severity: Severity::Info,
    summary: "a schema statement the linter could not parse, so nothing checked it",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    for (i, s) in m.statements.iter().enumerate() {
        if s.kind != (StatementKind::Unparsed { ddl: true }) {
            continue;
        }
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "this {} statement could not be parsed, so no rule checked it: {}",
                first_word(&s.sql),
                excerpt(&s.sql, 60)
            ),
            "review what it locks and whether it deletes data, then mark it with `-- db-migrate: allow not-analysed`"
                .to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report};
    use super::*;

    #[test]
    fn flags_unparsed_schema_statements() {
        let f = check(&RULE, "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;", &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("DO statement"));
        assert_eq!(
            check(&RULE, "REINDEX INDEX CONCURRENTLY i;", &pg()).len(),
            1
        );
    }

    #[test]
    fn quiet_for_parsed_or_non_schema_statements() {
        assert!(
            check(
                &RULE,
                "SELECT 1; CREATE VIEW v AS SELECT 1; EXPLAIN SELECT 1;",
                &pg()
            )
            .is_empty()
        );
        assert!(check(&RULE, "VALUES (1", &pg()).is_empty());
        assert!(
            check(
                &RULE,
                "-- db-migrate: allow not-analysed\nDO $$ BEGIN END $$;",
                &pg()
            )
            .is_empty()
        );
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(&RULE, "DO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;", &pg()));
    }
}
