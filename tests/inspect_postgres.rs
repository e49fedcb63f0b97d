//! The PostgreSQL inspector against a real server: declared models are
//! rendered, executed, inspected, and must diff empty against themselves.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use db_migrate::diff::{RenameMode, Renames, diff};
use db_migrate::inspect::{Scope, postgres::inspect};
use db_migrate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexKey,
    Nulls, PrimaryKey, QualifiedName, Schema, Sequence, SequenceOptions, Table, Unique, canonical,
};
use postgres::{Client, NoTls};

// ---------------------------------------------------------------------------
// A fresh database per test, dropped at the end.

static DATABASES: AtomicUsize = AtomicUsize::new(0);

fn base_config() -> postgres::Config {
    let url = std::env::var("DB_MIGRATE_TEST_PG_URL")
        .unwrap_or_else(|_| panic!("run scripts/test.sh or set DB_MIGRATE_TEST_PG_URL"));
    url.parse()
        .expect("DB_MIGRATE_TEST_PG_URL is a PostgreSQL URL")
}

struct TestDb {
    name: String,
    config: postgres::Config,
}

impl TestDb {
    fn new() -> TestDb {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let name = format!("dbm_inspect_{}_{n}", std::process::id());
        let mut admin = base_config()
            .connect(NoTls)
            .expect("connect to the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create the test database");
        let mut config = base_config();
        config.dbname(&name);
        TestDb { name, config }
    }

