//! The guide's workflow on MariaDB: generate, apply, status, check, push;
//! a failed statement that resumes where it stopped; drift; concurrent runs
//! and a killed run that apply each migration once.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use support::cli::db_migrate;
use support::mysql::TestMysqlDb;

const CONFIG: &str = r#"
import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "mysql", schema: "./shared/schema.ts", out: "./migrations" });
"#;

const V1: &str = r#"
import { sql } from "drizzle-orm";
import { mysqlTable, serial, int, bigint, varchar, text, json, timestamp, boolean, mysqlEnum, index } from "drizzle-orm/mysql-core";
export const users = mysqlTable("users", {
  id: serial("id").primaryKey(),
  email: varchar("email", { length: 255 }).notNull().unique(),
  role: mysqlEnum("role", ["admin", "member"]).notNull().default("member"),
  settings: json("settings").default({ theme: "dark" }),
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { fsp: 3 }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at").defaultNow().onUpdateNow(),
});
export const notes = mysqlTable("notes", {
  id: int("id").autoincrement().primaryKey(),
  userId: bigint("user_id", { mode: "number", unsigned: true }).notNull().references(() => users.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
}, (t) => [index("notes_user_idx").on(t.userId)]);
"#;

/// V1 with a new column, a changed type and a dropped index.
const V2: &str = r#"
import { sql } from "drizzle-orm";
import { mysqlTable, serial, int, bigint, varchar, text, json, timestamp, boolean, mysqlEnum } from "drizzle-orm/mysql-core";
export const users = mysqlTable("users", {
  id: serial("id").primaryKey(),
  email: varchar("email", { length: 320 }).notNull().unique(),
  name: varchar("name", { length: 100 }).notNull().default("anonymous"),
  role: mysqlEnum("role", ["admin", "member"]).notNull().default("member"),
  settings: json("settings").default({ theme: "dark" }),
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { fsp: 3 }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at").defaultNow().onUpdateNow(),
});
export const notes = mysqlTable("notes", {
  id: int("id").autoincrement().primaryKey(),
  userId: bigint("user_id", { mode: "number", unsigned: true }).notNull().references(() => users.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
});
"#;

fn project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("drizzle.config.ts"), CONFIG).expect("config");
    write_schema(dir.path(), schema);
    dir
}

fn write_schema(dir: &Path, schema: &str) {
    std::fs::create_dir_all(dir.join("shared")).expect("shared/");
    std::fs::write(dir.join("shared/schema.ts"), schema).expect("schema");
}

