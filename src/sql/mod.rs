//! SQL text utilities shared by every layer: splitting scripts into statements.

mod split;

pub use split::{SqlDialect, Statement, char_position_to_byte, line_col, split};
