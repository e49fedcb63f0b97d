//! The static Drizzle reader against the fixture projects in
//! `tests/fixtures/drizzle/`, each recorded with drizzle-kit 0.31
//! (`tests/oracle/record.sh`).
//!
//! PostgreSQL fixtures: drizzle-kit's `expected.sql` and our SQL for the same
//! schema (generated from an empty database) are applied to two fresh
//! databases, which must then have the same `pg_dump --schema-only`. SQLite
//! fixtures: both are applied to fresh database files, which must have the
//! same table, column, index and foreign key pragmas. Fixtures that a
//! compatible tool must refuse have their error reports snapshotted.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use db_migrate::commands;
use db_migrate::config::{Config, Overrides};
use db_migrate::diff::{RenameMode, Renames};
use db_migrate::render::statements;
use db_migrate::schema::{Dialect, Schema};
use miette::{GraphicalReportHandler, GraphicalTheme};
use support::TestDb;

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/drizzle")
        .join(name)
}

/// The fixture's configuration, as the CLI loads it from its folder.
fn config(name: &str) -> Config {
    let overrides = Overrides {
        project_dir: Some(fixture_dir(name)),
        ..Overrides::default()
    };
    match Config::load(&overrides) {
        Ok(c) => c,
        Err(e) => panic!("{name}: cannot load the configuration: {e:?}"),
    }
}

fn render_report(report: &miette::Report) -> String {
    let mut out = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        return format!("{report:?}");
    }
    out
}

/// Reads the fixture's schema the way the commands do.
fn read(name: &str) -> Result<Schema, String> {
    commands::declared_schema(&config(name)).map_err(|f| render_report(f.report()))
}

fn read_ok(name: &str) -> Schema {
    match read(name) {
        Ok(s) => s,
        Err(e) => panic!("{name}: the schema does not read:\n{e}"),
    }
}

/// Our statements that create the schema from nothing.
fn our_statements(schema: &Schema) -> Vec<String> {
    let empty = Schema::empty(schema.dialect);
    match commands::changes_sql(&empty, schema, &Renames::default(), RenameMode::Ask) {
        Ok(rendered) => statements(&rendered),
        Err(a) => panic!("unexpected rename ambiguity: {a:?}"),
    }
}

/// drizzle-kit's statements from `expected.sql`.
fn expected_statements(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture_dir(name).join("expected.sql"))
        .unwrap_or_else(|e| panic!("{name}: expected.sql: {e}"));
    let separator = if text.contains("--> statement-breakpoint") {
        "--> statement-breakpoint"
    } else {
        ";\n"
    };
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The role a `CREATE ROLE "name" ...` statement creates. Roles belong to
/// the whole cluster, not to one database: both sides' databases share them.
fn created_role(statement: &str) -> Option<String> {
    let rest = statement.trim_start().strip_prefix("CREATE ROLE ")?;
    let name = rest.trim_start().strip_prefix('"')?.split('"').next()?;
    Some(name.to_string())
}

// ---------------------------------------------------------------------------
// PostgreSQL.

fn pg_apply(db: &TestDb, statements: &[String]) -> Result<(), String> {
    let mut client = db.client();
    for s in statements {
        // One at a time, outside a transaction: CREATE INDEX CONCURRENTLY needs it.
        client.batch_execute(s).map_err(|e| {
            format!(
                "{s}\n  -> {}",
                e.as_db_error()
                    .map_or(e.to_string(), |d| d.message().to_string())
            )
        })?;
    }
    Ok(())
}

