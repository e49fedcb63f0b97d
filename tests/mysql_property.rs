//! Random pairs of MySQL schemas A → B on MariaDB: the migration generated
//! from A to B, applied statement by statement to a database built from A,
//! leaves a database that inspects equal to B; and the snapshot written after
//! it (A with the changes made) is B.

mod support;

use db_migrate::diff::apply::apply_all;
use db_migrate::diff::{RenameMode, Renames, diff};
use db_migrate::inspect::Scope;
use db_migrate::plan::plan;
use db_migrate::render::{render, statements};
use db_migrate::schema::{
    Column, ColumnType, Dialect, FkAction, ForeignKey, Index, IndexKey, PrimaryKey, QualifiedName,
    Schema, Table, Unique,
};
use proptest::prelude::*;
use support::mysql::TestMysqlDb;
use support::pairs::{Model, model};

/// Column types MySQL converts into one another (no `text`: a key on it needs a prefix length).
const TYPES: &[&str] = &[
    "int",
    "bigint",
    "varchar(20)",
    "varchar(40)",
    "decimal(10,2)",
];
const LABELS: &[&str] = &["a", "b", "c", "d"];

/// The schema a model describes (MySQL enums are inline column types).
fn schema(m: &Model) -> Schema {
    let mut s = Schema::empty(Dialect::Mysql);
    let labels: Vec<String> = LABELS
        .iter()
        .zip(&m.labels)
        .filter(|(_, on)| **on)
        .map(|(l, _)| format!("'{l}'"))
        .collect();
    let t0_keyed = m.tables[0].present && m.tables[0].pk;
    for (n, t) in m.tables.iter().enumerate() {
        if !t.present {
            continue;
        }
        let name = format!("t{n}");
        let mut table = Table::new("", &name);
        let mut id = Column::new("id", ColumnType::sql("int"));
        id.not_null = true;
        table.columns.push(id);
        if t.pk {
            table.primary_key = Some(PrimaryKey {
                name: None,
                columns: vec!["id".into()],
            });
        }
        for (i, c) in t.cols.iter().enumerate() {
            let Some(c) = c else { continue };
            let cname = format!("c{i}");
            let ty = TYPES[c.ty];
            let mut column = Column::new(&cname, ColumnType::sql(ty));
            column.not_null = c.not_null;
            if c.default {
                column.default = Some(
                    if ty.starts_with("varchar") {
                        "'x'"
                    } else {
                        "1"
                    }
                    .into(),
                );
            }
            table.columns.push(column);
            if c.index {
                table.indexes.push(Index {
                    name: format!("{name}_{cname}_idx"),
                    unique: false,
                    keys: vec![IndexKey::column(&cname)],
                    method: None,
                    predicate: None,
                    with: vec![],
                    concurrently: false,
                });
            }
            if c.unique {
                table.uniques.push(Unique {
                    name: format!("{name}_{cname}_key"),
                    columns: vec![cname.clone()],
                    nulls_not_distinct: false,
                });
            }
        }
        if !labels.is_empty() && t.enum_col {
            table.columns.push(Column::new(
                "e",
                ColumnType::sql(format!("enum({})", labels.join(","))),
            ));
        }
        if let Some(action) = t.reference
            && n > 0
            && t0_keyed
        {
            table
                .columns
                .push(Column::new("ref", ColumnType::sql("int")));
            table.foreign_keys.push(ForeignKey {
                name: format!("{name}_ref_fk"),
                columns: vec!["ref".into()],
                references: QualifiedName::new("", "t0"),
                referenced_columns: vec!["id".into()],
                on_delete: action,
                on_update: FkAction::NoAction,
            });
        }
        s.tables.push(table);
    }
    s.sort();
    s
}

/// The statements that take `from` to `to`, as `generate` writes them.
fn migration(from: &Schema, to: &Schema) -> (Vec<String>, Schema) {
    let changes = diff(from, to, &Renames::default(), RenameMode::DropAndCreate)
        .unwrap_or_else(|a| panic!("undecided renames: {a:?}"));
    let planned = plan(changes, from, to);
    let after = apply_all(from, &planned.changes);
    (statements(&render(&planned, Dialect::Mysql)), after)
}

fn run(db: &TestMysqlDb, sql: &[String]) {
    let mut session = db.session();
    for s in sql {
        if let Err(e) = session.execute(s) {
            panic!("{s}\n{e}\n\nmigration:\n{}", sql.join(";\n"));
        }
    }
}

fn assert_no_drift(db: &TestMysqlDb, expected: &Schema, when: &str) {
    let live = db_migrate::inspect::mysql::inspect(&mut db.session(), &Scope::default(), expected)
        .unwrap_or_else(|e| panic!("inspect: {e}"));
    let drift = diff(
        expected,
        &live,
        &Renames::default(),
        RenameMode::DropAndCreate,
    )
    .unwrap_or_default();
    assert!(drift.is_empty(), "drift {when}: {drift:#?}");
}

proptest! {
    // 16 cases by default (each builds a database); PROPTEST_CASES for more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_migration_takes_a_database_from_a_to_b(a in model(TYPES.len(), LABELS.len()), b in model(TYPES.len(), LABELS.len())) {
        let (a, b) = (schema(&a), schema(&b));
        let (sql, after) = migration(&a, &b);
        let rest = diff(&after, &b, &Renames::default(), RenameMode::DropAndCreate)
            .unwrap_or_default();
        prop_assert!(rest.is_empty(), "A with the changes made differs from B: {rest:?}");

        let db = TestMysqlDb::new();
        run(&db, &migration(&Schema::empty(Dialect::Mysql), &a).0);
        assert_no_drift(&db, &a, "after building A");
        run(&db, &sql);
        assert_no_drift(&db, &b, &format!("after A → B:\n{}", sql.join(";\n")));
    }
}
