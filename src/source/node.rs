//! `--loader node`: the project's own Node runs its own drizzle-kit
//! (`drizzle-kit/api`'s `generateDrizzleJson`, `generateMySQLDrizzleJson` or `generateSQLiteDrizzleJson`)
//! on the schema files, and drizzle-kit's snapshot JSON is converted into
//! the model. For schemas the static reader cannot evaluate.

pub mod snapshot;
pub mod snapshot_ddl;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::schema::{Dialect, Schema};
use crate::source::drizzle::Casing;

pub use snapshot::{Snapshot, SnapshotError, from_snapshot};

/// The script Node runs.
const LOADER: &str = include_str!("node/loader.cjs");

/// Why `--loader node` could not read the schema.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum NodeError {
    /// No `node` to run.
    #[error("--loader node needs Node.js, but `{program}` cannot be run: {reason}")]
    #[diagnostic(help(
        "install Node.js (https://nodejs.org), set DB_MIGRATE_NODE to its path, or read the schema statically (without --loader node)"
    ))]
    NoNode {
        /// The program tried.
        program: String,
        /// What went wrong.
        reason: String,
    },
    /// The script reported a problem (drizzle-kit missing, a schema file failing...).
    #[error("--loader node: {message}")]
    #[diagnostic(help("{help}"))]
    Failed {
        /// What went wrong.
        message: String,
        /// What to do.
        help: String,
    },
    /// drizzle-kit's snapshot could not be converted.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// The `node` program: `DB_MIGRATE_NODE`, else `node` on the PATH.
fn node_program() -> String {
    std::env::var("DB_MIGRATE_NODE")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "node".to_string())
}

/// Reads the schema files with the project's drizzle-kit. `dialect` is the
/// dialect drizzle.config declares, if known.
pub fn read(
    files: &[PathBuf],
    project_root: &Path,
    casing: Casing,
    dialect: Option<Dialect>,
) -> Result<Schema, NodeError> {
    let root = project_root
        .canonicalize()
        .unwrap_or_else(|_| project_root.to_path_buf());
    let files: Vec<String> = files
        .iter()
        .map(|f| {
            let full = if f.is_absolute() {
                f.clone()
            } else {
                root.join(f)
            };
            full.to_string_lossy().to_string()
        })
        .collect();
    let request = serde_json::json!({
        "root": root.to_string_lossy(),
        "files": files,
        "casing": match casing {
            Casing::Preserve => None,
            Casing::SnakeCase => Some("snake_case"),
            Casing::CamelCase => Some("camelCase"),
        },
        "dialect": dialect.map(|d| match d {
            Dialect::Postgres => "postgresql",
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
        }),
    });
    let program = node_program();
    let mut command = Command::new(&program);
    command
        .arg("-e")
        .arg(LOADER)
        .current_dir(&root)
        .env("DB_MIGRATE_NODE_REQUEST", request.to_string())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    // drizzle-kit loads `.env` before it runs the schema; so does this loader
    // (variables already set win, as with dotenv).
    if let Ok(vars) = dotenvy::from_path_iter(root.join(".env")) {
        for (key, value) in vars.flatten() {
            if std::env::var_os(&key).is_none() {
                command.env(key, value);
            }
        }
    }
    let output = command.output().map_err(|e| NodeError::NoNode {
        program: program.clone(),
        reason: e.to_string(),
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let answer: Answer = match serde_json::from_str(stdout.trim()) {
        Ok(v) => v,
        Err(_) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(NodeError::Failed {
                message: format!(
                    "Node exited with {} without a result: {}",
                    output.status,
                    tail(&stderr)
                ),
                help:
                    "run the schema files with Node to see the error, or read the schema statically"
                        .into(),
            });
        }
    };
    match answer {
        Answer {
            snapshot: Some(snapshot),
            ..
        } => Ok(snapshot.into_schema()?),
        Answer { error, help, .. } => Err(NodeError::Failed {
            message: error.unwrap_or_else(|| "drizzle-kit gave no snapshot".into()),
            help: help.unwrap_or_else(|| "check the project's Node setup".into()),
        }),
    }
}

/// What the loader script prints.
#[derive(Debug, serde::Deserialize)]
struct Answer {
    #[serde(default)]
    snapshot: Option<Snapshot>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    help: Option<String>,
}

/// The last lines of a program's error output.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    let start = lines.len().saturating_sub(20);
    lines[start..].join("\n")
}
