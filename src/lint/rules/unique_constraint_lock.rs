//! `unique-constraint-lock` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::text::{ident, ident_list, qualified};
use super::super::{Finding, RuleInfo, Severity};
use super::NO_TRANSACTION;
use crate::diff::Change;
use crate::schema::{QualifiedName, names};

/// `ADD UNIQUE` / `ADD PRIMARY KEY` on an existing table builds the index under
/// an ACCESS EXCLUSIVE lock, blocking reads and writes until it is built (a
/// primary key also scans for NULLs).
///
/// Safe alternative: build the index with `CREATE UNIQUE INDEX CONCURRENTLY`
/// (outside a transaction), then attach it: `ADD CONSTRAINT ... UNIQUE USING
/// INDEX` (or `PRIMARY KEY USING INDEX`), which is instant.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "unique-constraint-lock",
    severity: Severity::Warning,
    summary: "ADD UNIQUE/PRIMARY KEY builds its index on an existing table under ACCESS EXCLUSIVE",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        let (table, name, columns, kind) = match change {
            Change::AddUnique { table, unique } => {
                (table, unique.name.clone(), &unique.columns, "UNIQUE")
            }
            Change::AddPrimaryKey { table, pk } => (
                table,
                pk.name
                    .clone()
                    .unwrap_or_else(|| names::postgres_primary_key(&table.name)),
                &pk.columns,
                "PRIMARY KEY",
            ),
            _ => continue,
        };
        if m.lock_is_harmless(i, table) {
            continue;
        }
        let what = if kind == "UNIQUE" {
            "unique constraint"
        } else {
            "primary key"
        };
        out.push(m.finding(
            &RULE,
            i,
            format!(
                "adding {what} {name} on {table} builds its index under an ACCESS EXCLUSIVE lock, blocking reads and \
                 writes to {table}{} until it is built",
                m.size(table)
            ),
            help(table, &name, columns, kind),
        ));
    }
}

fn help(table: &QualifiedName, name: &str, columns: &[String], kind: &str) -> String {
    let (t, n) = (qualified(table), ident(name));
    format!(
        "build the index without blocking, {NO_TRANSACTION}, then attach it, which is instant:\n  \
         CREATE UNIQUE INDEX CONCURRENTLY {n} ON {t} ({});\n  \
         ALTER TABLE {t} ADD CONSTRAINT {n} {kind} USING INDEX {n};",
        ident_list(columns)
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report};
    use super::*;

    #[test]
    fn flags_unique_and_primary_keys_on_existing_tables() {
        let f = check(
            &RULE,
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("unique constraint users_email_key on users")
        );
        assert!(
            f[0].help
                .contains("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)")
        );
        let f = check(&RULE, "ALTER TABLE users ADD PRIMARY KEY (id);", &pg());
        assert!(f[0].message.contains("primary key users_pkey"));
        let f = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN handle text UNIQUE;",
            &pg(),
        );
        assert!(f[0].message.contains("users_handle_key"));
    }

    #[test]
    fn quiet_for_using_index_and_new_tables() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE users ADD CONSTRAINT k UNIQUE USING INDEX k;",
                &pg()
            )
            .is_empty()
        );
        let new = "CREATE TABLE t (a int); ALTER TABLE t ADD CONSTRAINT k UNIQUE (a);";
        assert!(check(&RULE, new, &pg()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_unique\" UNIQUE(\"email\");",
            &pg()
        ));
    }
}
