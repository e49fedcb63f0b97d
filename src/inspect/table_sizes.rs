//! What lint needs to know about a live database: the PostgreSQL server's
//! version, and how many rows each table holds now.
//!
//! `pg_class.reltuples` alone is stale (a table analysed while empty keeps
//! saying 0 after 50,000 inserts), so the estimate scales it by the table's
//! size on disk now, as the planner does, and takes the statistics
//! collector's live row count when that is higher. Zero means known empty:
//! only a heap with no pages at all.

use std::collections::HashMap;

use crate::schema::QualifiedName;

/// The server's `server_version_num` (e.g. `150004`).
pub fn server_version(client: &mut postgres::Client) -> Option<u32> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .ok()?;
    u32::try_from(row.get::<_, i32>(0)).ok()
}

/// Row estimates of every user table; negative for unknown. Waits at most a
/// second for a table another session holds exclusively (then gives up and
/// returns `None`: every table counts as possibly large).
pub fn row_estimates(client: &mut postgres::Client) -> Option<HashMap<QualifiedName, f64>> {
    let mut tx = client.transaction().ok()?;
    tx.batch_execute("SET LOCAL lock_timeout = '1s'").ok()?;
    let rows = tx
        .query(
            "SELECT n.nspname::text, c.relname::text, c.relkind = 'p', c.reltuples::float8, c.relpages::float8, \
                    pg_relation_size(c.oid)::float8 / current_setting('block_size')::float8, \
                    coalesce(s.n_live_tup, 0)::float8 \
             FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg_toast%'",
            &[],
        )
        .ok()?;
    let _ = tx.rollback();
    Some(
        rows.iter()
            .map(|r| {
                let sample = Sample {
                    partitioned: r.get(2),
                    reltuples: r.get(3),
                    relpages: r.get(4),
                    pages: r.get(5),
                    live: r.get(6),
                };
                (
                    QualifiedName::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                    sample.estimate(),
                )
            })
            .collect(),
    )
}

/// SQLite: rows per table, counted up to [`SQLITE_COUNT_CAP`] (SQLite keeps
/// no estimate; a capped count is cheap and tells empty from not).
pub fn sqlite_row_counts(conn: &rusqlite::Connection) -> Option<HashMap<QualifiedName, f64>> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .ok()?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .ok()?
        .collect::<Result<_, _>>()
        .ok()?;
    let mut counts = HashMap::new();
    for name in names {
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT {SQLITE_COUNT_CAP})",
            crate::sql::ident(&name)
        );
        let rows: i64 = conn.query_row(&sql, [], |r| r.get(0)).ok()?;
        counts.insert(QualifiedName::new("main", &name), rows as f64);
    }
    Some(counts)
}

/// MySQL: rows per table as InnoDB estimates them (`information_schema.TABLES`).
pub fn mysql_row_estimates(
    query: &mut super::mysql::Query<'_>,
) -> Option<HashMap<QualifiedName, f64>> {
    let rows = query(
        "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    )
    .ok()?;
    Some(
        rows.into_iter()
            .filter_map(|row| {
                let mut row = row.into_iter();
                let name = row.next()??;
                let count = row
                    .next()?
                    .and_then(|n| n.parse::<f64>().ok())
                    .unwrap_or(0.0);
                Some((QualifiedName::new("", &name), count))
            })
            .collect(),
    )
}

/// The most rows counted per SQLite table.
pub const SQLITE_COUNT_CAP: u32 = 100_000;

/// The catalog's figures for one table.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// A partitioned parent (holds no rows itself).
    partitioned: bool,
    /// Rows at the last `ANALYZE`/`VACUUM` (-1: never).
    reltuples: f64,
    /// Pages at the last `ANALYZE`/`VACUUM`.
    relpages: f64,
    /// Pages on disk now.
    pages: f64,
    /// The statistics collector's live row count.
    live: f64,
}

impl Sample {
    /// Rows now: the analysed density times the pages now, or the live
    /// count if higher; 0 only for an empty heap; -1 when unknown.
    fn estimate(self) -> f64 {
        if self.partitioned {
            return if self.live > 0.0 { self.live } else { -1.0 };
        }
        if self.pages == 0.0 {
            return 0.0;
        }
        let scaled = if self.relpages > 0.0 && self.reltuples >= 0.0 {
            (self.reltuples / self.relpages * self.pages).round()
        } else {
            -1.0
        };
        let live = if self.live > 0.0 { self.live } else { -1.0 };
        scaled.max(live)
    }
}

#[cfg(test)]
mod tests {
    use super::Sample;

    #[test]
    fn estimates_follow_the_table_as_it_is_now() {
        let s = |partitioned, reltuples, relpages, pages, live| {
            Sample {
                partitioned,
                reltuples,
                relpages,
                pages,
                live,
            }
            .estimate()
        };
        // (what, estimate, expected)
        let cases = [
            ("an empty heap", s(false, 0.0, 0.0, 0.0, 0.0), 0.0),
            (
                "analysed while empty, 400 pages now",
                s(false, 0.0, 0.0, 400.0, 50_000.0),
                50_000.0,
            ),
            (
                "analysed while empty, stats not flushed",
                s(false, 0.0, 0.0, 400.0, 0.0),
                -1.0,
            ),
            ("never analysed", s(false, -1.0, 0.0, 10.0, 0.0), -1.0),
            (
                "grew since analysed",
                s(false, 1_000.0, 10.0, 100.0, 0.0),
                10_000.0,
            ),
            (
                "live count higher",
                s(false, 1_000.0, 10.0, 10.0, 5_000.0),
                5_000.0,
            ),
            ("partitioned parent", s(true, 0.0, 0.0, 0.0, 0.0), -1.0),
        ];
        for (what, got, expected) in cases {
            assert_eq!(got, expected, "{what}");
        }
    }
}
