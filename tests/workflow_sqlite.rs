//! The guide's workflow on SQLite files: generate, apply, status, check, push,
//! and table rebuilds that keep child rows.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const V1: &str = r#"
import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, index } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  email: text("email").notNull().unique(),
  createdAt: integer("created_at", { mode: "timestamp" }).notNull().default(sql`(unixepoch())`),
});
export const notes = sqliteTable("notes", {
  id: integer("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
}, (t) => [index("notes_user_idx").on(t.userId)]);
"#;

/// V1 with `users.email` made nullable and a `name` column: a rebuild of the parent table.
const V2: &str = r#"
import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, index } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  email: text("email").unique(),
  name: text("name").notNull().default("anonymous"),
  createdAt: integer("created_at", { mode: "timestamp" }).notNull().default(sql`(unixepoch())`),
});
export const notes = sqliteTable("notes", {
  id: integer("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
}, (t) => [index("notes_user_idx").on(t.userId)]);
"#;

fn write_schema(dir: &Path, schema: &str) {
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(dir.join("shared/schema.ts"), schema).unwrap();
}

fn cli(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("db-migrate").unwrap();
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", "sqlite:app.db");
    cmd
}

/// A project with `schema`, generated as `init` and applied to `app.db`,
/// which then gets `rows` (SQL).
fn applied(schema: &str, rows: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_schema(dir.path(), schema);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    let c = rusqlite::Connection::open(dir.path().join("app.db")).unwrap();
    c.execute_batch(rows).unwrap();
    dir
}

/// The migration.sql of the migration named `name`.
fn migration_sql(dir: &Path, name: &str) -> String {
    let suffix = format!("_{name}");
    std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(&suffix))
        .map(|e| std::fs::read_to_string(e.path().join("migration.sql")).unwrap())
        .unwrap_or_else(|| panic!("no migration named {name}"))
}

