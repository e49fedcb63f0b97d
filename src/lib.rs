//! db-migrate: schema migrations for Drizzle ORM projects, without Node.
//!
//! Everything is a [`schema::Schema`]: declared schemas are read into it, live
//! databases are inspected into it, every migration carries a snapshot of it,
//! and two of them are diffed into changes that are planned, linted and rendered.

pub mod commands;
pub mod config;
pub mod db;
pub mod diff;
pub mod history;
pub mod inspect;
pub mod lint;
pub mod migrations;
pub mod plan;
pub mod render;
pub mod report;
pub mod schema;
pub mod source;
pub mod sql;
