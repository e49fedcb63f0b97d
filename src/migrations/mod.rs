//! The `migrations/` folder: one directory per migration, named
//! `<UTC YYYYMMDDHHMMSS>_<name>`, holding `migration.sql`, (when generated)
//! `meta.json`, and (generated, or written by hand) `down.sql`, which undoes
//! it; plus `applied/<id>.json`, the journal of where each was applied.

mod handwritten;
mod journal;
mod meta;

pub use handwritten::{Created, undeclared};

pub use journal::AppliedRecord;
pub use meta::{DrizzleKitOrigin, META_FILE, Meta, Warning};

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::schema::{Dialect, Schema};

/// The SQL file of a migration.
pub const SQL_FILE: &str = "migration.sql";
/// The SQL file that undoes a migration.
pub const DOWN_FILE: &str = "down.sql";
/// The marker of a step in down.sql that cannot give data back:
/// `-- db-migrate: irreversible <why>`.
pub const IRREVERSIBLE_MARKER: &str = "-- db-migrate: irreversible";
/// The folder of applied-migration records.
pub const APPLIED_DIR: &str = "applied";
/// The directive that runs a migration outside a transaction.
pub const NO_TRANSACTION_DIRECTIVE: &str = "-- db-migrate: no-transaction";
/// The version of the checksum algorithm, recorded with every checksum.
pub const CHECKSUM_VERSION: u32 = 1;

/// A problem with the migrations folder.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MigrationsError {
    /// Reading a file or directory failed.
    #[error("could not read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A directory whose name is not a migration id.
    #[error("{path} is not a migration directory name")]
    #[diagnostic(help(
        "migration directories are named <YYYYMMDDHHMMSS>_<name> with a name of lowercase letters, digits and _ (e.g. 20250521213000_add_last_login_timestamp); move other files out of the migrations folder"
    ))]
    BadName {
        /// The path.
        path: PathBuf,
    },
    /// A migration written by drizzle-kit 1.x (`snapshot.json`, no `meta.json`).
    #[error("{path} is a drizzle-kit migration, not a db-migrate one")]
    #[diagnostic(help(
        "drizzle-kit 1.x writes <id>_<name>/migration.sql with a snapshot.json; keep db-migrate's migrations in another folder (`migrations = \"db/migrations\"` in db-migrate.toml, or --migrations <dir>)"
    ))]
    DrizzleKitMigration {
        /// The directory.
        path: PathBuf,
    },
    /// A migration directory without migration.sql.
    #[error("{path} has no migration.sql")]
    #[diagnostic(help(
        "every migration directory needs a migration.sql (it may be empty); `db-migrate generate --empty <name>` makes one"
    ))]
    MissingSql {
        /// The directory.
        path: PathBuf,
    },
    /// meta.json does not parse.
    #[error("{path} is not a valid meta.json: {message}")]
    #[diagnostic(help(
        "meta.json is written by `db-migrate generate`; restore it from version control (`git checkout -- <file>`). Do not delete it: without its snapshot the next `generate` would write this migration's changes again"
    ))]
    BadMeta {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Writing failed.
    #[error("could not write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The snapshot of a loaded migration, read from its meta.json the first
/// time it is asked for: a folder's history holds a whole schema per
/// migration, and commands need the newest one or two.
#[derive(Debug, Clone, Default)]
pub struct LazySnapshot {
    /// meta.json, when it has a snapshot.
    path: Option<PathBuf>,
    schema: std::sync::OnceLock<Option<Schema>>,
}

impl LazySnapshot {
    /// A snapshot to read from `path` (a meta.json that has one) when asked.
    pub fn at(path: PathBuf) -> LazySnapshot {
        LazySnapshot {
            path: Some(path),
            schema: std::sync::OnceLock::new(),
        }
    }

    /// True when meta.json has a snapshot.
    pub fn exists(&self) -> bool {
        self.path.is_some()
    }

    /// The snapshot; `None` without one. A snapshot that no longer reads
    /// (meta.json changed or broke since the folder was loaded) is reported
    /// on stderr and taken as absent: the migration counts as hand-written.
    pub fn get(&self) -> Option<&Schema> {
        let path = self.path.as_ref()?;
        self.schema
            .get_or_init(|| {
                let read = std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| Meta::from_json(&text).map_err(|e| e.to_string()));
                match read {
                    Ok(meta) => meta.snapshot,
                    Err(e) => {
                        eprintln!(
                            "warning: the snapshot in {} does not read ({e}); the migration is taken as hand-written",
                            path.display()
                        );
                        None
                    }
                }
            })
            .as_ref()
    }
}

