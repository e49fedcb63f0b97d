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

/// A project with its first migration generated, and a database that
/// already holds what `existing` creates.
fn generated_over(existing: &str) -> tempfile::TempDir {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    sqlite(dir.path(), existing);
    dir
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
    let dir = generated_over(
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

/// The last line `--json` prints on stdout, parsed.
fn last_json(out: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// With `--json`, a failure ends with one JSON object on stdout.
#[test]
fn json_output_ends_with_the_failure() {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    let unreachable = "postgres://nobody:secret-pw@127.0.0.1:1/app";
    for command in [["apply", "--json"], ["status", "--json"]] {
        let out = cli(dir.path())
            .env("DATABASE_URL", unreachable)
            .args(command)
            .output()
            .expect("run");
        let object = last_json(&out);
        assert_eq!(object["event"], "failed", "{command:?}: {object}");
        assert_eq!(
            object["exit_code"].as_i64(),
            out.status.code().map(i64::from),
            "{command:?}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("secret-pw"),
            "{command:?} printed the password"
        );
    }

    // A failing migration: the statement events, then the failure.
    let broken = dir.path().join("migrations/20990101000000_broken");
    std::fs::create_dir_all(&broken).expect("mkdir");
    std::fs::write(
        broken.join("migration.sql"),
        "INSERT INTO missing VALUES (1);",
    )
    .expect("sql");
    let out = cli(dir.path())
        .args(["apply", "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let object = last_json(&out);
    assert_eq!(object["event"], "failed", "{object}");
    assert!(
        object["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("20990101000000_broken")),
        "{object}"
    );
}

/// Tables left out by db-migrate.toml's `ignore` or drizzle.config's
/// `tablesFilter` are not drift; others still are.
#[test]
fn ignored_and_filtered_tables_are_not_drift() {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    cli(dir.path()).arg("apply").assert().success();
    sqlite(
        dir.path(),
        "CREATE TABLE pgboss_job (id integer); CREATE TABLE scratch (id integer);",
    );
    cli(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "table pgboss_job exists in the database",
        ));

    std::fs::write(
        dir.path().join("db-migrate.toml"),
        "ignore = [\"pgboss_*\", \"main.scratch\", \"public.scratch\"]\n",
    )
    .expect("toml");
    cli(dir.path()).arg("check").assert().success();

    std::fs::remove_file(dir.path().join("db-migrate.toml")).expect("rm");
    std::fs::write(
        dir.path().join("drizzle.config.ts"),
        "export default { dialect: 'sqlite', schema: './shared/schema.ts', tablesFilter: ['!pgboss_*'] };\n",
    )
    .expect("config");
    cli(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("scratch"))
        .stdout(predicate::str::contains("pgboss_job").not());

    std::fs::write(dir.path().join("db-migrate.toml"), "ignore = [\"[\"]\n").expect("toml");
    cli(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid table pattern"));
}

/// An existing database without history meets its first migration: the
/// failure points at `baseline`.
#[test]
fn an_existing_database_is_pointed_at_baseline() {
    let dir = generated_over(
        "CREATE TABLE users (id integer PRIMARY KEY NOT NULL, email text NOT NULL);",
    );
    let out = cli(dir.path()).arg("apply").output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("no migration history"), "{text}");
    assert!(text.contains("db-migrate baseline <id>"), "{text}");
}

/// DDL in a hand-written migration flows into the schema after it: the
/// table it creates is not drift, and declaring that table in the schema
/// afterwards does not generate it a second time.
#[test]
fn hand_written_ddl_is_part_of_the_migrations_schema() {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    cli(dir.path())
        .args(["generate", "audit", "--empty"])
        .assert()
        .success();
    let audit = std::fs::read_dir(dir.path().join("migrations"))
        .expect("migrations")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_audit"))
        .expect("the audit migration");
    std::fs::write(
        audit.join("migration.sql"),
        "CREATE TABLE audit (\n  id integer PRIMARY KEY NOT NULL,\n  note text\n);\nINSERT INTO audit (id, note) VALUES (1, 'created');\n",
    )
    .expect("write");
    cli(dir.path()).arg("apply").assert().success();
    // Not drift; but the schema does not declare it, and generate will not drop it.
    cli(dir.path()).arg("check").assert().code(1).stdout(
        predicate::str::contains("undeclared")
            .and(predicate::str::contains("table audit (created by"))
            .and(predicate::str::contains("drift").not()),
    );
    cli(dir.path())
        .args(["generate", "something"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "would drop it; nothing was written",
        ));

    std::fs::write(
        dir.path().join("shared/schema.ts"),
        format!(
            "{SCHEMA}\nexport const audit = sqliteTable(\"audit\", {{\n  id: integer(\"id\").primaryKey(),\n  note: text(\"note\"),\n}});\n"
        ),
    )
    .expect("schema");
    cli(dir.path())
        .args(["generate", "declare_audit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No schema changes"));
    cli(dir.path()).arg("check").assert().success();
}

/// A history that drops a column replays on a fresh database (the table is
/// created empty in the same run, nothing is lost); on a database whose
/// table has rows, apply refuses the drop until it is allowed.
#[test]
fn the_lint_gate_stops_only_what_loses_rows() {
    let dir = project(SCHEMA);
    cli(dir.path())
        .args(["generate", "init"])
        .assert()
        .success();
    std::fs::write(
        dir.path().join("shared/schema.ts"),
        SCHEMA.replace("  email: text(\"email\").notNull(),\n", ""),
    )
    .expect("schema");
    cli(dir.path())
        .args(["generate", "drop_email"])
        .assert()
        .success()
        .stdout(predicate::str::contains("drop-column"));
    cli(dir.path())
        .arg("apply")
        .env("DATABASE_URL", "sqlite:fresh.db")
        .assert()
        .success();

    let first = std::fs::read_dir(dir.path().join("migrations"))
        .expect("migrations")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.ends_with("_init"))
        .expect("init");
    cli(dir.path())
        .args(["apply", "--to", &first])
        .assert()
        .success();
    sqlite(
        dir.path(),
        "INSERT INTO users (id, email) VALUES (1, 'a@example.com');",
    );
    cli(dir.path()).arg("apply").assert().code(1).stderr(
        predicate::str::contains("[drop-column]")
            .and(predicate::str::contains("nothing was applied")),
    );
    cli(dir.path())
        .args(["apply", "--allow-lint-errors"])
        .assert()
        .success()
        .stderr(predicate::str::contains("WARNING --allow-lint-errors"));
}

/// `--format github`: lint findings, check findings and status lines as
/// GitHub Actions annotations on the files and lines they concern.
#[test]
fn github_annotations_point_at_files_and_lines() {
    let dir = project(SCHEMA);
    let write = |id: &str, sql: &str| {
        let d = dir.path().join("migrations").join(id);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("migration.sql"), sql).expect("write");
    };
    write(
        "20250101000001_init",
        "CREATE TABLE users (id integer PRIMARY KEY NOT NULL, email text NOT NULL);\n",
    );
    write(
        "20250101000002_risky",
        "CREATE TABLE old (id integer);\nDROP TABLE old;\n\nALTER TABLE users ADD COLUMN tenant integer NOT NULL;\nDROP TABLE users;\n",
    );
    let lint = cli(dir.path())
        .args(["lint", "--format", "github", "--database-url", ""])
        .output()
        .expect("lint");
    assert_eq!(lint.status.code(), Some(1));
    let status = cli(dir.path())
        .args(["status", "--format", "github"])
        .output()
        .expect("status");
    assert_eq!(status.status.code(), Some(1));
    let annotations: Vec<String> = [lint.stdout, status.stdout]
        .iter()
        .flat_map(|o| {
            String::from_utf8_lossy(o)
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|l| l.starts_with("::"))
        .collect();
    insta::assert_snapshot!(annotations.join("\n"));
}
