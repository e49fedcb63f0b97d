//! `index-not-concurrent` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::text::with_concurrently;
use super::super::{Finding, RuleInfo, Severity};
use super::NO_TRANSACTION;
use crate::diff::Change;
use crate::schema::QualifiedName;

/// `CREATE INDEX` without `CONCURRENTLY` blocks every write to the table
/// (SHARE lock) until the whole index is built. `DROP INDEX` without
/// `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the table: it waits for
/// running queries and blocks every query queued behind it.
///
/// Safe alternative: `CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY`,
/// outside a transaction (in Drizzle: `index(...).on(...).concurrently()`).
/// Tables created in the same migration, or known to be empty, are not flagged.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "index-not-concurrent",
    severity: Severity::Warning,
    summary: "CREATE/DROP INDEX without CONCURRENTLY blocks writes to an existing table",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let (table, index, creating): (Option<&QualifiedName>, String, bool) = match change {
            Change::CreateIndex { table, index } if !index.concurrently => {
                (Some(table), index.name.clone(), true)
            }
            // Generated drops never use CONCURRENTLY.
            Change::DropIndex { table, index } => (Some(table), index.name.clone(), false),
            Change::DropIndexByName {
                name,
                concurrently: false,
            } => (m.table_of_index(name), name.to_string(), false),
            _ => continue,
        };
        if table.is_some_and(|t| m.lock_is_harmless(i, t)) {
            continue;
        }
        let sql = &m.statements[i].sql;
        let safe = with_concurrently(sql).unwrap_or_else(|| sql.to_string());
        let message = match (creating, table) {
            (true, Some(t)) => format!(
                "creating index {index} on {t} without CONCURRENTLY blocks writes to {t}{} until the index is built",
                m.size(t)
            ),
            (_, t) => format!(
                "dropping index {index} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on {}, blocking reads \
                 and writes while it waits for running queries",
                t.map_or("its table".to_string(), |t| format!("{t}{}", m.size(t)))
            ),
        };
        let verb = if creating { "build" } else { "drop" };
        let mut help = format!("{verb} it without blocking, {NO_TRANSACTION}:\n  {safe};");
        if creating && (140000..140004).contains(&m.pg_version()) {
            help.push_str(
                "\nnote: PostgreSQL 14.0 to 14.3 can corrupt indexes built CONCURRENTLY; upgrade to 14.4 or later first",
            );
        }
        out.push(m.finding(&RULE, i, message, help));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;
    use crate::lint::Context;
    use std::collections::HashMap;

    #[test]
    fn flags_index_builds_and_drops_on_existing_tables() {
        let f = check(
            &RULE,
            "CREATE INDEX users_email_idx ON users (email);",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("users_email_idx on users"));
        assert!(
            f[0].help
                .contains("\n  CREATE INDEX CONCURRENTLY users_email_idx")
        );
        let f = check(&RULE, "DROP INDEX users_email_idx;", &pg());
        assert_eq!(f.len(), 1);
        assert!(
            f[0].help
                .contains("\n  DROP INDEX CONCURRENTLY users_email_idx")
        );
    }

    #[test]
    fn quiet_when_concurrent_new_empty_or_sqlite() {
        let no_tx = "CREATE INDEX CONCURRENTLY i ON users (email); DROP INDEX CONCURRENTLY j;";
        assert!(check(&RULE, no_tx, &pg()).is_empty());
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (a int); CREATE INDEX i ON t (a); DROP INDEX i;",
                &pg()
            )
            .is_empty()
        );
        assert!(check(&RULE, "CREATE INDEX i ON users (email);", &sqlite()).is_empty());
        let mut ctx = Context::new(crate::schema::Dialect::Postgres);
        ctx.pg_version = Some(160002);
        ctx.table_rows = Some(HashMap::from([(
            QualifiedName::new("public", "users"),
            0.0,
        )]));
        assert!(check(&RULE, "CREATE INDEX i ON users (email);", &ctx).is_empty());
        ctx.table_rows = Some(HashMap::from([(
            QualifiedName::new("public", "users"),
            -1.0,
        )]));
        assert_eq!(
            check(&RULE, "CREATE INDEX i ON users (email);", &ctx).len(),
            1
        );
    }

    #[test]
    fn warns_about_postgres_14_before_14_4() {
        let mut ctx = pg();
        ctx.pg_version = Some(140002);
        let f = check(&RULE, "CREATE INDEX i ON users (email);", &ctx);
        assert!(f[0].help.contains("14.4"));
    }

    #[test]
    fn findings_as_text() {
        let mut ctx = pg();
        ctx.pg_version = Some(150004);
        ctx.table_rows = Some(HashMap::from([(
            QualifiedName::new("public", "users"),
            1_250_000.0,
        )]));
        insta::assert_snapshot!(report(
            &RULE,
            "CREATE UNIQUE INDEX users_email_idx ON users USING btree (email);\n\nDROP INDEX old_idx;",
            &ctx
        ));
    }
}
