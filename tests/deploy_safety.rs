//! The runner under the conditions of a real deploy, against a real
//! PostgreSQL and real processes: concurrent runs, a killed run, a
//! no-transaction migration that fails and resumes, lock waits and timeouts,
//! CRLF checkouts, merged branches, dry runs and baselines.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use db_migrate::history::{HistoryTable, lock_key};
use predicates::prelude::*;
use support::TestDb;

fn cli(dir: &Path, url: &str) -> Command {
    support::cli::db_migrate(dir, Some(url))
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("db-migrate")
}

fn spawn_apply(dir: &Path, url: &str, extra: &[&str]) -> Child {
    std::process::Command::new(binary())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", url)
        .arg("apply")
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply")
}

/// Writes a hand-written migration directory.
fn migration(dir: &Path, id: &str, sql: &str) {
    let d = dir.join("migrations").join(id);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("migration.sql"), sql).unwrap();
}

fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).unwrap().get(0)
}

fn output(child: Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn concurrent_applies_run_each_migration_once() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000000_counter",
        "CREATE TABLE counter (n int NOT NULL);\n",
    );
    for i in 1..=20 {
        migration(
            dir,
            &format!("20250101{:06}_insert_{i}", i),
            &format!("INSERT INTO counter VALUES ({i});\nSELECT pg_sleep(0.02);\n"),
        );
    }
    let children: Vec<Child> = (0..8).map(|_| spawn_apply(dir, &db.url, &[])).collect();
    for child in children {
        let (code, text) = output(child);
        assert_eq!(code, 0, "{text}");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM counter"), 20);
    assert_eq!(count(&db, "SELECT count(DISTINCT n) FROM counter"), 20);
    assert_eq!(count(&db, "SELECT count(*) FROM db_migrate_history"), 21);
}

#[test]
fn concurrent_applies_with_the_lease_table_lock() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000000_counter",
        "CREATE TABLE counter (n int NOT NULL);\n",
    );
    for i in 1..=10 {
        migration(
            dir,
            &format!("20250101{:06}_insert_{i}", i),
            &format!("INSERT INTO counter VALUES ({i});\n"),
        );
    }
    // A stale lease from a killed run does not block (it has expired).
    {
        let mut c = db.client();
        c.batch_execute(
            "CREATE TABLE db_migrate_history_lock (id integer PRIMARY KEY, holder text NOT NULL, \
             acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL); \
             INSERT INTO db_migrate_history_lock VALUES (1, 'a killed run', now() - interval '1 hour', now() - interval '1 minute')",
        )
        .unwrap();
    }
    let children: Vec<Child> = (0..4)
        .map(|_| spawn_apply(dir, &db.url, &["--lock", "table"]))
        .collect();
    for child in children {
        let (code, text) = output(child);
        assert_eq!(code, 0, "{text}");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM counter"), 10);
    assert_eq!(
        count(&db, "SELECT count(*) FROM db_migrate_history_lock"),
        0,
        "the lease is released"
    );
}

#[test]
fn a_killed_run_leaves_nothing_half_applied() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_base",
        "CREATE TABLE events (id int);\n",
    );
    migration(
        dir,
        "20250101000002_long",
        "CREATE TABLE long_made (id int);\nINSERT INTO events VALUES (1);\nSELECT pg_sleep(3);\nINSERT INTO events VALUES (2);\n",
    );
    let mut child = spawn_apply(dir, &db.url, &[]);
    // Wait until the long migration is inside its sleep, then kill the runner.
    wait_for_query(&db, "SELECT pg_sleep(3)");
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'long_made'"
        ),
        0
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);

    // The next run waits for the dead session's lock, then finishes the job once.
    cli(dir, &db.url)
        .args(["apply", "--lock-timeout", "30"])
        .assert()
        .success();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'long_made'"
        ),
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM db_migrate_history WHERE finished"
        ),
        2
    );
}

