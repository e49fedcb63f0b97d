//! One module per subcommand, each a short pipeline over the library's parts,
//! plus the steps they share: reading the declared schema, connecting,
//! turning a diff into SQL.

mod adopt;
pub mod apply;
pub mod baseline;
pub mod check;
pub mod diff;
pub mod down;
pub mod fleet;
pub mod generate;
pub mod import;
pub mod lint;
pub mod pr_report;
pub mod pull;
pub mod push;
pub mod rebase;
mod renames;
pub mod status;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use miette::{Diagnostic, Report};

use crate::config::{Config, SchemaLoader, UrlSource};
use crate::db::Db;
use crate::db::url::DatabaseUrl;
use crate::diff::{Change, RenameMode, Renames, diff};
use crate::history::HistoryTable;
use crate::inspect::Scope;
use crate::migrations::{MigrationSet, MigrationsError};
use crate::plan::{PlanPart, plan};
use crate::render::{Rendered, render};
use crate::report;
use crate::schema::{Dialect, Schema};
use crate::source::drizzle::{self, ReadOptions};
use crate::source::node;

/// How a command that ran to the end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report (exit 0).
    Clean,
    /// Something was found: pending migrations, drift, a refusal (exit 1).
    Findings,
}

/// The exit code of a command that ran to the end.
pub fn exit_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Clean => 0,
        Outcome::Findings => 1,
    }
}

/// Why a command stopped.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or configuration (exit 2).
    Usage(Report),
    /// A problem was found or an operation failed (exit 1).
    Problem(Report),
    /// Stopped by a signal (exit 128 + the signal: 130 for SIGINT, 143 for SIGTERM).
    Interrupted(Report, u8),
}

impl Failure {
    /// A usage error from a diagnostic.
    pub fn usage(d: impl Diagnostic + Send + Sync + 'static) -> Failure {
        Failure::Usage(Report::new(d))
    }

    /// A problem from a diagnostic.
    pub fn problem(d: impl Diagnostic + Send + Sync + 'static) -> Failure {
        Failure::Problem(Report::new(d))
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Problem(_) => 1,
            Failure::Interrupted(_, code) => *code,
        }
    }

    /// The report to print.
    pub fn report(&self) -> &Report {
        match self {
            Failure::Usage(r) | Failure::Problem(r) | Failure::Interrupted(r, _) => r,
        }
    }
}

/// What every command returns.
pub type CommandResult = Result<Outcome, Failure>;

/// A plain message with an optional help line, as a diagnostic.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct Message {
    /// What happened.
    pub message: String,
    /// How to go on.
    #[help]
    pub help: Option<String>,
}

/// A usage error with a hint.
pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Failure {
    Failure::usage(Message {
        message: message.into(),
        help: Some(help.into()),
    })
}

/// A problem with a hint.
pub fn problem(message: impl Into<String>, help: Option<String>) -> Failure {
    Failure::problem(Message {
        message: message.into(),
        help,
    })
}

impl From<MigrationsError> for Failure {
    /// A migrations folder that cannot be read as one is a configuration
    /// error (exit 2); a failed read or write of a file is a problem (exit 1).
    fn from(e: MigrationsError) -> Failure {
        match e {
            MigrationsError::Io { .. } | MigrationsError::Write { .. } => Failure::problem(e),
            MigrationsError::BadName { .. }
            | MigrationsError::DrizzleKitMigration { .. }
            | MigrationsError::MissingSql { .. }
            | MigrationsError::BadMeta { .. } => Failure::usage(e),
        }
    }
}

/// The refusal to drop what hand-written migrations created and the schema
/// does not declare.
pub fn undeclared_failure(undeclared: &[crate::migrations::Created]) -> Failure {
    let list: Vec<String> = undeclared
        .iter()
        .map(|c| format!("{} (created by {})", c.object, c.migration))
        .collect();
    problem(
        format!(
            "the schema does not declare what hand-written migrations created, so this migration would drop it; nothing was written:\n  {}",
            list.join("\n  ")
        ),
        Some(
            "declare each one in the schema as the migration created it (generate then writes nothing for it); if it \
             should go, drop it in a hand-written migration (`db-migrate generate <name> --empty`)"
                .into(),
        ),
    )
}

