//! Random byte mutations of valid schemas, configs, project files and
//! drizzle-kit snapshots never panic and finish quickly. The seeds are a
//! schema written here and every file of the fixture projects in
//! `tests/fixtures/drizzle/`.

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

/// `PROPTEST_CASES` for a longer run, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_unmutated_schema_reads() {
    let s = schema_ts(VALID).schema(&["schema.ts"]);
    assert_eq!(s.tables.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), failure_persistence: None, ..ProptestConfig::default() })]

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

/// The fixture projects' folders.
fn fixture_projects() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drizzle");
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Every file of a project, relative to it.
fn project_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                out.push(relative.to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A copy of a fixture project with one of its files mutated; returns the
/// folder, the mutated file and the schema entry files.
fn mutated_project(
    project: usize,
    file: usize,
    mutations: &[Mutation],
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<std::path::PathBuf>,
) {
    let projects = fixture_projects();
    let source = &projects[project % projects.len()];
    let files = project_files(source);
    let dir = tempfile::tempdir().expect("temporary directory");
    for f in &files {
        let target = dir.path().join(f);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::copy(source.join(f), &target).expect("copy");
    }
    let chosen = files[file % files.len()].clone();
    let bytes = std::fs::read(dir.path().join(&chosen)).expect("read");
    std::fs::write(dir.path().join(&chosen), apply(&bytes, mutations)).expect("write");
    let entries = files
        .iter()
        .filter(|f| {
            let name = f.to_string_lossy();
            !name.starts_with("drizzle.config")
                && !name.ends_with(".d.ts")
                && (name.ends_with(".ts") || name.ends_with(".mjs"))
        })
        .cloned()
        .collect();
    (dir, chosen, entries)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(200), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any file of any fixture project mutated: schema files, tsconfig,
    /// package.json, drizzle.config, .env; read as the commands read it.
    #[test]
    fn mutated_fixture_projects_never_panic(
        project in any::<usize>(),
        file in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (dir, _, entries) = mutated_project(project, file, &mutations);
        let started = Instant::now();
        if let Some(config) = crate::source::drizzle::find_config(dir.path())
            && let Err(e) = crate::source::drizzle::read_config(&config, &[])
        {
            let _ = render(&e);
        }
        if let Err(e) = read(&entries, dir.path(), &ReadOptions { casing: Casing::SnakeCase, naming: Default::default(), env: None, dialect: None }) {
            let _ = render(&e);
        }
        prop_assert!(started.elapsed() < Duration::from_secs(10));
    }

    /// drizzle-kit's recorded snapshots, mutated, convert or fail cleanly.
    #[test]
    fn mutated_snapshots_never_panic(
        project in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let projects = fixture_projects();
        let dir = &projects[project % projects.len()];
        let Ok(text) = std::fs::read(dir.join("expected.snapshot.json"))
            .or_else(|_| std::fs::read(dir.join("drizzle-kit.snapshot.json"))) else {
            return Ok(());
        };
        let bytes = apply(&text, &mutations);
        let _ = crate::source::node::from_snapshot(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn the_unmutated_fixture_projects_read_or_refuse_cleanly() {
    for (i, _) in fixture_projects().iter().enumerate() {
        let (dir, _, entries) = mutated_project(i, 0, &[]);
        if let Err(e) = read(&entries, dir.path(), &ReadOptions::default()) {
            let _ = render(&e);
        }
    }
}
