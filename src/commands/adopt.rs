//! Migrations imported from drizzle-kit (`import drizzle-kit`) that
//! drizzle-kit's migrator had applied, found in its history table. `status`,
//! `check` and `lint` take them as applied; `apply` records them in
//! db-migrate's history (in one transaction, never running them).
//!
//! As drizzle-kit's migrator decides: 0.x's takes every imported migration
//! whose journal `when` is at most the newest `created_at` as applied; 1.x's
//! (whose rows carry the migration's `name`) those named by a row. Each must
//! match its row by hash (the sha256 of the file drizzle-kit ran) and each
//! row must match an imported migration; otherwise nothing is taken and the
//! failure names them.

use super::{Failure, problem};
use crate::config::Config;
use crate::db::Db;
use crate::history::AppliedMigration;
use crate::history::drizzle_kit::{self, KitRow};
use crate::migrations::{CHECKSUM_VERSION, DrizzleKitOrigin, Migration, MigrationSet, sha256_hex};

/// The note on history rows taken from drizzle-kit's table.
pub const NOTE: &str = "drizzle-kit: applied by drizzle-kit's migrator";

/// The imported migrations drizzle-kit applied that `ours` (db-migrate's
/// history) does not have yet, as history rows.
pub fn applied_by_drizzle_kit(
    db: &mut Db,
    config: &Config,
    set: &MigrationSet,
    ours: &[AppliedMigration],
) -> Result<Vec<AppliedMigration>, Failure> {
    let imported: Vec<_> = set
        .migrations
        .iter()
        .filter_map(|m| Some((m, m.meta.as_ref()?.drizzle_kit.as_ref()?)))
        .collect();
    if imported
        .iter()
        .all(|(m, _)| ours.iter().any(|a| a.id == m.id))
    {
        // None, or adopted already: db-migrate's history decides from here on.
        return Ok(Vec::new());
    }
    // With the hash drizzle-kit recorded for each: the sha256 of the file it ran.
    let imported: Vec<_> = imported
        .into_iter()
        .map(|(m, origin)| (m, origin, sha256_hex(&m.sql)))
        .collect();
    let table = super::drizzle_kit_history_table(config);
    let shown_table = table.qualified(db.dialect());
    let rows = drizzle_kit::read(db, &table)
        .map_err(|e| {
            problem(
                format!("could not read {shown_table} on {}: {e}", db.target),
                None,
            )
        })?
        .unwrap_or_default();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let by_name = rows.iter().any(|r| r.name.is_some());
    let mut problems = Vec::new();
    // Each applied migration with the row that says so.
    let mut due: Vec<(&Migration, &DrizzleKitOrigin, &str, Option<&KitRow>)> = Vec::new();
    if by_name {
        for row in &rows {
            let name = row.name.as_deref().unwrap_or_default();
            match imported.iter().find(|(_, origin, _)| origin.tag == name) {
                Some((m, origin, hash)) => due.push((m, origin, hash, Some(row))),
                None => problems.push(format!(
                    "a row of {shown_table} ({name}) matches no imported migration: drizzle-kit applied a migration that is not in {}",
                    super::shown(&set.dir)
                )),
            }
        }
    } else {
        let high_water = rows.iter().map(|r| r.created_at).max().unwrap_or(0);
        for row in &rows {
            let known = imported
                .iter()
                .any(|(_, origin, hash)| *hash == row.hash || origin.when == row.created_at);
            if !known {
                problems.push(format!(
                    "a row of {shown_table} (created_at {}) matches no imported migration: drizzle-kit applied a migration that is not in {}",
                    row.created_at,
                    super::shown(&set.dir)
                ));
            }
        }
        for (m, origin, hash) in &imported {
            if origin.when <= high_water {
                let row = rows.iter().find(|r| r.hash == *hash);
                due.push((m, origin, hash, row));
            }
        }
    }
    if due
        .iter()
        .all(|(m, _, _, _)| ours.iter().any(|a| a.id == m.id))
    {
        // Adopted already: db-migrate's history decides from here on.
        return Ok(Vec::new());
    }
    let mut adopted = Vec::new();
    for (m, origin, hash, row) in due {
        let Some(row) = row.filter(|r| r.hash == hash) else {
            problems.push(format!(
                "{} ({}) was applied by drizzle-kit, but its migration.sql is not the file drizzle-kit ran (the hash differs)",
                m.id, origin.tag
            ));
            continue;
        };
        if ours.iter().any(|a| a.id == m.id) {
            continue;
        }
        adopted.push(AppliedMigration {
            id: m.id.clone(),
            checksum: m.checksum.clone(),
            checksum_version: CHECKSUM_VERSION as i32,
            applied_at: rfc3339(row.created_at),
            execution_ms: 0,
            tool_version: "drizzle-kit".into(),
            statements_done: None,
            finished: true,
            error: Some(NOTE.into()),
            progress_checksum: None,
        });
    }
    if !problems.is_empty() {
        return Err(problem(
            format!(
                "drizzle-kit's history in {shown_table} does not match the imported migrations; nothing was taken from it:\n  {}",
                problems.join("\n  ")
            ),
            Some(
                "restore the imported migration.sql from drizzle-kit's folder (`db-migrate import drizzle-kit --force` \
                 writes them again), or import the folder drizzle-kit ran"
                    .into(),
            ),
        ));
    }
    Ok(adopted)
}

/// Milliseconds since the epoch as RFC 3339.
fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}
