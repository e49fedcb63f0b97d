//! `constraint-not-valid` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::text::{ident, ident_list, qualified};
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::Change;
use crate::schema::{FkAction, ForeignKey, QualifiedName};

/// Adding a foreign key or check constraint checks every existing row while
/// holding a lock: SHARE ROW EXCLUSIVE on both tables for a foreign key
/// (writes blocked), ACCESS EXCLUSIVE for a check (reads and writes blocked).
/// `VALIDATE CONSTRAINT` in the same transaction as its `ADD ... NOT VALID`
/// keeps the ADD's lock for the whole scan, which gains nothing.
///
/// Safe alternative: `ADD CONSTRAINT ... NOT VALID` (checks new rows only,
/// instantly), then `VALIDATE CONSTRAINT` in a later migration, where it takes
/// only a SHARE UPDATE EXCLUSIVE lock that lets reads and writes go on.
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "constraint-not-valid",
    severity: Severity::Warning,
    summary: "ADD FOREIGN KEY/CHECK without NOT VALID scans an existing table under lock",
    check,
};

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    let mut not_valid: Vec<(usize, &QualifiedName, &str)> = Vec::new();
    for (i, change) in m.changes() {
        match change {
            Change::AddForeignKey { table, fk } if !m.lock_is_harmless(i, table) => out.push(m.finding(
                &RULE,
                i,
                format!(
                    "adding foreign key {} on {table} checks every row of {table}{} while holding SHARE ROW \
                     EXCLUSIVE locks on {table} and {}, blocking writes to both",
                    fk.name,
                    m.size(table),
                    fk.references
                ),
                recipe(table, &fk.name, &foreign_key(fk)),
            )),
            Change::AddCheck { table, check } if !m.lock_is_harmless(i, table) => out.push(m.finding(
                &RULE,
                i,
                format!(
                    "adding check {} on {table} checks every row{} while holding an ACCESS EXCLUSIVE lock, blocking \
                     reads and writes",
                    check.name,
                    m.size(table)
                ),
                recipe(table, &check.name, &format!("CHECK ({})", check.expression)),
            )),
            Change::AddConstraintNotValid { table, constraint } => {
                not_valid.push((i, table, constraint.name()));
            }
            Change::ValidateConstraint { table, name } => {
                let added_here = not_valid
                    .iter()
                    .find(|(j, t, n)| *t == table && n == name && m.same_transaction(*j, i));
                if let Some((j, ..)) = added_here
                    && !m.lock_is_harmless(i, table)
                {
                    out.push(m.finding(
                        &RULE,
                        i,
                        format!(
                            "validating {name} in the same transaction that added it NOT VALID (line {}) keeps \
                             that statement's lock on {table} for the whole scan",
                            m.line(*j)
                        ),
                        "run the VALIDATE in a later migration: on its own it takes only a SHARE UPDATE \
                         EXCLUSIVE lock, which lets reads and writes go on"
                            .to_string(),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// `FOREIGN KEY (a) REFERENCES t (id) ON DELETE ...`.
fn foreign_key(fk: &ForeignKey) -> String {
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        ident_list(&fk.columns),
        qualified(&fk.references),
        ident_list(&fk.referenced_columns)
    );
    for (when, action) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
        if action != FkAction::NoAction {
            s.push_str(&format!(" ON {when} {}", action.sql().to_ascii_uppercase()));
        }
    }
    s
}

/// The NOT VALID + VALIDATE recipe for one constraint.
fn recipe(table: &QualifiedName, name: &str, body: &str) -> String {
    let (t, n) = (qualified(table), ident(name));
    format!(
        "add it without checking existing rows, then validate it in a later migration:\n  \
         ALTER TABLE {t} ADD CONSTRAINT {n} {body} NOT VALID;\n  \
         -- next migration:\n  \
         ALTER TABLE {t} VALIDATE CONSTRAINT {n};"
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;

    #[test]
    fn flags_foreign_keys_and_checks_on_existing_tables() {
        let f = check(
            &RULE,
            "ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE;",
            &pg(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("posts_author_fk on posts"));
        assert!(f[0].help.contains("ON DELETE CASCADE NOT VALID;"));
        let f = check(
            &RULE,
            "ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0);",
            &pg(),
        );
        assert!(f[0].message.contains("ACCESS EXCLUSIVE"));
    }

    #[test]
    fn flags_validate_in_the_same_transaction() {
        let sql = "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES users (id) NOT VALID;\n\
                   ALTER TABLE posts VALIDATE CONSTRAINT fk;";
        let f = check(&RULE, sql, &pg());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].statement, 1);
        let mut ctx = pg();
        ctx.transactional = false;
        assert!(check(&RULE, sql, &ctx).is_empty());
    }

    #[test]
    fn quiet_for_not_valid_new_tables_and_sqlite() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE p ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
                &pg()
            )
            .is_empty()
        );
        assert!(check(&RULE, "ALTER TABLE p VALIDATE CONSTRAINT c;", &pg()).is_empty());
        let new = "CREATE TABLE p (a int); ALTER TABLE p ADD CONSTRAINT c CHECK (a > 0);";
        assert!(check(&RULE, new, &pg()).is_empty());
        assert!(
            check(
                &RULE,
                "ALTER TABLE p ADD CONSTRAINT c CHECK (a > 0);",
                &sqlite()
            )
            .is_empty()
        );
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "ALTER TABLE \"posts\" ADD CONSTRAINT \"posts_author_id_users_id_fk\" FOREIGN KEY (\"author_id\") \
             REFERENCES \"public\".\"users\"(\"id\") ON DELETE cascade ON UPDATE no action;\n\
             ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0) NOT VALID;\n\
             ALTER TABLE users VALIDATE CONSTRAINT age_ok;",
            &pg()
        ));
    }
}
