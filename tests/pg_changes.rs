//! One test per kind of schema change on PostgreSQL: the migration's SQL is
//! kept as a snapshot, then applied to a database holding rows, which must
//! keep them and show no drift against the new schema afterwards.

mod pg_support;
mod support;

use db_migrate::diff::Renames;
use db_migrate::schema::{
    Policy, PolicyCommand, QualifiedName, Role, Schema, View, canonical, names,
};
use pg_support::{assert_no_drift, count, declared, migration, run, value};
use support::TestDb;

/// The outcome of a case, for assertions of its own.
struct Done {
    _db: TestDb,
    client: postgres::Client,
}

/// Snapshots the SQL of `before` → `after`, builds `before` in a fresh
/// database, inserts `rows`, migrates, and checks there is no drift and that
/// each `(table, rows)` still holds that many rows.
fn case(
    name: &str,
    before: &Schema,
    after: &Schema,
    renames: &Renames,
    rows: &str,
    survive: &[(&str, i64)],
) -> Done {
    let m = migration(before, after, renames);
    insta::assert_snapshot!(name, m.text());
    // The snapshot after the last part is the new schema.
    let last = m
        .snapshots
        .last()
        .cloned()
        .unwrap_or_else(|| before.clone());
    let rest = db_migrate::diff::diff(
        &last,
        after,
        &Renames::default(),
        db_migrate::diff::RenameMode::DropAndCreate,
    )
    .unwrap_or_default();
    assert!(
        rest.is_empty(),
        "snapshot after the migration differs: {rest:?}"
    );

    let db = TestDb::new();
    let mut client = db.client();
    let empty = Schema::empty(before.dialect);
    run(&mut client, &migration(&empty, before, &Renames::default()));
    assert_no_drift(&mut client, before, "before the migration");
    if !rows.is_empty() {
        client.batch_execute(rows).expect("insert rows");
    }
    run(&mut client, &m);
    assert_no_drift(&mut client, after, "after the migration");
    for (table, n) in survive {
        assert_eq!(count(&mut client, table), *n, "rows of {table}");
    }
    Done { _db: db, client }
}

