//! Default names of constraints, indexes and sequences, as drizzle-kit chooses
//! them, so a database built by either tool has the same names; and the
//! names PostgreSQL makes or cuts to 63 bytes.

use super::{Dialect, QualifiedName, Schema};

/// Whose default names unnamed PostgreSQL constraints get: drizzle-kit
/// 0.x's (`_unique`, `_fk`, `<table>_<cols>_pk`) or 1.x's (`_key` for a
/// column's `.unique()`, `_fkey`, PostgreSQL's own `<table>_pkey`). A
/// table's `unique().on(...)` is `_unique` in both, and SQLite's names are
/// the same in both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Naming {
    /// drizzle-kit 0.x (the default).
    #[default]
    DrizzleKit0,
    /// drizzle-kit 1.x.
    DrizzleKit1,
}

impl Naming {
    /// The setting's value in db-migrate.toml (`constraint_names`).
    pub fn parse(text: &str) -> Option<Naming> {
        match text {
            "drizzle-kit-0" => Some(Naming::DrizzleKit0),
            "drizzle-kit-1" => Some(Naming::DrizzleKit1),
            _ => None,
        }
    }

    /// The convention in force for a dialect.
    pub fn on(self, dialect: Dialect) -> Naming {
        match dialect {
            Dialect::Postgres => self,
            Dialect::Sqlite | Dialect::Mysql => Naming::DrizzleKit0,
        }
    }

    /// The name of a column's unnamed `.unique()`.
    pub fn column_unique(self, table: &str, column: &str) -> String {
        match self {
            Naming::DrizzleKit0 => unique(table, &[column.to_string()]),
            Naming::DrizzleKit1 => format!("{table}_{column}_key"),
        }
    }

    /// An unnamed foreign key's name.
    pub fn foreign_key(
        self,
        table: &str,
        columns: &[String],
        foreign_table: &str,
        foreign_columns: &[String],
    ) -> String {
        let name = foreign_key(table, columns, foreign_table, foreign_columns);
        match self {
            Naming::DrizzleKit0 => name,
            Naming::DrizzleKit1 => format!("{name}ey"),
        }
    }

    /// An unnamed composite primary key's name; `None` leaves it to
    /// PostgreSQL (`<table>_pkey`).
    pub fn primary_key(self, table: &str, columns: &[String]) -> Option<String> {
        match self {
            Naming::DrizzleKit0 => Some(primary_key(table, columns)),
            Naming::DrizzleKit1 => None,
        }
    }
}

/// `<table>_<col>[_<col>...]_unique` for an unnamed unique constraint.
pub fn unique(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_unique", columns.join("_"))
}

/// `<table>_<cols>_<foreign table>_<foreign cols>_fk` for an unnamed foreign key.
pub fn foreign_key(
    table: &str,
    columns: &[String],
    foreign_table: &str,
    foreign_columns: &[String],
) -> String {
    format!(
        "{table}_{}_{foreign_table}_{}_fk",
        columns.join("_"),
        foreign_columns.join("_")
    )
}

/// `<table>_<cols>_pk` for an unnamed composite primary key.
pub fn primary_key(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_pk", columns.join("_"))
}

/// `<table>_pkey`: the name PostgreSQL gives an unnamed primary key.
pub fn postgres_primary_key(table: &str) -> String {
    postgres_object_name(table, None, "pkey")
}

/// `<table>_<column>_seq`: the name PostgreSQL gives the sequence of a serial column.
pub fn postgres_serial_sequence(table: &str, column: &str) -> String {
    postgres_object_name(table, Some(column), "seq")
}

/// The name PostgreSQL makes from parts (`makeObjectName`): `name1[_name2]_label`,
/// shortening the longer of the two names, not the label, to fit 63 bytes.
pub fn postgres_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + name2.map_or(0, |_| 1);
    let avail = POSTGRES_MAX_IDENTIFIER.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| -> String {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// Every identifier of a schema longer than PostgreSQL keeps, with what it
/// names, e.g. `("index", "<the long name>")`.
pub fn too_long(s: &Schema) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut check = |kind: &'static str, name: &str| {
        if name.len() > POSTGRES_MAX_IDENTIFIER
            && !out
                .iter()
                .any(|(k, n): &(&str, String)| *k == kind && n == name)
        {
            out.push((kind, name.to_string()));
        }
    };
    for n in &s.schemas {
        check("schema", n);
    }
    for e in &s.enums {
        check("enum", &e.name);
    }
    for q in &s.sequences {
        check("sequence", &q.name);
    }
    for v in &s.views {
        check("view", &v.name);
    }
    for r in &s.roles {
        check("role", &r.name);
    }
    for t in &s.tables {
        check("table", &t.name);
        for c in &t.columns {
            check("column", &c.name);
            if let Some(seq) = c.identity.as_ref().and_then(|i| i.sequence_name.as_ref()) {
                check("sequence", seq);
            } else if c.identity.is_some() {
                check("sequence", &sequence(&t.name, &c.name));
            }
        }
        if let Some(n) = t.primary_key.as_ref().and_then(|pk| pk.name.as_ref()) {
            check("primary key", n);
        }
        for u in &t.uniques {
            check("unique constraint", &u.name);
        }
        for f in &t.foreign_keys {
            check("foreign key", &f.name);
        }
        for c in &t.checks {
            check("check", &c.name);
        }
        for i in &t.indexes {
            check("index", &i.name);
        }
        for p in &t.policies {
            check("policy", &p.name);
        }
    }
    out
}

