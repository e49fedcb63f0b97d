//! Random pairs of schemas A → B: the migration generated from A to B,
//! applied to a database built from A, leaves a database that inspects equal
//! to B; and the snapshot written after it (A with the changes made) is B.

mod pg_support;
mod support;

use db_migrate::diff::apply::apply_all;
use db_migrate::diff::{RenameMode, Renames, diff};
use db_migrate::schema::{Dialect, Schema};
use pg_support::{assert_no_drift, migration_in, run};
use proptest::prelude::*;
use support::TestDb;
use support::pairs::{Style, model, schema};

/// Column types that PostgreSQL can cast into one another.
const TYPES: &[&str] = &["integer", "bigint", "text", "varchar(20)", "numeric"];
const STYLE: Style = Style {
    dialect: Dialect::Postgres,
    types: TYPES,
    id_type: "integer",
};

proptest! {
    // 24 cases by default (each builds two databases); PROPTEST_CASES for more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_migration_takes_a_database_from_a_to_b(a in model(TYPES.len()), b in model(TYPES.len())) {
        let (a, b) = (schema(&a, &STYLE), schema(&b, &STYLE));
        let m = migration_in(&a, &b, &Renames::default(), RenameMode::DropAndCreate);
        // The snapshot written after the migration is B.
        let after = apply_all(&a, &m.changes);
        let rest = diff(&after, &b, &Renames::default(), RenameMode::DropAndCreate)
            .unwrap_or_default();
        prop_assert!(rest.is_empty(), "A with the changes made differs from B: {rest:?}");

        let db = TestDb::new();
        let mut client = db.client();
        let empty = Schema::empty(Dialect::Postgres);
        run(&mut client, &migration_in(&empty, &a, &Renames::default(), RenameMode::DropAndCreate));
        assert_no_drift(&mut client, &a, "after building A");
        run(&mut client, &m);
        assert_no_drift(&mut client, &b, &format!("after A → B:\n{}", m.text()));
    }
}