fn q(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

#[test]
fn schemas_create_rename_drop() {
    let a = declared(
        r#"
export const app = pgSchema("app");
export const old = pgSchema("old");
export const things = app.table("things", { id: integer().primaryKey(), name: text() });
"#,
    );
    let b = declared(
        r#"
export const core = pgSchema("core");
export const fresh = pgSchema("fresh");
export const things = core.table("things", { id: integer().primaryKey(), name: text() });
"#,
    );
    let renames = Renames {
        schemas: vec![("app".into(), "core".into())],
        created: vec!["fresh".into()],
        ..Renames::default()
    };
    case(
        "schemas_create_rename_drop",
        &a,
        &b,
        &renames,
        "INSERT INTO app.things VALUES (1, 'a'), (2, 'b')",
        &[("core.things", 2)],
    );
}

#[test]
fn enums_create_add_value_in_place_and_drop() {
    let a = declared(
        r#"
export const color = pgEnum("color", ["red", "green"]);
export const gone = pgEnum("gone", ["x"]);
export const items = pgTable("items", { id: integer().primaryKey(), color: color() });
"#,
    );
    let b = declared(
        r#"
export const color = pgEnum("color", ["red", "yellow", "green", "blue"]);
export const size = pgEnum("size", ["s", "m"]);
export const items = pgTable("items", { id: integer().primaryKey(), color: color(), size: size() });
"#,
    );
    let mut done = case(
        "enums_create_add_value_in_place_and_drop",
        &a,
        &b,
        &Renames {
            created: vec!["size".into()],
            ..Renames::default()
        },
        "INSERT INTO items VALUES (1, 'red'), (2, 'green')",
        &[("items", 2)],
    );
    assert_eq!(
        value(&mut done.client, "enum_range(NULL::color)").as_deref(),
        Some("{red,yellow,green,blue}")
    );
}

#[test]
fn enum_value_used_in_the_same_migration_is_committed_first() {
    let a = declared(
        r#"
export const color = pgEnum("color", ["red", "green"]);
export const items = pgTable("items", { id: integer().primaryKey(), color: color().default("red") });
"#,
    );
    let b = declared(
        r#"
export const color = pgEnum("color", ["red", "green", "purple"]);
export const items = pgTable("items", { id: integer().primaryKey(), color: color().default("purple") });
"#,
    );
    let m = migration(&a, &b, &Renames::default());
    assert_eq!(m.parts.len(), 2, "{}", m.text());
    let mut done = case(
        "enum_value_used_in_the_same_migration",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO items (id) VALUES (1)",
        &[("items", 1)],
    );
    done.client
        .batch_execute("INSERT INTO items (id) VALUES (2)")
        .expect("insert");
    assert_eq!(
        value(&mut done.client, "SELECT color FROM items WHERE id = 2").as_deref(),
        Some("purple")
    );
}

#[test]
fn enum_value_rename_keeps_rows() {
    let a = declared(
        r#"
export const status = pgEnum("status", ["active", "off"]);
export const users = pgTable("users", { id: integer().primaryKey(), status: status().default("active").notNull() });
"#,
    );
    let b = declared(
        r#"
export const status = pgEnum("status", ["enabled", "off"]);
export const users = pgTable("users", { id: integer().primaryKey(), status: status().default("enabled").notNull() });
"#,
    );
    let renames = Renames {
        enum_values: vec![(q("public", "status"), "active".into(), "enabled".into())],
        ..Renames::default()
    };
    let mut done = case(
        "enum_value_rename",
        &a,
        &b,
        &renames,
        "INSERT INTO users VALUES (1, 'active'), (2, 'off')",
        &[("users", 2)],
    );
    assert_eq!(
        value(&mut done.client, "SELECT status FROM users WHERE id = 1").as_deref(),
        Some("enabled")
    );
}

#[test]
fn enum_value_drop_and_reorder_rebuild_the_type() {
    let a = declared(
        r#"
export const mood = pgEnum("mood", ["sad", "ok", "happy", "unused"]);
export const people = pgTable("people", { id: integer().primaryKey(), mood: mood().default("ok"), moods: mood().array() });
"#,
    );
    let b = declared(
        r#"
export const mood = pgEnum("mood", ["happy", "ok", "sad"]);
export const people = pgTable("people", { id: integer().primaryKey(), mood: mood().default("ok"), moods: mood().array() });
"#,
    );
    let mut done = case(
        "enum_value_drop_and_reorder",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO people VALUES (1, 'sad', '{ok,happy}'), (2, 'happy', NULL)",
        &[("people", 2)],
    );
    assert_eq!(
        value(&mut done.client, "SELECT moods FROM people WHERE id = 1").as_deref(),
        Some("{ok,happy}")
    );
}

#[test]
fn enum_rename_and_move_between_schemas() {
    let a = declared(
        r#"
export const app = pgSchema("app");
export const kind = pgEnum("kind", ["a", "b"]);
export const items = pgTable("items", { id: integer().primaryKey(), kind: kind().default("a") });
"#,
    );
    let b = declared(
        r#"
export const app = pgSchema("app");
export const category = app.enum("category", ["a", "b"]);
export const items = pgTable("items", { id: integer().primaryKey(), kind: category().default("a") });
"#,
    );
    let renames = Renames {
        enums: vec![(q("public", "kind"), q("app", "category"))],
        ..Renames::default()
    };
    case(
        "enum_rename_and_move",
        &a,
        &b,
        &renames,
        "INSERT INTO items VALUES (1, 'b')",
        &[("items", 1)],
    );
}

#[test]
fn sequences_with_every_option() {
    let a = declared(
        r#"
export const counter = pgSequence("counter", { startWith: 10, increment: 2, minValue: 1, maxValue: 1000, cache: 5 });
export const gone = pgSequence("gone");
export const tickets = pgSequence("tickets");
"#,
    );
    let b = declared(
        r#"
export const counter = pgSequence("counter", { startWith: 10, increment: 5, minValue: 1, maxValue: 5000, cache: 1, cycle: true });
export const down = pgSequence("down", { increment: -1, minValue: -100, maxValue: -1, startWith: -1 });
export const ticket_numbers = pgSequence("ticket_numbers");
"#,
    );
    let renames = Renames {
        sequences: vec![(q("public", "tickets"), q("public", "ticket_numbers"))],
        created: vec!["down".into()],
        ..Renames::default()
    };
    let mut done = case(
        "sequences_with_every_option",
        &a,
        &b,
        &renames,
        "SELECT nextval('counter'); SELECT nextval('tickets'); SELECT nextval('tickets');",
        &[],
    );
    // Renaming keeps the counter.
    assert_eq!(
        value(&mut done.client, "nextval('ticket_numbers')").as_deref(),
        Some("3")
    );
}

#[test]
fn tables_create_rename_move_and_drop() {
    let a = declared(
        r#"
export const app = pgSchema("app");
export const people = pgTable("people", { id: integer().primaryKey(), name: text() });
export const notes = pgTable("notes", { id: integer().primaryKey(), person: integer().references(() => people.id) });
export const logs = pgTable("logs", { id: integer() });
export const moving = pgTable("moving", { id: integer().primaryKey() });
"#,
    );
    let b = declared(
        r#"
export const app = pgSchema("app");
export const persons = pgTable("persons", { id: integer().primaryKey(), name: text() });
export const notes = pgTable("notes", { id: integer().primaryKey(), person: integer().references(() => persons.id) });
export const moving = app.table("moving", { id: integer().primaryKey() });
export const fresh = pgTable("fresh", { id: integer().primaryKey() });
"#,
    );
    let renames = Renames {
        tables: vec![
            (q("public", "people"), q("public", "persons")),
            (q("public", "moving"), q("app", "moving")),
        ],
        created: vec!["fresh".into()],
        ..Renames::default()
    };
    case(
        "tables_create_rename_move_and_drop",
        &a,
        &b,
        &renames,
        "INSERT INTO people VALUES (1, 'a'); INSERT INTO notes VALUES (1, 1); INSERT INTO moving VALUES (7)",
        &[("persons", 1), ("notes", 1), ("app.moving", 1)],
    );
}

/// Found by the evolution fuzzer: what a renamed table loses (a column, a
/// unique constraint, a check, an index) is dropped after the rename, by the
/// table's new name; its foreign key is dropped first, by the old name,
/// before the key it points at changes (`owners` gets a two-column key).
#[test]
fn a_renamed_table_loses_columns_constraints_and_indexes() {
    let a = declared(
        r#"
export const owners = pgTable("owners", { id: integer().primaryKey() });
export const items = pgTable("items", {
  id: integer().primaryKey(),
  code: text().unique(),
  qty: integer(),
  owner: integer().references(() => owners.id),
  note: text(),
}, (t) => [check("items_qty", sql`${t.qty} >= 0`), index("items_note_idx").on(t.note)]);
"#,
    );
    let b = declared(
        r#"
export const owners = pgTable("owners", { id: integer().notNull(), k: integer().notNull().default(0) }, (t) => [primaryKey({ columns: [t.id, t.k] })]);
export const goods = pgTable("goods", {
  id: integer().primaryKey(),
  code: text(),
  qty: integer(),
  owner: integer(),
});
"#,
    );
    let renames = Renames {
        tables: vec![(q("public", "items"), q("public", "goods"))],
        ..Renames::default()
    };
    case(
        "a_renamed_table_loses_columns_constraints_and_indexes",
        &a,
        &b,
        &renames,
        "INSERT INTO owners VALUES (1); INSERT INTO items VALUES (1, 'a', 2, 1, 'n'), (2, 'b', 3, NULL, NULL)",
        &[("goods", 2), ("owners", 1)],
    );
}

#[test]
fn columns_add_drop_rename() {
    let a = declared(
        r#"export const people = pgTable("people", { id: integer().primaryKey(), full_name: text().notNull(), nickname: text() });"#,
    );
    let b = declared(
        r#"export const people = pgTable("people", { id: integer().primaryKey(), display_name: text().notNull(), age: integer().default(0).notNull() });"#,
    );
    let renames = Renames {
        columns: vec![(
            q("public", "people"),
            "full_name".into(),
            "display_name".into(),
        )],
        created: vec!["people.age".into()],
        ..Renames::default()
    };
    let mut done = case(
        "columns_add_drop_rename",
        &a,
        &b,
        &renames,
        "INSERT INTO people VALUES (1, 'Ada', 'a')",
        &[("people", 1)],
    );
    assert_eq!(
        value(&mut done.client, "SELECT display_name FROM people").as_deref(),
        Some("Ada")
    );
}

#[test]
fn column_types_change_with_a_cast_where_needed() {
    let a = declared(
        r#"
export const status = pgEnum("status", ["on", "off"]);
export const t = pgTable("t", {
  id: integer().primaryKey(),
  amount: text().default("0"),
  code: varchar({ length: 10 }),
  big: integer(),
  state: text(),
  flag: integer(),
  tags: text(),
  doc: text(),
});
"#,
    );
    let b = declared(
        r#"
export const status = pgEnum("status", ["on", "off"]);
export const t = pgTable("t", {
  id: integer().primaryKey(),
  amount: integer().default(0),
  code: varchar({ length: 20 }),
  big: bigint({ mode: "number" }),
  state: status(),
  flag: boolean(),
  tags: text().array(),
  doc: jsonb(),
});
"#,
    );
    let mut done = case(
        "column_types_change",
        &a,
        &b,
        &Renames::default(),
        r#"INSERT INTO t VALUES (1, '42', 'abc', 7, 'on', 1, '{x,y}', '{"a": 1}')"#,
        &[("t", 1)],
    );
    assert_eq!(
        value(&mut done.client, "SELECT amount + 1 FROM t").as_deref(),
        Some("43")
    );
    assert_eq!(
        value(&mut done.client, "SELECT doc->>'a' FROM t").as_deref(),
        Some("1")
    );
}

#[test]
fn nullability_and_defaults() {
    let a = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  a: text(),
  b: text().notNull(),
  c: text().default("x"),
  d: timestamp(),
  e: jsonb(),
  f: integer().array(),
});
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  a: text().notNull(),
  b: text(),
  c: text().default("it's"),
  d: timestamp().defaultNow(),
  e: jsonb().default({ a: [1, 2], b: "x" }),
  f: integer().array().default([1, 2]),
});
"#,
    );
    let mut done = case(
        "nullability_and_defaults",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO t (id, a, b) VALUES (1, 'x', 'y')",
        &[("t", 1)],
    );
    done.client
        .batch_execute("INSERT INTO t (id, a) VALUES (2, 'z')")
        .expect("insert with defaults");
    assert_eq!(
        value(&mut done.client, "SELECT e->'a'->>1 FROM t WHERE id = 2").as_deref(),
        Some("2")
    );
}

