//! Running the `db-migrate` binary in a project folder.

use std::path::Path;

use assert_cmd::Command;

/// `db-migrate` in `dir`, without colour, with `DATABASE_URL` set to `url` or unset.
pub fn db_migrate(dir: &Path, url: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("db-migrate").expect("the db-migrate binary");
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    if let Some(url) = url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

/// The migration directories of `dir/migrations`, in id order.
pub fn migration_dirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("migrations"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n != "applied")
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
