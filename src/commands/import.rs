//! `import drizzle-kit`: a drizzle-kit migrations folder (0.x's journal or
//! 1.x's folders) → db-migrate migrations. Each keeps its SQL byte for
//! byte, takes its id from the journal's `when` (UTC; 1.x: the folder's
//! name) and its name from the tag, follows the one before
//! it, and carries the schema drizzle-kit's snapshot recorded after it, so
//! that the next `generate` starts where drizzle-kit stopped and `apply`
//! takes what drizzle-kit's migrator applied as applied. drizzle-kit's folder
//! is only read.

use std::path::PathBuf;

use serde_json::json;

use crate::config::{CONFIG_FILE, Config};
use crate::diff::{Change, RenameMode, Renames, diff};
use crate::migrations::{self, DrizzleKitOrigin, Meta, MigrationSet};
use crate::report::{self, BOLD, OK, WARN};
use crate::schema::Dialect;
use crate::schema::names::Naming;
use crate::source::drizzle_kit::{self, KitMigration, Layout};

use super::{CommandResult, Failure, Outcome, declared_schema, shown, usage};

/// What `import` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ImportArgs {
    /// drizzle-kit's folder (default: drizzle.config's `out`, else `drizzle`).
    pub from: Option<PathBuf>,
    /// Print the plan; write nothing.
    pub dry_run: bool,
    /// Write even though the migrations folder already has migrations.
    pub force: bool,
}

/// Runs `import drizzle-kit`.
pub fn run(config: &Config, args: &ImportArgs) -> CommandResult {
    let from = match &args.from {
        Some(dir) => config.project_dir.join(dir),
        None => config.path(
            config
                .drizzle_config
                .as_ref()
                .and_then(|d| d.out.as_deref())
                .unwrap_or("drizzle"),
        ),
    };
    let folder = drizzle_kit::read(&from).map_err(Failure::usage)?;
    let kit = &folder.migrations;
    if kit.is_empty() {
        return Err(usage(
            format!("{} has no migrations in its journal", shown(&from)),
            "run `drizzle-kit generate` first, or start with `db-migrate generate init`",
        ));
    }
    let set = MigrationSet::load(&config.migrations_dir)?;
    let plan = plan(kit);
    if !set.migrations.is_empty() && !args.force {
        return Err(usage(
            format!(
                "{} already has {} migration{}; import writes the whole history from drizzle-kit",
                shown(&config.migrations_dir),
                set.migrations.len(),
                if set.migrations.len() == 1 { "" } else { "s" }
            ),
            "import into an empty folder (--migrations <dir>), or pass --force to write the imported migrations over \
             those with the same ids",
        ));
    }
    let kit_dialect = kit
        .iter()
        .find_map(|k| k.snapshot.as_ref().map(|s| s.dialect));
    // drizzle-kit 1.x names unnamed constraints its own way, and the
    // database has those names: the schema is read with them from now on.
    let kit1_names = folder.layout == Layout::Folders
        && kit_dialect == Some(Dialect::Postgres)
        && config.naming == Naming::DrizzleKit0;
    let mut reading = config.clone();
    if kit1_names {
        reading.naming = Naming::DrizzleKit1;
    }
    // The schema is read first: nothing is written for a project whose
    // schema does not read.
    let declared = declared_schema(&reading)?;
    if let Some(kit_dialect) = kit_dialect
        && kit_dialect != declared.dialect
    {
        return Err(usage(
            format!(
                "drizzle-kit's migrations in {} are for {kit_dialect}, but the schema is for {}",
                shown(&from),
                declared.dialect
            ),
            "import the folder of this schema's database (--from <dir>)",
        ));
    }
    let dialect = declared.dialect;

    for (id, k) in &plan {
        report::line(
            OK,
            if args.dry_run {
                "would import"
            } else {
                "imported"
            },
            &format!(
                "{} → {}{}",
                match folder.layout {
                    Layout::Journal => format!("{}.sql", k.tag),
                    Layout::Folders => format!("{}/migration.sql", k.tag),
                },
                report::styled(BOLD, &shown(&config.migrations_dir.join(id))),
                if k.snapshot.is_none() {
                    " (no snapshot in drizzle-kit's folder: imported as hand-written)"
                } else {
                    ""
                }
            ),
        );
    }
    if kit1_names {
        if !args.dry_run {
            set_kit1_names(config)?;
        }
        report::line(
            OK,
            if args.dry_run { "would set" } else { "set" },
            &format!(
                "constraint_names = \"drizzle-kit-1\" in {}: unnamed constraints keep drizzle-kit 1.x's names",
                shown(&config.project_dir.join(CONFIG_FILE))
            ),
        );
    }
    if !args.dry_run {
        let mut parent: Option<&str> = None;
        for (id, k) in &plan {
            let meta = meta(id, parent, k, dialect);
            set.write(id, &k.sql, Some(&meta))?;
            parent = Some(id);
        }
    }

    // The schema after the import: the newest snapshot, with the DDL of the
    // migrations imported without one applied (as for hand-written ones).
    let last = if args.dry_run {
        plan.iter().rev().find_map(|(_, k)| k.snapshot.clone())
    } else {
        MigrationSet::load(&config.migrations_dir)?.latest_snapshot(Some(dialect))
    };
    let moved_on: Vec<Change> = last
        .map(|s| {
            diff(
                &s,
                &declared,
                &Renames::default(),
                RenameMode::DropAndCreate,
            )
            .unwrap_or_default()
        })
        .unwrap_or_default();
    if !moved_on.is_empty() {
        report::line(
            WARN,
            "ungenerated",
            "the schema has changes that drizzle-kit's last migration does not: run `db-migrate generate <name>` for them",
        );
        for c in &moved_on {
            report::out(&format!("    {}", c.describe()));
        }
    } else {
        report::line(
            OK,
            "✓",
            &format!(
                "{} migration{} {}; the schema matches drizzle-kit's last snapshot. `db-migrate apply` records what drizzle-kit applied without running it again",
                plan.len(),
                if plan.len() == 1 { "" } else { "s" },
                if args.dry_run {
                    "would be imported"
                } else {
                    "imported"
                }
            ),
        );
    }
    let outcome = if moved_on.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    };
    if report::json() {
        report::json_done(
            "import",
            super::exit_code(outcome),
            json!({
                "dry_run": args.dry_run,
                "migrations": plan.iter().map(|(id, k)| json!({ "id": id, "tag": k.tag })).collect::<Vec<_>>(),
                "ungenerated": moved_on.iter().map(Change::describe).collect::<Vec<_>>(),
            }),
        );
    }
    Ok(outcome)
}