fn pg_dump_binary() -> PathBuf {
    if let Ok(out) = Command::new("pg_dump").arg("--version").output()
        && out.status.success()
    {
        return PathBuf::from("pg_dump");
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join("bin/pg_dump"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("pg_dump not found: install the PostgreSQL client"))
}

/// `pg_dump --schema-only` without comments, settings and blank lines.
fn pg_dump(db: &TestDb) -> String {
    let out = Command::new(pg_dump_binary())
        .args(["--schema-only", "--no-owner", "--no-privileges", "--dbname"])
        .arg(&db.url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run pg_dump: {e}"));
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            !(l.trim().is_empty()
                || l.starts_with("--")
                || l.starts_with("SET ")
                || l.starts_with("SELECT pg_catalog.set_config")
                || l.starts_with('\\'))
        })
        .map(sorted_options)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Storage options in `WITH (a='1', b='2')` in one order: we keep them
/// sorted, drizzle-kit in declaration order, and both mean the same.
fn sorted_options(line: &str) -> String {
    let Some(start) = line.find("WITH (") else {
        return line.to_string();
    };
    let inner_start = start + "WITH (".len();
    let Some(len) = line[inner_start..].find(')') else {
        return line.to_string();
    };
    let mut options: Vec<&str> = line[inner_start..inner_start + len].split(", ").collect();
    options.sort();
    format!(
        "{}{}{}",
        &line[..inner_start],
        options.join(", "),
        &line[inner_start + len..]
    )
}

/// Creates the extensions a fixture needs; false when the server lacks one.
fn create_extensions(db: &TestDb, name: &str) -> bool {
    let mut client = db.client();
    for e in support::fixtures::extensions(&fixture_dir(name)) {
        if let Err(err) = client.batch_execute(&format!("CREATE EXTENSION IF NOT EXISTS \"{e}\"")) {
            eprintln!(
                "{name}: skipping the PostgreSQL comparison: extension {e} is not available ({err})"
            );
            return false;
        }
    }
    true
}

/// drizzle-kit's SQL and ours build the same PostgreSQL schema.
fn compare_pg(name: &str) {
    compare_pg_schema(name, read_ok(name));
}

/// A copy of the fixture with the published packages of its `npm/` folder
/// installed in `node_modules/`, as `npm install` lays them out.
fn installed_copy(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read dir").flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    copy(&fixture_dir(name), dir.path());
    copy(&dir.path().join("npm"), &dir.path().join("node_modules"));
    dir
}

/// `compare_pg` for a fixture whose schema imports published npm packages.
fn compare_pg_installed(name: &str) {
    let project = installed_copy(name);
    let overrides = Overrides {
        project_dir: Some(project.path().to_path_buf()),
        ..Overrides::default()
    };
    let config = Config::load(&overrides).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let schema = commands::declared_schema(&config).unwrap_or_else(|f| {
        panic!(
            "{name}: the schema does not read:\n{}",
            render_report(f.report())
        )
    });
    compare_pg_schema(name, schema);
}

fn compare_pg_schema(name: &str, schema: Schema) {
    assert_eq!(schema.dialect, Dialect::Postgres, "{name}");
    let all_ours = our_statements(&schema);
    let all_expected = expected_statements(name);
    // Roles are created once for the cluster (both sides must create the same ones).
    let roles = |v: &[String]| -> Vec<String> {
        let mut r: Vec<String> = v.iter().filter_map(|s| created_role(s)).collect();
        r.sort();
        r
    };
    assert_eq!(
        roles(&all_ours),
        roles(&all_expected),
        "{name}: the roles differ"
    );
    let without_roles = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .filter(|s| created_role(s).is_none())
            .collect()
    };
    let ours = without_roles(all_ours.clone());
    let expected = without_roles(all_expected.clone());
    // Declared before the databases, so it drops (and drops the roles) after them.
    let _roles = ClusterRoles::create(all_expected.iter());
    let theirs_db = TestDb::new();
    let ours_db = TestDb::new();
    if !create_extensions(&theirs_db, name) || !create_extensions(&ours_db, name) {
        return;
    }
    // What the fixture's platform provides before any migration (prelude.sql).
    if let Ok(prelude) = std::fs::read_to_string(fixture_dir(name).join("prelude.sql")) {
        for db in [&theirs_db, &ours_db] {
            db.client().batch_execute(&prelude).expect("prelude.sql");
        }
    }
    if let Err(e) = pg_apply(&theirs_db, &expected) {
        panic!("{name}: drizzle-kit's expected.sql does not apply: {e}");
    }
    if let Err(e) = pg_apply(&ours_db, &ours) {
        panic!(
            "{name}: our SQL does not apply: {e}\n\nour SQL:\n{}",
            ours.join(";\n")
        );
    }
    let theirs = pg_dump(&theirs_db);
    let ours_dump = pg_dump(&ours_db);
    if theirs != ours_dump {
        panic!(
            "{name}: the databases differ\n{}\n\nour SQL:\n{}",
            line_diff(&theirs, &ours_dump),
            ours.join(";\n")
        );
    }
}

