//! Random evolutions of a schema, on PostgreSQL and on SQLite, run through
//! the CLI as a user runs them: each step's schema is written as TypeScript
//! (pull's writer) into `shared/schema.ts`, then `generate` (its rename
//! questions answered by flags), `apply` and `check` run on one database
//! that holds rows. Every step must apply, leave no drift, and keep the rows
//! of every table that stays, while tables come, go and are renamed (with a
//! check that names the table), and their columns are
//! added, dropped, renamed, retyped, made NOT NULL or nullable, indexed, made
//! unique, pointed at another table, checked, and (PostgreSQL) given an enum
//! whose labels change. Data that does not fit the new schema (a column made
//! unique over equal values, NOT NULL over NULLs, a number written `1.00`
//! retyped as an integer) must fail cleanly: rolled back, no row lost, and
//! `check` reports only the pending migration.

mod support;

use std::path::Path;

use assert_cmd::Command;
use db_migrate::render::typescript::schema_module;
use db_migrate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique, names,
};
use proptest::prelude::*;
use support::TestDb;

/// Tables and the column slots of each.
const TABLES: usize = 3;
const SLOTS: usize = 4;
/// The enum's labels (PostgreSQL): a step keeps a prefix of them, so the
/// label rows hold is always there.
const LABELS: &[&str] = &["a", "b", "c", "d"];

#[derive(Debug, Clone)]
struct Col {
    ty: usize,
    not_null: bool,
    index: bool,
    unique: bool,
}

#[derive(Debug, Clone)]
struct Tab {
    slots: Vec<Option<Col>>,
    /// A `ref` column referencing `t0.id` (tables after the first).
    reference: bool,
    /// A check on `id`.
    check: bool,
    /// An enum column (PostgreSQL).
    mood: bool,
}

/// One step: each table absent or present, and the enum's label count.
#[derive(Debug, Clone)]
struct Step {
    tables: Vec<Option<Tab>>,
    labels: usize,
}

fn col(types: usize) -> impl Strategy<Value = Option<Col>> {
    proptest::option::of(
        (0..types, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(ty, not_null, index, unique)| Col {
                ty,
                not_null,
                index,
                unique,
            },
        ),
    )
}

fn step(types: usize) -> impl Strategy<Value = Step> {
    let tab = (
        proptest::collection::vec(col(types), SLOTS),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(slots, reference, check, mood)| Tab {
            slots,
            reference,
            check,
            mood,
        });
    (
        proptest::collection::vec(proptest::option::of(tab), TABLES),
        1..=LABELS.len(),
    )
        .prop_map(|(tables, labels)| Step { tables, labels })
}

/// What differs between the dialects.
struct Target {
    dialect: Dialect,
    /// (type, the default a NOT NULL column gets).
    types: &'static [(&'static str, &'static str)],
}

const SQLITE: Target = Target {
    dialect: Dialect::Sqlite,
    types: &[("integer", "0"), ("text", "'0'"), ("real", "0.5")],
};

const POSTGRES: Target = Target {
    dialect: Dialect::Postgres,
    types: &[
        ("integer", "0"),
        ("bigint", "0"),
        ("text", "'0'"),
        ("varchar(20)", "'0'"),
        ("numeric(10, 2)", "0"),
    ],
};

