//! SQLite schemas.

use super::*;
use crate::schema::*;

#[test]
fn reads_a_sqlite_schema() {
    let s = schema_ts(
        r#"import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, blob, numeric, index, uniqueIndex, primaryKey, check, unique } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  role: text('role', { enum: ['a', 'b'] }).default('a'),
  active: integer('active', { mode: 'boolean' }).default(true),
  createdAt: integer('created_at', { mode: 'timestamp' }).default(sql`(unixepoch())`),
  prefs: text('prefs', { mode: 'json' }).$type<{ dark: boolean }>().default({ dark: false }),
  score: real('score'),
  avatar: blob('avatar', { mode: 'buffer' }),
  balance: numeric('balance'),
  code: text('code', { length: 8 }),
});

export const posts = sqliteTable('posts', {
  id: integer('id').primaryKey(),
  authorId: integer('author_id').references(() => users.id, { onDelete: 'cascade' }),
  title: text('title').notNull(),
}, (t) => [
  index('posts_title_idx').on(t.title),
  uniqueIndex('posts_author_title').on(t.authorId, t.title).where(sql`${t.title} <> ''`),
  check('title_len', sql`length(${t.title}) > 0`),
  unique().on(t.authorId, t.id),
]);

export const tags = sqliteTable('tags', {
  postId: integer('post_id').notNull(),
  tag: text('tag').notNull(),
}, (t) => [primaryKey({ columns: [t.postId, t.tag] })]);
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(s.dialect, Dialect::Sqlite);
    let users = s.table("main", "users").expect("users");
    let id = users.column("id").expect("id");
    assert!(id.autoincrement && id.not_null);
    assert_eq!(
        users.primary_key,
        Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()]
        })
    );
    assert_eq!(
        users.uniques,
        vec![Unique {
            name: "users_email_unique".into(),
            columns: vec!["email".into()],
            nulls_not_distinct: false
        }]
    );
    let default = |c: &str| users.column(c).and_then(|c| c.default.clone());
    assert_eq!(default("role").as_deref(), Some("'a'"));
    assert_eq!(default("active").as_deref(), Some("true"));
    assert_eq!(default("created_at").as_deref(), Some("(unixepoch())"));
    assert_eq!(default("prefs").as_deref(), Some(r#"'{"dark":false}'"#));
    let types: Vec<String> = users
        .columns
        .iter()
        .map(|c| match &c.ty {
            ColumnType::Sql(t) => t.clone(),
            ColumnType::Enum(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        types,
        [
            "integer", "text", "text", "integer", "integer", "text", "real", "blob", "numeric",
            "text(8)"
        ]
    );

    let posts = s.table("main", "posts").expect("posts");
    assert_eq!(
        posts.foreign_keys,
        vec![ForeignKey {
            name: "posts_author_id_users_id_fk".into(),
            columns: vec!["author_id".into()],
            references: QualifiedName::new("main", "users"),
            referenced_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        }]
    );
    assert_eq!(
        posts.checks[0].expression,
        "length(\"posts\".\"title\") > 0"
    );
    assert_eq!(
        posts.indexes[0].predicate.as_deref(),
        Some("\"posts\".\"title\" <> ''")
    );
    assert!(posts.indexes[0].unique);
    assert_eq!(posts.uniques[0].name, "posts_author_id_id_unique");
    let tags = s.table("main", "tags").expect("tags");
    assert_eq!(
        tags.primary_key
            .as_ref()
            .and_then(|p| p.name.clone())
            .as_deref(),
        Some("tags_post_id_tag_pk")
    );
}

#[test]
fn sqlite_table_creator_and_namespace_import() {
    let s = schema_ts(
        r#"import * as s from 'drizzle-orm/sqlite-core';
const table = s.sqliteTableCreator((name) => `app_${name}`);
export const notes = table('notes', (t) => ({ id: t.int().primaryKey(), body: t.text() }));
"#,
    )
    .schema(&["schema.ts"]);
    assert_eq!(s.tables[0].name, "app_notes");
    assert_eq!(s.tables[0].schema, "main");
}
