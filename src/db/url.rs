//! Database URLs: parsing, validation and password masking.
//!
//! PostgreSQL URLs are parsed by our own libpq-compatible layer rather than by
//! `postgres::Config::from_str`, which rejects `verify-ca`/`verify-full`,
//! unknown keys (`pgbouncer`, `schema`, …) and gives no hint about what is
//! wrong. The result is a [`PgTarget`]: a ready `postgres::Config` plus the TLS
//! settings that rust-postgres does not model (libpq `sslmode` semantics,
//! `sslrootcert`, client certificates) and warnings about ignored parameters.

use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use postgres::config::{
    ChannelBinding, Host, LoadBalanceHosts, SslMode as PgSslMode, SslNegotiation,
    TargetSessionAttrs,
};

/// The `application_name` reported to the server when the URL sets none.
pub const DEFAULT_APPLICATION_NAME: &str = "db-migrate";

/// The connect timeout used when neither the URL (`connect_timeout`) nor
/// `PGCONNECT_TIMEOUT` sets one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What replaces a password in masked URLs and messages.
pub const MASK: &str = "****";

/// A parsed database URL.
// Parsed once per run, so the size difference between the variants is irrelevant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    /// A PostgreSQL server.
    Postgres(PgTarget),
    /// A SQLite database file.
    Sqlite(SqliteTarget),
    /// A MySQL or MariaDB server.
    Mysql(super::mysql::MysqlTarget),
}

/// A SQLite database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteTarget {
    /// Absolute (or base-dir relative, made absolute) path of the database file.
    pub path: PathBuf,
    /// The URL as given (SQLite URLs carry no password), for messages and records.
    pub url: String,
}

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP, never TLS.
    Disable,
    /// libpq tries plain TCP first; treated like [`SslMode::Prefer`] here.
    Allow,
    /// TLS if the server supports it, plain TCP otherwise; no certificate check.
    Prefer,
    /// TLS, no certificate check (unless `sslrootcert` is set: then like `VerifyCa`).
    Require,
    /// TLS, certificate chain verified, host name not checked.
    VerifyCa,
    /// TLS, certificate chain and host name verified.
    VerifyFull,
}

impl SslMode {
    /// Parses a libpq `sslmode` value.
    pub fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The libpq spelling of this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where trusted root certificates come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file with one or more CA certificates; only these are trusted.
    File(PathBuf),
    /// `sslrootcert=system`: the operating system's store (plus the bundled Mozilla roots).
    System,
}

/// A TLS client certificate and its private key (`sslcert` + `sslkey`), PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// The certificate (chain) file.
    pub cert: PathBuf,
    /// The private key file.
    pub key: PathBuf,
}

/// How the server certificate is checked, derived from `sslmode` and `sslrootcert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertCheck {
    /// No TLS at all.
    NoTls,
    /// Any certificate is accepted (handshake signatures are still verified).
    AcceptAny,
    /// The chain must lead to a trusted root; the host name is not checked.
    Chain,
    /// Chain and host name are verified.
    Full,
}

/// A PostgreSQL connection target.
#[derive(Debug, Clone)]
pub struct PgTarget {
    /// The rust-postgres configuration (hosts, ports, credentials, timeouts, …).
    /// Its `ssl_mode` is the transport-level mode; certificate checking is
    /// described by [`PgTarget::ssl_mode`] and [`PgTarget::cert_check`].
    pub config: postgres::Config,
    /// The libpq `sslmode` in effect (from the URL, `PGSSLMODE`, or the default `prefer`).
    pub ssl_mode: SslMode,
    /// Trusted roots from `sslrootcert` / `PGSSLROOTCERT`, if given.
    pub root_cert: Option<RootCert>,
    /// Client certificate from `sslcert` + `sslkey`, if given.
    pub client_cert: Option<ClientCert>,
    /// The URL for display, with the password replaced by `****`.
    pub masked_url: String,
    /// Parameters that were ignored or rewritten, as messages the caller can print.
    pub warnings: Vec<String>,
    /// Prisma's `pgbouncer=true` was present: the URL points at a transaction pooler.
    pub pgbouncer: bool,
}

impl PgTarget {
    /// How the server certificate will be checked.
    ///
    /// Follows libpq: `require` with an explicit `sslrootcert` verifies the chain
    /// like `verify-ca`.
    pub fn cert_check(&self) -> CertCheck {
        match self.ssl_mode {
            SslMode::Disable => CertCheck::NoTls,
            SslMode::Allow | SslMode::Prefer => CertCheck::AcceptAny,
            SslMode::Require if self.root_cert.is_some() => CertCheck::Chain,
            SslMode::Require => CertCheck::AcceptAny,
            SslMode::VerifyCa => CertCheck::Chain,
            SslMode::VerifyFull => CertCheck::Full,
        }
    }

    /// True when the URL points at a transaction-mode connection pooler, where
    /// session state (advisory locks, `SET`, prepared statements) does not
    /// survive between transactions: Neon `-pooler` hosts, Supabase
    /// `*.pooler.supabase.com` on port 6543, or Prisma's `pgbouncer=true`.
    pub fn is_transaction_pooler(&self) -> bool {
        if self.pgbouncer {
            return true;
        }
        let ports = self.config.get_ports();
        self.config.get_hosts().iter().enumerate().any(|(i, host)| {
            let Host::Tcp(name) = host else {
                return false;
            };
            let name = name.to_ascii_lowercase();
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            name.contains("-pooler") || (name.ends_with("pooler.supabase.com") && port == 6543)
        })
    }

    /// The URL for display, with the password replaced by `****`.
    pub fn masked(&self) -> &str {
        &self.masked_url
    }
}