#[test]
fn identity_add_drop_and_alter() {
    let a = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  plain: integer(),
  always: integer().generatedAlwaysAsIdentity(),
  tuned: bigint({ mode: "number" }).generatedByDefaultAsIdentity({ startWith: 1, increment: 1 }),
  note: text(),
});
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  plain: integer().generatedByDefaultAsIdentity({ startWith: 100 }),
  always: integer(),
  tuned: bigint({ mode: "number" }).generatedAlwaysAsIdentity({ startWith: 1, increment: 10, maxValue: 1000000, cache: 5, cycle: true }),
  note: text(),
});
"#,
    );
    let mut done = case(
        "identity_add_drop_and_alter",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO t (id, plain, note) VALUES (1, 5, 'a'), (2, 150, 'b')",
        &[("t", 2)],
    );
    // New identities continue after the rows already there.
    done.client
        .batch_execute("INSERT INTO t (note, always) VALUES ('c', 3)")
        .expect("insert");
    assert_eq!(
        value(&mut done.client, "SELECT id FROM t WHERE note = 'c'").as_deref(),
        Some("3")
    );
    assert_eq!(
        value(&mut done.client, "SELECT plain FROM t WHERE note = 'c'").as_deref(),
        Some("151")
    );
}

#[test]
fn serial_to_identity_and_back() {
    let a = declared(
        r#"
export const a = pgTable("a", { id: serial().primaryKey(), name: text() });
export const b = pgTable("b", { id: integer().primaryKey().generatedByDefaultAsIdentity(), name: text() });
"#,
    );
    let b = declared(
        r#"
export const a = pgTable("a", { id: integer().primaryKey().generatedByDefaultAsIdentity(), name: text() });
export const b = pgTable("b", { id: serial().primaryKey(), name: text() });
"#,
    );
    let mut done = case(
        "serial_to_identity_and_back",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO a (name) VALUES ('x'), ('y'); INSERT INTO b (name) VALUES ('x'), ('y'), ('z')",
        &[("a", 2), ("b", 3)],
    );
    done.client
        .batch_execute("INSERT INTO a (name) VALUES ('n'); INSERT INTO b (name) VALUES ('n')")
        .expect("insert");
    assert_eq!(
        value(&mut done.client, "SELECT id FROM a WHERE name = 'n'").as_deref(),
        Some("3")
    );
    assert_eq!(
        value(&mut done.client, "SELECT id FROM b WHERE name = 'n'").as_deref(),
        Some("4")
    );
}

