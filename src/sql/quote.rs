//! Quoting: the one place identifiers and string literals are written into SQL.

use crate::schema::Dialect;

/// Quotes an identifier the standard way: `users` → `"users"`, `a"b` → `"a""b"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an identifier for a dialect: MySQL's backticks (`` `a``b` ``), the
/// standard double quotes elsewhere.
pub fn ident_in(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        Dialect::Postgres | Dialect::Sqlite => ident(name),
    }
}

/// Quotes a string literal: `it's` → `'it''s'`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Quotes a string literal for a dialect: MySQL also reads backslashes as
/// escapes (unless `NO_BACKSLASH_ESCAPES`), so they are doubled there.
pub fn literal_in(dialect: Dialect, value: &str) -> String {
    match dialect {
        Dialect::Mysql => literal(&value.replace('\\', "\\\\")),
        Dialect::Postgres | Dialect::Sqlite => literal(value),
    }
}

/// A schema-qualified identifier, leaving out the schema when it is the default one.
pub fn qualified(dialect: Dialect, schema: &str, name: &str) -> String {
    if schema.is_empty() || schema == dialect.default_schema() {
        ident_in(dialect, name)
    } else {
        format!("{}.{}", ident_in(dialect, schema), ident_in(dialect, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_quotes_its_own_way() {
        let cases = [
            (
                Dialect::Postgres,
                "a\"b",
                "\"a\"\"b\"",
                "it's\\",
                "'it''s\\'",
            ),
            (Dialect::Sqlite, "a`b", "\"a`b\"", "x", "'x'"),
            (Dialect::Mysql, "a`b", "`a``b`", "it's\\", "'it''s\\\\'"),
        ];
        for (dialect, name, quoted, value, literal) in cases {
            assert_eq!(ident_in(dialect, name), quoted, "{dialect}");
            assert_eq!(literal_in(dialect, value), literal, "{dialect}");
        }
        assert_eq!(qualified(Dialect::Mysql, "", "t"), "`t`");
        assert_eq!(qualified(Dialect::Mysql, "other", "t"), "`other`.`t`");
        assert_eq!(qualified(Dialect::Postgres, "public", "t"), "\"t\"");
    }
}