/// Waits until a session of the test database runs `prefix` (a run sends its
/// settings and BEGIN with a migration's first statement, ahead of it).
fn wait_for_query(db: &TestDb, prefix: &str) {
    let start = Instant::now();
    loop {
        let running = count(
            db,
            &format!(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid() AND query LIKE '%{prefix}%'",
                db.name
            ),
        );
        if running > 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the statement never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A no-transaction migration killed while a statement runs: the statement
/// and its progress row commit together or not at all, so the next run runs
/// it exactly once.
#[test]
fn a_killed_no_transaction_migration_runs_each_statement_once() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_steps",
        "-- db-migrate: no-transaction
CREATE TABLE events (id int);
INSERT INTO events SELECT g FROM generate_series(1, 5) g, pg_sleep(2);
CREATE INDEX CONCURRENTLY events_id_idx ON events (id);
",
    );
    let mut child = spawn_apply(dir, &db.url, &[]);
    wait_for_query(&db, "INSERT INTO events SELECT g");
    child.kill().unwrap();
    let _ = child.wait();

    // The next run waits for the dead session's lock, then finishes the job once.
    cli(dir, &db.url)
        .args(["apply", "--lock-timeout", "30"])
        .assert()
        .success();
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 5);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'events_id_idx'"
        ),
        1
    );
    cli(dir, &db.url).arg("status").assert().success();
}

/// A `CREATE INDEX CONCURRENTLY` that finished after its runner was killed is
/// not built again when the run resumes.
#[test]
fn a_concurrent_index_built_after_a_kill_is_not_built_again() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_base",
        "CREATE TABLE events (id int);\n",
    );
    cli(dir, &db.url).arg("apply").assert().success();
    migration(
        dir,
        "20250101000002_index",
        "-- db-migrate: no-transaction\nCREATE INDEX CONCURRENTLY events_id_idx ON events (id);\nINSERT INTO events VALUES (1);\n",
    );
    // An open transaction on the table makes the build wait; the runner is
    // killed while it waits, then the build finishes on the server by itself.
    let mut blocker = db.client();
    let mut tx = blocker.transaction().unwrap();
    tx.batch_execute("INSERT INTO events VALUES (0)").unwrap();
    let mut child = spawn_apply(dir, &db.url, &[]);
    wait_for_query(&db, "CREATE INDEX CONCURRENTLY events_id_idx");
    child.kill().unwrap();
    let _ = child.wait();
    tx.commit().unwrap();

    cli(dir, &db.url)
        .args(["apply", "--lock-timeout", "30"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("events_id_idx")
                .and(predicate::str::contains("already built")),
        );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'events_id_idx' AND i.indisvalid"
        ),
        1
    );
}

#[test]
fn a_failed_no_transaction_migration_resumes_at_the_failed_statement() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(dir, "20250101000001_base", "CREATE TABLE log (msg text);\n");
    let broken = "-- db-migrate: no-transaction\nINSERT INTO log VALUES ('one');\nINSERT INTO missing VALUES ('two');\nINSERT INTO log VALUES ('three');\n";
    migration(dir, "20250101000002_steps", broken);
    cli(dir, &db.url).arg("apply").assert().code(1).stderr(
        predicate::str::contains("statement 2 of 3").and(predicate::str::contains("missing")),
    );
    assert_eq!(count(&db, "SELECT count(*) FROM log"), 1);
    cli(dir, &db.url)
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("incomplete"));

    // Editing a statement that already ran is refused.
    migration(
        dir,
        "20250101000002_steps",
        &broken.replace("'one'", "'uno'"),
    );
    cli(dir, &db.url)
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot resume"));

    // Fixing the failed statement resumes there: statement 1 is not run again.
    migration(
        dir,
        "20250101000002_steps",
        &broken.replace("INTO missing", "INTO log"),
    );
    cli(dir, &db.url).arg("apply").assert().success();
    let rows: Vec<String> = db
        .client()
        .query("SELECT msg FROM log ORDER BY msg", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, vec!["one", "three", "two"]);
    cli(dir, &db.url).arg("status").assert().success();
}

