//! The example projects work as the README says: the quickstart on SQLite,
//! the guide on PostgreSQL; their committed migrations match their schemas.

mod support;

use std::path::Path;

use predicates::prelude::*;
use support::TestDb;
use support::cli::db_migrate;

fn copy_project(name: &str) -> tempfile::TempDir {
    let to = tempfile::tempdir().expect("tempdir");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
        to.path(),
    );
    to
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".db") || name == "applied" {
            continue;
        }
        if entry.path().is_dir() {
            copy(&entry.path(), &to.join(&*name));
        } else {
            std::fs::copy(entry.path(), to.join(&*name)).unwrap();
        }
    }
}

#[test]
fn quickstart_applies_and_is_clean() {
    let p = copy_project("quickstart");
    let dir = p.path();
    db_migrate(dir, None)
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("pending"));
    db_migrate(dir, None).arg("apply").assert().success();
    db_migrate(dir, None).arg("status").assert().success();
    db_migrate(dir, None).arg("check").assert().success();
    db_migrate(dir, None)
        .args(["generate", "nothing"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No schema changes"));
}

#[test]
fn guide_applies_and_is_clean() {
    let db = TestDb::new();
    let p = copy_project("guide");
    let dir = p.path();
    db_migrate(dir, Some(&db.url))
        .arg("apply")
        .assert()
        .success();
    db_migrate(dir, Some(&db.url))
        .arg("check")
        .assert()
        .success();
    db_migrate(dir, Some(&db.url))
        .arg("lint")
        .assert()
        .success();
    let n: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'last_login_at'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}