/// Why a database URL could not be parsed. Messages never contain the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing was given.
    #[error(
        "the database URL is empty; set it in the config or the environment, e.g. postgres://user:password@localhost:5432/app"
    )]
    Empty,
    /// Something like `${DATABASE_URL}` reached us unexpanded.
    #[error(
        "the database URL `{url}` looks like an unexpanded environment variable; export the variable or put it in .env"
    )]
    UnexpandedVariable {
        /// The masked input.
        url: String,
    },
    /// A scheme we know but do not support.
    #[error("unsupported database URL `{url}`: {hint}")]
    UnsupportedScheme {
        /// The scheme as written, without `://`.
        scheme: String,
        /// The masked input.
        url: String,
        /// What to do instead.
        hint: String,
    },
    /// A scheme that is probably a typo of a supported one.
    #[error("unknown database URL scheme `{scheme}:` in `{url}`; did you mean `{suggestion}`?")]
    MisspelledScheme {
        /// The scheme as written.
        scheme: String,
        /// The masked input.
        url: String,
        /// The scheme we think was meant, e.g. `postgres://`.
        suggestion: String,
    },
    /// Neither a URL, a key=value string nor a SQLite path.
    #[error(
        "`{url}` is not a database URL; expected postgres://user:password@host:5432/db, a libpq string like `host=localhost dbname=app`, mysql://user:password@host:3306/db, or sqlite:path/to/file.db"
    )]
    NotAUrl {
        /// The masked input.
        url: String,
    },
    /// The URL's structure is broken.
    #[error("invalid database URL `{url}`: {reason}")]
    Malformed {
        /// The masked input.
        url: String,
        /// What is wrong, with a hint.
        reason: String,
    },
    /// A parameter has a value we cannot use.
    #[error("invalid value `{value}` for `{key}` in `{url}`: expected {expected}")]
    InvalidParameter {
        /// The masked input (or `environment` for `PG*` variables).
        url: String,
        /// The parameter name.
        key: String,
        /// The rejected value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// `sqlite::memory:` and friends.
    #[error(
        "`{url}` is an in-memory SQLite database, which would vanish when db-migrate exits; use a file, e.g. sqlite:./dev.db"
    )]
    SqliteMemory {
        /// The input.
        url: String,
    },
    /// `sqlite:` with nothing after it.
    #[error(
        "the SQLite URL `{url}` has no file path; write sqlite:./dev.db or sqlite:///absolute/path/dev.db"
    )]
    SqliteMissingPath {
        /// The input.
        url: String,
    },
    /// A SQLite URL with a user or password, which SQLite does not have.
    #[error(
        "the SQLite URL `{url}` has a user or password, which SQLite does not use; write sqlite:./dev.db or sqlite:///absolute/path/dev.db"
    )]
    SqliteCredentials {
        /// The input, password masked.
        url: String,
    },
}

impl DatabaseUrl {
    /// Parses a database URL. Relative SQLite paths and relative `sslrootcert`,
    /// `sslcert` and `sslkey` paths are resolved against `base_dir`.
    ///
    /// PostgreSQL accepts `postgres://` / `postgresql://` URLs and libpq
    /// `key=value` strings; `PG*` environment variables fill in what the URL
    /// leaves out (`PGSSLMODE`, `PGSSLROOTCERT`, `PGUSER`, `PGPASSWORD`,
    /// `PGHOST`, `PGPORT`, `PGDATABASE`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`).
    /// SQLite accepts `sqlite:<path>`, `sqlite://<path>`, `sqlite:///abs/path`,
    /// `file:<path>` and bare paths ending in `.db`, `.sqlite`, `.sqlite3` or `.db3`.
    pub fn parse(url: &str, base_dir: &Path) -> Result<DatabaseUrl, UrlError> {
        Self::parse_with_env(url, base_dir, &|name| std::env::var(name).ok())
    }

