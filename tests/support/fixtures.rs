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
