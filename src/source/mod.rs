//! Declared schemas read into the model: statically from Drizzle's
//! TypeScript ([`drizzle`]), or with the project's own drizzle-kit ([`node`]).

pub mod drizzle;
pub mod node;