/// One migration on disk.
#[derive(Debug, Clone)]
pub struct Migration {
    /// `<timestamp>_<name>`, also the directory name.
    pub id: String,
    /// The directory.
    pub dir: PathBuf,
    /// The text of migration.sql.
    pub sql: String,
    /// Checksum of migration.sql (see [`checksum`]).
    pub checksum: String,
    /// meta.json, absent for hand-written migrations; its `snapshot` is
    /// left out when loaded from a folder (see [`Migration::snapshot`]).
    pub meta: Option<Meta>,
    /// The text of down.sql, when there is one.
    pub down: Option<String>,
    /// The snapshot of meta.json, read when first asked for.
    pub lazy_snapshot: LazySnapshot,
    /// It runs where every DDL statement commits by itself (MySQL): never in
    /// one transaction, whatever it says (see [`MigrationSet::run_on`]).
    pub autocommit_ddl: bool,
}

impl Migration {
    /// The declared schema after this migration (meta.json's snapshot);
    /// `None` for a hand-written migration.
    pub fn snapshot(&self) -> Option<&Schema> {
        self.lazy_snapshot.get()
    }

    /// True when meta.json has a snapshot (the migration was generated).
    pub fn has_snapshot(&self) -> bool {
        self.lazy_snapshot.exists()
    }

    /// The name part of the id.
    pub fn name(&self) -> &str {
        self.id.split_once('_').map_or("", |(_, n)| n)
    }

    /// False when migration.sql opts out of a transaction (or meta.json says so).
    pub fn transactional(&self) -> bool {
        !self.autocommit_ddl
            && !opts_out_of_transaction(&self.sql)
            && self.meta.as_ref().is_none_or(|m| m.transaction)
    }

    /// Path of migration.sql.
    pub fn sql_path(&self) -> PathBuf {
        self.dir.join(SQL_FILE)
    }

    /// Path of down.sql.
    pub fn down_path(&self) -> PathBuf {
        self.dir.join(DOWN_FILE)
    }

    /// Why down.sql cannot give everything back: the text after each
    /// [`IRREVERSIBLE_MARKER`] line.
    pub fn irreversible(&self) -> Vec<&str> {
        self.down
            .iter()
            .flat_map(|d| d.lines())
            .filter_map(|l| l.trim().strip_prefix(IRREVERSIBLE_MARKER))
            .map(str::trim)
            .collect()
    }
}

/// A migration that does not follow the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    /// The migration.
    pub migration: String,
    /// The parent it was generated on (`None`: it was the first).
    pub parent: Option<String>,
    /// The migration before it in id order, which it should follow.
    pub previous: Option<String>,
}

impl std::fmt::Display for Fork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.parent, &self.previous) {
            (Some(parent), Some(previous)) => write!(
                f,
                "{} was generated on {parent}, but {previous} comes before it (two branches each generated a migration)",
                self.migration
            ),
            (None, Some(previous)) => write!(
                f,
                "{} was generated as the first migration, but {previous} comes before it",
                self.migration
            ),
            (Some(parent), None) => write!(
                f,
                "{} follows {parent}, which is not in the folder",
                self.migration
            ),
            (None, None) => write!(f, "{}", self.migration),
        }
    }
}

/// All migrations of a folder, in id order.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    /// The migrations folder.
    pub dir: PathBuf,
    /// Migrations sorted by id.
    pub migrations: Vec<Migration>,
}

impl MigrationSet {
    /// Marks every migration as running on `dialect`: on MySQL, where DDL
    /// commits by itself, each runs statement by statement with its progress
    /// recorded after each statement, so a failed or killed run resumes at
    /// the statement that did not finish.
    pub fn run_on(mut self, dialect: crate::schema::Dialect) -> MigrationSet {
        let autocommit = dialect == crate::schema::Dialect::Mysql;
        for m in &mut self.migrations {
            m.autocommit_ddl = autocommit;
        }
        self
    }