#[test]
fn an_invalid_index_left_by_a_failed_concurrent_build_is_reported_and_cleaned() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_base",
        "CREATE TABLE accounts (email text);\nINSERT INTO accounts VALUES ('a'), ('a');\n",
    );
    migration(
        dir,
        "20250101000002_unique",
        "-- db-migrate: no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    cli(dir, &db.url).arg("apply").assert().code(1).stderr(
        predicate::str::contains("INVALID").and(predicate::str::contains("accounts_email_idx")),
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        1
    );
    db.client()
        .batch_execute("DELETE FROM accounts WHERE ctid <> (SELECT min(ctid) FROM accounts)")
        .unwrap();
    cli(dir, &db.url)
        .arg("apply")
        .assert()
        .success()
        .stderr(predicate::str::contains("INVALID"));
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'accounts_email_idx'"
        ),
        1
    );
}

#[test]
fn waiting_for_the_lock_names_the_holder_and_times_out() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(dir, "20250101000001_base", "CREATE TABLE t (id int);\n");
    let holder_url = format!("{}&application_name=release-42", db.url);
    let mut holder_client =
        postgres::Client::connect(&holder_url, postgres::NoTls).expect("connect the lock holder");
    let key = lock_key(&HistoryTable::parse("db_migrate_history"));
    holder_client
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .unwrap();
    let started = Instant::now();
    cli(dir, &db.url)
        .args(["apply", "--lock-timeout", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("release-42").and(predicate::str::contains("pid")));
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_tables WHERE tablename = 't'"),
        0
    );
    holder_client
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .unwrap();
    cli(dir, &db.url)
        .args(["apply", "--lock-timeout", "1"])
        .assert()
        .success();
}

#[test]
fn a_statement_blocked_by_a_long_transaction_is_retried_and_the_blocker_named() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(dir, "20250101000001_base", "CREATE TABLE users (id int);\n");
    cli(dir, &db.url).arg("apply").assert().success();
    migration(
        dir,
        "20250101000002_alter",
        "ALTER TABLE users ADD COLUMN nickname text;\n",
    );

    let holder_url = format!("{}&application_name=nightly-report", db.url);
    let mut holder = postgres::Client::connect(&holder_url, postgres::NoTls).unwrap();
    holder
        .batch_execute("BEGIN; SELECT * FROM users; ")
        .unwrap();
    cli(dir, &db.url)
        .args(["apply", "--ddl-lock-timeout", "0.2", "--lock-retries", "1"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("nightly-report")
                .and(predicate::str::contains("retry 1"))
                .and(predicate::str::contains("timed out waiting for a lock")),
        );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'"
        ),
        0
    );

    // The blocker finishes while we retry: the migration goes through.
    let child = spawn_apply(
        dir,
        &db.url,
        &["--ddl-lock-timeout", "0.2", "--lock-retries", "5"],
    );
    // Once the migration has tried (and timed out) at least once, let it through.
    let start = Instant::now();
    let tried = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid() AND query LIKE '%ALTER TABLE users ADD COLUMN nickname%'",
        db.name
    );
    while count(&db, &tried) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the migration never tried the ALTER"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    holder.batch_execute("COMMIT").unwrap();
    let (code, text) = output(child);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("retry"), "{text}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'"
        ),
        1
    );
}

#[test]
fn a_crlf_checkout_is_not_an_edit() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_base",
        "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n",
    );
    cli(dir, &db.url).arg("apply").assert().success();
    migration(
        dir,
        "20250101000001_base",
        "CREATE TABLE t (id int);  \r\nINSERT INTO t VALUES (1);\r\n\r\n",
    );
    cli(dir, &db.url).arg("status").assert().success();
    cli(dir, &db.url).arg("apply").assert().success();
}

