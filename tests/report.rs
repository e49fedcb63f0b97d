//! `report --format markdown` for a pull request: the migrations a branch
//! adds (found with git against the base), their lint findings of every
//! severity, and check's findings; the same bytes on every run.

mod support;

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;

const SCHEMA: &str = r#"
import { pgTable, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
});
"#;

fn cli(dir: &Path) -> Command {
    support::cli::db_migrate(dir, None)
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Process::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn migration(dir: &Path, id: &str, sql: &str) {
    let d = dir.join("migrations").join(id);
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join("migration.sql"), sql).expect("write");
}

#[test]
fn a_pull_request_report() {
    let p = tempfile::tempdir().expect("tempdir");
    let dir = p.path();
    std::fs::create_dir_all(dir.join("shared")).expect("mkdir");
    std::fs::write(dir.join("shared/schema.ts"), SCHEMA).expect("schema");
    migration(
        dir,
        "20250101000001_init",
        "CREATE TABLE \"users\" (\n\t\"id\" integer PRIMARY KEY NOT NULL,\n\t\"email\" text NOT NULL,\n\t\"legacy\" text\n);\n",
    );
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "init"]);
    // The branch: a migration with an error, warnings and a note, and a
    // no-transaction one.
    migration(
        dir,
        "20250102000001_risky",
        "ALTER TABLE \"users\" DROP COLUMN \"legacy\";\nALTER TABLE \"users\" ADD COLUMN \"tenant\" integer NOT NULL;\nCREATE INDEX \"users_email_idx\" ON \"users\" (\"email\");\n",
    );
    migration(
        dir,
        "20250102000002_index",
        "-- db-migrate: no-transaction\nCREATE INDEX CONCURRENTLY \"users_tenant_idx\" ON \"users\" (\"tenant\");\n",
    );
    let first = cli(dir)
        .args(["report", "--format", "markdown", "--base", "main"])
        .output()
        .expect("report");
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = cli(dir)
        .args(["report", "--format", "markdown", "--base", "main"])
        .output()
        .expect("report");
    assert_eq!(
        first.stdout, second.stdout,
        "the report is the same on every run"
    );
    let text = String::from_utf8(first.stdout).expect("utf-8");
    assert!(text.starts_with("<!-- db-migrate report -->\n"));
    assert!(
        !text.contains("20250101000001_init"),
        "only the branch's migrations are listed"
    );
    insta::assert_snapshot!(text);

    let bad = cli(dir)
        .args(["report", "--base", "no-such-ref"])
        .output()
        .expect("report");
    assert_eq!(bad.status.code(), Some(2));
}