/// A copy of a schema with every name cut as PostgreSQL stores it, so that
/// declared long names meet the names the catalog holds.
pub fn fit_schema(s: &Schema) -> std::borrow::Cow<'_, Schema> {
    if !has_long_identifier(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(fit_long_identifiers(s))
}

/// True when any identifier in `s` is longer than PostgreSQL keeps.
fn has_long_identifier(s: &Schema) -> bool {
    let long = |n: &str| n.len() > POSTGRES_MAX_IDENTIFIER;
    let any = |v: &[String]| v.iter().any(|n| long(n));
    any(&s.schemas)
        || s.enums.iter().any(|e| long(&e.schema) || long(&e.name))
        || s.sequences.iter().any(|q| long(&q.schema) || long(&q.name))
        || s.views.iter().any(|v| long(&v.schema) || long(&v.name))
        || s.roles.iter().any(|r| long(&r.name))
        || s.tables.iter().any(|t| {
            long(&t.schema)
                || long(&t.name)
                || t.columns.iter().any(|c| {
                    long(&c.name)
                        || matches!(&c.ty, crate::schema::ColumnType::Enum(q) if long(&q.schema) || long(&q.name))
                        || c.identity.as_ref().and_then(|i| i.sequence_name.as_deref()).is_some_and(long)
                })
                || t.primary_key.as_ref().is_some_and(|pk| pk.name.as_deref().is_some_and(long) || any(&pk.columns))
                || t.uniques.iter().any(|u| long(&u.name) || any(&u.columns))
                || t.foreign_keys.iter().any(|f| {
                    long(&f.name)
                        || any(&f.columns)
                        || long(&f.references.schema)
                        || long(&f.references.name)
                        || any(&f.referenced_columns)
                })
                || t.checks.iter().any(|c| long(&c.name))
                || t.indexes.iter().any(|i| long(&i.name) || i.keys.iter().any(|k| !k.expression && long(&k.key)))
                || t.policies.iter().any(|p| long(&p.name))
        })
}

/// `s` with every identifier cut as PostgreSQL cuts it.
fn fit_long_identifiers(s: &Schema) -> Schema {
    let cut = |n: &mut String| {
        if n.len() > POSTGRES_MAX_IDENTIFIER {
            *n = postgres_truncate(n).to_string();
        }
    };
    let cut_all = |v: &mut Vec<String>| v.iter_mut().for_each(cut);
    let cut_q = |q: &mut QualifiedName| {
        cut(&mut q.schema);
        cut(&mut q.name);
    };
    let mut out = s.clone();
    cut_all(&mut out.schemas);
    for e in &mut out.enums {
        cut(&mut e.schema);
        cut(&mut e.name);
    }
    for q in &mut out.sequences {
        cut(&mut q.schema);
        cut(&mut q.name);
    }
    for v in &mut out.views {
        cut(&mut v.schema);
        cut(&mut v.name);
    }
    for r in &mut out.roles {
        cut(&mut r.name);
    }
    for t in &mut out.tables {
        if t.name.len() > POSTGRES_MAX_IDENTIFIER
            && t.primary_key.as_ref().is_some_and(|pk| pk.name.is_none())
        {
            // The database names the key after the whole name.
            if let Some(pk) = &mut t.primary_key {
                pk.name = Some(postgres_primary_key(&t.name));
            }
        }
        cut(&mut t.schema);
        cut(&mut t.name);
        for c in &mut t.columns {
            cut(&mut c.name);
            if let crate::schema::ColumnType::Enum(q) = &mut c.ty {
                cut_q(q);
            }
            if let Some(seq) = c.identity.as_mut().and_then(|i| i.sequence_name.as_mut()) {
                cut(seq);
            }
        }
        if let Some(pk) = &mut t.primary_key {
            if let Some(n) = &mut pk.name {
                cut(n);
            }
            cut_all(&mut pk.columns);
        }
        for u in &mut t.uniques {
            cut(&mut u.name);
            cut_all(&mut u.columns);
        }
        for f in &mut t.foreign_keys {
            cut(&mut f.name);
            cut_all(&mut f.columns);
            cut_q(&mut f.references);
            cut_all(&mut f.referenced_columns);
        }
        for c in &mut t.checks {
            cut(&mut c.name);
        }
        for i in &mut t.indexes {
            cut(&mut i.name);
            for k in i.keys.iter_mut().filter(|k| !k.expression) {
                cut(&mut k.key);
            }
        }
        for p in &mut t.policies {
            cut(&mut p.name);
        }
    }
    separate_cut_relations(s, &mut out);
    out
}

