//! Moving a drizzle-kit project over: the pinned drizzle-kit in
//! `tests/oracle` (0.31) or `tests/oracle/kit1` (1.x) generates three
//! migrations (an enum, an index, a rename answered at drizzle-kit's prompt
//! by `tests/oracle/answer.py`) and its migrator applies them; `import drizzle-kit` writes db-migrate's
//! migrations; `status` shows them applied by drizzle-kit, `apply` runs
//! nothing and records them, `check` finds no drift, and the next
//! `generate` + `apply` work. On SQLite and on MySQL (MariaDB) drizzle-kit
//! generates the folder and the history table is written as drizzle-kit's
//! migrator writes it (the oracle has neither driver). Then the refusals: an edited migration, a
//! history row with no file, a schema that moved on.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::*;
use support::TestDb;

const PG_V1: &str = r#"
import { pgTable, pgEnum, serial, text } from "drizzle-orm/pg-core";
export const role = pgEnum("role", ["admin", "member"]);
export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull().unique(),
  nickname: text("nickname"),
  role: role("role").notNull().default("member"),
});
"#;

const SQLITE_CONFIG: &str = "import { defineConfig } from \"drizzle-kit\";\nexport default defineConfig({ dialect: \"sqlite\", schema: \"./shared/schema.ts\", out: \"./drizzle\" });\n";

const SQLITE_V1: &str = r#"
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
  nickname: text("nickname"),
});
"#;

/// A PostgreSQL drizzle.config.ts for the database at `url`.
fn pg_config(url: &str) -> String {
    format!(
        "import {{ defineConfig }} from \"drizzle-kit\";\nexport default defineConfig({{ dialect: \"postgresql\", schema: \"./shared/schema.ts\", out: \"./drizzle\", dbCredentials: {{ url: \"{url}\" }} }});\n"
    )
}

/// `app.db` in `dir` with drizzle-kit's SQLite history table, as its
/// migrator makes it (the oracle has no SQLite driver to run it).
fn sqlite_kit_history(dir: &Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(dir.join("app.db")).expect("sqlite");
    db.execute_batch(
        "CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)",
    )
    .expect("history table");
    db
}

