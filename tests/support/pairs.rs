//! Random pairs of schemas for the property tests: a small model of up to
//! three tables, each with optional columns, keys, indexes, an enum column
//! and a foreign key to the first table. Each dialect's test turns a model
//! into its own schema.

use proptest::prelude::*;

use db_migrate::schema::{
    Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique,
};

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

/// Models with column types `0..types`.
pub fn model(types: usize) -> impl Strategy<Value = Model> {
    (
        proptest::collection::vec(any::<bool>(), LABELS.len()),
        proptest::collection::vec(tab(types), 3),
    )
        .prop_map(|(labels, tables)| Model { labels, tables })
}

/// How a dialect spells a model.
pub struct Style {
    /// The dialect.
    pub dialect: Dialect,
    /// Column types the dialect converts into one another.
    pub types: &'static [&'static str],
    /// The `id` column's type, which foreign keys name too.
    pub id_type: &'static str,
}

/// The enum's possible labels.
pub const LABELS: &[&str] = &["a", "b", "c", "d"];

/// The schema a model describes: PostgreSQL's enum is a type `e0` of its
/// own, MySQL's an inline `enum(...)` column type.
pub fn schema(m: &Model, style: &Style) -> Schema {
    let dialect = style.dialect;
    let home = dialect.default_schema();
    let mut s = Schema::empty(dialect);
    let labels: Vec<String> = LABELS
        .iter()
        .zip(&m.labels)
        .filter(|(_, on)| **on)
        .map(|(l, _)| l.to_string())
        .collect();
    let enum_type = match (labels.is_empty(), dialect) {
        (true, _) => None,
        (false, Dialect::Mysql) => {
            let quoted: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
            Some(ColumnType::sql(format!("enum({})", quoted.join(","))))
        }
        (false, _) => {
            s.enums.push(Enum {
                schema: home.into(),
                name: "e0".into(),
                values: labels,
            });
            Some(ColumnType::Enum(QualifiedName::new(home, "e0")))
        }
    };
    let t0_keyed = m.tables[0].present && m.tables[0].pk;
    for (n, t) in m.tables.iter().enumerate() {
        if !t.present {
            continue;
        }
        let name = format!("t{n}");
        let mut table = Table::new(home, &name);
        let mut id = Column::new("id", ColumnType::sql(style.id_type));
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
            let ty = style.types[c.ty];
            let mut column = Column::new(&cname, ColumnType::sql(ty));
            column.not_null = c.not_null;
            if c.default {
                let text = ty.starts_with("varchar") || ty == "text";
                column.default = Some(if text { "'x'" } else { "1" }.into());
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
        if let Some(ty) = enum_type.clone().filter(|_| t.enum_col) {
            table.columns.push(Column::new("e", ty));
        }
        if let Some(action) = t.reference
            && n > 0
            && t0_keyed
        {
            table
                .columns
                .push(Column::new("ref", ColumnType::sql(style.id_type)));
            table.foreign_keys.push(ForeignKey {
                name: format!("{name}_ref_fk"),
                columns: vec!["ref".into()],
                references: QualifiedName::new(home, "t0"),
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