    /// Loads a migrations folder; a missing folder is an empty set.
    pub fn load(dir: &Path) -> Result<MigrationSet, MigrationsError> {
        let mut migrations = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(MigrationSet {
                    dir: dir.to_path_buf(),
                    migrations,
                });
            }
            Err(source) => {
                return Err(MigrationsError::Io {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        };
        for entry in entries {
            let entry = entry.map_err(|source| MigrationsError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().to_string();
            if name == APPLIED_DIR || name.starts_with('.') {
                continue;
            }
            // drizzle-kit 0.x keeps `meta/_journal.json` (and `NNNN_tag.sql` files,
            // which are not directories) in its `out` folder: not db-migrate's.
            if name == "meta" && path.join("_journal.json").is_file() {
                continue;
            }
            if !is_id(&name) {
                return Err(MigrationsError::BadName { path });
            }
            if path.join("snapshot.json").is_file() && !path.join(META_FILE).is_file() {
                return Err(MigrationsError::DrizzleKitMigration { path });
            }
            migrations.push(load_one(&path, name)?);
        }
        migrations.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(MigrationSet {
            dir: dir.to_path_buf(),
            migrations,
        })
    }

    /// The migration with this id.
    pub fn get(&self, id: &str) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.id == id)
    }

    /// The newest migration.
    pub fn last(&self) -> Option<&Migration> {
        self.migrations.last()
    }

    /// The schema after every migration (see [`MigrationSet::snapshot_after`]).
    pub fn latest_snapshot(&self, dialect: Option<Dialect>) -> Option<Schema> {
        self.schema_after(self.migrations.len(), dialect)
    }

    /// The schema right after migration `id`: the newest snapshot up to it,
    /// with the DDL of the hand-written migrations after that snapshot
    /// applied in order (tables they create, columns they alter, indexes they
    /// drop...), so that what they did is neither drift nor generated again.
    /// Without any snapshot, starts from an empty `dialect` schema (`None`
    /// when the dialect is not known either).
    pub fn snapshot_after(&self, id: &str, dialect: Option<Dialect>) -> Option<Schema> {
        let end = self.migrations.iter().position(|m| m.id == id)? + 1;
        self.schema_after(end, dialect)
    }

    /// The schema after the first `end` migrations.
    fn schema_after(&self, end: usize, dialect: Option<Dialect>) -> Option<Schema> {
        let head = &self.migrations[..end.min(self.migrations.len())];
        let (mut schema, rest) = match head.iter().rposition(|m| m.snapshot().is_some()) {
            Some(i) => (head[i].snapshot()?.clone(), &head[i + 1..]),
            None => (Schema::empty(dialect?), head),
        };
        for m in rest {
            schema = handwritten::apply(&schema, &m.sql);
        }
        Some(schema)
    }

    /// The newest snapshot among the first `end` migrations (or an empty
    /// schema), and each hand-written migration after it as (id, schema
    /// before, schema after).
    #[allow(clippy::type_complexity)]
    fn handwritten_steps(
        &self,
        end: usize,
        dialect: Option<Dialect>,
    ) -> Option<(Schema, Vec<(String, Schema, Schema)>)> {
        let head = &self.migrations[..end.min(self.migrations.len())];
        let (base, rest) = match head.iter().rposition(|m| m.snapshot().is_some()) {
            Some(i) => (head[i].snapshot()?.clone(), &head[i + 1..]),
            None => (Schema::empty(dialect?), head),
        };
        let mut steps: Vec<(String, Schema, Schema)> = Vec::new();
        for m in rest.iter().filter(|m| m.snapshot().is_none()) {
            let before = steps
                .last()
                .map_or_else(|| base.clone(), |(_, _, after)| after.clone());
            let after = handwritten::apply(&before, &m.sql);
            steps.push((m.id.clone(), before, after));
        }
        Some((base, steps))
    }

    /// The objects the hand-written migrations after the newest snapshot
    /// created (see [`handwritten::created`]).
    pub fn handwritten_objects(&self, dialect: Option<Dialect>) -> Vec<Created> {
        self.handwritten_steps(self.migrations.len(), dialect)
            .map(|(_, steps)| handwritten::created(&steps))
            .unwrap_or_default()
    }

