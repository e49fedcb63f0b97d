//! Connecting to a real PostgreSQL: TLS modes, authentication and error messages.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use db_migrate::db::{self, ConnectError, ConnectErrorKind};
use support::{SECRET_PASSWORD, SECRET_USER, TestDb, encode, parse_pg};

fn try_connect(url: &str) -> Result<postgres::Client, ConnectError> {
    db::connect(&parse_pg(url))
}

fn ssl_in_use(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("pg_stat_ssl")
        .get(0)
}

fn expect_error(url: &str) -> ConnectError {
    match try_connect(url) {
        Ok(_) => panic!("connecting to {url} should have failed"),
        Err(e) => e,
    }
}

/// The test CA, or `None` (and a note) when the server was not set up by scripts/test.sh.
fn ca() -> Option<PathBuf> {
    let ca = support::test_ca();
    if ca.is_none() {
        eprintln!("skipped: DB_MIGRATE_TEST_PG_CA is not set (scripts/test.sh sets it)");
    }
    ca
}

fn ca_param(ca: &std::path::Path) -> String {
    encode(&ca.to_string_lossy())
}

#[test]
fn sslmode_disable_is_plaintext() {
    let db = TestDb::new();
    let (host, _) = db.tcp_endpoint();
    let mut client = support::connect(&db.url_for("postgres", &host, "sslmode=disable"));
    assert!(!ssl_in_use(&mut client));
}

#[test]
fn default_sslmode_prefer_uses_tls_when_offered() {
    let Some(_) = ca() else { return };
    let db = TestDb::new();
    let (host, _) = db.tcp_endpoint();
    let target = parse_pg(&db.url_for("postgres", &host, ""));
    assert_eq!(target.ssl_mode, db::SslMode::Prefer);
    let mut client = db::connect(&target).unwrap();
    assert!(ssl_in_use(&mut client));
}

#[test]
fn sslmode_require_encrypts_without_checking_the_certificate() {
    let Some(_) = ca() else { return };
    let db = TestDb::new();
    // The server's certificate comes from a private CA nobody trusts here.
    for host in ["127.0.0.1", "localhost"] {
        let mut client = support::connect(&db.url_for("postgres", host, "sslmode=require"));
        assert!(ssl_in_use(&mut client), "{host}");
    }
}

#[test]
fn sslmode_verify_ca_checks_the_chain_but_not_the_name() {
    let Some(ca) = ca() else { return };
    let db = TestDb::new();
    let (_, port) = db.tcp_endpoint();
    let query = format!("sslmode=verify-ca&sslrootcert={}", ca_param(&ca));
    for host in ["localhost", "127.0.0.1"] {
        let mut client = support::connect(&db.url_for("postgres", host, &query));
        assert!(ssl_in_use(&mut client), "{host}");
    }
    // A name the certificate does not list is fine for verify-ca.
    let url = format!(
        "postgres://postgres@wrong-name.invalid:{port}/{}?hostaddr=127.0.0.1&{query}",
        db.name
    );
    let mut client = support::connect(&url);
    assert!(ssl_in_use(&mut client));
}

#[test]
fn sslmode_verify_full_checks_chain_and_name() {
    let Some(ca) = ca() else { return };
    let db = TestDb::new();
    let query = format!("sslmode=verify-full&sslrootcert={}", ca_param(&ca));
    for host in ["localhost", "127.0.0.1"] {
        let mut client = support::connect(&db.url_for("postgres", host, &query));
        assert!(ssl_in_use(&mut client), "{host}");
    }
}

#[test]
fn sslmode_verify_full_rejects_a_wrong_host_name() {
    let Some(ca) = ca() else { return };
    let db = TestDb::new();
    let (_, port) = db.tcp_endpoint();
    let url = format!(
        "postgres://postgres@wrong-name.invalid:{port}/{}?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
        db.name,
        ca_param(&ca)
    );
    let e = expect_error(&url);
    assert_eq!(e.kind, ConnectErrorKind::Tls, "{e}");
    let text = e.to_string();
    assert!(
        text.starts_with("could not connect to postgres://postgres@wrong-name.invalid:"),
        "{text}"
    );
    assert!(text.contains("does not match the host name"), "{text}");
    assert!(text.contains("wrong-name.invalid"), "{text}");
    assert!(text.contains("sslmode=verify-ca"), "{text}");
}