    fn client(&self) -> Client {
        self.config
            .connect(NoTls)
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = base_config().connect(NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// Model helpers.

trait ColumnExt {
    fn not_null(self) -> Self;
    fn default(self, sql: &str) -> Self;
    fn dims(self, dims: u8) -> Self;
    fn generated(self, sql: &str) -> Self;
    fn identity(self, identity: Identity) -> Self;
}

impl ColumnExt for Column {
    fn not_null(mut self) -> Self {
        self.not_null = true;
        self
    }
    fn default(mut self, sql: &str) -> Self {
        self.default = Some(sql.into());
        self
    }
    fn dims(mut self, dims: u8) -> Self {
        self.dims = dims;
        self
    }
    fn generated(mut self, sql: &str) -> Self {
        self.generated = Some(sql.into());
        self
    }
    fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }
}

fn col(name: &str, ty: &str) -> Column {
    Column::new(name, ColumnType::sql(ty))
}

fn enum_col(name: &str, schema: &str, ty: &str) -> Column {
    Column::new(name, ColumnType::Enum(QualifiedName::new(schema, ty)))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pk(name: Option<&str>, columns: &[&str]) -> Option<PrimaryKey> {
    Some(PrimaryKey {
        name: name.map(String::from),
        columns: strings(columns),
    })
}

fn fk(name: &str, columns: &[&str], references: (&str, &str), referenced: &[&str]) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: strings(columns),
        references: QualifiedName::new(references.0, references.1),
        referenced_columns: strings(referenced),
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
    }
}

fn index(name: &str, keys: Vec<IndexKey>) -> Index {
    Index {
        name: name.into(),
        unique: false,
        keys,
        method: None,
        predicate: None,
        with: Vec::new(),
        concurrently: false,
    }
}

fn expression_key(sql: &str) -> IndexKey {
    IndexKey {
        expression: true,
        ..IndexKey::column(sql)
    }
}

fn check(name: &str, expression: &str) -> Check {
    Check {
        name: name.into(),
        expression: expression.into(),
    }
}

// ---------------------------------------------------------------------------
// Running models and comparing.

/// Creates `declared` from nothing with the project's own diff, plan and renderer.
fn create(client: &mut Client, declared: &Schema) {
    let empty = Schema::empty(declared.dialect);
    let changes = diff(&empty, declared, &Renames::default(), RenameMode::Ask)
        .expect("no ambiguity from empty");
    let plan = db_migrate::plan::plan(changes, &empty, declared);
    for statement in
        db_migrate::render::statements(&db_migrate::render::render(plan.changes, declared.dialect))
    {
        client
            .batch_execute(&statement)
            .unwrap_or_else(|e| panic!("{statement}\n-> {e}"));
    }
}

fn scope(schemas: &[&str]) -> Scope {
    Scope {
        schemas: strings(schemas),
        exclude_tables: Vec::new(),
    }
}

/// Panics with the remaining changes when `inspected` does not equal `declared`.
fn assert_same(inspected: &Schema, declared: &Schema) {
    let changes = diff(
        inspected,
        declared,
        &Renames::default(),
        RenameMode::DropAndCreate,
    )
    .expect("no ambiguity");
    if !changes.is_empty() {
        let listed: Vec<String> = changes
            .iter()
            .map(|c| format!("{}\n    {c:?}", c.describe()))
            .collect();
        panic!(
            "inspected schema differs from the declared one:\n  {}",
            listed.join("\n  ")
        );
    }
    // The diff matches tables by name and sequences by name only: check the rest.
    let names = |s: &Schema| s.tables.iter().map(|t| t.qualified()).collect::<Vec<_>>();
    assert_eq!(names(inspected), names(declared));
    assert_eq!(inspected.schemas, declared.schemas);
    assert_eq!(inspected.enums, declared.enums);
    assert_eq!(
        canonical::schema(inspected).sequences,
        canonical::schema(declared).sequences
    );
}

// ---------------------------------------------------------------------------
// The round trip.

fn declared_model() -> Schema {
    let mut s = Schema::empty(Dialect::Postgres);
    s.schemas = strings(&["app"]);
    s.enums = vec![
        Enum {
            schema: "public".into(),
            name: "role".into(),
            values: strings(&["admin", "member", "it's"]),
        },
        Enum {
            schema: "app".into(),
            name: "status".into(),
            values: strings(&["active", "archived"]),
        },
    ];
    s.sequences = vec![Sequence {
        schema: "public".into(),
        name: "invoice_numbers".into(),
        options: SequenceOptions {
            increment: Some(2),
            start: Some(1000),
            ..Default::default()
        },
    }];

    let mut users = Table::new("public", "users");
    users.columns = vec![
        col("id", "serial").not_null(),
        col("email", "varchar(255)").not_null(),
        col("name", "text").default("'it''s'"),
        col("nickname", "varchar(40)").default("'nick'"),
        enum_col("role", "public", "role")
            .not_null()
            .default("'member'"),
        enum_col("roles", "public", "role")
            .dims(1)
            .default("'{\"member\"}'"),
        col("score", "integer").default("-1"),
        col("doubled", "integer").generated("\"users\".\"score\" * 2"),
        col("level", "smallint").default("3"),
        col("balance", "numeric(10,2)").default("'9.99'"),
        col("ratio", "double precision").default("1.5"),
        col("active", "boolean").not_null().default("true"),
        col("created_at", "timestamp with time zone")
            .not_null()
            .default("now()"),
        col("updated_at", "timestamp(3)").default("now()"),
        col("settings", "jsonb").default("'{\"theme\":\"dark\",\"n\":1}'::jsonb"),
        col("tags", "text").dims(1).default("'{\"a\",\"b c\"}'"),
        col("matrix", "integer").dims(2),
        col("code", "char(2)"),
        col("uid", "uuid").default("gen_random_uuid()"),
        col("big_counter", "bigserial").not_null(),
        col("small_counter", "smallserial").not_null(),
        col("ip", "inet"),
        col("period", "interval"),
        col("thing_id", "integer"),
    ];
    users.primary_key = pk(None, &["id"]);
    users.uniques = vec![
        Unique {
            name: "users_email_unique".into(),
            columns: strings(&["email"]),
            nulls_not_distinct: false,
        },
        Unique {
            name: "users_name_code_unique".into(),
            columns: strings(&["name", "code"]),
            nulls_not_distinct: true,
        },
    ];
    users.checks = vec![
        check("users_score_check", "\"users\".\"score\" >= -1"),
        check(
            "users_email_check",
            "char_length(\"users\".\"email\") > 3 AND \"users\".\"email\" LIKE '%@%'",
        ),
        check(
            "users_nickname_check",
            "\"users\".\"nickname\" <> 'x' AND \"users\".\"level\" > 0",
        ),
    ];
    users.foreign_keys = vec![ForeignKey {
        on_delete: FkAction::SetNull,
        ..fk(
            "users_thing_id_things_id_fk",
            &["thing_id"],
            ("app", "things"),
            &["id"],
        )
    }];
    users.indexes = vec![
        Index {
            method: Some("gin".into()),
            ..index("users_tags_index", vec![IndexKey::column("tags")])
        },
        Index {
            method: Some("gin".into()),
            ..index(
                "users_settings_index",
                vec![IndexKey {
                    opclass: Some("jsonb_path_ops".into()),
                    ..IndexKey::column("settings")
                }],
            )
        },
        Index {
            unique: true,
            ..index(
                "users_lower_email_index",
                vec![expression_key("lower(\"email\")")],
            )
        },
    ];

    let mut posts = Table::new("public", "posts");
    posts.columns = vec![
        col("id", "integer").not_null().identity(Identity {
            always: true,
            sequence_name: None,
            options: SequenceOptions::default(),
        }),
        col("author_id", "integer").not_null(),
        col("parent_id", "integer"),
        col("title", "varchar(200)").not_null(),
        col("body", "text"),
        enum_col("status", "app", "status")
            .not_null()
            .default("'active'"),
        enum_col("history", "app", "status").dims(1),
        col("published_at", "timestamp"),
    ];
    posts.primary_key = pk(None, &["id"]);
    posts.foreign_keys = vec![
        ForeignKey {
            on_delete: FkAction::Cascade,
            ..fk(
                "posts_author_id_users_id_fk",
                &["author_id"],
                ("public", "users"),
                &["id"],
            )
        },
        ForeignKey {
            on_delete: FkAction::SetNull,
            on_update: FkAction::Cascade,
            ..fk(
                "posts_parent_id_posts_id_fk",
                &["parent_id"],
                ("public", "posts"),
                &["id"],
            )
        },
    ];
    posts.indexes = vec![
        index(
            "posts_body_index",
            vec![IndexKey {
                opclass: Some("text_pattern_ops".into()),
                ..IndexKey::column("body")
            }],
        ),
        index(
            "posts_published_at_index",
            vec![IndexKey {
                desc: true,
                nulls: Some(Nulls::Last),
                ..IndexKey::column("published_at")
            }],
        ),
        index(
            "posts_author_id_published_at_index",
            vec![
                IndexKey {
                    nulls: Some(Nulls::First),
                    ..IndexKey::column("author_id")
                },
                IndexKey {
                    desc: true,
                    ..IndexKey::column("published_at")
                },
            ],
        ),
        Index {
            predicate: Some("\"posts\".\"published_at\" IS NOT NULL".into()),
            with: vec![("fillfactor".into(), "70".into())],
            ..index("posts_published_index", vec![IndexKey::column("author_id")])
        },
        Index {
            unique: true,
            ..index(
                "posts_title_author_index",
                vec![
                    expression_key("lower(\"title\")"),
                    IndexKey::column("author_id"),
                ],
            )
        },
    ];

    let mut post_tags = Table::new("public", "post_tags");
    post_tags.columns = vec![
        col("post_id", "integer").not_null(),
        col("tag", "text").not_null(),
    ];
    post_tags.primary_key = pk(Some("post_tags_post_id_tag_pk"), &["post_id", "tag"]);
    post_tags.foreign_keys = vec![ForeignKey {
        on_delete: FkAction::Cascade,
        ..fk(
            "post_tags_post_id_posts_id_fk",
            &["post_id"],
            ("public", "posts"),
            &["id"],
        )
    }];

    let mut tag_refs = Table::new("public", "tag_refs");
    tag_refs.columns = vec![
        col("id", "bigint").not_null().identity(Identity {
            always: false,
            sequence_name: Some("tag_refs_custom_seq".into()),
            options: SequenceOptions {
                increment: Some(5),
                min_value: Some(100),
                max_value: Some(100_000),
                start: Some(200),
                cache: Some(10),
                cycle: true,
            },
        }),
        col("small_id", "smallint").not_null().identity(Identity {
            always: false,
            sequence_name: None,
            options: SequenceOptions {
                start: Some(7),
                ..Default::default()
            },
        }),
        col("post_id", "integer"),
        col("tag", "text"),
    ];
    tag_refs.primary_key = pk(None, &["id"]);
    tag_refs.foreign_keys = vec![ForeignKey {
        on_delete: FkAction::Restrict,
        on_update: FkAction::Cascade,
        ..fk(
            "tag_refs_post_id_tag_post_tags_post_id_tag_fk",
            &["post_id", "tag"],
            ("public", "post_tags"),
            &["post_id", "tag"],
        )
    }];

    let mut things = Table::new("app", "things");
    things.columns = vec![
        col("id", "serial").not_null(),
        enum_col("status", "app", "status")
            .not_null()
            .default("'active'"),
        col("owner_id", "integer"),
        col("label", "text").not_null().default("''"),
        col("weight", "real").default("0"),
    ];
    things.primary_key = pk(None, &["id"]);
    things.foreign_keys = vec![ForeignKey {
        on_delete: FkAction::SetDefault,
        ..fk(
            "things_owner_id_users_id_fk",
            &["owner_id"],
            ("public", "users"),
            &["id"],
        )
    }];
    things.checks = vec![check(
        "things_label_check",
        "\"things\".\"label\" <> 'none'",
    )];
    things.indexes = vec![index(
        "things_status_index",
        vec![IndexKey::column("status")],
    )];

    s.tables = vec![users, posts, post_tags, tag_refs, things];
    s.sort();
    s
}

#[test]
fn round_trip_of_a_declared_model() {
    let db = TestDb::new();
    let mut client = db.client();
    let declared = declared_model();
    create(&mut client, &declared);
    let inspected = inspect(&mut client, &scope(&["app"])).expect("inspect");
    assert_same(&inspected, &declared);

    // Spot checks on what the comparison normalises away.
    let users = inspected.table("public", "users").expect("users");
    assert_eq!(
        users.column("id").map(|c| &c.ty),
        Some(&ColumnType::sql("serial"))
    );
    assert_eq!(users.column("id").and_then(|c| c.default.as_ref()), None);
    assert_eq!(
        users.column("big_counter").map(|c| &c.ty),
        Some(&ColumnType::sql("bigserial"))
    );
    assert_eq!(
        users.column("small_counter").map(|c| &c.ty),
        Some(&ColumnType::sql("smallserial"))
    );
    assert_eq!(users.primary_key, pk(None, &["id"]));
    let roles = users.column("roles").expect("roles");
    assert_eq!(
        roles.ty,
        ColumnType::Enum(QualifiedName::new("public", "role"))
    );
    assert_eq!(roles.dims, 1);
    assert_eq!(users.column("matrix").map(|c| c.dims), Some(2));
    let tag_refs = inspected.table("public", "tag_refs").expect("tag_refs");
    let id = tag_refs
        .column("id")
        .and_then(|c| c.identity.clone())
        .expect("identity");
    assert_eq!(id.sequence_name.as_deref(), Some("tag_refs_custom_seq"));
    assert!(!id.always && id.options.cycle);
    let small = tag_refs
        .column("small_id")
        .and_then(|c| c.identity.clone())
        .expect("identity");
    assert_eq!(small.sequence_name, None);
    assert_eq!(small.options.max_value, Some(i16::MAX as i64));
    let things = inspected.table("app", "things").expect("things");
    assert_eq!(
        things.column("id").map(|c| &c.ty),
        Some(&ColumnType::sql("serial"))
    );
    let posts = inspected.table("public", "posts").expect("posts");
    let published = posts
        .indexes
        .iter()
        .find(|i| i.name == "posts_published_index")
        .expect("index");
    assert_eq!(
        published.with,
        vec![("fillfactor".to_string(), "70".to_string())]
    );
    assert!(published.predicate.is_some());
    // Inspecting twice gives the same model.
    assert_eq!(
        inspect(&mut client, &scope(&["app"])).expect("inspect"),
        inspected
    );
}

// ---------------------------------------------------------------------------
// Targeted cases.

#[test]
fn serial_needs_an_owned_sequence_with_the_default_name() {
    let db = TestDb::new();
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA app;
             CREATE SEQUENCE shared_seq;
             CREATE TABLE t (
                 id serial PRIMARY KEY,
                 big bigserial,
                 borrowed integer NOT NULL DEFAULT nextval('shared_seq')
             );
             CREATE TABLE app.t (id bigserial PRIMARY KEY);
             CREATE SEQUENCE renamed_seq OWNED BY t.big;
             ALTER TABLE t ADD COLUMN other integer DEFAULT nextval('renamed_seq');",
        )
        .expect("setup");
    let inspected = inspect(&mut client, &scope(&["app"])).expect("inspect");
    let t = inspected.table("public", "t").expect("t");
    assert_eq!(
        t.column("id").map(|c| &c.ty),
        Some(&ColumnType::sql("serial"))
    );
    assert_eq!(
        t.column("big").map(|c| &c.ty),
        Some(&ColumnType::sql("bigserial"))
    );
    let borrowed = t.column("borrowed").expect("borrowed");
    assert_eq!(borrowed.ty, ColumnType::sql("integer"));
    assert_eq!(
        borrowed.default.as_deref(),
        Some("nextval('shared_seq'::regclass)")
    );
    let other = t.column("other").expect("other");
    assert_eq!(other.ty, ColumnType::sql("integer"));
    assert!(other.default.is_some());
    let app_t = inspected.table("app", "t").expect("app.t");
    assert_eq!(
        app_t.column("id").map(|c| &c.ty),
        Some(&ColumnType::sql("bigserial"))
    );
    assert_eq!(app_t.column("id").and_then(|c| c.default.as_ref()), None);
    // Owned sequences are part of their column; only the free one is listed.
    let sequences: Vec<&str> = inspected
        .sequences
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(sequences, vec!["shared_seq"]);
}

