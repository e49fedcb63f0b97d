//! Table qualifiers in SQL expressions (`"posts"."title"`): renamed with the
//! table, or removed where the table's own name may not appear.

/// `sql` with every `table.` qualifier (quoted or not, outside string
/// literals) replaced by `"to".`, or removed when `to` is `None`.
pub fn requalify(sql: &str, table: &str, to: Option<&str>) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let (word, end) = match bytes[i] {
            b'\'' => {
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
                continue;
            }
            b'"' => {
                let mut j = i + 1;
                let mut word = String::new();
                while j < bytes.len() {
                    if bytes[j] == b'"' {
                        if bytes.get(j + 1) == Some(&b'"') {
                            word.push('"');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    let c = sql[j..].chars().next().unwrap_or(' ');
                    word.push(c);
                    j += c.len_utf8();
                }
                (word, (j + 1).min(bytes.len()))
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let mut j = i;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'$')
                {
                    j += 1;
                }
                // An unquoted name is folded to lower case.
                (sql[i..j].to_ascii_lowercase(), j)
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
        };
        i = end;
        let quoted = bytes[start] == b'"';
        let same = if quoted {
            word == table
        } else {
            word == table.to_ascii_lowercase() && !table.chars().any(|c| c.is_ascii_uppercase())
        };
        if same && bytes.get(end) == Some(&b'.') {
            out.push_str(&sql[last..start]);
            if let Some(name) = to {
                out.push('"');
                out.push_str(&name.replace('"', "\"\""));
                out.push_str("\".");
            }
            last = end + 1;
            i = end + 1;
        }
    }
    out.push_str(&sql[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::requalify;

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
