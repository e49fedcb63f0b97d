//! `rebase`: after two branches each generated a migration from the same
//! parent, regenerate the newest one on top of the other, so its snapshot
//! and SQL include both branches' changes in order.

use crate::config::Config;
use crate::migrations::MigrationSet;
use crate::report::{self, OK, WARN};
use crate::schema::Schema;

use super::generate::{GenerateArgs, write_changes};
use super::{CommandResult, Outcome, declared_schema, problem, shown};

/// What `rebase` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RebaseArgs {
    /// Rebase even though migration.sql was edited after it was generated.
    pub force: bool,
    /// `--rename OLD=NEW` decisions for the regenerated migration.
    pub renames: Vec<String>,
    /// `--create NEW` decisions.
    pub created: Vec<String>,
}

/// Runs `rebase`.
pub fn run(config: &Config, args: &RebaseArgs) -> CommandResult {
    let set = MigrationSet::load(&config.migrations_dir)?;
    let forks = set.forks();
    let Some(fork) = forks.last() else {
        report::line(
            OK,
            "✓",
            "nothing to rebase: every migration follows the one before it",
        );
        return Ok(done(None, &[]));
    };
    let newest = set.last().map(|m| m.id.clone()).unwrap_or_default();
    if fork.migration != newest {
        return Err(problem(
            format!(
                "{} does not follow the migration before it, but it is not the newest one ({newest}); rebase regenerates only the newest",
                fork.migration
            ),
            Some("rebase one branch's migrations at a time: move the later ones aside, rebase, and generate them again".into()),
        ));
    }
    let Some(m) = set.get(&fork.migration) else {
        return Ok(done(None, &[]));
    };
    let Some(meta) = m.meta.as_ref().filter(|_| m.has_snapshot()) else {
        return Err(problem(
            format!("{} is hand-written (no snapshot): rebase cannot regenerate it", m.id),
            Some("check it still applies after the migration before it; give it a later id by renaming its folder".into()),
        ));
    };
    if meta.checksum != m.checksum && !args.force {
        return Err(problem(
            format!(
                "{}'s migration.sql was edited after it was generated; regenerating it would lose the edits",
                m.id
            ),
            Some("carry the edits over by hand after rebasing, then pass --force".into()),
        ));
    }
    let previous_id = fork.previous.clone();
    let declared = declared_schema(config)?;
    let previous = previous_id
        .as_deref()
        .and_then(|id| set.snapshot_after(id, Some(declared.dialect)))
        .unwrap_or_else(|| Schema::empty(declared.dialect));

    // Move the old migration aside; put it back if regenerating fails.
    let old_dir = m.dir.clone();
    let aside = config.migrations_dir.join(format!(".rebase-{}", m.id));
    std::fs::rename(&old_dir, &aside).map_err(|e| {
        problem(
            format!("could not move {} aside: {e}", shown(&old_dir)),
            None,
        )
    })?;
    let name = m.name().to_string();
    let remaining = match MigrationSet::load(&config.migrations_dir) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::rename(&aside, &old_dir);
            return Err(e.into());
        }
    };
    let generate = GenerateArgs {
        name: name.clone(),
        empty: false,
        renames: args.renames.clone(),
        created: args.created.clone(),
    };
    match write_changes(
        config,
        remaining,
        &name,
        &previous,
        &declared,
        &generate,
        jiff::Timestamp::now(),
    ) {
        Ok(written) => {
            let _ = std::fs::remove_dir_all(&aside);
            report::line(
                OK,
                "rebased",
                &format!(
                    "{} on {}: regenerated from the schema as it is now",
                    m.id,
                    previous_id.as_deref().unwrap_or("an empty database")
                ),
            );
            report::line(
                WARN,
                "note",
                "if the old migration was applied to a database already, that database has its changes: check it with `db-migrate check`",
            );
            Ok(done(Some(&m.id), &written))
        }
        Err(e) => {
            let _ = std::fs::rename(&aside, &old_dir);
            Err(e)
        }
    }
}

/// Ends `rebase`; with `--json`, the final object names the replaced
/// migration and lists the ones written in its place.
fn done(replaced: Option<&str>, written: &[serde_json::Value]) -> Outcome {
    if report::json() {
        report::json_done(
            "rebase",
            0,
            serde_json::json!({ "replaced": replaced, "migrations": written }),
        );
    }
    Outcome::Clean
}
