//! A database built by drizzle-kit shows no drift: each fixture's recorded
//! drizzle-kit SQL (`expected.sql`, drizzle-kit 0.31) is applied to a fresh
//! database, then `db-migrate diff --from db --to schema` must find nothing.

mod support;

use assert_cmd::Command;
use support::TestDb;
use support::fixtures::{copy_dir, extensions, fixtures_dir};

/// A fixture: its folder, the schema files of its config, its casing, and
/// why it is skipped (a construct the reader does not read yet, or no SQL).
struct Fixture {
    dir: &'static str,
    schema: &'static [&'static str],
    casing: Option<&'static str>,
    pending: Option<&'static str>,
}

const fn fx(dir: &'static str, schema: &'static [&'static str]) -> Fixture {
    Fixture {
        dir,
        schema,
        casing: None,
        pending: None,
    }
}

const fn cased(
    dir: &'static str,
    schema: &'static [&'static str],
    casing: &'static str,
) -> Fixture {
    Fixture {
        dir,
        schema,
        casing: Some(casing),
        pending: None,
    }
}

const fn pending(dir: &'static str, schema: &'static [&'static str], why: &'static str) -> Fixture {
    Fixture {
        dir,
        schema,
        casing: None,
        pending: Some(why),
    }
}

/// The PostgreSQL fixtures with recorded SQL, with the schema files their configs name.
const FIXTURES: &[Fixture] = &[
    fx("01_guide_users", &["shared/schema.ts"]),
    fx("02_blog_reference", &["src/schema.ts"]),
    fx("03_pg_column_types", &["src/db/schema.ts"]),
    fx("03b_pg_extension_types", &["src/db/schema.ts"]),
    fx("04_defaults", &["src/schema.ts"]),
    fx("05_arrays", &["src/schema.ts"]),
    fx("06_identity_generated", &["src/schema.ts"]),
    fx("07_indexes", &["src/schema.ts"]),
    fx("08_constraints", &["src/schema.ts"]),
    fx("09_pg_schema", &["src/schema.ts"]),
    pending(
        "10_sequences_roles_policies",
        &["src/schema.ts"],
        "a policy `TO current_user` reads back from the catalog as the role that ran it",
    ),
    fx("11_views_sql", &["src/schema.ts"]),
    fx("11b_views_query_builder", &["src/schema.ts"]),
    cased("12_casing_snake_case", &["src/db/schema.ts"], "snake_case"),
    cased("12b_casing_camel_case", &["src/db/schema.ts"], "camelCase"),
    fx("13_table_creator", &["src/db/schema.ts"]),
    fx("14_column_callback", &["src/schema.ts"]),
    fx("15_deprecated_extra_config_object", &["src/schema.ts"]),
    fx("16_helpers_spreads", &["src/db/schema.ts"]),
    fx("17_enum_sources", &["src/schema.ts"]),
    fx("18_imported_constants", &["src/db/schema.ts"]),
    fx("19_multi_file_folder", &["src/db/schema"]),
    fx(
        "19b_schema_glob_array",
        &[
            "src/shared/enums.ts",
            "src/auth/*.ts",
            "src/billing/**/*.model.ts",
        ],
    ),
    fx("20_tsconfig_paths", &["src/db/schema/index.ts"]),
    fx("21_npm_workspaces", &["packages/db/src/schema/*.ts"]),
    fx("21b_pnpm_workspace", &["packages/database/schema"]),
    fx("22_sql_templates", &["src/schema.ts"]),
    fx("23_custom_types", &["src/db/schema.ts"]),
    fx("24_js_only_modifiers", &["src/db/schema.ts"]),
    fx("25c_unexported_table", &["src/schema.ts"]),
    fx("28_config_env_filters", &["src/db/schema.ts"]),
    cased("29_config_json", &["db/schema.ts"], "snake_case"),
    fx("30_config_mjs", &["lib/db/catalog.mjs", "lib/db/orders.ts"]),
    fx("31_breakpoints_off", &["src/schema.ts"]),
    fx(
        "33_export_order",
        &["src/db/catalog.ts", "src/db/accounts.ts"],
    ),
    fx("34_config_js_commonjs", &["db/schema.ts"]),
    fx("35_orm_operators", &["src/schema.ts"]),
    fx("37_code_beside_tables", &["src/db/schema.ts"]),
    fx("39_npm_column_helpers", &["src/schema.ts"]),
    fx("40_managed_elsewhere", &["schema.ts"]),
    fx("41_default_operator_classes", &["src/schema.ts"]),
];

/// The statements of drizzle-kit's SQL (split on its breakpoint marker, or on
/// lines when breakpoints are off).
fn statements(sql: &str) -> Vec<String> {
    let parts: Vec<&str> = if sql.contains("--> statement-breakpoint") {
        sql.split("--> statement-breakpoint").collect()
    } else {
        sql.split(";\n").collect()
    };
    parts
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Applies the fixture's SQL and diffs; a failure starting `skipped:` could not run here.
fn check(f: &Fixture) -> Result<(), Failed> {
    let src = fixtures_dir().join(f.dir);
    let sql =
        std::fs::read_to_string(src.join("expected.sql")).map_err(|e| Failed(e.to_string()))?;
    let db = TestDb::new();
    let mut client = db.client();
    for ext in extensions(&src) {
        if client
            .batch_execute(&format!("CREATE EXTENSION IF NOT EXISTS \"{ext}\""))
            .is_err()
        {
            return Err(Failed(format!(
                "skipped: the {ext} extension is not installed"
            )));
        }
    }
    if let Ok(prelude) = std::fs::read_to_string(src.join("prelude.sql")) {
        client.batch_execute(&prelude).expect("prelude.sql");
    }
    // One statement at a time, outside a transaction (07 builds an index CONCURRENTLY).
    for s in statements(&sql) {
        if let Err(e) = client.batch_execute(&s) {
            panic!("{}: drizzle-kit's SQL failed: {e}\n{s}", f.dir);
        }
    }
    let project = tempfile::tempdir().expect("tempdir");
    copy_dir(&src, project.path());
    if src.join("npm").is_dir() {
        // Published packages, installed where npm puts them.
        copy_dir(&src.join("npm"), &project.path().join("node_modules"));
    }
    let schema: Vec<String> = f.schema.iter().map(|s| format!("{s:?}")).collect();
    let mut toml = format!("schema = [{}]\n", schema.join(", "));
    if let Some(c) = f.casing {
        toml.push_str(&format!("casing = {c:?}\n"));
    }
    std::fs::write(project.path().join("db-migrate.toml"), toml).expect("write toml");
    let output = Command::cargo_bin("db-migrate")
        .expect("binary")
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", &db.url)
        .args(["diff", "--from", "db", "--to", "schema"])
        .output()
        .expect("run db-migrate");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() && stderr.contains("no differences") {
        Ok(())
    } else {
        Err(Failed(format!(
            "{}: exit {:?}\n{stdout}\n{stderr}",
            f.dir,
            output.status.code()
        )))
    }
}

/// A fixture that shows drift (or whose diff failed).
struct Failed(String);

#[test]
fn databases_built_by_drizzle_kit_show_no_drift() {
    let mut failed = Vec::new();
    for f in FIXTURES {
        if let Some(why) = f.pending {
            eprintln!("skipped {}: {why}", f.dir);
            continue;
        }
        match check(f) {
            Ok(()) => eprintln!("ok {}", f.dir),
            Err(Failed(why)) if why.starts_with("skipped:") => eprintln!("{} {why}", f.dir),
            Err(Failed(why)) => failed.push(why),
        }
    }
    assert!(failed.is_empty(), "drift:\n{}", failed.join("\n----\n"));
}

#[test]
fn every_postgres_fixture_with_sql_is_listed() {
    for entry in std::fs::read_dir(fixtures_dir())
        .expect("fixtures")
        .flatten()
    {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_string();
        let postgres = support::fixtures::dialect(&dir) == db_migrate::schema::Dialect::Postgres;
        if dir.join("expected.sql").is_file() && postgres {
            assert!(
                FIXTURES.iter().any(|f| f.dir == name),
                "fixture {name} is not in FIXTURES"
            );
        }
    }
}
