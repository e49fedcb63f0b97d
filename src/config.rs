//! Settings, layered: command-line flags > environment (`DATABASE_URL`, then
//! `.env` in the project folder) > `db-migrate.toml` > drizzle-kit's
//! `drizzle.config.*` > defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::history::LockMode;
use crate::schema::Dialect;
use crate::schema::names::Naming;
use crate::source::drizzle::{self, Casing, DrizzleConfig, SchemaError};

/// The config file in the project folder.
pub const CONFIG_FILE: &str = "db-migrate.toml";
/// Where the guide keeps the schema.
pub const DEFAULT_SCHEMA: &str = "shared/schema.ts";
/// The default migrations folder.
pub const DEFAULT_MIGRATIONS: &str = "migrations";
/// The default history table.
pub const DEFAULT_HISTORY_TABLE: &str = "db_migrate_history";

/// A problem with the configuration (exit code 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    /// The project folder given with `-C` does not exist.
    #[error("project folder {0} does not exist")]
    NoProjectDir(PathBuf),
    /// db-migrate.toml could not be read or parsed.
    #[error("{path}: {message}")]
    #[diagnostic(help(
        "valid keys: schema, migrations, database_url, history_table, casing, constraint_names, loader, lock_timeout, lock, ddl_lock_timeout, statement_timeout, lock_retries, ignore (see the README)"
    ))]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// .env could not be parsed.
    #[error("{path}: {message}")]
    BadEnvFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// drizzle.config.* could not be evaluated.
    #[error(transparent)]
    #[diagnostic(transparent)]
    DrizzleConfig(#[from] SchemaError),
    /// drizzle.config.* has a setting db-migrate cannot use.
    #[error("{path}: {message}")]
    #[diagnostic(help("{help}"))]
    BadDrizzleConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
    },
}