/// The row drizzle-kit's migrator records after running a migration file.
fn record_kit_row(db: &rusqlite::Connection, sql: &str, when: i64) {
    db.execute(
        "INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?1, ?2)",
        rusqlite::params![db_migrate::migrations::sha256_hex(sql), when],
    )
    .expect("record");
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project folder whose node_modules is the oracle's (0.31).
fn project(config: &str, schema: &str) -> tempfile::TempDir {
    project_with("tests/oracle", config, schema)
}

/// A project folder whose node_modules is the one in `oracle` (a folder of
/// the repository with a pinned drizzle-kit).
fn project_with(oracle: &str, config: &str, schema: &str) -> tempfile::TempDir {
    let modules = root().join(oracle).join("node_modules");
    assert!(
        modules.join("drizzle-kit/bin.cjs").is_file(),
        "the pinned drizzle-kit is not installed: run `npm ci --prefix {oracle}`"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(&modules, dir.path().join("node_modules")).expect("symlink");
    std::fs::write(dir.path().join("drizzle.config.ts"), config).expect("config");
    write_schema(dir.path(), schema);
    dir
}

fn write_schema(dir: &Path, schema: &str) {
    std::fs::create_dir_all(dir.join("shared")).expect("mkdir");
    std::fs::write(dir.join("shared/schema.ts"), schema).expect("schema");
}

fn drizzle_kit(dir: &Path, args: &[&str]) {
    let out = Process::new("node")
        .current_dir(dir)
        .arg("node_modules/drizzle-kit/bin.cjs")
        .args(args)
        .output()
        .expect("run drizzle-kit (is Node installed?)");
    assert!(
        out.status.success(),
        "drizzle-kit {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn cli(dir: &Path, url: &str) -> Command {
    support::cli::db_migrate(dir, Some(url))
}

/// drizzle-kit run on a terminal, answering its prompt with "rename".
fn drizzle_kit_renaming(dir: &Path, args: &[&str]) {
    let out = Process::new("python3")
        .current_dir(dir)
        .arg(root().join("tests/oracle/answer.py"))
        .args(["rename column", "\\x1b[B\\r", "--", "node"])
        .arg("node_modules/drizzle-kit/bin.cjs")
        .args(args)
        .output()
        .expect("run python3 tests/oracle/answer.py (is Python 3 installed?)");
    assert!(
        out.status.success(),
        "drizzle-kit {args:?} (answering the rename prompt) failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three drizzle-kit migrations: the enum and table, an index, and the
/// `nickname` column renamed `display_name` (answered at the prompt).
fn generate_three(dir: &Path, v1: &str) {
    drizzle_kit(dir, &["generate", "--name", "init"]);
    let v2 = v1
        .replace("} from \"drizzle-orm/", ", index } from \"drizzle-orm/")
        .replace(
            "\n});\n",
            "\n}, (t) => [index(\"users_email_idx\").on(t.email)]);\n",
        );
    write_schema(dir, &v2);
    drizzle_kit(dir, &["generate", "--name", "email_index"]);
    let v3 = v2.replace(
        "  nickname: text(\"nickname\"),\n",
        "  displayName: text(\"display_name\"),\n",
    );
    assert_ne!(v2, v3, "the schema has a nickname column to rename");
    write_schema(dir, &v3);
    drizzle_kit_renaming(dir, &["generate", "--name", "rename_nickname"]);
}

/// A report with its line wrapping and frame undone.
fn flat(output: &[u8]) -> String {
    String::from_utf8_lossy(output)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn imported_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir.join("migrations"))
        .expect("migrations")
        .flatten()
        .filter(|e| e.path().join("meta.json").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    ids.sort();
    ids
}

/// After the import: status shows drizzle-kit's migrations applied, apply
/// runs none of them, check agrees, and the next generate and apply work.
fn carry_on(dir: &Path, url: &str, table_sql: &str) {
    cli(dir, url)
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("(drizzle-kit)").count(3));
    cli(dir, url).arg("check").assert().success();
    cli(dir, url)
        .arg("apply")
        .assert()
        .success()
        .stderr(predicate::str::contains("adopted 3 migrations"))
        .stdout(predicate::str::contains("up to date"));
    cli(dir, url).arg("status").assert().success();
    let schema = std::fs::read_to_string(dir.join("shared/schema.ts")).expect("schema");
    write_schema(dir, &format!("{schema}\n{table_sql}\n"));
    cli(dir, url)
        .args(["generate", "add_posts"])
        .assert()
        .success();
    cli(dir, url)
        .arg("apply")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 migration applied"));
    cli(dir, url).arg("check").assert().success();
}

#[test]
fn a_postgres_project_moves_over() {
    let db = TestDb::new();
    let url = db.url_for("postgres", "127.0.0.1", "sslmode=disable");
    let config = pg_config(&url);
    let p = project(&config, PG_V1);
    let dir = p.path();
    generate_three(dir, PG_V1);
    drizzle_kit(dir, &["migrate"]);

    cli(dir, &url)
        .args(["import", "drizzle-kit", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would import 0000_init.sql"));
    assert!(
        !dir.join("migrations").exists(),
        "the dry run wrote nothing"
    );
    cli(dir, &url)
        .args(["import", "drizzle-kit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 migrations imported"));
    let ids = imported_ids(dir);
    assert_eq!(ids.len(), 3);
    assert!(
        ids[0].ends_with("_init") && ids[2].ends_with("_rename_nickname"),
        "{ids:?}"
    );
    let renamed =
        std::fs::read_to_string(dir.join("migrations").join(&ids[2]).join("migration.sql"))
            .expect("our sql");
    assert!(
        renamed.contains("RENAME COLUMN \"nickname\" TO \"display_name\""),
        "{renamed}"
    );
    let original = std::fs::read(dir.join("drizzle/0000_init.sql")).expect("drizzle sql");
    let copied =
        std::fs::read(dir.join("migrations").join(&ids[0]).join("migration.sql")).expect("our sql");
    assert_eq!(original, copied, "the SQL is copied byte for byte");
    // A second import refuses to write over without --force.
    cli(dir, &url)
        .args(["import", "drizzle-kit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));

    carry_on(
        dir,
        &url,
        "export const posts = pgTable(\"posts\", { id: serial(\"id\").primaryKey() });",
    );
}

#[test]
fn an_sqlite_project_moves_over() {
    let p = project(SQLITE_CONFIG, SQLITE_V1);
    let dir = p.path();
    generate_three(dir, SQLITE_V1);
    // What drizzle-kit's SQLite migrator does: run each file, then record
    // its hash and the journal's `when`.
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("drizzle/meta/_journal.json")).expect("journal"),
    )
    .expect("journal json");
    let db = sqlite_kit_history(dir);
    for entry in journal["entries"].as_array().expect("entries") {
        let tag = entry["tag"].as_str().expect("tag");
        let sql = std::fs::read_to_string(dir.join(format!("drizzle/{tag}.sql"))).expect("sql");
        for statement in sql.split("--> statement-breakpoint") {
            db.execute_batch(statement).expect("drizzle's statement");
        }
        record_kit_row(&db, &sql, entry["when"].as_i64().expect("when"));
    }
    drop(db);
    cli(dir, "sqlite:app.db")
        .args(["import", "drizzle-kit"])
        .assert()
        .success();
    carry_on(
        dir,
        "sqlite:app.db",
        "export const posts = sqliteTable(\"posts\", { id: integer(\"id\").primaryKey() });",
    );
}

/// A drizzle-kit 1.x project (one folder per migration, snapshots that
/// hold the changes since the one before, history rows with names): the
/// same move, and unnamed constraints keep 1.x's names from then on.
#[test]
fn a_drizzle_kit_1_project_moves_over() {
    let db = TestDb::new();
    let url = db.url_for("postgres", "127.0.0.1", "sslmode=disable");
    let config = pg_config(&url);
    let p = project_with("tests/oracle/kit1", &config, PG_V1);
    let dir = p.path();
    generate_three(dir, PG_V1);
    drizzle_kit(dir, &["migrate"]);
    let folders: Vec<String> = imported_folders(&dir.join("drizzle"));
    assert_eq!(folders.len(), 3, "{folders:?}");

    // A history row no migration folder has is named.
    let mut client = db.client();
    client
        .batch_execute(
            "INSERT INTO drizzle.__drizzle_migrations (hash, created_at, name) VALUES ('abc', 1, '20200101000000_gone')",
        )
        .expect("row");
    cli(dir, &url)
        .args(["import", "drizzle-kit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 migrations imported"))
        .stdout(predicate::str::contains(
            "constraint_names = \"drizzle-kit-1\"",
        ));
    assert_eq!(
        imported_ids(dir),
        folders,
        "the ids are drizzle-kit's folder names"
    );
    let toml = std::fs::read_to_string(dir.join("db-migrate.toml")).expect("db-migrate.toml");
    assert!(
        toml.contains("constraint_names = \"drizzle-kit-1\""),
        "{toml}"
    );
    let out = cli(dir, &url).arg("status").output().expect("status");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        flat(&out.stderr).contains("(20200101000000_gone) matches no imported migration"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    client
        .batch_execute("DELETE FROM drizzle.__drizzle_migrations WHERE hash = 'abc'")
        .expect("delete");

    carry_on(
        dir,
        &url,
        "export const posts = pgTable(\"posts\", { id: serial(\"id\").primaryKey(), title: text(\"title\").unique() });",
    );
    // The new unique constraint is named as drizzle-kit 1.x names it.
    let named: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conname IN ('posts_title_key', 'users_email_key')",
            &[],
        )
        .expect("constraints")
        .get(0);
    assert_eq!(named, 2);
}

/// drizzle-kit 1.x's migration folders, by name.
fn imported_folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("drizzle folder")
        .flatten()
        .filter(|e| e.path().join("migration.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// The refusals, on SQLite files: a migration edited after drizzle-kit ran
/// it, a history row with no file, and a schema that moved on since the
/// last drizzle-kit generate.
#[test]
fn what_does_not_match_is_named() {
    let p = project(SQLITE_CONFIG, SQLITE_V1);
    let dir = p.path();
    drizzle_kit(dir, &["generate", "--name", "init"]);
    let sql = std::fs::read_to_string(dir.join("drizzle/0000_init.sql")).expect("sql");
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("drizzle/meta/_journal.json")).expect("journal"),
    )
    .expect("journal json");
    let when = journal["entries"][0]["when"].as_i64().expect("when");
    let db = sqlite_kit_history(dir);
    record_kit_row(&db, &sql, when);

    // The schema moved on: import writes the migrations and says what is left.
    write_schema(
        dir,
        &SQLITE_V1.replace("  email:", "  name: text(\"name\"),\n  email:"),
    );
    cli(dir, "sqlite:app.db")
        .args(["import", "drizzle-kit"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("add column users.name"));

    // The imported migration edited before apply: nothing is taken.
    let id = imported_ids(dir).remove(0);
    let ours = dir.join("migrations").join(&id).join("migration.sql");
    std::fs::write(&ours, format!("{sql}\n-- edited\n")).expect("edit");
    let out = cli(dir, "sqlite:app.db")
        .arg("status")
        .output()
        .expect("status");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        flat(&out.stderr).contains(&format!(
            "{id} (0000_init) was applied by drizzle-kit, but its migration.sql is not the file drizzle-kit ran"
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&ours, &sql).expect("restore");
    cli(dir, "sqlite:app.db").arg("status").assert().success();

    // A row no imported file matches.
    rusqlite::Connection::open(dir.join("app.db"))
        .expect("sqlite")
        .execute(
            "INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('abc', 1)",
            [],
        )
        .expect("row");
    let out = cli(dir, "sqlite:app.db")
        .arg("apply")
        .output()
        .expect("apply");
    assert_eq!(out.status.code(), Some(1));
    let said = flat(&out.stderr);
    assert!(
        said.contains("a row of __drizzle_migrations (created_at 1) matches no imported migration")
            && said.contains("nothing was taken"),
        "{said}"
    );
}

/// A journal entry without its snapshot (added by hand) is imported as a
/// hand-written migration: its SQL is read into the schema after it, so
/// nothing is left to generate.
#[test]
fn a_migration_without_a_snapshot_is_imported_as_hand_written() {
    let p = project(SQLITE_CONFIG, SQLITE_V1);
    let dir = p.path();
    drizzle_kit(dir, &["generate", "--name", "init"]);
    let v2 = SQLITE_V1.replace("  email:", "  name: text(\"name\"),\n  email:");
    write_schema(dir, &v2);
    drizzle_kit(dir, &["generate", "--name", "name"]);
    std::fs::remove_file(dir.join("drizzle/meta/0001_snapshot.json")).expect("remove");
    cli(dir, "sqlite:app.db")
        .args(["import", "drizzle-kit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("imported as hand-written"));
    let ids = imported_ids(dir);
    let meta = std::fs::read_to_string(dir.join("migrations").join(&ids[1]).join("meta.json"))
        .expect("meta");
    assert!(!meta.contains("\"snapshot\": {"), "{meta}");
    cli(dir, "sqlite:app.db").arg("apply").assert().success();
    cli(dir, "sqlite:app.db").arg("check").assert().success();
}

const MYSQL_CONFIG: &str = "import { defineConfig } from \"drizzle-kit\";\nexport default defineConfig({ dialect: \"mysql\", schema: \"./shared/schema.ts\", out: \"./drizzle\" });\n";

const MYSQL_V1: &str = r#"
import { mysqlTable, mysqlEnum, int, varchar, text } from "drizzle-orm/mysql-core";
export const users = mysqlTable("users", {
  id: int("id").autoincrement().primaryKey(),
  email: varchar("email", { length: 255 }).notNull().unique(),
  nickname: text("nickname"),
  role: mysqlEnum("role", ["admin", "member"]).notNull().default("member"),
});
"#;

/// A MySQL project on MariaDB: drizzle-kit generates the folder, and its
/// migrator's work is done by hand as it does it (each file's statements,
/// then a row with the file's hash and the journal's `when`), since the
/// oracle has no MySQL driver.
#[test]
fn a_mysql_project_moves_over() {
    let db = support::mysql::TestMysqlDb::new();
    let url = db.url();
    let p = project(MYSQL_CONFIG, MYSQL_V1);
    let dir = p.path();
    generate_three(dir, MYSQL_V1);
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("drizzle/meta/_journal.json")).expect("journal"),
    )
    .expect("journal json");
    let mut session = db.session();
    session
        .execute(
            "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)",
        )
        .expect("history table");
    for entry in journal["entries"].as_array().expect("entries") {
        let tag = entry["tag"].as_str().expect("tag");
        let sql = std::fs::read_to_string(dir.join(format!("drizzle/{tag}.sql"))).expect("sql");
        for statement in sql.split("--> statement-breakpoint") {
            session
                .execute(statement.trim().trim_end_matches(';'))
                .unwrap_or_else(|e| panic!("drizzle's statement {statement}: {e}"));
        }
        session
            .query(
                "INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)",
                vec![
                    db_migrate::migrations::sha256_hex(&sql).into(),
                    entry["when"].as_i64().expect("when").into(),
                ],
            )
            .expect("record");
    }
    drop(session);
    cli(dir, &url)
        .args(["import", "drizzle-kit"])
        .assert()
        .success();
    carry_on(
        dir,
        &url,
        "export const posts = mysqlTable(\"posts\", { id: int(\"id\").primaryKey() });",
    );
}