#[test]
fn postgres_spellings_equal_drizzle_spellings() {
    let db = TestDb::new();
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE accounts (
                 id int4 NOT NULL,
                 name character varying(100) NOT NULL DEFAULT 'x',
                 created timestamptz DEFAULT CURRENT_TIMESTAMP,
                 seen timestamp without time zone DEFAULT transaction_timestamp(),
                 flag bool DEFAULT FALSE,
                 amount decimal(10, 2) DEFAULT 0.5,
                 total int8,
                 tiny int2 DEFAULT -3,
                 ratio float8,
                 letter character,
                 labels character varying(10)[] DEFAULT '{a,b}',
                 CONSTRAINT accounts_pkey PRIMARY KEY (id),
                 CONSTRAINT positive CHECK (amount >= 0::numeric) NOT VALID
             );
             CREATE INDEX accounts_name_idx ON accounts USING btree (name DESC NULLS FIRST) WHERE (flag IS TRUE);",
        )
        .expect("setup");
    let mut t = Table::new("public", "accounts");
    t.columns = vec![
        col("id", "integer").not_null(),
        col("name", "varchar(100)").not_null().default("'x'"),
        col("created", "timestamp with time zone").default("now()"),
        col("seen", "timestamp").default("now()"),
        col("flag", "boolean").default("false"),
        col("amount", "numeric(10,2)").default("0.5"),
        col("total", "bigint"),
        col("tiny", "smallint").default("-3"),
        col("ratio", "double precision"),
        col("letter", "char(1)"),
        col("labels", "varchar(10)")
            .dims(1)
            .default("'{\"a\",\"b\"}'"),
    ];
    t.primary_key = pk(None, &["id"]);
    t.checks = vec![check("positive", "\"accounts\".\"amount\" >= 0")];
    t.indexes = vec![Index {
        predicate: Some("\"accounts\".\"flag\" is true".into()),
        ..index(
            "accounts_name_idx",
            vec![IndexKey {
                desc: true,
                ..IndexKey::column("name")
            }],
        )
    }];
    let mut declared = Schema::empty(Dialect::Postgres);
    declared.tables = vec![t];
    let inspected = inspect(&mut client, &Scope::default()).expect("inspect");
    assert_same(&inspected, &declared);
}

