//! drizzle-kit's history table, read only: what drizzle-kit's migrator
//! applied before the project moved to db-migrate. Its rows are
//! `(id, hash, created_at)`: the sha256 hex of the whole `.sql` file and the
//! journal's `when`; drizzle-kit 1.x adds `name` (the migration's folder)
//! and `applied_at`. 0.x's migrator treats every journal entry with `when`
//! up to the newest `created_at` as applied (a high-water mark); 1.x's
//! takes the rows' names.

use super::{HistoryTable, exists};
use crate::db::{Db, StatementError};

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
    let (names, found) = db.rows_named(&sql, &[])?;
    let at = |column: &str| names.iter().position(|n| n == column);
    let (hash, created_at, name) = (at("hash"), at("created_at"), at("name"));
    let field =
        |r: &[Option<String>], i: Option<usize>| i.and_then(|i| r.get(i).cloned().flatten());
    let rows = found
        .iter()
        .map(|r| KitRow {
            hash: field(r, hash).unwrap_or_default(),
            created_at: field(r, created_at)
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
            name: field(r, name),
        })
        .collect();
    Ok(Some(rows))
}