#[test]
fn sslmode_verify_full_without_the_ca_rejects_a_private_certificate() {
    let Some(_) = ca() else { return };
    let db = TestDb::new();
    let e = expect_error(&db.url_for("postgres", "localhost", "sslmode=verify-full"));
    assert_eq!(e.kind, ConnectErrorKind::Tls, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("not signed by a trusted certificate authority"),
        "{text}"
    );
    assert!(text.contains("sslrootcert="), "{text}");
}

#[test]
fn sslmode_require_with_a_root_cert_verifies_the_chain() {
    let Some(ca) = ca() else { return };
    let db = TestDb::new();
    // The right CA: works, even for a name the certificate does not list (libpq: like verify-ca).
    let (_, port) = db.tcp_endpoint();
    let url = format!(
        "postgres://postgres@wrong-name.invalid:{port}/{}?hostaddr=127.0.0.1&sslmode=require&sslrootcert={}",
        db.name,
        ca_param(&ca)
    );
    assert!(ssl_in_use(&mut support::connect(&url)));

    // Another CA: rejected.
    let other = PathBuf::from("/etc/ssl/certs/ca-certificates.crt");
    if other.is_file() {
        let url = db.url_for(
            "postgres",
            "localhost",
            &format!("sslmode=require&sslrootcert={}", ca_param(&other)),
        );
        let e = expect_error(&url);
        assert_eq!(e.kind, ConnectErrorKind::Tls, "{e}");
    }
}

#[test]
fn unreadable_root_cert_is_a_config_error() {
    let db = TestDb::new();
    let e = expect_error(&db.url_for(
        "postgres",
        "localhost",
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    ));
    assert_eq!(e.kind, ConnectErrorKind::Config, "{e}");
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
}

#[test]
fn password_authentication_with_scram() {
    let db = TestDb::new();
    let mut client = support::connect(&db.url_with_password());
    let user: String = client
        .query_one("SELECT current_user::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(user, SECRET_USER);
}

#[test]
fn channel_binding_over_tls() {
    let Some(_) = ca() else { return };
    let db = TestDb::new();
    let userinfo = format!("{SECRET_USER}:{}", encode(SECRET_PASSWORD));
    let mut client = support::connect(&db.url_for(
        &userinfo,
        "127.0.0.1",
        "sslmode=require&channel_binding=require",
    ));
    assert!(ssl_in_use(&mut client));

    let e = expect_error(&db.url_for(
        &userinfo,
        "127.0.0.1",
        "sslmode=disable&channel_binding=require",
    ));
    assert_eq!(e.kind, ConnectErrorKind::Auth, "{e}");
    let text = e.to_string();
    assert!(text.contains("channel binding"), "{text}");
    assert!(!text.contains(SECRET_PASSWORD), "{text}");
}

#[test]
fn wrong_password_is_reported_with_the_masked_url() {
    let db = TestDb::new();
    let good = db.url_with_password();
    let bad = good.replace(SECRET_PASSWORD, &format!("{SECRET_PASSWORD}-wrong"));
    assert_ne!(good, bad);
    let e = match try_connect(&bad) {
        Ok(_) => {
            eprintln!(
                "skipped: the server accepts any password for {SECRET_USER} (not set up by scripts/test.sh)"
            );
            return;
        }
        Err(e) => e,
    };
    assert_eq!(e.kind, ConnectErrorKind::Auth, "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("postgres://{SECRET_USER}:****@")),
        "{text}"
    );
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(text.contains("percent-encoded"), "{text}");
    assert!(!text.contains(SECRET_PASSWORD), "{text}");
    assert!(!format!("{e:?}").contains(SECRET_PASSWORD));
}

#[test]
fn missing_database_is_reported_without_the_password() {
    let db = TestDb::new();
    let url = db
        .url_with_password()
        .replace(&format!("/{}?", db.name), "/no_such_database?");
    let e = expect_error(&url);
    assert_eq!(e.kind, ConnectErrorKind::DatabaseNotFound, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("\"no_such_database\" does not exist"),
        "{text}"
    );
    assert!(text.contains(&format!("{SECRET_USER}:****@")), "{text}");
    assert!(!text.contains(SECRET_PASSWORD), "{text}");
}

#[test]
fn refused_port_is_reported_clearly() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!(
        "postgres://app:{}@127.0.0.1:{port}/app?sslmode=disable",
        encode(SECRET_PASSWORD)
    );
    let e = expect_error(&url);
    assert_eq!(e.kind, ConnectErrorKind::Refused, "{e}");
    let text = e.to_string();
    assert_eq!(
        text,
        format!(
            "could not connect to postgres://app:****@127.0.0.1:{port}/app?sslmode=disable: connection refused; is the server running, and accepting TCP connections on that host and port?"
        )
    );
}

