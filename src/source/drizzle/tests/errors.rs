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
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nimport { gone } from './gone';\nimport { parents } from './parents';\nexport const kids = pgTable('kids', { parentId: integer('parent_id').references(() => parents.id) });\n",
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