fn query_i64(dir: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(dir.join("app.db")).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn workflow_and_rebuild_keep_child_rows() {
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    write_schema(dir, V1);
    cli(dir).args(["generate", "init"]).assert().success();
    cli(dir).arg("status").assert().code(1);
    cli(dir).arg("apply").assert().success();
    cli(dir).arg("status").assert().success();
    cli(dir).arg("check").assert().success();

    {
        let c = rusqlite::Connection::open(dir.join("app.db")).unwrap();
        c.execute_batch(
            "INSERT INTO users (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com');
             INSERT INTO notes (user_id, body) VALUES (1, 'one'), (1, 'two'), (2, 'three');",
        )
        .unwrap();
    }

    write_schema(dir, V2);
    cli(dir).arg("check").assert().code(1);
    cli(dir)
        .args(["generate", "relax_email"])
        .assert()
        .success();
    let sql = migration_sql(dir, "relax_email");
    assert!(sql.contains("__new_users"), "{sql}");
    cli(dir).arg("apply").assert().success();
    cli(dir).arg("check").assert().success();

    // The rebuild of the parent did not cascade into the child table.
    assert_eq!(query_i64(dir, "SELECT count(*) FROM notes"), 3);
    assert_eq!(
        query_i64(dir, "SELECT count(*) FROM users WHERE name = 'anonymous'"),
        2
    );
    assert_eq!(
        query_i64(dir, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    // The unique index and the child's index survived.
    assert_eq!(
        query_i64(
            dir,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN ('users_email_unique', 'notes_user_idx')"
        ),
        2
    );
}

#[test]
fn failing_migration_rolls_back_on_sqlite() {
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    write_schema(dir, V1);
    cli(dir).args(["generate", "init"]).assert().success();
    cli(dir)
        .args(["generate", "bad", "--empty"])
        .assert()
        .success();
    let bad = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("_bad"))
        .unwrap()
        .path();
    std::fs::write(
        bad.join("migration.sql"),
        "CREATE TABLE t1 (id int);\nINSERT INTO missing VALUES (1);\n",
    )
    .unwrap();
    cli(dir)
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("line 2").and(predicate::str::contains("missing")));
    assert_eq!(
        query_i64(dir, "SELECT count(*) FROM sqlite_schema WHERE name = 't1'"),
        0
    );
    assert_eq!(query_i64(dir, "SELECT count(*) FROM db_migrate_history"), 1);
}

#[test]
fn push_on_sqlite() {
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    write_schema(dir, V2);
    cli(dir).arg("push").assert().success();
    cli(dir)
        .arg("push")
        .assert()
        .success()
        .stdout(predicate::str::contains("already matches"));
    // Dropping users.name from an empty table loses nothing; with a row it
    // is refused, as apply refuses it.
    write_schema(dir, V1);
    cli(dir)
        .args(["push", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("dry run"));
    rusqlite::Connection::open(dir.join("app.db"))
        .unwrap()
        .execute_batch("INSERT INTO users (id, email, name) VALUES (1, 'a@b.c', 'ann')")
        .unwrap();
    cli(dir)
        .arg("push")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("refused").and(predicate::str::contains("[drop-column]")));
    cli(dir).args(["push", "--force"]).assert().success();
    cli(dir)
        .arg("push")
        .assert()
        .success()
        .stdout(predicate::str::contains("already matches"));
}

/// A table whose check qualifies its columns with the table's name is rebuilt
/// (the new table cannot use that name yet) and renamed, with its rows.
#[test]
fn checks_naming_their_table_survive_rebuilds_and_renames() {
    let v1 = r#"
import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, check } from "drizzle-orm/sqlite-core";
export const members = sqliteTable("members", {
  id: integer("id").primaryKey(),
  username: text("username").notNull(),
}, (t) => [check("members_username_len", sql`length(${t.username}) > 2`)]);
"#;
    let dir = applied(v1, "INSERT INTO members VALUES (1, 'alice')");

    // Nullable username: a rebuild.
    write_schema(
        dir.path(),
        &v1.replace(r#"text("username").notNull()"#, r#"text("username")"#),
    );
    cli(dir.path())
        .args(["generate", "nullable"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path()).arg("check").assert().success();

    // Renamed table.
    write_schema(
        dir.path(),
        &v1.replace(r#"text("username").notNull()"#, r#"text("username")"#)
            .replace(r#"sqliteTable("members""#, r#"sqliteTable("people""#),
    );
    cli(dir.path())
        .args(["generate", "rename", "--rename", "members=people"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path()).arg("check").assert().success();
    assert_eq!(query_i64(dir.path(), "SELECT count(*) FROM people"), 1);
    // The check still holds.
    let c = rusqlite::Connection::open(dir.path().join("app.db")).unwrap();
    assert!(
        c.execute_batch("INSERT INTO people VALUES (2, 'x')")
            .is_err()
    );
}

/// Found by the evolution fuzzer: a renamed table that loses a column and an
/// index has them dropped after the rename, by its new name.
#[test]
fn a_renamed_table_loses_a_column_and_an_index() {
    let v1 = r#"
import { sqliteTable, integer, text, index } from "drizzle-orm/sqlite-core";
export const items = sqliteTable("items", {
  id: integer("id").primaryKey(),
  note: text("note"),
  qty: integer("qty"),
}, (t) => [index("items_qty_idx").on(t.qty)]);
"#;
    let dir = applied(v1, "INSERT INTO items VALUES (1, 'a', 2), (2, NULL, 3)");
    write_schema(
        dir.path(),
        r#"
import { sqliteTable, integer } from "drizzle-orm/sqlite-core";
export const goods = sqliteTable("goods", {
  id: integer("id").primaryKey(),
  qty: integer("qty"),
});
"#,
    );
    cli(dir.path())
        .args(["generate", "rename", "--rename", "items=goods"])
        .assert()
        .success();
    cli(dir.path())
        .args(["apply", "--allow-lint-errors"])
        .assert()
        .success();
    cli(dir.path()).arg("check").assert().success();
    assert_eq!(query_i64(dir.path(), "SELECT count(*) FROM goods"), 2);
}

/// A table and a view that reads it.
const TABLE_AND_VIEW: &str = r#"
import { sql } from "drizzle-orm";
import { sqliteTable, sqliteView, integer } from "drizzle-orm/sqlite-core";
export const t1 = sqliteTable("t1", { id: integer("id").primaryKey() });
export const v = sqliteView("v").as(sql`select "id" from "t1"`);
"#;

/// Found by the evolution fuzzer: a column SQLite cannot add in place (a
/// generated one) rebuilds the table, and the view reading it is made again
/// around the rebuild.
#[test]
fn a_view_survives_the_rebuild_for_an_added_generated_column() {
    let v1 = TABLE_AND_VIEW;
    let dir = applied(v1, "INSERT INTO t1 VALUES (1), (2)");
    write_schema(
        dir.path(),
        &v1.replace(
            r#"{ id: integer("id").primaryKey() }"#,
            r#"{ id: integer("id").primaryKey(), twice: integer("twice").generatedAlwaysAs(sql`"id" * 2`, { mode: "stored" }) }"#,
        ),
    );
    cli(dir.path())
        .args(["generate", "twice"])
        .assert()
        .success()
        .stdout(predicate::str::contains("rebuild table t1"));
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path()).arg("check").assert().success();
    assert_eq!(query_i64(dir.path(), "SELECT count(*) FROM v"), 2);
    assert_eq!(query_i64(dir.path(), "SELECT sum(twice) FROM t1"), 6);
}

/// SQLite cannot rename a view: `--rename v=w` (or no flag: nothing is
/// asked) drops it and makes it again under the new name (found by the
/// evolution fuzzer: the rename was written as nothing, and a later drop
/// named a view that was never made).
#[test]
fn a_renamed_view_is_made_again_under_its_new_name() {
    let v1 = TABLE_AND_VIEW;
    for flags in [&["--rename", "v=w"][..], &[]] {
        let dir = applied(v1, "INSERT INTO t1 VALUES (1), (2)");
        write_schema(
            dir.path(),
            &v1.replace(r#"sqliteView("v")"#, r#"sqliteView("w")"#),
        );
        cli(dir.path())
            .args(["generate", "rename_view"])
            .args(flags)
            .assert()
            .success();
        let sql = migration_sql(dir.path(), "rename_view");
        assert!(
            sql.contains(r#"DROP VIEW "v""#) && sql.contains(r#"CREATE VIEW "w""#),
            "{sql}"
        );
        cli(dir.path()).arg("apply").assert().success();
        cli(dir.path()).arg("check").assert().success();
        assert_eq!(query_i64(dir.path(), "SELECT count(*) FROM w"), 2);
    }
}

/// SQLite views are created, compared with the database, and made again
/// around a rebuild of the table they read.
#[test]
fn sqlite_views_are_written_and_survive_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = r#"
import { isNull } from "drizzle-orm";
import { sqliteTable, sqliteView, integer, text } from "drizzle-orm/sqlite-core";
export const members = sqliteTable("members", {
  id: integer("id").primaryKey(),
  username: text("username").notNull(),
  leftAt: integer("left_at"),
});
export const current = sqliteView("current_members").as((qb) =>
  qb.select({ id: members.id, username: members.username }).from(members).where(isNull(members.leftAt)),
);
"#;
    write_schema(dir.path(), v1);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path()).arg("check").assert().success();
    let c = rusqlite::Connection::open(dir.path().join("app.db")).unwrap();
    c.execute_batch("INSERT INTO members VALUES (1, 'ann', NULL), (2, 'bob', 5)")
        .unwrap();
    drop(c);
    assert_eq!(
        query_i64(dir.path(), "SELECT count(*) FROM current_members"),
        1
    );

    // A nullable username rebuilds the table under the view.
    write_schema(
        dir.path(),
        &v1.replace(r#"text("username").notNull()"#, r#"text("username")"#),
    );
    cli(dir.path())
        .args(["generate", "nullable"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path()).arg("check").assert().success();
    assert_eq!(
        query_i64(dir.path(), "SELECT count(*) FROM current_members"),
        1
    );

    // Dropping the view.
    let without = v1
        .replace(r#"text("username").notNull()"#, r#"text("username")"#)
        .split("export const current")
        .next()
        .unwrap()
        .to_string();
    write_schema(dir.path(), &without);
    cli(dir.path())
        .args(["generate", "drop_view"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    cli(dir.path()).arg("check").assert().success();
    assert_eq!(
        query_i64(
            dir.path(),
            "SELECT count(*) FROM sqlite_schema WHERE type = 'view'"
        ),
        0
    );
}

/// A table rebuild keeps the table's triggers (made by a hand-written
/// migration; Drizzle cannot declare them), in apply and in push.
#[test]
fn rebuilds_keep_triggers() {
    for command in ["apply", "push"] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("shared")).unwrap();
        let v1 = r#"import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const notes = sqliteTable("notes", { id: integer("id").primaryKey(), body: text("body"), edits: integer("edits").default(0) });
"#;
        std::fs::write(p.join("shared/schema.ts"), v1).unwrap();
        let run = |args: &[&str]| {
            let out = Command::cargo_bin("db-migrate")
                .unwrap()
                .current_dir(p)
                .env("DATABASE_URL", "sqlite:app.db")
                .env("NO_COLOR", "1")
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&["generate", "init"]);
        run(&["generate", "trigger", "--empty"]);
        let trigger_dir = std::fs::read_dir(p.join("migrations"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|d| d.to_string_lossy().ends_with("_trigger"))
            .unwrap();
        std::fs::write(
            trigger_dir.join("migration.sql"),
            "CREATE TRIGGER notes_edits AFTER UPDATE OF body ON notes BEGIN UPDATE notes SET edits = edits + 1 WHERE id = NEW.id; END;\n",
        )
        .unwrap();
        run(&["apply"]);
        // Dropping the default needs a rebuild on SQLite.
        std::fs::write(
            p.join("shared/schema.ts"),
            v1.replace(".default(0)", ".notNull().default(0)"),
        )
        .unwrap();
        if command == "apply" {
            run(&["generate", "edits_not_null"]);
            let sql = migration_sql(p, "edits_not_null");
            assert!(sql.contains("__new_notes"), "a rebuild: {sql}");
            run(&["apply"]);
        } else {
            run(&["push"]);
        }
        let c = rusqlite::Connection::open(p.join("app.db")).unwrap();
        c.execute_batch("INSERT INTO notes (id, body) VALUES (1, 'a'); UPDATE notes SET body = 'b' WHERE id = 1;")
            .unwrap();
        let edits: i64 = c
            .query_row("SELECT edits FROM notes WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(edits, 1, "{command}: the trigger survived the rebuild");
    }
}
