//! PostgreSQL schemas.

use super::*;
use crate::schema::*;

fn col(name: &str, ty: &str) -> Column {
    Column::new(name, ColumnType::sql(ty))
}

fn not_null(mut c: Column) -> Column {
    c.not_null = true;
    c
}

fn with_default(mut c: Column, d: &str) -> Column {
    c.default = Some(d.to_string());
    c
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn key(name: &str) -> IndexKey {
    IndexKey::column(name)
}

fn index(name: &str, unique: bool, keys: Vec<IndexKey>) -> Index {
    Index {
        name: name.into(),
        unique,
        keys,
        method: None,
        predicate: None,
        with: Vec::new(),
        concurrently: false,
    }
}

fn fk(
    name: &str,
    columns: &[&str],
    table: &str,
    referenced: &[&str],
    on_delete: FkAction,
) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: strings(columns),
        references: QualifiedName::new("public", table),
        referenced_columns: strings(referenced),
        on_delete,
        on_update: FkAction::NoAction,
    }
}

fn table<'s>(s: &'s Schema, name: &str) -> &'s Table {
    s.tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name} in {s:#?}"))
}

fn column<'s>(s: &'s Schema, table_name: &str, name: &str) -> &'s Column {
    table(s, table_name)
        .column(name)
        .unwrap_or_else(|| panic!("no column {table_name}.{name}"))
}

const EXAMPLE: &str = r#"
import { sql } from 'drizzle-orm';
import { pgTable, pgEnum, varchar, timestamp, integer, text, jsonb, index, primaryKey, uniqueIndex, boolean } from 'drizzle-orm/pg-core';

export const roleEnum = pgEnum('role', ['admin', 'member', 'guest']);

export const users = pgTable('users', {
  id: varchar('id', { length: 36 }).primaryKey(),
  email: varchar('email', { length: 255 }).notNull().unique(),
  lastLoginAt: timestamp('last_login_at'),
  role: roleEnum('role').notNull().default('member'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  profile: jsonb('profile').$type<{ bio?: string }>().default({}),
});

export const posts = pgTable('posts', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  authorId: varchar('author_id', { length: 36 }).notNull().references(() => users.id, { onDelete: 'cascade' }),
  title: text('title').notNull(),
  published: boolean('published').default(false),
  createdAt: timestamp('created_at').defaultNow().notNull(),
}, (t) => [
  index('posts_author_idx').on(t.authorId),
  uniqueIndex().on(t.title, t.authorId),
]);

export const postTags = pgTable('post_tags', {
  postId: integer('post_id').notNull().references(() => posts.id),
  tag: varchar('tag', { length: 64 }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.postId, t.tag] }),
]);
"#;

#[test]
fn reads_the_drizzle_kit_example() {
    let s = schema_ts(EXAMPLE).schema(&["schema.ts"]);

    let mut users = Table::new("public", "users");
    users.columns = vec![
        not_null(col("id", "varchar(36)")),
        not_null(col("email", "varchar(255)")),
        col("last_login_at", "timestamp"),
        with_default(
            not_null(Column::new(
                "role",
                ColumnType::Enum(QualifiedName::new("public", "role")),
            )),
            "'member'",
        ),
        with_default(
            not_null(col("created_at", "timestamp with time zone")),
            "now()",
        ),
        with_default(col("profile", "jsonb"), "'{}'::jsonb"),
    ];
    users.primary_key = Some(PrimaryKey {
        name: None,
        columns: strings(&["id"]),
    });
    users.uniques = vec![Unique {
        name: "users_email_unique".into(),
        columns: strings(&["email"]),
        nulls_not_distinct: false,
    }];

    let mut posts = Table::new("public", "posts");
    let mut id = not_null(col("id", "integer"));
    id.identity = Some(Identity {
        always: true,
        sequence_name: None,
        options: SequenceOptions::default(),
    });
    posts.columns = vec![
        id,
        not_null(col("author_id", "varchar(36)")),
        not_null(col("title", "text")),
        with_default(col("published", "boolean"), "false"),
        with_default(not_null(col("created_at", "timestamp")), "now()"),
    ];
    posts.primary_key = Some(PrimaryKey {
        name: None,
        columns: strings(&["id"]),
    });
    posts.foreign_keys = vec![fk(
        "posts_author_id_users_id_fk",
        &["author_id"],
        "users",
        &["id"],
        FkAction::Cascade,
    )];
    posts.indexes = vec![
        index("posts_author_idx", false, vec![key("author_id")]),
        index(
            "posts_title_author_id_index",
            true,
            vec![key("title"), key("author_id")],
        ),
    ];

    let mut post_tags = Table::new("public", "post_tags");
    post_tags.columns = vec![
        not_null(col("post_id", "integer")),
        not_null(col("tag", "varchar(64)")),
    ];
    post_tags.primary_key = Some(PrimaryKey {
        name: Some("post_tags_post_id_tag_pk".into()),
        columns: strings(&["post_id", "tag"]),
    });
    post_tags.foreign_keys = vec![fk(
        "post_tags_post_id_posts_id_fk",
        &["post_id"],
        "posts",
        &["id"],
        FkAction::NoAction,
    )];

    let mut expected = Schema::empty(Dialect::Postgres);
    expected.enums = vec![Enum {
        schema: "public".into(),
        name: "role".into(),
        values: strings(&["admin", "member", "guest"]),
    }];
    expected.tables = vec![users, posts, post_tags];
    expected.sort();
    assert_eq!(s, expected);
}

