//! `generate` on PostgreSQL through the command line: migrations split where a
//! transaction cannot hold them, applied and checked; renames decided by
//! flags, and refused without them when there is no terminal.

mod support;

use std::path::Path;

use predicates::prelude::*;
use support::TestDb;
use support::cli::{db_migrate as cli, migration_dirs};

fn write_schema(dir: &Path, schema: &str) {
    std::fs::create_dir_all(dir.join("shared")).expect("mkdir");
    let imports = r#"import { sql } from "drizzle-orm";
import { pgTable, pgEnum, pgSchema, integer, text, index } from "drizzle-orm/pg-core";
"#;
    std::fs::write(dir.join("shared/schema.ts"), format!("{imports}{schema}")).expect("write");
}

fn meta(dir: &Path, id: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("migrations").join(id).join("meta.json"))
        .expect("meta.json");
    serde_json::from_str(&text).expect("json")
}

fn sql(dir: &Path, id: &str) -> String {
    std::fs::read_to_string(dir.join("migrations").join(id).join("migration.sql"))
        .expect("migration.sql")
}

const V1: &str = r#"
export const color = pgEnum("color", ["red", "green"]);
export const items = pgTable("items", { id: integer().primaryKey(), color: color().default("red"), note: text() });
"#;

const V2: &str = r#"
export const color = pgEnum("color", ["red", "green", "purple"]);
export const items = pgTable("items", {
  id: integer().primaryKey(), color: color().default("purple"), note: text(),
}, (t) => [index("items_note_idx").on(t.note).concurrently()]);
"#;

#[test]
fn a_new_enum_label_used_at_once_and_a_concurrent_index_split_the_migration() {
    let db = TestDb::new();
    let project = tempfile::tempdir().expect("tempdir");
    let dir = project.path();
    write_schema(dir, V1);
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    let mut client = db.client();
    client
        .batch_execute("INSERT INTO items (id, note) VALUES (1, 'a'), (2, 'b')")
        .expect("rows");

    write_schema(dir, V2);
    cli(dir, None)
        .args(["generate", "purple"])
        .assert()
        .success()
        .stdout(predicate::str::contains("split into 3 migrations"));
    let ids = migration_dirs(dir);
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(ids[1].ends_with("_purple"), "{ids:?}");
    assert!(ids[2].ends_with("_purple_2"), "{ids:?}");
    assert!(ids[3].ends_with("_purple_3"), "{ids:?}");
    assert!(ids[1] < ids[2] && ids[2] < ids[3]);

    // Part 1 adds the label; its snapshot has the label but not the new default.
    assert!(sql(dir, &ids[1]).contains("ADD VALUE 'purple'"));
    let first = meta(dir, &ids[1]);
    assert_eq!(first["transaction"], true);
    let snapshot = first["snapshot"].to_string();
    assert!(
        snapshot.contains("purple") && !snapshot.contains("'purple'"),
        "{snapshot}"
    );
    // Part 2 uses it.
    assert!(sql(dir, &ids[2]).contains("SET DEFAULT 'purple'"));
    assert_eq!(meta(dir, &ids[2])["parent"], ids[1].as_str());
    // Part 3 builds the index outside a transaction.
    let third = sql(dir, &ids[3]);
    assert!(
        third.starts_with("-- db-migrate: no-transaction\n"),
        "{third}"
    );
    assert!(third.contains("CREATE INDEX CONCURRENTLY"), "{third}");
    assert_eq!(meta(dir, &ids[3])["transaction"], false);

    cli(dir, Some(&db.url)).arg("apply").assert().success();
    cli(dir, Some(&db.url)).arg("check").assert().success();
    cli(dir, Some(&db.url))
        .args(["diff", "--from", "db", "--to", "schema"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no differences"));
    let rows: i64 = client
        .query_one("SELECT count(*) FROM items", &[])
        .expect("count")
        .get(0);
    assert_eq!(rows, 2);
    // Nothing left to generate.
    cli(dir, None)
        .args(["generate", "again"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No schema changes"));
}

#[test]
fn renames_are_decided_by_flags_and_never_guessed_without_a_terminal() {
    let db = TestDb::new();
    let project = tempfile::tempdir().expect("tempdir");
    let dir = project.path();
    write_schema(
        dir,
        r#"
export const app = pgSchema("app");
export const status = app.enum("status", ["active", "off"]);
export const people = app.table("people", { id: integer().primaryKey(), fullName: text("full_name"), status: status() });
"#,
    );
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    let mut client = db.client();
    client
        .batch_execute("INSERT INTO app.people VALUES (1, 'Ada', 'active')")
        .expect("rows");

    write_schema(
        dir,
        r#"
export const core = pgSchema("core");
export const state = core.enum("state", ["enabled", "off"]);
export const persons = core.table("persons", { id: integer().primaryKey(), displayName: text("display_name"), status: state() });
"#,
    );
    // No terminal: exit 1, nothing written, the flag to pass is printed.
    let before = migration_dirs(dir);
    cli(dir, None)
        .args(["generate", "rename_all"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--rename app=core"))
        .stderr(predicate::str::contains("--create core"));
    assert_eq!(migration_dirs(dir), before);
    // Each stage asks about what it can pair once the stage before is decided.
    cli(dir, None)
        .args(["generate", "rename_all", "--rename", "app=core"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--rename core.people=core.persons",
        ));
    cli(dir, None)
        .args([
            "generate",
            "rename_all",
            "--rename",
            "app=core",
            "--rename",
            "core.people=core.persons",
            "--rename",
            "core.status=core.state",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--rename core.persons.full_name=core.persons.display_name",
        ));
    cli(dir, None)
        .args([
            "generate",
            "rename_all",
            "--rename",
            "app=core",
            "--rename",
            "core.people=core.persons",
            "--rename",
            "core.status=core.state",
            "--rename",
            "core.persons.full_name=core.persons.display_name",
            "--rename",
            "core.state.active=core.state.enabled",
        ])
        .assert()
        .success();
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    cli(dir, Some(&db.url)).arg("check").assert().success();
    let row = client
        .query_one(
            "SELECT display_name, status::text FROM core.persons WHERE id = 1",
            &[],
        )
        .expect("row");
    assert_eq!(row.get::<_, String>(0), "Ada");
    assert_eq!(row.get::<_, String>(1), "enabled");
}