/// The schema files named by the configuration (paths, folders or globs).
pub fn schema_files(config: &Config) -> Result<Vec<PathBuf>, Failure> {
    if let Some(e) = config.unknown_setting("schema") {
        return Err(Failure::usage(e));
    }
    let mut files = Vec::new();
    for entry in &config.schema {
        let path = config.path(entry);
        if entry.contains(['*', '?', '[']) {
            let pattern = path.to_string_lossy().to_string();
            let matches = glob::glob(&pattern).map_err(|e| {
                usage(
                    format!("invalid schema glob {entry:?}: {e}"),
                    "use a path or a glob such as src/db/*.ts",
                )
            })?;
            let before = files.len();
            for m in matches.flatten() {
                if m.is_file() && is_script(&m) {
                    files.push(m);
                }
            }
            if files.len() == before {
                return Err(usage(
                    format!("no schema files match {entry:?}"),
                    "pass --schema <path|glob>, or set `schema` in db-migrate.toml or drizzle.config",
                ));
            }
        } else if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| {
                    usage(
                        format!("cannot read {}: {e}", path.display()),
                        "check the schema setting",
                    )
                })?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_script(p))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(usage(
                    format!("the schema folder {entry} has no .ts or .js files"),
                    "pass --schema <path|glob>, or set `schema` in db-migrate.toml or drizzle.config",
                ));
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path);
        } else {
            return Err(usage(
                format!(
                    "schema file {entry} not found in {}",
                    config.project_dir.display()
                ),
                "pass --schema <path|glob>, set `schema` in db-migrate.toml, or run from the project folder (-C <dir>)",
            ));
        }
    }
    Ok(files)
}

fn is_script(p: &std::path::Path) -> bool {
    let name = p.to_string_lossy();
    !name.ends_with(".d.ts")
        && matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("ts" | "mts" | "cts" | "js" | "mjs" | "cjs" | "tsx")
        )
}

/// The declared schema and the schema the migrations folder builds (its
/// newest snapshot, with the hand-written migrations after it applied),
/// read at the same time: the snapshot is parsed while the schema files
/// are evaluated.
pub fn declared_and_migrated(
    config: &Config,
    set: &MigrationSet,
) -> Result<(Schema, Schema), Failure> {
    let (declared, newest) = std::thread::scope(|s| {
        let newest = s.spawn(|| set.latest_snapshot(None));
        let declared = declared_schema(config);
        (declared, newest.join())
    });
    let declared = declared?;
    let migrated = match newest {
        Ok(Some(schema)) => schema,
        // Without a snapshot, an empty schema needs the declared dialect.
        Ok(None) => set
            .latest_snapshot(Some(declared.dialect))
            .unwrap_or_else(|| Schema::empty(declared.dialect)),
        Err(panic) => std::panic::resume_unwind(panic),
    };
    Ok((declared, migrated))
}

/// Reads the declared schema (statically, or with Node for `--loader node`)
/// and checks it against the dialect drizzle.config declares.
pub fn declared_schema(config: &Config) -> Result<Schema, Failure> {
    let files = schema_files(config)?;
    if let Some(e) = config.unknown_setting("casing") {
        return Err(Failure::usage(e));
    }
    let schema = match config.loader {
        SchemaLoader::Static => {
            let (schema, warnings) = drizzle::read_with_warnings(
                &files,
                &config.project_dir,
                &ReadOptions {
                    casing: config.casing,
                    naming: config.naming,
                    env: Some(config.env.clone()),
                    dialect: config.dialect,
                },
            )
            .map_err(Failure::usage)?;
            for warning in warnings {
                anstream::eprintln!("{:?}", Report::new(warning));
            }
            schema
        }
        SchemaLoader::Node => {
            node::read(&files, &config.project_dir, config.casing, config.dialect)
                .map_err(Failure::usage)?
        }
    };
    if let Some(dialect) = config.dialect
        && dialect != schema.dialect
    {
        let file = config
            .drizzle_config
            .as_ref()
            .and_then(|d| d.path.file_name())
            .map_or_else(
                || "drizzle.config".to_string(),
                |n| n.to_string_lossy().to_string(),
            );
        return Err(usage(
            format!(
                "{file} declares the {dialect} dialect, but the schema is written for {}",
                schema.dialect
            ),
            match schema.dialect {
                Dialect::Postgres => {
                    "set `dialect: \"postgresql\"`, or write the schema with sqlite-core"
                }
                Dialect::Sqlite => "set `dialect: \"sqlite\"`, or write the schema with pg-core",
                Dialect::Mysql => "set `dialect: \"mysql\"`, or write the schema with pg-core",
            },
        ));
    }
    Ok(schema)
}