    /// Like [`DatabaseUrl::parse`], reading environment variables through `env`
    /// (for tests and for callers that load `.env` files themselves).
    pub fn parse_with_env(
        url: &str,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<DatabaseUrl, UrlError> {
        let input = strip_quotes(url.trim());
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let masked = mask_input(input);
        if input.starts_with('$') || input.contains("${") || input.starts_with('%') {
            return Err(UrlError::UnexpandedVariable { url: masked });
        }

        if let Some(scheme) = scheme_of(input) {
            let lower = scheme.to_ascii_lowercase();
            let after = &input[scheme.len() + 1..];
            match (lower.as_str(), after.strip_prefix("//")) {
                ("sqlite" | "file", _) => return parse_sqlite(input, &lower, after, base_dir),
                ("mysql" | "mariadb", Some(rest)) => {
                    return super::mysql::parse_url(rest, &masked, base_dir)
                        .map(DatabaseUrl::Mysql);
                }
                ("postgres" | "postgresql", Some(rest)) => {
                    let pairs = split_pg_url(rest, &masked)?;
                    return build_pg(pairs, masked, base_dir, env).map(DatabaseUrl::Postgres);
                }
                ("postgres" | "postgresql", None) => {
                    return Err(UrlError::Malformed {
                        url: masked,
                        reason: format!("expected `{lower}://` followed by user@host/database"),
                    });
                }
                (_, Some(_)) => return Err(scheme_error(scheme, masked)),
                ("jdbc", None) => return Err(scheme_error(scheme, masked)),
                (_, None) if lower.starts_with("sqlite") || lower.starts_with("postgres") => {
                    return Err(scheme_error(scheme, masked));
                }
                // `host:5432/db`, `user:password@host/db`: no scheme at all.
                (_, None) => {}
            }
        }

        if looks_like_key_value(input) {
            let pairs = split_key_value(input)?;
            return build_pg(pairs, masked, base_dir, env).map(DatabaseUrl::Postgres);
        }

        if input == ":memory:" {
            return Err(UrlError::SqliteMemory {
                url: input.to_owned(),
            });
        }
        let lower = input.to_ascii_lowercase();
        if [".db", ".sqlite", ".sqlite3", ".db3"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            return Ok(DatabaseUrl::Sqlite(SqliteTarget {
                path: resolve(base_dir, Path::new(input)),
                url: input.to_owned(),
            }));
        }
        Err(UrlError::NotAUrl { url: masked })
    }

    /// The database family the URL points at.
    pub fn dialect(&self) -> crate::schema::Dialect {
        match self {
            DatabaseUrl::Postgres(_) => crate::schema::Dialect::Postgres,
            DatabaseUrl::Sqlite(_) => crate::schema::Dialect::Sqlite,
            DatabaseUrl::Mysql(_) => crate::schema::Dialect::Mysql,
        }
    }

    /// The URL for display, with the password replaced by `****`.
    pub fn masked(&self) -> String {
        match self {
            DatabaseUrl::Postgres(target) => target.masked_url.clone(),
            DatabaseUrl::Sqlite(target) => mask_password(&target.url),
            DatabaseUrl::Mysql(target) => target.masked_url.clone(),
        }
    }

    /// See [`PgTarget::is_transaction_pooler`]; always false for SQLite.
    pub fn is_transaction_pooler(&self) -> bool {
        match self {
            DatabaseUrl::Postgres(target) => target.is_transaction_pooler(),
            DatabaseUrl::Sqlite(_) | DatabaseUrl::Mysql(_) => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Masking
// ---------------------------------------------------------------------------

/// Replaces the password of every URL in `text` (`scheme://user:password@…`)
/// and the value of every `password=…` parameter (URL query or libpq
/// key=value, quoted or not; also `PGPASSWORD=…`, `sslpassword=…`, and
/// `…token=`, `…secret=`, `api_key=` values) with `****`.
///
/// Meant for display of URLs and of error messages that may echo one. When in
/// doubt it masks too much rather than too little.
pub fn mask_password(text: &str) -> String {
    mask_password_params(&mask_url_userinfo(text))
}

/// [`mask_password`], plus `user:password@host` written without a scheme.
fn mask_input(input: &str) -> String {
    let masked = mask_password(input);
    if input.contains("://") {
        return masked;
    }
    match credentials_end(&masked) {
        Some(at) => match masked[..at].find(':') {
            Some(colon) => format!("{}{MASK}{}", &masked[..=colon], &masked[at..]),
            None => masked,
        },
        None => masked,
    }
}

fn mask_url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = text[pos..].find("://") {
        let start = pos + found + 3;
        let token_end = text[start..]
            .find(char::is_whitespace)
            .map_or(text.len(), |i| start + i);
        let token = &text[start..token_end];
        match credentials_end(token) {
            Some(at) => {
                let userinfo = &token[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&text[pos..start + colon + 1]);
                        out.push_str(MASK);
                    }
                    None => out.push_str(&text[pos..start + at]),
                }
                pos = start + at;
            }
            None => {
                out.push_str(&text[pos..start]);
                pos = start;
            }
        }
    }
    out.push_str(&text[pos..]);
    out
}

/// In the part of a URL after `scheme://`, the index of the `@` that ends the
/// credentials: the last `@` that does not sit inside the query string
/// (an `@` after `?…=` is taken to be part of a parameter value).
fn credentials_end(rest: &str) -> Option<usize> {
    rest.char_indices()
        .rev()
        .filter(|&(_, c)| c == '@')
        .map(|(i, _)| i)
        .find(|&i| {
            let before = &rest[..i];
            match before.find('?') {
                Some(q) => !before[q..].contains('='),
                None => true,
            }
        })
}

/// Parameter names (suffixes, case-insensitive) whose values are secrets.
const SECRET_KEYS: &[&str] = &["password", "passwd", "api_key", "apikey", "token", "secret"];

fn mask_password_params(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_blank = |b: u8| b == b' ' || b == b'\t';
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find('=') {
        let eq = search + found;
        search = eq + 1;
        let mut key_end = eq;
        while key_end > pos && is_blank(bytes[key_end - 1]) {
            key_end -= 1;
        }
        let mut key_start = key_end;
        while key_start > pos
            && (bytes[key_start - 1].is_ascii_alphanumeric() || bytes[key_start - 1] == b'_')
        {
            key_start -= 1;
        }
        let key = text[key_start..key_end].to_ascii_lowercase();
        if key.is_empty() || !SECRET_KEYS.iter().any(|s| key.ends_with(s)) {
            continue;
        }
        let mut i = eq + 1;
        while i < bytes.len() && is_blank(bytes[i]) {
            i += 1;
        }
        let (value_start, value_end) = if i < bytes.len() && bytes[i] == b'\'' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'\'' {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            (i + 1, j.min(bytes.len()))
        } else {
            let mut j = i;
            while j < bytes.len() && bytes[j] != b'&' && !bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            (i, j)
        };
        if value_end > value_start {
            out.push_str(&text[pos..value_start]);
            out.push_str(MASK);
            pos = value_end;
            search = value_end;
        }
    }
    out.push_str(&text[pos..]);
    out
}

// ---------------------------------------------------------------------------
// Front end: schemes, key=value strings, URLs → ordered (key, value) pairs
// ---------------------------------------------------------------------------

fn strip_quotes(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].trim();
        }
    }
    s
}

