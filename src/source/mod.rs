//! Declared schemas read into the model: statically from Drizzle's
//! TypeScript ([`drizzle`]), or with the project's own drizzle-kit ([`node`]);
//! and a drizzle-kit migrations folder ([`drizzle_kit`]), for `import`.

pub mod drizzle;
pub mod drizzle_kit;
pub mod node;