/// Adds `constraint_names = "drizzle-kit-1"` to db-migrate.toml (made if
/// missing), so that the schema keeps reading with drizzle-kit 1.x's names.
fn set_kit1_names(config: &Config) -> Result<(), Failure> {
    let path = config.project_dir.join(CONFIG_FILE);
    let mut text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(usage(
                format!("cannot read {}: {e}", shown(&path)),
                "check the file's permissions",
            ));
        }
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(
        "# Unnamed constraints are named as drizzle-kit 1.x names them (set by `import drizzle-kit`).\n\
         constraint_names = \"drizzle-kit-1\"\n",
    );
    std::fs::write(&path, text).map_err(|e| {
        usage(
            format!("cannot write {}: {e}", shown(&path)),
            "check the folder's permissions",
        )
    })
}

/// Each drizzle-kit migration with its db-migrate id: the journal's `when`
/// as UTC seconds (one second after the previous id when they collide).
fn plan(kit: &[KitMigration]) -> Vec<(String, &KitMigration)> {
    let mut out: Vec<(String, &KitMigration)> = Vec::new();
    for k in kit {
        let when = when(k);
        let id = migrations::next_id_after(
            out.last().map(|(id, _)| id.as_str()),
            &drizzle_kit::migration_name(&k.tag),
            when,
        );
        out.push((id, k));
    }
    out
}

/// The journal's `when` as a time.
fn when(k: &KitMigration) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(k.when).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn meta(id: &str, parent: Option<&str>, k: &KitMigration, dialect: Dialect) -> Meta {
    let when = when(k);
    Meta {
        checksum: migrations::checksum(&k.sql),
        created_at: when.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        dialect,
        down_checksum: None,
        drizzle_kit: Some(DrizzleKitOrigin {
            tag: k.tag.clone(),
            when: k.when,
        }),
        id: id.to_string(),
        name: id.split_once('_').map_or(id, |(_, n)| n).to_string(),
        parent: parent.map(str::to_string),
        snapshot: k.snapshot.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        transaction: true,
        warnings: Vec::new(),
    }
}