#[test]
fn generated_columns_add_drop_change() {
    let a = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  price: integer().notNull(),
  qty: integer().notNull(),
  total: integer().generatedAlwaysAs(sql`price * qty`),
  label: text().generatedAlwaysAs(sql`'n' || id::text`),
  plain: integer(),
}, (t) => [index("t_total_idx").on(t.total)]);
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  price: integer().notNull(),
  qty: integer().notNull(),
  total: integer().generatedAlwaysAs(sql`price * qty + 1`),
  label: text(),
  plain: integer().generatedAlwaysAs(sql`qty * 2`),
}, (t) => [index("t_total_idx").on(t.total)]);
"#,
    );
    let mut done = case(
        "generated_columns_add_drop_change",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO t (id, price, qty, plain) VALUES (1, 3, 4, 9)",
        &[("t", 1)],
    );
    assert_eq!(
        value(
            &mut done.client,
            "SELECT total || ' ' || label || ' ' || plain FROM t"
        )
        .as_deref(),
        Some("13 n1 8")
    );
}

#[test]
fn primary_keys_add_drop_change() {
    let a = declared(
        r#"
export const a = pgTable("a", { x: integer().notNull(), y: integer().notNull() });
export const b = pgTable("b", { id: integer().primaryKey(), k: integer().notNull() });
export const c = pgTable("c", { x: integer().notNull(), y: integer().notNull() }, (t) => [primaryKey({ columns: [t.x, t.y] })]);
"#,
    );
    let b = declared(
        r#"
export const a = pgTable("a", { x: integer().notNull(), y: integer().notNull() }, (t) => [primaryKey({ columns: [t.x, t.y] })]);
export const b = pgTable("b", { id: integer().notNull(), k: integer().primaryKey() });
export const c = pgTable("c", { x: integer().notNull(), y: integer().notNull() });
"#,
    );
    case(
        "primary_keys_add_drop_change",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO a VALUES (1, 1), (1, 2); INSERT INTO b VALUES (1, 10), (2, 20); INSERT INTO c VALUES (1, 1)",
        &[("a", 2), ("b", 2), ("c", 1)],
    );
}

