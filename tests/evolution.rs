//! Random evolutions of a schema, on PostgreSQL and on SQLite, run through
//! the CLI as a user runs them: each step's schema is written as TypeScript
//! (pull's writer) into `shared/schema.ts`, then `generate` (its rename
//! questions answered by flags), `apply` and `check` run on one database
//! that holds rows. Every step must apply, leave no drift, and keep the rows
//! of every table that stays, while tables come, go and are renamed (with a
//! check that names the table, read by a view), and their columns are added,
//! dropped, renamed, retyped, made NOT NULL or nullable, given defaults,
//! indexed (partially, or on an expression), made unique (alone or with
//! `id`), keyed with `id` in a two-column primary key, pointed at another
//! table, generated from `id`, and (PostgreSQL) given an identity, an enum
//! whose labels change, and a sequence whose start changes. Data that
//! does not fit the new schema (a column made unique over equal values, NOT
//! NULL over NULLs, a number written `1.00` retyped as an integer) must fail
//! cleanly: rolled back, no row lost, and `check` reports only the pending
//! migration.

mod support;

use std::path::Path;

use assert_cmd::Command;
use db_migrate::render::typescript::schema_module;
use db_migrate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexKey,
    PrimaryKey, QualifiedName, Schema, Sequence, SequenceOptions, Table, Unique, View, names,
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
    /// A default (a NOT NULL column always has one).
    default: bool,
    index: bool,
    /// The index is partial (`WHERE ... IS NOT NULL`).
    partial: bool,
    /// The index is on `lower(column)` (text columns).
    expression: bool,
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
    /// `id` is an identity column (PostgreSQL).
    identity: bool,
    /// A stored column generated from `id`.
    generated: bool,
    /// A unique constraint on (`id`, the first column slot).
    pair_unique: bool,
    /// The primary key is (`id`, `k`), with a `k` column.
    composite_key: bool,
}

/// One step: each table absent or present, the enum's label count, and a
/// view of the first table there is.
#[derive(Debug, Clone)]
struct Step {
    tables: Vec<Option<Tab>>,
    labels: usize,
    view: bool,
    /// A sequence and its start (PostgreSQL).
    sequence: Option<u8>,
}

fn col(types: usize) -> impl Strategy<Value = Option<Col>> {
    proptest::option::of((0..types, any::<[bool; 6]>()).prop_map(
        |(ty, [not_null, default, index, partial, expression, unique])| Col {
            ty,
            not_null,
            default,
            index,
            partial,
            expression,
            unique,
        },
    ))
}

