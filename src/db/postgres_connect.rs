//! Connecting to PostgreSQL: TLS with libpq `sslmode` semantics and clear,
//! password-free error messages.

use std::error::Error as _;
use std::io;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use postgres::config::Host;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::{CertCheck, PgTarget, RootCert, mask_password};

/// What kind of failure a [`ConnectError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    /// Wrong user or password, or the server's `pg_hba.conf` rejected us.
    Auth,
    /// TLS could not be set up: certificate not trusted, wrong host name, TLS off on the server, …
    Tls,
    /// The host name could not be resolved.
    Dns,
    /// Nothing listens at that address (TCP refused, or no Unix socket).
    Refused,
    /// No answer in time.
    Timeout,
    /// The server is there but the database is not.
    DatabaseNotFound,
    /// The target is unusable as configured (unreadable certificate file, no user name, …).
    Config,
    /// The server refused for another reason (too many connections, starting up, …).
    Server,
    /// Anything else.
    Other,
}

/// A failed connection attempt. The message names the masked URL and never
/// contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not connect to {url}: {message}{}", .hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
pub struct ConnectError {
    /// What kind of failure this is.
    pub kind: ConnectErrorKind,
    /// The masked URL.
    pub url: String,
    /// What went wrong.
    pub message: String,
    /// What to try, if we have an idea.
    pub hint: Option<String>,
}

impl ConnectError {
    fn new(target: &PgTarget, kind: ConnectErrorKind, message: &str, hint: Option<&str>) -> Self {
        ConnectError {
            kind,
            url: target.masked_url.clone(),
            message: scrub(target, message),
            hint: hint.map(str::to_owned),
        }
    }
}

/// Masks URLs and `password=` in `text`, and removes the target's password
/// wherever it appears verbatim.
fn scrub(target: &PgTarget, text: &str) -> String {
    let mut text = mask_password(text);
    if let Some(password) = target.config.get_password()
        && let Ok(password) = std::str::from_utf8(password)
        && password.len() >= 2
    {
        text = text.replace(password, "****");
    }
    text
}

/// Opens a connection to `target`.
///
/// TLS follows libpq's `sslmode`: `disable` never encrypts; `allow`/`prefer`
/// encrypt when the server offers TLS; `require` insists on TLS but does not
/// check the certificate (unless `sslrootcert` is set, then like `verify-ca`);
/// `verify-ca` checks the chain; `verify-full` checks chain and host name.
///
/// The whole attempt, including the startup handshake, is bounded by
/// `connect_timeout` per host; a server that accepts the TCP connection but
/// never answers is reported as a timeout (the stuck attempt is abandoned on
/// a background thread).
pub fn connect(target: &PgTarget) -> Result<postgres::Client, ConnectError> {
    let tls = MakeRustlsConnect::new(tls_config(target)?);
    let result = match overall_limit(target) {
        None => target.config.connect(tls),
        Some(limit) => {
            let (tx, rx) = mpsc::sync_channel(1);
            let config = target.config.clone();
            std::thread::Builder::new()
                .name("db-migrate-connect".to_owned())
                .spawn(move || {
                    let _ = tx.send(config.connect(tls));
                })
                .map_err(|e| {
                    ConnectError::new(
                        target,
                        ConnectErrorKind::Other,
                        &format!("could not start the connection thread: {e}"),
                        None,
                    )
                })?;
            match rx.recv_timeout(limit) {
                Ok(result) => result,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(ConnectError::new(
                        target,
                        ConnectErrorKind::Timeout,
                        &format!(
                            "the server did not answer within {}s",
                            limit.as_secs().max(1)
                        ),
                        Some(
                            "check the host and port (is it really PostgreSQL listening there?), firewalls, or raise connect_timeout",
                        ),
                    ));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(ConnectError::new(
                        target,
                        ConnectErrorKind::Other,
                        "the connection attempt ended unexpectedly",
                        None,
                    ));
                }
            }
        }
    };
    result.map_err(|e| classify(target, &e))
}