#[test]
fn uniques_including_nulls_not_distinct() {
    let a = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  email: text().unique(),
  a: text(),
  b: text(),
  code: text(),
}, (t) => [unique("t_a_b_key").on(t.a, t.b)]);
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  email: text(),
  a: text(),
  b: text(),
  code: text().unique("t_code_key", { nulls: "not distinct" }),
}, (t) => [unique("t_a_b_key").on(t.a, t.b).nullsNotDistinct()]);
"#,
    );
    case(
        "uniques_including_nulls_not_distinct",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO t VALUES (1, 'x', 'a', NULL, NULL), (2, 'y', 'a', 'b', 'c')",
        &[("t", 2)],
    );
}

#[test]
fn foreign_keys_actions_composite_self_and_cycles() {
    let a = declared(
        r#"
export const parent = pgTable("parent", { id: integer().primaryKey(), code: text().notNull(), region: text().notNull() },
  (t) => [unique("parent_code_region").on(t.code, t.region)]);
export const child = pgTable("child", {
  id: integer().primaryKey(),
  parentId: integer("parent_id").references(() => parent.id),
  code: text(),
  region: text(),
});
"#,
    );
    let b = declared(
        r#"
export const parent = pgTable("parent", {
  id: integer().primaryKey(),
  code: text().notNull(),
  region: text().notNull(),
  favourite: integer().references((): any => child.id, { onDelete: "set null" }),
}, (t) => [unique("parent_code_region").on(t.code, t.region)]);
export const child = pgTable("child", {
  id: integer().primaryKey(),
  parentId: integer("parent_id").references(() => parent.id, { onDelete: "cascade", onUpdate: "cascade" }),
  code: text(),
  region: text(),
  up: integer().references((): any => child.id),
}, (t) => [foreignKey({ name: "child_parent_code_fk", columns: [t.code, t.region], foreignColumns: [parent.code, parent.region] }).onDelete("restrict")]);
export const a = pgTable("a", { id: integer().primaryKey(), b: integer().references((): any => b.id) });
export const b = pgTable("b", { id: integer().primaryKey(), a: integer().references((): any => a.id) });
"#,
    );
    let mut done = case(
        "foreign_keys_actions_composite_self_and_cycles",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO parent VALUES (1, 'c', 'r'); INSERT INTO child VALUES (1, 1, 'c', 'r')",
        &[("parent", 1), ("child", 1)],
    );
    done.client
        .batch_execute("DELETE FROM parent")
        .expect("cascade");
    assert_eq!(count(&mut done.client, "child"), 0);
    // Dropping tables that reference each other needs no CASCADE.
    let c = declared(r#"export const parent = pgTable("parent", { id: integer().primaryKey() });"#);
    let m = migration(&b, &c, &Renames::default());
    run(&mut done.client, &m);
    assert_no_drift(&mut done.client, &c, "after dropping the cycle");
    assert!(!m.text().contains("CASCADE"), "{}", m.text());
}

#[test]
fn checks_add_change_drop() {
    let a = declared(
        r#"
export const t = pgTable("t", { id: integer().primaryKey(), n: integer(), s: text() }, (t) => [
  check("n_positive", sql`${t.n} > 0`),
  check("s_short", sql`char_length(${t.s}) < 10`),
]);
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", { id: integer().primaryKey(), n: integer(), s: text() }, (t) => [
  check("n_positive", sql`${t.n} >= 0`),
  check("s_like", sql`${t.s} LIKE 'a%'`),
]);
"#,
    );
    case(
        "checks_add_change_drop",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO t VALUES (1, 5, 'abc')",
        &[("t", 1)],
    );
}