/// A generated migration with a parent, as two branches would make them.
fn generated(dir: &Path, id: &str, parent: Option<&str>, sql: &str) {
    migration(dir, id, sql);
    let meta = serde_json::json!({
        "id": id, "name": &id[15..], "created_at": "2025-01-01T00:00:00Z", "dialect": "postgres",
        "parent": parent, "checksum": "", "tool_version": "0.1.0", "transaction": true,
        "warnings": [], "snapshot": null
    });
    std::fs::write(
        dir.join("migrations").join(id).join("meta.json"),
        meta.to_string(),
    )
    .unwrap();
}

#[test]
fn forks_and_out_of_order_migrations_are_named() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    generated(
        dir,
        "20250101000001_base",
        None,
        "CREATE TABLE t (id int);\n",
    );
    // Branch B generated and deployed first.
    generated(
        dir,
        "20250101000003_branch_b",
        Some("20250101000001_base"),
        "CREATE TABLE b (id int);\n",
    );
    cli(dir, &db.url).arg("apply").assert().success();
    // Branch A merged later, with an older id and the same parent.
    generated(
        dir,
        "20250101000002_branch_a",
        Some("20250101000001_base"),
        "CREATE TABLE a (id int);\n",
    );

    cli(dir, &db.url).arg("status").assert().code(1).stdout(
        predicate::str::contains("fork").and(predicate::str::contains("20250101000003_branch_b")),
    );
    cli(dir, &db.url).arg("apply").assert().code(1).stderr(
        predicate::str::contains("20250101000002_branch_a").and(predicate::str::contains("older")),
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"),
        0
    );
    cli(dir, &db.url)
        .args(["apply", "--allow-out-of-order"])
        .assert()
        .success();
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"),
        1
    );
}

#[test]
fn dry_run_changes_nothing_and_to_stops_early() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(dir, "20250101000001_one", "CREATE TABLE one (id int);\n");
    migration(dir, "20250101000002_two", "CREATE TABLE two (id int);\n");
    cli(dir, &db.url)
        .args(["apply", "--dry-run"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("CREATE TABLE one (id int);")
                .and(predicate::str::contains("CREATE TABLE two (id int);"))
                .and(predicate::str::contains("BEGIN;")),
        );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        0,
        "nothing created"
    );
    cli(dir, &db.url)
        .args(["apply", "--to", "one"])
        .assert()
        .success();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('one', 'two')"
        ),
        1
    );
    cli(dir, &db.url)
        .args(["apply", "--dry-run"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("two").and(predicate::str::contains("CREATE TABLE one").not()),
        );
    cli(dir, &db.url)
        .args(["apply", "--to", "nope"])
        .assert()
        .code(2);
}

/// The dry run prints every statement apply sends: run as a script, it
/// leaves the database exactly as apply would, history included.
#[test]
fn dry_run_output_is_the_run() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(dir, "20250101000001_one", "CREATE TABLE one (id int);\n");
    migration(
        dir,
        "20250101000002_two",
        "-- db-migrate: no-transaction\nCREATE TABLE two (id int);\nINSERT INTO two VALUES (1);\n",
    );
    let out = cli(dir, &db.url)
        .args(["apply", "--dry-run", "--ddl-lock-timeout", "7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("SET lock_timeout = '7000ms';"), "{script}");
    assert!(
        script.contains("CREATE TABLE IF NOT EXISTS \"db_migrate_history\""),
        "{script}"
    );
    db.client().batch_execute(&script).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM two"), 1);
    cli(dir, &db.url).arg("status").assert().success();
    cli(dir, &db.url)
        .arg("apply")
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date"));
    assert_eq!(
        count(&db, "SELECT count(*) FROM two"),
        1,
        "nothing ran twice"
    );
}

#[test]
fn json_events_describe_the_run() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_one",
        "CREATE TABLE one (id int);\nCREATE TABLE one_b (id int);\n",
    );
    let out = cli(dir, &db.url)
        .args(["apply", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "start",
            "migration",
            "statement",
            "statement",
            "applied",
            "done"
        ]
    );
    assert_eq!(events[4]["id"], "20250101000001_one");
    assert_eq!(events[4]["statements"], 2);
}

