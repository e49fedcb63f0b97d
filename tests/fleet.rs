//! `--targets`: one command on many databases (30 SQLite files, 30
//! PostgreSQL databases), one made to fail part-way: the others are all
//! applied, the run exits 1 naming the failed one, and the same command run
//! again completes it without applying anything twice; two fleet runs at
//! once still apply each migration once per database; URLs are masked.

mod support;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use support::TestDb;

const V1: &str = r#"
import { pgTable, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: integer().primaryKey(), name: text() });
"#;
const V2: &str = r#"
import { pgTable, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: integer().primaryKey(), name: text() });
export const notes = pgTable("notes", { id: integer().primaryKey() });
"#;

fn cli(dir: &Path) -> Command {
    support::cli::db_migrate(dir, None)
}

/// A project with two migrations, written for `dialect` ("pg" or "sqlite").
fn project(sqlite: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("shared")).expect("shared/");
    let to_dialect = |s: &str| {
        if sqlite {
            s.replace("pgTable", "sqliteTable")
                .replace("pg-core", "sqlite-core")
                .replace("integer()", "integer(\"id\")")
                .replace("text()", "text(\"name\")")
        } else {
            s.to_string()
        }
    };
    for (schema, name) in [(V1, "init"), (V2, "notes")] {
        std::fs::write(dir.path().join("shared/schema.ts"), to_dialect(schema)).expect("schema");
        cli(dir.path()).args(["generate", name]).assert().success();
    }
    dir
}

/// Rows of db-migrate's history in a database.
fn history(url: &str, sqlite_dir: Option<&Path>) -> i64 {
    match sqlite_dir {
        Some(dir) => {
            let path = dir.join(url.trim_start_matches("sqlite:"));
            rusqlite::Connection::open(path)
                .expect("open")
                .query_row("SELECT count(*) FROM db_migrate_history", [], |r| r.get(0))
                .expect("history")
        }
        None => support::connect(url)
            .query_one("SELECT count(*) FROM db_migrate_history", &[])
            .expect("history")
            .get(0),
    }
}

