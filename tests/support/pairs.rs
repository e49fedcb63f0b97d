//! Random pairs of schemas for the property tests: a small model of up to
//! three tables, each with optional columns, keys, indexes, an enum column
//! and a foreign key to the first table. Each dialect's test turns a model
//! into its own schema.

use proptest::prelude::*;

use db_migrate::schema::FkAction;

/// One optional column: an index into the test's types, NOT NULL, a
/// default, an index, a unique constraint.
#[derive(Debug, Clone)]
pub struct Col {
    pub ty: usize,
    pub not_null: bool,
    pub default: bool,
    pub index: bool,
    pub unique: bool,
}

/// A table: there or not, keyed by `id` or not, three optional columns, an
/// enum column, a foreign key to `t0`.
#[derive(Debug, Clone)]
pub struct Tab {
    pub present: bool,
    pub pk: bool,
    pub cols: Vec<Option<Col>>,
    pub enum_col: bool,
    pub reference: Option<FkAction>,
}

/// The enum's labels that are on, and three tables.
#[derive(Debug, Clone)]
pub struct Model {
    pub labels: Vec<bool>,
    pub tables: Vec<Tab>,
}

fn col(types: usize) -> impl Strategy<Value = Option<Col>> {
    proptest::option::of(
        (
            0..types,
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

fn tab(types: usize) -> impl Strategy<Value = Tab> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(col(types), 3),
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

/// Models with column types `0..types` and `labels` enum labels.
pub fn model(types: usize, labels: usize) -> impl Strategy<Value = Model> {
    (
        proptest::collection::vec(any::<bool>(), labels),
        proptest::collection::vec(tab(types), 3),
    )
        .prop_map(|(labels, tables)| Model { labels, tables })
}