#[test]
fn reads_the_guide_schema() {
    let s = schema_ts(
        r#"import { pgTable, varchar, timestamp } from "drizzle-orm/pg-core";
export const users = pgTable("users", {
  id: varchar("id").primaryKey().notNull(),
  email: varchar("email").unique(),
  lastLoginAt: timestamp("last_login_at"),
});
"#,
    )
    .schema(&["schema.ts"]);
    let mut users = Table::new("public", "users");
    users.columns = vec![
        not_null(col("id", "varchar")),
        col("email", "varchar"),
        col("last_login_at", "timestamp"),
    ];
    users.primary_key = Some(PrimaryKey {
        name: None,
        columns: strings(&["id"]),
    });
    users.uniques = vec![Unique {
        name: "users_email_unique".into(),
        columns: strings(&["email"]),
        nulls_not_distinct: false,
    }];
    let mut expected = Schema::empty(Dialect::Postgres);
    expected.tables = vec![users];
    assert_eq!(s, expected);
}

#[test]
fn column_types_are_written_as_drizzle_kit_writes_them() {
    let s = schema_ts(
        r#"import * as p from 'drizzle-orm/pg-core';
export const all = p.pgTable('all_types', {
  a: p.integer(), b: p.smallint(), c: p.bigint({ mode: 'number' }), d: p.serial(), e: p.bigserial({ mode: 'bigint' }),
  f: p.smallserial(), g: p.boolean(), h: p.text({ enum: ['x', 'y'] }), i: p.varchar(), j: p.varchar({ length: 10 }),
  k: p.char(), l: p.char({ length: 3 }), m: p.numeric(), n: p.numeric({ precision: 10 }),
  o: p.numeric({ precision: 10, scale: 2 }), q: p.decimal({ precision: 5, scale: 1 }), r: p.real(),
  s: p.doublePrecision(), t: p.json(), u: p.jsonb(), v: p.uuid(), w: p.date({ mode: 'string' }), x: p.time(),
  y: p.time({ precision: 3, withTimezone: true }), z: p.timestamp(), aa: p.timestamp({ withTimezone: true }),
  ab: p.timestamp({ precision: 3 }), ac: p.timestamp({ precision: 6, withTimezone: true, mode: 'string' }),
  ad: p.interval(), ae: p.interval({ fields: 'day to second', precision: 3 }), af: p.int(), ag: p.inet(),
});
"#,
    )
    .schema(&["schema.ts"]);
    let t = table(&s, "all_types");
    let types: Vec<(String, String, bool)> = t
        .columns
        .iter()
        .map(|c| match &c.ty {
            ColumnType::Sql(ty) => (c.name.clone(), ty.clone(), c.not_null),
            ColumnType::Enum(e) => (c.name.clone(), e.to_string(), c.not_null),
        })
        .collect();
    let expected = [
        ("a", "integer", false),
        ("b", "smallint", false),
        ("c", "bigint", false),
        ("d", "serial", true),
        ("e", "bigserial", true),
        ("f", "smallserial", true),
        ("g", "boolean", false),
        ("h", "text", false),
        ("i", "varchar", false),
        ("j", "varchar(10)", false),
        ("k", "char", false),
        ("l", "char(3)", false),
        ("m", "numeric", false),
        ("n", "numeric(10)", false),
        ("o", "numeric(10, 2)", false),
        ("q", "numeric(5, 1)", false),
        ("r", "real", false),
        ("s", "double precision", false),
        ("t", "json", false),
        ("u", "jsonb", false),
        ("v", "uuid", false),
        ("w", "date", false),
        ("x", "time", false),
        ("y", "time(3) with time zone", false),
        ("z", "timestamp", false),
        ("aa", "timestamp with time zone", false),
        ("ab", "timestamp(3)", false),
        ("ac", "timestamp(6) with time zone", false),
        ("ad", "interval", false),
        ("ae", "interval day to second(3)", false),
        ("af", "integer", false),
        ("ag", "inet", false),
    ];
    let expected: Vec<(String, String, bool)> = expected
        .iter()
        .map(|(n, t, nn)| (n.to_string(), t.to_string(), *nn))
        .collect();
    assert_eq!(types, expected);
}