fn schema(target: &Target, step: &Step) -> Schema {
    let dialect = target.dialect;
    let namespace = dialect.default_schema();
    let mut s = Schema::empty(dialect);
    let mood = QualifiedName::new(namespace, "mood");
    let has_mood = dialect == Dialect::Postgres && step.tables.iter().flatten().any(|t| t.mood);
    if has_mood {
        s.enums.push(Enum {
            schema: namespace.into(),
            name: "mood".into(),
            values: LABELS[..step.labels]
                .iter()
                .map(|l| l.to_string())
                .collect(),
        });
    }
    let first_present = step.tables.first().is_some_and(Option::is_some);
    for (t, tab) in step.tables.iter().enumerate() {
        let Some(tab) = tab else { continue };
        let name = format!("t{t}");
        let mut table = Table::new(namespace, &name);
        let mut id = Column::new("id", ColumnType::Sql("integer".into()));
        id.not_null = true;
        table.columns.push(id);
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        for (i, c) in tab.slots.iter().enumerate() {
            let Some(c) = c else { continue };
            let column_name = format!("c{i}");
            let (ty, default) = target.types[c.ty];
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
        if tab.reference && t > 0 && first_present {
            table
                .columns
                .push(Column::new("ref", ColumnType::Sql("integer".into())));
            table.foreign_keys.push(ForeignKey {
                name: names::foreign_key(&name, &["ref".into()], "t0", &["id".into()]),
                columns: vec!["ref".into()],
                references: QualifiedName::new(namespace, "t0"),
                referenced_columns: vec!["id".into()],
                on_delete: FkAction::SetNull,
                on_update: FkAction::NoAction,
            });
        }
        if tab.check {
            table.checks.push(Check {
                name: format!("{name}_id_positive"),
                expression: format!("\"{name}\".\"id\" > 0"),
            });
        }
        if has_mood && tab.mood {
            table
                .columns
                .push(Column::new("mood", ColumnType::Enum(mood.clone())));
        }
        s.tables.push(table);
    }
    s.sort();
    s
}

/// The database a run works on.
enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

impl Db {
    fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM \"{table}\"");
        match self {
            Db::Sqlite(c) => c.query_row(&sql, [], |r| r.get(0)).unwrap_or(-1),
            Db::Postgres(c) => c.query_one(&sql, &[]).map_or(-1, |r| r.get(0)),
        }
    }

    fn execute(&mut self, sql: &str) {
        match self {
            Db::Sqlite(c) => c.execute_batch(sql).expect("insert a row"),
            Db::Postgres(c) => c.batch_execute(sql).expect("insert a row"),
        }
    }
}

/// Rows per table, for the given tables, in order.
fn counts<'t>(db: &mut Db, tables: impl Iterator<Item = &'t String>) -> Vec<i64> {
    tables.map(|t| db.count(t)).collect()
}

/// Two rows with a distinct value in every column (numbers, or text that
/// reads as one, so that a column retyped, made NOT NULL or unique later
/// holds them); `ref` is NULL and `mood` the first label.
fn insert_rows(db: &mut Db, s: &Schema, round: usize) {
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
                .map(|c| match (&c.ty, c.name.as_str()) {
                    (_, "ref") => "NULL".into(),
                    (ColumnType::Enum(_), _) => format!("'{}'", LABELS[0]),
                    (ColumnType::Sql(ty), _) if ty == "text" || ty.starts_with("varchar") => {
                        format!("'{n}'")
                    }
                    _ => n.to_string(),
                })
                .collect();
            db.execute(&format!(
                "INSERT INTO \"{}\" ({}) VALUES ({})",
                t.name,
                names.join(", "),
                values.join(", ")
            ));
        }
    }
}

/// The tables that stay, each as (name before, name after): a dropped
/// table and an added one are a rename (in order), the others keep their name.
fn kept_tables(before: Option<&Schema>, after: &Schema) -> Vec<(String, String)> {
    let Some(before) = before else {
        return Vec::new();
    };
    let has = |s: &Schema, name: &str| s.tables.iter().any(|t| t.name == name);
    let dropped = before.tables.iter().filter(|t| !has(after, &t.name));
    let added = after.tables.iter().filter(|t| !has(before, &t.name));
    let mut kept: Vec<(String, String)> = before
        .tables
        .iter()
        .filter(|t| has(after, &t.name))
        .map(|t| (t.name.clone(), t.name.clone()))
        .collect();
    kept.extend(
        dropped
            .zip(added)
            .map(|(a, b)| (a.name.clone(), b.name.clone())),
    );
    kept
}

