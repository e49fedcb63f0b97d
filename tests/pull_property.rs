//! `pull`'s writer over random schemas: the TypeScript written for a model,
//! read back by the static reader, is the same model (no difference for
//! `generate` to act on). No database: the fixture round trip in
//! `tests/pull.rs` covers inspection.

use db_migrate::diff::{RenameMode, Renames, diff};
use db_migrate::render::typescript::schema_module;
use db_migrate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexKey,
    Nulls, PrimaryKey, QualifiedName, Schema, SequenceOptions, Table, Unique,
};
use db_migrate::source::drizzle::{Casing, ReadOptions, read};
use proptest::prelude::*;

/// (SQL type, a default that suits it).
const TYPES: &[(&str, &str)] = &[
    ("integer", "1"),
    ("bigint", "42"),
    ("text", "'x'"),
    ("varchar(20)", "'y'"),
    ("numeric(10, 2)", "1.5"),
    ("boolean", "true"),
    ("timestamp with time zone", "now()"),
    ("timestamp(3)", "now()"),
    ("uuid", "gen_random_uuid()"),
    ("jsonb", "'{}'::jsonb"),
    ("tsvector", "to_tsvector('simple', '')"),
    ("double precision", "0.5"),
    ("date", "CURRENT_DATE"),
];

#[derive(Debug, Clone)]
struct Col {
    ty: usize,
    dims: u8,
    not_null: bool,
    default: bool,
}

#[derive(Debug, Clone)]
struct Tab {
    schema: bool,
    identity: bool,
    cols: Vec<Col>,
    composite_pk: bool,
    unique: bool,
    check: bool,
    index: u8,
    fk: Option<FkAction>,
}

fn col() -> impl Strategy<Value = Col> {
    (0..TYPES.len(), 0u8..2, any::<bool>(), any::<bool>()).prop_map(
        |(ty, dims, not_null, default)| Col {
            ty,
            dims,
            not_null,
            default,
        },
    )
}

fn tab() -> impl Strategy<Value = Tab> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(col(), 1..4),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..6,
        proptest::option::of(prop_oneof![
            Just(FkAction::NoAction),
            Just(FkAction::Cascade),
            Just(FkAction::SetNull),
            Just(FkAction::Restrict),
        ]),
    )
        .prop_map(
            |(schema, identity, cols, composite_pk, unique, check, index, fk)| Tab {
                schema,
                identity,
                cols,
                composite_pk,
                unique,
                check,
                index,
                fk,
            },
        )
}

fn schema(tables: &[Tab], labels: usize) -> Schema {
    let mut s = Schema::empty(Dialect::Postgres);
    if tables.iter().any(|t| t.schema) {
        s.schemas.push("billing".into());
    }
    if labels > 0 {
        s.enums.push(Enum {
            schema: "public".into(),
            name: "mood".into(),
            values: ["happy", "sad", "it's ok"]
                .iter()
                .take(labels)
                .map(|v| v.to_string())
                .collect(),
        });
    }
    for (n, t) in tables.iter().enumerate() {
        let namespace = if t.schema { "billing" } else { "public" };
        let name = format!("t_{n}");
        let mut table = Table::new(namespace, &name);
        let mut id = Column::new("id", ColumnType::sql("integer"));
        id.not_null = true;
        if t.identity {
            id.identity = Some(Identity {
                always: n % 2 == 0,
                sequence_name: None,
                options: SequenceOptions::default(),
            });
        }
        table.columns.push(id);
        for (i, c) in t.cols.iter().enumerate() {
            let (ty, default) = TYPES[c.ty];
            // `created_at`-style names, which snake_case derives from `createdAt`.
            let mut column = Column::new(
                format!("{}_at", ["created", "updated", "seen"][i % 3]),
                ColumnType::sql(ty),
            );
            column.dims = c.dims;
            column.not_null = c.not_null;
            if c.default && c.dims == 0 {
                column.default = Some(default.into());
            }
            table.columns.push(column);
        }
        if labels > 0 {
            table.columns.push(Column::new(
                "mood",
                ColumnType::Enum(QualifiedName::new("public", "mood")),
            ));
        }
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: if t.composite_pk {
                vec!["id".into(), "created_at".into()]
            } else {
                vec!["id".into()]
            },
        });
        if t.unique {
            table.uniques.push(Unique {
                name: format!("{name}_created_at_key"),
                columns: vec!["created_at".into()],
                nulls_not_distinct: n % 2 == 1,
            });
        }
        if t.check {
            table.checks.push(Check {
                name: format!("{name}_id_positive"),
                expression: format!("\"{name}\".\"id\" > 0"),
            });
        }
        if t.index > 0 {
            let mut key = IndexKey::column("created_at");
            key.desc = t.index >= 2;
            key.nulls = (t.index == 3).then_some(Nulls::Last);
            table.indexes.push(Index {
                name: format!("{name}_created_at_idx"),
                unique: false,
                keys: vec![key],
                method: None,
                predicate: (t.index == 2).then(|| "\"created_at\" IS NOT NULL".to_string()),
                with: vec![],
                concurrently: false,
            });
            // An expression key, alone (3), with an operator class and DESC
            // (4), or DESC NULLS LAST (5): drizzle-orm has no key methods on
            // `sql`, so these are written inside it.
            if t.index >= 3 {
                table.indexes.push(Index {
                    name: format!("{name}_expr_idx"),
                    unique: true,
                    keys: vec![IndexKey {
                        key: "lower((\"id\")::text)".into(),
                        expression: true,
                        desc: t.index >= 4,
                        nulls: (t.index == 5).then_some(Nulls::Last),
                        opclass: (t.index == 4).then(|| "text_pattern_ops".to_string()),
                    }],
                    method: None,
                    predicate: None,
                    with: vec![],
                    concurrently: false,
                });
            }
        }
        if let Some(action) = t.fk
            && n > 0
            && !tables[0].composite_pk
        {
            table
                .columns
                .push(Column::new("parent_id", ColumnType::sql("integer")));
            table.foreign_keys.push(ForeignKey {
                name: format!("{name}_parent_fk"),
                columns: vec!["parent_id".into()],
                references: QualifiedName::new(
                    if tables[0].schema {
                        "billing"
                    } else {
                        "public"
                    },
                    "t_0",
                ),
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
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn what_pull_writes_reads_back_the_same(tables in proptest::collection::vec(tab(), 1..4), labels in 0usize..4, snake in any::<bool>()) {
        let model = schema(&tables, labels);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("schema.ts");
        // With snake_case, names the casing derives are left out.
        let casing = if snake { Casing::SnakeCase } else { Casing::Preserve };
        let derive = move |key: &str| casing.apply(key);
        let text = schema_module(&model, snake.then_some(&derive as &dyn Fn(&str) -> String));
        std::fs::write(&file, &text).expect("write");
        let options = ReadOptions { casing, naming: Default::default(), env: None, dialect: Some(Dialect::Postgres) };
        let back = read(std::slice::from_ref(&file), dir.path(), &options)
            .map_err(|e| format!("{e:?}\n{text}"));
        prop_assert!(back.is_ok(), "{}", back.err().unwrap_or_default());
        let back = back.unwrap_or_else(|_| Schema::empty(Dialect::Postgres));
        let changes = diff(&model, &back, &Renames::default(), RenameMode::DropAndCreate).unwrap_or_default();
        let described: Vec<String> = changes.iter().map(|c| c.describe()).collect();
        prop_assert!(changes.is_empty(), "{described:?}\n{text}");
    }
}
