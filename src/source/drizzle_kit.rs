//! A drizzle-kit migrations folder (0.x layout) read as it is on disk:
//! `meta/_journal.json` lists the migrations in order (`idx`, `when` in
//! milliseconds, `tag`), each `<tag>.sql` holds one's SQL and
//! `meta/<prefix>_snapshot.json` the schema after it, where the prefix is
//! the tag up to its first `_`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::node::snapshot::from_snapshot;
use crate::schema::Schema;

/// One migration of the folder.
#[derive(Debug, Clone)]
pub struct KitMigration {
    /// The journal tag, e.g. `0000_cheerful_black_bird`.
    pub tag: String,
    /// The journal `when`: milliseconds since the epoch.
    pub when: i64,
    /// The SQL file's text, unchanged.
    pub sql: String,
    /// The schema after it; `None` when the folder has no snapshot for it
    /// (a migration added to the journal by hand).
    pub snapshot: Option<Schema>,
}

/// Why the folder cannot be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KitFolderError {
    /// No journal.
    #[error("{} is not a drizzle-kit migrations folder: it has no meta/_journal.json", .0.display())]
    #[diagnostic(help(
        "pass the folder drizzle-kit writes to (`out` in drizzle.config, default drizzle/) with --from <dir>"
    ))]
    NoJournal(PathBuf),
    /// The 1.x layout.
    #[error("{} uses drizzle-kit 1.x's layout (<id>_<name>/snapshot.json), which import does not read yet", .0.display())]
    #[diagnostic(help(
        "import reads drizzle-kit 0.x folders (meta/_journal.json); adopt a 1.x project with `db-migrate generate init` and `db-migrate baseline`"
    ))]
    NewLayout(PathBuf),
    /// A snapshot in a format import does not read.
    #[error("{}: {message}", path.display())]
    #[diagnostic(help(
        "import reads the snapshots of drizzle-kit 0.31 (PostgreSQL version 7, SQLite version 6); upgrade older ones with `drizzle-kit up` first"
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

/// Reads the folder's migrations in journal order.
pub fn read(dir: &Path) -> Result<Vec<KitMigration>, KitFolderError> {
    let journal_path = dir.join("meta/_journal.json");
    if !journal_path.is_file() {
        let new_layout = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.path().join("snapshot.json").is_file())
            })
            .unwrap_or(false);
        return Err(if new_layout {
            KitFolderError::NewLayout(dir.to_path_buf())
        } else {
            KitFolderError::NoJournal(dir.to_path_buf())
        });
    }
    let journal: Journal =
        serde_json::from_str(&read_text(&journal_path)?).map_err(|e| KitFolderError::Bad {
            path: journal_path.clone(),
            message: e.to_string(),
        })?;
    journal
        .entries
        .into_iter()
        .map(|entry| {
            let sql = read_text(&dir.join(format!("{}.sql", entry.tag)))?;
            let prefix = entry.tag.split('_').next().unwrap_or_default();
            let snapshot_path = dir.join("meta").join(format!("{prefix}_snapshot.json"));
            let snapshot = if snapshot_path.is_file() {
                let snapshot = from_snapshot(&read_text(&snapshot_path)?).map_err(|e| {
                    KitFolderError::Snapshot {
                        path: snapshot_path.clone(),
                        message: e.to_string(),
                    }
                })?;
                Some(snapshot)
            } else {
                None
            };
            Ok(KitMigration {
                tag: entry.tag,
                when: entry.when,
                sql,
                snapshot,
            })
        })
        .collect()
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
    use super::migration_name;

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
