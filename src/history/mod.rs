//! The database side of migrations: the history table (the source of truth
//! for what is applied) and the lock that serialises concurrent runs.

pub mod drizzle_kit;
mod lock;

pub use lock::{LEASE_TTL, LockError, LockHolder, LockMode, RunLock, acquire_lock, lock_key};

use postgres::types::Type;

use crate::db::{Conn, Db, StatementError};
use crate::schema::{Dialect, QualifiedName};
use crate::sql::{ident, ident_in, literal_in};

/// Where the history lives: `name` (default schema) or `schema.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    /// Namespace (PostgreSQL), `None` for the default.
    pub schema: Option<String>,
    /// Table name.
    pub name: String,
}

impl HistoryTable {
    /// Parses `name` or `schema.name`.
    pub fn parse(text: &str) -> HistoryTable {
        match text.split_once('.') {
            Some((s, n)) => HistoryTable {
                schema: Some(s.to_string()),
                name: n.to_string(),
            },
            None => HistoryTable {
                schema: None,
                name: text.to_string(),
            },
        }
    }

    /// The table's quoted SQL name.
    pub fn sql(&self, dialect: Dialect) -> String {
        match (&self.schema, dialect) {
            (Some(s), Dialect::Postgres) => format!("{}.{}", ident(s), ident(&self.name)),
            _ => ident_in(dialect, &self.name),
        }
    }

    /// The table as a model name, so inspection can leave it out.
    pub fn qualified(&self, dialect: Dialect) -> QualifiedName {
        QualifiedName::new(
            self.schema
                .clone()
                .filter(|_| dialect == Dialect::Postgres)
                .unwrap_or_else(|| dialect.default_schema().to_string()),
            &self.name,
        )
    }
}

impl std::fmt::Display for HistoryTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The migration id.
    pub id: String,
    /// Checksum of migration.sql as applied.
    pub checksum: String,
    /// Version of the checksum algorithm.
    pub checksum_version: i32,
    /// When it finished (or last progressed), RFC 3339 UTC.
    pub applied_at: String,
    /// How long it ran.
    pub execution_ms: i64,
    /// The db-migrate version that applied it.
    pub tool_version: String,
    /// Statements done so far (no-transaction migrations); `None` when finished in one transaction.
    pub statements_done: Option<i64>,
    /// Checksum of the statements done so far, so a resumed run can verify
    /// they were not edited since.
    pub progress_checksum: Option<String>,
    /// False while a no-transaction migration is incomplete.
    pub finished: bool,
    /// The last error of an incomplete migration.
    pub error: Option<String>,
}

/// The start of `progress_checksum` while a migration is being undone
/// statement by statement (its down.sql opts out of a transaction): the
/// row's progress then counts down.sql's statements.
pub const UNDOING: &str = "down:";

impl AppliedMigration {
    /// True while its no-transaction down.sql has run part-way.
    pub fn undoing(&self) -> bool {
        !self.finished
            && self
                .progress_checksum
                .as_deref()
                .is_some_and(|c| c.starts_with(UNDOING))
    }
}

/// Creates the history table if it does not exist (run under the lock).
pub fn ensure(db: &mut Db, table: &HistoryTable) -> Result<(), StatementError> {
    for statement in ensure_sql(table, db.dialect()) {
        db.execute(&statement)?;
    }
    Ok(())
}

/// The statements [`ensure`] runs.
pub fn ensure_sql(table: &HistoryTable, dialect: Dialect) -> Vec<String> {
    // MySQL: a key cannot be `text`, and InnoDB is the engine that survives a crash.
    let (id, ts, big, engine) = match dialect {
        Dialect::Postgres => ("text", "timestamptz", "bigint", ""),
        Dialect::Sqlite => ("text", "text", "integer", ""),
        Dialect::Mysql => ("varchar(255)", "varchar(32)", "bigint", " ENGINE=InnoDB"),
    };
    let mut statements = Vec::new();
    if let (Some(schema), Dialect::Postgres) = (&table.schema, dialect) {
        statements.push(format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema)));
    }
    statements.push(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n\
         \tid {id} PRIMARY KEY NOT NULL,\n\
         \tchecksum text NOT NULL,\n\
         \tchecksum_version integer NOT NULL DEFAULT 1,\n\
         \tapplied_at {ts} NOT NULL,\n\
         \texecution_ms {big} NOT NULL,\n\
         \ttool_version text NOT NULL,\n\
         \tstatements_done {big},\n\
         \tfinished boolean NOT NULL DEFAULT true,\n\
         \terror text,\n\
         \tprogress_checksum text\n\
         ){engine}",
        table.sql(dialect)
    ));
    statements
}