/// The flags that answer generate's rename questions for `kept` tables: a
/// table kept under another name is a rename, and so is, in a kept table, a
/// dropped column and an added one (in slot order); every other added table
/// or column is new.
fn decisions(before: Option<&Schema>, after: &Schema, kept: &[(String, String)]) -> Vec<String> {
    let mut flags = Vec::new();
    for (from, to) in kept.iter().filter(|(from, to)| from != to) {
        flags.push(format!("--rename={from}={to}"));
    }
    for t in &after.tables {
        let old = kept
            .iter()
            .find(|(_, to)| *to == t.name)
            .and_then(|(from, _)| before?.tables.iter().find(|o| o.name == *from));
        let Some(old) = old else {
            flags.push(format!("--create={}", t.name));
            continue;
        };
        let dropped: Vec<&str> = old
            .columns
            .iter()
            .filter(|c| t.column(&c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        let added: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| old.column(&c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        let slot = |c: &&&str| c.starts_with('c');
        let renames: Vec<(&str, &str)> = dropped
            .iter()
            .filter(slot)
            .zip(added.iter().filter(slot))
            .map(|(from, to)| (*from, *to))
            .collect();
        for (from, to) in &renames {
            flags.push(format!("--rename={0}.{from}={0}.{to}", t.name));
        }
        let added = added
            .into_iter()
            .filter(|c| !renames.iter().any(|(_, to)| to == c));
        flags.extend(added.map(|c| format!("--create={}.{c}", t.name)));
    }
    flags
}

fn run(dir: &Path, url: &str, args: &[&str]) -> Result<(), String> {
    let out = cli(dir, url)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
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

fn cli(dir: &Path, url: &str) -> Command {
    support::cli::db_migrate(dir, Some(url))
}

/// The server's words for data that does not fit a change.
const DOES_NOT_FIT: &[&str] = &[
    "UNIQUE constraint failed",
    "NOT NULL constraint failed",
    "could not create unique index",
    "contains null values",
    "invalid input syntax",
];

fn evolve(target: &Target, steps: &[Step]) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.path().join("shared")).map_err(|e| e.to_string())?;
    let server = (target.dialect == Dialect::Postgres).then(TestDb::new);
    let (url, mut db) = match &server {
        Some(pg) => (pg.url.clone(), Db::Postgres(Box::new(pg.client()))),
        None => (
            "sqlite:app.db".to_string(),
            Db::Sqlite(
                rusqlite::Connection::open(dir.path().join("app.db")).map_err(|e| e.to_string())?,
            ),
        ),
    };
    let mut before: Option<Schema> = None;
    for (n, step) in steps.iter().enumerate() {
        let s = schema(target, step);
        if s.tables.is_empty() {
            continue;
        }
        std::fs::write(dir.path().join("shared/schema.ts"), schema_module(&s, None))
            .map_err(|e| e.to_string())?;
        let kept = kept_tables(before.as_ref(), &s);
        let rows_before = counts(&mut db, kept.iter().map(|(from, _)| from));
        let mut generate = vec!["generate".to_string(), format!("step{n}")];
        generate.extend(decisions(before.as_ref(), &s, &kept));
        let generate: Vec<&str> = generate.iter().map(String::as_str).collect();
        run(dir.path(), &url, &generate).map_err(|e| format!("step {n}: {e}"))?;
        if let Err(e) = run(dir.path(), &url, &["apply", "--allow-lint-errors"]) {
            let does_not_fit = DOES_NOT_FIT.iter().any(|words| e.contains(words));
            if !(does_not_fit && e.contains("rolled back")) {
                return Err(format!("step {n}: {e}"));
            }
            let rows_after = counts(&mut db, kept.iter().map(|(from, _)| from));
            if rows_before != rows_after {
                return Err(format!(
                    "step {n} failed and still lost rows: {rows_after:?}"
                ));
            }
            let status = cli(dir.path(), &url)
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
            eprintln!(
                "evolution: stopped at step {n} of {}: data does not fit",
                steps.len()
            );
            return Ok(());
        }
        run(dir.path(), &url, &["check"]).map_err(|e| format!("step {n}: {e}"))?;
        let rows_after = counts(&mut db, kept.iter().map(|(_, to)| to));
        if rows_before != rows_after {
            return Err(format!(
                "step {n} lost rows: before {rows_before:?}, after {rows_after:?} ({kept:?})"
            ));
        }
        insert_rows(&mut db, &s, n);
        before = Some(s);
    }
    eprintln!("evolution: all {} steps applied", steps.len());
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sqlite_steps_apply_without_drift_and_keep_the_rows(steps in proptest::collection::vec(step(SQLITE.types.len()), 3..7)) {
        if let Err(e) = evolve(&SQLITE, &steps) {
            prop_assert!(false, "{e}");
        }
    }

    #[test]
    fn postgres_steps_apply_without_drift_and_keep_the_rows(steps in proptest::collection::vec(step(POSTGRES.types.len()), 3..7)) {
        if let Err(e) = evolve(&POSTGRES, &steps) {
            prop_assert!(false, "{e}");
        }
    }
}