/// Roles a fixture creates, dropped again when the comparison is over.
struct ClusterRoles {
    admin_url: String,
    names: Vec<String>,
}

impl ClusterRoles {
    fn create<'a>(statements: impl Iterator<Item = &'a String>) -> ClusterRoles {
        let admin_url = support::server_url();
        let mut client = postgres::Client::connect(&admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {admin_url}: {e}"));
        let mut names = Vec::new();
        for s in statements {
            if let Some(name) = created_role(s) {
                client
                    .batch_execute(&format!("DROP ROLE IF EXISTS \"{name}\"; {s}"))
                    .unwrap_or_else(|e| panic!("cannot create role {name}: {e}"));
                names.push(name);
            }
        }
        ClusterRoles { admin_url, names }
    }
}

impl Drop for ClusterRoles {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        if let Ok(mut c) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            for n in &self.names {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS \"{n}\""));
            }
        }
    }
}

/// The lines only one side has, marked `-` (drizzle-kit) and `+` (ours).
fn line_diff(theirs: &str, ours: &str) -> String {
    let a: Vec<&str> = theirs.lines().collect();
    let b: Vec<&str> = ours.lines().collect();
    let mut out = Vec::new();
    for l in &a {
        if !b.contains(l) {
            out.push(format!("- {l}"));
        }
    }
    for l in &b {
        if !a.contains(l) {
            out.push(format!("+ {l}"));
        }
    }
    if out.is_empty() {
        out.push("(same lines in another order)".into());
    }
    out.join("\n")
}

// ---------------------------------------------------------------------------
// SQLite.

fn sqlite_apply(path: &Path, statements: &[String]) -> Result<(), String> {
    let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    for s in statements {
        conn.execute_batch(s)
            .map_err(|e| format!("{s}\n  -> {e}"))?;
    }
    Ok(())
}

