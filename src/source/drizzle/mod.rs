//! Reading Drizzle ORM schemas (TypeScript) without Node.
//!
//! The schema files and the modules they import are parsed with oxc and
//! evaluated by a small interpreter of the JavaScript subset schemas are
//! written in, with drizzle-orm's builders implemented natively. The
//! exported tables, enums, schemas and sequences are then lowered to the
//! model. Nothing is guessed: a value the reader cannot know that reaches
//! DDL is an error that points at the source.

mod config;
mod js;
mod orm;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;

use crate::schema::Schema;

pub use config::{CONFIG_FILES, Credentials, DrizzleConfig, find_config, read_config};
pub use js::diagnostics::{SchemaError, SchemaProblem};

use js::diagnostics::{Problem, SourceFile};
use js::modules::Loader;
use orm::value::Drizzle;
use orm::{Interp, lower};

/// How column names are derived from keys for columns declared without a name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Casing {
    /// The key as written (drizzle's default).
    #[default]
    Preserve,
    /// `accountId` → `account_id`.
    SnakeCase,
    /// `account_id` → `accountId`.
    CamelCase,
}

impl Casing {
    /// The column name for a key, as drizzle-orm's casing converts it.
    pub fn apply(self, key: &str) -> String {
        match self {
            Casing::Preserve => key.to_string(),
            Casing::SnakeCase => words(key)
                .iter()
                .map(|w| w.to_lowercase())
                .collect::<Vec<_>>()
                .join("_"),
            Casing::CamelCase => {
                let mut out = String::new();
                for (i, w) in words(key).iter().enumerate() {
                    if i == 0 {
                        out.push_str(&w.to_lowercase());
                    } else {
                        let mut chars = w.chars();
                        if let Some(first) = chars.next() {
                            out.extend(first.to_uppercase());
                            out.push_str(chars.as_str());
                        }
                    }
                }
                out
            }
        }
    }
}

/// Splits a key into words as drizzle-orm does: the matches of
/// `/[\da-z]+|[A-Z]+(?![a-z])|[A-Z][\da-z]+/g` after removing apostrophes.
fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key
        .chars()
        .filter(|c| *c != '\'' && *c != '\u{2019}')
        .collect();
    let lower_or_digit = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if lower_or_digit(c) {
            let start = i;
            while i < chars.len() && lower_or_digit(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c.is_ascii_uppercase() {
            let start = i;
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_uppercase() {
                end += 1;
            }
            // `[A-Z]+(?![a-z])`: give back capitals until no lower-case letter follows.
            let mut run = end;
            while run > start && chars.get(run).is_some_and(|c| c.is_ascii_lowercase()) {
                run -= 1;
            }
            if run > start {
                out.push(chars[start..run].iter().collect());
                i = run;
            } else if chars.get(start + 1).is_some_and(|c| lower_or_digit(*c)) {
                // `[A-Z][\da-z]+`
                let mut j = start + 1;
                while j < chars.len() && lower_or_digit(chars[j]) {
                    j += 1;
                }
                out.push(chars[start..j].iter().collect());
                i = j;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Options that change how a schema is read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Applies to columns declared without an explicit name, as drizzle-kit's `casing` does.
    pub casing: Casing,
    /// The default names of unnamed constraints (drizzle-kit 0.x's or 1.x's).
    pub naming: crate::schema::names::Naming,
    /// `process.env` as the schema files see it; `None` leaves it unknown.
    pub env: Option<Vec<(String, String)>>,
    /// The dialect the configuration names: entities of other dialects are
    /// ignored, as drizzle-kit ignores them. `None` takes the builders' dialect.
    pub dialect: Option<crate::schema::Dialect>,
}

/// The stack the reader runs on: deep but bounded nesting must not overflow it.
const STACK_SIZE: usize = 128 * 1024 * 1024;

/// Reads the given schema files (and whatever they import) into a model.
/// `project_root` is where relative module resolution and tsconfig lookups start.
pub fn read(
    files: &[PathBuf],
    project_root: &Path,
    options: &ReadOptions,
) -> Result<Schema, SchemaError> {
    read_with_warnings(files, project_root, options).map(|(schema, _)| schema)
}

/// [`read`], with the warnings about what the schema says that drizzle-kit
/// ignores (and so is ignored here too), each at its place in the source.
pub fn read_with_warnings(
    files: &[PathBuf],
    project_root: &Path,
    options: &ReadOptions,
) -> Result<(Schema, Vec<SchemaProblem>), SchemaError> {
    on_reader_stack(|| read_on_this_thread(files, project_root, options))
}

/// Runs `f` on a thread with a stack deep enough for bounded nesting.
fn on_reader_stack<T: Send>(
    f: impl FnOnce() -> Result<T, SchemaError> + Send,
) -> Result<T, SchemaError> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("drizzle-schema-reader".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f);
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(SchemaError::new(
                    vec![Problem::general("internal error while reading the schema").with_help(
                        "please report this with the schema file; `--loader node` reads it with drizzle-kit meanwhile",
                    )],
                    &[],
                ))
            }),
            Err(_) => Err(SchemaError::new(
                vec![Problem::general("cannot start the schema reader's thread")
                    .with_help("the system is out of threads or memory; try again")],
                &[],
            )),
        }
    })
}

fn read_on_this_thread(
    files: &[PathBuf],
    project_root: &Path,
    options: &ReadOptions,
) -> Result<(Schema, Vec<SchemaProblem>), SchemaError> {
    let allocator = Allocator::default();
    let mut loader = Loader::new::<Drizzle>(&allocator, project_root);
    let entries: Vec<_> = files.iter().filter_map(|f| loader.load_entry(f)).collect();
    let names: Vec<String> = entries
        .iter()
        .filter_map(|&id| loader.modules.get(id).map(|m| m.file.name.clone()))
        .collect();
    let sources: Vec<SourceFile> = loader.modules.iter().map(|m| m.file.clone()).collect();
    if !loader.problems.is_empty() {
        return Err(SchemaError::new(loader.problems.into_vec(), &sources));
    }
    let mut interp = Interp::new(loader.modules);
    if let Some(env) = &options.env {
        interp.set_environment(env);
    }
    let shown = if names.is_empty() {
        "the schema files".to_string()
    } else {
        names.join(", ")
    };
    let schema = lower::lower(
        &mut interp,
        &entries,
        options.casing,
        options.naming,
        options.dialect,
        &shown,
    );
    let problems = std::mem::take(&mut interp.problems);
    let warnings = std::mem::take(&mut interp.warnings);
    match schema {
        Some(schema) if problems.is_empty() => Ok((
            schema,
            SchemaProblem::warnings(warnings.into_vec(), &sources),
        )),
        _ => Err(SchemaError::new(problems.into_vec(), &sources)),
    }
}
