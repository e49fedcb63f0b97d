//! drizzle.config discovery through the command line: the schema path,
//! casing, dialect and database URL come from drizzle-kit's config file when
//! db-migrate.toml does not set them.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn cli(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("db-migrate").expect("binary");
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    cmd
}

fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    std::fs::write(full, text).expect("write file");
}

const PG_SCHEMA: &str = "import { pgTable, integer, text } from 'drizzle-orm/pg-core';\nexport const userAccounts = pgTable('user_accounts', { id: integer().primaryKey(), displayName: text() });\n";

#[test]
fn schema_and_casing_come_from_the_drizzle_config() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drizzle/29_config_json");
    cli(&fixture)
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("CREATE TABLE"));

    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "src/db/schema.ts", PG_SCHEMA);
    write(
        dir.path(),
        "drizzle.config.ts",
        "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './src/db/schema.ts', casing: 'snake_case' });\n",
    );
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"display_name\" text"));
}

#[test]
fn db_migrate_toml_settings_win() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "a.ts", PG_SCHEMA);
    write(
        dir.path(),
        "b.ts",
        "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const other = pgTable('other', { id: integer() });\n",
    );
    write(
        dir.path(),
        "drizzle.config.json",
        r#"{ "dialect": "postgresql", "schema": "./a.ts", "casing": "snake_case" }"#,
    );
    write(dir.path(), "db-migrate.toml", "schema = \"b.ts\"\n");
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("\"other\"")
                .and(predicate::str::contains("user_accounts").not()),
        );
    // casing still comes from the drizzle config when db-migrate.toml has none.
    write(dir.path(), "db-migrate.toml", "schema = \"a.ts\"\n");
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"display_name\""));
}

#[test]
fn the_dialect_must_agree_with_the_schema() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "schema.ts", PG_SCHEMA);
    write(
        dir.path(),
        "drizzle.config.ts",
        "export default { dialect: 'sqlite', schema: './schema.ts' };\n",
    );
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "drizzle.config.ts declares the SQLite dialect, but the schema is written",
        ));
    write(
        dir.path(),
        "drizzle.config.ts",
        "export default { dialect: 'mysql', schema: './schema.ts' };\n",
    );
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "drizzle.config.ts declares the MySQL dialect, but the schema is written",
        ));
    write(
        dir.path(),
        "drizzle.config.ts",
        "export default { dialect: 'singlestore', schema: './schema.ts' };\n",
    );
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "dialect \"singlestore\" is not supported",
        ));
}

#[test]
fn the_database_url_comes_from_db_credentials() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(
        dir.path(),
        "schema.ts",
        "import { sqliteTable, integer } from 'drizzle-orm/sqlite-core';\nexport const t = sqliteTable('t', { id: integer('id').primaryKey() });\n",
    );
    write(
        dir.path(),
        "drizzle.config.ts",
        "import 'dotenv/config';\nexport default {\n  dialect: 'sqlite',\n  schema: './schema.ts',\n  dbCredentials: { url: process.env.DB_FILE ?? 'file:./fallback.db' },\n};\n",
    );
    write(dir.path(), ".env", "DB_FILE=./from-env.db\n");
    cli(dir.path()).args(["push"]).assert().success();
    assert!(dir.path().join("from-env.db").is_file());
    assert!(!dir.path().join("fallback.db").exists());
}

#[test]
fn unknown_settings_are_reported_when_needed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "schema.ts", PG_SCHEMA);
    write(
        dir.path(),
        "drizzle.config.ts",
        "import { env } from '@t3-oss/env-core';\nexport default { dialect: 'postgresql', schema: env.SCHEMA_PATH, dbCredentials: { url: env.DATABASE_URL } };\n",
    );
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("`schema` in the drizzle config is not known statically")
                .and(predicate::str::contains("drizzle.config.ts:2:")),
        );
    // A flag makes the unknown setting irrelevant.
    cli(dir.path())
        .args([
            "--schema",
            "schema.ts",
            "diff",
            "--from",
            "empty",
            "--to",
            "schema",
        ])
        .assert()
        .code(1);
    // The URL is only needed by commands that connect.
    cli(dir.path())
        .args(["--schema", "schema.ts", "status"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`url` in the drizzle config is not known statically",
        ));
}

#[test]
fn the_loader_setting_selects_node() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "schema.ts", PG_SCHEMA);
    write(
        dir.path(),
        "db-migrate.toml",
        "schema = \"schema.ts\"\nloader = \"node\"\n",
    );
    // Without drizzle-kit in the project (or without Node), the loader says what is missing.
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--loader node"));
    cli(dir.path())
        .env("DB_MIGRATE_NODE", "/nonexistent/node")
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--loader node needs Node.js"));
    write(
        dir.path(),
        "db-migrate.toml",
        "schema = \"schema.ts\"\nloader = \"deno\"\n",
    );
    cli(dir.path())
        .args(["diff", "--from", "empty", "--to", "schema"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("loader must be"));
    // The flag wins over the file.
    write(
        dir.path(),
        "db-migrate.toml",
        "schema = \"schema.ts\"\nloader = \"node\"\n",
    );
    cli(dir.path())
        .args([
            "--loader", "static", "diff", "--from", "empty", "--to", "schema",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("CREATE TABLE"));
}
