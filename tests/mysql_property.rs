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
use db_migrate::schema::{Dialect, Schema};
use proptest::prelude::*;
use support::mysql::TestMysqlDb;
use support::pairs::{Style, model, schema};

/// Column types MySQL converts into one another (no `text`: a key on it needs a prefix length).
const TYPES: &[&str] = &[
    "int",
    "bigint",
    "varchar(20)",
    "varchar(40)",
    "decimal(10,2)",
];
const STYLE: Style = Style {
    dialect: Dialect::Mysql,
    types: TYPES,
    id_type: "int",
};

/// The statements that take `from` to `to`, as `generate` writes them.
fn migration(from: &Schema, to: &Schema) -> (Vec<String>, Schema) {
    let changes = diff(from, to, &Renames::default(), RenameMode::DropAndCreate)
        .unwrap_or_else(|a| panic!("undecided renames: {a:?}"));
    let planned = plan(changes, from, to);
    let after = apply_all(from, &planned.changes);
    (statements(&render(planned.changes, Dialect::Mysql)), after)
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
    let mut session = db.session();
    let mut query = |sql: &str| session.query(sql, Vec::new()).map_err(|e| e.to_string());
    let live = db_migrate::inspect::mysql::inspect(&mut query, &Scope::default(), expected)
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
    fn a_migration_takes_a_database_from_a_to_b(a in model(TYPES.len()), b in model(TYPES.len())) {
        let (a, b) = (schema(&a, &STYLE), schema(&b, &STYLE));
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
