//! Hand-written migrations in the schema model: the DDL of a migration
//! without a snapshot (`generate --empty`, or SQL written by hand) applied to
//! the schema before it, read by the same SQL reader as lint. Statements that
//! change no schema object (`INSERT`, `UPDATE`, functions, grants) leave the
//! model as it is.
//!
//! What such a migration creates is part of the migrations' schema, so it is
//! not drift and declaring it later generates nothing. What it creates and
//! the Drizzle schema does not declare would be dropped by the next
//! `generate`; [`undeclared`] names it so that generate can refuse instead.

use crate::diff::apply::apply_all;
use crate::diff::{Change, RenameMode, Renames, diff};
use crate::lint::statements_from_sql;
use crate::schema::{QualifiedName, Schema};

/// `schema` after running `sql`.
pub fn apply(schema: &Schema, sql: &str) -> Schema {
    let changes: Vec<_> = statements_from_sql(sql, schema.dialect)
        .into_iter()
        .flat_map(|s| s.changes)
        .collect();
    if changes.is_empty() {
        return schema.clone();
    }
    apply_all(schema, changes.iter().map(|c| &**c))
}

/// An object a hand-written migration created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// `table audit`, `index users.users_note_idx`, `column users.nickname`...
    pub object: String,
    /// The migration that created it.
    pub migration: String,
}

/// The objects each hand-written migration in `steps` created: `steps` are
/// (migration id, schema before, schema after).
pub fn created(steps: &[(String, Schema, Schema)]) -> Vec<Created> {
    let mut out = Vec::new();
    for (id, before, after) in steps {
        let changes = diff(
            before,
            after,
            &Renames::default(),
            RenameMode::DropAndCreate,
        )
        .unwrap_or_default();
        out.extend(
            changes
                .iter()
                .filter_map(created_object)
                .map(|object| Created {
                    object,
                    migration: id.clone(),
                }),
        );
    }
    out
}

/// Of `changes` (towards the declared schema), the objects in `created` they
/// would drop.
pub fn undeclared(changes: &[Change], created: &[Created]) -> Vec<Created> {
    changes
        .iter()
        .filter_map(dropped_object)
        .filter_map(|object| created.iter().find(|c| c.object == object).cloned())
        .collect()
}

fn created_object(c: &Change) -> Option<String> {
    Some(match c {
        Change::CreateSchema(s) => format!("schema {s}"),
        Change::CreateEnum(e) => format!("enum {}", QualifiedName::new(&e.schema, &e.name)),
        Change::CreateSequence(s) => format!("sequence {}", QualifiedName::new(&s.schema, &s.name)),
        Change::CreateTable(t) => format!("table {}", t.qualified()),
        Change::CreateView(v) => format!("view {}", QualifiedName::new(&v.schema, &v.name)),
        Change::AddColumn { table, column } => format!("column {table}.{}", column.name),
        Change::CreateIndex { table, index } => format!("index {table}.{}", index.name),
        _ => return None,
    })
}

fn dropped_object(c: &Change) -> Option<String> {
    Some(match c {
        Change::DropSchema(s) => format!("schema {s}"),
        Change::DropEnum(e) => format!("enum {}", QualifiedName::new(&e.schema, &e.name)),
        Change::DropSequence(s) => format!("sequence {}", QualifiedName::new(&s.schema, &s.name)),
        Change::DropTable(t) => format!("table {}", t.qualified()),
        Change::DropView(v) => format!("view {}", QualifiedName::new(&v.schema, &v.name)),
        Change::DropColumn { table, column } => format!("column {table}.{}", column.name),
        Change::DropIndex { table, index } => format!("index {table}.{}", index.name),
        _ => return None,
    })
}