/// The scheme of `input` (without the colon), if it starts with one. Single
/// letters are not schemes (Windows drive letters).
fn scheme_of(input: &str) -> Option<&str> {
    let colon = input.find(':')?;
    let scheme = &input[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if scheme.len() < 2
        || !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some(scheme)
}

fn scheme_error(scheme: &str, url: String) -> UrlError {
    let lower = scheme.to_ascii_lowercase();
    let unsupported = |hint: &str| UrlError::UnsupportedScheme {
        scheme: scheme.to_owned(),
        url: url.clone(),
        hint: hint.to_owned(),
    };
    match lower.as_str() {
        "mysql2" | "mysqlx" => UrlError::MisspelledScheme {
            scheme: scheme.to_owned(),
            url,
            suggestion: "mysql://".to_owned(),
        },
        "jdbc" => unsupported(
            "JDBC URLs are not supported; drop the `jdbc:` prefix and write postgres://user:password@host:5432/db",
        ),
        "libsql" | "turso" | "wss" | "ws" => unsupported(
            "libSQL/Turso is not supported yet; for a local SQLite file use sqlite:path/to/file.db",
        ),
        "http" | "https" => unsupported(
            "this is a web address, not a database URL; copy the PostgreSQL connection string (postgres://…) from your provider",
        ),
        "prisma" | "prisma+postgres" => unsupported(
            "Prisma Accelerate / Prisma Postgres proxy URLs cannot be used directly; use the direct postgres:// connection string",
        ),
        "mongodb" | "mongodb+srv" | "redis" | "rediss" => unsupported(
            "this is not an SQL database; db-migrate supports PostgreSQL (postgres://), MySQL (mysql://) and SQLite (sqlite:)",
        ),
        "sqlserver" | "mssql" => unsupported(
            "SQL Server is not supported; db-migrate supports PostgreSQL (postgres://), MySQL (mysql://) and SQLite (sqlite:)",
        ),
        "cockroachdb" | "cockroach" | "yugabyte" | "yugabytedb" | "timescale" | "pg" | "psql"
        | "pgsql" | "postgis" => UrlError::MisspelledScheme {
            scheme: scheme.to_owned(),
            url,
            suggestion: "postgres://".to_owned(),
        },
        _ if lower.starts_with("postgres")
            || lower.starts_with("postgre")
            || edit_distance(&lower, "postgres") <= 2
            || edit_distance(&lower, "postgresql") <= 2 =>
        {
            UrlError::MisspelledScheme {
                scheme: scheme.to_owned(),
                url,
                suggestion: "postgres://".to_owned(),
            }
        }
        _ if lower.starts_with("sqlite") || edit_distance(&lower, "sqlite") <= 2 => {
            UrlError::MisspelledScheme {
                scheme: scheme.to_owned(),
                url,
                suggestion: "sqlite:".to_owned(),
            }
        }
        _ => unsupported(
            "db-migrate supports PostgreSQL (postgres://, postgresql:// or a libpq key=value string), MySQL and MariaDB (mysql://, mariadb://) and SQLite (sqlite:, file:)",
        ),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn looks_like_key_value(input: &str) -> bool {
    let key: String = input
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    !key.is_empty() && input[key.len()..].trim_start().starts_with('=')
}

/// A parameter from the URL, in the order given; later ones override earlier ones.
#[derive(Debug)]
struct Pair {
    key: String,
    value: String,
    /// From the URL's user/host/path part rather than `?key=value` or key=value
    /// text; such values are not echoed in errors.
    from_authority: bool,
}

fn pair(key: &str, value: String, from_authority: bool) -> Pair {
    Pair {
        key: key.to_owned(),
        value,
        from_authority,
    }
}

/// Splits a libpq `key=value …` string. Values may be single-quoted; `\` escapes.
fn split_key_value(input: &str) -> Result<Vec<Pair>, UrlError> {
    // On a syntax error the text after the offending key is not shown: it may
    // be a password that could not be recognised as one.
    let malformed = |upto: usize, reason: String| UrlError::Malformed {
        url: format!("{}…", mask_password(&input[..upto])),
        reason,
    };
    let mut pairs = Vec::new();
    let mut it = input.char_indices().peekable();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_ws(&mut it);
        let Some(&(key_start, _)) = it.peek() else {
            break;
        };
        let mut key_end = key_start;
        while let Some((i, c)) = it.next_if(|(_, c)| !c.is_whitespace() && *c != '=') {
            key_end = i + c.len_utf8();
        }
        let key = &input[key_start..key_end];
        skip_ws(&mut it);
        if it.next().map(|(_, c)| c) != Some('=') {
            return Err(malformed(
                key_end,
                format!(
                    "expected `=` after `{key}`; libpq strings look like `host=localhost dbname=app`"
                ),
            ));
        }
        skip_ws(&mut it);
        let mut value = String::new();
        if it.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match it.next().map(|(_, c)| c) {
                    Some('\'') => break,
                    Some('\\') => {
                        if let Some((_, c)) = it.next() {
                            value.push(c);
                        }
                    }
                    Some(c) => value.push(c),
                    None => {
                        return Err(malformed(
                            key_end,
                            format!("the quoted value of `{key}` has no closing `'`"),
                        ));
                    }
                }
            }
        } else {
            while let Some((_, c)) = it.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some((_, c)) = it.next() {
                        value.push(c);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push(pair(key, value, false));
    }
    Ok(pairs)
}

/// Splits the part of a `postgres://` URL after the `//`.
fn split_pg_url(rest: &str, masked: &str) -> Result<Vec<Pair>, UrlError> {
    let malformed = |reason: &str| UrlError::Malformed {
        url: masked.to_owned(),
        reason: reason.to_owned(),
    };
    let mut pairs = Vec::new();

    let (userinfo, rest) = match credentials_end(rest) {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    if let Some(userinfo) = userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            pairs.push(pair("user", percent_decode(user), true));
        }
        if let Some(password) = password {
            pairs.push(pair("password", percent_decode(password), true));
        }
    }

    let (before_query, query) = match rest.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let (hostlist, dbname) = match before_query.split_once('/') {
        Some((h, d)) => (h, Some(d)),
        None => (before_query, None),
    };

    if !hostlist.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for chunk in hostlist.split(',') {
            let (host, port) = if let Some(inner) = chunk.strip_prefix('[') {
                let Some(close) = inner.find(']') else {
                    return Err(malformed(
                        "an IPv6 address in brackets is missing its closing `]`; write postgres://user@[::1]:5432/db",
                    ));
                };
                let after = &inner[close + 1..];
                let port = match after.strip_prefix(':') {
                    Some(port) => port,
                    None if after.is_empty() => "",
                    None => {
                        return Err(malformed(
                            "unexpected text after `]`; write [ipv6-address]:port",
                        ));
                    }
                };
                (&inner[..close], port)
            } else {
                match chunk.split_once(':') {
                    Some((h, p)) => (h, p),
                    None => (chunk, ""),
                }
            };
            if host.is_empty() {
                return Err(malformed(
                    "empty host name in the host list; write host1:5432,host2:5432",
                ));
            }
            hosts.push(percent_decode(host));
            ports.push(percent_decode(port));
        }
        pairs.push(pair("host", hosts.join(","), true));
        if ports.iter().any(|p| !p.is_empty()) {
            pairs.push(pair("port", ports.join(","), true));
        }
    }

    if let Some(dbname) = dbname
        && !dbname.is_empty()
    {
        pairs.push(pair("dbname", percent_decode(dbname), true));
    }

    if let Some(query) = query {
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = match param.split_once('=') {
                Some((k, v)) => (k, v),
                None => {
                    return Err(UrlError::Malformed {
                        url: masked.to_owned(),
                        reason: format!(
                            "query parameter `{}` has no value; write key=value",
                            percent_decode(param)
                        ),
                    });
                }
            };
            pairs.push(pair(&percent_decode(key), percent_decode(value), false));
        }
    }
    Ok(pairs)
}