#[test]
fn baseline_records_without_running() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(
        dir.join("shared/schema.ts"),
        r#"import { pgTable, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: integer("id").primaryKey(), name: text("name") });
"#,
    )
    .unwrap();
    cli(dir, &db.url)
        .args(["generate", "init"])
        .assert()
        .success();
    // The database was built some other way and already has the table...
    db.client()
        .batch_execute("CREATE TABLE users (id integer PRIMARY KEY, name text)")
        .unwrap();
    cli(dir, &db.url).arg("apply").assert().code(1); // running it would fail: the table exists
    cli(dir, &db.url)
        .args(["baseline", "init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("baselined"));
    cli(dir, &db.url).arg("status").assert().success();
    cli(dir, &db.url)
        .arg("apply")
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date"));

    // A database without that schema is refused.
    let other = TestDb::new();
    cli(dir, &other.url)
        .args(["baseline", "init"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not have the schema"));
    assert_eq!(
        count(
            &other,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'db_migrate_history'"
        ),
        0
    );
}

#[test]
fn concurrent_applies_on_sqlite_run_each_migration_once() {
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000000_counter",
        "CREATE TABLE counter (n int NOT NULL);\n",
    );
    for i in 1..=10 {
        migration(
            dir,
            &format!("20250101{:06}_insert_{i}", i),
            &format!("INSERT INTO counter VALUES ({i});\n"),
        );
    }
    let children: Vec<Child> = (0..4)
        .map(|_| spawn_apply(dir, "sqlite:app.db", &[]))
        .collect();
    for child in children {
        let (code, text) = output(child);
        assert_eq!(code, 0, "{text}");
    }
    let c = rusqlite::Connection::open(dir.join("app.db")).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM counter", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 10);
}

/// A report as one line: reports are wrapped to the terminal width.
fn one_line(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sends `signal` (`INT`, `TERM`) to a child process.
fn send(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// Ctrl-C during a statement: the server stops it (no session is left
/// running it), the migration rolls back, the lock is released, exit 130.
#[test]
fn ctrl_c_cancels_the_running_statement_and_rolls_back() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_base",
        "CREATE TABLE events (id int);\n",
    );
    migration(
        dir,
        "20250101000002_long",
        "CREATE TABLE long_made (id int);\nSELECT pg_sleep(60);\n",
    );
    migration(
        dir,
        "20250101000003_after",
        "CREATE TABLE after_made (id int);\n",
    );
    let child = spawn_apply(dir, &db.url, &[]);
    wait_for_query(&db, "SELECT pg_sleep(60)");
    let sent = Instant::now();
    send(&child, "INT");
    let (code, text) = output(child);
    assert_eq!(code, 130, "{text}");
    let text = one_line(&text);
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "it took {:?}",
        sent.elapsed()
    );
    for expected in [
        "interrupted by SIGINT",
        "1 migration applied in this run",
        "20250101000002_long was cancelled and rolled back",
        "not run: 20250101000003_after",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid() AND query LIKE '%SELECT pg_sleep(60)%' AND state = 'active'",
                db.name
            )
        ),
        0,
        "the statement still runs on the server"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'long_made'"
        ),
        0
    );
    // The lock is free: the next run starts at once (the long one shortened).
    migration(
        dir,
        "20250101000002_long",
        "CREATE TABLE long_made (id int);\nSELECT 1;\n",
    );
    cli(dir, &db.url)
        .args(["apply", "--lock-timeout", "2"])
        .assert()
        .success();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM db_migrate_history WHERE finished"
        ),
        3
    );
}

