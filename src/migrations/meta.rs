//! `meta.json`: what `generate` knew about a migration, including the
//! declared schema after it (the snapshot the next `generate` diffs against).

use serde::{Deserialize, Serialize};

use crate::schema::{Dialect, Schema};

/// The metadata file of a migration.
pub const META_FILE: &str = "meta.json";

/// A lint finding recorded when the migration was generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The rule's id, e.g. `drop-column`.
    pub rule: String,
    /// `error`, `warning` or `info`.
    #[serde(default)]
    pub severity: String,
    /// What it found.
    pub message: String,
    /// The safe alternative.
    #[serde(default)]
    pub help: String,
    /// The statement's line in migration.sql.
    #[serde(default)]
    pub line: usize,
}

/// The contents of `meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The migration id (directory name).
    pub id: String,
    /// The name part of the id.
    pub name: String,
    /// When it was generated (RFC 3339, UTC).
    pub created_at: String,
    /// The dialect its SQL is written for.
    pub dialect: Dialect,
    /// The previous migration's id; `None` for the first.
    pub parent: Option<String>,
    /// Checksum of migration.sql as generated.
    pub checksum: String,
    /// The db-migrate version that generated it.
    pub tool_version: String,
    /// False when it must run outside a transaction.
    pub transaction: bool,
    /// Lint findings at generation time.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// The declared schema after this migration.
    #[serde(default)]
    pub snapshot: Option<Schema>,
}

impl Meta {
    /// Serialises with sorted keys, 2-space indent and a trailing newline.
    pub fn to_json(&self) -> String {
        // serde_json's map keeps keys sorted, so going through a Value sorts them.
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses meta.json.
    pub fn from_json(text: &str) -> Result<Meta, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_round_trip() {
        let meta = Meta {
            id: "20250521213000_init".into(),
            name: "init".into(),
            created_at: "2025-05-21T21:30:00Z".into(),
            dialect: Dialect::Postgres,
            parent: None,
            checksum: "ab".into(),
            tool_version: "0.1.0".into(),
            transaction: true,
            warnings: vec![],
            snapshot: Some(Schema::empty(Dialect::Postgres)),
        };
        let json = meta.to_json();
        assert!(json.ends_with("}\n"));
        let keys: Vec<&str> = json
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim().split('"').nth(1).unwrap_or(""))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(Meta::from_json(&json).unwrap(), meta);
    }
}