#[test]
fn defaults_are_sql_text() {
    let s = schema_ts(
        r#"import { sql } from 'drizzle-orm';
import { pgTable, text, integer, bigint, boolean, jsonb, json, uuid, timestamp, numeric } from 'drizzle-orm/pg-core';
export const d = pgTable('d', {
  str: text('str').default("it's"),
  num: integer('num').default(42),
  neg: integer('neg').default(-1),
  frac: numeric('frac').default('1.50'),
  big: bigint('big', { mode: 'bigint' }).default(10n),
  bool: boolean('bool').default(true),
  obj: jsonb('obj').default({ a: 1, b: [true, null, "x'y"] }),
  arr: json('arr').default(['a']),
  tags: text('tags').array().default(['a', 'b "c"', "d'e"]),
  matrix: integer('matrix').array().array().default([[1, 2], [3, 4]]),
  empty: integer('empty').array().default([]),
  expr: integer('expr').default(sql`1 + ${sql.raw('2')}`),
  self: integer('self').default(sql`${sql.identifier('num')} * 2`),
  id: uuid('id').defaultRandom(),
  at: timestamp('at').defaultNow(),
  nothing: text('nothing').default(null),
  computed: text('computed').default(`v${1 + 1}`),
});
"#,
    )
    .schema(&["schema.ts"]);
    let d = |name: &str| column(&s, "d", name).default.clone();
    assert_eq!(d("str").as_deref(), Some("'it''s'"));
    assert_eq!(d("num").as_deref(), Some("42"));
    assert_eq!(d("neg").as_deref(), Some("-1"));
    assert_eq!(d("frac").as_deref(), Some("'1.50'"));
    assert_eq!(d("big").as_deref(), Some("10"));
    assert_eq!(d("bool").as_deref(), Some("true"));
    assert_eq!(
        d("obj").as_deref(),
        Some(r#"'{"a":1,"b":[true,null,"x''y"]}'::jsonb"#)
    );
    assert_eq!(d("arr").as_deref(), Some(r#"'["a"]'::json"#));
    assert_eq!(d("tags").as_deref(), Some(r#"'{"a","b \"c\"","d''e"}'"#));
    assert_eq!(d("matrix").as_deref(), Some("'{{1,2},{3,4}}'"));
    assert_eq!(d("empty").as_deref(), Some("'{}'"));
    assert_eq!(d("expr").as_deref(), Some("1 + 2"));
    assert_eq!(d("self").as_deref(), Some("\"num\" * 2"));
    assert_eq!(d("id").as_deref(), Some("gen_random_uuid()"));
    assert_eq!(d("at").as_deref(), Some("now()"));
    assert_eq!(d("nothing").as_deref(), Some("null"));
    assert_eq!(d("computed").as_deref(), Some("'v2'"));
    assert_eq!(column(&s, "d", "tags").dims, 1);
    assert_eq!(column(&s, "d", "matrix").dims, 2);
}

#[test]
fn column_modifiers() {
    let s = schema_ts(
        r#"import { sql } from 'drizzle-orm';
import { pgTable, text, integer, bigint, timestamp } from 'drizzle-orm/pg-core';
import { randomUUID } from 'node:crypto';
type Prefs = { theme: string };
export const m = pgTable('m', {
  a: text('a').$type<'x' | 'y'>().notNull(),
  b: text('b').$defaultFn(() => randomUUID()).$onUpdate(() => randomUUID()),
  c: text('c').unique('c_named', { nulls: 'not distinct' }),
  d: text('d').unique(),
  e: integer('e').generatedByDefaultAsIdentity({ name: 'e_seq', startWith: 10, increment: 5, cache: 2, cycle: true }),
  f: bigint('f', { mode: 'number' }).generatedAlwaysAsIdentity({ minValue: 1, maxValue: '1000' }),
  g: text('g').generatedAlwaysAs(sql`upper(${sql.raw('a')})`),
  h: text('h').generatedAlwaysAs((): any => sql`'x'`),
  i: text('i').generatedAlwaysAs('gen'),
  j: timestamp('j').$default(() => new Date()).$onUpdateFn(() => new Date()),
  k: text('k').notNull().array(),
  l: text('l').array().notNull(),
});
"#,
    )
    .schema(&["schema.ts"]);
    let t = table(&s, "m");
    assert!(column(&s, "m", "a").not_null);
    assert_eq!(column(&s, "m", "b").default, None);
    assert_eq!(
        t.uniques,
        vec![
            Unique {
                name: "c_named".into(),
                columns: strings(&["c"]),
                nulls_not_distinct: true
            },
            Unique {
                name: "m_d_unique".into(),
                columns: strings(&["d"]),
                nulls_not_distinct: false
            },
        ]
    );
    let e = column(&s, "m", "e");
    assert!(e.not_null);
    assert_eq!(
        e.identity,
        Some(Identity {
            always: false,
            sequence_name: Some("e_seq".into()),
            options: SequenceOptions {
                increment: Some(5),
                min_value: None,
                max_value: None,
                start: Some(10),
                cache: Some(2),
                cycle: true,
            },
        })
    );
    let f = column(&s, "m", "f").identity.clone().expect("identity");
    assert!(f.always);
    assert_eq!(
        (f.options.min_value, f.options.max_value),
        (Some(1), Some(1000))
    );
    assert_eq!(column(&s, "m", "g").generated.as_deref(), Some("upper(a)"));
    assert_eq!(column(&s, "m", "h").generated.as_deref(), Some("'x'"));
    // A string is SQL text, as drizzle-kit copies it.
    assert_eq!(column(&s, "m", "i").generated.as_deref(), Some("gen"));
    assert_eq!(column(&s, "m", "j").default, None);
    // `.array()` starts a new builder, as in drizzle: modifiers before it are dropped.
    let k = column(&s, "m", "k");
    assert_eq!((k.dims, k.not_null), (1, false));
    let l = column(&s, "m", "l");
    assert_eq!((l.dims, l.not_null), (1, true));
}

#[test]
fn table_level_builders() {
    let s = schema_ts(
        r#"import { sql } from 'drizzle-orm';
import { pgTable, serial, integer, text, timestamp, index, uniqueIndex, unique, foreignKey, check, primaryKey } from 'drizzle-orm/pg-core';
export const parent = pgTable('parent', {
  id: serial('id').primaryKey(),
  code: text('code').notNull(),
  region: text('region').notNull(),
}, (t) => [
  unique('parent_code_region_uq').on(t.code, t.region).nullsNotDistinct(),
  check('code_len', sql`char_length(${t.code}) > 1`),
]);
export const child = pgTable('child', {
  id: integer('id'),
  parentId: integer('parent_id'),
  pCode: text('p_code'),
  pRegion: text('p_region'),
  title: text('title'),
  createdAt: timestamp('created_at'),
}, (t) => [
  foreignKey({ columns: [t.pCode, t.pRegion], foreignColumns: [parent.code, parent.region], name: 'child_parent_code_fk' }).onDelete('restrict'),
  foreignKey({ columns: [t.pCode, t.pRegion], foreignColumns: [parent.code, parent.region] }).onUpdate('set null'),
  index('child_title_idx').on(t.title.desc().nullsFirst()),
  index('child_fts_idx').using('gin', sql`to_tsvector('english', ${t.title})`),
  index('child_partial_idx').on(t.createdAt).where(sql`${t.title} is not null`),
  index('child_conc_idx').on(t.parentId).concurrently(),
  index('child_with_idx').on(t.title).with({ fillfactor: '70', deduplicate_items: false }),
  index('child_op_idx').on(t.title.op('text_pattern_ops')),
  uniqueIndex('child_uq_idx').on(t.parentId, t.title),
  index().on(t.pCode, t.pRegion),
  primaryKey({ name: 'child_pk', columns: [t.id, t.parentId] }),
]);
export const legacy = pgTable('legacy_obj', {
  a: integer('a').notNull(),
  b: integer('b').notNull(),
}, (t) => ({
  pk: primaryKey({ columns: [t.a, t.b] }),
  idx: index('legacy_idx').on(t.b),
}));
"#,
    )
    .schema(&["schema.ts"]);
    let p = table(&s, "parent");
    assert_eq!(
        p.uniques,
        vec![Unique {
            name: "parent_code_region_uq".into(),
            columns: strings(&["code", "region"]),
            nulls_not_distinct: true,
        }]
    );
    assert_eq!(
        p.checks,
        vec![Check {
            name: "code_len".into(),
            expression: "char_length(\"parent\".\"code\") > 1".into()
        }]
    );
    assert!(column(&s, "parent", "id").not_null);

    let c = table(&s, "child");
    assert_eq!(
        c.primary_key,
        Some(PrimaryKey {
            name: Some("child_pk".into()),
            columns: strings(&["id", "parent_id"])
        })
    );
    let mut named = fk(
        "child_parent_code_fk",
        &["p_code", "p_region"],
        "parent",
        &["code", "region"],
        FkAction::Restrict,
    );
    named.on_update = FkAction::NoAction;
    let mut unnamed = fk(
        "child_p_code_p_region_parent_code_region_fk",
        &["p_code", "p_region"],
        "parent",
        &["code", "region"],
        FkAction::NoAction,
    );
    unnamed.on_update = FkAction::SetNull;
    assert_eq!(c.foreign_keys, vec![unnamed, named]);

    let find = |name: &str| {
        c.indexes
            .iter()
            .find(|i| i.name == name)
            .cloned()
            .expect(name)
    };
    let title = find("child_title_idx");
    assert_eq!(
        title.keys,
        vec![IndexKey {
            key: "title".into(),
            expression: false,
            desc: true,
            nulls: Some(Nulls::First),
            opclass: None
        }]
    );
    let fts = find("child_fts_idx");
    assert_eq!(fts.method.as_deref(), Some("gin"));
    assert_eq!(
        fts.keys,
        vec![IndexKey {
            key: "to_tsvector('english', \"title\")".into(),
            expression: true,
            desc: false,
            nulls: None,
            opclass: None,
        }]
    );
    assert_eq!(
        find("child_partial_idx").predicate.as_deref(),
        Some("\"child\".\"title\" is not null")
    );
    assert!(find("child_conc_idx").concurrently);
    assert_eq!(
        find("child_with_idx").with,
        vec![
            ("fillfactor".to_string(), "70".to_string()),
            ("deduplicate_items".to_string(), "false".to_string())
        ]
    );
    assert_eq!(
        find("child_op_idx").keys[0].opclass.as_deref(),
        Some("text_pattern_ops")
    );
    let uq = find("child_uq_idx");
    assert!(uq.unique);
    assert_eq!(uq.keys, vec![key("parent_id"), key("title")]);
    assert_eq!(
        find("child_p_code_p_region_index").keys,
        vec![key("p_code"), key("p_region")]
    );

    let l = table(&s, "legacy_obj");
    assert_eq!(
        l.primary_key,
        Some(PrimaryKey {
            name: Some("legacy_obj_a_b_pk".into()),
            columns: strings(&["a", "b"])
        })
    );
    assert_eq!(l.indexes, vec![index("legacy_idx", false, vec![key("b")])]);
}

#[test]
fn enums_schemas_and_sequences() {
    let s = schema_ts(
        r#"import { pgTable, pgEnum, pgSchema, pgSequence, integer, text } from 'drizzle-orm/pg-core';
export enum Mood { Sad = 'sad', Ok = 'ok', Happy = 'happy' }
export const mood = pgEnum('mood', Mood);
const levels = ['low', 'high'] as const;
export const level = pgEnum('level', levels);
export const app = pgSchema('app');
export const status = app.enum('status', ['on', 'off']);
export const counter = pgSequence('counter_seq', { startWith: 100, increment: 2, minValue: 1, maxValue: 100000, cache: 10 });
export const appSeq = app.sequence('app_seq');
export const things = app.table('things', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  status: status('status').default('on').notNull(),
  mood: mood().array(),
  level: level('level').default(levels[1]),
  ref: integer('ref').references(() => plain.id),
});
export const plain = pgTable('plain', { id: integer('id').primaryKey(), label: text('label') });
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(s.schemas, strings(&["app"]));
    assert_eq!(
        s.enums,
        vec![
            Enum {
                schema: "app".into(),
                name: "status".into(),
                values: strings(&["on", "off"])
            },
            Enum {
                schema: "public".into(),
                name: "level".into(),
                values: strings(&["low", "high"])
            },
            Enum {
                schema: "public".into(),
                name: "mood".into(),
                values: strings(&["sad", "ok", "happy"])
            },
        ]
    );
    assert_eq!(
        s.sequences,
        vec![
            Sequence {
                schema: "app".into(),
                name: "app_seq".into(),
                options: SequenceOptions::default()
            },
            Sequence {
                schema: "public".into(),
                name: "counter_seq".into(),
                options: SequenceOptions {
                    increment: Some(2),
                    min_value: Some(1),
                    max_value: Some(100000),
                    start: Some(100),
                    cache: Some(10),
                    cycle: false,
                },
            },
        ]
    );
    let things = s.table("app", "things").expect("app.things");
    let status = things.column("status").expect("status");
    assert_eq!(
        status.ty,
        ColumnType::Enum(QualifiedName::new("app", "status"))
    );
    assert_eq!(status.default.as_deref(), Some("'on'"));
    let mood = things.column("mood").expect("mood");
    assert_eq!(
        (mood.ty.clone(), mood.dims),
        (ColumnType::Enum(QualifiedName::new("public", "mood")), 1)
    );
    assert_eq!(
        things
            .column("level")
            .and_then(|c| c.default.clone())
            .as_deref(),
        Some("'high'")
    );
    assert_eq!(
        things.foreign_keys[0].references,
        QualifiedName::new("public", "plain")
    );
    assert_eq!(things.foreign_keys[0].name, "things_ref_plain_id_fk");
}

#[test]
fn several_files_with_a_cycle_of_references() {
    let s = Project::new()
        .file(
            "db/schema/index.ts",
            "export * from './users';\nexport { posts as articles } from './posts.js';\n",
        )
        .file(
            "db/schema/users.ts",
            r#"import { pgTable, uuid, text } from 'drizzle-orm/pg-core';
import { posts } from './posts';
export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  pinnedPostId: uuid('pinned_post_id').references(() => posts.id, { onDelete: 'set null' }),
  name: text('name'),
});
"#,
        )
        .file(
            "db/schema/posts.ts",
            r#"import { pgTable, uuid } from 'drizzle-orm/pg-core';
import * as u from './users.ts';
import { idColumn } from '../helpers';
export const posts = pgTable('posts', {
  id: idColumn(),
  authorId: uuid('author_id').notNull().references(() => u.users.id),
});
"#,
        )
        .file(
            "db/helpers/index.ts",
            "import { uuid } from 'drizzle-orm/pg-core';\nexport const idColumn = () => uuid('id').defaultRandom().primaryKey();\n",
        )
        .schema(&["db/schema/index.ts"]);
    assert_eq!(
        s.tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["posts", "users"]
    );
    assert_eq!(
        table(&s, "users").foreign_keys[0].name,
        "users_pinned_post_id_posts_id_fk"
    );
    assert_eq!(
        table(&s, "users").foreign_keys[0].on_delete,
        FkAction::SetNull
    );
    assert_eq!(
        table(&s, "posts").foreign_keys[0].name,
        "posts_author_id_users_id_fk"
    );
    assert_eq!(
        column(&s, "posts", "id").default.as_deref(),
        Some("gen_random_uuid()")
    );
}

#[test]
fn several_entry_files_share_tables() {
    let p = Project::new()
        .file("a.ts", "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const a = pgTable('a', { id: integer('id') });\n")
        .file("b.ts", "export { a } from './a';\nimport { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const b = pgTable('b', { id: integer('id') });\n");
    let s = p.schema(&["a.ts", "b.ts"]);
    assert_eq!(s.tables.len(), 2);
}

#[test]
fn helpers_spreads_and_plain_javascript() {
    let s = schema_ts(
        r#"import { pgTable as table, text, timestamp, integer, varchar } from 'drizzle-orm/pg-core';
import { sql, relations } from 'drizzle-orm';
const timestamps = {
  createdAt: timestamp('created_at').defaultNow().notNull(),
  updatedAt: timestamp('updated_at'),
};
function named(prefix: string, { length = 32, nullable }: { length?: number; nullable?: boolean } = {}) {
  const column = varchar(`${prefix}_name`, { length });
  if (nullable) {
    return column;
  }
  return column.notNull();
}
const PREFIX = 'app_' as const;
const sizes = [1, 2, 3].map((n) => n * 10);
const config = { schema: undefined as string | undefined, table: { name: 'widgets' } } satisfies object;
export const widgets = table(`${PREFIX}${config.table.name}`, {
  id: integer('id').primaryKey(),
  first: named('first'),
  last: named('last', { length: sizes[2], nullable: true }),
  label: text('label').default(config.schema ?? 'none'),
  maybe: text('maybe').default(config.table?.missing?.deep ?? 'fallback'),
  choice: text('choice').default(sizes.length > 2 ? 'many' : 'few'),
  joined: text('joined').default(['a', 'b'].join('-').toUpperCase()),
  ...timestamps,
});
export const widgetRelations = relations(widgets, ({ many }) => ({ parts: many(widgets) }));
"#,
    )
    .schema(&["schema.ts"]);
    let w = table(&s, "app_widgets");
    let names: Vec<&str> = w.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "first_name",
            "last_name",
            "label",
            "maybe",
            "choice",
            "joined",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(
        column(&s, "app_widgets", "first_name").ty,
        ColumnType::sql("varchar(32)")
    );
    assert!(column(&s, "app_widgets", "first_name").not_null);
    assert_eq!(
        column(&s, "app_widgets", "last_name").ty,
        ColumnType::sql("varchar(30)")
    );
    assert!(!column(&s, "app_widgets", "last_name").not_null);
    assert_eq!(
        column(&s, "app_widgets", "label").default.as_deref(),
        Some("'none'")
    );
    assert_eq!(
        column(&s, "app_widgets", "maybe").default.as_deref(),
        Some("'fallback'")
    );
    assert_eq!(
        column(&s, "app_widgets", "choice").default.as_deref(),
        Some("'many'")
    );
    assert_eq!(
        column(&s, "app_widgets", "joined").default.as_deref(),
        Some("'A-B'")
    );
    assert_eq!(
        column(&s, "app_widgets", "created_at").default.as_deref(),
        Some("now()")
    );
}

#[test]
fn casing_applies_to_unnamed_columns() {
    let p = schema_ts(
        r#"import { pgTable, integer, text, timestamp, index, unique } from 'drizzle-orm/pg-core';
export const accounts = pgTable('userAccounts', {
  accountId: integer().primaryKey(),
  displayName: text().unique(),
  createdAt: timestamp(),
  HTMLBody: text(),
  ExplicitName: text('ExplicitName'),
  parentAccountId: integer().references(() => accounts.accountId),
}, (t) => [
  index().on(t.displayName),
  unique().on(t.displayName, t.createdAt),
]);
"#,
    );
    let snake = p
        .read_with(&["schema.ts"], Casing::SnakeCase)
        .expect("schema");
    let t = table(&snake, "userAccounts");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "account_id",
            "display_name",
            "created_at",
            "html_body",
            "ExplicitName",
            "parent_account_id"
        ]
    );
    let uniques: Vec<&str> = t.uniques.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        uniques,
        [
            "userAccounts_displayName_createdAt_unique",
            "userAccounts_displayName_unique"
        ]
    );
    assert_eq!(
        t.uniques[0].columns,
        strings(&["display_name", "created_at"])
    );
    assert_eq!(t.indexes[0].name, "userAccounts_display_name_index");
    assert_eq!(
        t.foreign_keys[0].name,
        "userAccounts_parent_account_id_userAccounts_account_id_fk"
    );
    assert_eq!(
        t.foreign_keys[0].referenced_columns,
        strings(&["account_id"])
    );

    let preserve = p.read(&["schema.ts"]).expect("schema");
    assert_eq!(
        table(&preserve, "userAccounts").columns[0].name,
        "accountId"
    );
    let camel = p
        .read_with(&["schema.ts"], Casing::CamelCase)
        .expect("schema");
    let names: Vec<String> = table(&camel, "userAccounts")
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "accountId",
            "displayName",
            "createdAt",
            "htmlBody",
            "ExplicitName",
            "parentAccountId"
        ]
    );
}