/// The configured database URL, parsed; a usage error when there is none.
pub fn database_url(config: &Config) -> Result<(DatabaseUrl, UrlSource), Failure> {
    let Some((url, source)) = &config.database_url else {
        if let Some(e) = config.unknown_setting("dbCredentials") {
            return Err(Failure::usage(e));
        }
        return Err(usage(
            "no database URL",
            "set DATABASE_URL (or put it in .env), pass --database-url, or set database_url in db-migrate.toml; \
             e.g. postgres://user:password@localhost:5432/app or sqlite:app.db",
        ));
    };
    let parsed = DatabaseUrl::parse(url, &config.project_dir).map_err(|e| {
        usage(
            format!("{source} is not a usable database URL: {e}"),
            "use postgres://user:password@host:5432/db[?sslmode=require], mysql://user:password@host:3306/db or sqlite:<path>",
        )
    })?;
    Ok((parsed, *source))
}

/// Connects to the configured database, checking it matches `dialect` when known.
pub fn connect(config: &Config, dialect: Option<Dialect>) -> Result<Db, Failure> {
    connect_with_url(config, dialect).map(|(db, _)| db)
}

/// Like [`connect`], also returning the parsed URL (for second connections).
pub fn connect_with_url(
    config: &Config,
    dialect: Option<Dialect>,
) -> Result<(Db, DatabaseUrl), Failure> {
    let (url, source) = database_url(config)?;
    let url_dialect = url.dialect();
    if let Some(d) = dialect
        && d != url_dialect
    {
        return Err(usage(
            format!(
                "the schema is for {d} but {source} points at {url_dialect} ({})",
                url.masked()
            ),
            match d {
                Dialect::Postgres => "use a postgres:// URL, or write the schema with pgTable",
                Dialect::Sqlite => "use a sqlite:<path> URL, or write the schema with sqliteTable",
                Dialect::Mysql => "use a mysql:// URL, or write the schema with mysqlTable",
            },
        ));
    }
    if let DatabaseUrl::Postgres(pg) = &url {
        for w in &pg.warnings {
            report::eline(report::WARN, "note", w);
        }
    }
    let mut db = Db::connect(&url, config.lock_timeout).map_err(Failure::problem)?;
    if let Some(tenant) = &config.tenant_schema {
        enter_tenant_schema(&mut db, tenant)?;
    }
    Ok((db, url))
}

/// `--tenant-schema`: checks the schema exists and makes it the session's
/// `search_path` (PostgreSQL only).
fn enter_tenant_schema(db: &mut Db, tenant: &str) -> Result<(), Failure> {
    if db.dialect() != Dialect::Postgres {
        return Err(usage(
            format!(
                "--tenant-schema is for PostgreSQL: {} has no schemas of its own",
                db.dialect()
            ),
            "give each tenant its own database (SQLite: its own file) and list them with --targets",
        ));
    }
    let quoted = crate::sql::ident(tenant);
    let exists = db
        .query_column(
            "SELECT nspname::text FROM pg_namespace WHERE nspname = $1",
            &[tenant],
        )
        .map_err(|e| problem(format!("could not look up schema {tenant}: {e}"), None))?;
    if exists.is_empty() {
        return Err(usage(
            format!("schema {tenant} does not exist on {}", db.target),
            format!("create it first: CREATE SCHEMA {quoted};"),
        ));
    }
    db.execute(&format!("SET search_path TO {quoted}"))
        .map_err(|e| problem(format!("could not set search_path to {tenant}: {e}"), None))
}

