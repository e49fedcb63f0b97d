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

/// Column types that PostgreSQL can cast into one another.
const TYPES: &[&str] = &["integer", "bigint", "text", "varchar(20)", "numeric"];
const LABELS: &[&str] = &["a", "b", "c", "d"];

/// One optional column: type, NOT NULL, a default, an index, a unique constraint.
#[derive(Debug, Clone)]
struct Col {
    ty: usize,
    not_null: bool,
    default: bool,
    index: bool,
    unique: bool,
}

#[derive(Debug, Clone)]
struct Tab {
    present: bool,
    pk: bool,
    cols: Vec<Option<Col>>,
    enum_col: bool,
    reference: Option<FkAction>,
}

#[derive(Debug, Clone)]
struct Model {
    labels: Vec<bool>,
    tables: Vec<Tab>,
}

fn col() -> impl Strategy<Value = Option<Col>> {
    proptest::option::of(
        (
            0..TYPES.len(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(ty, not_null, default, index, unique)| Col {
                ty,
                not_null,
                default,
                index,
                unique,
            }),
    )
}

fn tab() -> impl Strategy<Value = Tab> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(col(), 3),
        any::<bool>(),
        proptest::option::of(prop_oneof![
            Just(FkAction::NoAction),
            Just(FkAction::Cascade),
            Just(FkAction::SetNull)
        ]),
    )
        .prop_map(|(present, pk, cols, enum_col, reference)| Tab {
            present,
            pk,
            cols,
            enum_col,
            reference,
        })
}

fn model() -> impl Strategy<Value = Model> {
    (
        proptest::collection::vec(any::<bool>(), LABELS.len()),
        proptest::collection::vec(tab(), 3),
    )
        .prop_map(|(labels, tables)| Model { labels, tables })
}

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
    fn a_migration_takes_a_database_from_a_to_b(a in model(), b in model()) {
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