    /// The parent of each migration: its meta.json's `parent`, or for a
    /// hand-written migration the migration before it.
    pub fn parent_of(&self, index: usize) -> Option<&str> {
        let m = self.migrations.get(index)?;
        match &m.meta {
            Some(meta) => meta.parent.as_deref(),
            None if index > 0 => Some(self.migrations[index - 1].id.as_str()),
            None => None,
        }
    }

    /// Branches that were merged: migrations whose parent is not the
    /// migration before them, as (the migration before it, the migration).
    /// Two branches that each generated a migration from the same parent
    /// show up here, and so does a migration whose parent is missing.
    pub fn forks(&self) -> Vec<Fork> {
        let mut out = Vec::new();
        for (i, m) in self.migrations.iter().enumerate() {
            let expected = if i == 0 {
                None
            } else {
                Some(self.migrations[i - 1].id.as_str())
            };
            let parent = self.parent_of(i);
            if parent != expected {
                out.push(Fork {
                    migration: m.id.clone(),
                    parent: parent.map(str::to_string),
                    previous: expected.map(str::to_string),
                });
            }
        }
        out
    }

    /// A new id for `name`: the current UTC second, or one second after the
    /// newest existing id when that is not later.
    pub fn next_id(&self, name: &str, now: jiff::Timestamp) -> String {
        next_id_after(self.last().map(|m| m.id.as_str()), name, now)
    }

