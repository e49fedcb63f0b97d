//! MySQL and MariaDB: the URL (`mysql://`, `mariadb://`), connecting with
//! or without TLS, and a blocking session over `mysql_async` on a
//! current-thread runtime (as `postgres` drives tokio-postgres).

use std::path::{Path, PathBuf};

use mysql_async::prelude::Queryable;

use super::connection::StatementError;
use super::driver::{NamedRows, Rows};
use super::url::{MASK, UrlError};

/// How the connection is encrypted: the mysql client's `--ssl-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MysqlSsl {
    /// No TLS.
    Disabled,
    /// TLS when the server offers it, without checking its certificate (the default).
    Preferred,
    /// TLS, without checking the certificate.
    Required,
    /// TLS, with the certificate checked against the trusted roots.
    VerifyCa,
    /// TLS, with the certificate and the host name checked.
    VerifyIdentity,
}

impl MysqlSsl {
    fn parse(value: &str) -> Option<MysqlSsl> {
        match value.to_ascii_lowercase().replace('-', "_").as_str() {
            "disabled" | "disable" | "false" | "0" => Some(MysqlSsl::Disabled),
            "preferred" | "prefer" => Some(MysqlSsl::Preferred),
            "required" | "require" | "true" | "1" => Some(MysqlSsl::Required),
            "verify_ca" => Some(MysqlSsl::VerifyCa),
            "verify_identity" | "verify_full" | "strict" => Some(MysqlSsl::VerifyIdentity),
            _ => None,
        }
    }
}

/// A MySQL or MariaDB server and database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlTarget {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// A Unix socket to connect through instead of TCP.
    pub socket: Option<PathBuf>,
    /// The user.
    pub user: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// The database migrations run in.
    pub database: String,
    /// TLS.
    pub ssl: MysqlSsl,
    /// Trusted roots (`ssl-ca`), for `VERIFY_CA` and `VERIFY_IDENTITY`.
    pub root_cert: Option<PathBuf>,
    /// The URL for display, with the password replaced by `****`.
    pub masked_url: String,
}

