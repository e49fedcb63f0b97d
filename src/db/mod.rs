//! Database connections: URL parsing, connecting, and running migration
//! scripts statement by statement. Each family's session (`postgres`,
//! `sqlite`, `mysql`) implements the one `Driver` seam that `Db` holds.

mod connection;
mod driver;
pub mod mysql;
mod postgres;
pub mod postgres_connect;
mod session;
mod sqlite;
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
