//! Random evolutions of a SQLite schema, run through the CLI as a user runs
//! them: each step's schema is written as TypeScript (pull's writer) into
//! `shared/schema.ts`, then `generate`, `apply` and `check` run on one
//! database file that holds rows. Every step must apply, leave no drift, and
//! keep the rows of every table that stays (columns are added, dropped,
//! renamed, retyped, made NOT NULL or nullable, indexed and made unique
//! under them). A column made unique over equal values, or NOT NULL over
//! NULLs, must fail cleanly: rolled back, no row lost, and `check` reports
//! only the pending migration.

mod support;

use std::path::Path;

use assert_cmd::Command;
use db_migrate::render::typescript::schema_module;
use db_migrate::schema::{
    Column, ColumnType, Dialect, Index, IndexKey, PrimaryKey, Schema, Table, Unique, names,
};
use proptest::prelude::*;

/// (type, the default a NOT NULL column gets).
const TYPES: &[(&str, &str)] = &[("integer", "0"), ("text", "'x'"), ("real", "0.5")];
/// Tables and the column slots of each.
const TABLES: usize = 3;
const SLOTS: usize = 4;

#[derive(Debug, Clone)]
struct Col {
    ty: usize,
    not_null: bool,
    index: bool,
    unique: bool,
}

/// One step: each table absent, or its column slots (each absent or a column).
type Step = Vec<Option<Vec<Option<Col>>>>;

