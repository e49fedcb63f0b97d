//! Quoting: the one place identifiers and string literals are written into SQL.

use crate::schema::Dialect;

/// Quotes an identifier: `users` → `"users"`, `a"b` → `"a""b"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal: `it's` → `'it''s'`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A schema-qualified identifier, leaving out the schema when it is the default one.
pub fn qualified(dialect: Dialect, schema: &str, name: &str) -> String {
    if schema.is_empty() || schema == dialect.default_schema() {
        ident(name)
    } else {
        format!("{}.{}", ident(schema), ident(name))
    }
}