#[test]
fn unknown_host_is_a_dns_error() {
    let e = expect_error("postgres://app@no-such-host.invalid/app?connect_timeout=5");
    assert_eq!(e.kind, ConnectErrorKind::Dns, "{e}");
    assert!(e.to_string().contains("\"no-such-host.invalid\""), "{e}");
}

#[test]
fn silent_server_times_out() {
    // Accepts TCP connections (via the backlog) but never speaks.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();
    let e = expect_error(&format!(
        "postgres://app@127.0.0.1:{port}/app?sslmode=disable&connect_timeout=1"
    ));
    assert_eq!(e.kind, ConnectErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(e.to_string().contains("did not answer"), "{e}");
    drop(listener);
}

#[test]
fn unix_socket_connections() {
    let Some(dir) = support::socket_dir() else {
        eprintln!("skipped: DB_MIGRATE_TEST_PG_SOCKET_DIR is not set (scripts/test.sh sets it)");
        return;
    };
    let db = TestDb::new();
    let (_, port) = db.tcp_endpoint();
    let dir = dir.to_string_lossy().into_owned();
    for url in [
        format!("postgres://postgres@{}:{port}/{}", encode(&dir), db.name),
        format!(
            "postgresql:///{}?host={}&port={port}&user=postgres",
            db.name,
            encode(&dir)
        ),
        format!("host={dir} port={port} user=postgres dbname={}", db.name),
    ] {
        let mut client = support::connect(&url);
        let on_socket: bool = client
            .query_one("SELECT inet_server_addr() IS NULL", &[])
            .unwrap()
            .get(0);
        assert!(on_socket, "{url}");
    }
}

#[test]
fn application_name_and_prisma_schema_reach_the_session() {
    let db = TestDb::new();
    let (host, _) = db.tcp_endpoint();
    let mut client = support::connect(&db.url_for("postgres", &host, "sslmode=disable&schema=app"));
    let row = client
        .query_one(
            "SELECT current_setting('application_name'), current_setting('search_path')",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "db-migrate");
    assert_eq!(row.get::<_, String>(1), "app");
}

#[test]
fn test_databases_are_unique_and_dropped() {
    let (first, second) = (TestDb::new(), TestDb::new());
    assert_ne!(first.name, second.name);
    assert!(first.name.starts_with("dbm_t_"));
    let name = first.name.clone();
    let mut admin = support::connect(&support::server_url());
    let count = |admin: &mut postgres::Client| -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname = $1",
                &[&name],
            )
            .unwrap()
            .get(0)
    };
    assert_eq!(count(&mut admin), 1);
    // Even with an open connection to it.
    let _open = first.client();
    drop(first);
    assert_eq!(count(&mut admin), 0);
}
