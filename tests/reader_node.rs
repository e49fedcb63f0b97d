//! `--loader node` against the static reader, on the fixture projects.
//!
//! drizzle-kit's recorded snapshot of each fixture, converted into the model,
//! must equal what the static reader reads (in canonical form); and the
//! loader itself, running the pinned drizzle-kit in `tests/oracle` (installed
//! with `npm ci --prefix tests/oracle`), must give the same model too.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use db_migrate::commands;
use db_migrate::config::{Config, Overrides, SchemaLoader};
use db_migrate::schema::names::Naming;
use db_migrate::schema::{Schema, canonical};
use db_migrate::source::node::from_snapshot;
use support::fixtures::{copy_dir, fixtures_dir};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_dir(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

fn load(dir: &Path, loader: SchemaLoader) -> Schema {
    let overrides = Overrides {
        project_dir: Some(dir.to_path_buf()),
        loader: Some(loader),
        ..Overrides::default()
    };
    let config = Config::load(&overrides).unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()));
    match commands::declared_schema(&config) {
        Ok(s) => s,
        Err(f) => panic!("{} ({loader:?}): {:?}", dir.display(), f.report()),
    }
}

/// Differences between two models, as pretty JSON lines only one side has.
fn differences(a: &Schema, b: &Schema) -> Option<String> {
    let mut a = canonical::schema(a);
    let mut b = canonical::schema(b);
    // SQLite unique constraints become indexes in canonical form: sort them in.
    a.sort();
    b.sort();
    if a == b {
        return None;
    }
    let left = serde_json::to_string_pretty(&a).unwrap_or_default();
    let right = serde_json::to_string_pretty(&b).unwrap_or_default();
    let l: Vec<&str> = left.lines().collect();
    let r: Vec<&str> = right.lines().collect();
    let mut out: Vec<String> = l
        .iter()
        .filter(|x| !r.contains(x))
        .map(|x| format!("- {x}"))
        .collect();
    out.extend(
        r.iter()
            .filter(|x| !l.contains(x))
            .map(|x| format!("+ {x}")),
    );
    if out.is_empty() {
        out.push("(same lines in another order)".into());
    }
    Some(out.join("\n"))
}

