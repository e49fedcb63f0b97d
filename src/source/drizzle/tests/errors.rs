//! Problems are reported with the file, a labelled span and a help text.

use super::*;

const HEAD: &str = "import { sql } from 'drizzle-orm';\nimport { pgTable, pgEnum, integer, text, index } from 'drizzle-orm/pg-core';\n";

fn pg(body: &str) -> Project {
    schema_ts(&format!("{HEAD}{body}"))
}

#[test]
fn syntax_error() {
    let report =
        pg("export const users = pgTable('users', {\n  id: integer('id'.primaryKey(),\n});\n")
            .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn unknown_builder_from_pg_core() {
    let report = schema_ts(
        "import { pgTable, integer, bitstring } from 'drizzle-orm/pg-core';\nexport const t = pgTable('t', {\n  id: integer('id'),\n  flags: bitstring('flags'),\n});\n",
    )
    .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn npm_value_reaching_a_default() {
    let report = schema_ts(
        "import { pgTable, text } from 'drizzle-orm/pg-core';\nimport { nanoid } from 'nanoid';\nexport const t = pgTable('t', {\n  id: text('id').$defaultFn(() => nanoid()),\n  code: text('code').default(nanoid()),\n});\n",
    )
    .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn unexported_enum_used_by_an_exported_table() {
    let report = pg("const hidden = pgEnum('hidden_enum', ['a', 'b']);\nexport const t = pgTable('t', {\n  h: hidden('h'),\n  again: hidden('again'),\n});\n")
        .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn expression_index_without_a_name() {
    let report = pg("export const t = pgTable('t', {\n  email: text('email'),\n}, (t) => [\n  index().on(sql`lower(${t.email})`),\n]);\n")
        .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn mixed_postgres_and_sqlite() {
    let report = Project::new()
        .file("pg.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const a = pgTable('a', { id: integer('id') });\n")
        .file("lite.ts", "import { sqliteTable, integer } from 'drizzle-orm/sqlite-core';\nexport const b = sqliteTable('b', { id: integer('id') });\n")
        .errors(&["pg.ts", "lite.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn no_tables() {
    let report =
        pg("const users = pgTable('users', { id: integer('id') });\n").errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn several_errors_in_one_file_are_all_reported() {
    let report = pg(
        "import { v4 } from 'uuid';\nexport const a = pgTable('a', {\n  id: integer('id').default(v4()),\n  x: text('x').nope(),\n});\nexport const b = pgTable('b', {\n  id: integer('id').references(() => missing.id),\n  n: integer('n').default(sql`${v4()}`),\n}, (t) => [index().on(t.nothing)]);\n",
    )
    .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn a_missing_module_and_an_unexported_foreign_table() {
    let report = Project::new()
        .file(
            "schema.ts",
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { gone } from './gone';\nimport { parents } from './parents';\nexport const kids = pgTable('kids', { parentId: integer('parent_id').references(() => parents.id), n: integer(gone) });\n",
        )
        .file("parents.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const parents = pgTable('parents', { id: integer('id') });\n")
        .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);

    let report = Project::new()
        .file(
            "schema.ts",
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { parents } from './parents';\nexport const kids = pgTable('kids', { parentId: integer('parent_id').references(() => parents.id) });\n",
        )
        .file("parents.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const parents = pgTable('parents', { id: integer('id') });\n")
        .errors(&["schema.ts"]);
    insta::assert_snapshot!("unexported_foreign_table", report);
}

#[test]
fn a_value_that_needs_itself() {
    let report = pg("export const a = pgTable('a', { id: integer('id').default(b.length) });\nconst b: string = String(a);\n")
        .errors(&["schema.ts"]);
    insta::assert_snapshot!(report);
}

#[test]
fn runaway_code_is_stopped() {
    let started = std::time::Instant::now();
    let report = pg("const f = (n: number): number => f(n + 1);\nexport const a = pgTable('a', { id: integer('id').default(f(0)) });\n")
        .errors(&["schema.ts"]);
    assert!(report.contains("nest too deeply"), "{report}");
    let report = pg("const f = (n: number): number => (n > 0 ? f(n - 1) + f(n - 1) : 1);\nexport const a = pgTable('a', { id: integer('id').default(f(40)) });\n")
        .errors(&["schema.ts"]);
    assert!(report.contains("runs too long"), "{report}");
    let deep = format!(
        "export const x = {}1{};\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let report = pg(&deep).errors(&["schema.ts"]);
    assert!(report.contains("nest more than"), "{report}");
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn missing_entry_file() {
    let report = Project::new().errors(&["nope.ts"]);
    assert!(
        report.contains("cannot read schema file `nope.ts`"),
        "{report}"
    );
}

#[test]
fn deeply_nested_values_built_in_loops() {
    let report = pg(
        "const f = () => { let a: any = []; const s = 'x'.repeat(9999).split(''); for (const c of s) { for (const d of s) { a = [a]; } } return String(a); };\nexport const a = pgTable('a', { id: integer('id').default(f()) });\n",
    )
    .errors(&["schema.ts"]);
    assert!(report.contains("creates too many values"), "{report}");
}

#[test]
fn deeply_nested_closures_and_fragments() {
    let report = pg(
        "const f = () => { let g: any = () => 0; let s: any = sql`1`; let o: any = {}; const x = 'x'.repeat(9999).split(''); for (const c of x) { for (const d of x) { const h = g; g = () => h(); s = sql`(${s})`; o = { o }; } } return 1; };\nexport const a = pgTable('a', { id: integer('id').default(f()) });\n",
    )
    .errors(&["schema.ts"]);
    assert!(report.contains("evaluation stopped"), "{report}");
    let report = pg(
        "const f = () => { let s: any = sql`1`; for (const c of 'x'.repeat(500).split('')) { s = sql`(${s})`; } return s; };\nexport const a = pgTable('a', { id: integer('id').default(f()) });\n",
    )
    .errors(&["schema.ts"]);
    assert!(report.contains("nests more than 100"), "{report}");
    let report = pg(
        "const f = () => { const a: any[] = []; a.push(a); return String(a); };\nexport const a = pgTable('a', { id: text('id').default(f()) });\n",
    )
    .errors(&["schema.ts"]);
    assert!(
        report.contains("cannot turn an array into a string"),
        "{report}"
    );
    let report = pg(
        "const f = () => { let s = 'ab'; for (const c of 'x'.repeat(60).split('')) { s = s + s; } return s; };\nexport const a = pgTable('a', { id: text('id').default(f()) });\n",
    )
    .errors(&["schema.ts"]);
    assert!(report.contains("too large"), "{report}");
}

fn assert_reports(report: &str, expected: &[&str]) {
    for e in expected {
        assert!(report.contains(e), "expected {e:?} in:\n{report}");
    }
}

#[test]
fn values_only_known_at_run_time() {
    let report = pg("export const t = pgTable(process.env.TABLE_NAME!, { id: integer('id') });\n")
        .errors(&["schema.ts"]);
    assert_reports(
        &report,
        &[
            "the table name must be known",
            "`process.env.TABLE_NAME`",
            "inline the value",
        ],
    );
    let report = pg("import cfg from '@/config';\nexport const t = pgTable('t', { id: text('id').default(cfg.defaults.id) });\n")
        .errors(&["schema.ts"]);
    assert_reports(
        &report,
        &[
            "`cfg.defaults.id`",
            "imported from `@/config`",
            "`paths` alias",
        ],
    );
    let report = pg("const n = Math.max(1, 2);\nexport const t = pgTable('t', { id: integer('id').default(n > 1 ? 1 : 2) });\n")
        .errors(&["schema.ts"]);
    assert_reports(&report, &["cannot decide this condition"]);
}

#[test]
fn unsupported_javascript_is_reported_where_it_is() {
    let report = pg("class Base {}\nexport const t = pgTable('t', { id: integer('id').default(new Base() as any) });\n").errors(&["schema.ts"]);
    assert_reports(&report, &["it is `new Base()`, a class", "schema.ts:4:"]);
    let report = pg("const make = function (this: any) { return 1; };\nexport const t = pgTable('t', { id: integer('id').default(new (make as any)()) });\n")
        .errors(&["schema.ts"]);
    assert_reports(
        &report,
        &["it is `new (make as any)()`", "an instance of a class"],
    );
    // Constructs the reader does not model are fine where nothing needs them.
    pg("class Validator { check() { return this; } }\nexport const slug = /^[a-z]+$/;\nexport const re = new RegExp('x');\nexport const v = new Validator();\nexport const t = pgTable('t', { id: integer('id') });\n")
        .schema(&["schema.ts"]);
    // A top-level statement that is not a call is skipped with a warning.
    let warnings = pg("const extra: any = {};\nextra.id = integer('id');\nexport const t = pgTable('t', { id: integer('id') });\n")
        .warnings(&["schema.ts"]);
    assert_reports(
        &warnings,
        &["this top-level statement is skipped", "schema.ts:4:1"],
    );
    // Calls into npm packages and `console` cannot change the schema: they are skipped.
    pg("import * as dotenv from 'dotenv';\ndotenv.config({ path: '.env.local' });\nconsole.log('loading');\nexport const t = pgTable('t', { id: integer('id') });\n")
        .schema(&["schema.ts"]);
    let report = pg("export const t = pgTable('t', { id: integer('id').default(/x/ as any) });\n")
        .errors(&["schema.ts"]);
    assert_reports(&report, &["it is `/x/`, a regular"]);
}

#[test]
fn entity_problems() {
    let report = pg(
        "import { pgSchema } from 'drizzle-orm/pg-core';\nexport const s = pgSchema('public');\n",
    )
    .errors(&["schema.ts"]);
    assert_reports(&report, &["`pgSchema('public')` is not allowed"]);
    let report = pg("export const a = pgTable('t', { id: integer('id') });\nexport const b = pgTable('t', { id: integer('id') });\n").errors(&["schema.ts"]);
    assert_reports(&report, &["two exported tables are named `t`"]);
    let report = pg("enum N { A, B }\nexport const e = pgEnum('n', N);\n").errors(&["schema.ts"]);
    assert_reports(&report, &["must be strings"]);
    let report = pg("import { pgSchema } from 'drizzle-orm/pg-core';\nconst app = pgSchema('app');\nexport const t = app.table('t', { id: integer('id') });\n").warnings(&["schema.ts"]);
    assert_reports(
        &report,
        &["schema `app` is not exported by the schema files: table `t` is in it"],
    );
    let report = pg("export const t = pgTable('t', { a: integer('a').primaryKey(), b: integer('b').primaryKey(), c: integer, d: 'x' });\n").errors(&["schema.ts"]);
    assert_reports(
        &report,
        &[
            "`c` in table `t` is not a column",
            "call the builder: `integer()`",
            "`d` in table `t` is not a column",
        ],
    );
    let report = pg("export const t = pgTable('t', { a: integer('a').primaryKey(), b: integer('b').primaryKey() });\n").errors(&["schema.ts"]);
    assert_reports(&report, &["more than one `.primaryKey()` column: a, b"]);
    let report = pg("export const t = pgTable('t', { a: integer('a').references(() => 'x' as any, { onDelete: 'explode' as any }) });\n").errors(&["schema.ts"]);
    assert_reports(
        &report,
        &[
            "`explode` is not a foreign key action",
            "returns a string, not a column",
        ],
    );
}

#[test]
fn cycles_between_files_need_functions() {
    let report = Project::new()
        .file("a.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { b } from './b';\nexport const a = pgTable('a', { id: integer('id').default(b.length) });\n")
        .file("b.ts", "import { a } from './a';\nexport const b = [a];\n")
        .errors(&["a.ts"]);
    assert_reports(
        &report,
        &["`a` is used before its definition is complete", "b.ts:2:"],
    );
}

#[test]
fn endless_loops_are_stopped() {
    for body in [
        "const f = () => { while (true) {} return 1; };",
        "const f = () => { for (;;) {} return 1; };",
        "const f = () => { let i = 0; for (; i >= 0; i++) {} return i; };",
    ] {
        let started = std::time::Instant::now();
        let report = pg(&format!(
            "{body}\nexport const a = pgTable('a', {{ id: integer('id').default(f()) }});\n"
        ))
        .errors(&["schema.ts"]);
        assert!(report.contains("runs too long"), "{report}");
        assert!(started.elapsed().as_secs() < 30);
    }
}

/// One snapshot per unsupported or broken construct.
#[test]
fn unsupported_and_broken_constructs() {
    const VIEWS: &str = "import { sql } from 'drizzle-orm';\nimport { pgTable, pgView, pgPolicy, customType, integer, vector, timestamp } from 'drizzle-orm/pg-core';\n";
    let cases: Vec<(&str, Project, &str)> = vec![
        (
            "query_builder_view",
            schema_ts(&format!("{VIEWS}export const t = pgTable('t', {{ id: integer('id') }});\nexport const v = pgView('v').as((qb: any) => qb.select().from(t).for('update'));\n")),
            "schema.ts",
        ),
        (
            "view_without_body",
            schema_ts(&format!("{VIEWS}export const v = pgView('v', {{ id: integer('id') }});\n")),
            "schema.ts",
        ),
        (
            "policy_not_attached",
            schema_ts(&format!("{VIEWS}export const t = pgTable('t', {{ id: integer('id') }});\nexport const p = pgPolicy('p', {{ using: sql`true` }});\n")),
            "schema.ts",
        ),
        (
            "policy_with_unknown_command",
            schema_ts(&format!("{VIEWS}export const t = pgTable('t', {{ id: integer('id') }}, () => [pgPolicy('p', {{ for: 'read' as any }})]);\n")),
            "schema.ts",
        ),
        (
            "custom_type_without_data_type",
            schema_ts(&format!("{VIEWS}const money = customType({{ toDriver: (v: number) => v }} as any);\nexport const t = pgTable('t', {{ m: money('m') }});\n")),
            "schema.ts",
        ),
        (
            "vector_without_dimensions",
            schema_ts(&format!("{VIEWS}export const t = pgTable('t', {{ v: vector('v', {{}} as any) }});\n")),
            "schema.ts",
        ),
        (
            "current_time_as_default",
            schema_ts(&format!("{VIEWS}export const t = pgTable('t', {{ at: timestamp('at').default(new Date()) }});\n")),
            "schema.ts",
        ),
        (
            "local_time_date",
            schema_ts(&format!("{VIEWS}export const t = pgTable('t', {{ at: timestamp('at').default(new Date('2024-01-01 10:00')) }});\n")),
            "schema.ts",
        ),
        (
            "npm_value_in_a_check",
            schema_ts("import { sql } from 'drizzle-orm';\nimport { pgTable, integer, check } from 'drizzle-orm/pg-core';\nimport { LIMITS } from '@acme/limits';\nexport const t = pgTable('t', { n: integer('n') }, (t) => [check('n_max', sql`${t.n} < ${LIMITS.n}`)]);\n"),
            "schema.ts",
        ),
        (
            "path_alias_without_a_file",
            Project::new()
                .file("tsconfig.json", r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"] } } }"#)
                .file("schema.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { id } from '@/db/columns';\nexport const t = pgTable('t', { id: id() });\n"),
            "schema.ts",
        ),
        (
            "workspace_package_without_entry",
            Project::new()
                .file("package.json", r#"{ "workspaces": ["packages/*"] }"#)
                .file("packages/cols/package.json", r#"{ "name": "@acme/cols", "exports": { ".": "./src/index.ts" } }"#)
                .file("schema.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { id } from '@acme/cols';\nexport const t = pgTable('t', { id: id() });\n"),
            "schema.ts",
        ),
        (
            "async_helper",
            schema_ts("import { pgTable, integer } from 'drizzle-orm/pg-core';\nconst make = async () => integer('id');\nexport const t = pgTable('t', { id: make() as any });\n"),
            "schema.ts",
        ),
        (
            "this_in_a_getter",
            schema_ts("import { pgTable, integer } from 'drizzle-orm/pg-core';\nconst cols = { get id() { return integer(`id_${(this as any).suffix}`); } };\nexport const t = pgTable('t', cols);\n"),
            "schema.ts",
        ),
    ];
    for (name, project, entry) in cases {
        let report = project.errors(&[entry]);
        insta::assert_snapshot!(name, report);
    }
}

/// drizzle.config problems are reported like schema problems.
#[test]
fn drizzle_config_problems() {
    use crate::source::drizzle::{find_config, read_config};
    let cases = [
        (
            "config_throws",
            "import { defineConfig } from 'drizzle-kit';\nif (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set');\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts' });\n",
        ),
        (
            "config_with_a_wrong_type",
            "export default { dialect: 'postgresql', schema: ['./a.ts', 42] };\n",
        ),
        (
            "config_depending_on_an_unknown_condition",
            "import { isProd } from './env';\nexport default { dialect: 'postgresql', schema: isProd ? './a.ts' : './b.ts' };\n",
        ),
    ];
    for (name, text) in cases {
        let project = Project::new()
            .file("drizzle.config.ts", text)
            .file("env.ts", "import { z } from 'zod';\nexport const isProd = z.boolean().parse(process.env.PROD);\n");
        let path = find_config(project.path()).expect("config file");
        let report = match read_config(&path, &[]) {
            Ok(c) => panic!("{name}: expected problems, read {c:?}"),
            Err(e) => render(&e),
        };
        insta::assert_snapshot!(name, report);
    }
}

/// A binding that fails to evaluate and is not an entity (a validation
/// schema, a helper's result) is opaque: its problems are reported only if
/// it reaches DDL, and then at their own place.
#[test]
fn failed_bindings_matter_only_where_ddl_needs_them() {
    let helper = "import { Kind } from '@sinclair/typebox';\nexport const pick = (v: any) => { if (v[Kind]) { return 'a'; } return 'b'; };\n";
    let project = Project::new().file("helper.ts", helper).file(
        "schema.ts",
        "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { pick } from './helper';\nexport const t = pgTable('t', { id: integer('id') });\nexport const models = { insert: pick(t) };\n",
    );
    assert_eq!(project.schema(&["schema.ts"]).tables.len(), 1);

    let report = Project::new()
        .file("helper.ts", helper)
        .file(
            "schema.ts",
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { pick } from './helper';\nconst name = pick({});\nexport const t = pgTable('t', { id: integer(name) });\n",
        )
        .errors(&["schema.ts"]);
    assert_reports(
        &report,
        &[
            "the column name must be known when reading the schema, but it is `name`",
            "cannot decide this condition: it depends on `v[Kind]`",
            "helper.ts:2:",
        ],
    );
}
