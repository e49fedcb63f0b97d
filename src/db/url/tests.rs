use super::*;

use postgres::config::{ChannelBinding, Host, SslMode as PgSslMode, TargetSessionAttrs};
use proptest::prelude::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn base() -> &'static Path {
    Path::new("/project")
}

fn parse_env(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<DatabaseUrl, UrlError> {
    DatabaseUrl::parse_with_env(url, base(), env)
}

fn pg_env(url: &str, env: &dyn Fn(&str) -> Option<String>) -> PgTarget {
    match parse_env(url, env) {
        Ok(DatabaseUrl::Postgres(target)) => target,
        Ok(other) => panic!("{url}: expected PostgreSQL, got {other:?}"),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn pg(url: &str) -> PgTarget {
    pg_env(url, &no_env)
}

fn err(url: &str) -> UrlError {
    match parse_env(url, &no_env) {
        Ok(parsed) => panic!("{url}: expected an error, got {parsed:?}"),
        Err(e) => e,
    }
}

fn sqlite(url: &str) -> PathBuf {
    match parse_env(url, &no_env) {
        Ok(DatabaseUrl::Sqlite(target)) => target.path,
        other => panic!("{url}: expected SQLite, got {other:?}"),
    }
}

fn password(t: &PgTarget) -> Option<&str> {
    t.config
        .get_password()
        .map(|p| std::str::from_utf8(p).expect("utf8 password"))
}

fn tcp_hosts(t: &PgTarget) -> Vec<String> {
    t.config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => format!("unix:{}", path.display()),
        })
        .collect()
}

/// The masked form and the Debug output must not contain the password.
fn assert_hidden(t: &PgTarget, secret: &str) {
    assert!(
        !t.masked_url.contains(secret),
        "masked URL leaks the password: {}",
        t.masked_url
    );
    assert!(
        !format!("{t:?}").contains(secret),
        "Debug leaks the password"
    );
    for w in &t.warnings {
        assert!(!w.contains(secret), "warning leaks the password: {w}");
    }
}

// ---------------------------------------------------------------------------
// Real-world URL shapes
// ---------------------------------------------------------------------------

#[test]
fn neon_with_channel_binding() {
    let url = "postgresql://neondb_owner:npg_AbC123xyzQ@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require";
    let t = pg(url);
    assert_eq!(t.config.get_user(), Some("neondb_owner"));
    assert_eq!(password(&t), Some("npg_AbC123xyzQ"));
    assert_eq!(
        tcp_hosts(&t),
        ["ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech"]
    );
    assert_eq!(t.config.get_ports(), [5432]);
    assert_eq!(t.config.get_dbname(), Some("neondb"));
    assert_eq!(t.ssl_mode, SslMode::Require);
    assert_eq!(t.cert_check(), CertCheck::AcceptAny);
    assert_eq!(t.config.get_ssl_mode(), PgSslMode::Require);
    assert_eq!(t.config.get_channel_binding(), ChannelBinding::Require);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert!(!t.is_transaction_pooler());
    assert_eq!(
        t.masked_url,
        "postgresql://neondb_owner:****@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require"
    );
    assert_hidden(&t, "npg_AbC123xyzQ");
}

#[test]
fn neon_pooled_host_is_a_transaction_pooler() {
    let t = pg(
        "postgresql://neondb_owner:npg_secret99@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require",
    );
    assert!(t.is_transaction_pooler());
    assert!(
        DatabaseUrl::parse_with_env(
            "postgresql://u:npg_secret99@ep-x-pooler.neon.tech/db",
            base(),
            &no_env
        )
        .unwrap()
        .is_transaction_pooler()
    );
}

#[test]
fn neon_endpoint_option_is_decoded() {
    let t = pg(
        "postgres://u:pw123456@ep-cool-darkness-a1b2c3d4.us-east-2.aws.neon.tech/neondb?options=endpoint%3Dep-cool-darkness-a1b2c3d4&sslmode=require",
    );
    assert_eq!(
        t.config.get_options(),
        Some("endpoint=ep-cool-darkness-a1b2c3d4")
    );
}

#[test]
fn supabase_transaction_pooler_with_prisma_params() {
    let url = "postgres://postgres.abcdefghijklmnop:Sup%40base%23pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?pgbouncer=true&connection_limit=1";
    let t = pg(url);
    assert_eq!(t.config.get_user(), Some("postgres.abcdefghijklmnop"));
    assert_eq!(password(&t), Some("Sup@base#pw"));
    assert_eq!(t.config.get_ports(), [6543]);
    assert!(t.pgbouncer);
    assert!(t.is_transaction_pooler());
    assert_eq!(t.ssl_mode, SslMode::Prefer);
    assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
    assert!(t.warnings[0].contains("pgbouncer") && t.warnings[0].contains("Prisma"));
    assert!(t.warnings[1].contains("connection_limit"));
    assert_hidden(&t, "Sup%40base%23pw");
    assert_hidden(&t, "Sup@base#pw");
}

#[test]
fn supabase_session_pooler_and_direct_are_not_transaction_poolers() {
    let session = pg(
        "postgresql://postgres.abcdefghijklmnop:pw-123456@aws-0-eu-central-1.pooler.supabase.com:5432/postgres",
    );
    assert!(!session.is_transaction_pooler());
    let direct =
        pg("postgresql://postgres:pw-123456@db.abcdefghijklmnop.supabase.co:5432/postgres");
    assert!(!direct.is_transaction_pooler());
    assert_eq!(tcp_hosts(&direct), ["db.abcdefghijklmnop.supabase.co"]);
}

#[test]
fn supabase_supa_param_is_ignored_with_a_warning() {
    let t = pg(
        "postgres://postgres:pw-123456@db.abcdefghijklmnop.supabase.co:6543/postgres?supa=base-pooler.x",
    );
    assert_eq!(t.warnings.len(), 1);
    assert!(t.warnings[0].contains("supa") && t.warnings[0].contains("Supabase"));
}

#[test]
fn rds_with_verify_full_and_relative_root_cert() {
    let t = pg(
        "postgres://admin:rdsPa55word@mydb.c9akciq32.us-east-1.rds.amazonaws.com:5432/app?sslmode=verify-full&sslrootcert=certs/global-bundle.pem",
    );
    assert_eq!(t.ssl_mode, SslMode::VerifyFull);
    assert_eq!(t.cert_check(), CertCheck::Full);
    assert_eq!(
        t.root_cert,
        Some(RootCert::File(PathBuf::from(
            "/project/certs/global-bundle.pem"
        )))
    );
    assert_eq!(t.config.get_ssl_mode(), PgSslMode::Require);
}

#[test]
fn heroku_url() {
    let t = pg(
        "postgres://u8a9bcdefg:p3f0c1a2b3c4d5e6@ec2-54-1-2-3.compute-1.amazonaws.com:5432/d9abcdefgh",
    );
    assert_eq!(t.config.get_user(), Some("u8a9bcdefg"));
    assert_eq!(password(&t), Some("p3f0c1a2b3c4d5e6"));
    assert_eq!(t.config.get_dbname(), Some("d9abcdefgh"));
    assert_eq!(t.ssl_mode, SslMode::Prefer);
    assert_eq!(t.config.get_ssl_mode(), PgSslMode::Prefer);
    assert_eq!(t.config.get_application_name(), Some("db-migrate"));
    assert_eq!(
        t.config.get_connect_timeout(),
        Some(&DEFAULT_CONNECT_TIMEOUT)
    );
}

#[test]
fn prisma_schema_becomes_search_path() {
    let t = pg("postgresql://johndoe:randompassword@localhost:5432/mydb?schema=app");
    assert_eq!(t.config.get_options(), Some("-c search_path=app"));
    assert_eq!(t.warnings.len(), 1);
    assert!(t.warnings[0].contains("schema=app"));

    let t = pg(
        "postgresql://johndoe:randompassword@localhost/mydb?schema=My%20App&options=-c%20statement_timeout%3D5s",
    );
    assert_eq!(
        t.config.get_options(),
        Some(r#"-c statement_timeout=5s -c search_path="My\ App""#)
    );
}

#[test]
fn unix_socket_hosts() {
    let t = pg("postgres://%2Fvar%2Frun%2Fpostgresql/app");
    assert_eq!(tcp_hosts(&t), ["unix:/var/run/postgresql"]);
    assert_eq!(t.config.get_dbname(), Some("app"));
    // libpq never uses TLS on Unix sockets.
    assert_eq!(t.config.get_ssl_mode(), PgSslMode::Disable);

    let t = pg("postgres://app@/app?host=/var/run/postgresql");
    assert_eq!(tcp_hosts(&t), ["unix:/var/run/postgresql"]);
    assert_eq!(t.config.get_user(), Some("app"));

    let t = pg("postgresql:///app?host=%2Ftmp&port=5433");
    assert_eq!(tcp_hosts(&t), ["unix:/tmp"]);
    assert_eq!(t.config.get_ports(), [5433]);
}

#[test]
fn no_host_means_the_default_socket_or_pghost() {
    let t = pg("postgres:///app");
    assert_eq!(t.config.get_hosts().len(), 1);
    let t = pg_env("postgres:///app", &|k| {
        (k == "PGHOST").then(|| "db.internal,db2.internal".to_owned())
    });
    assert_eq!(tcp_hosts(&t), ["db.internal", "db2.internal"]);
}

#[test]
fn percent_encoded_password_with_reserved_characters() {
    let url = "postgres://app:p%40ss%3Aw%2Frd%3F%23x@db.example.com/app";
    let t = pg(url);
    assert_eq!(password(&t), Some("p@ss:w/rd?#x"));
    assert_eq!(tcp_hosts(&t), ["db.example.com"]);
    assert_eq!(t.config.get_dbname(), Some("app"));
    assert_eq!(t.masked_url, "postgres://app:****@db.example.com/app");
    assert_hidden(&t, "p%40ss");
    assert_hidden(&t, "p@ss:w/rd?#x");
}

#[test]
fn unencoded_special_characters_in_the_password() {
    let t = pg("postgres://app:p@ss@db.example.com/app");
    assert_eq!(password(&t), Some("p@ss"));
    assert_eq!(tcp_hosts(&t), ["db.example.com"]);
    assert_eq!(t.masked_url, "postgres://app:****@db.example.com/app");

    let t = pg("postgres://app:ab/cd+ef=@db.example.com:6432/app?sslmode=disable");
    assert_eq!(password(&t), Some("ab/cd+ef="));
    assert_eq!(t.config.get_ports(), [6432]);
    assert_eq!(t.ssl_mode, SslMode::Disable);
    assert_hidden(&t, "ab/cd+ef=");

    let t = pg("postgres://app:ab?cd@db.example.com/app?sslmode=require");
    assert_eq!(password(&t), Some("ab?cd"));
    assert_eq!(t.ssl_mode, SslMode::Require);
    assert_hidden(&t, "ab?cd");

    // A literal `%` that is not an escape is kept.
    let t = pg("postgres://app:100%pure@db.example.com/app");
    assert_eq!(password(&t), Some("100%pure"));
}

#[test]
fn at_sign_in_a_query_value_is_not_a_credentials_separator() {
    let t = pg("postgres://db.example.com/app?application_name=ops@laptop");
    assert_eq!(tcp_hosts(&t), ["db.example.com"]);
    assert_eq!(t.config.get_application_name(), Some("ops@laptop"));
}

#[test]
fn ipv6_hosts() {
    let t = pg("postgres://app:pw-123456@[::1]:5433/app");
    assert_eq!(tcp_hosts(&t), ["::1"]);
    assert_eq!(t.config.get_ports(), [5433]);
    let t = pg("postgresql://app@[2001:db8::1]/app");
    assert_eq!(tcp_hosts(&t), ["2001:db8::1"]);
    assert_eq!(t.config.get_ports(), [5432]);
}

#[test]
fn multiple_hosts() {
    let t = pg("postgresql://app@h1:5432,h2:5433,h3/app?target_session_attrs=read-write");
    assert_eq!(tcp_hosts(&t), ["h1", "h2", "h3"]);
    assert_eq!(t.config.get_ports(), [5432, 5433, 5432]);
    assert_eq!(
        t.config.get_target_session_attrs(),
        TargetSessionAttrs::ReadWrite
    );
    let t = pg("postgresql://app@h1,h2/app?port=6000");
    assert_eq!(t.config.get_ports(), [6000]);
    assert!(matches!(
        err("postgresql://app@h1,h2/app?port=1,2,3"),
        UrlError::Malformed { .. }
    ));
}

#[test]
fn key_value_strings() {
    let t = pg(
        r"host=localhost port=5433 dbname=app user=app password='se cret\'x' sslmode=verify-ca sslrootcert=/etc/ca.pem",
    );
    assert_eq!(tcp_hosts(&t), ["localhost"]);
    assert_eq!(t.config.get_ports(), [5433]);
    assert_eq!(t.config.get_dbname(), Some("app"));
    assert_eq!(password(&t), Some("se cret'x"));
    assert_eq!(t.ssl_mode, SslMode::VerifyCa);
    assert_eq!(t.cert_check(), CertCheck::Chain);
    assert_eq!(
        t.root_cert,
        Some(RootCert::File(PathBuf::from("/etc/ca.pem")))
    );
    assert!(t.masked_url.contains("password='****'"), "{}", t.masked_url);
    assert_hidden(&t, "se cret");

    let t = pg("host = /var/run/postgresql  dbname = app password = hunter2hunter2");
    assert_eq!(tcp_hosts(&t), ["unix:/var/run/postgresql"]);
    assert_hidden(&t, "hunter2hunter2");

    // hostaddr alone: the address is also the name TLS checks.
    let t = pg("hostaddr=127.0.0.1 dbname=app sslmode=require");
    assert_eq!(tcp_hosts(&t), ["127.0.0.1"]);
    assert_eq!(t.config.get_hostaddrs().len(), 1);
}

#[test]
fn every_sslmode() {
    for (mode, expected, check) in [
        ("disable", SslMode::Disable, CertCheck::NoTls),
        ("allow", SslMode::Allow, CertCheck::AcceptAny),
        ("prefer", SslMode::Prefer, CertCheck::AcceptAny),
        ("require", SslMode::Require, CertCheck::AcceptAny),
        ("verify-ca", SslMode::VerifyCa, CertCheck::Chain),
        ("verify-full", SslMode::VerifyFull, CertCheck::Full),
    ] {
        let t = pg(&format!("postgres://app@db.example.com/app?sslmode={mode}"));
        assert_eq!(t.ssl_mode, expected);
        assert_eq!(t.ssl_mode.as_str(), mode);
        assert_eq!(t.cert_check(), check, "{mode}");
    }
    // libpq: require plus a root certificate verifies the chain.
    let t = pg("postgres://app@db.example.com/app?sslmode=require&sslrootcert=/etc/ca.pem");
    assert_eq!(t.cert_check(), CertCheck::Chain);
    // allow is accepted, with a note.
    let t = pg("postgres://app@db.example.com/app?sslmode=allow");
    assert!(t.warnings[0].contains("allow"));
}

#[test]
fn ssl_environment_variables_fill_gaps_only() {
    let env = |k: &str| match k {
        "PGSSLMODE" => Some("verify-full".to_owned()),
        "PGSSLROOTCERT" => Some("/etc/ssl/private-ca.pem".to_owned()),
        _ => None,
    };
    let t = pg_env("postgres://app@db.example.com/app", &env);
    assert_eq!(t.ssl_mode, SslMode::VerifyFull);
    assert_eq!(
        t.root_cert,
        Some(RootCert::File(PathBuf::from("/etc/ssl/private-ca.pem")))
    );
    let t = pg_env(
        "postgres://app@db.example.com/app?sslmode=disable&sslrootcert=ca.pem",
        &env,
    );
    assert_eq!(t.ssl_mode, SslMode::Disable);
    assert_eq!(
        t.root_cert,
        Some(RootCert::File(PathBuf::from("/project/ca.pem")))
    );
    let bad = parse_env("postgres://app@db.example.com/app", &|k| {
        (k == "PGSSLMODE").then(|| "on".to_owned())
    });
    assert!(
        matches!(bad, Err(UrlError::InvalidParameter { ref key, .. }) if key == "PGSSLMODE"),
        "{bad:?}"
    );
}

#[test]
fn other_environment_defaults() {
    let env = |k: &str| match k {
        "PGUSER" => Some("envuser".to_owned()),
        "USER" => Some("osuser".to_owned()),
        "PGPASSWORD" => Some("envpassword".to_owned()),
        "PGPORT" => Some("6000".to_owned()),
        "PGDATABASE" => Some("envdb".to_owned()),
        "PGAPPNAME" => Some("envapp".to_owned()),
        _ => None,
    };
    let t = pg_env("postgres://db.example.com", &env);
    assert_eq!(t.config.get_user(), Some("envuser"));
    assert_eq!(password(&t), Some("envpassword"));
    assert_eq!(t.config.get_ports(), [6000]);
    assert_eq!(t.config.get_dbname(), Some("envdb"));
    assert_eq!(t.config.get_application_name(), Some("envapp"));
    let t = pg_env(
        "postgres://u:p1@db.example.com:5433/app?application_name=cli",
        &env,
    );
    assert_eq!(t.config.get_user(), Some("u"));
    assert_eq!(password(&t), Some("p1"));
    assert_eq!(t.config.get_ports(), [5433]);
    assert_eq!(t.config.get_dbname(), Some("app"));
    assert_eq!(t.config.get_application_name(), Some("cli"));
    let t = pg_env("postgres://db.example.com/app", &|k| {
        (k == "USER").then(|| "osuser".to_owned())
    });
    assert_eq!(t.config.get_user(), Some("osuser"));
}

#[test]
fn sslrootcert_system() {
    let t = pg("postgres://app@db.example.com/app?sslrootcert=system");
    assert_eq!(t.root_cert, Some(RootCert::System));
    assert_eq!(t.ssl_mode, SslMode::VerifyFull);
    let e = err("postgres://app:pw-123456@db.example.com/app?sslrootcert=system&sslmode=require");
    assert!(e.to_string().contains("verify-full"), "{e}");
}

#[test]
fn timeouts_and_keepalives() {
    let t = pg(
        "postgres://app@db/app?connect_timeout=5&tcp_user_timeout=1500&keepalives=1&keepalives_idle=30&keepalives_count=4",
    );
    assert_eq!(
        t.config.get_connect_timeout(),
        Some(&Duration::from_secs(5))
    );
    assert_eq!(
        t.config.get_tcp_user_timeout(),
        Some(&Duration::from_millis(1500))
    );
    assert!(t.config.get_keepalives());
    assert_eq!(t.config.get_keepalives_idle(), Duration::from_secs(30));
    assert_eq!(t.config.get_keepalives_retries(), Some(4));
    let t = pg("postgres://app@db/app?connect_timeout=0");
    assert_eq!(t.config.get_connect_timeout(), None);
}

#[test]
fn application_name_and_channel_binding() {
    let t = pg("postgres://app@db/app?application_name=my%20tool&channel_binding=disable");
    assert_eq!(t.config.get_application_name(), Some("my tool"));
    assert_eq!(t.config.get_channel_binding(), ChannelBinding::Disable);
    let t = pg("postgres://app@db/app?fallback_application_name=other");
    assert_eq!(t.config.get_application_name(), Some("other"));
}

#[test]
fn unknown_and_unsupported_keys_warn_but_do_not_fail() {
    let t = pg(
        "postgres://app:pw-123456@db/app?foo=bar&sslcompression=1&pool_timeout=10&socket_timeout=5&statement_cache_size=0",
    );
    assert_eq!(t.warnings.len(), 5, "{:?}", t.warnings);
    assert!(t.warnings[0].contains("unknown") && t.warnings[0].contains("foo"));
    assert!(t.warnings[1].contains("sslcompression"));
    assert!(t.warnings[2].contains("pool_timeout"));

    let t = pg("postgres://app@db/app?ssl=true");
    assert_eq!(t.ssl_mode, SslMode::Require);
    assert!(t.warnings[0].contains("ssl=true"));

    let t = pg("postgres://app@db/app?sslcert=ca.pem&sslmode=require");
    assert_eq!(t.client_cert, None);
    assert!(t.warnings[0].contains("sslrootcert"));

    let t = pg("postgres://app@db/app?sslcert=client.crt&sslkey=client.key");
    assert_eq!(
        t.client_cert,
        Some(ClientCert {
            cert: PathBuf::from("/project/client.crt"),
            key: PathBuf::from("/project/client.key"),
        })
    );
}

// ---------------------------------------------------------------------------
// Bad URLs
// ---------------------------------------------------------------------------

#[test]
fn bad_urls_have_helpful_messages_without_the_password() {
    let secret = "Hunter2Secret";
    let cases: &[(&str, &str)] = &[
        ("mysql://root:Hunter2Secret@localhost:3306", "no database"),
        (
            "mariadb://root:Hunter2Secret@localhost/app?sslmode=sometimes",
            "expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY",
        ),
        (
            "mysqlx://root:Hunter2Secret@localhost/app",
            "did you mean `mysql://`",
        ),
        (
            "postgress://app:Hunter2Secret@localhost/app",
            "did you mean `postgres://`",
        ),
        (
            "postgre://app:Hunter2Secret@localhost/app",
            "did you mean `postgres://`",
        ),
        (
            "pgsql://app:Hunter2Secret@localhost/app",
            "did you mean `postgres://`",
        ),
        (
            "jdbc:postgresql://localhost/app?user=app&password=Hunter2Secret",
            "drop the `jdbc:` prefix",
        ),
        (
            "https://app:Hunter2Secret@console.neon.tech",
            "not a database URL",
        ),
        ("libsql://db-org.turso.io?authToken=x", "libSQL/Turso"),
        ("sqlite3:dev.db", "did you mean `sqlite:`"),
        (
            "app:Hunter2Secret@localhost:5432/app",
            "is not a database URL",
        ),
        ("localhost:5432/app", "is not a database URL"),
        (
            "postgres:app:Hunter2Secret@localhost",
            "expected `postgres://`",
        ),
        (
            "postgres://app:Hunter2Secret@localhost:54x2/app",
            "percent-encode",
        ),
        ("postgres://app:Hunter2Secret@[::1:5432/app", "closing `]`"),
        (
            "postgres://app:Hunter2Secret@localhost/app?sslmode=verify",
            "disable, allow, prefer, require, verify-ca or verify-full",
        ),
        (
            "postgres://app:Hunter2Secret@localhost/app?channel_binding=yes",
            "disable, prefer or require",
        ),
        (
            "postgres://app:Hunter2Secret@localhost/app?target_session_attrs=primary",
            "not supported",
        ),
        (
            "postgres://app:Hunter2Secret@localhost/app?connect_timeout=soon",
            "seconds",
        ),
        (
            "postgres://app:Hunter2Secret@localhost/app?hostaddr=db",
            "IPv4 or IPv6",
        ),
        (
            "postgres://app:Hunter2Secret@localhost/app?sslmode",
            "has no value",
        ),
        ("postgres://app:Hunter2Secret@h1,,h2/app", "empty host"),
        ("host=localhost password='Hunter2Secret", "no closing"),
        ("host=localhost password Hunter2Secret", "expected `=`"),
        ("${DATABASE_URL}", "unexpanded environment variable"),
        ("", "empty"),
        ("   ", "empty"),
    ];
    for (url, expected) in cases {
        let e = err(url);
        let text = e.to_string();
        assert!(
            text.contains(expected),
            "{url}: `{text}` lacks `{expected}`"
        );
        assert!(!text.contains(secret), "{url}: `{text}` leaks the password");
        assert!(!format!("{e:?}").contains(secret), "{url}: Debug leaks");
    }
}

#[test]
fn mysql_urls_are_read_and_their_errors_show_the_masked_url() {
    let url = DatabaseUrl::parse(
        "mariadb://root:Hunter2Secret@db:3307/app",
        Path::new("/project"),
    )
    .expect("parses");
    assert_eq!(url.dialect(), crate::schema::Dialect::Mysql);
    assert_eq!(url.masked(), "mariadb://root:****@db:3307/app");
    let e = err("mysql://root:Hunter2Secret@localhost:3306/app?wat=1");
    assert_eq!(
        e.to_string(),
        "invalid value `1` for `wat` in `mysql://root:****@localhost:3306/app?wat=1`: expected a known parameter: ssl-mode, ssl-ca, sslaccept or socket"
    );
}

// ---------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------

#[test]
fn sqlite_forms() {
    assert_eq!(sqlite("sqlite:dev.db"), PathBuf::from("/project/dev.db"));
    assert_eq!(
        sqlite("sqlite:./data/dev.db"),
        PathBuf::from("/project/data/dev.db")
    );
    assert_eq!(sqlite("sqlite://dev.db"), PathBuf::from("/project/dev.db"));
    assert_eq!(
        sqlite("sqlite:///var/lib/app/dev.db"),
        PathBuf::from("/var/lib/app/dev.db")
    );
    assert_eq!(sqlite("file:./dev.db"), PathBuf::from("/project/dev.db"));
    assert_eq!(
        sqlite("file:///abs/my%20app.db?mode=rwc"),
        PathBuf::from("/abs/my app.db")
    );
    assert_eq!(
        sqlite("SQLITE:../x.sqlite"),
        PathBuf::from("/project/../x.sqlite")
    );
    assert_eq!(
        sqlite("local.sqlite3"),
        PathBuf::from("/project/local.sqlite3")
    );
    assert_eq!(sqlite("/tmp/abs.db"), PathBuf::from("/tmp/abs.db"));

    let parsed = DatabaseUrl::parse_with_env("sqlite:dev.db", base(), &no_env).unwrap();
    assert_eq!(
        parsed.masked(),
        "sqlite:dev.db",
        "shown as the user wrote it"
    );
    assert!(!parsed.is_transaction_pooler());
}

#[test]
fn sqlite_memory_and_empty_paths_are_rejected() {
    for url in ["sqlite::memory:", ":memory:", "file::memory:?cache=shared"] {
        assert!(matches!(err(url), UrlError::SqliteMemory { .. }), "{url}");
    }
    for url in ["sqlite:", "sqlite://", "file:"] {
        assert!(
            matches!(err(url), UrlError::SqliteMissingPath { .. }),
            "{url}"
        );
    }
}

/// SQLite has no users: a URL with credentials is refused, its password masked;
/// an `@` in the path is fine.
#[test]
fn sqlite_urls_with_credentials_are_rejected_masked() {
    for url in [
        "sqlite://user:s3cret@localhost/app.db",
        "file://me:s3cret@host/x.db",
    ] {
        let e = err(url);
        assert!(matches!(e, UrlError::SqliteCredentials { .. }), "{url}");
        let shown = e.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("****"), "{shown}");
    }
    assert!(sqlite("sqlite:///data/app@2.db").ends_with("app@2.db"));
}

// ---------------------------------------------------------------------------
// mask_password
// ---------------------------------------------------------------------------

#[test]
fn mask_password_in_text() {
    let cases = [
        (
            "could not connect to postgres://app:s3cr3t@db:5432/app: refused",
            "could not connect to postgres://app:****@db:5432/app: refused",
        ),
        (
            "a postgres://a:one@h1/x and b mysql://b:two@h2/y",
            "a postgres://a:****@h1/x and b mysql://b:****@h2/y",
        ),
        ("postgres://app@db/app", "postgres://app@db/app"),
        (
            "postgres://db/app?user=a&password=pw&x=1",
            "postgres://db/app?user=a&password=****&x=1",
        ),
        (
            "host=db password=pw dbname=x",
            "host=db password=**** dbname=x",
        ),
        (
            r"host=db password='p w\'x' dbname=x",
            "host=db password='****' dbname=x",
        ),
        ("PGPASSWORD=topsecret psql", "PGPASSWORD=**** psql"),
        (
            "password authentication failed for user \"app\"",
            "password authentication failed for user \"app\"",
        ),
        ("mail admin@example.com now", "mail admin@example.com now"),
        ("\"postgres://u:p@ss@h/db\"", "\"postgres://u:****@h/db\""),
        (
            "postgres://u:pw@h/db?application_name=a@b",
            "postgres://u:****@h/db?application_name=a@b",
        ),
        ("", ""),
        ("postgres://", "postgres://"),
        ("password=", "password="),
        (
            "x?api_key=abc&sslpassword=def",
            "x?api_key=****&sslpassword=****",
        ),
        (
            "libsql://db.turso.io?authToken=eyJhbGc",
            "libsql://db.turso.io?authToken=****",
        ),
        ("a=b c = d", "a=b c = d"),
    ];
    for (input, expected) in cases {
        assert_eq!(mask_password(input), expected, "input: {input}");
    }
}

proptest! {
    #[test]
    fn encoded_passwords_round_trip_and_never_show(password in "[A-Z0-9@:/?#%& +=!$'\"\\\\]{8,24}") {
        let url = format!("postgres://app:{}@db.example.com:5432/app?sslmode=require", percent_encode(&password));
        let t = pg(&url);
        prop_assert_eq!(t.config.get_password(), Some(password.as_bytes()));
        prop_assert!(!t.masked_url.contains(&password));
        prop_assert!(!t.masked_url.contains(&percent_encode(&password)));
        prop_assert_eq!(t.masked_url.as_str(), "postgres://app:****@db.example.com:5432/app?sslmode=require");
        let text = format!("error: could not connect to {url}; retrying");
        prop_assert!(!mask_password(&text).contains(&percent_encode(&password)));
    }

    #[test]
    fn quoted_key_value_passwords_round_trip_and_never_show(password in "[A-Z0-9@:/?#%& +='\\\\]{8,24}") {
        let quoted = password.replace('\\', "\\\\").replace('\'', "\\'");
        let t = pg(&format!("host=db.example.com dbname=app password='{quoted}' sslmode=disable"));
        prop_assert_eq!(t.config.get_password(), Some(password.as_bytes()));
        prop_assert!(!t.masked_url.contains(&password));
        prop_assert!(!t.masked_url.contains(&quoted));
    }

    #[test]
    fn bad_ports_never_echo_the_password(password in "[A-Z0-9]{8,16}", port in "[a-z]{1,5}") {
        let url = format!("postgres://app:{password}@db.example.com:{port}/app");
        let e = err(&url);
        prop_assert!(!e.to_string().contains(&password));
    }
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(text in "\\PC{0,40}", tail in "[=@:/?#&'\\\\ %a-z0-9é€]{0,30}") {
        let _ = mask_password(&text);
        let _ = mask_password(&tail);
        for input in [text.clone(), tail.clone(), format!("postgres://{tail}"), format!("host={tail}"), format!("sqlite:{tail}"), format!("{text}{tail}")] {
            let _ = DatabaseUrl::parse_with_env(&input, base(), &no_env);
            let _ = mask_password(&input);
        }
    }
}
