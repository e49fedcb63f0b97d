//! down.sql for a generated migration: the changes from the schema after it
//! back to the schema before it, planned and rendered like any migration,
//! with the renames decided for it reversed. A step of the migration that
//! discards data (a dropped table or column, a narrowing type change, a
//! removed enum label) is named at the top with the irreversible marker:
//! down.sql gives back the structure, not the data.

use crate::diff::{Change, RenameMode, Renames, diff};
use crate::migrations::{IRREVERSIBLE_MARKER, NO_TRANSACTION_DIRECTIVE};
use crate::render::Rendered;
use crate::schema::Schema;

/// The text of down.sql for a migration from `before` to `after` made of
/// the `up` steps, with the rename decisions `renames`.
pub fn down_sql(before: &Schema, after: &Schema, renames: &Renames, up: &[Rendered]) -> String {
    let changes = diff(
        after,
        before,
        &renames.reversed(),
        RenameMode::DropAndCreate,
    )
    .unwrap_or_default();
    let parts = super::super::rendered_parts(changes, after, before);
    let mut out = String::from(
        "-- Undoes the migration beside it (`db-migrate down`): generated from the schema\n\
         -- after it and the schema before it.\n",
    );
    for reason in irreversible(up) {
        out.push_str(&format!("{IRREVERSIBLE_MARKER} {reason}\n"));
    }
    // Parts that must commit apart (a new enum label used after it, an index
    // built CONCURRENTLY) run statement by statement.
    if parts.len() > 1 || parts.iter().any(|p| !p.transactional) {
        out.push_str(NO_TRANSACTION_DIRECTIVE);
        out.push('\n');
    }
    for r in parts.iter().flat_map(|p| p.rendered.iter()) {
        for (k, statement) in r.statements.iter().enumerate() {
            out.push('\n');
            if k == 0 && r.change.loses_data() {
                out.push_str(&format!("-- discards data: {}\n", r.change.describe()));
            }
            out.push_str(statement);
            out.push_str(";\n");
        }
    }
    out
}

/// Why undoing the `up` steps cannot give everything back.
fn irreversible(up: &[Rendered]) -> Vec<String> {
    up.iter()
        .map(|r| &r.change)
        .filter(|c| c.loses_data() && !refuses_instead(c))
        .map(|c| match c {
            Change::DropColumn { table, column }
                if column.not_null && column.default.is_none() && column.generated.is_none() =>
            {
                format!(
                    "{}: its values are not given back, and down.sql adds it back NOT NULL without a default, \
                     which fails while {table} has rows (give it a DEFAULT in down.sql)",
                    c.describe()
                )
            }
            _ => format!("{}: the data it discards is not given back", c.describe()),
        })
        .collect()
}

/// A type change to a length limit: PostgreSQL refuses a value that does not
/// fit rather than cutting it, so the values that stay are the old ones.
fn refuses_instead(c: &Change) -> bool {
    matches!(c, Change::AlterColumn { from, to, .. }
        if from.dims == to.dims && crate::schema::canonical::length_limit(&to.ty).is_some())
}