/// What `db-migrate.toml` may contain.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    schema: Option<OneOrMany>,
    migrations: Option<String>,
    database_url: Option<String>,
    history_table: Option<String>,
    casing: Option<String>,
    constraint_names: Option<String>,
    lock_timeout: Option<u64>,
    lock: Option<String>,
    ddl_lock_timeout: Option<f64>,
    statement_timeout: Option<f64>,
    lock_retries: Option<u32>,
    loader: Option<String>,
    ignore: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Values given on the command line (None = not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `-C <dir>`.
    pub project_dir: Option<PathBuf>,
    /// `--schema`.
    pub schema: Option<String>,
    /// `--migrations`.
    pub migrations: Option<PathBuf>,
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--history-table`.
    pub history_table: Option<String>,
    /// `--lock-timeout` in seconds.
    pub lock_timeout: Option<u64>,
    /// `--lock advisory|table`.
    pub lock_mode: Option<String>,
    /// `--ddl-lock-timeout` in seconds (0 = off).
    pub ddl_lock_timeout: Option<f64>,
    /// `--statement-timeout` in seconds (0 = off).
    pub statement_timeout: Option<f64>,
    /// `--lock-retries`.
    pub lock_retries: Option<u32>,
    /// `--no-timeouts`: leave the server's settings alone.
    pub no_timeouts: bool,
    /// `--loader`.
    pub loader: Option<SchemaLoader>,
    /// `--tenant-schema`: run on this PostgreSQL schema as if it were `public`.
    pub tenant_schema: Option<String>,
    /// `--no-journal`: leave `migrations/applied/` alone.
    pub no_journal: bool,
}

/// How the declared schema is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaLoader {
    /// Statically, without Node (the default).
    #[default]
    Static,
    /// With the project's own Node and drizzle-kit (`drizzle-kit/api`).
    Node,
}

/// drizzle-kit's migrator settings (`migrations.table`/`migrations.schema`),
/// kept for importing a drizzle-kit history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrizzleMigrations {
    /// `migrations.table` (drizzle-kit's default: `__drizzle_migrations`).
    pub table: Option<String>,
    /// `migrations.schema` (drizzle-kit's default: `drizzle`).
    pub schema: Option<String>,
}

/// Where the database URL came from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlSource {
    /// `--database-url`.
    Flag,
    /// The `DATABASE_URL` environment variable.
    Environment,
    /// `DATABASE_URL` in the project's `.env`.
    DotEnv,
    /// `database_url` in db-migrate.toml.
    ConfigFile,
    /// `dbCredentials` in drizzle.config.*.
    DrizzleConfig,
}

impl std::fmt::Display for UrlSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UrlSource::Flag => "--database-url",
            UrlSource::Environment => "DATABASE_URL",
            UrlSource::DotEnv => "DATABASE_URL in .env",
            UrlSource::ConfigFile => "database_url in db-migrate.toml",
            UrlSource::DrizzleConfig => "dbCredentials in the drizzle config",
        })
    }
}

/// The resolved settings of one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project folder; relative paths are resolved against it.
    pub project_dir: PathBuf,
    /// Schema files or globs, relative to the project folder.
    pub schema: Vec<String>,
    /// The migrations folder.
    pub migrations_dir: PathBuf,
    /// The database URL and where it came from.
    pub database_url: Option<(String, UrlSource)>,
    /// The history table, `name` or `schema.name`.
    pub history_table: String,
    /// Column naming for columns declared without a name.
    pub casing: Casing,
    /// `constraint_names`: the default names of unnamed constraints
    /// (drizzle-kit 0.x's, or 1.x's for a project generated by drizzle-kit 1.x).
    pub naming: Naming,
    /// How long `apply` waits for another run's lock.
    pub lock_timeout: Duration,
    /// How runs exclude each other; `None` picks advisory locks, or a lease
    /// table behind a transaction-mode pooler.
    pub lock_mode: Option<LockMode>,
    /// PostgreSQL `lock_timeout` for migration statements (`None` = leave as is, zero = off).
    pub ddl_lock_timeout: Option<Duration>,
    /// PostgreSQL `statement_timeout` for migration statements (`None` = leave as is, zero = off).
    pub statement_timeout: Option<Duration>,
    /// How often a migration is retried after a statement timed out waiting for a lock.
    pub lock_retries: u32,
    /// How the declared schema is read.
    pub loader: SchemaLoader,
    /// The dialect drizzle.config.* declares, which the schema must agree with.
    pub dialect: Option<Dialect>,
    /// The drizzle-kit config file that was read, if any.
    pub drizzle_config: Option<DrizzleConfig>,
    /// drizzle.config's `schemaFilter`: PostgreSQL schemas inspected (for `check`,
    /// `push`, `diff --from db`) besides the default one and those the schema
    /// declares, so their undeclared tables count as drift.
    pub schema_filter: Vec<String>,
    /// drizzle.config's `migrations` settings.
    pub drizzle_migrations: Option<DrizzleMigrations>,
    /// Settings taken from drizzle.config whose values are not known statically.
    pub unknown_settings: Vec<&'static str>,
    /// `process.env` for the schema and config files: the environment over `.env`.
    pub env: Vec<(String, String)>,
    /// The live tables and views db-migrate manages (drizzle.config's
    /// `tablesFilter`, db-migrate.toml's `ignore`).
    pub table_filter: crate::inspect::TableFilter,
    /// A PostgreSQL schema the migrations run in instead of `public`
    /// (schema-per-tenant): `public` in their SQL means it, the session's
    /// `search_path` is it, and the history table is in it.
    pub tenant_schema: Option<String>,
    /// Whether `apply` and `down` keep `migrations/applied/<id>.json` (not in
    /// fleets: each database's history table is the record there).
    pub journal: bool,
}

/// Default PostgreSQL `lock_timeout` for migration statements, in seconds.
pub const DEFAULT_DDL_LOCK_TIMEOUT: f64 = 5.0;
/// Default number of retries after a lock timeout.
pub const DEFAULT_LOCK_RETRIES: u32 = 3;

impl Config {
    /// Resolves the settings from flags, environment, `.env` and db-migrate.toml.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let project_dir = match &overrides.project_dir {
            Some(dir) if !dir.is_dir() => return Err(ConfigError::NoProjectDir(dir.clone())),
            Some(dir) => dir.clone(),
            None => PathBuf::from("."),
        };
        // Absolute, so paths mean the same to every part (messages show them
        // relative to the project folder).
        let project_dir = std::path::absolute(&project_dir).unwrap_or(project_dir);
        let file = read_file_config(&project_dir)?;
        let dotenv = read_dotenv(&project_dir)?;
        let env = process_env(&dotenv);
        let drizzle = read_drizzle_config(&project_dir, &env)?;
        let mut unknown_settings = Vec::new();
        let drizzle_setting = |key: &'static str, unknown: &mut Vec<&'static str>| {
            if drizzle.as_ref().is_some_and(|d| d.unknown(key).is_some()) {
                unknown.push(key);
            }
        };

        let schema = match (&overrides.schema, file.schema) {
            (Some(s), _) => vec![s.clone()],
            (None, Some(OneOrMany::One(s))) => vec![s],
            (None, Some(OneOrMany::Many(v))) => v,
            (None, None) => match drizzle.as_ref().and_then(|d| d.schema.clone()) {
                Some(v) => v,
                None if drizzle
                    .as_ref()
                    .is_some_and(|d| d.unknown("schema").is_some()) =>
                {
                    drizzle_setting("schema", &mut unknown_settings);
                    Vec::new()
                }
                None => vec![DEFAULT_SCHEMA.to_string()],
            },
        };
        let migrations = overrides
            .migrations
            .clone()
            .or(file.migrations.map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_MIGRATIONS));
        let drizzle_url = match &drizzle {
            Some(d) => drizzle_url(d)?,
            None => None,
        };
        let database_url = overrides
            .database_url
            .clone()
            .map(|u| (u, UrlSource::Flag))
            .or_else(|| non_empty_env("DATABASE_URL").map(|u| (u, UrlSource::Environment)))
            .or_else(|| {
                dotenv
                    .get("DATABASE_URL")
                    .cloned()
                    .map(|u| (u, UrlSource::DotEnv))
            })
            .or_else(|| file.database_url.map(|u| (u, UrlSource::ConfigFile)))
            .or_else(|| drizzle_url.map(|u| (u, UrlSource::DrizzleConfig)))
            // An empty value (`url: process.env.DATABASE_URL ?? ""`) means no URL.
            .filter(|(u, _)| !u.trim().is_empty());
        if database_url.is_none() {
            drizzle_setting("dbCredentials", &mut unknown_settings);
        }
        let (casing, casing_file) = match (file.casing, drizzle.as_ref()) {
            (Some(c), _) => (Some(c), project_dir.join(CONFIG_FILE)),
            (None, Some(d)) => {
                if d.casing.is_none() {
                    drizzle_setting("casing", &mut unknown_settings);
                }
                (d.casing.clone(), d.path.clone())
            }
            (None, None) => (None, project_dir.join(CONFIG_FILE)),
        };
        let casing = match casing.as_deref() {
            None | Some("preserve") => Casing::Preserve,
            Some("snake_case") => Casing::SnakeCase,
            Some("camelCase") => Casing::CamelCase,
            Some(other) => {
                return Err(ConfigError::BadFile {
                    path: casing_file,
                    message: format!(
                        "casing must be \"snake_case\", \"camelCase\" or \"preserve\", not {other:?}"
                    ),
                });
            }
        };
        let naming = match file.constraint_names.as_deref() {
            None => Naming::default(),
            Some(text) => Naming::parse(text).ok_or_else(|| ConfigError::BadFile {
                path: project_dir.join(CONFIG_FILE),
                message: format!(
                    "constraint_names must be \"drizzle-kit-0\" or \"drizzle-kit-1\", not {text:?}"
                ),
            })?,
        };
        let lock_mode = match overrides.lock_mode.clone().or(file.lock) {
            None => None,
            Some(text) => Some(LockMode::parse(&text).ok_or_else(|| ConfigError::BadFile {
                path: project_dir.join(CONFIG_FILE),
                message: format!("lock must be \"advisory\" or \"table\", not {text:?}"),
            })?),
        };
        let seconds = |flag: Option<f64>, file: Option<f64>, default: f64| -> Option<Duration> {
            if overrides.no_timeouts {
                return None;
            }
            let s = flag.or(file).unwrap_or(default);
            Some(Duration::from_secs_f64(if s.is_finite() && s > 0.0 {
                s
            } else {
                0.0
            }))
        };
        let loader = match (overrides.loader, file.loader.as_deref()) {
            (Some(l), _) => l,
            (None, None | Some("static")) => SchemaLoader::Static,
            (None, Some("node")) => SchemaLoader::Node,
            (None, Some(other)) => {
                return Err(ConfigError::BadFile {
                    path: project_dir.join(CONFIG_FILE),
                    message: format!("loader must be \"static\" or \"node\", not {other:?}"),
                });
            }
        };
        let dialect = match &drizzle {
            Some(d) => {
                if d.dialect.is_none() {
                    drizzle_setting("dialect", &mut unknown_settings);
                }
                drizzle_dialect(d)?
            }
            None => None,
        };
        let drizzle_migrations = drizzle.as_ref().and_then(|d| {
            (d.migrations_table.is_some() || d.migrations_schema.is_some()).then(|| {
                DrizzleMigrations {
                    table: d.migrations_table.clone(),
                    schema: d.migrations_schema.clone(),
                }
            })
        });
        let tables_filter = drizzle
            .as_ref()
            .map(|d| d.tables_filter.clone())
            .unwrap_or_default();
        let table_filter = crate::inspect::TableFilter::new(
            &tables_filter,
            file.ignore.as_deref().unwrap_or(&[]),
        )
        .map_err(|message| ConfigError::BadFile {
            path: project_dir.join("db-migrate.toml"),
            message: format!(
                "invalid table pattern in `ignore` or drizzle.config's tablesFilter: {message}"
            ),
        })?;
        Ok(Config {
            env,
            table_filter,
            lock_mode,
            ddl_lock_timeout: seconds(
                overrides.ddl_lock_timeout,
                file.ddl_lock_timeout,
                DEFAULT_DDL_LOCK_TIMEOUT,
            ),
            statement_timeout: seconds(overrides.statement_timeout, file.statement_timeout, 0.0),
            lock_retries: overrides
                .lock_retries
                .or(file.lock_retries)
                .unwrap_or(DEFAULT_LOCK_RETRIES),
            migrations_dir: project_dir.join(migrations),
            schema,
            database_url,
            history_table: {
                let table = overrides
                    .history_table
                    .clone()
                    .or(file.history_table)
                    .unwrap_or_else(|| DEFAULT_HISTORY_TABLE.to_string());
                match &overrides.tenant_schema {
                    Some(tenant) if !table.contains('.') => format!("{tenant}.{table}"),
                    _ => table,
                }
            },
            tenant_schema: overrides.tenant_schema.clone(),
            journal: !overrides.no_journal,
            casing,
            naming,
            lock_timeout: Duration::from_secs(
                overrides.lock_timeout.or(file.lock_timeout).unwrap_or(60),
            ),
            loader,
            dialect,
            schema_filter: drizzle
                .as_ref()
                .map(|d| d.schema_filter.clone())
                .unwrap_or_default(),
            drizzle_migrations,
            drizzle_config: drizzle,
            unknown_settings,
            project_dir,
        })
    }

    /// The problem with a setting taken from drizzle.config whose value is not
    /// known statically (`schema`, `casing`, `dialect`, `dbCredentials`).
    pub fn unknown_setting(&self, key: &str) -> Option<SchemaError> {
        if !self.unknown_settings.contains(&key) {
            return None;
        }
        self.drizzle_config.as_ref().and_then(|d| d.unknown(key))
    }

    /// A path relative to the project folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.project_dir.join(relative)
    }
}

/// Reads drizzle.config.* (with `.env` under the process environment as
/// `process.env`), unless the project has no such file.
fn read_drizzle_config(
    project_dir: &Path,
    vars: &[(String, String)],
) -> Result<Option<DrizzleConfig>, ConfigError> {
    let Some(path) = drizzle::find_config(project_dir) else {
        return Ok(None);
    };
    Ok(Some(drizzle::read_config(&path, vars)?))
}

/// `process.env` as drizzle-kit's process sees it: the environment over `.env`.
fn process_env(dotenv: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut env: BTreeMap<String, String> = dotenv.clone();
    env.extend(std::env::vars());
    env.into_iter().collect()
}

/// The dialect a drizzle config declares; an error for dialects db-migrate does not support.
fn drizzle_dialect(d: &DrizzleConfig) -> Result<Option<Dialect>, ConfigError> {
    match d.dialect.as_deref() {
        None => Ok(None),
        Some("postgresql") => Ok(Some(Dialect::Postgres)),
        Some("sqlite" | "turso") => Ok(Some(Dialect::Sqlite)),
        Some("mysql") => Ok(Some(Dialect::Mysql)),
        Some(other) => Err(ConfigError::BadDrizzleConfig {
            path: d.path.clone(),
            message: format!("dialect {other:?} is not supported"),
            help: "db-migrate supports \"postgresql\", \"mysql\" and \"sqlite\"".into(),
        }),
    }
}

/// The database URL of a drizzle config's `dbCredentials` (a `url`, or host,
/// port, user, password, database and ssl).
fn drizzle_url(d: &DrizzleConfig) -> Result<Option<String>, ConfigError> {
    let Some(c) = &d.credentials else {
        return Ok(None);
    };
    let sqlite = matches!(d.dialect.as_deref(), Some("sqlite" | "turso"));
    if let Some(url) = &c.url {
        if sqlite && !url.contains(':') {
            return Ok(Some(format!("sqlite:{url}")));
        }
        return Ok(Some(url.clone()));
    }
    let Some(host) = &c.host else {
        return Ok(None);
    };
    if sqlite {
        return Err(ConfigError::BadDrizzleConfig {
            path: d.path.clone(),
            message: "dbCredentials for SQLite needs a `url`".into(),
            help: "write `dbCredentials: { url: './app.db' }`".into(),
        });
    }
    let mut url = String::from(if d.dialect.as_deref() == Some("mysql") {
        "mysql://"
    } else {
        "postgres://"
    });
    if let Some(user) = &c.user {
        url.push_str(&crate::db::url::percent_encode(user));
        if let Some(password) = &c.password {
            url.push(':');
            url.push_str(&crate::db::url::percent_encode(password));
        }
        url.push('@');
    }
    if host.contains(':') && !host.starts_with('[') {
        url.push_str(&format!("[{host}]"));
    } else {
        url.push_str(host);
    }
    if let Some(port) = &c.port {
        url.push(':');
        url.push_str(port);
    }
    url.push('/');
    url.push_str(&crate::db::url::percent_encode(
        c.database.as_deref().unwrap_or("postgres"),
    ));
    if let Some(ssl) = &c.ssl {
        url.push_str("?sslmode=");
        url.push_str(&crate::db::url::percent_encode(ssl));
    }
    Ok(Some(url))
}

fn non_empty_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn read_file_config(project_dir: &Path) -> Result<FileConfig, ConfigError> {
    let path = project_dir.join(CONFIG_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::BadFile {
            path,
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(ConfigError::BadFile {
            path,
            message: e.to_string(),
        }),
    }
}

/// Reads `.env` without touching the process environment.
fn read_dotenv(project_dir: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let path = project_dir.join(".env");
    let iter = match dotenvy::from_path_iter(&path) {
        Ok(iter) => iter,
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(BTreeMap::new());
        }
        Err(e) => {
            return Err(ConfigError::BadEnvFile {
                path,
                message: e.to_string(),
            });
        }
    };
    let mut out = BTreeMap::new();
    for item in iter {
        let (k, v) = item.map_err(|e| ConfigError::BadEnvFile {
            path: path.clone(),
            message: crate::db::url::mask_password(&e.to_string()),
        })?;
        out.insert(k, v);
    }
    Ok(out)
}