/// SIGTERM (a cancelled CI job) in a no-transaction migration: the statements
/// before the cancelled one stay recorded, exit 143, and the next run resumes.
#[test]
fn sigterm_stops_a_no_transaction_migration_where_it_is() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    let steps = "-- db-migrate: no-transaction\nCREATE TABLE log (msg text);\nINSERT INTO log VALUES ('one');\nSELECT pg_sleep(60);\nINSERT INTO log VALUES ('two');\n";
    migration(dir, "20250101000001_steps", steps);
    let child = spawn_apply(dir, &db.url, &[]);
    wait_for_query(&db, "SELECT pg_sleep(60)");
    send(&child, "TERM");
    let (code, text) = output(child);
    assert_eq!(code, 143, "{text}");
    let text = one_line(&text);
    assert!(text.contains("was cancelled at statement 3 of 4"), "{text}");
    assert_eq!(count(&db, "SELECT count(*) FROM log"), 1);
    migration(
        dir,
        "20250101000001_steps",
        &steps.replace("pg_sleep(60)", "pg_sleep(0)"),
    );
    cli(dir, &db.url).arg("apply").assert().success();
    assert_eq!(count(&db, "SELECT count(*) FROM log"), 2);
}

/// On SQLite, Ctrl-C interrupts the running statement: exit 130 at once,
/// nothing of the migration kept.
#[test]
fn ctrl_c_interrupts_a_sqlite_statement() {
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_long",
        "CREATE TABLE made (id int);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c;\n",
    );
    let child = spawn_apply(dir, "sqlite:app.db", &[]);
    std::thread::sleep(Duration::from_millis(700));
    let sent = Instant::now();
    send(&child, "INT");
    let (code, text) = output(child);
    assert_eq!(code, 130, "{text}");
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "it took {:?}",
        sent.elapsed()
    );
    let c = rusqlite::Connection::open(dir.join("app.db")).unwrap();
    let made: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'made'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(made, 0);
}

/// The server ending the session mid-statement is reported as a lost
/// connection, not as a statement to fix; the next run completes.
#[test]
fn a_lost_connection_is_not_blamed_on_the_statement() {
    let db = TestDb::new();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_long",
        "CREATE TABLE made (id int);\nSELECT pg_sleep(30);\n",
    );
    let child = spawn_apply(dir, &db.url, &[]);
    wait_for_query(&db, "SELECT pg_sleep(30)");
    db.client()
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid() AND query LIKE '%SELECT pg_sleep(30)%'",
            db.name
        ))
        .unwrap();
    let (code, text) = output(child);
    assert_eq!(code, 1, "{text}");
    let text = one_line(&text);
    assert!(text.contains("the connection to"), "{text}");
    assert!(text.contains("was lost while this statement ran"), "{text}");
    assert!(!text.contains("fix the statement"), "{text}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'made'"
        ),
        0
    );
    migration(
        dir,
        "20250101000001_long",
        "CREATE TABLE made (id int);\nSELECT pg_sleep(0);\n",
    );
    cli(dir, &db.url).arg("apply").assert().success();
}

