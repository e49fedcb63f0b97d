//! Identifiers in SQL expressions, and table qualifiers (`"posts"."title"`)
//! renamed with the table or removed where its own name may not appear.

/// `sql` with every `table.` qualifier (quoted or not, outside string
/// literals) replaced by `"to".`, or removed when `to` is `None`.
pub fn requalify(sql: &str, table: &str, to: Option<&str>) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for (at, word, quoted) in identifiers(sql) {
        let end = at + word.len() + if quoted { 2 } else { 0 };
        if same_identifier(word, quoted, table) && sql.as_bytes().get(end) == Some(&b'.') {
            out.push_str(&sql[last..at]);
            if let Some(name) = to {
                out.push('"');
                out.push_str(&name.replace('"', "\"\""));
                out.push_str("\".");
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
    let words: Vec<(usize, &str, bool)> = identifiers(sql).collect();
    let end =
        |(at, word, quoted): (usize, &str, bool)| at + word.len() + if quoted { 2 } else { 0 };
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for pair in words.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        let dot = end(first);
        if same_identifier(first.1, first.2, schema)
            && sql.as_bytes().get(dot) == Some(&b'.')
            && second.0 == dot + 1
            && same_identifier(second.1, second.2, table)
            && sql.as_bytes().get(end(second)) == Some(&b'.')
        {
            out.push_str(&sql[last..first.0]);
            last = second.0;
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

/// The identifiers of an SQL text outside string literals: (byte offset, text
/// without quotes, quoted). The offset of a quoted one is its opening quote.
pub fn identifiers(sql: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\'' {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            } else if b == b'"' {
                let start = i;
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'"' {
                        if bytes.get(i + 1) == Some(&b'"') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                let end = i.min(bytes.len());
                i += 1;
                return Some((start, &sql[start + 1..end], true));
            } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                // A word right after `::` is a type, not a column.
                return Some((start, &sql[start..i], false));
            } else if b.is_ascii_digit() {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::{requalify, unqualify_schema};

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
            assert_eq!(requalify(sql, "posts", to), expected, "{sql}");
        }
    }
}