#[test]
fn indexes_of_every_kind() {
    let a = declared(
        r#"
export const t = pgTable("t", { id: integer().primaryKey(), title: text(), tags: jsonb(), n: integer() }, (t) => [
  index("t_title_idx").on(t.title),
  index("t_gone_idx").on(t.n),
]);
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", { id: integer().primaryKey(), title: text(), tags: jsonb(), n: integer() }, (t) => [
  index("t_title_idx").on(t.title.desc().nullsFirst(), t.n),
  index("t_tags_idx").using("gin", t.tags),
  index("t_partial_idx").on(t.n).where(sql`${t.n} > 0`),
  index("t_lower_idx").on(sql`lower(${t.title})`),
  index("t_pattern_idx").on(t.title.op("text_pattern_ops")),
  uniqueIndex("t_n_unique_idx").on(t.n).with({ fillfactor: 70 }),
  index("t_conc_idx").on(t.id, t.n).concurrently(),
]);
"#,
    );
    let m = migration(&a, &b, &Renames::default());
    assert!(
        m.parts
            .last()
            .is_some_and(|(transactional, _)| !transactional),
        "{}",
        m.text()
    );
    case(
        "indexes_of_every_kind",
        &a,
        &b,
        &Renames::default(),
        r#"INSERT INTO t VALUES (1, 'A', '{"a": 1}', 1), (2, 'b', '[]', 2)"#,
        &[("t", 2)],
    );
}

fn view(schema: &str, name: &str, definition: &str) -> View {
    View {
        schema: schema.into(),
        name: name.into(),
        definition: definition.into(),
        materialized: false,
        with: vec![],
        using: None,
        tablespace: None,
        with_no_data: false,
    }
}

#[test]
fn views_create_change_drop_and_follow_their_tables() {
    let base = r#"
export const reporting = pgSchema("reporting");
export const employees = pgTable("employees", { id: integer().primaryKey(), name: text().notNull(), salary: integer().notNull(), gone: text() });
"#;
    let mut a = declared(base);
    a.views.push(view(
        "public",
        "names",
        "select \"id\", \"name\" from \"employees\" where \"employees\".\"id\" > 0",
    ));
    a.views.push(view(
        "public",
        "payroll",
        "select sum(salary) as total from employees",
    ));
    a.views.push(view("public", "old_view", "select 1 as one"));
    let mut mv = view(
        "reporting",
        "salaries",
        "select id, salary from public.employees",
    );
    mv.materialized = true;
    a.views.push(mv.clone());
    a.views.push(view(
        "public",
        "top_names",
        "select name from names order by name limit 10",
    ));
    a.sort();

    // salary becomes bigint: the views reading it are made again around the change.
    let mut b =
        declared(&base.replace("salary: integer()", "salary: bigint({ mode: \"number\" })"));
    let mut names_view = view(
        "public",
        "names",
        "select \"id\", \"name\" from \"employees\" where \"employees\".\"id\" > 1",
    );
    names_view.with = vec![("security_barrier".into(), "true".into())];
    b.views.push(names_view);
    b.views.push(view(
        "public",
        "payroll",
        "select sum(salary) as total from employees",
    ));
    mv.with = vec![("fillfactor".into(), "90".into())];
    mv.with_no_data = true;
    b.views.push(mv);
    b.views.push(view(
        "public",
        "top_names",
        "select name from names order by name limit 10",
    ));
    b.views.push(view(
        "reporting",
        "headcount",
        "select count(*)::int as n from public.employees",
    ));
    b.sort();
    let mut done = case(
        "views_create_change_drop",
        &a,
        &b,
        &Renames {
            created: vec!["reporting.headcount".into()],
            ..Renames::default()
        },
        "INSERT INTO employees VALUES (1, 'a', 10, NULL), (2, 'b', 20, NULL)",
        &[("employees", 2), ("names", 1), ("reporting.headcount", 1)],
    );
    assert_eq!(
        value(&mut done.client, "SELECT total FROM payroll").as_deref(),
        Some("30")
    );
}

