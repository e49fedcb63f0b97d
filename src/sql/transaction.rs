//! Which statements can run inside a transaction block, read from their
//! leading keywords.

/// The first words of a statement, upper-cased, after comments.
fn leading_words(statement: &str, n: usize) -> Vec<String> {
    let mut rest = statement;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// True for `BEGIN`, `COMMIT`, `SAVEPOINT`... : a statement that controls the transaction itself.
pub fn controls_transaction(statement: &str) -> bool {
    matches!(
        leading_words(statement, 1).first().map(String::as_str),
        Some("BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "ABORT")
    )
}

/// True for a statement PostgreSQL or SQLite refuse inside a transaction
/// block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`...), and
/// for transaction control itself.
pub fn needs_no_transaction(statement: &str) -> bool {
    if controls_transaction(statement) {
        return true;
    }
    let words = leading_words(statement, 8);
    let word = |i: usize| words.get(i).map(String::as_str);
    match word(0) {
        Some("VACUUM" | "CLUSTER") => true,
        Some("ALTER") => word(1) == Some("SYSTEM"),
        Some("CREATE" | "DROP") => {
            matches!(word(1), Some("DATABASE" | "TABLESPACE"))
                || words.iter().take(5).any(|w| w == "CONCURRENTLY")
        }
        Some("REINDEX" | "REFRESH") => {
            words.iter().any(|w| w == "CONCURRENTLY")
                || matches!(word(1), Some("DATABASE" | "SYSTEM"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        for (sql, bare) in [
            ("CREATE INDEX CONCURRENTLY i ON t (a)", true),
            (
                "create unique index concurrently if not exists i on t (a)",
                true,
            ),
            (
                "-- db-migrate: no-transaction\nDROP INDEX CONCURRENTLY i",
                true,
            ),
            ("/* x */ VACUUM ANALYZE t", true),
            ("REINDEX INDEX CONCURRENTLY i", true),
            ("REFRESH MATERIALIZED VIEW CONCURRENTLY v", true),
            ("ALTER SYSTEM SET work_mem = '64MB'", true),
            ("CREATE DATABASE other", true),
            ("COMMIT", true),
            ("INSERT INTO t (a) VALUES ('CONCURRENTLY')", false),
            ("CREATE INDEX i ON t (a)", false),
            ("UPDATE t SET a = 1", false),
            ("ALTER TYPE mood ADD VALUE 'meh'", false),
        ] {
            assert_eq!(needs_no_transaction(sql), bare, "{sql}");
        }
        assert!(controls_transaction("begin;"));
        assert!(!controls_transaction("BEGINNING_TABLE"));
    }
}