/// Tables, columns, indexes and foreign keys of a database file, as pragmas report them.
fn sqlite_pragmas(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open the database");
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let count = stmt.column_count();
        stmt.query_map([], |row| {
            let mut parts = Vec::new();
            for i in 0..count {
                let v: rusqlite::types::Value = row.get(i)?;
                parts.push(match v {
                    rusqlite::types::Value::Null => "NULL".to_string(),
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    rusqlite::types::Value::Real(f) => f.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Blob(b) => format!("{b:?}"),
                });
            }
            Ok(parts.join("|"))
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
    };
    let mut out = Vec::new();
    let tables = rows(
        "SELECT name, sql LIKE '%AUTOINCREMENT%' FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    for t in tables {
        let name = t.split('|').next().unwrap_or_default().to_string();
        out.push(format!("table {t}"));
        for c in rows(&format!("PRAGMA table_xinfo(\"{name}\")")) {
            out.push(format!("  column {c}"));
        }
        let mut fks: Vec<String> = rows(&format!(
            "SELECT \"table\", \"from\", \"to\", on_update, on_delete, \"match\" FROM pragma_foreign_key_list('{name}')"
        ));
        fks.sort();
        for f in fks {
            out.push(format!("  foreign key {f}"));
        }
        let mut indexes = rows(&format!(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list('{name}')"
        ));
        indexes.sort();
        for i in indexes {
            let index = i.split('|').next().unwrap_or_default().to_string();
            out.push(format!("  index {i}"));
            for k in rows(&format!("PRAGMA index_xinfo(\"{index}\")")) {
                out.push(format!("    key {k}"));
            }
        }
    }
    out.join("\n")
}

/// drizzle-kit's SQL and ours build the same SQLite schema.
fn compare_sqlite(name: &str) {
    let schema = read_ok(name);
    assert_eq!(schema.dialect, Dialect::Sqlite, "{name}");
    let dir = tempfile::tempdir().expect("temporary directory");
    let theirs = dir.path().join("theirs.db");
    let ours_path = dir.path().join("ours.db");
    if let Err(e) = sqlite_apply(&theirs, &expected_statements(name)) {
        panic!("{name}: drizzle-kit's expected.sql does not apply: {e}");
    }
    let ours = our_statements(&schema);
    if let Err(e) = sqlite_apply(&ours_path, &ours) {
        panic!("{name}: our SQL does not apply: {e}");
    }
    let a = sqlite_pragmas(&theirs);
    let b = sqlite_pragmas(&ours_path);
    if a != b {
        panic!(
            "{name}: the databases differ\n{}\n\nour SQL:\n{}",
            line_diff(&a, &b),
            ours.join(";\n")
        );
    }
}

// ---------------------------------------------------------------------------
// MySQL (on the test MariaDB).

/// The table a `CREATE TABLE` statement creates.
fn created_table(statement: &str) -> Option<String> {
    let rest = statement.trim_start().strip_prefix("CREATE TABLE `")?;
    rest.split('`').next().map(str::to_string)
}

/// drizzle-kit's SQL and ours build the same MariaDB tables (`SHOW CREATE
/// TABLE`, keys in any order) and views. Where drizzle-kit's statement is one
/// MariaDB refuses (its note says so), ours must apply and be the only
/// difference.
fn compare_mysql(name: &str) {
    let schema = read_ok(name);
    assert_eq!(schema.dialect, Dialect::Mysql, "{name}");
    let theirs = support::mysql::TestMysqlDb::new();
    let ours_db = support::mysql::TestMysqlDb::new();
    let refused = support::fixtures::mariadb_refuses(&fixture_dir(name));
    let mut only_ours = Vec::new();
    let mut session = theirs.session();
    for (i, statement) in expected_statements(name).iter().enumerate() {
        let statement = statement.trim_end_matches(';');
        match session.execute(statement) {
            Ok(()) => assert!(
                !refused.contains(&(i + 1)),
                "{name}: statement {} applies now; update expected.note",
                i + 1
            ),
            Err(e) if refused.contains(&(i + 1)) => {
                only_ours.extend(created_table(statement));
                let _ = e;
            }
            Err(e) => panic!(
                "{name}: drizzle-kit's statement {} does not apply: {e}
{statement}",
                i + 1
            ),
        }
    }
    let ours = our_statements(&schema);
    let mut session = ours_db.session();
    for statement in &ours {
        if let Err(e) = session.execute(statement) {
            panic!(
                "{name}: our SQL does not apply: {e}
{statement}"
            );
        }
    }
    let mut expected_tables = theirs.tables();
    expected_tables.extend(only_ours.iter().cloned());
    expected_tables.sort();
    assert_eq!(
        ours_db.tables(),
        expected_tables,
        "{name}: the tables differ"
    );
    for table in theirs.tables() {
        let a = theirs.show_create(&table);
        let b = ours_db.show_create(&table);
        if a != b {
            panic!(
                "{name}: table {table} differs\n{}\n\nour SQL:\n{}",
                line_diff(&a, &b),
                ours.join(";\n")
            );
        }
    }
    let views = "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1";
    assert_eq!(
        ours_db.column(views),
        theirs.column(views),
        "{name}: the views differ"
    );
}

macro_rules! mysql_fixture {
    ($test:ident, $name:literal) => {
        #[test]
        fn $test() {
            compare_mysql($name);
        }
    };
}

mysql_fixture!(f60_mysql_column_types, "60_mysql_column_types");
mysql_fixture!(
    f61_mysql_constraints_indexes,
    "61_mysql_constraints_indexes"
);
mysql_fixture!(f62_mysql_defaults_generated, "62_mysql_defaults_generated");
mysql_fixture!(f63_mysql_views_schemas, "63_mysql_views_schemas");
mysql_fixture!(f64_mysql_table_creator, "64_mysql_table_creator");

// ---------------------------------------------------------------------------
// Fixtures a compatible tool must refuse.

fn refused(name: &str) -> String {
    match read(name) {
        Ok(s) => panic!("{name}: expected the schema to be refused, read {s:#?}"),
        Err(report) => report,
    }
}

macro_rules! pg_fixture {
    ($test:ident, $name:literal) => {
        #[test]
        fn $test() {
            compare_pg($name);
        }
    };
}

macro_rules! sqlite_fixture {
    ($test:ident, $name:literal) => {
        #[test]
        fn $test() {
            compare_sqlite($name);
        }
    };
}

macro_rules! refused_fixture {
    ($test:ident, $name:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!($name, refused($name));
        }
    };
}

