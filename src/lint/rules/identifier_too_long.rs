//! `identifier-too-long` (warning, PostgreSQL).

use super::super::migration::Migration;
use super::super::{Finding, RuleInfo, Severity};
use crate::diff::{Change, UncheckedConstraint};
use crate::schema::Table;
use crate::schema::names::{POSTGRES_MAX_IDENTIFIER, postgres_truncate};

/// PostgreSQL silently cuts identifiers to 63 bytes: two long names can end up
/// the same, and the name in the database no longer matches the schema, so
/// later migrations that refer to the full name fail. Enum labels over 63
/// bytes are rejected.
///
/// Safe alternative: choose a shorter name (in Drizzle, pass an explicit
/// name to `index()`, `unique()`, `foreignKey()` or `primaryKey()`).
pub(super) const RULE: RuleInfo = RuleInfo {
    id: "identifier-too-long",
    severity: Severity::Warning,
    summary: "a name longer than PostgreSQL's 63 bytes, which it silently truncates",
    check,
};

/// The names a change gives to new objects, with what each names.
fn new_names(change: &Change) -> Vec<(&'static str, &str)> {
    match change {
        Change::CreateSchema(s) => vec![("schema", s.as_str())],
        Change::CreateEnum(e) => vec![("enum", e.name.as_str())],
        Change::CreateSequence(s) => vec![("sequence", s.name.as_str())],
        Change::CreateTable(t) => table_names(t),
        Change::RenameTable { from, to } if from.name != to.name => {
            vec![("table", to.name.as_str())]
        }
        Change::AddColumn { column, .. } => vec![("column", column.name.as_str())],
        Change::RenameColumn { to, .. } => vec![("column", to.as_str())],
        Change::AddPrimaryKey { pk, .. } => pk
            .name
            .as_deref()
            .map(|n| ("primary key", n))
            .into_iter()
            .collect(),
        Change::AddUnique { unique, .. } => vec![("unique constraint", unique.name.as_str())],
        Change::AddForeignKey { fk, .. } => vec![("foreign key", fk.name.as_str())],
        Change::AddCheck { check, .. } => vec![("check", check.name.as_str())],
        Change::AddConstraintNotValid { constraint, .. } => match constraint {
            UncheckedConstraint::ForeignKey(fk) => vec![("foreign key", fk.name.as_str())],
            UncheckedConstraint::Check(c) => vec![("check", c.name.as_str())],
        },
        Change::AddConstraintUsingIndex { name, .. } => name
            .as_deref()
            .map(|n| ("constraint", n))
            .into_iter()
            .collect(),
        Change::CreateIndex { index, .. } => vec![("index", index.name.as_str())],
        _ => Vec::new(),
    }
}

fn table_names(t: &Table) -> Vec<(&'static str, &str)> {
    let mut out = vec![("table", t.name.as_str())];
    out.extend(t.columns.iter().map(|c| ("column", c.name.as_str())));
    out.extend(
        t.primary_key
            .as_ref()
            .and_then(|pk| pk.name.as_deref())
            .map(|n| ("primary key", n)),
    );
    out.extend(
        t.uniques
            .iter()
            .map(|u| ("unique constraint", u.name.as_str())),
    );
    out.extend(
        t.foreign_keys
            .iter()
            .map(|f| ("foreign key", f.name.as_str())),
    );
    out.extend(t.checks.iter().map(|c| ("check", c.name.as_str())));
    out.extend(t.indexes.iter().map(|i| ("index", i.name.as_str())));
    out
}

/// Enum labels a change adds.
fn new_labels(change: &Change) -> Vec<&str> {
    match change {
        Change::CreateEnum(e) => e.values.iter().map(String::as_str).collect(),
        Change::RecreateEnum { to, .. } => to.values.iter().map(String::as_str).collect(),
        Change::AddEnumValue { value, .. } => vec![value.as_str()],
        _ => Vec::new(),
    }
}

fn check(m: &Migration, out: &mut Vec<Finding>) {
    if !m.postgres() {
        return;
    }
    for (i, change) in m.changes() {
        for (what, name) in new_names(change) {
            if name.len() <= POSTGRES_MAX_IDENTIFIER {
                continue;
            }
            out.push(m.finding(
                &RULE,
                i,
                format!(
                    "{what} name {name} is {} bytes; PostgreSQL truncates it to 63: {}",
                    name.len(),
                    postgres_truncate(name)
                ),
                format!("choose a shorter {what} name, at most 63 bytes (in Drizzle, pass the name explicitly)"),
            ));
        }
        for label in new_labels(change) {
            if label.len() > POSTGRES_MAX_IDENTIFIER {
                out.push(m.finding(
                    &RULE,
                    i,
                    format!(
                        "enum value '{label}' is {} bytes; PostgreSQL rejects labels over 63 bytes",
                        label.len()
                    ),
                    "choose a value of at most 63 bytes".to_string(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, pg, report, sqlite};
    use super::*;

    #[test]
    fn flags_long_names() {
        let long = "organization_membership_invitations_inviter_id_users_id_fk_extra";
        assert!(long.len() > 63);
        let sql = format!("ALTER TABLE a ADD CONSTRAINT {long} FOREIGN KEY (b) REFERENCES c (d);");
        let f = check(&RULE, &sql, &pg());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains(&long[..63]));
        let sql = format!("CREATE TABLE t (\"{}\" int);", "é".repeat(40));
        assert_eq!(check(&RULE, &sql, &pg()).len(), 1);
        let sql = format!("ALTER TYPE mood ADD VALUE '{}';", "x".repeat(64));
        assert!(check(&RULE, &sql, &pg())[0].message.contains("rejects"));
    }

    #[test]
    fn quiet_for_short_names_defaults_and_sqlite() {
        assert!(
            check(
                &RULE,
                "CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE);",
                &pg()
            )
            .is_empty()
        );
        let long_table = "t".repeat(60);
        let sql = format!("CREATE INDEX ON {long_table} (some_long_column_name);");
        assert!(check(&RULE, &sql, &pg()).is_empty());
        let sql = format!("CREATE TABLE {} (a int);", "x".repeat(70));
        assert!(check(&RULE, &sql, &sqlite()).is_empty());
    }

    #[test]
    fn findings_as_text() {
        insta::assert_snapshot!(report(
            &RULE,
            "CREATE INDEX \"organization_membership_invitations_created_by_user_id_created_at_index\" \
             ON \"organization_membership_invitations\" (\"created_by_user_id\", \"created_at\");",
            &pg()
        ));
    }
}
