//! `baseline <id>`: record every migration up to `<id>` as applied without
//! running it, for a database that already has that schema (checked by
//! comparing the live database with the snapshot after `<id>`).

use crate::config::Config;
use crate::diff::{RenameMode, Renames, diff};
use crate::history;
use crate::migrations::{AppliedRecord, CHECKSUM_VERSION, MigrationSet};
use crate::report::{self, BAD, OK, WARN};
use crate::schema::Schema;

use super::{
    CommandResult, Failure, Outcome, connect_with_url, history_table, inspect, migrations_dialect,
    now_rfc3339, problem, usage,
};

/// What `baseline` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BaselineArgs {
    /// The last migration the database already contains (id, unique prefix or name).
    pub to: String,
    /// Record them even if the database does not match the snapshot.
    pub force: bool,
}

/// Runs `baseline`.
pub fn run(config: &Config, args: &BaselineArgs) -> CommandResult {
    let set = MigrationSet::load(&config.migrations_dir)?;
    let matches: Vec<_> = set
        .migrations
        .iter()
        .filter(|m| m.id == args.to || m.name() == args.to || m.id.starts_with(args.to.as_str()))
        .collect();
    let last = match matches.as_slice() {
        [one] => one.id.clone(),
        [] => {
            return Err(usage(
                format!("no migration {:?}", args.to),
                "give a migration id or name from the migrations folder",
            ));
        }
        _ => {
            return Err(usage(
                format!("{:?} matches {} migrations", args.to, matches.len()),
                "give the full migration id",
            ));
        }
    };
    let (mut db, url) = connect_with_url(config, migrations_dialect(&set))?;
    let table = history_table(config);

    // Does the database have the schema those migrations build?
    let expected = set
        .snapshot_after(&last, Some(db.dialect()))
        .unwrap_or_else(|| Schema::empty(db.dialect()));
    let live = inspect(&mut db, config, &expected)?;
    let differences = diff(
        &expected,
        &live,
        &Renames::default(),
        RenameMode::DropAndCreate,
    )
    .unwrap_or_default();
    if !differences.is_empty() {
        if !args.force {
            let list: Vec<String> = differences
                .iter()
                .map(|c| format!("  - {}", c.describe_as_drift()))
                .collect();
            return Err(problem(
                format!(
                    "{} does not have the schema the migrations up to {last} build; nothing was recorded. \
                     How the database differs:\n{}",
                    db.target,
                    list.join("\n")
                ),
                Some("baseline the migration whose schema the database has, or pass --force to record them anyway".into()),
            ));
        }
        report::eline(
            BAD,
            "WARNING",
            &format!(
                "--force: recording despite {} differences",
                differences.len()
            ),
        );
    }

    let lock = history::acquire_lock(
        &mut db,
        &url,
        &table,
        history::LockMode::Advisory,
        config.lock_timeout,
        |holder| {
            report::eline(
                WARN,
                "waiting",
                &format!("for the migration lock held by {holder}"),
            );
        },
    )
    .map_err(Failure::problem)?;
    let result = (|| {
        history::ensure(&mut db, &table)
            .map_err(|e| problem(format!("could not create the history table: {e}"), None))?;
        let applied = history::read(&mut db, &table)
            .map_err(|e| problem(format!("could not read the history: {e}"), None))?;
        let mut recorded = Vec::new();
        for m in set.migrations.iter().filter(|m| m.id <= last) {
            if applied.iter().any(|a| a.id == m.id) {
                continue;
            }
            let row = history::AppliedMigration {
                id: m.id.clone(),
                checksum: m.checksum.clone(),
                checksum_version: CHECKSUM_VERSION as i32,
                applied_at: now_rfc3339(),
                execution_ms: 0,
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                statements_done: None,
                finished: true,
                error: Some("baseline: recorded without running".into()),
                progress_checksum: None,
            };
            history::record(&mut db, &table, &row)
                .map_err(|e| problem(format!("could not record {}: {e}", m.id), None))?;
            let _ = set.write_applied(&AppliedRecord {
                id: m.id.clone(),
                checksum: m.checksum.clone(),
                checksum_version: CHECKSUM_VERSION,
                applied_at: row.applied_at.clone(),
                execution_ms: 0,
                target: db.target.clone(),
                tool_version: row.tool_version.clone(),
            });
            report::line(OK, "baselined", &m.id);
            recorded.push(m.id.clone());
        }
        report::line(
            OK,
            "✓",
            &format!(
                "{} migration{} recorded as applied on {} (not run)",
                recorded.len(),
                if recorded.len() == 1 { "" } else { "s" },
                db.target
            ),
        );
        if report::json() {
            report::json_done(
                "baseline",
                0,
                serde_json::json!({ "target": db.target, "recorded": recorded }),
            );
        }
        Ok(Outcome::Clean)
    })();
    let _ = lock.release(&mut db);
    result
}