#[test]
fn a_fleet_applies_everywhere_but_the_failing_one_and_a_rerun_completes_it() {
    for sqlite in [true, false] {
        let p = project(sqlite);
        let dir = p.path();
        let servers: Vec<TestDb> = if sqlite {
            Vec::new()
        } else {
            (0..30).map(|_| TestDb::new()).collect()
        };
        let urls: Vec<String> = if sqlite {
            (0..30).map(|i| format!("sqlite:tenant{i}.db")).collect()
        } else {
            servers.iter().map(|s| s.url.clone()).collect()
        };
        std::fs::write(
            dir.join("tenants.txt"),
            format!("# tenants\n{}\n", urls.join("\n")),
        )
        .expect("targets");
        // Tenant 7 already has a `notes` table: its second migration fails.
        let broken = &urls[7];
        let on_broken = |sql: &str| match servers.get(7) {
            Some(db) => db.client().batch_execute(sql).expect(sql),
            None => rusqlite::Connection::open(dir.join("tenant7.db"))
                .expect("open")
                .execute_batch(sql)
                .expect(sql),
        };
        on_broken("CREATE TABLE notes (id integer)");
        let shown = if sqlite {
            broken.clone()
        } else {
            db_migrate::db::url::DatabaseUrl::parse(broken, dir)
                .expect("url")
                .masked()
        };
        // The summary's line for a target: its URL, then what happened.
        let line_of = |out: &[u8], target: &str| {
            String::from_utf8_lossy(out)
                .lines()
                .find(|l| l.split_whitespace().next() == Some(target))
                .map(str::to_string)
                .unwrap_or_default()
        };
        let out = cli(dir)
            .args(["apply", "--targets", "tenants.txt", "--parallel", "6"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
        assert!(line_of(&out.stdout, &shown).contains("failed: migration"));
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 of 30 did not end clean"));
        assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
        let sqlite_dir = sqlite.then_some(dir);
        for (i, url) in urls.iter().enumerate() {
            let expected = if i == 7 { 1 } else { 2 };
            assert_eq!(history(url, sqlite_dir), expected, "{url}");
        }
        let out = cli(dir)
            .args(["status", "--targets", "tenants.txt"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
        // target, applied, pending, drift, result
        let row = line_of(&out.stdout, &shown);
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[1..4], ["1", "1", "-"], "{row}");

        // Fixed by hand, the same command goes on with it alone.
        on_broken("DROP TABLE notes");
        let out = cli(dir)
            .args(["--json", "apply", "--targets", "tenants.txt"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0));
        let last: serde_json::Value = serde_json::from_str(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .expect("a final line"),
        )
        .expect("JSON");
        let applied: Vec<u64> = last["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|t| t["result"]["applied"].as_u64().unwrap_or(99))
            .collect();
        let mut expected = vec![0; 30];
        expected[7] = 1;
        assert_eq!(applied, expected);
        for url in &urls {
            assert_eq!(history(url, sqlite_dir), 2, "{url}");
        }
        cli(dir)
            .args(["check", "--targets", "tenants.txt"])
            .assert()
            .success();
    }
}

#[test]
fn concurrent_fleet_runs_apply_each_migration_once() {
    let p = project(false);
    let dir = p.path();
    let servers: Vec<TestDb> = (0..8).map(|_| TestDb::new()).collect();
    let list: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    std::fs::write(dir.join("tenants.txt"), list.join("\n")).expect("targets");
    let runs: Vec<std::process::Child> = (0..2)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("db-migrate"))
                .current_dir(dir)
                .env_remove("DATABASE_URL")
                .args(["apply", "--targets", "tenants.txt", "--parallel", "8"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().expect("wait").success());
    }
    for s in &servers {
        assert_eq!(history(&s.url, None), 2);
    }
}

#[test]
fn target_lists_are_checked_and_passwords_never_shown() {
    let p = project(false);
    let dir = p.path();
    let db = TestDb::new();
    let secret = db.url_with_password();
    std::fs::write(
        dir.join("tenants.txt"),
        format!("{secret}\nenv:DBM_FLEET_UNSET\n"),
    )
    .expect("targets");
    cli(dir)
        .args(["apply", "--targets", "tenants.txt"])
        .env_remove("DBM_FLEET_UNSET")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tenants.txt line 2"))
        .stderr(predicate::str::contains("DBM_FLEET_UNSET is not set"));
    std::fs::write(
        dir.join("tenants.txt"),
        format!("{secret}\nenv:DBM_FLEET_SET\n"),
    )
    .expect("targets");
    let out = cli(dir)
        .args(["apply", "--targets", "tenants.txt"])
        .env("DBM_FLEET_SET", "mysql://nope")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = cli(dir)
        .args(["apply", "--targets", "tenants.txt"])
        .env("DBM_FLEET_SET", &secret)
        .output()
        .expect("run");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("****") && !said.contains("s3cr3t"), "{said}");
    std::fs::write(dir.join("tenants.txt"), "# nobody yet\n").expect("targets");
    cli(dir)
        .args(["status", "--targets", "tenants.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lists no database"));
}

/// Schema per tenant: 30 schemas of one database, each migrated as if it
/// were `public` (its own history table, `public` in the SQL meaning it);
/// one failing stops only itself, a rerun completes it, `down` undoes each;
/// schemas the pattern does not match are not touched.
#[test]
fn each_schema_migrates_every_tenant_schema_of_one_database() {
    let p = project(false);
    let dir = p.path();
    let db = TestDb::new();
    let mut client = db.client();
    let tenants: Vec<String> = (0..30).map(|i| format!("tenant_{i:02}")).collect();
    for t in &tenants {
        client
            .batch_execute(&format!("CREATE SCHEMA {t}"))
            .expect("schema");
    }
    client
        .batch_execute("CREATE SCHEMA other; CREATE TABLE tenant_07.notes (id integer)")
        .expect("setup");
    let history = |client: &mut postgres::Client, schema: &str| -> i64 {
        client
            .query_one(
                &format!("SELECT count(*) FROM {schema}.db_migrate_history"),
                &[],
            )
            .map_or(-1, |r| r.get(0))
    };
    let run = |args: &[&str]| {
        support::cli::db_migrate(dir, Some(&db.url))
            .args(args)
            .args(["--each-schema", "tenant_%", "--parallel", "8"])
            .output()
            .expect("run")
    };
    let out = run(&["apply"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("schema tenant_07") && said.contains("1 of 30 did not end clean"),
        "{said}"
    );
    for t in &tenants {
        let expected = if t == "tenant_07" { 1 } else { 2 };
        assert_eq!(history(&mut client, t), expected, "{t}");
    }
    for untouched in ["public", "other"] {
        assert_eq!(history(&mut client, untouched), -1, "{untouched}");
    }
    client
        .batch_execute("DROP TABLE tenant_07.notes")
        .expect("fix");
    assert_eq!(run(&["apply"]).status.code(), Some(0));
    assert_eq!(run(&["check"]).status.code(), Some(0));
    for t in &tenants {
        assert_eq!(history(&mut client, t), 2, "{t}");
        let notes: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'notes'",
                &[t],
            )
            .expect("notes")
            .get(0);
        assert_eq!(notes, 1, "{t}");
    }
    assert_eq!(run(&["down"]).status.code(), Some(0));
    for t in &tenants {
        assert_eq!(history(&mut client, t), 1, "{t}");
    }
    assert!(
        !dir.join("migrations/applied").exists(),
        "fleets leave the journal alone"
    );
}
