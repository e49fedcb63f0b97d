//! SQL text utilities shared by every layer: quoting, splitting scripts into
//! statements, telling which of them can run in a transaction, and following
//! a table's name in the expressions that qualify columns with it.

mod qualifier;
mod quote;
mod split;
mod transaction;

pub use qualifier::{Identifier, identifiers, requalify, same_identifier, unqualify_schema};
pub use quote::{ident, ident_in, literal, literal_in, qualified};
pub use split::{
    SqlDialect, Statement, Token, TokenKind, char_position_to_byte, line_col, split, tokens,
};
pub use transaction::{controls_transaction, needs_no_transaction};
