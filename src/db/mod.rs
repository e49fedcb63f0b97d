//! Database connections: URL parsing (PostgreSQL and SQLite), connecting,
//! and running migration scripts statement by statement.

mod connection;
pub mod mysql;
pub mod postgres_connect;
mod session;
pub mod sqlite_triggers;
pub mod url;
mod watch;

pub use connection::{Db, OpenError, ScriptError, StatementError};
pub use session::{Canceller, Param};
pub use watch::{Blocker, BlockerWatch};

pub use postgres_connect::{ConnectError, ConnectErrorKind, connect};
pub use url::{
    CertCheck, ClientCert, DatabaseUrl, PgTarget, RootCert, SqliteTarget, SslMode, UrlError,
    mask_password,
};
