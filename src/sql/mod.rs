//! SQL text utilities shared by every layer: splitting scripts into statements.
