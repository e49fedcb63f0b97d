//! PostgreSQL schemas.

use super::*;
use crate::schema::*;

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
    println!("{s:#?}");
}
