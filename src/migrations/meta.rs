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

impl<S: Serialize> Meta<S> {
    /// Serialises with 2-space indent and a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes what [`Meta::to_json`] returns to `out`, as it is serialised.
    pub fn write_json(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

impl Meta {
    /// Parses meta.json.
    pub fn from_json(text: &str) -> Result<Meta, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Parses meta.json without reading its snapshot: the metadata, and
    /// whether there is a snapshot. Loading a folder reads every meta.json,
    /// but commands need one or two snapshots, so a file as `to_json` writes
    /// it has its snapshot cut out unread (it is checked when it is read);
    /// any other file is parsed whole, the snapshot scanned but not built.
    pub fn head_from_json(text: &str) -> Result<(Meta, bool), serde_json::Error> {
        if let Some((rest, has_snapshot)) = cut_snapshot(text)
            && let Ok(head) = serde_json::from_str::<Meta<serde::de::IgnoredAny>>(&rest)
        {
            return Ok((head.without_snapshot(), has_snapshot));
        }
        let head: Meta<serde::de::IgnoredAny> = serde_json::from_str(text)?;
        let has_snapshot = head.snapshot.is_some();
        Ok((head.without_snapshot(), has_snapshot))
    }
}

impl<S> Meta<S> {
    /// The same metadata with no snapshot.
    fn without_snapshot(self) -> Meta {
        Meta {
            checksum: self.checksum,
            created_at: self.created_at,
            dialect: self.dialect,
            down_checksum: self.down_checksum,
            drizzle_kit: self.drizzle_kit,
            id: self.id,
            name: self.name,
            parent: self.parent,
            snapshot: None,
            tool_version: self.tool_version,
            transaction: self.transaction,
            warnings: self.warnings,
        }
    }
}

/// Reads the head of meta.json at `path` (see [`Meta::head_from_json`]). A
/// large file laid out as written is read at its two ends only: the keys
/// before the snapshot and those after it, not the snapshot between them.
pub fn read_head(
    path: &std::path::Path,
) -> std::io::Result<Result<(Meta, bool), serde_json::Error>> {
    use std::io::{Read, Seek, SeekFrom};
    /// Bytes read at each end of a large file.
    const END: u64 = 4 * 1024;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > 4 * END {
        let mut head = vec![0; END as usize];
        file.read_exact(&mut head)?;
        let mut tail = vec![0; END as usize];
        file.seek(SeekFrom::End(-(END as i64)))?;
        file.read_exact(&mut tail)?;
        let key = find(&head, SNAPSHOT_KEY.as_bytes(), false);
        let next = find(&tail, NEXT_KEY.as_bytes(), true);
        if let (Some(start), Some(end)) = (key, next)
            && !head[start + SNAPSHOT_KEY.len()..].starts_with(b"null")
        {
            let mut rest = head[..start].to_vec();
            rest.extend_from_slice(&tail[end..]);
            if let Ok(rest) = String::from_utf8(rest)
                && let Ok(head) = serde_json::from_str::<Meta<serde::de::IgnoredAny>>(&rest)
            {
                // The snapshot spans the middle of the file: it is there.
                return Ok(Ok((head.without_snapshot(), true)));
            }
        }
        file.rewind()?;
    }
    let mut text = String::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_string(&mut text)?;
    Ok(Meta::head_from_json(&text))
}

/// The first (or, with `last`, the last) position of `needle` in `bytes`.
fn find(bytes: &[u8], needle: &[u8], last: bool) -> Option<usize> {
    let mut windows = bytes.windows(needle.len());
    if last {
        windows.rposition(|w| w == needle)
    } else {
        windows.position(|w| w == needle)
    }
}

/// The top-level `snapshot` key as `to_json` writes it.
const SNAPSHOT_KEY: &str = "\n  \"snapshot\": ";
/// The top-level key after it.
const NEXT_KEY: &str = "\n  \"tool_version\": ";

/// meta.json as `Meta::to_json` writes it, without the `snapshot` key, and
/// whether its value is a snapshot (not `null`); `None` for a file laid out
/// otherwise. Top-level keys are the only ones at two spaces of indent (a
/// string cannot hold a raw newline), and `tool_version` follows `snapshot`.
fn cut_snapshot(text: &str) -> Option<(String, bool)> {
    // Both keys are near the ends of the file: search from there.
    let start = text.find(SNAPSHOT_KEY)?;
    let end = text.rfind(NEXT_KEY).filter(|&end| end > start)?;
    let value = text[start + SNAPSHOT_KEY.len()..end].trim_end();
    let value = value.strip_suffix(',')?;
    let mut rest = String::with_capacity(text.len() - (end - start));
    rest.push_str(&text[..start]);
    rest.push_str(&text[end..]);
    Some((rest, value.trim() != "null"))
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

        // The head leaves the snapshot out, whether the file is laid out as
        // written (the snapshot is cut out unread) or otherwise (parsed whole).
        let head = Meta {
            snapshot: None,
            ..meta.clone()
        };
        assert!(cut_snapshot(&json).is_some());
        assert_eq!(Meta::head_from_json(&json).unwrap(), (head.clone(), true));
        let compact = serde_json::to_string(&meta).unwrap();
        assert!(cut_snapshot(&compact).is_none());
        assert_eq!(
            Meta::head_from_json(&compact).unwrap(),
            (head.clone(), true)
        );
        let none = head.to_json();
        assert_eq!(Meta::head_from_json(&none).unwrap(), (head.clone(), false));
        // A large file is read at its two ends, with the same result.
        let dir = tempfile::tempdir().unwrap();
        let mut big = meta.clone();
        let mut schema = Schema::empty(Dialect::Postgres);
        for n in 0..2000 {
            schema
                .tables
                .push(crate::schema::Table::new("public", format!("table_{n}")));
        }
        big.snapshot = Some(schema);
        let path = dir.path().join("meta.json");
        std::fs::write(&path, big.to_json()).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 16 * 1024);
        assert_eq!(read_head(&path).unwrap().unwrap(), (head.clone(), true));
        std::fs::write(&path, &json).unwrap();
        assert_eq!(read_head(&path).unwrap().unwrap(), (head.clone(), true));
        // Not JSON around the snapshot: an error either way.
        assert!(
            Meta::head_from_json(&json.replace("\"checksum\": \"ab\",", "\"checksum\": ,"))
                .is_err()
        );
    }
}
