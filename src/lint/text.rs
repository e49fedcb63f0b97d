//! Small helpers over SQL text: tokens, string literals, and identifiers
//! written the way a person would type them in the SQL of a help message.

use sqlparser::dialect::{
    Dialect as ParserDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::schema::{ColumnType, Dialect, QualifiedName};

static POSTGRES: PostgreSqlDialect = PostgreSqlDialect {};
static SQLITE: SQLiteDialect = SQLiteDialect {};
static MYSQL: MySqlDialect = MySqlDialect {};

/// The parser dialect for a database family.
pub(crate) fn parser_dialect(dialect: Dialect) -> &'static dyn ParserDialect {
    match dialect {
        Dialect::Postgres => &POSTGRES,
        Dialect::Sqlite => &SQLITE,
        Dialect::Mysql => &MYSQL,
    }
}

/// The tokens of `sql` without whitespace and comments; `None` when it does not tokenize.
pub(crate) fn tokens(sql: &str, dialect: Dialect) -> Option<Vec<Token>> {
    let all = Tokenizer::new(parser_dialect(dialect), sql)
        .tokenize()
        .ok()?;
    Some(
        all.into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect(),
    )
}

/// True when `token` is the unquoted keyword `word` (any case).
pub(crate) fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// The contents of every string literal in `sql`.
pub(crate) fn string_literals(sql: &str, dialect: Dialect) -> Vec<String> {
    tokens(sql, dialect)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| match t {
            Token::SingleQuotedString(s)
            | Token::EscapedStringLiteral(s)
            | Token::NationalStringLiteral(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Keywords PostgreSQL reserves (fully or as type or function names): they need quotes as names.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier as SQL: bare when it is a plain lower-case name, quoted otherwise.
pub(crate) fn ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        crate::sql::ident(name)
    }
}

/// A table or index name as SQL, schema-qualified unless in the default schema.
pub(crate) fn qualified(name: &QualifiedName) -> String {
    if name.schema.is_empty() || name.schema == "public" || name.schema == "main" {
        ident(&name.name)
    } else {
        format!("{}.{}", ident(&name.schema), ident(&name.name))
    }
}

/// A column type as SQL, with its array brackets.
pub(crate) fn type_name(ty: &ColumnType, dims: u8) -> String {
    let base = match ty {
        ColumnType::Sql(t) => t.clone(),
        ColumnType::Enum(name) => qualified(name),
    };
    format!("{base}{}", "[]".repeat(usize::from(dims)))
}

/// A comma-separated list of identifiers.
pub(crate) fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sql` with `CONCURRENTLY` after its first `INDEX` keyword
/// (`CREATE [UNIQUE] INDEX` or `DROP INDEX`); `None` when there is none.
pub(crate) fn with_concurrently(sql: &str) -> Option<String> {
    let mut start = None;
    for (i, c) in sql.char_indices() {
        let word_char = c.is_alphanumeric() || c == '_';
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if sql[s..i].eq_ignore_ascii_case("index") {
                    return Some(format!("{} CONCURRENTLY{}", &sql[..i], &sql[i..]));
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

/// The first word of `sql` in upper case (for describing statements that did not parse).
pub(crate) fn first_word(sql: &str) -> String {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// At most `max` characters of `sql` on one line, with `...` when cut.
pub(crate) fn excerpt(sql: &str, max: usize) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("createdAt"), "\"createdAt\"");
        assert_eq!(ident("2fa"), "\"2fa\"");
        assert_eq!(
            qualified(&QualifiedName::new("app", "Orders")),
            "app.\"Orders\""
        );
        assert_eq!(qualified(&QualifiedName::new("public", "orders")), "orders");
    }

    #[test]
    fn concurrently_goes_after_index() {
        assert_eq!(
            with_concurrently("CREATE UNIQUE INDEX i ON t (a)").as_deref(),
            Some("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)")
        );
        assert_eq!(
            with_concurrently("drop index i").as_deref(),
            Some("drop index CONCURRENTLY i")
        );
        assert_eq!(with_concurrently("DROP TABLE t"), None);
    }

    #[test]
    fn literals_and_words() {
        assert_eq!(
            string_literals("UPDATE t SET a = 'x' WHERE b = E'y'", Dialect::Postgres),
            vec!["x".to_string(), "y".to_string()]
        );
        assert_eq!(first_word("  do $$ begin end $$"), "DO");
        assert_eq!(excerpt("a\n  b c", 3), "a b...");
    }
}
