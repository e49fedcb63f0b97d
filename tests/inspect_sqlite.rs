//! The SQLite inspector against real database files: declared models are
//! rendered, executed, inspected, and must diff empty against themselves.

use db_migrate::diff::{Change, RenameMode, Renames, diff};
use db_migrate::inspect::{Scope, sqlite::inspect};
use db_migrate::schema::{
    Check, Column, ColumnType, Dialect, FkAction, ForeignKey, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique,
};
use rusqlite::Connection;

// ---------------------------------------------------------------------------
// Model helpers.

trait ColumnExt {
    fn not_null(self) -> Self;
    fn default(self, sql: &str) -> Self;
    fn generated(self, sql: &str) -> Self;
    fn autoincrement(self) -> Self;
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
    fn generated(mut self, sql: &str) -> Self {
        self.generated = Some(sql.into());
        self
    }
    fn autoincrement(mut self) -> Self {
        self.autoincrement = true;
        self
    }
}

fn col(name: &str, ty: &str) -> Column {
    Column::new(name, ColumnType::sql(ty))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pk(columns: &[&str]) -> Option<PrimaryKey> {
    Some(PrimaryKey {
        name: None,
        columns: strings(columns),
    })
}

fn fk(name: &str, columns: &[&str], references: &str, referenced: &[&str]) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: strings(columns),
        references: QualifiedName::new("main", references),
        referenced_columns: strings(referenced),
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
    }
}