/// `db-migrate apply` started in the background, its stderr captured.
fn spawn_apply(dir: &Path, url: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_db-migrate"))
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .arg("apply")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// A project with `schema`, generated as `init` and applied to a fresh database.
fn applied(schema: &str) -> (TestMysqlDb, tempfile::TempDir, String) {
    let db = TestMysqlDb::new();
    let dir = project(schema);
    let url = db.url();
    db_migrate(dir.path(), None)
        .args(["generate", "init"])
        .assert()
        .success();
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .success();
    (db, dir, url)
}

/// Applies what is pending, then `check` finds the database as declared.
fn apply_then_check(dir: &Path, url: &str) {
    db_migrate(dir, Some(url)).arg("apply").assert().success();
    db_migrate(dir, Some(url)).arg("check").assert().success();
}

/// A hand-written migration `name` holding `sql`; returns its migration.sql.
fn hand_written(dir: &Path, name: &str, sql: &str) -> std::path::PathBuf {
    db_migrate(dir, None)
        .args(["generate", "--empty", name])
        .assert()
        .success();
    let file = only_migration(dir, name).join("migration.sql");
    std::fs::write(&file, sql).expect("write migration.sql");
    file
}

fn only_migration(dir: &Path, name: &str) -> std::path::PathBuf {
    support::cli::migration_dirs(dir)
        .into_iter()
        .find(|d| d.ends_with(&format!("_{name}")))
        .map(|d| dir.join("migrations").join(d))
        .unwrap_or_else(|| panic!("no migration {name}"))
}

#[test]
fn generate_apply_status_check_and_a_second_migration() {
    let db = TestMysqlDb::new();
    let dir = project(V1);
    let url = db.url();
    db_migrate(dir.path(), None)
        .args(["generate", "init"])
        .assert()
        .success();
    let sql = std::fs::read_to_string(only_migration(dir.path(), "init").join("migration.sql"))
        .expect("migration.sql");
    assert!(sql.contains("CREATE TABLE `users`"), "{sql}");
    assert!(sql.contains("`id` serial NOT NULL"), "{sql}");

    db_migrate(dir.path(), Some(&url))
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("pending"));
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 migration applied"))
        .stdout(predicate::str::contains("s3cr3t-pw").not());
    assert_eq!(db.tables(), ["db_migrate_history", "notes", "users"]);
    db.execute("INSERT INTO users (email) VALUES ('a@example.com')");
    assert_eq!(
        db.column("SELECT CONCAT(role, ' ', settings, ' ', active) FROM users"),
        ["member {\"theme\":\"dark\"} 1"]
    );
    db_migrate(dir.path(), Some(&url))
        .arg("check")
        .assert()
        .success();
    db_migrate(dir.path(), Some(&url))
        .arg("status")
        .assert()
        .success();

    write_schema(dir.path(), V2);
    db_migrate(dir.path(), None)
        .args(["generate", "second"])
        .assert()
        .success();
    let sql = std::fs::read_to_string(only_migration(dir.path(), "second").join("migration.sql"))
        .expect("migration.sql");
    assert!(
        sql.contains("ALTER TABLE `users` MODIFY COLUMN `email` varchar(320) NOT NULL"),
        "{sql}"
    );
    assert!(
        sql.contains("DROP INDEX `notes_user_idx` ON `notes`"),
        "{sql}"
    );
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .success();
    assert_eq!(db.column("SELECT name FROM users"), ["anonymous"]);
    db_migrate(dir.path(), Some(&url))
        .arg("check")
        .assert()
        .success();
    assert_eq!(
        db.column("SELECT COUNT(*) FROM db_migrate_history WHERE finished"),
        ["2"]
    );
    assert!(dir.path().join("migrations/applied").is_dir());
}

#[test]
fn a_failed_statement_is_reported_and_the_run_resumes_there() {
    let db = TestMysqlDb::new();
    let dir = project(V1);
    let url = db.url();
    let file = hand_written(
        dir.path(),
        "hand",
        "CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\nINSERT INTO missing VALUES (1);\nCREATE TABLE b (id int);\n",
    );
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("statement 3 of 4"))
        .stderr(predicate::str::contains("doesn't exist"))
        .stderr(predicate::str::contains("line 3"));
    db_migrate(dir.path(), Some(&url))
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("2 statements done"));
    // Statements 1 and 2 stay: MySQL commits DDL by itself.
    assert_eq!(db.column("SELECT COUNT(*) FROM a"), ["1"]);

    std::fs::write(
        &file,
        "CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\nCREATE TABLE b (id int);\n",
    )
    .expect("write");
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .success();
    assert_eq!(db.column("SELECT COUNT(*) FROM a"), ["2"]);
    assert!(db.tables().contains(&"b".to_string()));
}