/// Parses what follows `mysql://` or `mariadb://`:
/// `user:password@host:port/database?ssl-mode=REQUIRED&ssl-ca=ca.pem&socket=/run/mysqld.sock`.
/// `sslmode`, `ssl` (`true`/`false`) and Prisma's `sslaccept=strict` are read too.
pub fn parse_url(rest: &str, masked: &str, base_dir: &Path) -> Result<MysqlTarget, UrlError> {
    let malformed = |reason: &str| UrlError::Malformed {
        url: masked.to_string(),
        reason: reason.to_string(),
    };
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = main.split_once('/').unwrap_or((main, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((name, pass)) => (Some(decode(name)), Some(decode(pass))),
            None => (Some(decode(u)), None),
        },
        None => (None, None),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => {
            let port = p.parse::<u16>().map_err(|_| UrlError::InvalidParameter {
                url: masked.to_string(),
                key: "port".into(),
                value: p.to_string(),
                expected: "a port number".into(),
            })?;
            (h.trim_matches(['[', ']']).to_string(), port)
        }
        _ => (hostport.trim_matches(['[', ']']).to_string(), 3306),
    };
    let database = decode(path.trim_end_matches('/'));
    if database.is_empty() {
        return Err(malformed(
            "no database: write mysql://user:password@host:3306/database",
        ));
    }
    let mut target = MysqlTarget {
        host: if host.is_empty() {
            "localhost".into()
        } else {
            host
        },
        port,
        socket: None,
        user,
        password,
        database,
        ssl: MysqlSsl::Preferred,
        root_cert: None,
        masked_url: masked.to_string(),
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        let invalid = |expected: &str| UrlError::InvalidParameter {
            url: masked.to_string(),
            key: key.to_string(),
            value: value.clone(),
            expected: expected.to_string(),
        };
        match key.to_ascii_lowercase().replace('_', "-").as_str() {
            "ssl-mode" | "sslmode" | "ssl" => {
                target.ssl = MysqlSsl::parse(&value).ok_or_else(|| {
                    invalid("DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
                })?;
            }
            "sslaccept" => {
                target.ssl = match value.as_str() {
                    "strict" => MysqlSsl::VerifyIdentity,
                    "accept-invalid-certs" | "accept_invalid_certs" => MysqlSsl::Required,
                    _ => return Err(invalid("strict or accept_invalid_certs")),
                };
            }
            "ssl-ca" | "sslca" | "sslrootcert" | "sslcert" => {
                let path = PathBuf::from(&value);
                target.root_cert = Some(if path.is_absolute() {
                    path
                } else {
                    base_dir.join(path)
                });
            }
            "socket" => target.socket = Some(PathBuf::from(value)),
            // Driver options of other clients that change nothing here.
            "charset" | "connection-limit" | "connect-timeout" | "timezone" => {}
            _ => {
                return Err(invalid(
                    "a known parameter: ssl-mode, ssl-ca, sslaccept or socket",
                ));
            }
        }
    }
    if target.root_cert.is_some() && target.ssl == MysqlSsl::Preferred {
        target.ssl = MysqlSsl::VerifyCa;
    }
    Ok(target)
}

fn decode(s: &str) -> String {
    super::url::percent_decode(s)
}

/// A blocking MySQL session.
pub struct MysqlConn {
    runtime: tokio::runtime::Runtime,
    conn: Option<mysql_async::Conn>,
}

impl MysqlTarget {
    fn opts(&self, tls: bool) -> mysql_async::Opts {
        let mut builder = mysql_async::OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(self.user.clone())
            .pass(self.password.clone())
            .db_name(Some(self.database.clone()))
            .prefer_socket(false)
            .stmt_cache_size(0);
        if let Some(socket) = &self.socket {
            builder = builder.socket(Some(socket.to_string_lossy().into_owned()));
        }
        if tls {
            let mut ssl = mysql_async::SslOpts::default();
            match self.ssl {
                MysqlSsl::Disabled | MysqlSsl::Preferred | MysqlSsl::Required => {
                    ssl = ssl.with_danger_accept_invalid_certs(true);
                }
                MysqlSsl::VerifyCa => ssl = ssl.with_danger_skip_domain_validation(true),
                MysqlSsl::VerifyIdentity => {}
            }
            if let Some(root) = &self.root_cert {
                ssl = ssl.with_root_certs(vec![root.clone().into()]);
            }
            builder = builder.ssl_opts(Some(ssl));
        }
        builder.into()
    }
}

/// Opens a session; the error names the server without its password.
pub fn connect(target: &MysqlTarget) -> Result<MysqlConn, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the MySQL driver: {e}"))?;
    let attempt = |tls: bool| runtime.block_on(mysql_async::Conn::new(target.opts(tls)));
    let conn = match target.ssl {
        MysqlSsl::Disabled => attempt(false),
        // PREFERRED: without TLS when the server does not offer it.
        MysqlSsl::Preferred => match attempt(true) {
            Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            )) => attempt(false),
            other => other,
        },
        _ => attempt(true),
    };
    let conn = conn.map_err(|e| describe_connect_error(target, &e))?;
    Ok(MysqlConn {
        runtime,
        conn: Some(conn),
    })
}

fn describe_connect_error(target: &MysqlTarget, e: &mysql_async::Error) -> String {
    let text = e.to_string();
    let text = match &target.password {
        Some(p) if !p.is_empty() => text.replace(p.as_str(), MASK),
        _ => text,
    };
    let hint = match e {
        mysql_async::Error::Io(_) => "; is the server running and reachable at that host and port?",
        mysql_async::Error::Server(s) if s.code == 1045 => "; check the user and password",
        mysql_async::Error::Server(s) if s.code == 1049 => "; create the database first",
        mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer) => {
            "; the server does not offer TLS: use ssl-mode=DISABLED or PREFERRED"
        }
        _ => "",
    };
    format!("cannot connect to {}: {text}{hint}", target.masked_url)
}

