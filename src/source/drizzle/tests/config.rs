//! drizzle.config files evaluated with the interpreter.

use super::*;
use crate::source::drizzle::{Credentials, DrizzleConfig, find_config, read_config};

fn read(project: &Project, env: &[(&str, &str)]) -> Result<DrizzleConfig, SchemaError> {
    let path = find_config(project.path()).expect("a config file");
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    read_config(&path, &env)
}

fn ok(project: &Project, env: &[(&str, &str)]) -> DrizzleConfig {
    match read(project, env) {
        Ok(c) => c,
        Err(e) => panic!("unexpected errors:\n{}", render(&e)),
    }
}

#[test]
fn define_config_with_env_defaults_and_a_guard() {
    let project = Project::new().file(
        "drizzle.config.ts",
        r#"import { defineConfig } from "drizzle-kit";
import type { Config } from "drizzle-kit";
import "dotenv/config";

if (!process.env.DATABASE_URL) {
  throw new Error("DATABASE_URL is not set");
}
const dir = "./src/db";

export default defineConfig({
  dialect: "postgresql",
  schema: process.env.SCHEMA ?? [`${dir}/a.ts`, dir + "/b.ts"],
  casing: process.env.CASING || "snake_case",
  dbCredentials: { url: process.env.DATABASE_URL! },
  schemaFilter: "public",
  tablesFilter: ["*", "!legacy_*"],
  migrations: { table: "schema_migrations", schema: "ops" },
  strict: true,
}) satisfies Config;
"#,
    );
    let c = ok(&project, &[("DATABASE_URL", "postgres://x@h/db")]);
    assert_eq!(c.dialect.as_deref(), Some("postgresql"));
    assert_eq!(
        c.schema,
        Some(vec![
            "./src/db/a.ts".to_string(),
            "./src/db/b.ts".to_string()
        ])
    );
    assert_eq!(c.casing.as_deref(), Some("snake_case"));
    assert_eq!(
        c.credentials.and_then(|c| c.url).as_deref(),
        Some("postgres://x@h/db")
    );
    assert_eq!(c.schema_filter, vec!["public"]);
    assert_eq!(c.tables_filter, vec!["*", "!legacy_*"]);
    assert_eq!(c.migrations_table.as_deref(), Some("schema_migrations"));
    assert_eq!(c.migrations_schema.as_deref(), Some("ops"));

    let e = read(&project, &[]).expect_err("the guard throws");
    let report = render(&e);
    assert!(
        report.contains("the code throws an error: DATABASE_URL is not set"),
        "{report}"
    );
    assert!(report.contains("drizzle.config.ts:6:"), "{report}");
}

#[test]
fn commonjs_and_json_configs() {
    let c = ok(
        &Project::new().file(
            "drizzle.config.js",
            "/** @type { import('drizzle-kit').Config } */\nmodule.exports = {\n  dialect: 'sqlite',\n  schema: './db/schema.ts',\n  dbCredentials: { url: 'file:./local.db' },\n};\n",
        ),
        &[],
    );
    assert_eq!(c.dialect.as_deref(), Some("sqlite"));
    assert_eq!(c.schema, Some(vec!["./db/schema.ts".to_string()]));

    let c = ok(
        &Project::new().file(
            "drizzle.config.json",
            r#"{ "dialect": "postgresql", "schema": ["./a.ts"], "casing": "camelCase",
                 "dbCredentials": { "host": "db", "port": 5433, "user": "u", "password": "p w", "database": "app", "ssl": true } }"#,
        ),
        &[],
    );
    assert_eq!(c.casing.as_deref(), Some("camelCase"));
    assert_eq!(
        c.credentials,
        Some(Credentials {
            url: None,
            host: Some("db".into()),
            port: Some("5433".into()),
            user: Some("u".into()),
            password: Some("p w".into()),
            database: Some("app".into()),
            ssl: Some("require".into()),
        })
    );
}

#[test]
fn the_first_config_file_wins() {
    let project = Project::new()
        .file("drizzle.config.json", r#"{ "dialect": "sqlite" }"#)
        .file(
            "drizzle.config.mts",
            "export default { dialect: 'postgresql' };\n",
        );
    assert_eq!(ok(&project, &[]).dialect.as_deref(), Some("postgresql"));
}

#[test]
fn values_from_npm_packages_are_reported_only_when_used() {
    let project = Project::new().file(
        "drizzle.config.ts",
        "import { defineConfig } from 'drizzle-kit';\nimport { env } from '@/env';\nexport default defineConfig({\n  dialect: 'postgresql',\n  schema: './schema.ts',\n  dbCredentials: { url: env.DATABASE_URL },\n});\n",
    );
    let c = ok(&project, &[]);
    assert_eq!(c.schema, Some(vec!["./schema.ts".to_string()]));
    assert!(c.unknown("schema").is_none());
    let problem = c.unknown("dbCredentials").expect("url is unknown");
    let report = render(&problem);
    assert!(
        report.contains("`url` in the drizzle config is not known statically"),
        "{report}"
    );
    assert!(report.contains("`env.DATABASE_URL`"), "{report}");
}

#[test]
fn broken_configs_are_reported() {
    let report = render(
        &read(
            &Project::new().file("drizzle.config.ts", "export default { schema: 42 };\n"),
            &[],
        )
        .expect_err("schema must be strings"),
    );
    assert!(
        report.contains("`schema` in the drizzle config must be a string or an array of strings"),
        "{report}"
    );
    let report = render(
        &read(
            &Project::new().file("drizzle.config.ts", "const x = 1;\n"),
            &[],
        )
        .expect_err("nothing exported"),
    );
    assert!(
        report.contains("the config file exports nothing"),
        "{report}"
    );
    let report = render(
        &read(
            &Project::new().file("drizzle.config.json", "{ \"dialect\": "),
            &[],
        )
        .expect_err("invalid JSON"),
    );
    assert!(report.contains("is not valid JSON"), "{report}");
}
