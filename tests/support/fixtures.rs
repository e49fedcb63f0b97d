//! The Drizzle fixture projects in `tests/fixtures/drizzle/`.

use std::path::{Path, PathBuf};

/// `tests/fixtures/drizzle`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drizzle")
}

/// The extensions a fixture's `expected.note` says its SQL needs
/// (`extensions: a, b`).
pub fn extensions(fixture: &Path) -> Vec<String> {
    std::fs::read_to_string(fixture.join("expected.note"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("extensions:"))
        .flat_map(|l| l.split(',').map(|e| e.trim().to_string()))
        .filter(|e| !e.is_empty())
        .collect()
}

/// The dialect a fixture's drizzle config declares (PostgreSQL unless it
/// names `sqlite` or `mysql`).
pub fn dialect(fixture: &Path) -> db_migrate::schema::Dialect {
    let config = std::fs::read_dir(fixture)
        .expect("fixture")
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("drizzle.config")
        })
        .and_then(|e| std::fs::read_to_string(e.path()).ok())
        .unwrap_or_default();
    if config.contains("sqlite") {
        db_migrate::schema::Dialect::Sqlite
    } else if config.contains("mysql") {
        db_migrate::schema::Dialect::Mysql
    } else {
        db_migrate::schema::Dialect::Postgres
    }
}

/// The statements of drizzle-kit's `expected.sql` that the fixture's
/// `expected.note` says MariaDB refuses (`mariadb: statement <n> fails: ...`), 1-based.
pub fn mariadb_refuses(fixture: &Path) -> Vec<usize> {
    std::fs::read_to_string(fixture.join("expected.note"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("mariadb: statement "))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

/// Copies the folder `from` (recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}
