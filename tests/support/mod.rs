//! Shared helpers for integration tests (`mod support;` at the top of each
//! test file).
//!
//! Tests that need PostgreSQL get a fresh database each from [`TestDb::new`],
//! on the server named by `DB_MIGRATE_TEST_PG_URL`, which `scripts/test.sh`
//! sets after starting a throwaway cluster. Databases are dropped again when
//! the `TestDb` goes out of scope, so tests can run in parallel and leave
//! nothing behind.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod cli;
pub mod fixtures;
pub mod mysql;
pub mod pairs;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use db_migrate::db::{self, DatabaseUrl, PgTarget, mask_password};

/// The role `scripts/test.sh` creates; it must log in with a password (scram-sha-256) over TCP.
pub const SECRET_USER: &str = "dbm_secret";
/// The password of [`SECRET_USER`].
pub const SECRET_PASSWORD: &str = "s3cr3t-pw";

const HOW_TO: &str =
    "run scripts/test.sh, which starts a throwaway PostgreSQL, or set DB_MIGRATE_TEST_PG_URL";

/// The test server's URL (`DB_MIGRATE_TEST_PG_URL`); panics with instructions when unset.
pub fn server_url() -> String {
    match std::env::var("DB_MIGRATE_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!("DB_MIGRATE_TEST_PG_URL is not set: {HOW_TO}"),
    }
}

/// The CA certificate that signed the test server's certificate
/// (`DB_MIGRATE_TEST_PG_CA`), when the server has TLS set up by `scripts/test.sh`.
pub fn test_ca() -> Option<PathBuf> {
    std::env::var_os("DB_MIGRATE_TEST_PG_CA")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
}

/// The directory of the test server's Unix socket (`DB_MIGRATE_TEST_PG_SOCKET_DIR`), if known.
pub fn socket_dir() -> Option<PathBuf> {
    std::env::var_os("DB_MIGRATE_TEST_PG_SOCKET_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

/// Parses a PostgreSQL URL with the project's parser; panics on anything else.
pub fn parse_pg(url: &str) -> PgTarget {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match DatabaseUrl::parse(url, &cwd) {
        Ok(DatabaseUrl::Postgres(target)) => target,
        Ok(_) => panic!("{} is not a PostgreSQL URL", mask_password(url)),
        Err(e) => panic!("{e}"),
    }
}

/// Connects with the project's own connect function; panics with the (masked) error.
pub fn connect(url: &str) -> postgres::Client {
    match db::connect(&parse_pg(url)) {
        Ok(client) => client,
        Err(e) => panic!("{e}"),
    }
}

fn admin_client() -> postgres::Client {
    let url = server_url();
    match db::connect(&parse_pg(&url)) {
        Ok(client) => client,
        Err(e) => panic!("cannot reach the test PostgreSQL server: {e}\n{HOW_TO}"),
    }
}

/// Percent-encodes everything but unreserved characters (for paths and passwords in URLs).
pub use db_migrate::db::url::percent_encode as encode;

/// `url` with its database replaced by `dbname` (URL or libpq key=value form).
fn with_database(url: &str, dbname: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return format!("{url} dbname={dbname}");
    };
    let rest = &url[scheme_end + 3..];
    let (before_query, query) = match rest.find('?') {
        Some(q) => (&rest[..q], &rest[q..]),
        None => (rest, ""),
    };
    let authority_start = before_query.rfind('@').map_or(0, |at| at + 1);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    format!(
        "{}{}/{}{}",
        &url[..scheme_end + 3],
        &before_query[..authority_end],
        encode(dbname),
        query
    )
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(counter);
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    let random = hasher.finish() as u32;
    format!("dbm_t_{}_{counter}_{random:08x}", std::process::id())
}

/// A fresh, empty database on the test server, dropped on `Drop`.
pub struct TestDb {
    /// A URL for the database, as the server's superuser (from `DB_MIGRATE_TEST_PG_URL`).
    pub url: String,
    /// The database name, `dbm_t_<pid>_<counter>_<random>`.
    pub name: String,
}

impl TestDb {
    /// Creates a database with a unique name. Panics, explaining how to get a
    /// server, when `DB_MIGRATE_TEST_PG_URL` is unset or unreachable.
    pub fn new() -> TestDb {
        let name = unique_name();
        let mut admin = admin_client();
        if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
            panic!("could not create test database {name}: {e}");
        }
        TestDb {
            url: with_database(&server_url(), &name),
            name,
        }
    }

    /// A new connection to this database.
    pub fn client(&self) -> postgres::Client {
        connect(&self.url)
    }

    /// The parsed target of [`TestDb::url`].
    pub fn target(&self) -> PgTarget {
        parse_pg(&self.url)
    }

    /// The server's TCP host and port (the first TCP host of the URL).
    pub fn tcp_endpoint(&self) -> (String, u16) {
        let target = self.target();
        let ports = target.config.get_ports();
        for (i, host) in target.config.get_hosts().iter().enumerate() {
            if let postgres::config::Host::Tcp(name) = host {
                let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
                return (name.clone(), port);
            }
        }
        panic!("DB_MIGRATE_TEST_PG_URL has no TCP host; these tests need one");
    }

    /// A URL to this database over TCP with the given `user[:password]`, host
    /// and query string (without `?`). IPv6 hosts are bracketed.
    pub fn url_for(&self, userinfo: &str, host: &str, query: &str) -> String {
        let (_, port) = self.tcp_endpoint();
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!("postgres://{userinfo}@{host}:{port}/{}{query}", self.name)
    }

    /// A URL to this database as `dbm_secret:s3cr3t-pw` over TCP without TLS
    /// (the role is created if the server lacks it).
    pub fn url_with_password(&self) -> String {
        let mut admin = admin_client();
        let _ = admin.batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {SECRET_USER} LOGIN SUPERUSER PASSWORD '{SECRET_PASSWORD}'; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ));
        let (host, _) = self.tcp_endpoint();
        self.url_for(
            &format!("{SECRET_USER}:{}", encode(SECRET_PASSWORD)),
            &host,
            "sslmode=disable",
        )
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let url = server_url();
        let result = db::connect(&parse_pg(&url))
            .map_err(|e| e.to_string())
            .and_then(|mut admin| {
                admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                        self.name
                    ))
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = result {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}