/// Indexes (and the indexes of unique and primary keys) share a namespace
/// with tables, views and sequences. A long name cut to 63 bytes can meet
/// another name there (a unique constraint named after a long table cut
/// exactly like the table): such a name ends in a hash of the whole name
/// instead, the same every time.
fn separate_cut_relations(original: &Schema, out: &mut Schema) {
    let mut seen: Vec<(String, String)> = Vec::new();
    for t in &out.tables {
        seen.push((t.schema.clone(), t.name.clone()));
    }
    for v in &out.views {
        seen.push((v.schema.clone(), v.name.clone()));
    }
    for q in &out.sequences {
        seen.push((q.schema.clone(), q.name.clone()));
    }
    for (t, o) in out.tables.iter_mut().zip(&original.tables) {
        let schema = t.schema.clone();
        let mut fix = |name: &mut String, full: &str| {
            let key = (schema.clone(), name.clone());
            if full.len() > POSTGRES_MAX_IDENTIFIER && seen.contains(&key) {
                *name = hashed(full);
            }
            seen.push((schema.clone(), name.clone()));
        };
        if let (Some(pk), Some(opk)) = (&mut t.primary_key, &o.primary_key)
            && let (Some(n), Some(full)) = (&mut pk.name, &opk.name)
        {
            fix(n, full);
        }
        for (u, ou) in t.uniques.iter_mut().zip(&o.uniques) {
            fix(&mut u.name, &ou.name);
        }
        for (i, oi) in t.indexes.iter_mut().zip(&o.indexes) {
            fix(&mut i.name, &oi.name);
        }
    }
}

/// The first 54 bytes of a long name, `_`, and 8 hex digits of its SHA-256.
pub fn hashed(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut end = POSTGRES_MAX_IDENTIFIER - 9;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_{hex}", &name[..end])
}

/// `<table>_<cols>_index` for an unnamed index on columns.
pub fn index(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_index", columns.join("_"))
}

/// `<table>_<column>_seq`: the sequence behind a serial or identity column.
pub fn sequence(table: &str, column: &str) -> String {
    format!("{table}_{column}_seq")
}

/// PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1).
pub const POSTGRES_MAX_IDENTIFIER: usize = 63;

/// The name PostgreSQL actually stores for `name`: cut to 63 bytes on a char boundary.
pub fn postgres_truncate(name: &str) -> &str {
    if name.len() <= POSTGRES_MAX_IDENTIFIER {
        return name;
    }
    let mut end = POSTGRES_MAX_IDENTIFIER;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn drizzle_kit_default_names() {
        assert_eq!(unique("users", &v(&["email"])), "users_email_unique");
        assert_eq!(
            foreign_key("posts", &v(&["author_id"]), "users", &v(&["id"])),
            "posts_author_id_users_id_fk"
        );
        assert_eq!(
            primary_key("post_tags", &v(&["post_id", "tag"])),
            "post_tags_post_id_tag_pk"
        );
        assert_eq!(
            index("posts", &v(&["title", "author_id"])),
            "posts_title_author_id_index"
        );
        assert_eq!(sequence("posts", "id"), "posts_id_seq");
    }

    #[test]
    fn object_names_shorten_the_longer_part() {
        let table = "t".repeat(70);
        let pk = postgres_primary_key(&table);
        assert_eq!(pk.len(), 63);
        assert!(pk.ends_with("_pkey"));
        let seq = postgres_serial_sequence(&"a".repeat(40), &"b".repeat(40));
        assert_eq!(seq.len(), 63);
        assert!(seq.ends_with("_seq"));
        assert_eq!(postgres_serial_sequence("users", "id"), "users_id_seq");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(40); // 80 bytes
        let cut = postgres_truncate(&long);
        assert!(cut.len() <= 63);
        assert_eq!(cut.chars().count(), 31);
        assert_eq!(postgres_truncate("short"), "short");
    }
}