#[test]
fn table_creator_and_column_callback() {
    let s = schema_ts(
        r#"import { pgTableCreator, index } from 'drizzle-orm/pg-core';
const createTable = pgTableCreator((name) => `myapp_${name}`);
export const posts = createTable('posts', (t) => ({
  id: t.integer().primaryKey().generatedByDefaultAsIdentity(),
  name: t.varchar({ length: 256 }),
}), (t) => [index('name_idx').on(t.name)]);
"#,
    )
    .schema(&["schema.ts"]);
    let t = table(&s, "myapp_posts");
    assert_eq!(t.columns[1].ty, ColumnType::sql("varchar(256)"));
    assert_eq!(t.columns[1].name, "name");
    assert_eq!(t.indexes[0].name, "name_idx");
}

#[test]
fn self_references_and_unexported_helpers() {
    let s = schema_ts(
        r#"import { pgTable, integer, text, type AnyPgColumn } from 'drizzle-orm/pg-core';
const notExported = pgTable('ignored', { id: integer('id') });
export const categories = pgTable('categories', {
  id: integer('id').primaryKey(),
  parentId: integer('parent_id').references((): AnyPgColumn => categories.id, { onDelete: 'cascade', onUpdate: 'restrict' }),
  name: text('name'),
});
export default categories;
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(s.tables.len(), 1);
    let fk = &table(&s, "categories").foreign_keys[0];
    assert_eq!(fk.name, "categories_parent_id_categories_id_fk");
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (FkAction::Cascade, FkAction::Restrict)
    );
}

