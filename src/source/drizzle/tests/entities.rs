//! Views, roles, policies, row-level security, custom types, extension
//! column types, Date defaults and SQLite views and virtual columns.

use super::*;
use crate::schema::*;

const PG: &str = "import { sql } from 'drizzle-orm';\nimport { pgTable, pgSchema, pgView, pgMaterializedView, pgPolicy, pgRole, customType, integer, text, uuid, timestamp, date, index } from 'drizzle-orm/pg-core';\n";

fn pg(body: &str) -> Schema {
    schema_ts(&format!("{PG}{body}")).schema(&["schema.ts"])
}

fn pg_errors(body: &str) -> String {
    schema_ts(&format!("{PG}{body}")).errors(&["schema.ts"])
}

fn pg_warnings(body: &str) -> String {
    schema_ts(&format!("{PG}{body}")).warnings(&["schema.ts"])
}

#[test]
fn views_with_sql_bodies_and_options() {
    let s = pg(r#"
export const reporting = pgSchema('reporting');
export const employees = pgTable('employees', { id: integer('id'), active: integer('active'), name: text('name') });
export const active = pgView('active_employees', { id: integer('id') })
  .with({ securityBarrier: true, checkOption: 'cascaded' })
  .as(sql`select id from ${employees} where ${employees.active} = 1`);
export const totals = pgMaterializedView('totals', { n: integer('n') })
  .with({ fillfactor: 90, autovacuumEnabled: false })
  .using('heap')
  .tablespace('pg_default')
  .withNoData()
  .as(sql`select count(*) as n from employees`);
export const summary = reporting.view('summary', { n: integer('n') }).as(sql`select 1 as n`);
export const snapshot = reporting.materializedView('snapshot', { n: integer('n') }).as(sql`select 2 as n`);
export const legacy = pgView('legacy', { id: integer('id') }).existing();
"#);
    let names: Vec<String> = s
        .views
        .iter()
        .map(|v| format!("{}.{}", v.schema, v.name))
        .collect();
    assert_eq!(
        names,
        vec![
            "public.active_employees",
            "public.totals",
            "reporting.snapshot",
            "reporting.summary"
        ]
    );
    let active = s.view("public", "active_employees").expect("view");
    assert_eq!(
        active.definition,
        "select id from \"employees\" where \"employees\".\"active\" = 1"
    );
    assert!(!active.materialized);
    assert_eq!(
        active.with,
        vec![
            ("check_option".to_string(), "cascaded".to_string()),
            ("security_barrier".to_string(), "true".to_string())
        ]
    );
    let totals = s.view("public", "totals").expect("view");
    assert_eq!(
        totals,
        &View {
            schema: "public".into(),
            name: "totals".into(),
            definition: "select count(*) as n from employees".into(),
            materialized: true,
            with: vec![
                ("autovacuum_enabled".into(), "false".into()),
                ("fillfactor".into(), "90".into())
            ],
            using: Some("heap".into()),
            tablespace: Some("pg_default".into()),
            with_no_data: true,
        }
    );
    assert!(
        s.view("reporting", "snapshot")
            .is_some_and(|v| v.materialized)
    );
}

#[test]
fn view_problems() {
    let report = pg_errors(
        "export const t = pgTable('t', { id: integer('id') });\nexport const v = pgView('v').as((qb: any) => qb.select({ id: t.id }));\nexport const w = pgView('w', { id: integer('id') });\nexport const x = pgView('x').as((qb: any) => qb.select({ n: 1 }).from(t));\n",
    );
    assert!(
        report.contains("this select query has no `.from(...)`"),
        "{report}"
    );
    assert!(
        report.contains("a selected field must be a column or sql`...`, found a number"),
        "{report}"
    );
    assert!(report.contains("view `w` has no body"), "{report}");
    let report = pg_warnings(
        "const hidden = pgSchema('hidden');\nexport const v = hidden.view('v', { id: integer('id') }).as(sql`select 1 as id`);\n",
    );
    assert!(
        report.contains("schema `hidden` is not exported by the schema files: view `v` is in it"),
        "{report}"
    );
}

#[test]
fn roles_policies_and_row_level_security() {
    let s = pg(r#"
export const appUser = pgRole('app_user');
export const admin = pgRole('admin', { createDb: true, createRole: true });
export const auditor = pgRole('auditor', { inherit: false });
export const existing = pgRole('authenticated').existing();
export const tenants = pgTable('tenants', { id: uuid('id') }).enableRLS();
export const docs = pgTable('docs', { id: uuid('id'), owner: uuid('owner_id') }, (t) => [
  pgPolicy('docs_select', { as: 'permissive', for: 'select', to: appUser, using: sql`${t.owner} = current_setting('app.user')::uuid` }),
  pgPolicy('docs_write', { for: 'update', to: [appUser, admin], using: sql`true`, withCheck: sql`${t.owner} is not null` }),
  pgPolicy('docs_guard', { as: 'restrictive', to: 'public', using: sql`true` }),
  pgPolicy('docs_mixed', { for: 'delete', to: [auditor, 'current_user'] }),
]);
export const log = pgTable('log', { id: integer('id') });
export const logRead = pgPolicy('log_read', { for: 'select', to: auditor, using: sql`true` }).link(log);
"#);
    assert_eq!(
        s.roles,
        vec![
            Role {
                name: "admin".into(),
                create_db: true,
                create_role: true,
                inherit: true
            },
            Role {
                name: "app_user".into(),
                create_db: false,
                create_role: false,
                inherit: true
            },
            Role {
                name: "auditor".into(),
                create_db: false,
                create_role: false,
                inherit: false
            },
        ]
    );
    let tenants = s.table("public", "tenants").expect("table");
    assert!(tenants.rls_enabled);
    assert!(tenants.policies.is_empty());
    let docs = s.table("public", "docs").expect("table");
    assert!(docs.rls_enabled);
    let policy = |name: &str| {
        docs.policies
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no policy {name}"))
            .clone()
    };
    assert_eq!(
        policy("docs_select"),
        Policy {
            name: "docs_select".into(),
            restrictive: false,
            command: PolicyCommand::Select,
            to: vec!["app_user".into()],
            using: Some("\"docs\".\"owner_id\" = current_setting('app.user')::uuid".into()),
            with_check: None,
        }
    );
    assert_eq!(policy("docs_write").to, vec!["admin", "app_user"]);
    assert_eq!(
        policy("docs_write").with_check.as_deref(),
        Some("\"docs\".\"owner_id\" is not null")
    );
    assert!(policy("docs_guard").restrictive);
    assert_eq!(policy("docs_guard").command, PolicyCommand::All);
    assert!(policy("docs_guard").to.is_empty(), "public is the default");
    assert_eq!(policy("docs_mixed").to, vec!["auditor", "current_user"]);
    let log = s.table("public", "log").expect("table");
    assert!(log.rls_enabled, "a policy turns RLS on");
    assert_eq!(log.policies.len(), 1);
    assert_eq!(log.policies[0].name, "log_read");
}

#[test]
fn policy_problems() {
    let report = pg_errors(
        "export const t = pgTable('t', { id: integer('id') });\nexport const loose = pgPolicy('loose', { using: sql`true` });\nexport const bad = pgPolicy('bad', { for: 'read' as any });\n",
    );
    assert!(
        report.contains("policy `loose` is not attached to a table"),
        "{report}"
    );
    assert!(
        report.contains("`for: 'read'` is not a policy command"),
        "{report}"
    );
    // A table a policy is linked to but the schema files do not export is
    // taken as existing, as drizzle-kit does: only its policies are the schema's.
    let source = "const hidden = pgTable('hidden', { id: integer('id') });\nconst realtime = pgSchema('realtime');\nconst messages = realtime.table('messages', { id: integer('id') });\nexport const t = pgTable('t', { id: integer('id') });\nexport const linked = pgPolicy('linked', { using: sql`true` }).link(hidden);\nexport const live = pgPolicy('live', { for: 'select' }).link(messages);\nexport const live2 = pgPolicy('live2', { for: 'insert' }).link(messages);\n";
    let report = pg_warnings(source);
    assert!(
        report.contains(
            "policy `linked` is linked to table `hidden`, which the schema files do not export"
        ) && report.contains("is taken as existing"),
        "{report}"
    );
    assert!(
        !report.contains("table `messages`"),
        "a table in a schema managed elsewhere is not warned about: {report}"
    );
    let s = pg(source);
    let hidden = s.table("public", "hidden").expect("stub");
    assert!(hidden.external && hidden.columns.is_empty() && !hidden.rls_enabled);
    assert_eq!(hidden.policies.len(), 1);
    let messages = s.table("realtime", "messages").expect("stub");
    assert!(messages.external);
    assert_eq!(
        messages
            .policies
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["live", "live2"]
    );
    assert!(
        s.schemas.is_empty(),
        "no schema is created for it: {:?}",
        s.schemas
    );
    assert!(!s.table("public", "t").expect("t").external);
    // A role the schema files do not export is taken as existing, as drizzle-kit does.
    let report = pg_warnings(
        "const hidden = pgRole('hidden');\nconst managed = pgRole('managed').existing();\nexport const t = pgTable('t', { id: integer('id') }, () => [pgPolicy('p', { to: [hidden, managed] })]);\n",
    );
    assert!(
        report.contains("role `hidden` is not exported by the schema files: policy `p` is for it"),
        "{report}"
    );
    assert!(report.contains("schema.ts:"), "{report}");
    assert!(!report.contains("role `managed`"), "{report}");
}

#[test]
fn custom_types() {
    let s = pg(r#"
const citext = customType<{ data: string }>({ dataType() { return 'citext'; } });
const shortText = customType<{ data: string; config: { length?: number } }>({
  dataType(config) { return config?.length ? `varchar(${config.length})` : 'varchar'; },
});
const money = customType<{ data: number; config: { precision: number; scale: number } }>({
  dataType(config) { return `numeric(${config?.precision ?? 12}, ${config?.scale ?? 2})`; },
  toDriver(value) { return value.toFixed(2); },
});
const bytes = customType<{ data: Buffer; config: { length: number } }>({ dataType(c) { return `bytea(${c?.length ?? 16})`; } });
const mixed = customType<{ data: string }>({ dataType: () => 'MyType' });
export const t = pgTable('t', {
  email: citext('email').notNull(),
  nick: shortText('nick', { length: 32 }),
  note: shortText('note'),
  balance: money('balance', { precision: 14, scale: 4 }).default(0),
  hash: bytes('hash', { length: 32 }),
  m: mixed('m'),
  tags: citext('tags').array(),
});
"#);
    let t = s.table("public", "t").expect("table");
    let types: Vec<String> = t
        .columns
        .iter()
        .map(|c| match &c.ty {
            ColumnType::Sql(s) => format!("{s}{}", "[]".repeat(c.dims as usize)),
            ColumnType::Enum(e) => e.name.clone(),
        })
        .collect();
    assert_eq!(
        types,
        vec![
            "citext",
            "varchar(32)",
            "varchar",
            "numeric(14, 4)",
            "bytea(32)",
            "\"MyType\"",
            "citext[]"
        ]
    );
    assert_eq!(t.columns[3].default.as_deref(), Some("0"));
    let report = pg_errors(
        "const nope = customType({} as any);\nexport const t = pgTable('t', { a: nope('a') });\n",
    );
    assert!(
        report.contains("the custom type has no `dataType()` method"),
        "{report}"
    );
}

#[test]
fn extension_and_geometric_column_types() {
    let s = schema_ts(
        "import { pgTable, vector, halfvec, sparsevec, bit, geometry, point, line } from 'drizzle-orm/pg-core';\nexport const t = pgTable('t', {\n  a: vector('a', { dimensions: 3 }),\n  b: halfvec('b', { dimensions: 4 }),\n  c: sparsevec('c', { dimensions: 5 }),\n  d: bit('d', { dimensions: 8 }),\n  e: geometry('e', { type: 'point', mode: 'xy', srid: 4326 }),\n  f: geometry('f'),\n  g: point('g', { mode: 'xy' }),\n  h: line('h', { mode: 'abc' }),\n});\n",
    )
    .schema(&["schema.ts"]);
    let types: Vec<ColumnType> = s.tables[0].columns.iter().map(|c| c.ty.clone()).collect();
    let expected: Vec<ColumnType> = [
        "vector(3)",
        "halfvec(4)",
        "sparsevec(5)",
        "bit(8)",
        "geometry(point)",
        "geometry(point)",
        "point",
        "line",
    ]
    .iter()
    .map(|t| ColumnType::sql(*t))
    .collect();
    assert_eq!(types, expected);
    let report = schema_ts(
        "import { pgTable, vector } from 'drizzle-orm/pg-core';\nexport const t = pgTable('t', { a: vector('a') as any });\n",
    )
    .errors(&["schema.ts"]);
    assert!(report.contains("`vector` needs `dimensions`"), "{report}");
}

#[test]
fn date_values_as_defaults() {
    let s = pg(r#"
export const t = pgTable('t', {
  a: timestamp('a').default(new Date('2024-01-01T00:00:00.000Z')),
  b: timestamp('b', { withTimezone: true }).default(new Date('2024-01-01T12:30:00Z')),
  c: date('c', { mode: 'date' }).default(new Date('2024-03-01')),
  d: timestamp('d', { precision: 3 }).default(new Date(0)),
  e: text('e').default(new Date(86400000).toISOString()),
});
"#);
    let d = |name: &str| {
        s.tables[0]
            .column(name)
            .and_then(|c| c.default.clone())
            .unwrap_or_default()
    };
    assert_eq!(d("a"), "'2024-01-01 00:00:00.000'");
    assert_eq!(d("b"), "'2024-01-01T12:30:00.000Z'");
    assert_eq!(d("c"), "'2024-03-01'");
    assert_eq!(d("d"), "'1970-01-01T00:00:00.000Z'");
    assert_eq!(d("e"), "'1970-01-02T00:00:00.000Z'");
    let report = pg_errors(
        "export const t = pgTable('t', { a: timestamp('a').default(new Date()), b: timestamp('b').default(new Date('2024-01-01 10:00')) });\n",
    );
    assert!(report.contains("it is `new Date()`"), "{report}");
    assert!(report.contains("depends on the time zone"), "{report}");
}

#[test]
fn descending_index_keys_sort_nulls_last() {
    let s = pg(
        "export const t = pgTable('t', { a: integer('a'), b: integer('b'), c: integer('c') }, (t) => [\n  index('i').on(t.a.desc(), t.b.asc().nullsLast(), t.c.desc().nullsFirst()),\n]);\n",
    );
    let keys = &s.tables[0].indexes[0].keys;
    assert_eq!(
        keys.iter().map(|k| (k.desc, k.nulls)).collect::<Vec<_>>(),
        vec![
            (true, Some(Nulls::Last)),
            (false, None),
            (true, Some(Nulls::First))
        ]
    );
}

#[test]
fn sqlite_views_custom_types_and_virtual_columns() {
    let s = schema_ts(
        "import { sql } from 'drizzle-orm';\nimport { sqliteTable, sqliteView, customType, integer, text } from 'drizzle-orm/sqlite-core';\nconst json = customType<{ data: unknown }>({ dataType() { return 'jsonb'; } });\nexport const people = sqliteTable('people', {\n  id: integer('id').primaryKey(),\n  first: text('first'),\n  last: text('last'),\n  full: text('full').generatedAlwaysAs(sql`first || ' ' || last`),\n  upper: text('upper').generatedAlwaysAs(sql`upper(first)`, { mode: 'stored' }),\n  data: json('data'),\n});\nexport const names = sqliteView('names', { first: text('first') }).as(sql`select first from ${people}`);\n",
    )
    .schema(&["schema.ts"]);
    assert_eq!(s.dialect, Dialect::Sqlite);
    let t = &s.tables[0];
    let full = t.column("full").expect("column");
    assert!(full.generated_virtual);
    assert_eq!(full.generated.as_deref(), Some("first || ' ' || last"));
    assert!(!t.column("upper").expect("column").generated_virtual);
    assert_eq!(
        t.column("data").expect("column").ty,
        ColumnType::sql("jsonb")
    );
    assert_eq!(s.views.len(), 1);
    assert_eq!(s.views[0].schema, "main");
    assert_eq!(s.views[0].definition, "select first from \"people\"");
}

#[test]
fn supabase_and_neon_helpers() {
    let s = schema_ts(
        r#"import { sql } from 'drizzle-orm';
import { pgTable, pgPolicy, uuid, text } from 'drizzle-orm/pg-core';
import { authenticatedRole, authUid, authUsers } from 'drizzle-orm/supabase';
import { crudPolicy, authUid as neonUid, anonymousRole } from 'drizzle-orm/neon';
export const profiles = pgTable('profiles', {
  id: uuid('id').primaryKey().references(() => authUsers.id, { onDelete: 'cascade' }),
  bio: text('bio'),
}, (t) => [
  pgPolicy('profiles_own', { for: 'update', to: authenticatedRole, using: sql`${t.id} = ${authUid}` }),
]);
export const notes = pgTable('notes', { owner: text('owner') }, (t) => [
  crudPolicy({ role: anonymousRole, read: true, modify: neonUid(t.owner) }),
]);
"#,
    )
    .schema(&["schema.ts"]);
    assert!(s.roles.is_empty(), "existing roles are not created");
    let profiles = s.table("public", "profiles").expect("table");
    let fk = &profiles.foreign_keys[0];
    assert_eq!(fk.references, QualifiedName::new("auth", "users"));
    assert_eq!(fk.name, "profiles_id_users_id_fk");
    assert_eq!(
        profiles.policies[0].using.as_deref(),
        Some("\"profiles\".\"id\" = (select auth.uid())")
    );
    assert_eq!(profiles.policies[0].to, vec!["authenticated"]);
    assert!(s.table("auth", "users").is_none());
    let notes = s.table("public", "notes").expect("table");
    let names: Vec<&str> = notes.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "crud-anonymous-policy-delete",
            "crud-anonymous-policy-insert",
            "crud-anonymous-policy-select",
            "crud-anonymous-policy-update"
        ]
    );
    let insert = &notes.policies[1];
    assert_eq!(
        insert.with_check.as_deref(),
        Some("(select auth.user_id() = \"notes\".\"owner\")")
    );
}

/// drizzle-orm 1.x's `snakeCase.table`/`camelCase.schema(...).table` name
/// unnamed columns in their casing, whatever the configured one (drizzle-kit
/// 1.0.0-rc.5 writes `first_name`, `Last`, `postId`, `authorId`).
#[test]
fn casing_builders_name_their_columns() {
    let s = schema_ts(
        r#"
import { snakeCase, camelCase, integer, text } from "drizzle-orm/pg-core";
export const users = snakeCase.table("users", { id: integer().primaryKey(), firstName: text(), lastName: text("Last") });
export const app = camelCase.schema("app");
export const posts = app.table("posts", { post_id: integer().primaryKey(), author_id: integer() });
"#,
    )
    .schema(&["schema.ts"]);
    let columns = |t: &str| -> Vec<String> {
        let table = s.tables.iter().find(|x| x.name == t).expect("table");
        table.columns.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(columns("users"), ["id", "first_name", "Last"]);
    assert_eq!(columns("posts"), ["postId", "authorId"]);
    assert_eq!(s.schemas, ["app"]);
    let sqlite = schema_ts(
        r#"
import { snakeCase, integer } from "drizzle-orm/sqlite-core";
export const users = snakeCase.table("users", { userId: integer().primaryKey() });
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(sqlite.tables[0].columns[0].name, "user_id");
}
