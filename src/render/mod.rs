//! Changes → SQL, per dialect; and the model → Drizzle TypeScript ([`typescript`]).
//!
//! Every identifier goes through [`ident`] and every string literal through
//! [`literal`]; nothing else in the project quotes SQL by hand.

mod mysql;
mod postgres;
mod sqlite;
pub mod typescript;

use crate::diff::Change;
use crate::schema::Dialect;

/// The SQL statements (without trailing `;`) for one planned change.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The change.
    pub change: Change,
    /// Its statements, in order.
    pub statements: Vec<String>,
}

/// `USING <method> (<keys>) [WITH (...)] [WHERE ...]` of a PostgreSQL index.
pub fn postgres_index_body(index: &crate::schema::Index) -> String {
    postgres::index_body(index)
}

/// A PostgreSQL column type as written in DDL (`text[]`, `"mood"`).
pub fn postgres_type(ty: &crate::schema::ColumnType, dims: u8) -> String {
    postgres::type_sql(ty, dims)
}

/// Renders changes (in the order a plan gives them); each keeps its change.
pub fn render(changes: Vec<Change>, dialect: Dialect) -> Vec<Rendered> {
    changes
        .into_iter()
        .map(|change| Rendered {
            statements: match dialect {
                Dialect::Postgres => postgres::change(&change),
                Dialect::Sqlite => sqlite::change(&change),
                Dialect::Mysql => mysql::change(&change),
            },
            change,
        })
        .collect()
}

/// All statements of a rendered plan, in order.
pub fn statements(rendered: &[Rendered]) -> Vec<String> {
    rendered
        .iter()
        .flat_map(|r| r.statements.iter().cloned())
        .collect()
}

/// Joins statements into a migration script: each ends with `;`, a blank line between.
pub fn script(statements: &[String]) -> String {
    let mut out = String::new();
    for s in statements {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(s);
        out.push_str(";\n");
    }
    out
}

pub use crate::sql::{ident, literal, qualified};

/// A comma-separated list of quoted identifiers.
fn ident_list(names: &[String]) -> String {
    names.iter().map(|n| ident(n)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests;
