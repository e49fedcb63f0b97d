//! The database side of migrations: the history table (the source of truth
//! for what is applied) and the lock that serialises concurrent runs.

pub mod drizzle_kit;
mod lock;

pub use lock::{LEASE_TTL, LockError, LockHolder, LockMode, RunLock, acquire_lock, lock_key};

use crate::db::{Db, Param, StatementError};
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
    let dialect = db.dialect();
    let (sql, name) = match dialect {
        Dialect::Postgres => ("SELECT to_regclass($1) IS NOT NULL", table.sql(dialect)),
        Dialect::Sqlite => (
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            table.name.clone(),
        ),
        Dialect::Mysql => (
            "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            table.name.clone(),
        ),
    };
    Ok(truthy(
        db.value(sql, &[Param::Text(Some(&name))])?.as_deref(),
    ))
}

/// `true`, or a count above zero.
fn truthy(text: Option<&str>) -> bool {
    text.is_some_and(|t| t == "true" || t.parse::<i64>().is_ok_and(|n| n > 0))
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
    Ok(db
        .rows(&sql, &[])?
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
                finished: truthy(text(7).as_deref()),
                error: text(8),
                progress_checksum: text(9),
            }
        })
        .collect())
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
/// literals instead of bound: what `apply --dry-run` shows, and what a run
/// sends with its COMMIT, in one batch of statements (which takes no
/// parameters).
pub fn record_sql(table: &HistoryTable, dialect: Dialect, row: &AppliedMigration) -> String {
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
    let placeholders: Vec<String> = (1..=10)
        .map(|n| match (dialect, n) {
            (Dialect::Postgres, 4) => format!("{}::timestamptz", db.placeholder(n)),
            _ => db.placeholder(n),
        })
        .collect();
    let sql = insert_sql(table, dialect, &placeholders.join(", "));
    db.rows(
        &sql,
        &[
            Param::Text(Some(&row.id)),
            Param::Text(Some(&row.checksum)),
            Param::Int(Some(i64::from(row.checksum_version))),
            Param::Text(Some(&row.applied_at)),
            Param::Int(Some(row.execution_ms)),
            Param::Text(Some(&row.tool_version)),
            Param::Int(row.statements_done),
            Param::Bool(row.finished),
            Param::Text(row.error.as_deref()),
            Param::Text(row.progress_checksum.as_deref()),
        ],
    )?;
    Ok(())
}

/// True when a row for `id` exists (checked inside SQLite's write transaction
/// so that concurrent runs apply each migration once).
pub fn contains(db: &mut Db, table: &HistoryTable, id: &str) -> Result<bool, StatementError> {
    let sql = format!(
        "SELECT count(*) FROM {} WHERE id = {}",
        table.sql(db.dialect()),
        db.placeholder(1)
    );
    Ok(truthy(db.value(&sql, &[Param::Text(Some(id))])?.as_deref()))
}

/// Deletes the row of migration `id` (it was undone).
pub fn forget(db: &mut Db, table: &HistoryTable, id: &str) -> Result<(), StatementError> {
    let sql = format!(
        "DELETE FROM {} WHERE id = {}",
        table.sql(db.dialect()),
        db.placeholder(1)
    );
    db.rows(&sql, &[Param::Text(Some(id))])?;
    Ok(())
}