#[test]
fn extension_types_are_kept_as_written_and_extension_objects_left_out() {
    let db = TestDb::new();
    let mut client = db.client();
    if let Err(e) = client.batch_execute("CREATE EXTENSION citext") {
        eprintln!("skipped: citext is not available ({e})");
        return;
    }
    client
        .batch_execute(
            "CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
             CREATE TABLE people (email citext NOT NULL, emails citext[], n positive_int)",
        )
        .expect("setup");
    let mut people = Table::new("public", "people");
    people.columns = vec![
        col("email", "citext").not_null(),
        col("emails", "citext").dims(1),
        col("n", "positive_int"),
    ];
    let mut declared = Schema::empty(Dialect::Postgres);
    declared.tables = vec![people];
    let inspected = inspect(&mut client, &Scope::default()).expect("inspect");
    assert_same(&inspected, &declared);
    assert!(inspected.enums.is_empty() && inspected.sequences.is_empty());
}

#[test]
fn excluded_tables_are_left_out() {
    let db = TestDb::new();
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA drizzle;
             CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL);
             CREATE TABLE public.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL);
             CREATE INDEX history_hash ON public.__drizzle_migrations (hash);
             CREATE TABLE kept (id integer PRIMARY KEY);",
        )
        .expect("setup");
    let scope = Scope {
        schemas: strings(&["drizzle"]),
        exclude_tables: vec![
            QualifiedName::new("drizzle", "__drizzle_migrations"),
            QualifiedName::new("public", "__drizzle_migrations"),
        ],
    };
    let inspected = inspect(&mut client, &scope).expect("inspect");
    let names: Vec<String> = inspected
        .tables
        .iter()
        .map(|t| t.qualified().to_string())
        .collect();
    assert_eq!(names, vec!["kept"]);
    assert_eq!(inspected.schemas, strings(&["drizzle"]));
    // The serial sequences stay with their (excluded) columns.
    assert!(inspected.sequences.is_empty());
}