fn step(types: usize) -> impl Strategy<Value = Step> {
    let tab = (
        proptest::collection::vec(col(types), SLOTS),
        any::<[bool; 7]>(),
    )
        .prop_map(
            |(
                slots,
                [
                    reference,
                    check,
                    mood,
                    identity,
                    generated,
                    pair_unique,
                    composite_key,
                ],
            )| {
                Tab {
                    slots,
                    reference,
                    check,
                    mood,
                    identity,
                    generated,
                    pair_unique,
                    composite_key,
                }
            },
        );
    (
        proptest::collection::vec(proptest::option::of(tab), TABLES),
        1..=LABELS.len(),
        any::<bool>(),
        proptest::option::of(1..4u8),
    )
        .prop_map(|(tables, labels, view, sequence)| Step {
            tables,
            labels,
            view,
            sequence,
        })
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
    // `t0.id` can be referenced while it is t0's key alone.
    let referable = step
        .tables
        .first()
        .is_some_and(|t| t.as_ref().is_some_and(|t| !t.composite_key));
    for (t, tab) in step.tables.iter().enumerate() {
        let Some(tab) = tab else { continue };
        let name = format!("t{t}");
        let mut table = Table::new(namespace, &name);
        let mut id = Column::new("id", ColumnType::Sql("integer".into()));
        id.not_null = true;
        if tab.identity && dialect == Dialect::Postgres {
            id.identity = Some(Identity {
                always: false,
                sequence_name: None,
                options: SequenceOptions::default(),
            });
        }
        table.columns.push(id);
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        if tab.composite_key {
            let mut k = Column::new("k", ColumnType::Sql("integer".into()));
            k.not_null = true;
            k.default = Some("0".into());
            table.columns.push(k);
            let columns = vec!["id".to_string(), "k".to_string()];
            table.primary_key = Some(PrimaryKey {
                name: Some(names::primary_key(&name, &columns)),
                columns,
            });
        }
        for (i, c) in tab.slots.iter().enumerate() {
            let Some(c) = c else { continue };
            let column_name = format!("c{i}");
            let (ty, default) = target.types[c.ty];
            let mut column = Column::new(&column_name, ColumnType::Sql(ty.into()));
            column.not_null = c.not_null;
            if c.not_null || c.default {
                column.default = Some(default.into());
            }
            if c.index {
                let text = ty == "text" || ty.starts_with("varchar");
                table.indexes.push(Index {
                    name: format!("{name}_{column_name}_idx"),
                    unique: false,
                    keys: vec![if c.expression && text {
                        IndexKey::from_sql(&format!("lower(\"{column_name}\")"))
                    } else {
                        IndexKey::column(&column_name)
                    }],
                    method: None,
                    predicate: c.partial.then(|| format!("\"{column_name}\" IS NOT NULL")),
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
        if tab.reference && t > 0 && referable {
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
        if tab.generated {
            let mut twice = Column::new("twice", ColumnType::Sql("integer".into()));
            twice.generated = Some("\"id\" * 2".into());
            table.columns.push(twice);
        }
        if tab.pair_unique && table.column("c0").is_some() {
            let columns = vec!["id".to_string(), "c0".to_string()];
            table.uniques.push(Unique {
                name: names::unique(&name, &columns),
                columns,
                nulls_not_distinct: false,
            });
        }
        if has_mood && tab.mood {
            table
                .columns
                .push(Column::new("mood", ColumnType::Enum(mood.clone())));
        }
        s.tables.push(table);
    }
    if let Some(start) = step.sequence
        && dialect == Dialect::Postgres
    {
        s.sequences.push(Sequence {
            schema: namespace.into(),
            name: "seq".into(),
            options: SequenceOptions {
                start: Some(i64::from(start)),
                ..SequenceOptions::default()
            },
        });
    }
    if step.view
        && let Some(first) = s.tables.first()
    {
        s.views.push(View {
            schema: namespace.into(),
            name: "v".into(),
            definition: format!("select \"id\" from \"{}\"", first.name),
            materialized: false,
            with: Vec::new(),
            using: None,
            tablespace: None,
            with_no_data: false,
        });
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

/// Two more rows, then every row's columns written from its id, as an
/// application writing them would (numbers, or text that reads as one): the
/// values are distinct and not NULL, so a column retyped, made NOT NULL or
/// unique later holds them. `ref` stays NULL and `mood` is the first label.
fn write_rows(db: &mut Db, s: &Schema, round: usize) {
    // A column's value from the row's id (an SQL expression or literal).
    let value = |c: &Column, id: &str| match &c.ty {
        _ if c.name == "ref" || c.generated.is_some() => None,
        _ if c.name == "id" => Some(id.to_string()),
        ColumnType::Enum(_) => Some(format!("'{}'", LABELS[0])),
        ColumnType::Sql(ty) if ty == "text" || ty.starts_with("varchar") => {
            Some(format!("CAST({id} AS TEXT)"))
        }
        ColumnType::Sql(_) => Some(id.to_string()),
    };
    for t in &s.tables {
        let written: Vec<&Column> = t
            .columns
            .iter()
            .filter(|c| value(c, "0").is_some())
            .collect();
        let names: Vec<String> = written.iter().map(|c| format!("\"{}\"", c.name)).collect();
        for r in 0..2 {
            let id = (round * 2 + r + 1).to_string();
            let values: Vec<String> = written.iter().filter_map(|c| value(c, &id)).collect();
            db.execute(&format!(
                "INSERT INTO \"{}\" ({}) VALUES ({})",
                t.name,
                names.join(", "),
                values.join(", ")
            ));
        }
        let sets: Vec<String> = written
            .iter()
            .filter(|c| c.name != "id")
            .filter_map(|c| Some(format!("\"{}\" = {}", c.name, value(c, "\"id\"")?)))
            .collect();
        if !sets.is_empty() {
            db.execute(&format!("UPDATE \"{}\" SET {}", t.name, sets.join(", ")));
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
        write_rows(&mut db, &s, n);
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