#[test]
fn drift_made_by_hand_is_found() {
    let (db, dir, url) = applied(V1);
    db.execute("ALTER TABLE notes ADD COLUMN extra int");
    db.execute("ALTER TABLE notes MODIFY body varchar(10) NOT NULL");
    db_migrate(dir.path(), Some(&url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("notes.extra"))
        .stdout(predicate::str::contains("notes.body"));
}

#[test]
fn push_creates_the_schema_and_then_has_nothing_to_do() {
    let db = TestMysqlDb::new();
    let dir = project(V1);
    let url = db.url();
    db_migrate(dir.path(), Some(&url))
        .arg("push")
        .assert()
        .success();
    assert_eq!(db.tables(), ["notes", "users"]);
    db_migrate(dir.path(), Some(&url))
        .arg("push")
        .assert()
        .success()
        .stdout(predicate::str::contains("already matches the schema"));
}

/// Three migrations, the middle one slow.
fn slow_project() -> tempfile::TempDir {
    let dir = project(V1);
    for (name, sql) in [
        ("one", "CREATE TABLE t1 (id int);\n"),
        (
            "two",
            "CREATE TABLE t2 (id int);\nSELECT SLEEP(2);\nINSERT INTO t2 VALUES (1);\n",
        ),
        ("three", "CREATE TABLE t3 (id int);\n"),
    ] {
        hand_written(dir.path(), name, sql);
        // Distinct ids: generate names migrations by the second.
        std::thread::sleep(Duration::from_millis(1100));
    }
    dir
}

#[test]
fn concurrent_applies_run_each_migration_once() {
    let db = TestMysqlDb::new();
    let dir = slow_project();
    let url = db.url();
    let (a, b) = (spawn_apply(dir.path(), &url), spawn_apply(dir.path(), &url));
    for child in [a, b] {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(db.column("SELECT COUNT(*) FROM t2"), ["1"]);
    assert_eq!(db.column("SELECT COUNT(*) FROM db_migrate_history"), ["3"]);
}

#[test]
fn a_killed_run_resumes_without_running_anything_twice() {
    let db = TestMysqlDb::new();
    let dir = slow_project();
    let url = db.url();
    let mut child = spawn_apply(dir.path(), &url);
    // Kill it while `two` sleeps (after t2 is created).
    let started = Instant::now();
    while !db.tables().contains(&"t2".to_string()) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "t2 never appeared"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    assert_eq!(db.column("SELECT COUNT(*) FROM t2"), ["1"]);
    assert!(db.tables().contains(&"t3".to_string()));
    assert_eq!(
        db.column("SELECT COUNT(*) FROM db_migrate_history WHERE finished"),
        ["3"]
    );
}

/// A key column's type changes on both sides of a foreign key (MySQL
/// refuses that while the key exists): the key is dropped around it.
#[test]
fn a_joined_column_changes_type_around_its_foreign_key() {
    let parent_child = |ty: &str| {
        format!(
            r#"
import {{ mysqlTable, {ty}, index }} from "drizzle-orm/mysql-core";
export const parent = mysqlTable("parent", {{ id: {ty}("id").primaryKey() }});
export const child = mysqlTable("child", {{
  id: {ty}("id").primaryKey(),
  parentId: {ty}("parent_id").notNull().references(() => parent.id),
}}, (t) => [index("child_parent_idx").on(t.parentId)]);
"#
        )
    };
    let (db, dir, url) = applied(&parent_child("int"));
    db.execute("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1)");

    // Dropping the index the key uses, and widening both columns.
    write_schema(
        dir.path(),
        &parent_child("bigint")
            .replace(", (t) => [index(\"child_parent_idx\").on(t.parentId)]", ""),
    );
    db_migrate(dir.path(), None)
        .args(["generate", "wider"])
        .assert()
        .success();
    apply_then_check(dir.path(), &url);
    assert_eq!(
        db.column("SELECT CONCAT(id, ':', parent_id) FROM child"),
        ["1:1"]
    );
    db.execute("INSERT INTO parent VALUES (9007199254740993)");
}

/// A renamed column that a check and a generated column name (in MySQL's
/// backticks) is one `RENAME COLUMN`: the server follows it in both, and so
/// does the snapshot, so nothing is dropped and made again.
#[test]
fn a_renamed_column_is_followed_in_checks_and_generated_columns() {
    let schema = |column: &str| {
        format!(
            r#"
import {{ sql }} from "drizzle-orm";
import {{ mysqlTable, int, check }} from "drizzle-orm/mysql-core";
export const items = mysqlTable("items", {{
  id: int("id").primaryKey(),
  qty: int("{column}").notNull(),
  doubled: int("doubled").generatedAlwaysAs(sql`{column} * 2`),
}}, (t) => [check("items_qty_positive", sql`${{t.qty}} > 0`)]);
"#
        )
    };
    let (db, dir, url) = applied(&schema("qty"));
    db.execute("INSERT INTO items (id, qty) VALUES (1, 3)");
    write_schema(dir.path(), &schema("quantity"));
    db_migrate(dir.path(), None)
        .args(["generate", "rename", "--rename", "items.qty=items.quantity"])
        .assert()
        .success();
    let sql = std::fs::read_to_string(only_migration(dir.path(), "rename").join("migration.sql"))
        .expect("read");
    let statements: Vec<&str> = sql
        .lines()
        .filter(|l| !l.starts_with("--") && !l.trim().is_empty())
        .collect();
    assert_eq!(
        statements,
        ["ALTER TABLE `items` RENAME COLUMN `qty` TO `quantity`;"],
        "{sql}"
    );
    apply_then_check(dir.path(), &url);
    assert_eq!(
        db.column("SELECT CONCAT(quantity, ':', doubled) FROM items"),
        ["3:6"]
    );
}

#[test]
fn an_edited_applied_migration_stops_apply() {
    let (db, dir, url) = applied(V1);
    let file = only_migration(dir.path(), "init").join("migration.sql");
    let mut sql = std::fs::read_to_string(&file).expect("read");
    sql.push_str("\nCREATE TABLE sneaky (id int);\n");
    std::fs::write(&file, sql).expect("write");
    std::thread::sleep(Duration::from_millis(1100));
    db_migrate(dir.path(), None)
        .args(["generate", "--empty", "next"])
        .assert()
        .success();
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("changed"));
    db_migrate(dir.path(), Some(&url))
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("edited"));
    assert!(!db.tables().contains(&"sneaky".to_string()));
}