/// The migrations folder, with `public` in the SQL of each migration (and
/// its down.sql) meaning the tenant schema under `--tenant-schema`.
pub fn load_migrations(config: &Config) -> Result<MigrationSet, Failure> {
    let mut set = MigrationSet::load(&config.migrations_dir)?;
    if let Some(tenant) = &config.tenant_schema {
        for m in &mut set.migrations {
            m.sql = crate::sql::requalify(&m.sql, "public", Some(tenant), Dialect::Postgres);
            if let Some(down) = &mut m.down {
                *down = crate::sql::requalify(down, "public", Some(tenant), Dialect::Postgres);
            }
        }
    }
    Ok(set)
}

/// A schema the migrations built, as it is in the database: under
/// `--tenant-schema`, what is in `public` is in the tenant schema.
pub fn in_database(config: &Config, schema: Schema) -> Schema {
    match &config.tenant_schema {
        Some(tenant) => crate::diff::apply::apply_all(
            &schema,
            &[Change::RenameSchema {
                from: "public".into(),
                to: tenant.clone(),
            }],
        ),
        None => schema,
    }
}

/// The rows of the configured history table (none when it does not exist
/// yet), plus the imported migrations drizzle-kit's migrator applied that it
/// does not have yet (see [`adopt`]).
pub fn applied_migrations(
    db: &mut Db,
    config: &Config,
    set: &MigrationSet,
) -> Result<Vec<crate::history::AppliedMigration>, Failure> {
    let mut applied = crate::history::read(db, &history_table(config)).map_err(|e| {
        problem(
            format!("could not read the history on {}: {e}", db.target),
            None,
        )
    })?;
    let adopted = adopt::applied_by_drizzle_kit(db, config, set, &applied)?;
    applied.extend(adopted);
    Ok(applied)
}

/// The history table named by the configuration.
pub fn history_table(config: &Config) -> HistoryTable {
    HistoryTable::parse(&config.history_table)
}

/// drizzle-kit's history table, as drizzle.config's `migrations` names it.
pub fn drizzle_kit_history_table(config: &Config) -> HistoryTable {
    let settings = config.drizzle_migrations.as_ref();
    crate::history::drizzle_kit::table(
        settings.and_then(|s| s.table.as_deref()),
        settings.and_then(|s| s.schema.as_deref()),
    )
}

/// The dialect the migrations folder is written for, from its newest meta.json.
pub fn migrations_dialect(set: &MigrationSet) -> Option<Dialect> {
    set.migrations
        .iter()
        .rev()
        .find_map(|m| m.meta.as_ref().map(|meta| meta.dialect))
}

/// Inspects the live database, in the namespaces `expected` uses and those
/// drizzle.config's `schemaFilter` names, leaving out db-migrate's and
/// drizzle-kit's history tables.
pub fn inspect(db: &mut Db, config: &Config, expected: &Schema) -> Result<Schema, Failure> {
    let dialect = db.dialect();
    let home = config
        .tenant_schema
        .clone()
        .unwrap_or_else(|| dialect.default_schema().to_string());
    let mut schemas = vec![home];
    schemas.extend(expected.schemas.iter().cloned());
    if dialect == Dialect::Postgres {
        schemas.extend(config.schema_filter.iter().cloned());
    }
    schemas.sort();
    schemas.dedup();
    let scope = Scope {
        schemas,
        exclude_tables: vec![
            history_table(config).qualified(dialect),
            drizzle_kit_history_table(config).qualified(dialect),
        ],
    };
    let target = db.target.clone();
    let result = db.inspect(&scope, expected);
    let mut live = result.map_err(|e| {
        problem(
            format!(
                "could not inspect {target}: {}",
                crate::db::url::mask_password(&e)
            ),
            None,
        )
    })?;
    config.table_filter.retain(&mut live, expected);
    // The tenant schema stands for the default one: it is not created by a migration.
    if let Some(tenant) = &config.tenant_schema {
        live.schemas.retain(|s| s != tenant);
    }
    Ok(live)
}

