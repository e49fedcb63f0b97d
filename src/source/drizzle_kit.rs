//! A drizzle-kit migrations folder read as it is on disk, in either layout:
//! - 0.x: `meta/_journal.json` lists the migrations in order (`idx`, `when`
//!   in milliseconds, `tag`), each `<tag>.sql` holds one's SQL and
//!   `meta/<prefix>_snapshot.json` the schema after it, where the prefix is
//!   the tag up to its first `_`;
//! - 1.x: one folder per migration, `<YYYYMMDDHHMMSS>_<name>/` with
//!   `migration.sql` and `snapshot.json`, in the order of their names (the
//!   time is UTC and is the migrator's `created_at`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::node::snapshot::{SnapshotError, from_snapshot};
use super::node::snapshot_ddl::DdlHistory;
use crate::schema::Schema;

/// One migration of the folder.
#[derive(Debug, Clone)]
pub struct KitMigration {
    /// The journal tag, e.g. `0000_cheerful_black_bird`; for the 1.x layout
    /// the folder name, e.g. `20261206041227_init`.
    pub tag: String,
    /// The journal `when` (1.x: the folder's time): milliseconds since the epoch.
    pub when: i64,
    /// The SQL file's text, unchanged.
    pub sql: String,
    /// The schema after it; `None` when the folder has no snapshot for it
    /// (a migration added to the journal by hand).
    pub snapshot: Option<Schema>,
}

/// The folder's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 0.x: `meta/_journal.json`.
    Journal,
    /// 1.x: `<YYYYMMDDHHMMSS>_<name>/migration.sql`.
    Folders,
}

/// The folder's migrations, in order, and its layout.
#[derive(Debug, Clone)]
pub struct KitFolder {
    /// 0.x's or 1.x's.
    pub layout: Layout,
    /// The migrations, oldest first.
    pub migrations: Vec<KitMigration>,
}

/// Why the folder cannot be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KitFolderError {
    /// No journal.
    #[error("{} is not a drizzle-kit migrations folder: it has no meta/_journal.json (0.x) and no <id>/migration.sql (1.x)", .0.display())]
    #[diagnostic(help(
        "pass the folder drizzle-kit writes to (`out` in drizzle.config, default drizzle/) with --from <dir>"
    ))]
    NoJournal(PathBuf),
    /// A snapshot in a format import does not read.
    #[error("{}: {message}", path.display())]
    #[diagnostic(help(
        "import reads the snapshots of drizzle-kit 0.31 (PostgreSQL version 7, SQLite version 6) and 1.x; upgrade older ones with `drizzle-kit up` first"
    ))]
    Snapshot {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file that does not read or parse.
    #[error("{}: {message}", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct Journal {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    when: i64,
    tag: String,
}

/// Reads the folder's migrations in order (the journal's, or 1.x's folder names').
pub fn read(dir: &Path) -> Result<KitFolder, KitFolderError> {
    let journal_path = dir.join("meta/_journal.json");
    if !journal_path.is_file() {
        let folders = migration_folders(dir);
        if folders.is_empty() {
            return Err(KitFolderError::NoJournal(dir.to_path_buf()));
        }
        // Each snapshot after the first may hold only the changes since the one before.
        let mut history = DdlHistory::default();
        let migrations = folders
            .into_iter()
            .map(|(name, when)| {
                let folder = dir.join(&name);
                let snapshot = snapshot(&folder.join("snapshot.json"), |text| history.next(text))?;
                Ok(KitMigration {
                    sql: read_text(&folder.join("migration.sql"))?,
                    snapshot,
                    tag: name,
                    when,
                })
            })
            .collect::<Result<_, KitFolderError>>()?;
        return Ok(KitFolder {
            layout: Layout::Folders,
            migrations,
        });
    }
    let journal: Journal =
        serde_json::from_str(&read_text(&journal_path)?).map_err(|e| KitFolderError::Bad {
            path: journal_path.clone(),
            message: e.to_string(),
        })?;
    let migrations = journal
        .entries
        .into_iter()
        .map(|entry| {
            let sql = read_text(&dir.join(format!("{}.sql", entry.tag)))?;
            let prefix = entry.tag.split('_').next().unwrap_or_default();
            let snapshot = snapshot(
                &dir.join("meta").join(format!("{prefix}_snapshot.json")),
                from_snapshot,
            )?;
            Ok(KitMigration {
                tag: entry.tag,
                when: entry.when,
                sql,
                snapshot,
            })
        })
        .collect::<Result<_, KitFolderError>>()?;
    Ok(KitFolder {
        layout: Layout::Journal,
        migrations,
    })
}

/// The snapshot at `path` in the model, read by `convert`; `None` when
/// there is no file.
fn snapshot(
    path: &Path,
    convert: impl FnOnce(&str) -> Result<Schema, SnapshotError>,
) -> Result<Option<Schema>, KitFolderError> {
    if !path.is_file() {
        return Ok(None);
    }
    convert(&read_text(path)?)
        .map(Some)
        .map_err(|e| KitFolderError::Snapshot {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// 1.x's migration folders (`<YYYYMMDDHHMMSS>_<name>/migration.sql`) by
/// name, each with its time in milliseconds.
fn migration_folders(dir: &Path) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join("migration.sql").is_file())
                .filter_map(|e| {
                    let name = e.file_name().to_str()?.to_string();
                    let when = folder_time(&name)?;
                    Some((name, when))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// `20261206041227_init` → its time (UTC) in milliseconds.
fn folder_time(name: &str) -> Option<i64> {
    let stamp = name
        .get(..14)
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))?;
    let time = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", stamp).ok()?;
    let zoned = time.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

fn read_text(path: &Path) -> Result<String, KitFolderError> {
    std::fs::read_to_string(path).map_err(|e| KitFolderError::Bad {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// A db-migrate migration name for a drizzle-kit tag: the tag without its
/// prefix, lowercased, other characters as `_` (`0003_Add-Users` → `add_users`).
pub fn migration_name(tag: &str) -> String {
    let rest = tag.split_once('_').map_or("", |(_, rest)| rest);
    let mut name = String::new();
    for c in rest.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.ends_with('_') && !name.is_empty() {
            name.push('_');
        }
    }
    let name = name.trim_end_matches('_').to_string();
    if name.is_empty() {
        "migration".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::{folder_time, migration_name};

    #[test]
    fn folder_names_give_their_time() {
        assert_eq!(folder_time("20261206041227_init"), Some(1_796_530_347_000));
        assert_eq!(folder_time("0000_init"), None);
        assert_eq!(folder_time("20261399041227_bad_month"), None);
    }

    #[test]
    fn tags_become_names() {
        for (tag, name) in [
            ("0000_cheerful_black_bird", "cheerful_black_bird"),
            ("20261125025047_magical_menace", "magical_menace"),
            ("0003_Add-Users", "add_users"),
            ("_pink_venus", "pink_venus"),
            ("0004", "migration"),
        ] {
            assert_eq!(migration_name(tag), name, "{tag}");
        }
    }
}