#[test]
fn exports_that_are_not_entities_are_ignored() {
    let s = schema_ts(
        r#"import { pgTable, pgEnum, integer, text } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { getTableName, getTableColumns } from 'drizzle-orm';
export const pool = new Pool({ connectionString: process.env.DATABASE_URL });
export const db = drizzle(pool);
export async function findUser(id: number) { return db.query.users.findFirst(); }
export class Repository {}
export type User = typeof users.$inferSelect;
export const users = pgTable('users', { id: integer('id').primaryKey(), name: text() });
export const field = pgEnum('user_field', Object.keys(getTableColumns(users)) as [string, ...string[]]);
export const copy = pgTable(`${getTableName(users)}_copy`, {
  note: text('note').default(users.name.name),
});
"#,
    )
    .schema(&["schema.ts"]);
    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["users", "users_copy"]);
    assert_eq!(s.enums[0].values, ["id", "name"]);
    assert_eq!(
        column(&s, "users_copy", "note").default.as_deref(),
        Some("'name'")
    );
}

#[test]
fn module_namespaces_spread_and_list() {
    let s = Project::new()
        .file(
            "tables.ts",
            "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const a = pgTable('a', { id: integer('id') });\nexport const b = pgTable('b', { id: integer('id') });\n",
        )
        .file(
            "schema.ts",
            "import * as tables from './tables';\nimport { pgEnum } from 'drizzle-orm/pg-core';\nconst all = { ...tables };\nexport const { a } = all;\nexport const tableNames = pgEnum('table_name', Object.keys(tables) as [string]);\n",
        )
        .schema(&["schema.ts"]);
    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a"]);
    assert_eq!(s.enums[0].values, ["a", "b"]);
}