pg_fixture!(f01_guide_users, "01_guide_users");
pg_fixture!(f02_blog_reference, "02_blog_reference");
pg_fixture!(f03_pg_column_types, "03_pg_column_types");
pg_fixture!(f03b_pg_extension_types, "03b_pg_extension_types");
pg_fixture!(f04_defaults, "04_defaults");
pg_fixture!(f05_arrays, "05_arrays");
pg_fixture!(f06_identity_generated, "06_identity_generated");
pg_fixture!(f07_indexes, "07_indexes");
pg_fixture!(f08_constraints, "08_constraints");
pg_fixture!(f09_pg_schema, "09_pg_schema");
pg_fixture!(f10_sequences_roles_policies, "10_sequences_roles_policies");
pg_fixture!(f11_views_sql, "11_views_sql");
pg_fixture!(f11b_views_query_builder, "11b_views_query_builder");
pg_fixture!(f12_casing_snake_case, "12_casing_snake_case");
pg_fixture!(f12b_casing_camel_case, "12b_casing_camel_case");
pg_fixture!(f13_table_creator, "13_table_creator");
pg_fixture!(f14_column_callback, "14_column_callback");
pg_fixture!(
    f15_deprecated_extra_config_object,
    "15_deprecated_extra_config_object"
);
pg_fixture!(f16_helpers_spreads, "16_helpers_spreads");
pg_fixture!(f17_enum_sources, "17_enum_sources");
pg_fixture!(f18_imported_constants, "18_imported_constants");
pg_fixture!(f19_multi_file_folder, "19_multi_file_folder");
pg_fixture!(f19b_schema_glob_array, "19b_schema_glob_array");
pg_fixture!(f20_tsconfig_paths, "20_tsconfig_paths");
pg_fixture!(f21_npm_workspaces, "21_npm_workspaces");
pg_fixture!(f21b_pnpm_workspace, "21b_pnpm_workspace");
pg_fixture!(f22_sql_templates, "22_sql_templates");
pg_fixture!(f23_custom_types, "23_custom_types");
pg_fixture!(f24_js_only_modifiers, "24_js_only_modifiers");
refused_fixture!(f25_unexported_enum, "25_unexported_enum");

pg_fixture!(f25c_unexported_table, "25c_unexported_table");
sqlite_fixture!(f26_sqlite_builders, "26_sqlite_builders");
sqlite_fixture!(f27_sqlite_multi_file, "27_sqlite_multi_file");
pg_fixture!(f28_config_env_filters, "28_config_env_filters");
pg_fixture!(f29_config_json, "29_config_json");
pg_fixture!(f30_config_mjs, "30_config_mjs");
pg_fixture!(f31_breakpoints_off, "31_breakpoints_off");
refused_fixture!(f32_expression_index_unnamed, "32_expression_index_unnamed");
pg_fixture!(f33_export_order, "33_export_order");
pg_fixture!(f34_config_js_commonjs, "34_config_js_commonjs");
pg_fixture!(f35_orm_operators, "35_orm_operators");
sqlite_fixture!(f36_sqlite_quirks, "36_sqlite_quirks");
pg_fixture!(f37_code_beside_tables, "37_code_beside_tables");
sqlite_fixture!(f38_dialect_folder, "38_dialect_folder");

pg_fixture!(f40_managed_elsewhere, "40_managed_elsewhere");
pg_fixture!(f41_default_operator_classes, "41_default_operator_classes");

#[test]
fn f39_npm_column_helpers() {
    compare_pg_installed("39_npm_column_helpers");
}