fn unique(name: &str, columns: &[&str]) -> Unique {
    Unique {
        name: name.into(),
        columns: strings(columns),
        nulls_not_distinct: false,
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

fn check(name: &str, expression: &str) -> Check {
    Check {
        name: name.into(),
        expression: expression.into(),
    }
}

// ---------------------------------------------------------------------------
// Running models and comparing.

fn open(dir: &tempfile::TempDir) -> Connection {
    Connection::open(dir.path().join("test.sqlite")).expect("open the database file")
}

/// Runs the project's own diff, plan and renderer from `from` to `to`, and returns the plan's changes.
fn migrate(conn: &Connection, from: &Schema, to: &Schema) -> Vec<Change> {
    let changes = diff(from, to, &Renames::default(), RenameMode::Ask).expect("no ambiguity");
    let plan = db_migrate::plan::plan(changes, from, to);
    conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN")
        .expect("begin");
    for statement in db_migrate::render::statements(&db_migrate::render::render(
        plan.changes.clone(),
        to.dialect,
    )) {
        conn.execute_batch(&statement)
            .unwrap_or_else(|e| panic!("{statement}\n-> {e}"));
    }
    conn.execute_batch("COMMIT; PRAGMA foreign_keys = ON")
        .expect("commit");
    plan.changes
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
    let names = |s: &Schema| s.tables.iter().map(|t| t.qualified()).collect::<Vec<_>>();
    assert_eq!(names(inspected), names(declared));
}

fn declared_model() -> Schema {
    let mut users = Table::new("main", "users");
    users.columns = vec![
        col("id", "integer").not_null().autoincrement(),
        col("email", "text").not_null(),
        col("name", "text").default("'it''s'"),
        col("score", "integer").not_null().default("-1"),
        col("doubled", "integer").generated("\"score\" * 2"),
        col("ratio", "real").default("1.5"),
        col("created_at", "integer").default("(unixepoch())"),
        col("seen_at", "text").default("CURRENT_TIMESTAMP"),
        col("flag", "integer").default("true"),
        col("amount", "numeric(10, 2)"),
    ];
    users.primary_key = pk(&["id"]);
    users.uniques = vec![unique("users_email_unique", &["email"])];
    users.checks = vec![
        check("users_score_check", "\"score\" >= -1"),
        check(
            "users_name_check",
            "length(\"name\") > 0 AND \"name\" <> 'x, (y)'",
        ),
    ];
    users.indexes = vec![
        index(
            "users_name_index",
            vec![IndexKey {
                desc: true,
                ..IndexKey::column("name")
            }],
        ),
        Index {
            unique: true,
            ..index(
                "users_lower_email_index",
                vec![
                    IndexKey {
                        expression: true,
                        desc: true,
                        ..IndexKey::column("lower(\"email\")")
                    },
                    IndexKey::column("score"),
                ],
            )
        },
        Index {
            predicate: Some("\"score\" > 0".into()),
            ..index("users_positive_index", vec![IndexKey::column("score")])
        },
    ];

    let mut posts = Table::new("main", "posts");
    posts.columns = vec![
        col("id", "integer").not_null(),
        col("author_id", "integer").not_null(),
        col("parent_id", "integer"),
        col("title", "text").not_null(),
    ];
    posts.primary_key = pk(&["id"]);
    posts.uniques = vec![unique(
        "posts_author_id_title_unique",
        &["author_id", "title"],
    )];
    posts.foreign_keys = vec![
        ForeignKey {
            on_delete: FkAction::Cascade,
            ..fk(
                "posts_author_id_users_id_fk",
                &["author_id"],
                "users",
                &["id"],
            )
        },
        ForeignKey {
            on_delete: FkAction::SetNull,
            on_update: FkAction::Cascade,
            ..fk(
                "posts_parent_id_posts_id_fk",
                &["parent_id"],
                "posts",
                &["id"],
            )
        },
    ];

    let mut post_tags = Table::new("main", "post_tags");
    post_tags.columns = vec![
        col("post_id", "integer").not_null(),
        col("tag", "text").not_null(),
    ];
    post_tags.primary_key = pk(&["post_id", "tag"]);

    let mut tag_refs = Table::new("main", "tag_refs");
    tag_refs.columns = vec![col("post_id", "integer"), col("tag", "text")];
    tag_refs.foreign_keys = vec![ForeignKey {
        on_delete: FkAction::Restrict,
        on_update: FkAction::SetDefault,
        ..fk(
            "tag_refs_post_id_tag_post_tags_post_id_tag_fk",
            &["post_id", "tag"],
            "post_tags",
            &["post_id", "tag"],
        )
    }];

    let mut s = Schema::empty(Dialect::Sqlite);
    s.tables = vec![users, posts, post_tags, tag_refs];
    s.sort();
    s
}

// ---------------------------------------------------------------------------
// Tests.

#[test]
fn round_trip_of_a_declared_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(&dir);
    let declared = declared_model();
    migrate(&conn, &Schema::empty(Dialect::Sqlite), &declared);
    // A fresh connection reads what is on disk.
    drop(conn);
    let conn = open(&dir);
    let inspected = inspect(&conn, &Scope::default()).expect("inspect");
    assert_same(&inspected, &declared);

    let users = inspected.table("main", "users").expect("users");
    assert!(users.column("id").is_some_and(|c| c.autoincrement));
    assert_eq!(
        users.column("doubled").and_then(|c| c.generated.as_deref()),
        Some("\"score\" * 2")
    );
    assert_eq!(
        users.column("name").and_then(|c| c.default.as_deref()),
        Some("'it''s'")
    );
    assert_eq!(
        users.column("amount").map(|c| &c.ty),
        Some(&ColumnType::sql("numeric(10, 2)"))
    );
    let expression = users
        .indexes
        .iter()
        .find(|i| i.name == "users_lower_email_index")
        .expect("expression index");
    assert!(expression.unique && expression.keys[0].expression && expression.keys[0].desc);
    assert_eq!(expression.keys[0].key, "lower(\"email\")");
    let partial = users
        .indexes
        .iter()
        .find(|i| i.name == "users_positive_index")
        .expect("partial index");
    assert_eq!(partial.predicate.as_deref(), Some("\"score\" > 0"));
    let tag_refs = inspected.table("main", "tag_refs").expect("tag_refs");
    assert_eq!(tag_refs.foreign_keys[0].on_update, FkAction::SetDefault);
}

#[test]
fn rebuilt_table_equals_its_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(&dir);
    let before = declared_model();
    migrate(&conn, &Schema::empty(Dialect::Sqlite), &before);
    conn.execute_batch(
        "INSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'ann');
         INSERT INTO posts (id, author_id, title) VALUES (10, 1, 'hello');",
    )
    .expect("rows");

    let mut after = before.clone();
    let posts = after
        .tables
        .iter_mut()
        .find(|t| t.name == "posts")
        .expect("posts");
    posts.columns[3].not_null = false;
    posts.columns[3].default = Some("'untitled'".into());
    posts
        .columns
        .push(col("views", "integer").not_null().default("0"));
    posts.checks = vec![check("posts_views_check", "\"views\" >= 0")];
    posts
        .foreign_keys
        .retain(|f| f.name != "posts_parent_id_posts_id_fk");
    posts.indexes = vec![index("posts_title_index", vec![IndexKey::column("title")])];
    let changes = migrate(&conn, &before, &after);
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::RebuildTable { to, .. } if to.name == "posts")),
        "expected a rebuild: {changes:?}"
    );

    let inspected = inspect(&conn, &Scope::default()).expect("inspect");
    assert_same(&inspected, &after);
    let title: String = conn
        .query_row("SELECT title FROM posts WHERE id = 10", [], |r| r.get(0))
        .expect("the row survived");
    assert_eq!(title, "hello");
}

