//! What SQLite keeps only in the text of `CREATE TABLE` and `CREATE INDEX`:
//! generation expressions, `AUTOINCREMENT`, named checks, index expressions
//! and partial-index predicates. They are found among the tokens of the shared
//! SQL lexer, respecting quotes, comments and nested parentheses; expressions
//! are returned as written.

use crate::sql::{SqlDialect, TokenKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A keyword or bare identifier.
    Word,
    /// `"x"`, `` `x` `` or `[x]`.
    QuotedName,
    /// `'x'`.
    String,
    Open,
    Close,
    Comma,
    /// Any other character (operators, `;`...).
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The tokens of SQL text (byte offsets) in SQLite's lexical rules, from the
/// shared lexer, without whitespace and comments.
fn tokens(sql: &str) -> Vec<Token> {
    crate::sql::tokens(sql, SqlDialect::Sqlite)
        .filter_map(|t| {
            let first = sql.as_bytes().get(t.start).copied()?;
            let kind = match t.kind {
                TokenKind::Space | TokenKind::Comment | TokenKind::Breakpoint => return None,
                TokenKind::Word => Kind::Word,
                TokenKind::Literal if first == b'\'' => Kind::String,
                TokenKind::Literal => Kind::QuotedName,
                TokenKind::Punct if first == b'(' => Kind::Open,
                TokenKind::Punct if first == b')' => Kind::Close,
                TokenKind::Punct if first == b',' => Kind::Comma,
                TokenKind::Punct | TokenKind::Semicolon | TokenKind::Delimiter => Kind::Other,
            };
            Some(Token {
                kind,
                start: t.start,
                end: t.end,
            })
        })
        .collect()
}

/// The index of the `)` closing the `(` at `open`.
fn matching(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits `toks` at top-level commas.
fn split_commas(toks: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => {
                parts.push(&toks[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&toks[from..]);
    parts
}

fn is_word(sql: &str, t: Option<&Token>, keyword: &str) -> bool {
    t.is_some_and(|t| t.kind == Kind::Word && sql[t.start..t.end].eq_ignore_ascii_case(keyword))
}

/// An identifier's name without its quotes.
fn name(sql: &str, t: &Token) -> String {
    let text = &sql[t.start..t.end];
    match t.kind {
        Kind::QuotedName | Kind::String if text.len() >= 2 => {
            let (open, inner) = (&text[..1], &text[1..text.len() - 1]);
            match open {
                "[" => inner.to_string(),
                q => inner.replace(&format!("{q}{q}"), q),
            }
        }
        _ => text.to_string(),
    }
}

/// The text between the parentheses at `open` and `close`, trimmed.
fn inside(sql: &str, toks: &[Token], open: usize, close: usize) -> String {
    sql[toks[open].end..toks[close].start].trim().to_string()
}

/// What a `CREATE TABLE` statement says beyond what the pragmas report.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct TableText {
    /// Generated columns: name → expression.
    pub generated: Vec<(String, String)>,
    /// The column declared `AUTOINCREMENT`.
    pub autoincrement: Option<String>,
    /// Named checks (`CONSTRAINT name CHECK (...)`): name → expression.
    pub checks: Vec<(String, String)>,
}

/// Reads a table's `CREATE TABLE` text.
pub(super) fn table_text(sql: &str) -> TableText {
    let mut out = TableText::default();
    let toks = tokens(sql);
    let Some(open) = toks.iter().position(|t| t.kind == Kind::Open) else {
        return out;
    };
    let close = matching(&toks, open).unwrap_or(toks.len());
    for def in split_commas(&toks[open + 1..close]) {
        let Some(first) = def.first() else {
            continue;
        };
        let is_table_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|k| is_word(sql, Some(first), k));
        let column = (!is_table_constraint).then(|| name(sql, first));
        let mut i = 0;
        while i < def.len() {
            let t = &def[i];
            if t.kind == Kind::Open {
                i = matching(def, i).unwrap_or(def.len()) + 1;
                continue;
            }
            if is_word(sql, Some(t), "CONSTRAINT")
                && is_word(sql, def.get(i + 2), "CHECK")
                && def.get(i + 3).is_some_and(|t| t.kind == Kind::Open)
                && let Some(end) = matching(def, i + 3)
            {
                out.checks
                    .push((name(sql, &def[i + 1]), inside(sql, def, i + 3, end)));
                i = end + 1;
                continue;
            }
            if let Some(column) = &column {
                if is_word(sql, Some(t), "AUTOINCREMENT") {
                    out.autoincrement = Some(column.clone());
                }
                if is_word(sql, Some(t), "AS")
                    && def.get(i + 1).is_some_and(|t| t.kind == Kind::Open)
                    && let Some(end) = matching(def, i + 1)
                {
                    out.generated
                        .push((column.clone(), inside(sql, def, i + 1, end)));
                    i = end + 1;
                    continue;
                }
            }
            i += 1;
        }
    }
    out
}

/// What a `CREATE INDEX` statement says beyond what the pragmas report.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct IndexText {
    /// Each key as written, without `COLLATE`, `ASC` or `DESC`.
    pub keys: Vec<String>,
    /// The `WHERE` predicate of a partial index.
    pub predicate: Option<String>,
}

/// Reads an index's `CREATE INDEX` text.
pub(super) fn index_text(sql: &str) -> IndexText {
    let mut out = IndexText::default();
    let toks = tokens(sql);
    let Some(on) = toks.iter().position(|t| is_word(sql, Some(t), "ON")) else {
        return out;
    };
    let Some(open) = toks
        .iter()
        .skip(on)
        .position(|t| t.kind == Kind::Open)
        .map(|p| p + on)
    else {
        return out;
    };
    let close = matching(&toks, open).unwrap_or(toks.len());
    for key in split_commas(&toks[open + 1..close]) {
        let mut end = key.len();
        let mut depth = 0usize;
        for (i, t) in key.iter().enumerate() {
            match t.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth = depth.saturating_sub(1),
                _ if depth == 0
                    && ["COLLATE", "ASC", "DESC"]
                        .iter()
                        .any(|k| is_word(sql, Some(t), k)) =>
                {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let text = match (key.first(), key[..end].last()) {
            (Some(first), Some(last)) => sql[first.start..last.end].to_string(),
            _ => String::new(),
        };
        out.keys.push(text);
    }
    if let Some(where_) = toks
        .get(close + 1)
        .filter(|t| is_word(sql, Some(t), "WHERE"))
    {
        let predicate = sql[where_.end..].trim().trim_end_matches(';').trim();
        out.predicate = Some(predicate.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_text_finds_generated_autoincrement_and_checks() {
        let sql = r#"CREATE TABLE "t" (
            "id" integer PRIMARY KEY AUTOINCREMENT,
            "a, b" integer DEFAULT (abs(-1)) NOT NULL, -- a comment, with (parens
            [total] integer GENERATED ALWAYS AS ("a, b" * (2 + 1)) STORED,
            v text as (lower('x)'' as (y)')) virtual,
            CONSTRAINT "it's ""ok""" CHECK("a, b" > 0 AND length('))') > 0),
            CONSTRAINT c2 CHECK (v <> 'as')
        )"#;
        let t = table_text(sql);
        assert_eq!(t.autoincrement.as_deref(), Some("id"));
        assert_eq!(
            t.generated,
            vec![
                ("total".to_string(), "\"a, b\" * (2 + 1)".to_string()),
                ("v".to_string(), "lower('x)'' as (y)')".to_string()),
            ]
        );
        assert_eq!(
            t.checks,
            vec![
                (
                    "it's \"ok\"".to_string(),
                    "\"a, b\" > 0 AND length('))') > 0".to_string()
                ),
                ("c2".to_string(), "v <> 'as'".to_string()),
            ]
        );
    }

    #[test]
    fn index_text_finds_keys_and_predicate() {
        let sql = r#"CREATE UNIQUE INDEX "i" ON "t" (lower("s") COLLATE NOCASE DESC, "a", (a + 1) ASC) WHERE "a" > 1 AND s <> 'x,y'"#;
        let i = index_text(sql);
        assert_eq!(i.keys, vec!["lower(\"s\")", "\"a\"", "(a + 1)"]);
        assert_eq!(i.predicate.as_deref(), Some("\"a\" > 1 AND s <> 'x,y'"));
        assert_eq!(index_text("CREATE INDEX i ON t(a)").predicate, None);
    }
}