/// What lint rules use from a live database: the PostgreSQL version and
/// the rows in each table.
#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    /// `server_version_num`.
    pub pg_version: Option<u32>,
    /// Rows per table now (see [`crate::inspect::table_sizes`]).
    pub table_rows: Option<std::collections::HashMap<crate::schema::QualifiedName, f64>>,
}

impl LiveFacts {
    /// Reads them from `db`.
    pub fn read(db: &mut Db) -> LiveFacts {
        LiveFacts {
            pg_version: db.server_version(),
            table_rows: db.row_counts(),
        }
    }
}

/// The lint statements of each migration of `ids` (by id), each read over
/// the schema the migrations before it build, so what a statement leaves
/// unsaid is taken from there (see [`crate::lint::statements_over`]).
///
/// One pass over the folder: the schema is changed in place by each
/// hand-written migration, and a generated migration's snapshot is read
/// only when a listed migration follows it.
pub fn migrations_statements<'s>(
    set: &'s MigrationSet,
    ids: &[&str],
    dialect: Dialect,
) -> HashMap<&'s str, Vec<crate::lint::LintStatement<'static>>> {
    let wanted: HashSet<&str> = ids.iter().copied().collect();
    let mut out = HashMap::new();
    let Some(last) = set
        .migrations
        .iter()
        .rposition(|m| wanted.contains(m.id.as_str()))
    else {
        return out;
    };
    let mut schema: Cow<'s, Schema> = Cow::Owned(Schema::empty(dialect));
    // The migration whose snapshot the schema is now, not read yet.
    let mut at_snapshot: Option<&'s crate::migrations::Migration> = None;
    for m in &set.migrations[..=last] {
        let listed = wanted.contains(m.id.as_str());
        if listed || !m.has_snapshot() {
            if let Some(previous) = at_snapshot.take() {
                match previous.snapshot() {
                    Some(s) => schema = Cow::Borrowed(s),
                    // An unreadable snapshot: its SQL says what it did.
                    None => {
                        crate::lint::statements_over(&previous.sql, schema.to_mut());
                    }
                }
            }
            let statements = if schema.dialect == dialect {
                crate::lint::statements_over(&m.sql, schema.to_mut())
            } else {
                crate::lint::statements_from_sql(&m.sql, dialect)
            };
            if listed {
                out.insert(m.id.as_str(), statements);
            }
        }
        if m.has_snapshot() {
            at_snapshot = Some(m);
        }
    }
    out
}

/// Diffs, plans and renders `from` → `to`.
pub fn changes_sql(
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    mode: RenameMode,
) -> Result<Vec<Rendered>, Vec<crate::diff::Ambiguity>> {
    let changes = diff(from, to, renames, mode)?;
    Ok(render(plan(changes, from, to).changes, to.dialect))
}

/// One part of a rendered plan: its changes with their statements, and
/// whether it runs in a transaction.
pub struct RenderedPart {
    /// The changes, each with its statements, in order.
    pub rendered: Vec<Rendered>,
    /// False when a change cannot run inside a transaction (`CREATE INDEX CONCURRENTLY`).
    pub transactional: bool,
}

/// Plans `changes` (from `from` to `to`) and renders them in the parts that
/// must commit separately (PostgreSQL: a new enum label before its use,
/// `CREATE INDEX CONCURRENTLY` outside a transaction), leaving out empty parts.
pub fn rendered_parts(changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<RenderedPart> {
    let planned = plan(changes, from, to);
    let parts = match to.dialect {
        Dialect::Postgres => crate::plan::parts(planned),
        // MySQL commits every DDL statement by itself: a migration is run
        // statement by statement there whatever its parts.
        Dialect::Sqlite | Dialect::Mysql => vec![PlanPart {
            changes: planned.changes,
            transactional: true,
        }],
    };
    parts
        .into_iter()
        .map(|p| RenderedPart {
            rendered: render(p.changes, to.dialect),
            transactional: p.transactional,
        })
        .filter(|p| p.rendered.iter().any(|r| !r.statements.is_empty()))
        .collect()
}

/// A path as the user knows it: relative to the current folder when inside it.
pub fn shown(path: &std::path::Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| path.display().to_string())
}

/// Current UTC time as RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Milliseconds in a duration, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