#[test]
fn hand_written_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(&dir);
    conn.execute_batch(
        "CREATE TABLE parent (
             id INTEGER PRIMARY KEY,
             code TEXT UNIQUE,
             a INT, b INT,
             UNIQUE (a, b)
         );
         CREATE TABLE [child] (
             `id` integer primary key autoincrement, -- the key
             parent_id integer REFERENCES parent ON DELETE CASCADE,
             total integer AS (id * 2),
             note text CONSTRAINT note_short CHECK (length(note) < 10),
             CONSTRAINT 'positive' CHECK (id > 0),
             CHECK (parent_id <> 0)
         );
         CREATE INDEX child_total ON child (total COLLATE NOCASE ASC, (parent_id + 1) DESC);
         CREATE VIEW parent_view AS SELECT id FROM parent;
         CREATE TABLE __drizzle_migrations (id integer PRIMARY KEY, hash text NOT NULL);",
    )
    .expect("setup");

    let mut parent = Table::new("main", "parent");
    parent.columns = vec![
        col("id", "integer"),
        col("code", "text"),
        col("a", "int"),
        col("b", "int"),
    ];
    parent.primary_key = pk(&["id"]);
    parent.uniques = vec![
        unique("parent_code_unique", &["code"]),
        unique("parent_a_b_unique", &["a", "b"]),
    ];
    let mut child = Table::new("main", "child");
    child.columns = vec![
        col("id", "integer").autoincrement(),
        col("parent_id", "integer"),
        col("total", "integer").generated("id * 2"),
        col("note", "text"),
    ];
    child.primary_key = pk(&["id"]);
    child.foreign_keys = vec![ForeignKey {
        on_delete: FkAction::Cascade,
        ..fk(
            "child_parent_id_parent_id_fk",
            &["parent_id"],
            "parent",
            &["id"],
        )
    }];
    // Unnamed checks have no name to keep.
    child.checks = vec![
        check("note_short", "length(note) < 10"),
        check("positive", "id > 0"),
    ];
    child.indexes = vec![index(
        "child_total",
        vec![
            IndexKey::column("total"),
            IndexKey {
                expression: true,
                desc: true,
                ..IndexKey::column("(parent_id + 1)")
            },
        ],
    )];
    let mut declared = Schema::empty(Dialect::Sqlite);
    declared.tables = vec![child, parent];
    // Views are read with the SELECT of their CREATE VIEW.
    declared.views = vec![db_migrate::schema::View {
        schema: "main".into(),
        name: "parent_view".into(),
        definition: "SELECT id FROM parent".into(),
        materialized: false,
        with: Vec::new(),
        using: None,
        tablespace: None,
        with_no_data: false,
    }];

    let scope = Scope {
        schemas: Vec::new(),
        exclude_tables: vec![QualifiedName::new("main", "__drizzle_migrations")],
    };
    let inspected = inspect(&conn, &scope).expect("inspect");
    assert_same(&inspected, &declared);
}

#[test]
fn empty_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = open(&dir);
    let inspected = inspect(&conn, &Scope::default()).expect("inspect");
    assert_eq!(inspected, Schema::empty(Dialect::Sqlite));
}