#[test]
fn objects_out_of_scope_views_and_partitions_are_ignored() {
    let db = TestDb::new();
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA other;
             CREATE TYPE other.mood AS ENUM ('ok');
             CREATE SEQUENCE other.numbers;
             CREATE TABLE other.hidden (id integer PRIMARY KEY, m other.mood);
             CREATE TABLE visible (id integer PRIMARY KEY, hidden_id integer REFERENCES other.hidden(id));
             CREATE VIEW visible_view AS SELECT id FROM visible;
             CREATE MATERIALIZED VIEW visible_matview AS SELECT id FROM visible;
             CREATE TABLE events (id integer NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
             CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        )
        .expect("setup");
    let inspected = inspect(&mut client, &Scope::default()).expect("inspect");
    let names: Vec<String> = inspected
        .tables
        .iter()
        .map(|t| t.qualified().to_string())
        .collect();
    assert_eq!(names, vec!["events", "visible"]);
    assert!(
        inspected.schemas.is_empty()
            && inspected.enums.is_empty()
            && inspected.sequences.is_empty()
    );
    // A key to a table out of scope is still the table's own.
    let visible = inspected.table("public", "visible").expect("visible");
    assert_eq!(
        visible.foreign_keys[0].references,
        QualifiedName::new("other", "hidden")
    );

    let with_other = inspect(&mut client, &scope(&["other"])).expect("inspect");
    let hidden = with_other.table("other", "hidden").expect("hidden");
    assert_eq!(
        hidden.column("m").map(|c| &c.ty),
        Some(&ColumnType::Enum(QualifiedName::new("other", "mood")))
    );
    assert_eq!(with_other.schemas, strings(&["other"]));
    assert_eq!(with_other.sequences.len(), 1);
}

