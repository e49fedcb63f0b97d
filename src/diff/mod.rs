//! Schema × Schema → the list of typed changes that turns one into the other.
//!
//! Both sides are compared in canonical form ([`crate::schema::canonical`]);
//! the changes carry the target side's own values so they render as declared.
//! Renames are never guessed: an entity removed and another of the same kind
//! added is an [`Ambiguity`] unless [`Renames`] decides it. Declared renames
//! are made on the old side first ([`apply`]), so everything that follows a
//! renamed entity (foreign keys to a renamed table, columns of a renamed
//! enum, objects in a renamed schema) compares equal afterwards.

pub mod apply;
mod change;
mod objects;
mod renames;
mod table;

pub use change::{Change, ColumnChange, ColumnPart, UncheckedConstraint};

use std::borrow::Cow;

use crate::schema::{Dialect, QualifiedName, Schema, Table, canonical, names};

/// The user's decisions about removed+added pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renames {
    /// Schemas renamed: old → new.
    pub schemas: Vec<(String, String)>,
    /// Tables renamed or moved: old → new.
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// Columns renamed within a table (named by its new name): table, old, new.
    pub columns: Vec<(QualifiedName, String, String)>,
    /// Enums renamed or moved: old → new.
    pub enums: Vec<(QualifiedName, QualifiedName)>,
    /// Enum labels renamed (the enum named by its new name): enum, old, new.
    pub enum_values: Vec<(QualifiedName, String, String)>,
    /// Standalone sequences renamed or moved: old → new.
    pub sequences: Vec<(QualifiedName, QualifiedName)>,
    /// Views renamed or moved: old → new.
    pub views: Vec<(QualifiedName, QualifiedName)>,
    /// Entities declared new (not renames), as written by the user (`table`, `table.column`...).
    pub created: Vec<String>,
}

impl Renames {
    /// Adds another set of decisions to these.
    pub fn merge(&mut self, other: Renames) {
        self.schemas.extend(other.schemas);
        self.tables.extend(other.tables);
        self.columns.extend(other.columns);
        self.enums.extend(other.enums);
        self.enum_values.extend(other.enum_values);
        self.sequences.extend(other.sequences);
        self.views.extend(other.views);
        self.created.extend(other.created);
    }

    /// The decisions that undo these: every rename the other way, with the
    /// columns and labels named by their table's or enum's old name.
    pub fn reversed(&self) -> Renames {
        let swap =
            |pairs: &[(QualifiedName, QualifiedName)]| -> Vec<(QualifiedName, QualifiedName)> {
                pairs
                    .iter()
                    .map(|(old, new)| (new.clone(), old.clone()))
                    .collect()
            };
        // The old name of an owner called `new` now: its own rename, or its schema's.
        let old_name = |pairs: &[(QualifiedName, QualifiedName)], new: &QualifiedName| {
            if let Some((old, _)) = pairs.iter().find(|(_, n)| n == new) {
                return old.clone();
            }
            match self.schemas.iter().find(|(_, n)| *n == new.schema) {
                Some((old, _)) => QualifiedName::new(old, &new.name),
                None => new.clone(),
            }
        };
        Renames {
            schemas: self
                .schemas
                .iter()
                .map(|(old, new)| (new.clone(), old.clone()))
                .collect(),
            tables: swap(&self.tables),
            columns: self
                .columns
                .iter()
                .map(|(t, old, new)| (old_name(&self.tables, t), new.clone(), old.clone()))
                .collect(),
            enums: swap(&self.enums),
            enum_values: self
                .enum_values
                .iter()
                .map(|(e, old, new)| (old_name(&self.enums, e), new.clone(), old.clone()))
                .collect(),
            sequences: swap(&self.sequences),
            views: swap(&self.views),
            created: Vec::new(),
        }
    }
}

/// How renames are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameMode {
    /// Removed+added pairs without a decision are an error.
    Ask,
    /// Removed+added pairs are simply a drop and a create (drift reports).
    DropAndCreate,
}

/// One scope where entities were both removed and added without a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// `schema`, `table`, `column`, `enum`, `enum value`, `sequence` or `view`.
    pub kind: &'static str,
    /// Where: the table for columns, the enum for labels, the database for the others.
    pub scope: String,
    /// Removed names, as the user writes them in `--rename` (`table`, `table.column`...).
    pub removed: Vec<String>,
    /// Added names, likewise.
    pub added: Vec<String>,
}

/// Computes the changes from `from` to `to`.
pub fn diff(
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    mode: RenameMode,
) -> Result<Vec<Change>, Vec<Ambiguity>> {
    let (from, to, renames) = if to.dialect == Dialect::Postgres {
        (
            names::fit_schema(from),
            names::fit_schema(to),
            renames::fit(renames),
        )
    } else {
        (Cow::Borrowed(from), Cow::Borrowed(to), renames.clone())
    };
    let mut changes = renames::changes(&renames, &from, &to);
    let renamed = if changes.is_empty() {
        from
    } else {
        Cow::Owned(apply::apply_all(&from, &changes))
    };
    if mode == RenameMode::Ask {
        // A view rename that is a drop and a create (its definition changes
        // too, or SQLite) is still decided.
        let mut settled = renames.created.clone();
        settled.extend(renames.views.iter().map(|(_, new)| new.to_string()));
        let ambiguities = renames::ambiguities(&renamed, &to, &settled);
        if !ambiguities.is_empty() {
            return Err(ambiguities);
        }
    }
    changes.extend(compare(&renamed, &to));
    Ok(changes)
}

/// The changes between two schemas whose common entities have the same names.
fn compare(from: &Schema, to: &Schema) -> Vec<Change> {
    let dialect = to.dialect;
    let cf = canonical::objects(from);
    let ct = canonical::objects(to);
    let mut changes = Vec::new();

    for s in &to.schemas {
        if !from.schemas.contains(s) {
            changes.push(Change::CreateSchema(s.clone()));
        }
    }
    for s in &from.schemas {
        if !to.schemas.contains(s) {
            changes.push(Change::DropSchema(s.clone()));
        }
    }
    changes.extend(objects::roles(from, to));
    changes.extend(objects::enums(from, to));
    changes.extend(objects::sequences(from, to, &cf, &ct));

    let mut table_changes = Vec::new();
    for t in &to.tables {
        match from.table(&t.schema, &t.name) {
            // A table managed elsewhere is never created: only its policies are.
            None if t.external => {
                let before = Table::external(&t.schema, &t.name);
                table_changes.extend(table::diff(dialect, &before, t));
            }
            None => table_changes.extend(table::create(dialect, t)),
            Some(old) => table_changes.extend(table::diff(dialect, old, t)),
        }
    }
    for t in &from.tables {
        if to.table(&t.schema, &t.name).is_none() {
            if t.external {
                let after = Table::external(&t.schema, &t.name);
                table_changes.extend(table::diff(dialect, t, &after));
            } else {
                table_changes.push(Change::DropTable(t.clone()));
            }
        }
    }
    changes.extend(objects::views(from, to, &cf, &ct, &changes, &table_changes));
    changes.extend(table_changes);
    changes
}

#[cfg(test)]
mod tests;