/// SIGTERM (a cancelled CI job) during a slow statement: `KILL QUERY` ends
/// it on the server, the statements before it stay recorded, exit 143, and
/// the next run resumes at it.
#[test]
fn sigterm_kills_the_running_statement_and_the_next_run_resumes() {
    let db = TestMysqlDb::new();
    let dir = project(V1);
    let url = db.url();
    let file = hand_written(
        dir.path(),
        "slow",
        "CREATE TABLE a (id int);\nSELECT SLEEP(60);\nCREATE TABLE b (id int);\n",
    );
    let child = spawn_apply(dir.path(), &url);
    let running =
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'";
    let started = Instant::now();
    while db.column(running) != ["1"] {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the sleep never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "it took {:?}",
        sent.elapsed()
    );
    assert_eq!(
        db.column(running),
        ["0"],
        "the statement still runs on the server"
    );
    assert_eq!(db.tables(), ["a", "db_migrate_history"]);

    std::fs::write(
        &file,
        "CREATE TABLE a (id int);\nSELECT SLEEP(0);\nCREATE TABLE b (id int);\n",
    )
    .expect("write");
    db_migrate(dir.path(), Some(&url))
        .arg("apply")
        .assert()
        .success();
    assert_eq!(db.tables(), ["a", "b", "db_migrate_history"]);
}

/// A server without TLS: `ssl-mode=REQUIRED` is refused with a way out, the
/// default (PREFERRED) connects, and a wrong password is reported masked.
#[test]
fn tls_modes_and_a_wrong_password_are_reported_clearly() {
    let db = TestMysqlDb::new();
    let dir = project(V1);
    db_migrate(dir.path(), Some(&format!("{}?ssl-mode=REQUIRED", db.url())))
        .arg("status")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not offer TLS"))
        .stderr(predicate::str::contains("s3cr3t-pw").not());
    // Nothing generated yet: a clean status.
    db_migrate(
        dir.path(),
        Some(&format!("{}?ssl-mode=PREFERRED", db.url())),
    )
    .arg("status")
    .assert()
    .success();
    let wrong = db.url().replace("s3cr3t-pw", "not-the-password");
    db_migrate(dir.path(), Some(&wrong))
        .arg("status")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Access denied"))
        .stderr(predicate::str::contains("check the user"))
        .stderr(predicate::str::contains("not-the-password").not());
}