impl From<mysql_async::Error> for StatementError {
    fn from(e: mysql_async::Error) -> StatementError {
        match e {
            mysql_async::Error::Server(s) => StatementError {
                message: s.message,
                code: Some(format!("{} ({})", s.code, s.state)),
                position: None,
                detail: None,
                hint: None,
            },
            other => StatementError {
                message: other.to_string(),
                code: None,
                position: None,
                detail: None,
                hint: None,
            },
        }
    }
}

/// A value as text, the way the server prints it; `None` for NULL.
fn text(value: mysql_async::Value) -> Option<String> {
    use mysql_async::Value;
    Some(match value {
        Value::NULL => return None,
        Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(f) => f.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")
        }
        Value::Time(neg, days, h, mi, s, us) => format!(
            "{}{:02}:{mi:02}:{s:02}.{us:06}",
            if neg { "-" } else { "" },
            u32::from(h) + days * 24
        ),
    })
}

impl MysqlConn {
    /// Runs statements that return no rows.
    pub fn execute(&mut self, sql: &str) -> Result<(), StatementError> {
        let runtime = &self.runtime;
        let conn = self.conn.as_mut().ok_or_else(lost)?;
        runtime.block_on(conn.query_drop(sql)).map_err(Into::into)
    }

    /// Rows of a query, every column as text (NULL as `None`); `params` are
    /// bound to its `?` placeholders.
    pub fn query(
        &mut self,
        sql: &str,
        params: Vec<mysql_async::Value>,
    ) -> Result<Rows, StatementError> {
        Ok(self.query_named(sql, params)?.1)
    }

    /// [`MysqlConn::query`] with the result's column names (empty when there are no rows).
    pub fn query_named(
        &mut self,
        sql: &str,
        params: Vec<mysql_async::Value>,
    ) -> Result<NamedRows, StatementError> {
        let runtime = &self.runtime;
        let conn = self.conn.as_mut().ok_or_else(lost)?;
        let rows: Vec<mysql_async::Row> = if params.is_empty() {
            runtime.block_on(conn.query(sql))?
        } else {
            runtime.block_on(conn.exec(sql, mysql_async::Params::Positional(params)))?
        };
        let names = rows.first().map_or_else(Vec::new, |r| {
            r.columns_ref()
                .iter()
                .map(|c| c.name_str().into_owned())
                .collect()
        });
        let rows = rows
            .into_iter()
            .map(|row| {
                row.unwrap_raw()
                    .into_iter()
                    .map(|value| value.and_then(text))
                    .collect()
            })
            .collect();
        Ok((names, rows))
    }

    /// The server's id of this session, for `KILL QUERY`.
    pub fn id(&self) -> Option<u32> {
        self.conn.as_ref().map(|c| c.id())
    }
}

fn lost() -> StatementError {
    StatementError {
        message: "the connection to the server was lost".into(),
        code: None,
        position: None,
        detail: None,
        hint: None,
    }
}

impl Drop for MysqlConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = self.runtime.block_on(conn.disconnect());
        }
    }
}

impl super::driver::Driver for MysqlConn {
    fn dialect(&self) -> crate::schema::Dialect {
        crate::schema::Dialect::Mysql
    }

    fn execute(&mut self, sql: &str) -> Result<(), StatementError> {
        MysqlConn::execute(self, sql)
    }

    fn begin_after(&mut self, settings: &[String]) -> Result<(), StatementError> {
        for s in settings {
            MysqlConn::execute(self, s)?;
        }
        MysqlConn::execute(self, "START TRANSACTION")
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".to_string()
    }