/// Percent-decodes `s`. A `%` not followed by two hex digits is kept as is
/// (passwords with a literal `%` are common); invalid UTF-8 is replaced.
/// Percent-encodes everything but unreserved characters (for user names,
/// passwords and paths put into URLs).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------
// Back end: pairs → PgTarget
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Settings {
    user: Option<String>,
    password: Option<String>,
    dbname: Option<String>,
    hosts: Option<String>,
    hostaddrs: Option<String>,
    ports: Option<(String, bool)>,
    options: Option<String>,
    application_name: Option<String>,
    fallback_application_name: Option<String>,
    sslmode: Option<String>,
    ssl_flag: Option<String>,
    sslrootcert: Option<String>,
    sslcert: Option<String>,
    sslkey: Option<String>,
    sslnegotiation: Option<String>,
    channel_binding: Option<String>,
    connect_timeout: Option<String>,
    tcp_user_timeout: Option<String>,
    keepalives: Option<String>,
    keepalives_idle: Option<String>,
    keepalives_interval: Option<String>,
    keepalives_count: Option<String>,
    target_session_attrs: Option<String>,
    load_balance_hosts: Option<String>,
    schema: Option<String>,
}

const LIBPQ_UNSUPPORTED: &[&str] = &[
    "passfile",
    "service",
    "gssencmode",
    "gssdelegation",
    "gsslib",
    "krbsrvname",
    "sslcompression",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslpassword",
    "sslcertmode",
    "sslkeylogfile",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requirepeer",
    "require_auth",
    "replication",
    "min_protocol_version",
    "max_protocol_version",
];

const PRISMA_KEYS: &[&str] = &[
    "pgbouncer",
    "connection_limit",
    "pool_timeout",
    "socket_timeout",
    "statement_cache_size",
    "sslaccept",
    "sslidentity",
];

