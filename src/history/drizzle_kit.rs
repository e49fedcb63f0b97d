//! drizzle-kit's history table, read only: what drizzle-kit's migrator
//! applied before the project moved to db-migrate. Its rows are
//! `(id, hash, created_at)`: the sha256 hex of the whole `.sql` file and the
//! journal's `when`; drizzle-kit 1.x adds `name` (the migration's folder)
//! and `applied_at`. 0.x's migrator treats every journal entry with `when`
//! up to the newest `created_at` as applied (a high-water mark); 1.x's
//! takes the rows' names.

use super::{HistoryTable, exists};
use crate::db::{Conn, Db, StatementError};
use crate::schema::Dialect;

/// drizzle-kit's table: drizzle.config's `migrations.schema`/`migrations.table`,
/// by default `drizzle.__drizzle_migrations` (SQLite: `__drizzle_migrations`).
pub fn table(name: Option<&str>, schema: Option<&str>) -> HistoryTable {
    HistoryTable {
        schema: Some(schema.unwrap_or("drizzle").to_string()),
        name: name.unwrap_or("__drizzle_migrations").to_string(),
    }
}

/// One row of drizzle-kit's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitRow {
    /// sha256 hex of the migration file.
    pub hash: String,
    /// The journal `when` of the migration (milliseconds).
    pub created_at: i64,
    /// The migration's folder name (drizzle-kit 1.x; `None` in 0.x's table).
    pub name: Option<String>,
}

/// The rows, oldest first; `None` when the table does not exist.
pub fn read(db: &mut Db, table: &HistoryTable) -> Result<Option<Vec<KitRow>>, StatementError> {
    if !exists(db, table)? {
        return Ok(None);
    }
    // `*`: 0.x's table has no `name` column.
    let sql = format!("SELECT * FROM {} ORDER BY id", table.sql(db.dialect()));
    let rows = match &mut db.conn {
        Conn::Postgres(c) => c
            .query(&sql, &[])?
            .iter()
            .map(|r| {
                let name = r
                    .columns()
                    .iter()
                    .position(|c| c.name() == "name")
                    .and_then(|i| r.get::<_, Option<String>>(i));
                KitRow {
                    hash: r.get("hash"),
                    created_at: r.get::<_, Option<i64>>("created_at").unwrap_or(0),
                    name,
                }
            })
            .collect(),
        Conn::Sqlite(c) => {
            let mut stmt = c.prepare(&sql)?;
            let name_at = stmt.column_index("name").ok();
            let rows = stmt.query_map([], |r| {
                Ok(KitRow {
                    hash: r.get("hash")?,
                    created_at: r.get::<_, Option<i64>>("created_at")?.unwrap_or(0),
                    name: match name_at {
                        Some(i) => r.get(i)?,
                        None => None,
                    },
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        }
        // drizzle-kit's MySQL table has no `name` column in either release.
        Conn::Mysql(c) => c
            .query(
                &format!(
                    "SELECT hash, created_at FROM {} ORDER BY id",
                    table.sql(Dialect::Mysql)
                ),
                Vec::new(),
            )?
            .into_iter()
            .map(|r| KitRow {
                hash: r.first().cloned().flatten().unwrap_or_default(),
                created_at: r
                    .get(1)
                    .cloned()
                    .flatten()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0),
                name: None,
            })
            .collect(),
    };
    Ok(Some(rows))
}