/// A renamed view is renamed. One whose definition changes too, or that is
/// made again around a change of a column it reads, is dropped under its old
/// name and made under the new one (found by the evolution fuzzer: the drop
/// named the new view, before the rename).
#[test]
fn view_rename() {
    let base = r#"export const t = pgTable("t", { id: integer().primaryKey(), name: text() });"#;
    let retyped = base.replace("name: text()", "name: varchar({ length: 50 })");
    for (label, after, before_definition, definition) in [
        ("view_rename", base, "select id from t", "select id from t"),
        (
            "view_rename_and_redefine",
            base,
            "select id from t",
            "select id, name from t",
        ),
        (
            "view_rename_over_a_retyped_column",
            retyped.as_str(),
            "select id, name from t",
            "select id, name from t",
        ),
    ] {
        let mut a = declared(base);
        a.views.push(view("public", "v_old", before_definition));
        let mut b = declared(after);
        b.views.push(view("public", "v_new", definition));
        let renames = Renames {
            views: vec![(q("public", "v_old"), q("public", "v_new"))],
            ..Renames::default()
        };
        case(
            label,
            &a,
            &b,
            &renames,
            "INSERT INTO t VALUES (1, 'x')",
            &[("v_new", 1)],
        );
    }
}

/// Role names are cluster-wide: unique per run, dropped at the end.
struct Roles(Vec<String>);

impl Drop for Roles {
    fn drop(&mut self) {
        let mut admin = support::connect(&support::server_url());
        for r in &self.0 {
            let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS \"{r}\""));
        }
    }
}

#[test]
fn row_level_security_policies_and_roles() {
    let suffix = format!("{}_{}", std::process::id(), line!());
    let reader = format!("reader_{suffix}");
    let admin = format!("admin_{suffix}");
    let gone = format!("gone_{suffix}");
    let _cleanup = Roles(vec![reader.clone(), admin.clone(), gone.clone()]);
    let base = r#"
export const docs = pgTable("docs", { id: integer().primaryKey(), owner: text().notNull(), body: text() });
export const open = pgTable("open", { id: integer().primaryKey() });
export const locked = pgTable("locked", { id: integer().primaryKey() });
"#;
    let role = |name: &str| Role {
        name: name.into(),
        create_db: false,
        create_role: false,
        inherit: true,
    };
    let policy = |name: &str| Policy {
        name: name.into(),
        restrictive: false,
        command: PolicyCommand::All,
        to: vec![],
        using: None,
        with_check: None,
    };
    let mut a = declared(base);
    a.roles = vec![role(&reader), role(&gone)];
    let docs = a
        .tables
        .iter_mut()
        .find(|t| t.name == "docs")
        .expect("docs");
    docs.policies = vec![
        Policy {
            command: PolicyCommand::Select,
            to: vec![reader.clone()],
            using: Some("\"docs\".\"owner\" = current_user".into()),
            ..policy("docs_read")
        },
        Policy {
            restrictive: true,
            using: Some("true".into()),
            ..policy("docs_guard")
        },
        Policy {
            command: PolicyCommand::Insert,
            with_check: Some("true".into()),
            ..policy("docs_insert")
        },
    ];
    a.tables
        .iter_mut()
        .find(|t| t.name == "open")
        .expect("open")
        .rls_enabled = true;
    a.sort();

    let mut b = declared(base);
    b.roles = vec![
        Role {
            create_db: true,
            inherit: false,
            ..role(&reader)
        },
        Role {
            create_role: true,
            ..role(&admin)
        },
    ];
    let docs = b
        .tables
        .iter_mut()
        .find(|t| t.name == "docs")
        .expect("docs");
    docs.policies = vec![
        Policy {
            command: PolicyCommand::Select,
            to: vec![reader.clone(), admin.clone()],
            using: Some("\"docs\".\"owner\" = current_user or \"docs\".\"body\" is null".into()),
            ..policy("docs_read")
        },
        Policy {
            command: PolicyCommand::Update,
            using: Some("true".into()),
            ..policy("docs_guard")
        },
    ];
    b.tables
        .iter_mut()
        .find(|t| t.name == "locked")
        .expect("locked")
        .rls_enabled = true;
    b.sort();
    let m = migration(&a, &b, &Renames::default());
    let text = m
        .text()
        .replace(&reader, "reader")
        .replace(&admin, "admin")
        .replace(&gone, "gone");
    insta::assert_snapshot!("row_level_security_policies_and_roles", text);

    let db = TestDb::new();
    let mut client = db.client();
    run(
        &mut client,
        &migration(&Schema::empty(a.dialect), &a, &Renames::default()),
    );
    assert_no_drift(&mut client, &a, "before");
    client
        .batch_execute("INSERT INTO docs VALUES (1, 'x', NULL)")
        .expect("rows");
    run(&mut client, &m);
    assert_no_drift(&mut client, &b, "after");
    assert_eq!(count(&mut client, "docs"), 1);
    // A role the schemas never declared is never touched.
    let plain = declared(base);
    let m = migration(&b, &plain, &Renames::default());
    assert!(!m.text().contains("postgres"), "{}", m.text());
}

