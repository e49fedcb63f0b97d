//! Identifiers in SQL expressions, and table qualifiers (`"posts"."title"`)
//! renamed with the table or removed where its own name may not appear.

use super::quote::ident_in;
use super::split::{SqlDialect, TokenKind, tokens};
use crate::schema::Dialect;

/// `sql` with every `table.` qualifier (quoted or not, outside string
/// literals) replaced by `to` quoted for `dialect`, or removed when `to` is
/// `None`.
pub fn requalify(sql: &str, table: &str, to: Option<&str>, dialect: Dialect) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for id in identifiers(sql, dialect) {
        let end = id.end;
        if same_identifier(id.word, id.quoted, table) && sql.as_bytes().get(end) == Some(&b'.') {
            out.push_str(&sql[last..id.start]);
            if let Some(name) = to {
                out.push_str(&ident_in(dialect, name));
                out.push('.');
            }
            last = end + 1;
        }
    }
    out.push_str(&sql[last..]);
    out
}

/// `sql` with the schema removed from every `schema.table.` qualifier
/// (`"realtime"."messages"."topic"` → `"messages"."topic"`); other uses of
/// the schema (`realtime.topic()`) are kept.
pub fn unqualify_schema(sql: &str, schema: &str, table: &str) -> String {
    let words: Vec<Identifier<'_>> = identifiers(sql, Dialect::Postgres).collect();
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for pair in words.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        if same_identifier(first.word, first.quoted, schema)
            && sql.as_bytes().get(first.end) == Some(&b'.')
            && second.start == first.end + 1
            && same_identifier(second.word, second.quoted, table)
            && sql.as_bytes().get(second.end) == Some(&b'.')
        {
            out.push_str(&sql[last..first.start]);
            last = second.start;
        }
    }
    out.push_str(&sql[last..]);
    out
}

/// True when an identifier as written (`quoted` or folded to lower case)
/// names `name`.
pub fn same_identifier(word: &str, quoted: bool, name: &str) -> bool {
    if quoted {
        word.replace("\"\"", "\"") == name
    } else {
        word.eq_ignore_ascii_case(name) && !name.chars().any(|c| c.is_ascii_uppercase())
    }
}

/// An identifier as written in SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identifier<'a> {
    /// Byte offset of its start (its opening quote, when quoted).
    pub start: usize,
    /// Byte offset just past its end (past its closing quote, when quoted).
    pub end: usize,
    /// Its text, without quotes.
    pub word: &'a str,
    /// Whether it is quoted.
    pub quoted: bool,
}

/// The identifiers of an SQL expression in `dialect`'s lexical rules: words
/// and quoted names (`"a"`; `` `a` `` in MySQL and SQLite; `[a]` in SQLite),
/// not what is inside string literals or comments, and not numbers.
pub fn identifiers(sql: &str, dialect: Dialect) -> impl Iterator<Item = Identifier<'_>> {
    let quotes: &[u8] = match dialect {
        Dialect::Postgres => b"\"",
        Dialect::Mysql => b"`",
        Dialect::Sqlite => b"\"`[",
    };
    tokens(sql, SqlDialect::of(dialect)).filter_map(move |t| {
        let text = sql.get(t.start..t.end)?;
        match t.kind {
            TokenKind::Word if !text.starts_with(|c: char| c.is_ascii_digit()) => {
                Some(Identifier {
                    start: t.start,
                    end: t.end,
                    word: text,
                    quoted: false,
                })
            }
            TokenKind::Literal if quotes.contains(&text.as_bytes()[0]) => {
                let close = if text.starts_with('[') {
                    ']'
                } else {
                    text.as_bytes()[0] as char
                };
                let inner = &text[1..];
                Some(Identifier {
                    start: t.start,
                    end: t.end,
                    word: inner.strip_suffix(close).unwrap_or(inner),
                    quoted: true,
                })
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{requalify, unqualify_schema};
    use crate::schema::Dialect;

    #[test]
    fn schema_qualifiers_of_a_table_are_removed() {
        assert_eq!(
            unqualify_schema(
                r#""realtime"."messages"."topic" = realtime.topic() and realtime.messages.x = 'realtime.messages.y'"#,
                "realtime",
                "messages"
            ),
            r#""messages"."topic" = realtime.topic() and messages.x = 'realtime.messages.y'"#
        );
    }

    #[test]
    fn qualifiers_follow_the_table() {
        let cases = [
            (
                r#"length("posts"."title") > 0"#,
                Some("articles"),
                r#"length("articles"."title") > 0"#,
            ),
            (
                r#"length("posts"."title") > 0"#,
                None,
                r#"length("title") > 0"#,
            ),
            (
                r#"posts.title <> 'posts.title'"#,
                Some("a"),
                r#""a".title <> 'posts.title'"#,
            ),
            (
                r#""app"."posts"."id" = "posts2"."id""#,
                Some("a"),
                r#""app"."a"."id" = "posts2"."id""#,
            ),
            (r#""posts" = 1"#, Some("a"), r#""posts" = 1"#),
        ];
        for (sql, to, expected) in cases {
            assert_eq!(
                requalify(sql, "posts", to, Dialect::Postgres),
                expected,
                "{sql}"
            );
        }
    }
}