/// Fixtures whose recorded snapshot is the expected result.
fn expected_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures")
        .flatten()
        .filter(|e| e.path().join("expected.snapshot.json").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn recorded_snapshots_convert_to_the_static_model() {
    let mut failures = Vec::new();
    for name in expected_fixtures() {
        let dir = fixture_dir(&name);
        let text = std::fs::read_to_string(dir.join("expected.snapshot.json")).expect("snapshot");
        let snapshot = match from_snapshot(&text) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        // A copy laid out as installed (fixtures may ship npm packages).
        let ours = load(node_project(&name).path(), SchemaLoader::Static);
        if let Some(d) = differences(&snapshot, &ours) {
            failures.push(format!("{name}:\n{d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What drizzle-kit 1.x reads differently from 0.31 (whose reading the
/// static reader follows), by fixture: a line that only 1.x's snapshot has.
const KIT1_READS_DIFFERENTLY: &[(&str, &str, &str)] = &[
    (
        "03b_pg_extension_types",
        "a geometry column keeps its SRID",
        "geometry(point,4326)",
    ),
    (
        "04_defaults",
        "a Date default is written as ISO text",
        "2024-01-01T12:30:00.000Z",
    ),
    (
        "05_arrays",
        "an empty array default keeps its cast",
        "array[]::boolean[]",
    ),
    (
        "08_constraints",
        "a name over 63 bytes is shortened with a hash",
        "shipments_i9mE6jjhUeOR_fkey",
    ),
    (
        "12_casing_snake_case",
        "the config's casing is not applied",
        "\"name\": \"eventId\"",
    ),
    (
        "12b_casing_camel_case",
        "the config's casing is not applied",
        "\"name\": \"line_id\"",
    ),
    ("35_orm_operators", "an empty and() is written 1=1", "1=1"),
];

#[test]
fn kit1_snapshots_convert_to_the_static_model() {
    let mut failures = Vec::new();
    let mut read = 0;
    for name in expected_fixtures() {
        let dir = fixture_dir(&name);
        let Ok(text) = std::fs::read_to_string(dir.join("kit1.snapshot.json")) else {
            continue;
        };
        read += 1;
        let snapshot = match from_snapshot(&text) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let project = node_project(&name);
        let overrides = Overrides {
            project_dir: Some(project.path().to_path_buf()),
            ..Overrides::default()
        };
        let mut config = Config::load(&overrides).expect("config");
        config.naming = Naming::DrizzleKit1;
        let ours = match commands::declared_schema(&config) {
            Ok(s) => s,
            Err(f) => panic!("{name}: {:?}", f.report()),
        };
        let known = KIT1_READS_DIFFERENTLY.iter().find(|(n, _, _)| *n == name);
        match (differences(&snapshot, &ours), known) {
            (None, None) => {}
            (Some(d), Some((_, why, line))) if d.contains(line) => {
                eprintln!("{name}: drizzle-kit 1.x differs as known ({why})");
            }
            (Some(d), _) => failures.push(format!("{name}:\n{d}")),
            (None, Some((_, why, _))) => failures.push(format!(
                "{name}: drizzle-kit 1.x no longer differs ({why}): take it out of KIT1_READS_DIFFERENTLY"
            )),
        }
    }
    assert!(read >= 30, "only {read} fixtures have kit1.snapshot.json");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------
// Running Node.

fn oracle_modules() -> PathBuf {
    let modules = root().join("tests/oracle/node_modules");
    assert!(
        modules.join("drizzle-kit/api.js").is_file(),
        "the pinned drizzle-kit is not installed: run `npm ci --prefix tests/oracle`"
    );
    modules
}

#[cfg(unix)]
fn link(target: &Path, link: &Path) {
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent).expect("create folder");
    }
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// A copy of the fixture with a `node_modules` that links the oracle's
/// packages and the fixture's own workspace packages (as record.sh does).
fn node_project(name: &str) -> tempfile::TempDir {
    let modules = oracle_modules();
    let dir = tempfile::tempdir().expect("temporary directory");
    copy_dir(&fixture_dir(name), dir.path());
    let nm = dir.path().join("node_modules");
    if dir.path().join("npm").is_dir() {
        copy_dir(&dir.path().join("npm"), &nm);
    }
    for package in ["drizzle-kit", "drizzle-orm", "drizzle-zod", "nanoid", "zod"] {
        link(&modules.join(package), &nm.join(package));
    }
    let out = Command::new("node")
        .arg(root().join("tests/oracle/workspaces.cjs"))
        .arg(dir.path())
        .output()
        .expect("run node");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((package, path)) = line.split_once('\t') {
            let target = dir.path().join(path);
            let _ = std::fs::remove_file(nm.join(package));
            link(&target, &nm.join(package));
        }
    }
    dir
}

#[cfg(unix)]
#[test]
fn the_node_loader_gives_the_static_model() {
    let mut failures = Vec::new();
    for name in expected_fixtures() {
        let project = node_project(&name);
        let from_node = load(project.path(), SchemaLoader::Node);
        let ours = load(project.path(), SchemaLoader::Static);
        if let Some(d) = differences(&from_node, &ours) {
            failures.push(format!("{name}:\n{d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_missing_node_or_drizzle_kit_is_reported() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("schema.ts"),
        "import { pgTable, integer } from 'drizzle-orm/pg-core';\nexport const t = pgTable('t', { id: integer('id') });\n",
    )
    .expect("write");
    let overrides = Overrides {
        project_dir: Some(dir.path().to_path_buf()),
        schema: Some("schema.ts".into()),
        loader: Some(SchemaLoader::Node),
        ..Overrides::default()
    };
    let config = Config::load(&overrides).expect("config");
    let report = match commands::declared_schema(&config) {
        Ok(s) => panic!("expected an error, read {s:?}"),
        Err(f) => format!("{:?}", f.report()),
    };
    assert!(
        report.contains("drizzle-kit is not installed") || report.contains("needs Node.js"),
        "{report}"
    );
}