#[test]
fn casing_splits_words_as_drizzle_does() {
    let cases = [
        ("addressLine1", "address_line1", "addressLine1"),
        ("userID", "user_id", "userID"),
        ("HTMLParser", "html_parser", "htmlParser"),
        ("already_snake", "already_snake", "alreadySnake"),
        ("X", "x", "x"),
        ("it'sFine", "its_fine", "itsFine"),
    ];
    for (key, snake, camel) in cases {
        assert_eq!(Casing::SnakeCase.apply(key), snake, "{key}");
        assert_eq!(Casing::CamelCase.apply(key), camel, "{key}");
        assert_eq!(Casing::Preserve.apply(key), key);
    }
}

/// drizzle-kit's `0000_cheerful_black_bird.sql` for [`EXAMPLE`], verbatim.
const DRIZZLE_KIT_SQL: &str = r#"CREATE TYPE "public"."role" AS ENUM('admin', 'member', 'guest');--> statement-breakpoint
CREATE TABLE "post_tags" (
	"post_id" integer NOT NULL,
	"tag" varchar(64) NOT NULL,
	CONSTRAINT "post_tags_post_id_tag_pk" PRIMARY KEY("post_id","tag")
);
--> statement-breakpoint
CREATE TABLE "posts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "posts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"author_id" varchar(36) NOT NULL,
	"title" text NOT NULL,
	"published" boolean DEFAULT false,
	"created_at" timestamp DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"email" varchar(255) NOT NULL,
	"last_login_at" timestamp,
	"role" "role" DEFAULT 'member' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"profile" jsonb DEFAULT '{}'::jsonb,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "post_tags" ADD CONSTRAINT "post_tags_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "posts_author_idx" ON "posts" USING btree ("author_id");--> statement-breakpoint