#[test]
fn scope_names_are_quoted_as_literals() {
    let db = TestDb::new();
    let mut client = db.client();
    client
        .batch_execute("CREATE SCHEMA \"it's\\\"; CREATE TABLE \"it's\\\".t (id integer)")
        .expect("setup");
    let inspected =
        inspect(&mut client, &scope(&["it's\\", "x') OR true OR ('"])).expect("inspect");
    assert_eq!(inspected.schemas, strings(&["it's\\"]));
    assert_eq!(inspected.tables.len(), 1);
}

// ---------------------------------------------------------------------------
// A fixed number of queries: counted on the wire by a small proxy.

/// Forwards connections to the server and records the type of every
/// message the clients send, and how many connections were made.
struct CountingProxy {
    port: u16,
    /// (connection number, message type), in the order sent.
    sent: Arc<Mutex<Vec<(usize, u8)>>>,
    connections: Arc<AtomicUsize>,
}

impl CountingProxy {
    fn start(upstream: (String, u16)) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (recorded, counted) = (Arc::clone(&sent), Arc::clone(&connections));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else {
                    return;
                };
                let Ok(server) = TcpStream::connect(upstream.clone()) else {
                    return;
                };
                let number = counted.fetch_add(1, Ordering::SeqCst);
                let recorded = Arc::clone(&recorded);
                std::thread::spawn(move || {
                    let (mut client_read, mut server_write) = (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    );
                    let (mut server_read, mut client_write) = (server, client);
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut server_read, &mut client_write);
                    });
                    forward_frontend(&mut client_read, &mut server_write, &recorded, number);
                });
            }
        });
        CountingProxy {
            port,
            sent,
            connections,
        }
    }

    /// The message types sent on every connection since the last take.
    fn take(&self) -> Vec<u8> {
        self.take_from(None)
    }

    /// Those of one connection (numbered from 0 in the order they were made),
    /// or of all.
    fn take_from(&self, connection: Option<usize>) -> Vec<u8> {
        std::mem::take(&mut *self.sent.lock().expect("lock"))
            .into_iter()
            .filter(|(n, _)| connection.is_none_or(|c| c == *n))
            .map(|(_, m)| m)
            .collect()
    }
}