#[test]
fn identifiers_longer_than_63_bytes_meet_the_catalog() {
    let long_table = "a_table_with_a_name_that_is_much_longer_than_postgres_allows_for_names";
    let source = format!(
        r#"
export const t = pgTable("{long_table}", {{
  id: serial().primaryKey(),
  referencedInventoryItemIdentifier: integer("referenced_inventory_item_identifier_column").unique(),
}}, (t) => [index().on(t.referencedInventoryItemIdentifier)]);
export const child = pgTable("child", {{
  id: integer().primaryKey(),
  parent: integer().references(() => t.referencedInventoryItemIdentifier),
}});
"#
    );
    let b = declared(&source);
    assert!(!names::too_long(&b).is_empty());
    let a = Schema::empty(b.dialect);
    let done = case(
        "identifiers_longer_than_63_bytes",
        &a,
        &b,
        &Renames::default(),
        "",
        &[],
    );
    drop(done);
    // The cut names compare equal to the declared ones: nothing to do.
    assert_eq!(
        canonical::schema(&db_migrate::schema::names::fit_schema(&b))
            .tables
            .len(),
        2
    );
}

/// A shorter `varchar` keeps every value that fits and refuses the migration,
/// changing nothing, when one does not: no cast truncates data.
#[test]
fn a_shorter_varchar_never_truncates() {
    let a = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  email: varchar({ length: 320 }),
  price: numeric({ precision: 12, scale: 2 }),
  name: text(),
});
"#,
    );
    let b = declared(
        r#"
export const t = pgTable("t", {
  id: integer().primaryKey(),
  email: varchar({ length: 20 }),
  price: numeric({ precision: 8, scale: 2 }),
  name: varchar({ length: 5 }),
});
"#,
    );
    let m = migration(&a, &b, &Renames::default());
    let sql = m.text();
    assert!(!sql.contains("USING"), "{sql}");

    // Values that fit: applied, kept.
    let mut done = case(
        "a_shorter_varchar",
        &a,
        &b,
        &Renames::default(),
        "INSERT INTO t VALUES (1, 'ann@example.com', 12.5, 'ann')",
        &[("t", 1)],
    );
    assert_eq!(
        value(&mut done.client, "SELECT email FROM t").as_deref(),
        Some("ann@example.com")
    );

    // A value that does not fit (in text made varchar(5)): the server
    // refuses, nothing changes.
    let db = TestDb::new();
    let mut client = db.client();
    run(
        &mut client,
        &migration(&Schema::empty(a.dialect), &a, &Renames::default()),
    );
    client
        .batch_execute("INSERT INTO t VALUES (1, 'ann@example.com', 1, 'annabelle')")
        .expect("insert");
    let mut tx = client.transaction().expect("begin");
    let failed = m.statements().iter().try_for_each(|s| tx.batch_execute(s));
    let err = failed.expect_err("the narrowing must be refused");
    assert!(
        err.to_string().contains("too long") || format!("{err:?}").contains("too long"),
        "{err:?}"
    );
    drop(tx);
    assert_eq!(
        value(&mut client, "SELECT name FROM t").as_deref(),
        Some("annabelle")
    );
}

/// Renaming a table whose check, expression index and partial index name it:
/// the expressions follow the rename; nothing is dropped, and rows survive.
#[test]
fn a_renamed_table_keeps_checks_and_expression_indexes() {
    let a = declared(
        r#"
export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  title: text().notNull(),
  deletedAt: timestamp("deleted_at"),
}, (t) => [
  check("posts_title_len", sql`length(${t.title}) > 0`),
  index("posts_lower_title_idx").on(sql`lower(${t.title})`),
  index("posts_live_idx").on(t.id).where(sql`${t.deletedAt} is null`),
]);
"#,
    );
    let b = declared(
        r#"
export const articles = pgTable("articles", {
  id: integer().primaryKey(),
  title: text().notNull(),
  deletedAt: timestamp("deleted_at"),
}, (t) => [
  check("posts_title_len", sql`length(${t.title}) > 0`),
  index("posts_lower_title_idx").on(sql`lower(${t.title})`),
  index("posts_live_idx").on(t.id).where(sql`${t.deletedAt} is null`),
]);
"#,
    );
    let renames = Renames {
        tables: vec![(q("public", "posts"), q("public", "articles"))],
        ..Renames::default()
    };
    let m = migration(&a, &b, &renames);
    let sql = m.text();
    assert!(!sql.contains("DROP"), "{sql}");
    case(
        "a_renamed_table_keeps_checks",
        &a,
        &b,
        &renames,
        "INSERT INTO posts VALUES (1, 'hello', NULL)",
        &[("articles", 1)],
    );
}
