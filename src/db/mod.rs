//! Database connections: URL parsing (PostgreSQL and SQLite) and connecting to PostgreSQL.

pub mod postgres_connect;
pub mod url;

pub use postgres_connect::{ConnectError, ConnectErrorKind, connect};
pub use url::{
    CertCheck, ClientCert, DatabaseUrl, PgTarget, RootCert, SqliteTarget, SslMode, UrlError,
    mask_password,
};
