//! Random pairs of schemas A → B: the migration generated from A to B,
//! applied to a database built from A, leaves a database that inspects equal
//! to B; and the snapshot written after it (A with the changes made) is B.

mod pg_support;
mod support;

use db_migrate::diff::apply::apply_all;
use db_migrate::diff::{RenameMode, Renames, diff};
use db_migrate::schema::{
    Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique,
};
use pg_support::{assert_no_drift, migration_in, run};
use proptest::prelude::*;
use support::TestDb;
use support::pairs::{Model, model};

/// Column types that PostgreSQL can cast into one another.
const TYPES: &[&str] = &["integer", "bigint", "text", "varchar(20)", "numeric"];
const LABELS: &[&str] = &["a", "b", "c", "d"];

/// The schema a model describes.
fn schema(m: &Model) -> Schema {
    let mut s = Schema::empty(Dialect::Postgres);
    let labels: Vec<String> = LABELS
        .iter()
        .zip(&m.labels)
        .filter(|(_, on)| **on)
        .map(|(l, _)| l.to_string())
        .collect();
    let has_enum = !labels.is_empty();
    if has_enum {
        s.enums.push(Enum {
            schema: "public".into(),
            name: "e0".into(),
            values: labels,
        });
    }
    let t0_keyed = m.tables[0].present && m.tables[0].pk;
    for (n, t) in m.tables.iter().enumerate() {
        if !t.present {
            continue;
        }
        let name = format!("t{n}");
        let mut table = Table::new("public", &name);
        let mut id = Column::new("id", ColumnType::sql("integer"));
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
                    if ty.starts_with("varchar") || ty == "text" {
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
        if has_enum && t.enum_col {
            table.columns.push(Column::new(
                "e",
                ColumnType::Enum(QualifiedName::new("public", "e0")),
            ));
        }
        if let Some(action) = t.reference
            && n > 0
            && t0_keyed
        {
            table
                .columns
                .push(Column::new("ref", ColumnType::sql("integer")));
            table.foreign_keys.push(ForeignKey {
                name: format!("{name}_ref_fk"),
                columns: vec!["ref".into()],
                references: QualifiedName::new("public", "t0"),
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

proptest! {
    // 24 cases by default (each builds two databases); PROPTEST_CASES for more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_migration_takes_a_database_from_a_to_b(a in model(TYPES.len(), LABELS.len()), b in model(TYPES.len(), LABELS.len())) {
        let (a, b) = (schema(&a), schema(&b));
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
