//! `migrations/applied/<id>.json`: the journal of where and when each
//! migration was applied (the database's history table is the source of truth).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{APPLIED_DIR, MigrationsError};

/// One applied migration, as written to the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedRecord {
    /// The migration id.
    pub id: String,
    /// Checksum of migration.sql when applied.
    pub checksum: String,
    /// The checksum algorithm's version.
    pub checksum_version: u32,
    /// When it was applied (RFC 3339, UTC).
    pub applied_at: String,
    /// How long it ran, in milliseconds.
    pub execution_ms: u64,
    /// The database it was applied to, password masked.
    pub target: String,
    /// The db-migrate version that applied it.
    pub tool_version: String,
}

/// Writes `applied/<id>.json` (sorted keys, trailing newline).
pub fn write(migrations_dir: &Path, record: &AppliedRecord) -> Result<PathBuf, MigrationsError> {
    let dir = migrations_dir.join(APPLIED_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| MigrationsError::Write {
        path: dir.clone(),
        source,
    })?;
    let path = dir.join(format!("{}.json", record.id));
    let value = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    std::fs::write(&path, text).map_err(|source| MigrationsError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Removes `applied/<id>.json`; a record that is not there is not an error.
pub fn remove(migrations_dir: &Path, id: &str) -> Result<(), MigrationsError> {
    let path = migrations_dir.join(APPLIED_DIR).join(format!("{id}.json"));
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(MigrationsError::Write { path, source }),
    }
}