/// 22b and 22c interpolate JavaScript values into `sql` templates. drizzle-kit
/// refuses the default (22b) and writes `$1` placeholders into the check and
/// the index condition (22c); db-migrate writes the values as SQL literals,
/// which is what the templates mean, and the result applies.
#[test]
fn f22b_22c_javascript_values_in_sql_become_literals() {
    let schema = read_ok("22b_sql_param_in_default");
    let sql = our_statements(&schema).join(";\n");
    assert!(sql.contains("DEFAULT 100"), "{sql}");
    let db = TestDb::new();
    if let Err(e) = pg_apply(&db, &our_statements(&schema)) {
        panic!("22b: our SQL does not apply: {e}");
    }

    let schema = read_ok("22c_sql_param_in_check");
    let ours = our_statements(&schema);
    let sql = ours.join(";\n");
    assert!(!sql.contains("$1"), "{sql}");
    let db = TestDb::new();
    if let Err(e) = pg_apply(&db, &ours) {
        panic!("22c: our SQL does not apply: {e}");
    }
}

/// 25b: a table in a schema the files do not export is created without
/// `CREATE SCHEMA`, as drizzle-kit does (the schema is managed elsewhere), with
/// a warning at the pgSchema call; the SQL applies where the schema exists.
#[test]
fn f25b_unexported_pg_schema_is_taken_as_existing() {
    let dir = fixture_dir("25b_unexported_pg_schema");
    let config = config("25b_unexported_pg_schema");
    let files: Vec<PathBuf> = config.schema.iter().map(|s| dir.join(s)).collect();
    let (schema, warnings) = db_migrate::source::drizzle::read_with_warnings(
        &files,
        &dir,
        &db_migrate::source::drizzle::ReadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("25b: {}", render_report(&miette::Report::new(e))));
    let shown: Vec<String> = warnings.iter().map(|w| w.message().to_string()).collect();
    assert!(
        shown
            .iter()
            .any(|m| m.contains("schema `analytics` is not exported")),
        "{shown:?}"
    );
    let ours = our_statements(&schema);
    assert!(
        !ours.iter().any(|s| s.contains("CREATE SCHEMA")),
        "{ours:?}"
    );
    let db = TestDb::new();
    db.client()
        .batch_execute("CREATE SCHEMA analytics")
        .expect("create schema");
    if let Err(e) = pg_apply(&db, &ours) {
        panic!("25b: our SQL does not apply where the schema exists: {e}");
    }
}

/// 35b: values compared by drizzle-orm's operators in index conditions and
/// checks are written as SQL literals (drizzle-kit writes `$1`), and apply.
#[test]
fn f35b_operator_values_become_literals() {
    let schema = read_ok("35b_orm_operator_values");
    let ours = our_statements(&schema);
    let sql = ours.join(";\n");
    for expected in [
        r#"WHERE ("tickets"."state" = 'open' and "tickets"."priority" <> 0)"#,
        r#"WHERE "tickets"."state" in ('open', 'it''s urgent')"#,
        r#"WHERE "tickets"."title" ilike '%bug%'"#,
        r#"CHECK ("tickets"."priority" between 0 and 5)"#,
        r#"CHECK ("tickets"."state" not in ('deleted'))"#,
    ] {
        assert!(sql.contains(expected), "missing {expected} in:\n{sql}");
    }
    let db = TestDb::new();
    if let Err(e) = pg_apply(&db, &ours) {
        panic!("35b: our SQL does not apply: {e}");
    }
}

/// 23b: parameterised custom types are written unquoted (drizzle-kit quotes
/// `"bytea(32)"` as one identifier, which PostgreSQL rejects).
#[test]
fn f23b_parameterised_custom_types_are_not_quoted() {
    let schema = read_ok("23b_custom_type_quoting");
    let sql = our_statements(&schema).join(";\n");
    assert!(sql.contains("\"key_hash\" bytea(32) NOT NULL"), "{sql}");
    assert!(sql.contains("\"salt\" bytea(16)"), "{sql}");
    assert!(sql.contains("\"scopes\" varbit(64)"), "{sql}");
}

/// Every fixture folder has a test above.
#[test]
fn every_fixture_is_covered() {
    let source = include_str!("reader_fixtures.rs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drizzle");
    for entry in std::fs::read_dir(root).expect("fixtures folder").flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_string();
        assert!(
            source.contains(&format!("\"{name}\"")),
            "fixture {name} has no test in tests/reader_fixtures.rs"
        );
    }
}