fn build_pg(
    pairs: Vec<Pair>,
    masked: String,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PgTarget, UrlError> {
    let mut s = Settings::default();
    let mut warnings = Vec::new();
    let mut pgbouncer = false;
    // Values that must never be echoed: the password itself.
    let secrets: Vec<String> = pairs
        .iter()
        .filter(|p| {
            let key = p.key.to_ascii_lowercase();
            SECRET_KEYS.iter().any(|s| key.ends_with(s)) && p.value.len() >= 2
        })
        .map(|p| p.value.clone())
        .collect();
    let scrub = |text: String| -> String {
        let mut text = mask_password(&text);
        for secret in &secrets {
            text = text.replace(secret.as_str(), MASK);
        }
        text
    };

    for Pair {
        key,
        value,
        from_authority,
    } in pairs
    {
        let slot = match key.as_str() {
            "user" => &mut s.user,
            "password" => &mut s.password,
            "dbname" => &mut s.dbname,
            "host" => &mut s.hosts,
            "hostaddr" => &mut s.hostaddrs,
            "port" => {
                s.ports = Some((value, from_authority));
                continue;
            }
            "options" => &mut s.options,
            "application_name" => &mut s.application_name,
            "fallback_application_name" => &mut s.fallback_application_name,
            "sslmode" => &mut s.sslmode,
            "ssl" => &mut s.ssl_flag,
            "sslrootcert" => &mut s.sslrootcert,
            "sslcert" => &mut s.sslcert,
            "sslkey" => &mut s.sslkey,
            "sslnegotiation" => &mut s.sslnegotiation,
            "channel_binding" => &mut s.channel_binding,
            "connect_timeout" => &mut s.connect_timeout,
            "tcp_user_timeout" => &mut s.tcp_user_timeout,
            "keepalives" => &mut s.keepalives,
            "keepalives_idle" => &mut s.keepalives_idle,
            "keepalives_interval" => &mut s.keepalives_interval,
            "keepalives_count" | "keepalives_retries" => &mut s.keepalives_count,
            "target_session_attrs" => &mut s.target_session_attrs,
            "load_balance_hosts" => &mut s.load_balance_hosts,
            "schema" => &mut s.schema,
            "client_encoding" => {
                let v = value.to_ascii_lowercase();
                if !matches!(v.as_str(), "utf8" | "utf-8" | "unicode" | "auto" | "") {
                    warnings.push(format!(
                        "ignored `client_encoding={}`: db-migrate always talks UTF8 to the server",
                        scrub(value)
                    ));
                }
                continue;
            }
            "pgbouncer" => {
                pgbouncer = matches!(value.to_ascii_lowercase().as_str(), "true" | "1");
                warnings.push(
                    "ignored `pgbouncer` (a Prisma setting, not a PostgreSQL connection parameter); the URL is treated as a transaction-mode pooler".to_owned(),
                );
                continue;
            }
            k if PRISMA_KEYS.contains(&k) => {
                warnings.push(format!(
                    "ignored `{k}` (a Prisma setting, not a PostgreSQL connection parameter)"
                ));
                continue;
            }
            "supa" => {
                warnings.push(
                    "ignored `supa` (a Supabase pooler setting, not a PostgreSQL connection parameter)".to_owned(),
                );
                continue;
            }
            "uselibpqcompat" => {
                warnings.push(
                    "ignored `uselibpqcompat` (a node-postgres setting); sslmode follows libpq here anyway".to_owned(),
                );
                continue;
            }
            k if LIBPQ_UNSUPPORTED.contains(&k) => {
                warnings.push(format!("ignored `{k}`: not supported by db-migrate"));
                continue;
            }
            k => {
                warnings.push(format!(
                    "ignored unknown connection parameter `{}`",
                    scrub(k.to_owned())
                ));
                continue;
            }
        };
        *slot = Some(value);
    }

    let invalid = |key: &str, value: &str, expected: &str| UrlError::InvalidParameter {
        url: masked.clone(),
        key: key.to_owned(),
        value: scrub(value.to_owned()),
        expected: expected.to_owned(),
    };
    let env_invalid = |key: &str, value: &str, expected: &str| UrlError::InvalidParameter {
        url: "the environment".to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
        expected: expected.to_owned(),
    };
    let nonempty = |v: Option<String>| v.filter(|v| !v.is_empty());

    let mut config = postgres::Config::new();

    // Credentials and database.
    if let Some(user) = nonempty(s.user.clone())
        .or_else(|| nonempty(env("PGUSER")))
        .or_else(|| nonempty(env("USER")))
        .or_else(|| nonempty(env("LOGNAME")))
    {
        config.user(&user);
    }
    if let Some(password) = s.password.clone().or_else(|| nonempty(env("PGPASSWORD"))) {
        config.password(password);
    }
    if let Some(dbname) = nonempty(s.dbname.clone()).or_else(|| nonempty(env("PGDATABASE"))) {
        config.dbname(&dbname);
    }

    // Hosts, addresses, ports.
    let mut hosts: Vec<String> = nonempty(s.hosts.clone())
        .or_else(|| nonempty(env("PGHOST")))
        .map(|h| h.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let mut hostaddrs = Vec::new();
    if let Some(list) = nonempty(s.hostaddrs.clone()) {
        for addr in list.split(',') {
            let ip: IpAddr = addr
                .trim()
                .parse()
                .map_err(|_| invalid("hostaddr", addr, "a numeric IPv4 or IPv6 address"))?;
            hostaddrs.push(ip);
        }
    }
    if hosts.iter().any(|h| h.is_empty()) {
        return Err(UrlError::Malformed {
            url: masked.clone(),
            reason: "empty host name in the host list".to_owned(),
        });
    }
    if !hosts.is_empty() && !hostaddrs.is_empty() && hosts.len() != hostaddrs.len() {
        return Err(UrlError::Malformed {
            url: masked.clone(),
            reason: format!(
                "{} hosts but {} hostaddrs; give one hostaddr per host",
                hosts.len(),
                hostaddrs.len()
            ),
        });
    }
    if hosts.is_empty() {
        if hostaddrs.is_empty() {
            hosts.push(default_host());
        } else {
            // The host name is what TLS checks; without one, use the address.
            hosts = hostaddrs.iter().map(ToString::to_string).collect();
        }
    }
    let default_port = match nonempty(env("PGPORT")) {
        Some(p) => parse_port(&p).ok_or_else(|| env_invalid("PGPORT", &p, "a port number"))?,
        None => 5432,
    };
    let mut ports = Vec::new();
    let ports_text = s.ports.clone().filter(|(p, _)| !p.is_empty());
    if let Some((list, from_authority)) = &ports_text {
        for port in list.split(',') {
            if port.is_empty() {
                ports.push(default_port);
                continue;
            }
            match parse_port(port) {
                Some(p) => ports.push(p),
                None if *from_authority => {
                    return Err(UrlError::Malformed {
                        url: masked.clone(),
                        reason: "a port is not a number between 1 and 65535; if the password contains `@`, `:`, `/`, `?` or `#`, percent-encode them (%40, %3A, %2F, %3F, %23)".to_owned(),
                    });
                }
                None => return Err(invalid("port", port, "a number between 1 and 65535")),
            }
        }
    }
    if ports.is_empty() {
        ports.push(default_port);
    }
    if ports.len() > 1 && ports.len() != hosts.len() {
        return Err(UrlError::Malformed {
            url: masked.clone(),
            reason: format!(
                "{} ports for {} hosts; give one port, or one per host",
                ports.len(),
                hosts.len()
            ),
        });
    }
    for host in &hosts {
        if host.starts_with('/') {
            config.host_path(host);
        } else {
            config.host(host);
        }
    }
    for addr in &hostaddrs {
        config.hostaddr(*addr);
    }
    for port in &ports {
        config.port(*port);
    }
    let all_unix = hostaddrs.is_empty() && hosts.iter().all(|h| h.starts_with('/'));

    // Session settings.
    let mut options = nonempty(s.options.clone());
    if let Some(schema) = nonempty(s.schema.clone()) {
        let setting = format!("-c search_path={}", escape_option(&quote_ident(&schema)));
        warnings.push(format!(
            "mapped Prisma's `schema={schema}` to `options={setting}`"
        ));
        options = Some(match options {
            Some(o) => format!("{o} {setting}"),
            None => setting,
        });
    }
    if let Some(options) = &options {
        config.options(options);
    }
    let application_name = nonempty(s.application_name.clone())
        .or_else(|| nonempty(env("PGAPPNAME")))
        .or_else(|| nonempty(s.fallback_application_name.clone()))
        .unwrap_or_else(|| DEFAULT_APPLICATION_NAME.to_owned());
    config.application_name(&application_name);

    // Timeouts and keepalives.
    let timeout = match nonempty(s.connect_timeout.clone()) {
        Some(v) => Some(parse_seconds(&v).ok_or_else(|| {
            invalid(
                "connect_timeout",
                &v,
                "a whole number of seconds (0 = wait forever)",
            )
        })?),
        None => match nonempty(env("PGCONNECT_TIMEOUT")) {
            Some(v) => Some(parse_seconds(&v).ok_or_else(|| {
                env_invalid("PGCONNECT_TIMEOUT", &v, "a whole number of seconds")
            })?),
            None => None,
        },
    };
    match timeout {
        Some(0) => {}
        Some(secs) => {
            config.connect_timeout(Duration::from_secs(secs));
        }
        None => {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
    }
    if let Some(v) = nonempty(s.tcp_user_timeout.clone()) {
        let ms = parse_seconds(&v)
            .ok_or_else(|| invalid("tcp_user_timeout", &v, "a whole number of milliseconds"))?;
        if ms > 0 {
            config.tcp_user_timeout(Duration::from_millis(ms));
        }
    }
    if let Some(v) = nonempty(s.keepalives.clone()) {
        match v.as_str() {
            "0" => config.keepalives(false),
            "1" => config.keepalives(true),
            _ => return Err(invalid("keepalives", &v, "0 or 1")),
        };
    }
    if let Some(v) = nonempty(s.keepalives_idle.clone()) {
        let secs = parse_seconds(&v)
            .ok_or_else(|| invalid("keepalives_idle", &v, "a whole number of seconds"))?;
        if secs > 0 {
            config.keepalives_idle(Duration::from_secs(secs));
        }
    }
    if let Some(v) = nonempty(s.keepalives_interval.clone()) {
        let secs = parse_seconds(&v)
            .ok_or_else(|| invalid("keepalives_interval", &v, "a whole number of seconds"))?;
        if secs > 0 {
            config.keepalives_interval(Duration::from_secs(secs));
        }
    }
    if let Some(v) = nonempty(s.keepalives_count.clone()) {
        let n: u32 = v
            .parse()
            .map_err(|_| invalid("keepalives_count", &v, "a whole number"))?;
        config.keepalives_retries(n);
    }
    if let Some(v) = nonempty(s.target_session_attrs.clone()) {
        config.target_session_attrs(match v.as_str() {
            "any" => TargetSessionAttrs::Any,
            "read-write" => TargetSessionAttrs::ReadWrite,
            "read-only" => TargetSessionAttrs::ReadOnly,
            _ => {
                return Err(invalid(
                    "target_session_attrs",
                    &v,
                    "any, read-write or read-only (primary, standby and prefer-standby are not supported)",
                ));
            }
        });
    }
    if let Some(v) = nonempty(s.load_balance_hosts.clone()) {
        config.load_balance_hosts(match v.as_str() {
            "disable" => LoadBalanceHosts::Disable,
            "random" => LoadBalanceHosts::Random,
            _ => return Err(invalid("load_balance_hosts", &v, "disable or random")),
        });
    }

    // TLS.
    let root_cert = match nonempty(s.sslrootcert.clone()).or_else(|| nonempty(env("PGSSLROOTCERT")))
    {
        Some(v) if v == "system" => Some(RootCert::System),
        Some(v) => Some(RootCert::File(resolve(base_dir, Path::new(&v)))),
        None => None,
    };
    let ssl_mode = match nonempty(s.sslmode.clone()) {
        Some(v) => SslMode::parse(&v).ok_or_else(|| {
            invalid(
                "sslmode",
                &v,
                "disable, allow, prefer, require, verify-ca or verify-full",
            )
        })?,
        None => match nonempty(s.ssl_flag.clone()) {
            Some(flag) => {
                let mode = match flag.to_ascii_lowercase().as_str() {
                    "true" | "1" | "on" | "require" => SslMode::Require,
                    "false" | "0" | "off" => SslMode::Disable,
                    _ => return Err(invalid("ssl", &flag, "true or false (or use sslmode)")),
                };
                warnings.push(format!(
                    "interpreted `ssl={flag}` as `sslmode={}`; prefer the libpq parameter sslmode",
                    mode.as_str()
                ));
                mode
            }
            None => match nonempty(env("PGSSLMODE")) {
                Some(v) => SslMode::parse(&v).ok_or_else(|| {
                    env_invalid(
                        "PGSSLMODE",
                        &v,
                        "disable, allow, prefer, require, verify-ca or verify-full",
                    )
                })?,
                None if root_cert == Some(RootCert::System) => SslMode::VerifyFull,
                None => SslMode::Prefer,
            },
        },
    };
    if root_cert == Some(RootCert::System) && ssl_mode != SslMode::VerifyFull {
        return Err(invalid(
            "sslmode",
            ssl_mode.as_str(),
            "verify-full together with sslrootcert=system (the system store only makes sense when the host name is checked)",
        ));
    }
    if ssl_mode == SslMode::Allow {
        warnings.push(
            "`sslmode=allow` is treated like `prefer`: TLS is tried first, then plain TCP"
                .to_owned(),
        );
    }
    let client_cert = match (nonempty(s.sslcert.clone()), nonempty(s.sslkey.clone())) {
        (Some(cert), Some(key)) => Some(ClientCert {
            cert: resolve(base_dir, Path::new(&cert)),
            key: resolve(base_dir, Path::new(&key)),
        }),
        (Some(_), None) => {
            warnings.push(
                "ignored `sslcert` without `sslkey`: in libpq `sslcert` is the client certificate; for the server's CA certificate use `sslrootcert`".to_owned(),
            );
            None
        }
        (None, Some(_)) => {
            warnings.push("ignored `sslkey` without `sslcert`".to_owned());
            None
        }
        (None, None) => None,
    };
    if let Some(v) = nonempty(s.sslnegotiation.clone()) {
        config.ssl_negotiation(match v.as_str() {
            "postgres" => SslNegotiation::Postgres,
            "direct" => {
                if matches!(ssl_mode, SslMode::Allow | SslMode::Prefer) {
                    return Err(invalid(
                        "sslnegotiation",
                        &v,
                        "postgres, or direct only with sslmode=require or stricter",
                    ));
                }
                SslNegotiation::Direct
            }
            _ => return Err(invalid("sslnegotiation", &v, "postgres or direct")),
        });
    }
    config.ssl_mode(match ssl_mode {
        // libpq never uses TLS over Unix sockets.
        _ if all_unix => PgSslMode::Disable,
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Allow | SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
    });
    if let Some(v) = nonempty(s.channel_binding.clone()) {
        config.channel_binding(match v.as_str() {
            "disable" => ChannelBinding::Disable,
            "prefer" => ChannelBinding::Prefer,
            "require" => ChannelBinding::Require,
            _ => return Err(invalid("channel_binding", &v, "disable, prefer or require")),
        });
    }

    Ok(PgTarget {
        config,
        ssl_mode,
        root_cert,
        client_cert,
        masked_url: masked,
        warnings,
        pgbouncer,
    })
}

fn parse_port(s: &str) -> Option<u16> {
    s.trim().parse::<u16>().ok().filter(|p| *p != 0)
}

/// A non-negative whole number; negative values mean "none" in libpq, so they become 0.
fn parse_seconds(s: &str) -> Option<u64> {
    let n: i64 = s.trim().parse().ok()?;
    Some(u64::try_from(n).unwrap_or(0))
}

/// libpq's default when no host is given: the Unix socket directory.
fn default_host() -> String {
    #[cfg(unix)]
    {
        for dir in ["/var/run/postgresql", "/tmp"] {
            if Path::new(dir).is_dir() {
                return dir.to_owned();
            }
        }
    }
    "localhost".to_owned()
}

/// Quotes a schema name for `search_path` unless it is a plain lower-case identifier.
fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Escapes a value for the server's `options` string (split on spaces, `\` escapes).
fn escape_option(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '\\' || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------

fn parse_sqlite(
    input: &str,
    scheme: &str,
    after: &str,
    base_dir: &Path,
) -> Result<DatabaseUrl, UrlError> {
    // `sqlite://x` and `file://x` → x; `sqlite:///abs` → /abs.
    let rest = after.strip_prefix("//").unwrap_or(after);
    // SQLite URI parameters (`?mode=ro`) and fragments are not part of the path.
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    // `sqlite://user:pw@host/...`: an authority with credentials, before the path.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    if after.starts_with("//") && rest[..authority_end].contains('@') {
        return Err(UrlError::SqliteCredentials {
            url: mask_input(input),
        });
    }
    let path = if scheme == "file" || after.starts_with("//") {
        percent_decode(rest)
    } else {
        rest.to_owned()
    };
    if path == ":memory:" || path == "memory" {
        return Err(UrlError::SqliteMemory {
            url: input.to_owned(),
        });
    }
    if path.is_empty() {
        return Err(UrlError::SqliteMissingPath {
            url: input.to_owned(),
        });
    }
    Ok(DatabaseUrl::Sqlite(SqliteTarget {
        path: resolve(base_dir, Path::new(&path)),
        url: input.to_owned(),
    }))
}

/// `path` made absolute against `base_dir`, with `.` components removed.
fn resolve(base_dir: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    };
    joined
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests;
