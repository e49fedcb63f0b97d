//! Declared schemas read into the model.

pub mod drizzle;
