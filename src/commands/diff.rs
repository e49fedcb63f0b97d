//! `diff --from <source> --to <source>`: the SQL that takes one schema to
//! another, where a source is the declared schema, the migrations' snapshot,
//! the live database or nothing. Exit 1 when they differ, 0 when equal.

use clap::ValueEnum;

use crate::config::Config;
use crate::diff::RenameMode;
use crate::migrations::MigrationSet;
use crate::render::{script, statements};
use crate::report::{self, OK};
use crate::schema::{Dialect, Schema};

use super::{CommandResult, Failure, Outcome, connect, declared_schema, inspect, renames, usage};

/// Where a schema comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// The declared Drizzle schema.
    Schema,
    /// The snapshot of the newest migration.
    Migrations,
    /// The live database (DATABASE_URL).
    Db,
    /// Nothing: every object is created.
    Empty,
}

/// What `diff` was asked to do.
#[derive(Debug, Clone)]
pub struct DiffArgs {
    /// The starting point.
    pub from: Source,
    /// The target.
    pub to: Source,
    /// `--rename OLD=NEW` decisions.
    pub renames: Vec<String>,
    /// `--create NEW` decisions.
    pub created: Vec<String>,
}

/// Runs `diff`.
pub fn run(config: &Config, args: &DiffArgs) -> CommandResult {
    if args.to == Source::Empty {
        return Err(usage(
            "--to empty is not supported",
            "compare towards a real schema: --to schema, --to migrations or --to db",
        ));
    }
    // The declared schema decides the dialect when it takes part; otherwise the migrations do.
    let declared = if args.from == Source::Schema || args.to == Source::Schema {
        Some(declared_schema(config)?)
    } else {
        None
    };
    let set = MigrationSet::load(&config.migrations_dir)?;
    let dialect = declared
        .as_ref()
        .map(|d| d.dialect)
        .or_else(|| set.latest_snapshot(None).map(|s| s.dialect))
        .or_else(|| super::migrations_dialect(&set));
    // A database side is inspected knowing the other side, so that it is read
    // in that side's namespaces and its declared text can be probed: when
    // only `--from` is a database, `--to` is loaded first.
    let db_last = args.from == Source::Db && args.to != Source::Db;
    let (first, second) = if db_last {
        (args.to, args.from)
    } else {
        (args.from, args.to)
    };
    let loaded = load(config, first, declared.as_ref(), &set, dialect, None)?;
    let other = load(
        config,
        second,
        declared.as_ref(),
        &set,
        dialect,
        Some(&loaded),
    )?;
    let (from, to) = if db_last {
        (other, loaded)
    } else {
        (loaded, other)
    };
    if from.dialect != to.dialect {
        return Err(usage(
            format!(
                "cannot compare a {} schema with a {} one",
                from.dialect, to.dialect
            ),
            "both sides must be for the same database",
        ));
    }
    let decisions = renames::from_flags(&args.renames, &args.created, &from, &to)?;
    let rendered = super::changes_sql(&from, &to, &decisions, RenameMode::DropAndCreate)
        .map_err(|a| renames::undecided(&a, "diff"))?;
    let sql = statements(&rendered);
    let outcome = if sql.is_empty() {
        report::eline(OK, "✓", "no differences");
        Outcome::Clean
    } else {
        Outcome::Findings
    };
    if report::json() {
        report::json_done(
            "diff",
            super::exit_code(outcome),
            serde_json::json!({ "statements": sql }),
        );
    } else if !sql.is_empty() {
        anstream::print!("{}", script(&sql));
    }
    Ok(outcome)
}

fn load(
    config: &Config,
    source: Source,
    declared: Option<&Schema>,
    set: &MigrationSet,
    dialect: Option<Dialect>,
    other: Option<&Schema>,
) -> Result<Schema, Failure> {
    let dialect_or_usage = || {
        dialect.ok_or_else(|| {
            usage(
                "cannot tell the database dialect",
                "compare with --from/--to schema or migrations, or generate a migration first",
            )
        })
    };
    match source {
        Source::Schema => Ok(declared
            .cloned()
            .unwrap_or_else(|| Schema::empty(Dialect::Postgres))),
        Source::Migrations => match set.latest_snapshot(dialect) {
            Some(s) => Ok(s),
            None => Ok(Schema::empty(dialect_or_usage()?)),
        },
        Source::Empty => Ok(Schema::empty(dialect_or_usage()?)),
        Source::Db => {
            let mut db = connect(config, dialect)?;
            let expected = other
                .cloned()
                .unwrap_or_else(|| Schema::empty(db.dialect()));
            inspect(&mut db, config, &expected)
        }
    }
}