    fn rows_named(
        &mut self,
        sql: &str,
        params: &[super::session::Param<'_>],
    ) -> Result<NamedRows, StatementError> {
        use super::session::Param;
        let values = params
            .iter()
            .map(|p| match *p {
                Param::Text(t) => t.into(),
                Param::Int(n) => n.into(),
                Param::Bool(b) => b.into(),
            })
            .collect();
        self.query_named(sql, values)
    }

    fn inspect(
        &mut self,
        scope: &crate::inspect::Scope,
        expected: &crate::schema::Schema,
    ) -> Result<crate::schema::Schema, String> {
        crate::inspect::mysql::inspect(
            &mut |sql| self.query(sql, Vec::new()).map_err(|e| e.to_string()),
            scope,
            expected,
        )
    }

    fn row_counts(
        &mut self,
    ) -> Option<std::collections::HashMap<crate::schema::QualifiedName, f64>> {
        crate::inspect::table_sizes::mysql_row_estimates(&mut |sql| {
            self.query(sql, Vec::new()).map_err(|e| e.to_string())
        })
    }

    fn canceller(
        &self,
        url: &super::url::DatabaseUrl,
        session: Option<i32>,
    ) -> Option<super::session::Canceller> {
        match (url, session) {
            (super::url::DatabaseUrl::Mysql(t), Some(id)) => {
                Some(super::session::Canceller::Mysql {
                    target: Box::new(t.clone()),
                    id: u32::try_from(id).ok()?,
                    conn: None,
                })
            }
            _ => None,
        }
    }

    fn session_id(&mut self) -> Option<i32> {
        self.id().and_then(|id| i32::try_from(id).ok())
    }

    fn running_elsewhere(&mut self, statement: &str) -> Option<super::watch::Blocker> {
        let rows = self
            .query(
                "SELECT ID, USER, COALESCE(STATE, ''), INFO, TIME FROM information_schema.PROCESSLIST \
                 WHERE ID <> CONNECTION_ID() AND DB = DATABASE() AND COMMAND = 'Query' \
                   AND LENGTH(INFO) > 0 AND LOCATE(INFO, ?) = 1",
                vec![statement.into()],
            )
            .ok()?;
        let row = rows.into_iter().next()?;
        let field = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        Some(super::watch::Blocker {
            pid: field(0).parse().unwrap_or(0),
            application: field(1),
            state: field(2),
            query: field(3),
            seconds: field(4).parse().unwrap_or(0.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_with_their_tls_settings() {
        let base = Path::new("/project");
        let cases: [(&str, &str, u16, &str, MysqlSsl); 5] = [
            (
                "u:p@db.example.com/app",
                "db.example.com",
                3306,
                "app",
                MysqlSsl::Preferred,
            ),
            (
                "u@127.0.0.1:3307/app?ssl-mode=DISABLED",
                "127.0.0.1",
                3307,
                "app",
                MysqlSsl::Disabled,
            ),
            (
                "u:p%40ss@h/app?sslaccept=strict",
                "h",
                3306,
                "app",
                MysqlSsl::VerifyIdentity,
            ),
            ("u:p@h/app?ssl=true", "h", 3306, "app", MysqlSsl::Required),
            (
                "u:p@h/app?ssl-ca=ca.pem",
                "h",
                3306,
                "app",
                MysqlSsl::VerifyCa,
            ),
        ];
        for (rest, host, port, db, ssl) in cases {
            let t = parse_url(rest, "masked", base).expect(rest);
            assert_eq!(
                (t.host.as_str(), t.port, t.database.as_str(), t.ssl),
                (host, port, db, ssl),
                "{rest}"
            );
        }
        let t = parse_url("u:p%40ss@h/app?ssl-ca=ca.pem", "m", base).expect("parses");
        assert_eq!(t.password.as_deref(), Some("p@ss"));
        assert_eq!(t.root_cert, Some(PathBuf::from("/project/ca.pem")));
        for bad in [
            "u:p@h",
            "u:p@h:port/app",
            "u:p@h/app?ssl-mode=maybe",
            "u:p@h/app?wat=1",
        ] {
            assert!(parse_url(bad, "masked", base).is_err(), "{bad}");
        }
    }
}
