//! Default names of constraints, indexes and sequences, as drizzle-kit chooses
//! them, so a database built by either tool has the same names.

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
    format!("{table}_pkey")
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
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(40); // 80 bytes
        let cut = postgres_truncate(&long);
        assert!(cut.len() <= 63);
        assert_eq!(cut.chars().count(), 31);
        assert_eq!(postgres_truncate("short"), "short");
    }
}