/// Copies frontend messages one by one: untyped startup packets (SSL/GSS
/// requests are refused by the server with one byte), then typed messages.
fn forward_frontend(
    from: &mut TcpStream,
    to: &mut TcpStream,
    sent: &Mutex<Vec<(usize, u8)>>,
    connection: usize,
) {
    let mut started = false;
    loop {
        let mut kind = [0u8; 1];
        if started && from.read_exact(&mut kind).is_err() {
            return;
        }
        let mut len = [0u8; 4];
        if from.read_exact(&mut len).is_err() {
            return;
        }
        let mut body = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
        if from.read_exact(&mut body).is_err() {
            return;
        }
        if started {
            sent.lock().expect("lock").push((connection, kind[0]));
            if to.write_all(&kind).is_err() {
                return;
            }
        } else {
            // The startup message carries protocol 3.0; requests carry other codes.
            started = body.get(..4) == Some(&[0, 3, 0, 0]);
        }
        if to.write_all(&len).is_err() || to.write_all(&body).is_err() {
            return;
        }
    }
}

/// A proxy in front of `db`'s server.
fn proxy_for(db: &TestDb) -> CountingProxy {
    let host = match db.config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let port = db.config.get_ports().first().copied().unwrap_or(5432);
    CountingProxy::start((host, port))
}

fn queries_for(db: &TestDb) -> Vec<u8> {
    let proxy = proxy_for(db);
    let mut config = postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(proxy.port)
        .dbname(&db.name)
        .ssl_mode(postgres::config::SslMode::Disable);
    if let Some(user) = db.config.get_user() {
        config.user(user);
    }
    if let Some(password) = db.config.get_password() {
        config.password(password);
    }
    let mut client = config.connect(NoTls).expect("connect through the proxy");
    proxy.take();
    inspect(&mut client, &Scope::default()).expect("inspect");
    proxy.take()
}

/// True when the test server is reached over TCP, where the proxy can count
/// queries; says so when it is not.
fn over_tcp() -> bool {
    let tcp = matches!(
        base_config().get_hosts().first(),
        Some(postgres::config::Host::Tcp(_)) | None
    );
    if !tcp {
        eprintln!("skipped: the query count is measured over TCP");
    }
    tcp
}

#[test]
fn the_number_of_queries_does_not_grow_with_tables() {
    if !over_tcp() {
        return;
    }
    let db = TestDb::new();
    let mut client = db.client();
    client
        .batch_execute("CREATE TABLE t0 (id serial PRIMARY KEY, name text UNIQUE)")
        .expect("setup");
    let one = queries_for(&db);

    let mut sql = String::new();
    for n in 1..50 {
        sql.push_str(&format!(
            "CREATE TABLE t{n} (id serial PRIMARY KEY, parent integer REFERENCES t0(id), name text UNIQUE CHECK (name <> ''));
             CREATE INDEX t{n}_name ON t{n} (lower(name));"
        ));
    }
    client.batch_execute(&sql).expect("setup");
    let fifty = queries_for(&db);
    let inspected = inspect(&mut client, &Scope::default()).expect("inspect");
    assert_eq!(inspected.tables.len(), 50);

    // Simple-protocol queries only ('Q'): no Parse ('P'), so no prepared statements.
    assert!(one.iter().all(|&m| m == b'Q'), "messages: {one:?}");
    assert_eq!(one.len(), 4);
    assert_eq!(fifty, one);
}