/// Waits until the statistics collector counts `rows` live rows in `table`
/// (the inserting session flushes them when it disconnects).
fn wait_for_live_rows(db: &TestDb, table: &str, rows: i64) {
    for _ in 0..100 {
        let live = count(
            db,
            &format!(
                "SELECT coalesce(max(n_live_tup), 0) FROM pg_stat_user_tables WHERE relname = '{table}'"
            ),
        );
        if live >= rows {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the statistics never showed {rows} rows in {table}");
}

/// A table analysed while empty that now holds 50,000 rows: lint and apply
/// know it has rows, so a NOT NULL column without a default is an error
/// that apply refuses before running anything; `--allow-lint-errors` runs it
/// (and the server then refuses it, rolled back).
#[test]
fn apply_refuses_lint_errors_measured_on_the_live_tables() {
    let db = TestDb::new();
    {
        let mut c = db.client();
        c.batch_execute("CREATE TABLE accounts (id int); ANALYZE accounts;")
            .unwrap();
        c.batch_execute("INSERT INTO accounts SELECT g FROM generate_series(1, 50000) g")
            .unwrap();
    }
    wait_for_live_rows(&db, "accounts", 50_000);
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_tenant",
        "ALTER TABLE accounts ADD COLUMN tenant_id integer NOT NULL;\n",
    );
    cli(dir, &db.url)
        .arg("lint")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "fails: the table has about 50k rows",
        ));
    cli(dir, &db.url).arg("apply").assert().code(1).stderr(
        predicate::str::contains("1 lint error in the pending migrations; nothing was applied")
            .and(predicate::str::contains(
                "20250101000001_tenant migration.sql line 1: [not-null-without-default]",
            ))
            .and(predicate::str::contains("--allow-lint-errors")),
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM db_migrate_history"),
        0,
        "nothing recorded"
    );
    cli(dir, &db.url)
        .args(["apply", "--allow-lint-errors"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("WARNING --allow-lint-errors")
                .and(predicate::str::contains("contains null values")),
        );
}

/// An allow comment above the statement is the reviewed decision: apply runs it.
#[test]
fn an_allow_comment_lets_apply_run_an_error_finding() {
    let db = TestDb::new();
    db.client()
        .batch_execute("CREATE TABLE old_logs (id int); INSERT INTO old_logs VALUES (1);")
        .unwrap();
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(dir, "20250101000001_drop_logs", "DROP TABLE old_logs;\n");
    cli(dir, &db.url)
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("[drop-table]"));
    migration(
        dir,
        "20250101000001_drop_logs",
        "-- db-migrate: allow drop-table\nDROP TABLE old_logs;\n",
    );
    cli(dir, &db.url).arg("apply").assert().success();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'old_logs'"
        ),
        0
    );
}

/// A `CREATE INDEX CONCURRENTLY` still running in another session (what a
/// killed run leaves on the server): apply waits for it instead of starting
/// the build a second time, then finds the index built and records it.
#[test]
fn a_statement_still_running_from_an_earlier_run_is_waited_for() {
    let db = TestDb::new();
    let statement = "CREATE INDEX CONCURRENTLY \"items_id_idx\" ON \"items\" (\"id\")";
    db.client()
        .batch_execute("CREATE TABLE items (id int)")
        .unwrap();
    // An open transaction that wrote to the table keeps the build waiting.
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; INSERT INTO items VALUES (1);")
        .unwrap();
    let url = db.url.clone();
    let earlier = std::thread::spawn(move || {
        let mut c = support::connect(&url);
        c.batch_execute(statement).unwrap();
    });
    let p = tempfile::tempdir().unwrap();
    let dir = p.path();
    migration(
        dir,
        "20250101000001_index",
        &format!("-- db-migrate: no-transaction\n{statement};\n"),
    );
    let apply = std::process::Command::new(assert_cmd::cargo::cargo_bin("db-migrate"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", &db.url)
        .arg("apply")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let the earlier build finish only once apply is seen waiting for it.
    let mut waited = false;
    for _ in 0..200 {
        if count(
            &db,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND query LIKE '%waiting for an earlier attempt%' AND pid <> pg_backend_pid()",
        ) > 0
        {
            waited = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    holder.batch_execute("COMMIT").unwrap();
    earlier.join().unwrap();
    let out = apply.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(waited, "apply never waited: {stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("is still running this statement from an earlier run"),
        "{stderr}"
    );
    assert!(stderr.contains("already built"), "{stderr}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = 'items_id_idx' AND i.indisvalid"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM db_migrate_history WHERE finished"
        ),
        1
    );
}