/// The time the whole attempt may take: `connect_timeout` for each host, plus
/// a little slack so that rust-postgres' own TCP timeout fires first.
fn overall_limit(target: &PgTarget) -> Option<Duration> {
    let per_host = *target.config.get_connect_timeout()?;
    let hosts = u32::try_from(target.config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
    Some(per_host.saturating_mul(hosts) + Duration::from_secs(1))
}

// ---------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------

fn tls_config(target: &PgTarget) -> Result<ClientConfig, ConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_error =
        |message: String| ConnectError::new(target, ConnectErrorKind::Tls, &message, None);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("could not set up TLS: {e}")))?;

    let verifier: Arc<dyn ServerCertVerifier> = match target.cert_check() {
        CertCheck::NoTls | CertCheck::AcceptAny => Arc::new(AcceptAnyCertificate {
            algorithms: provider.signature_verification_algorithms,
        }),
        check @ (CertCheck::Chain | CertCheck::Full) => {
            let roots = Arc::new(root_store(target)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| tls_error(format!("could not set up certificate checks: {e}")))?;
            if check == CertCheck::Chain {
                Arc::new(ChainOnly { inner: webpki })
            } else {
                webpki
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);

    let mut config = match &target.client_cert {
        None => builder.with_no_client_auth(),
        Some(client) => {
            let unreadable = |what: &str, path: &std::path::Path, e: &dyn std::fmt::Display| {
                ConnectError::new(
                    target,
                    ConnectErrorKind::Config,
                    &format!("could not read {what} {}: {e}", path.display()),
                    Some("sslcert and sslkey must be PEM files"),
                )
            };
            let certs = CertificateDer::pem_file_iter(&client.cert)
                .map_err(|e| unreadable("sslcert", &client.cert, &e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unreadable("sslcert", &client.cert, &e))?;
            let key = PrivateKeyDer::from_pem_file(&client.key)
                .map_err(|e| unreadable("sslkey", &client.key, &e))?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                ConnectError::new(
                    target,
                    ConnectErrorKind::Config,
                    &format!("unusable client certificate or key: {e}"),
                    Some("check that sslkey is the private key for sslcert"),
                )
            })?
        }
    };
    // PostgreSQL 17 requires this ALPN protocol for direct TLS; older servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

/// Roots for `verify-ca`/`verify-full`: the `sslrootcert` file alone, or the
/// system store plus the bundled Mozilla roots.
fn root_store(target: &PgTarget) -> Result<RootCertStore, ConnectError> {
    let mut roots = RootCertStore::empty();
    match &target.root_cert {
        Some(RootCert::File(path)) => {
            let unreadable = |e: &dyn std::fmt::Display| {
                ConnectError::new(
                    target,
                    ConnectErrorKind::Config,
                    &format!("could not read sslrootcert {}: {e}", path.display()),
                    Some(
                        "sslrootcert must be a PEM file with the server's CA certificate(s), or `system`",
                    ),
                )
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| unreadable(&e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unreadable(&e))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(unreadable(&"no usable certificate in the file"));
            }
        }
        Some(RootCert::System) | None => {
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
    }
    Ok(roots)
}

/// `require`/`prefer`: any certificate is accepted, but the handshake
/// signatures are still verified against it, so the session is bound to the
/// certificate the server presented (which channel binding relies on).
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; only a host name
/// mismatch is forgiven.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            // webpki checks the name only after the chain has been verified.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

// ---------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------

const PASSWORD_HINT: &str = "check the user name and password; special characters in a URL password must be percent-encoded (@ %40, : %3A, / %2F, ? %3F, # %23)";

fn classify(target: &PgTarget, err: &postgres::Error) -> ConnectError {
    use ConnectErrorKind as K;
    let new =
        |kind, message: &str, hint: Option<&str>| ConnectError::new(target, kind, message, hint);

    if let Some(db) = err.as_db_error() {
        let message = db.message();
        let code = db.code().code();
        return match code {
            "28P01" => new(K::Auth, message, Some(PASSWORD_HINT)),
            "28000" if message.contains("no encryption") => new(
                K::Auth,
                message,
                Some("the server only accepts TLS connections; use sslmode=require (or stricter)"),
            ),
            "28000" => new(
                K::Auth,
                message,
                Some("the server's pg_hba.conf does not allow this user/database/address"),
            ),
            "3D000" => new(
                K::DatabaseNotFound,
                message,
                Some(
                    "create it first (e.g. `createdb <name>`) or fix the database name in the URL",
                ),
            ),
            "53300" => new(
                K::Server,
                message,
                Some(
                    "the server has no free connection slots; close other clients or connect through a pooler",
                ),
            ),
            "57P03" => new(
                K::Server,
                message,
                Some("the server is starting up or shutting down; try again in a moment"),
            ),
            _ => new(K::Server, &format!("{message} (SQLSTATE {code})"), None),
        };
    }

    let top = err.to_string();
    let source = err.source();
    let source_text = source.map(ToString::to_string).unwrap_or_default();
    let io_error = source.and_then(|s| s.downcast_ref::<io::Error>());

    match top.as_str() {
        "error performing TLS handshake" => classify_tls(target, io_error, &source_text),
        "error connecting to server" => {
            let Some(io) = io_error else {
                return new(K::Other, &source_text, None);
            };
            let text = io.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("lookup address")
                || lower.contains("name or service not known")
                || lower.contains("nodename nor servname")
                || lower.contains("name resolution")
                || lower.contains("no address associated")
                || lower.contains("could not resolve")
            {
                let hosts = tcp_host_names(target);
                return new(
                    K::Dns,
                    &format!("could not resolve host name {hosts}"),
                    Some("check the host name for typos, and your network/DNS"),
                );
            }
            match io.kind() {
                io::ErrorKind::ConnectionRefused => new(
                    K::Refused,
                    "connection refused",
                    Some(
                        "is the server running, and accepting TCP connections on that host and port?",
                    ),
                ),
                io::ErrorKind::NotFound => new(
                    K::Refused,
                    &format!("no server socket at {}", unix_socket_paths(target)),
                    Some(
                        "is the server running locally? check the socket directory (host=…) and port",
                    ),
                ),
                io::ErrorKind::TimedOut => new(
                    K::Timeout,
                    "timed out while connecting",
                    Some(
                        "check the host and port, firewalls and security groups, or raise connect_timeout",
                    ),
                ),
                io::ErrorKind::PermissionDenied
                    if text.contains("writes") || text.contains("read only") =>
                {
                    new(K::Server, &text, Some("check target_session_attrs"))
                }
                io::ErrorKind::PermissionDenied => new(K::Other, &text, None),
                _ if lower.contains("network is unreachable") || lower.contains("no route") => new(
                    K::Refused,
                    &text,
                    Some(
                        "the host is not reachable from this machine (IPv6-only hosts need IPv6 connectivity)",
                    ),
                ),
                _ => new(K::Other, &text, None),
            }
        }
        "authentication error" => {
            let hint = if source_text.contains("channel binding") {
                Some(
                    "channel_binding=require needs TLS (sslmode=require or stricter) and SCRAM authentication",
                )
            } else {
                Some(PASSWORD_HINT)
            };
            new(
                K::Auth,
                &format!("authentication failed: {source_text}"),
                hint,
            )
        }
        "invalid configuration" => {
            if source_text.contains("password missing") {
                new(
                    K::Auth,
                    "the server asked for a password, but none was given",
                    Some("put it in the URL (postgres://user:password@host/db) or set PGPASSWORD"),
                )
            } else if source_text.contains("user missing") {
                new(
                    K::Config,
                    "no user name given",
                    Some("put it in the URL (postgres://user@host/db) or set PGUSER"),
                )
            } else {
                new(K::Config, &source_text, None)
            }
        }
        "timeout waiting for server" => new(
            K::Timeout,
            "timed out waiting for the server",
            Some("raise connect_timeout, or check that the host and port are right"),
        ),
        "error communicating with the server" | "connection closed" => new(
            K::Other,
            &format!("{top}: {source_text}"),
            Some(
                "the server closed the connection during startup; is that port really PostgreSQL, and is sslmode right for it?",
            ),
        ),
        _ if source_text.is_empty() => new(K::Other, &top, None),
        _ => new(K::Other, &format!("{top}: {source_text}"), None),
    }
}

fn classify_tls(
    target: &PgTarget,
    io_error: Option<&io::Error>,
    source_text: &str,
) -> ConnectError {
    use ConnectErrorKind as K;
    let new = |message: &str, hint: &str| ConnectError::new(target, K::Tls, message, Some(hint));

    if source_text.contains("server does not support TLS") {
        return new(
            "the server does not support TLS",
            "use sslmode=prefer or sslmode=disable for this server, or turn on ssl in postgresql.conf",
        );
    }
    let rustls_error = io_error
        .and_then(|e| e.get_ref())
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    let Some(rustls_error) = rustls_error else {
        return new(
            &format!("TLS handshake failed: {source_text}"),
            "check sslmode and sslrootcert",
        );
    };
    let message = format!("TLS handshake failed: {rustls_error}");
    match rustls_error {
        rustls::Error::InvalidCertificate(cert_error) => match cert_error {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => new(
                &format!(
                    "the server's certificate is not signed by a trusted certificate authority ({rustls_error})"
                ),
                "pass the server's CA certificate with sslrootcert=/path/to/ca.pem (hosted databases like Supabase publish theirs), or use sslmode=require to encrypt without checking the certificate",
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                new(
                    &format!(
                        "the server's certificate does not match the host name ({rustls_error})"
                    ),
                    "connect with a host name the certificate lists, or use sslmode=verify-ca to check only the certificate chain",
                )
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => new(
                &format!(
                    "the server's certificate is outside its validity period ({rustls_error})"
                ),
                "renew the server certificate, or check this machine's clock",
            ),
            _ => new(
                &message,
                "check the server certificate, sslmode and sslrootcert",
            ),
        },
        _ => new(
            &message,
            "check sslmode (disable, prefer, require, verify-ca, verify-full) and sslrootcert",
        ),
    }
}

fn unix_socket_paths(target: &PgTarget) -> String {
    let ports = target.config.get_ports();
    let paths: Vec<String> = target
        .config
        .get_hosts()
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match h {
            Host::Tcp(_) => None,
            #[cfg(unix)]
            Host::Unix(dir) => {
                let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
                Some(dir.join(format!(".s.PGSQL.{port}")).display().to_string())
            }
        })
        .collect();
    paths.join(", ")
}

fn tcp_host_names(target: &PgTarget) -> String {
    let names: Vec<String> = target
        .config
        .get_hosts()
        .iter()
        .filter_map(|h| match h {
            Host::Tcp(name) => Some(format!("\"{name}\"")),
            #[cfg(unix)]
            Host::Unix(_) => None,
        })
        .collect();
    names.join(", ")
}
