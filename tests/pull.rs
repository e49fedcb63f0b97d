//! `pull` round trips over every fixture project: the database drizzle-kit's
//! SQL builds is pulled into TypeScript, and the static reader reads that
//! back to the same database (`pull` checks it and exits 1 naming what
//! differs); then `generate init` from the pulled file builds, on a fresh
//! database, one that `check` finds equal.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use db_migrate::schema::Dialect;
use support::TestDb;
use support::fixtures::{extensions, fixtures_dir};

/// Fixtures whose database cannot be built in a shared test server.
const SKIPPED: &[(&str, &str)] = &[(
    "10_sequences_roles_policies",
    "creates cluster-wide roles, which parallel tests on one server would share",
)];

fn fixtures() -> Vec<PathBuf> {
    let root = fixtures_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.sql").is_file())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            !SKIPPED.iter().any(|(s, _)| *s == name)
        })
        .collect();
    dirs.sort();
    dirs
}

fn is_sqlite(fixture: &Path) -> bool {
    support::fixtures::dialect(fixture) == Dialect::Sqlite
}

fn is_postgres(fixture: &Path) -> bool {
    support::fixtures::dialect(fixture) == Dialect::Postgres
}

fn cli(dir: &Path, url: &str) -> Command {
    support::cli::db_migrate(dir, Some(url))
}

/// Pulls from `url` into a new project and checks the round trip; returns
/// what went wrong.
fn round_trip(name: &str, url: &str, fresh_url: &str, schema_filter: &[String]) -> Option<String> {
    let project = tempfile::tempdir().expect("tempdir");
    let dir = project.path();
    if !schema_filter.is_empty() {
        std::fs::write(
            dir.join("drizzle.config.json"),
            serde_json::json!({ "dialect": "postgresql", "schema": "./shared/schema.ts", "schemaFilter": schema_filter })
                .to_string(),
        )
        .expect("config");
    }
    let pulled = cli(dir, url).arg("pull").output().expect("pull");
    if !pulled.status.success() {
        return Some(format!(
            "{name}: pull exit {:?}\n{}{}",
            pulled.status.code(),
            String::from_utf8_lossy(&pulled.stdout),
            String::from_utf8_lossy(&pulled.stderr)
        ));
    }
    let generated = cli(dir, fresh_url)
        .args(["generate", "init"])
        .output()
        .expect("generate");
    let applied = cli(dir, fresh_url).arg("apply").output().expect("apply");
    let checked = cli(dir, fresh_url).arg("check").output().expect("check");
    for (step, out) in [
        ("generate", generated),
        ("apply", applied),
        ("check", checked),
    ] {
        if !out.status.success() {
            let schema = std::fs::read_to_string(dir.join("shared/schema.ts")).unwrap_or_default();
            return Some(format!(
                "{name}: {step} exit {:?}\n{}{}\n--- pulled schema ---\n{schema}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    None
}

#[test]
fn pulled_postgres_schemas_read_back_to_the_same_database() {
    let mut failures = Vec::new();
    for fixture in fixtures().into_iter().filter(|f| is_postgres(f)) {
        let name = fixture
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let db = TestDb::new();
        let fresh = TestDb::new();
        let mut client = db.client();
        // Extensions in both databases (the pulled schema uses their types);
        // the prelude (objects managed elsewhere) only where it is pulled from.
        for ext in extensions(&fixture) {
            for target in [&mut client, &mut fresh.client()] {
                target
                    .batch_execute(&format!("CREATE EXTENSION IF NOT EXISTS \"{ext}\""))
                    .expect(
                        "the extension a fixture needs (apt-get install postgresql-15-pgvector...)",
                    );
            }
        }
        let prelude = std::fs::read_to_string(fixture.join("prelude.sql")).unwrap_or_default();
        client.batch_execute(&prelude).expect("prelude");
        let sql = std::fs::read_to_string(fixture.join("expected.sql")).expect("expected.sql");
        // One statement at a time: CREATE INDEX CONCURRENTLY cannot share a batch.
        let applied = sql
            .split("--> statement-breakpoint")
            .try_for_each(|statement| client.batch_execute(statement));
        if let Err(e) = applied {
            let detail = e
                .as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_default();
            failures.push(format!(
                "{name}: drizzle-kit's SQL does not apply: {e} {detail}"
            ));
            continue;
        }
        let schemas: Vec<String> = client
            .query(
                "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
                 AND nspname NOT IN ('information_schema', 'public') ORDER BY 1",
                &[],
            )
            .expect("schemas")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let filter = if schemas.is_empty() {
            Vec::new()
        } else {
            std::iter::once("public".to_string())
                .chain(schemas)
                .collect()
        };
        if let Some(f) = round_trip(&name, &db.url, &fresh.url, &filter) {
            failures.push(f);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn pulled_mysql_schemas_read_back_to_the_same_database() {
    let mut failures = Vec::new();
    for fixture in fixtures()
        .into_iter()
        .filter(|f| support::fixtures::dialect(f) == Dialect::Mysql)
    {
        let name = fixture
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let source = support::mysql::TestMysqlDb::new();
        let fresh = support::mysql::TestMysqlDb::new();
        let refused = support::fixtures::mariadb_refuses(&fixture);
        let sql = std::fs::read_to_string(fixture.join("expected.sql")).expect("expected.sql");
        let mut session = source.session();
        for (i, statement) in sql.split("--> statement-breakpoint").enumerate() {
            let statement = statement.trim().trim_end_matches(';');
            if let Err(e) = session.execute(statement)
                && !refused.contains(&(i + 1))
            {
                panic!(
                    "{name}: drizzle-kit's statement {} does not apply: {e}",
                    i + 1
                );
            }
        }
        if let Some(f) = round_trip(&name, &source.url(), &fresh.url(), &[]) {
            failures.push(f);
            continue;
        }
        let history = |t: &String| t != "db_migrate_history";
        let fresh_tables: Vec<String> = fresh.tables().into_iter().filter(history).collect();
        if fresh_tables != source.tables() {
            failures.push(format!(
                "{name}: tables {fresh_tables:?}, expected {:?}",
                source.tables()
            ));
            continue;
        }
        for table in source.tables() {
            let (a, b) = (source.show_create(&table), fresh.show_create(&table));
            if a != b {
                failures.push(format!(
                    "{name}: table {table} differs\n--- source\n{a}\n--- pulled\n{b}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn pulled_sqlite_schemas_read_back_to_the_same_database() {
    let mut failures = Vec::new();
    for fixture in fixtures().into_iter().filter(|f| is_sqlite(f)) {
        let name = fixture
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let files = tempfile::tempdir().expect("tempdir");
        let source = files.path().join("source.db");
        let sql = std::fs::read_to_string(fixture.join("expected.sql")).expect("expected.sql");
        let c = rusqlite::Connection::open(&source).expect("sqlite");
        if let Err(e) = c.execute_batch(&sql) {
            failures.push(format!("{name}: drizzle-kit's SQL does not apply: {e}"));
            continue;
        }
        drop(c);
        let url = format!("sqlite:{}", source.display());
        let fresh = format!("sqlite:{}", files.path().join("fresh.db").display());
        if let Some(f) = round_trip(&name, &url, &fresh, &[]) {
            failures.push(f);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