fn col() -> impl Strategy<Value = Option<Col>> {
    proptest::option::of(
        (0..TYPES.len(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(ty, not_null, index, unique)| Col {
                ty,
                not_null,
                index,
                unique,
            },
        ),
    )
}

fn step() -> impl Strategy<Value = Step> {
    proptest::collection::vec(
        proptest::option::of(proptest::collection::vec(col(), SLOTS)),
        TABLES,
    )
}

fn schema(step: &Step) -> Schema {
    let mut s = Schema::empty(Dialect::Sqlite);
    for (t, slots) in step.iter().enumerate() {
        let Some(slots) = slots else { continue };
        let name = format!("t{t}");
        let mut table = Table::new(Dialect::Sqlite.default_schema(), &name);
        let mut id = Column::new("id", ColumnType::Sql("integer".into()));
        id.not_null = true;
        table.columns.push(id);
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        for (i, c) in slots.iter().enumerate() {
            let Some(c) = c else { continue };
            let column_name = format!("c{i}");
            let (ty, default) = TYPES[c.ty];
            let mut column = Column::new(&column_name, ColumnType::Sql(ty.into()));
            if c.not_null {
                column.not_null = true;
                column.default = Some(default.into());
            }
            if c.index {
                table.indexes.push(Index {
                    name: format!("{name}_{column_name}_idx"),
                    unique: false,
                    keys: vec![IndexKey::column(&column_name)],
                    method: None,
                    predicate: None,
                    with: Vec::new(),
                    concurrently: false,
                });
            }
            // A NOT NULL column added to a table with rows holds its
            // default in every row: unique only when nullable.
            if c.unique && !c.not_null {
                table.uniques.push(Unique {
                    name: names::unique(&name, std::slice::from_ref(&column_name)),
                    columns: vec![column_name.clone()],
                    nulls_not_distinct: false,
                });
            }
            table.columns.push(column);
        }
        s.tables.push(table);
    }
    s.sort();
    s
}

fn cli(dir: &Path) -> Command {
    support::cli::db_migrate(dir, Some("sqlite:app.db"))
}

fn run(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = cli(dir).args(args).output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "db-migrate {args:?} exited {:?}\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Rows per table, for the tables that exist.
fn counts(db: &rusqlite::Connection, tables: &[String]) -> Vec<(String, i64)> {
    tables
        .iter()
        .map(|t| {
            let n = db
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap_or(-1);
            (t.clone(), n)
        })
        .collect()
}

/// Two rows with a distinct value in every column (so that a column made
/// NOT NULL or unique later holds them).
fn insert_rows(db: &rusqlite::Connection, s: &Schema, round: usize) {
    for t in &s.tables {
        for r in 0..2 {
            let n = round * 2 + r + 1;
            let names: Vec<String> = t
                .columns
                .iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect();
            let values: Vec<String> = t
                .columns
                .iter()
                .map(|c| match &c.ty {
                    ColumnType::Sql(ty) if ty == "text" => format!("'v{n}'"),
                    ColumnType::Sql(ty) if ty == "real" => format!("{n}.5"),
                    _ => n.to_string(),
                })
                .collect();
            db.execute(
                &format!(
                    "INSERT INTO \"{}\" ({}) VALUES ({})",
                    t.name,
                    names.join(", "),
                    values.join(", ")
                ),
                [],
            )
            .expect("insert a row");
        }
    }
}

/// The flags that answer generate's rename questions: in a table that
/// stays, a dropped column and an added one are a rename (in slot order);
/// every other added table or column is new.
fn decisions(before: Option<&Schema>, after: &Schema) -> Vec<String> {
    let mut flags = Vec::new();
    for t in &after.tables {
        let Some(old) = before.and_then(|b| b.tables.iter().find(|o| o.name == t.name)) else {
            flags.push(format!("--create={}", t.name));
            continue;
        };
        let dropped = old
            .columns
            .iter()
            .filter(|c| t.column(&c.name).is_none())
            .map(|c| c.name.clone());
        let mut added = t
            .columns
            .iter()
            .filter(|c| old.column(&c.name).is_none())
            .map(|c| c.name.clone());
        for from in dropped {
            match added.next() {
                Some(to) => flags.push(format!("--rename={0}.{from}={0}.{to}", t.name)),
                None => break,
            }
        }
        flags.extend(added.map(|c| format!("--create={}.{c}", t.name)));
    }
    flags
}

fn evolve(steps: &[Step]) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.path().join("shared")).map_err(|e| e.to_string())?;
    let mut before: Option<Schema> = None;
    for (n, step) in steps.iter().enumerate() {
        let s = schema(step);
        if s.tables.is_empty() {
            continue;
        }
        std::fs::write(dir.path().join("shared/schema.ts"), schema_module(&s, None))
            .map_err(|e| e.to_string())?;
        let db =
            rusqlite::Connection::open(dir.path().join("app.db")).map_err(|e| e.to_string())?;
        let kept: Vec<String> = before
            .iter()
            .flat_map(|b| b.tables.iter())
            .filter(|t| s.tables.iter().any(|u| u.name == t.name))
            .map(|t| t.name.clone())
            .collect();
        let rows_before = counts(&db, &kept);
        let mut generate = vec!["generate".to_string(), format!("step{n}")];
        generate.extend(decisions(before.as_ref(), &s));
        let generate: Vec<&str> = generate.iter().map(String::as_str).collect();
        run(dir.path(), &generate)?;
        if let Err(e) = run(dir.path(), &["apply", "--allow-lint-errors"]) {
            // Data that does not fit (a column made unique over equal
            // values, or NOT NULL over NULLs, as on PostgreSQL) must fail
            // cleanly: rolled back, nothing changed.
            let does_not_fit =
                e.contains("UNIQUE constraint failed") || e.contains("NOT NULL constraint failed");
            if !(does_not_fit && e.contains("it was rolled back")) {
                return Err(format!("step {n}: {e}"));
            }
            let rows_after = counts(&db, &kept);
            if rows_before != rows_after {
                return Err(format!(
                    "step {n} failed and still lost rows: {rows_after:?}"
                ));
            }
            let status = cli(dir.path())
                .arg("check")
                .output()
                .map_err(|e| e.to_string())?;
            let said = String::from_utf8_lossy(&status.stdout).to_string()
                + &String::from_utf8_lossy(&status.stderr);
            if status.status.code() != Some(1)
                || !said.contains("pending")
                || said.contains("drift")
            {
                return Err(format!(
                    "step {n}: after the failed apply, check says: {said}"
                ));
            }
            return Ok(());
        }
        run(dir.path(), &["check"]).map_err(|e| format!("step {n}: {e}"))?;
        let rows_after = counts(&db, &kept);
        if rows_before != rows_after {
            return Err(format!(
                "step {n} lost rows: before {rows_before:?}, after {rows_after:?}"
            ));
        }
        insert_rows(&db, &s, n);
        before = Some(s);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_step_applies_without_drift_and_keeps_the_rows(steps in proptest::collection::vec(step(), 3..7)) {
        if let Err(e) = evolve(&steps) {
            prop_assert!(false, "{e}");
        }
    }
}
