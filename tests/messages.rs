//! Messages that must say what is true: drift in words about the database,
//! baseline's differences, and a drizzle-kit folder next to db-migrate's
//! migrations. Real processes on SQLite files.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const SCHEMA: &str = r#"
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
});
"#;

fn project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("shared")).expect("mkdir");
    std::fs::write(dir.path().join("shared/schema.ts"), schema).expect("write schema");
    dir
}

fn cli(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("db-migrate").expect("binary");
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", "sqlite:app.db");
    cmd
}

fn sqlite(dir: &Path, sql: &str) {
    let c = rusqlite::Connection::open(dir.join("app.db")).expect("open");
    c.execute_batch(sql).expect("sql");
}

/// Drift is described from the database's side, naming both types.
#[test]
fn drift_says_how_the_database_differs() {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    sqlite(
        dir.path(),
        "ALTER TABLE users ADD COLUMN nickname text; CREATE INDEX users_email_idx ON users (email);",
    );
    cli(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "column users.nickname exists in the database but no migration created it",
        ))
        .stdout(predicate::str::contains(
            "index users_email_idx on users exists in the database but no migration created it",
        ))
        .stdout(predicate::str::contains("would need").not());
}

/// `baseline` on a database with an extra column names it as the database's,
/// not as something the database would need.
#[test]
fn baseline_names_what_the_database_has() {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    sqlite(
        dir.path(),
        "CREATE TABLE users (id integer PRIMARY KEY NOT NULL, email text NOT NULL, extra text);",
    );
    let id = std::fs::read_dir(dir.path().join("migrations"))
        .expect("migrations")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.ends_with("_init"))
        .expect("the init migration");
    cli(dir.path())
        .args(["baseline", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing was recorded"))
        .stderr(predicate::str::contains(
            "column users.extra exists in the database but no migration created it",
        ))
        .stderr(predicate::str::contains("would need").not());
}

/// drizzle-kit's `out` folder may be db-migrate's migrations folder too: its
/// journal and SQL files are left alone; a drizzle-kit 1.x migration is named.
#[test]
fn a_drizzle_kit_folder_is_not_taken_for_migrations() {
    let dir = project(SCHEMA);
    let kit = dir.path().join("migrations/meta");
    std::fs::create_dir_all(&kit).expect("mkdir");
    std::fs::write(
        kit.join("_journal.json"),
        r#"{"version":"7","dialect":"sqlite","entries":[]}"#,
    )
    .expect("journal");
    std::fs::write(
        dir.path().join("migrations/0000_init.sql"),
        "CREATE TABLE `x` (`id` integer);",
    )
    .expect("kit sql");
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path())
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 applied"));

    let v1 = dir
        .path()
        .join("migrations/20240101000000_from_drizzle_kit");
    std::fs::create_dir_all(&v1).expect("mkdir");
    std::fs::write(v1.join("migration.sql"), "CREATE TABLE y (id integer);").expect("sql");
    std::fs::write(v1.join("snapshot.json"), "{}").expect("snapshot");
    cli(dir.path())
        .arg("status")
        .assert()
        .failure()
        .stderr(predicate::str::contains("20240101000000_from_drizzle_kit"))
        .stderr(predicate::str::contains(
            "kit migration, not a db-migrate one",
        ));
}
