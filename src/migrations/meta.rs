//! `meta.json`: what `generate` knew about a migration, including the
//! declared schema after it (the snapshot the next `generate` diffs against).

use serde::{Deserialize, Serialize};

use crate::schema::{Dialect, Schema};

/// The metadata file of a migration.
pub const META_FILE: &str = "meta.json";

/// A lint finding recorded when the migration was generated (fields in
/// alphabetical order: they are written in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The safe alternative.
    #[serde(default)]
    pub help: String,
    /// The statement's line in migration.sql.
    #[serde(default)]
    pub line: usize,
    /// What it found.
    pub message: String,
    /// The rule's id, e.g. `drop-column`.
    pub rule: String,
    /// `error`, `warning` or `info`.
    #[serde(default)]
    pub severity: String,
}

/// The drizzle-kit migration an imported one was read from: its journal
/// `tag` and `when` (milliseconds since the epoch, what drizzle-kit's
/// migrator records as `created_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrizzleKitOrigin {
    /// The journal tag, e.g. `0000_cheerful_black_bird`.
    pub tag: String,
    /// The journal `when`.
    pub when: i64,
}

/// The contents of `meta.json`. Fields are in alphabetical order, which is
/// the order they are written in; the snapshot's objects keep the model's
/// field order (name first), which is just as deterministic and lets a large
/// snapshot stream straight to the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta<S = Schema> {
    /// Checksum of migration.sql as generated.
    pub checksum: String,
    /// When it was generated (RFC 3339, UTC).
    pub created_at: String,
    /// The dialect its SQL is written for.
    pub dialect: Dialect,
    /// Checksum of down.sql as generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_checksum: Option<String>,
    /// Where `import drizzle-kit` took it from, for imported migrations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drizzle_kit: Option<DrizzleKitOrigin>,
    /// The migration id (directory name).
    pub id: String,
    /// The name part of the id.
    pub name: String,
    /// The previous migration's id; `None` for the first.
    pub parent: Option<String>,
    /// The declared schema after this migration.
    #[serde(default = "absent")]
    pub snapshot: Option<S>,
    /// The db-migrate version that generated it.
    pub tool_version: String,
    /// False when it must run outside a transaction.
    pub transaction: bool,
    /// Lint findings at generation time.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A missing `snapshot` (whatever its type).
fn absent<S>() -> Option<S> {
    None
}

impl Meta {
    /// Serialises with 2-space indent and a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses meta.json.
    pub fn from_json(text: &str) -> Result<Meta, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Parses meta.json without building its snapshot (the JSON is still
    /// checked): the metadata, and whether there is a snapshot. Loading a
    /// folder reads every meta.json, but commands need one or two snapshots.
    pub fn head_from_json(text: &str) -> Result<(Meta, bool), serde_json::Error> {
        let head: Meta<serde::de::IgnoredAny> = serde_json::from_str(text)?;
        let has_snapshot = head.snapshot.is_some();
        let meta = Meta {
            checksum: head.checksum,
            created_at: head.created_at,
            dialect: head.dialect,
            down_checksum: head.down_checksum,
            drizzle_kit: head.drizzle_kit,
            id: head.id,
            name: head.name,
            parent: head.parent,
            snapshot: None,
            tool_version: head.tool_version,
            transaction: head.transaction,
            warnings: head.warnings,
        };
        Ok((meta, has_snapshot))
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
            down_checksum: Some("cd".into()),
            drizzle_kit: None,
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
