//! Random byte mutations of a valid schema never panic and finish quickly.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

const VALID: &str = r#"import { sql, relations } from 'drizzle-orm';
import { pgTable, pgEnum, varchar, timestamp, integer, text, jsonb, index, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
export enum Role { Admin = 'admin', Member = 'member' }
export const roleEnum = pgEnum('role', Role);
const timestamps = { createdAt: timestamp('created_at').defaultNow().notNull() };
const id = (name = 'id') => varchar(name, { length: 36 }).primaryKey();
export const users = pgTable('users', {
  id: id(),
  email: varchar('email', { length: 255 }).notNull().unique(),
  role: roleEnum('role').default(Role.Member),
  profile: jsonb('profile').default({ tags: ['a', "b"] }),
  ...timestamps,
}, (t) => [index('users_email_idx').on(t.email.desc()), uniqueIndex('users_email_lower').on(sql`lower(${t.email})`)]);
export const posts = pgTable('posts', {
  id: integer('id').generatedAlwaysAsIdentity({ startWith: 10 }),
  authorId: varchar('author_id', { length: 36 }).references(() => users.id, { onDelete: 'cascade' }),
  title: text('title').notNull().default(`untitled ${1 + 1}`),
}, (t) => [primaryKey({ columns: [t.id, t.authorId] })]);
export const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
"#;

/// One edit of the source bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize, usize),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => proptest::sample::select(b"(){}[]'\"`.,;:=>!?$&|+-*/\\ \n0123456789abcxyzATn_".to_vec()),
        1 => any::<u8>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 1usize..60, any::<usize>())
            .prop_map(|(i, n, at)| Mutation::Duplicate(i, n, at)),
    ]
}

fn apply(source: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = source.to_vec();
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Replace(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] = b;
                }
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Delete(i, n) => {
                let start = i % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start.min(bytes.len())..end);
            }
            Mutation::Duplicate(i, n, at) => {
                let start = i % len;
                let end = (start + n).min(bytes.len());
                let piece: Vec<u8> = bytes
                    .get(start..end)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, piece);
            }
        }
    }
    bytes
}

#[test]
fn the_unmutated_schema_reads() {
    let s = schema_ts(VALID).schema(&["schema.ts"]);
    assert_eq!(s.tables.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_schemas_never_panic(mutations in proptest::collection::vec(mutation(), 1..6)) {
        let bytes = apply(VALID.as_bytes(), &mutations);
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("schema.ts"), &bytes).expect("write");
        let started = Instant::now();
        let result = read(&[std::path::PathBuf::from("schema.ts")], dir.path(), &ReadOptions::default());
        if let Err(e) = &result {
            // Rendering the report must not panic either.
            let _ = render(e);
        }
        prop_assert!(started.elapsed() < Duration::from_secs(10));
    }
}
