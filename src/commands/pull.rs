//! `pull`: the live database → a Drizzle schema in TypeScript, read back at
//! once with the static reader to check that it describes the same database.

use std::path::PathBuf;

use serde_json::json;

use crate::config::Config;
use crate::diff::{Change, RenameMode, Renames, diff};
use crate::render::typescript::schema_module;
use crate::report::{self, BOLD, OK, WARN};
use crate::schema::Schema;
use crate::source::drizzle::{self, ReadOptions};

use super::{CommandResult, Failure, Outcome, connect, database_url, inspect, shown, usage};

/// What `pull` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct PullArgs {
    /// Where to write (default: the configured schema file, else shared/schema.ts).
    pub out: Option<PathBuf>,
    /// Overwrite an existing file.
    pub force: bool,
    /// Leave out the column names this casing derives from the keys.
    pub casing: drizzle::Casing,
}

/// Runs `pull`.
pub fn run(config: &Config, args: &PullArgs) -> CommandResult {
    let out = match &args.out {
        Some(path) => config.project_dir.join(path),
        None => config.path(
            config
                .schema
                .iter()
                .find(|s| !s.contains(['*', '?', '[']) && s.ends_with(".ts"))
                .map_or("shared/schema.ts", String::as_str),
        ),
    };
    if out.exists() && !args.force {
        return Err(usage(
            format!("{} exists; pull does not overwrite it", shown(&out)),
            "pass --out <file> to write elsewhere, or --force to overwrite it",
        ));
    }
    let (url, _) = database_url(config)?;
    let dialect = url.dialect();
    let mut db = connect(config, Some(dialect))?;
    let live = inspect(&mut db, config, &Schema::empty(dialect))?;
    let casing = args.casing;
    let derive = move |key: &str| casing.apply(key);
    let text = schema_module(
        &live,
        (casing != drizzle::Casing::Preserve).then_some(&derive as &dyn Fn(&str) -> String),
    );
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            usage(
                format!("cannot create {}: {e}", parent.display()),
                "check --out",
            )
        })?;
    }
    std::fs::write(&out, &text).map_err(|e| {
        Failure::problem(super::Message {
            message: format!("could not write {}: {e}", shown(&out)),
            help: None,
        })
    })?;
    report::line(
        OK,
        "pulled",
        &format!(
            "{} table{}, {} enum{}, {} view{} from {} into {}",
            live.tables.len(),
            if live.tables.len() == 1 { "" } else { "s" },
            live.enums.len(),
            if live.enums.len() == 1 { "" } else { "s" },
            live.views.len(),
            if live.views.len() == 1 { "" } else { "s" },
            db.target,
            report::styled(BOLD, &shown(&out))
        ),
    );

    // Read it back: the file must describe the database it came from.
    let reread = drizzle::read(
        std::slice::from_ref(&out),
        &config.project_dir,
        &ReadOptions {
            casing: args.casing,
            naming: config.naming,
            env: None,
            dialect: Some(dialect),
        },
    );
    let lost: Vec<Change> = match &reread {
        Ok(schema) => diff(
            &live,
            schema,
            &Renames::default(),
            RenameMode::DropAndCreate,
        )
        .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let outcome = match (&reread, lost.is_empty()) {
        (Ok(_), true) => {
            report::line(
                OK,
                "✓",
                "read back, it describes the same database. Next: `db-migrate generate init` and `db-migrate baseline <id>`",
            );
            if casing != drizzle::Casing::Preserve {
                report::line(
                    WARN,
                    "note",
                    "column names are left to the casing: set the same `casing` in drizzle.config (or db-migrate.toml)",
                );
            }
            Outcome::Clean
        }
        (Ok(_), false) => {
            report::line(
                WARN,
                "differs",
                "read back, the file does not describe everything in the database; edit it where it differs:",
            );
            for c in &lost {
                report::out(&format!("    {}", c.describe_as_drift()));
            }
            Outcome::Findings
        }
        (Err(e), _) => {
            report::line(
                WARN,
                "unread",
                &format!("the written file does not read back: {e}"),
            );
            Outcome::Findings
        }
    };
    if report::json() {
        report::json_done(
            "pull",
            super::exit_code(outcome),
            json!({
                "path": shown(&out),
                "tables": live.tables.len(),
                "differences": lost.iter().map(Change::describe_as_drift).collect::<Vec<_>>(),
            }),
        );
    }
    Ok(outcome)
}
