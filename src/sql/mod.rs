//! SQL text utilities shared by every layer: splitting scripts into
//! statements, and telling which of them can run in a transaction.

mod split;
mod transaction;

pub use split::{SqlDialect, Statement, char_position_to_byte, line_col, split};
pub use transaction::{controls_transaction, needs_no_transaction};
