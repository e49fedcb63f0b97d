//! What the PostgreSQL change tests share: declared schemas from Drizzle
//! source, migrations planned, split and rendered as `generate` does, applied
//! part by part to a real database, and the drift `check` would see.

#![allow(dead_code)]

use db_migrate::diff::apply::apply_all;
use db_migrate::diff::{Change, RenameMode, Renames, diff};
use db_migrate::inspect::{Scope, postgres::inspect_expecting};
use db_migrate::plan::{PlanPart, parts, plan};
use db_migrate::render::{render, statements};
use db_migrate::schema::{Dialect, Schema};
use db_migrate::source::drizzle::{self, ReadOptions};

/// Every pg-core name the test schemas use.
const IMPORTS: &str = r#"import { sql } from "drizzle-orm";
import {
  pgTable, pgEnum, pgSchema, pgSequence, integer, smallint, bigint, serial, bigserial, text,
  varchar, char, boolean, jsonb, json, numeric, real, doublePrecision, timestamp, date, uuid,
  index, uniqueIndex, unique, primaryKey, foreignKey, check,
} from "drizzle-orm/pg-core";
"#;

/// Reads a Drizzle pg-core schema (the imports are added).
pub fn declared(source: &str) -> Schema {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("schema.ts");
    std::fs::write(&file, format!("{IMPORTS}{source}")).expect("write schema");
    match drizzle::read(&[file], dir.path(), &ReadOptions::default()) {
        Ok(s) => s,
        Err(e) => panic!("{:?}", miette::Report::new(e)),
    }
}

/// A migration as `generate` writes it: parts, each with its statements.
pub struct Migration {
    /// The changes, in plan order.
    pub changes: Vec<Change>,
    /// The parts: transactional or not, and their statements.
    pub parts: Vec<(bool, Vec<String>)>,
    /// The snapshot after each part.
    pub snapshots: Vec<Schema>,
}

impl Migration {
    /// The SQL of every part, as one text for snapshots.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, (transactional, sql)) in self.parts.iter().enumerate() {
            if self.parts.len() > 1 || !transactional {
                out.push_str(&format!(
                    "-- part {}{}\n",
                    i + 1,
                    if *transactional {
                        ""
                    } else {
                        " (no transaction)"
                    }
                ));
            }
            for s in sql {
                out.push_str(s);
                out.push_str(";\n");
            }
        }
        out
    }

    /// Every statement.
    pub fn statements(&self) -> Vec<String> {
        self.parts.iter().flat_map(|(_, s)| s.clone()).collect()
    }
}

/// Diffs, plans, splits and renders `from` → `to`; undecided renames panic.
pub fn migration(from: &Schema, to: &Schema, renames: &Renames) -> Migration {
    migration_in(from, to, renames, RenameMode::Ask)
}

/// [`migration`] with removed+added pairs treated as `mode` says.
pub fn migration_in(from: &Schema, to: &Schema, renames: &Renames, mode: RenameMode) -> Migration {
    let changes = match diff(from, to, renames, mode) {
        Ok(c) => c,
        Err(a) => panic!("undecided renames: {a:?}"),
    };
    let planned = plan(changes, from, to);
    let changes = planned.changes.clone();
    let split: Vec<PlanPart> = parts(planned);
    let mut snapshot = from.clone();
    let mut snapshots = Vec::new();
    let mut out = Vec::new();
    for part in &split {
        snapshot = apply_all(&snapshot, &part.changes);
        snapshots.push(snapshot.clone());
        let rendered = render(part.changes.clone(), Dialect::Postgres);
        out.push((part.transactional, statements(&rendered)));
    }
    Migration {
        changes,
        parts: out,
        snapshots,
    }
}

/// Runs a migration: each transactional part in its own transaction, the
/// others statement by statement.
pub fn run(client: &mut postgres::Client, m: &Migration) {
    for (transactional, sql) in &m.parts {
        if *transactional {
            let mut tx = client.transaction().expect("begin");
            for s in sql {
                if let Err(e) = tx.batch_execute(s) {
                    panic!("{s}\n{e:?}\n\nmigration:\n{}", m.text());
                }
            }
            tx.commit().expect("commit");
        } else {
            for s in sql {
                if let Err(e) = client.batch_execute(s) {
                    panic!("{s}\n{e:?}\n\nmigration:\n{}", m.text());
                }
            }
        }
    }
}

/// The database as `check` and `diff --from db` read it, expecting `expected`.
pub fn inspect(client: &mut postgres::Client, expected: &Schema) -> Schema {
    let mut schemas = vec!["public".to_string()];
    schemas.extend(expected.schemas.iter().cloned());
    let scope = Scope {
        schemas,
        exclude_tables: vec![],
    };
    inspect_expecting(client, None, &scope, expected).expect("inspect")
}

/// The changes between the database and `expected`, both ways: what `check` reports.
pub fn drift(client: &mut postgres::Client, expected: &Schema) -> Vec<String> {
    let live = inspect(client, expected);
    let mut out = Vec::new();
    for (a, b, dir) in [
        (&live, expected, "db→expected"),
        (expected, &live, "expected→db"),
    ] {
        match diff(a, b, &Renames::default(), RenameMode::DropAndCreate) {
            Ok(changes) => out.extend(changes.iter().map(|c| format!("{dir}: {c:?}"))),
            Err(a) => out.push(format!("{a:?}")),
        }
    }
    out
}

/// Panics with the drift when the database differs from `expected`.
pub fn assert_no_drift(client: &mut postgres::Client, expected: &Schema, when: &str) {
    let d = drift(client, expected);
    assert!(d.is_empty(), "drift {when}:\n{}", d.join("\n"));
}

/// `SELECT count(*)` of a table.
pub fn count(client: &mut postgres::Client, table: &str) -> i64 {
    match client.query_one(&format!("SELECT count(*) FROM {table}"), &[]) {
        Ok(row) => row.get(0),
        Err(e) => panic!("count {table}: {e}"),
    }
}

/// One value as text.
pub fn value(client: &mut postgres::Client, sql: &str) -> Option<String> {
    match client.query_one(&format!("SELECT ({sql})::text"), &[]) {
        Ok(row) => row.get(0),
        Err(e) => panic!("{sql}: {e}"),
    }
}
