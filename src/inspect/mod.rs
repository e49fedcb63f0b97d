//! Live databases → the schema model.
//!
//! An inspector reads a database's catalog into a [`Schema`](crate::schema::Schema)
//! that compares equal, after [`canonical`](crate::schema::canonical) forms,
//! with the declared model the database was created from. Both inspectors run
//! a fixed number of catalog queries whatever the number of tables.

mod filter;
pub mod mysql;
pub mod postgres;
mod postgres_probe;
pub mod sqlite;
mod sqlite_text;
pub mod table_sizes;

pub use filter::TableFilter;

use crate::schema::QualifiedName;

/// What to inspect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// PostgreSQL namespaces to read (always includes the dialect default, e.g. "public"); ignored by SQLite.
    pub schemas: Vec<String>,
    /// Tables to leave out (the migration history table, drizzle's `__drizzle_migrations`...).
    pub exclude_tables: Vec<QualifiedName>,
}
