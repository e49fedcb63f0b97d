//! Tests of the Drizzle schema reader: each writes small TypeScript files to a
//! temporary directory and reads them.

mod config;
mod entities;
mod errors;
mod fuzz;
mod modules;
mod mysql;
mod postgres;
mod sqlite;

use std::path::PathBuf;

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::{Casing, ReadOptions, SchemaError, read, read_with_warnings};
use crate::schema::Schema;

/// A throwaway project directory with schema files.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// An empty project.
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Writes a file (parent directories are created).
    pub fn file(self, path: &str, text: &str) -> Project {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create directories");
        }
        std::fs::write(full, text).expect("write file");
        self
    }

    /// The project folder.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Reads the given entry files with default options.
    pub fn read(&self, entries: &[&str]) -> Result<Schema, SchemaError> {
        self.read_with(entries, Casing::Preserve)
    }

    /// Reads the given entry files with a casing.
    pub fn read_with(&self, entries: &[&str], casing: Casing) -> Result<Schema, SchemaError> {
        let files: Vec<PathBuf> = entries.iter().map(PathBuf::from).collect();
        read(
            &files,
            self.dir.path(),
            &ReadOptions {
                casing,
                naming: Default::default(),
                env: None,
                dialect: None,
            },
        )
    }

    /// Reads entry files that must succeed.
    pub fn schema(&self, entries: &[&str]) -> Schema {
        match self.read(entries) {
            Ok(s) => s,
            Err(e) => panic!("unexpected errors:\n{}", render(&e)),
        }
    }

    /// Reads entry files that must succeed; returns the rendered warnings.
    pub fn warnings(&self, entries: &[&str]) -> String {
        let files: Vec<PathBuf> = entries.iter().map(PathBuf::from).collect();
        let options = ReadOptions {
            casing: Casing::Preserve,
            naming: Default::default(),
            env: None,
            dialect: None,
        };
        match read_with_warnings(&files, self.dir.path(), &options) {
            Ok((_, warnings)) => {
                let mut out = String::new();
                let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
                    .with_width(100);
                for w in &warnings {
                    handler.render_report(&mut out, w).expect("render warning");
                }
                out
            }
            Err(e) => panic!("unexpected errors:\n{}", render(&e)),
        }
    }

    /// Reads entry files that must fail; returns the rendered report.
    pub fn errors(&self, entries: &[&str]) -> String {
        match self.read(entries) {
            Ok(s) => panic!("expected errors, read {s:#?}"),
            Err(e) => render(&e),
        }
    }
}

/// One project with a single `schema.ts`.
pub fn schema_ts(text: &str) -> Project {
    Project::new().file("schema.ts", text)
}

/// The report as users see it, without colours.
pub fn render(e: &SchemaError) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, e)
        .expect("render report");
    out
}