/// Runs `db-migrate <args>` in `dir` against `db` through a counting proxy,
/// asserts it succeeded, and returns the proxy.
fn db_migrate_through_proxy(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> CountingProxy {
    let proxy = proxy_for(db);
    let mut userinfo = db.config.get_user().unwrap_or("postgres").to_string();
    if let Some(password) = db.config.get_password() {
        userinfo = format!("{userinfo}:{}", String::from_utf8_lossy(password));
    }
    let url = format!(
        "postgres://{userinfo}@127.0.0.1:{}/{}?sslmode=disable",
        proxy.port, db.name
    );
    let output = assert_cmd::Command::cargo_bin("db-migrate")
        .expect("binary")
        .current_dir(dir)
        .env("DATABASE_URL", &url)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    proxy
}

/// `diff --from db --to schema` inspects once (four catalog queries),
/// whatever the number of tables: the database side is read knowing the
/// schema it is compared with, its constraints and indexes on a second
/// session while the first reads the tables.
#[test]
fn diff_from_the_database_inspects_once() {
    if !over_tcp() {
        return;
    }
    let run = |tables: usize| -> (Vec<u8>, usize) {
        let db = TestDb::new();
        let mut schema =
            String::from("import { pgTable, integer, text } from 'drizzle-orm/pg-core';\n");
        let mut sql = String::new();
        for n in 0..tables {
            schema.push_str(&format!(
                "export const t{n} = pgTable('t{n}', {{ id: integer('id').primaryKey(), name: text('name').default('x') }});\n"
            ));
            sql.push_str(&format!(
                "CREATE TABLE t{n} (id integer PRIMARY KEY, name text DEFAULT 'x');"
            ));
        }
        db.client().batch_execute(&sql).expect("setup");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("shared")).expect("mkdir");
        std::fs::write(dir.path().join("shared/schema.ts"), schema).expect("schema");
        let proxy =
            db_migrate_through_proxy(&db, dir.path(), &["diff", "--from", "db", "--to", "schema"]);
        (proxy.take(), proxy.connections.load(Ordering::SeqCst))
    };
    let (one, connections) = run(1);
    assert_eq!(connections, 2, "the session, and a second one to inspect");
    let (twenty, connections) = run(20);
    assert_eq!(connections, 2, "the session, and a second one to inspect");
    assert_eq!(one.len(), twenty.len(), "{one:?} vs {twenty:?}");
    assert!(one.len() <= 8, "{one:?}");
}

/// `apply` sends each migration in two round trips: the session's timeouts
/// and BEGIN with the statement, then the history row with COMMIT. Counted on
/// the wire (a simple query or an extended-protocol Sync ends a round trip)
/// as the difference between applying three migrations and one.
#[test]
fn apply_takes_two_round_trips_per_one_statement_migration() {
    if !over_tcp() {
        return;
    }
    let round_trips = |migrations: usize| -> usize {
        let db = TestDb::new();
        let dir = tempfile::tempdir().expect("tempdir");
        for n in 0..migrations {
            let folder = dir.path().join(format!("migrations/2025010100000{n}_m{n}"));
            std::fs::create_dir_all(&folder).expect("mkdir");
            std::fs::write(
                folder.join("migration.sql"),
                format!("CREATE TABLE m{n} (id integer);\n"),
            )
            .expect("sql");
        }
        let proxy = db_migrate_through_proxy(&db, dir.path(), &["apply"]);
        // The runner's connection is the first; a second one watches for
        // blockers, polling as long as the run lasts.
        proxy
            .take_from(Some(0))
            .iter()
            .filter(|&&m| m == b'Q' || m == b'S')
            .count()
    };
    let one = round_trips(1);
    let three = round_trips(3);
    assert_eq!((three - one) / 2, 2, "one: {one}, three: {three}");
}