    /// Writes a new migration directory.
    pub fn write<S: serde::Serialize>(
        &self,
        id: &str,
        sql: &str,
        meta: Option<&Meta<S>>,
    ) -> Result<PathBuf, MigrationsError> {
        let dir = self.dir.join(id);
        std::fs::create_dir_all(&dir).map_err(|source| MigrationsError::Write {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(SQL_FILE);
        std::fs::write(&path, sql).map_err(|source| MigrationsError::Write { path, source })?;
        if let Some(meta) = meta {
            // Streamed: a large snapshot is never held as one string.
            let path = dir.join(META_FILE);
            std::fs::File::create(&path)
                .and_then(|file| meta.write_json(std::io::BufWriter::new(file)))
                .map_err(|source| MigrationsError::Write { path, source })?;
        }
        Ok(dir)
    }

    /// Writes the down.sql of migration `id`.
    pub fn write_down(&self, id: &str, sql: &str) -> Result<PathBuf, MigrationsError> {
        let path = self.dir.join(id).join(DOWN_FILE);
        std::fs::write(&path, sql).map_err(|source| MigrationsError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Removes the record of where migration `id` was applied (it was undone).
    pub fn remove_applied(&self, id: &str) -> Result<(), MigrationsError> {
        journal::remove(&self.dir, id)
    }

    /// Records where and when a migration was applied (`applied/<id>.json`).
    pub fn write_applied(&self, record: &AppliedRecord) -> Result<PathBuf, MigrationsError> {
        journal::write(&self.dir, record)
    }
}

/// True when a script's leading comments hold [`NO_TRANSACTION_DIRECTIVE`].
pub fn opts_out_of_transaction(sql: &str) -> bool {
    sql.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("--"))
        .any(|l| l.eq_ignore_ascii_case(NO_TRANSACTION_DIRECTIVE))
}

/// A new id for `name` following the migration `last`: the current UTC
/// second, or one second after `last` when that is not later.
pub fn next_id_after(last: Option<&str>, name: &str, now: jiff::Timestamp) -> String {
    let mut stamp = now.strftime("%Y%m%d%H%M%S").to_string();
    if let Some(last_stamp) = last.and_then(|id| id.get(..14))
        && stamp.as_str() <= last_stamp
    {
        stamp = next_second(last_stamp).unwrap_or_else(|| last_stamp.to_string());
    }
    format!("{stamp}_{name}")
}

fn next_second(stamp: &str) -> Option<String> {
    let dt = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", stamp).ok()?;
    let next = dt.checked_add(jiff::SignedDuration::from_secs(1)).ok()?;
    Some(next.strftime("%Y%m%d%H%M%S").to_string())
}

fn load_one(dir: &Path, id: String) -> Result<Migration, MigrationsError> {
    let sql_path = dir.join(SQL_FILE);
    let sql = match std::fs::read_to_string(&sql_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MigrationsError::MissingSql {
                path: dir.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(MigrationsError::Io {
                path: sql_path,
                source,
            });
        }
    };
    let meta_path = dir.join(META_FILE);
    let mut lazy_snapshot = LazySnapshot::default();
    let meta = match meta::read_head(&meta_path) {
        Ok(Ok((meta, has_snapshot))) => {
            if has_snapshot {
                lazy_snapshot = LazySnapshot::at(meta_path.clone());
            }
            Some(meta)
        }
        Ok(Err(e)) => {
            return Err(MigrationsError::BadMeta {
                path: meta_path.clone(),
                message: e.to_string(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(MigrationsError::Io {
                path: meta_path,
                source,
            });
        }
    };
    let down_path = dir.join(DOWN_FILE);
    let down = match std::fs::read_to_string(&down_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(MigrationsError::Io {
                path: down_path,
                source,
            });
        }
    };
    Ok(Migration {
        checksum: checksum(&sql),
        id,
        dir: dir.to_path_buf(),
        sql,
        meta,
        down,
        lazy_snapshot,
        autocommit_ddl: false,
    })
}

/// True for `<14 digits>_<name>` with a valid name.
pub fn is_id(s: &str) -> bool {
    let Some((stamp, name)) = s.split_once('_') else {
        return false;
    };
    stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()) && validate_name(name).is_ok()
}

/// Checks a migration name: `[a-z0-9_]+`. The error says what is wrong.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the migration name is empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(format!("the migration name {name:?} contains {bad:?}"));
    }
    Ok(())
}

/// A suggestion for a rejected name: lower case, other characters as `_`.
pub fn suggest_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// SHA-256 (hex) of migration.sql with line endings and trailing whitespace
/// normalised, so a Windows checkout or an editor's trailing spaces do not
/// change it (algorithm version [`CHECKSUM_VERSION`]).
pub fn checksum(sql: &str) -> String {
    let mut normalized = String::with_capacity(sql.len());
    for line in sql.lines() {
        normalized.push_str(line.trim_end());
        normalized.push('\n');
    }
    sha256_hex(normalized.trim_end_matches('\n'))
}

/// SHA-256 of `text`'s bytes, as lowercase hex (drizzle-kit's migration hash).
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// meta.json of a generated migration, for tests.
    fn meta(id: &str, parent: Option<&str>, snapshot: Option<Schema>) -> Meta {
        Meta {
            id: id.into(),
            name: id[15..].into(),
            created_at: String::new(),
            dialect: crate::schema::Dialect::Postgres,
            down_checksum: None,
            drizzle_kit: None,
            parent: parent.map(str::to_string),
            checksum: String::new(),
            tool_version: String::new(),
            transaction: true,
            warnings: vec![],
            snapshot,
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_name("add_last_login_timestamp").is_ok());
        assert!(validate_name("Add-Login").is_err());
        assert!(validate_name("").is_err());
        assert_eq!(suggest_name("Add-Login Time!"), "add_login_time");
        assert!(is_id("20250521213000_add_last_login_timestamp"));
        assert!(!is_id("2025052121300_x"));
        assert!(!is_id("20250521213000_X"));
    }

    #[test]
    fn checksum_ignores_line_endings_and_trailing_space() {
        let a = checksum("CREATE TABLE a (id int);\nSELECT 1;\n");
        assert_eq!(
            a,
            checksum("CREATE TABLE a (id int);  \r\nSELECT 1;\r\n\r\n")
        );
        assert_ne!(a, checksum("CREATE TABLE a (id bigint);\nSELECT 1;\n"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn ids_always_increase() {
        let dir = tempfile::tempdir().unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        let now: jiff::Timestamp = "2025-05-21T21:30:00Z".parse().unwrap();
        let first = set.next_id("a", now);
        assert_eq!(first, "20250521213000_a");
        set.write(&first, "SELECT 1;\n", None::<&Meta>).unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        assert_eq!(set.next_id("b", now), "20250521213001_b");
        let earlier: jiff::Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(set.next_id("c", earlier), "20250521213001_c");
        let later: jiff::Timestamp = "2025-06-01T00:00:00Z".parse().unwrap();
        assert_eq!(set.next_id("d", later), "20250601000000_d");
    }

    #[test]
    fn snapshots_are_read_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        let schema = |table: &str| {
            let mut s = Schema::empty(crate::schema::Dialect::Postgres);
            s.tables.push(crate::schema::Table::new("public", table));
            s
        };
        for (id, table) in [("20250101000000_a", "a"), ("20250102000000_b", "b")] {
            set.write(id, "", Some(&meta(id, None, Some(schema(table)))))
                .unwrap();
        }
        set.write(
            "20250103000000_c",
            "",
            Some(&meta("20250103000000_c", None, None)),
        )
        .unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        assert!(set.migrations[0].has_snapshot() && set.migrations[1].has_snapshot());
        assert!(!set.migrations[2].has_snapshot());
        // Loading leaves the snapshots unread; each is read once, when asked for.
        assert!(
            set.migrations
                .iter()
                .all(|m| m.meta.as_ref().is_some_and(|x| x.snapshot.is_none()))
        );
        assert!(set.migrations[0].lazy_snapshot.schema.get().is_none());
        assert_eq!(set.latest_snapshot(None), Some(schema("b")));
        assert!(
            set.migrations[0].lazy_snapshot.schema.get().is_none(),
            "only the newest is read"
        );
        assert_eq!(
            set.snapshot_after("20250101000000_a", None),
            Some(schema("a"))
        );

        // meta.json that is not JSON is an error when the folder is loaded.
        std::fs::write(dir.path().join("20250102000000_b").join(META_FILE), "{").unwrap();
        assert!(matches!(
            MigrationSet::load(dir.path()),
            Err(MigrationsError::BadMeta { .. })
        ));
        // A snapshot that is JSON but not a schema is reported when read,
        // and the migration is taken as hand-written.
        let broken = meta("20250102000000_b", None, None)
            .to_json()
            .replace("\"snapshot\": null", "\"snapshot\": {\"tables\": 7}");
        assert!(broken.contains("\"tables\": 7"), "{broken}");
        std::fs::write(dir.path().join("20250102000000_b").join(META_FILE), broken).unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        assert!(set.migrations[1].has_snapshot());
        assert_eq!(set.migrations[1].snapshot(), None);
        assert_eq!(set.latest_snapshot(None), Some(schema("a")));
    }

    #[test]
    fn forks_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        set.write(
            "20250101000000_base",
            "",
            Some(&meta("20250101000000_base", None, None)),
        )
        .unwrap();
        set.write(
            "20250102000000_a",
            "",
            Some(&meta("20250102000000_a", Some("20250101000000_base"), None)),
        )
        .unwrap();
        set.write("20250103000000_hand", "", None::<&Meta>).unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        assert!(set.forks().is_empty());
        set.write(
            "20250104000000_b",
            "",
            Some(&meta("20250104000000_b", Some("20250101000000_base"), None)),
        )
        .unwrap();
        let set = MigrationSet::load(dir.path()).unwrap();
        let forks = set.forks();
        assert_eq!(forks.len(), 1);
        assert_eq!(forks[0].migration, "20250104000000_b");
        assert_eq!(forks[0].parent.as_deref(), Some("20250101000000_base"));
        assert_eq!(forks[0].previous.as_deref(), Some("20250103000000_hand"));
        assert!(forks[0].to_string().contains("two branches"));
    }

    #[test]
    fn no_transaction_directive() {
        let m = |sql: &str| Migration {
            id: "20250101000000_x".into(),
            dir: PathBuf::new(),
            sql: sql.into(),
            checksum: String::new(),
            meta: None,
            down: None,
            lazy_snapshot: LazySnapshot::default(),
            autocommit_ddl: false,
        };
        assert!(m("CREATE TABLE a ();").transactional());
        assert!(
            !m("-- db-migrate: no-transaction\nCREATE INDEX CONCURRENTLY i ON a (x);")
                .transactional()
        );
        assert!(m("SELECT 1;\n-- db-migrate: no-transaction\n").transactional());
    }
}