CREATE UNIQUE INDEX "posts_title_author_id_index" ON "posts" USING btree ("title","author_id");"#;

#[test]
fn the_example_renders_as_drizzle_kit_wrote_it() {
    use crate::diff::{RenameMode, Renames, diff};
    let to = schema_ts(EXAMPLE).schema(&["schema.ts"]);
    let from = Schema::empty(to.dialect);
    let changes = diff(&from, &to, &Renames::default(), RenameMode::Ask).expect("diff");
    let plan = crate::plan::plan(changes, &from, &to);
    let ours = crate::render::statements(&crate::render::render(plan.changes, to.dialect));
    let theirs: Vec<String> = DRIZZLE_KIT_SQL
        .split("--> statement-breakpoint")
        .map(|s| s.trim().trim_end_matches(';').to_string())
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn loops_getters_and_compound_assignments() {
    let s = schema_ts(
        r#"import { pgTable, pgEnum, integer, text } from 'drizzle-orm/pg-core';
const levels = (() => {
  const out: string[] = [];
  for (let i = 1; i <= 3; i++) out.push(`level_${i}`);
  let n = 0;
  while (n < 2) { n += 1; }
  out.push(`n_${n}`);
  for (const k in { a: 1, b: 2 }) out.push(k);
  let total = 10;
  total -= 4;
  total *= 2;
  let name: string | undefined;
  name ??= 'fallback';
  out.push(`${name}_${total}`);
  return out;
})();
export const level = pgEnum('level', levels as [string, ...string[]]);
const columns = {
  get id() { return integer('id').primaryKey(); },
  set ignored(v: unknown) {},
  label: text('label'),
};
export const t = pgTable('t', columns);
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(
        s.enums[0].values,
        strings(&[
            "level_1",
            "level_2",
            "level_3",
            "n_2",
            "a",
            "b",
            "fallback_12"
        ])
    );
    let names: Vec<&str> = s.tables[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, vec!["id", "label"]);
}

/// Config code that builds columns with Sets, `structuredClone`,
/// `Object.hasOwn` and `shift`/`pop`/`unshift`, as real projects' helpers do.
#[test]
fn sets_clones_and_array_queues_in_helpers() {
    let s = schema_ts(
        r#"import { pgTable, uuid, integer } from 'drizzle-orm/pg-core';
const FORBIDDEN = new Set(['__proto__', 'constructor']);
function merge(target: any, ...sources: any[]): any {
  if (!sources.length) return target;
  const source = sources.shift();
  for (const key in source) {
    if (!Object.hasOwn(source, key) || FORBIDDEN.has(key)) continue;
    target[key] = source[key];
  }
  return merge(target, ...sources);
}
const base = { parents: ['org', 'team', 'org'], optional: ['team'] };
const config = merge(structuredClone(base), { extra: 'project' });
function relationColumns() {
  const queue = [...new Set(config.parents)];
  queue.unshift('tenant');
  const last = queue.pop();
  const optional = new Set(config.optional);
  const columns: Record<string, any> = {};
  for (const p of queue) {
    columns[`${p}Id`] = optional.has(p) ? uuid() : uuid().notNull();
  }
  columns[`${last}Id`] = uuid();
  columns[`${config.extra}Count`] = integer().default(optional.size + FORBIDDEN.size);
  return columns;
}
export const things = pgTable('things', { id: integer().primaryKey(), ...relationColumns() });
"#,
    )
    .schema(&["schema.ts"]);
    let t = table(&s, "things");
    let names: Vec<(&str, bool)> = t
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.not_null))
        .collect();
    assert_eq!(
        names,
        [
            ("id", true),
            ("tenantId", true),
            ("orgId", true),
            ("teamId", false),
            ("projectCount", false)
        ]
    );
    assert_eq!(
        t.column("projectCount").and_then(|c| c.default.as_deref()),
        Some("3")
    );
    assert!(!t.columns.iter().any(|c| c.name == "undefinedId"));
}