/// True when the history table exists.
pub fn exists(db: &mut Db, table: &HistoryTable) -> Result<bool, StatementError> {
    match &mut db.conn {
        Conn::Postgres(c) => {
            let name = match &table.schema {
                Some(s) => format!("{}.{}", ident(s), ident(&table.name)),
                None => ident(&table.name),
            };
            let row =
                c.query_typed_one("SELECT to_regclass($1) IS NOT NULL", &[(&name, Type::TEXT)])?;
            Ok(row.get::<_, bool>(0))
        }
        Conn::Sqlite(c) => {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [&table.name],
                |r| r.get(0),
            )?;
            Ok(n > 0)
        }
        Conn::Mysql(c) => Ok(!c
            .query(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                vec![table.name.as_str().into()],
            )?
            .is_empty()),
    }
}

/// All rows, oldest id first; an absent table is an empty history.
pub fn read(db: &mut Db, table: &HistoryTable) -> Result<Vec<AppliedMigration>, StatementError> {
    if !exists(db, table)? {
        return Ok(Vec::new());
    }
    let dialect = db.dialect();
    let applied_at = match dialect {
        Dialect::Postgres => {
            "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        }
        Dialect::Sqlite | Dialect::Mysql => "applied_at",
    };
    let sql = format!(
        "SELECT id, checksum, checksum_version, {applied_at}, execution_ms, tool_version, statements_done, finished, error, progress_checksum \
         FROM {} ORDER BY id",
        table.sql(dialect)
    );
    match &mut db.conn {
        Conn::Postgres(c) => {
            let rows = c.query(&sql, &[])?;
            Ok(rows
                .iter()
                .map(|r| AppliedMigration {
                    id: r.get(0),
                    checksum: r.get(1),
                    checksum_version: r.get(2),
                    applied_at: r.get(3),
                    execution_ms: r.get(4),
                    tool_version: r.get(5),
                    statements_done: r.get(6),
                    finished: r.get(7),
                    error: r.get(8),
                    progress_checksum: r.get(9),
                })
                .collect())
        }
        Conn::Sqlite(c) => {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(AppliedMigration {
                    id: r.get(0)?,
                    checksum: r.get(1)?,
                    checksum_version: r.get(2)?,
                    applied_at: r.get(3)?,
                    execution_ms: r.get(4)?,
                    tool_version: r.get(5)?,
                    statements_done: r.get(6)?,
                    finished: r.get(7)?,
                    error: r.get(8)?,
                    progress_checksum: r.get(9)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        }
        Conn::Mysql(c) => Ok(c
            .query(&sql, Vec::new())?
            .into_iter()
            .map(|r| {
                let text = |i: usize| r.get(i).cloned().flatten();
                let number = |i: usize| text(i).and_then(|t| t.parse::<i64>().ok());
                AppliedMigration {
                    id: text(0).unwrap_or_default(),
                    checksum: text(1).unwrap_or_default(),
                    checksum_version: number(2).and_then(|n| i32::try_from(n).ok()).unwrap_or(1),
                    applied_at: text(3).unwrap_or_default(),
                    execution_ms: number(4).unwrap_or(0),
                    tool_version: text(5).unwrap_or_default(),
                    statements_done: number(6),
                    finished: number(7) != Some(0),
                    error: text(8),
                    progress_checksum: text(9),
                }
            })
            .collect()),
    }
}

/// The statement that inserts or replaces a history row with `values`
/// (placeholders or literals, in the order of the columns).
fn insert_sql(table: &HistoryTable, dialect: Dialect, values: &str) -> String {
    const COLUMNS: &str = "id, checksum, checksum_version, applied_at, execution_ms, tool_version, statements_done, finished, error, progress_checksum";
    let name = table.sql(dialect);
    match dialect {
        Dialect::Postgres => format!(
            "INSERT INTO {name} ({COLUMNS}) VALUES ({values}) \
             ON CONFLICT (id) DO UPDATE SET checksum = EXCLUDED.checksum, checksum_version = EXCLUDED.checksum_version, \
             applied_at = EXCLUDED.applied_at, execution_ms = EXCLUDED.execution_ms, tool_version = EXCLUDED.tool_version, \
             statements_done = EXCLUDED.statements_done, finished = EXCLUDED.finished, error = EXCLUDED.error, \
             progress_checksum = EXCLUDED.progress_checksum"
        ),
        Dialect::Sqlite => format!("INSERT OR REPLACE INTO {name} ({COLUMNS}) VALUES ({values})"),
        Dialect::Mysql => format!("REPLACE INTO {name} ({COLUMNS}) VALUES ({values})"),
    }
}

/// The statement [`record`] runs for `row`, with the values written as
/// literals instead of bound (for `apply --dry-run`).
pub fn record_preview(table: &HistoryTable, dialect: Dialect, row: &AppliedMigration) -> String {
    let literal = |v: &str| literal_in(dialect, v);
    let text = |v: &Option<String>| v.as_deref().map_or("NULL".to_string(), literal);
    let applied_at = match dialect {
        Dialect::Postgres => format!("{}::timestamptz", literal(&row.applied_at)),
        Dialect::Sqlite | Dialect::Mysql => literal(&row.applied_at),
    };
    let finished = match dialect {
        Dialect::Postgres | Dialect::Mysql => row.finished.to_string(),
        Dialect::Sqlite => u8::from(row.finished).to_string(),
    };
    let values = format!(
        "{}, {}, {}, {applied_at}, {}, {}, {}, {finished}, {}, {}",
        literal(&row.id),
        literal(&row.checksum),
        row.checksum_version,
        row.execution_ms,
        literal(&row.tool_version),
        row.statements_done
            .map_or("NULL".to_string(), |n| n.to_string()),
        text(&row.error),
        text(&row.progress_checksum),
    );
    insert_sql(table, dialect, &values)
}

/// Inserts or replaces a row (values bound as parameters).
pub fn record(
    db: &mut Db,
    table: &HistoryTable,
    row: &AppliedMigration,
) -> Result<(), StatementError> {
    let dialect = db.dialect();
    match &mut db.conn {
        Conn::Postgres(c) => {
            let sql = insert_sql(
                table,
                dialect,
                "$1, $2, $3, $4::text::timestamptz, $5, $6, $7, $8, $9, $10",
            );
            // Typed parameters: one round trip, no named prepared statement
            // (which transaction-mode poolers do not keep).
            c.query_typed(
                &sql,
                &[
                    (&row.id, Type::TEXT),
                    (&row.checksum, Type::TEXT),
                    (&row.checksum_version, Type::INT4),
                    (&row.applied_at, Type::TEXT),
                    (&row.execution_ms, Type::INT8),
                    (&row.tool_version, Type::TEXT),
                    (&row.statements_done, Type::INT8),
                    (&row.finished, Type::BOOL),
                    (&row.error, Type::TEXT),
                    (&row.progress_checksum, Type::TEXT),
                ],
            )?;
        }
        Conn::Sqlite(c) => {
            let sql = insert_sql(table, dialect, "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10");
            c.execute(
                &sql,
                rusqlite::params![
                    row.id,
                    row.checksum,
                    row.checksum_version,
                    row.applied_at,
                    row.execution_ms,
                    row.tool_version,
                    row.statements_done,
                    row.finished,
                    row.error,
                    row.progress_checksum
                ],
            )?;
        }
        Conn::Mysql(c) => {
            let sql = insert_sql(table, dialect, "?, ?, ?, ?, ?, ?, ?, ?, ?, ?");
            c.query(
                &sql,
                vec![
                    row.id.as_str().into(),
                    row.checksum.as_str().into(),
                    row.checksum_version.into(),
                    row.applied_at.as_str().into(),
                    row.execution_ms.into(),
                    row.tool_version.as_str().into(),
                    row.statements_done.into(),
                    row.finished.into(),
                    row.error.as_deref().into(),
                    row.progress_checksum.as_deref().into(),
                ],
            )?;
        }
    }
    Ok(())
}

/// True when a row for `id` exists (checked inside SQLite's write transaction
/// so that concurrent runs apply each migration once).
pub fn contains(db: &mut Db, table: &HistoryTable, id: &str) -> Result<bool, StatementError> {
    let dialect = db.dialect();
    let name = table.sql(dialect);
    match &mut db.conn {
        Conn::Postgres(c) => {
            let sql = format!("SELECT count(*) FROM {name} WHERE id = $1");
            Ok(c.query_typed_one(&sql, &[(&id, Type::TEXT)])?
                .get::<_, i64>(0)
                > 0)
        }
        Conn::Sqlite(c) => {
            let sql = format!("SELECT count(*) FROM {name} WHERE id = ?1");
            Ok(c.query_row(&sql, [id], |r| r.get::<_, i64>(0))? > 0)
        }
        Conn::Mysql(c) => {
            let sql = format!("SELECT 1 FROM {name} WHERE id = ?");
            Ok(!c.query(&sql, vec![id.into()])?.is_empty())
        }
    }
}

/// Deletes the row of migration `id` (it was undone).
pub fn forget(db: &mut Db, table: &HistoryTable, id: &str) -> Result<(), StatementError> {
    let dialect = db.dialect();
    let name = table.sql(dialect);
    match &mut db.conn {
        Conn::Postgres(c) => {
            let sql = format!("DELETE FROM {name} WHERE id = $1");
            c.query_typed(&sql, &[(&id, Type::TEXT)])?;
        }
        Conn::Sqlite(c) => {
            let sql = format!("DELETE FROM {name} WHERE id = ?1");
            c.execute(&sql, [id])?;
        }
        Conn::Mysql(c) => {
            let sql = format!("DELETE FROM {name} WHERE id = ?");
            c.query(&sql, vec![id.into()])?;
        }
    }
    Ok(())
}
