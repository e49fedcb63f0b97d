use super::*;
use crate::schema::{Column, ColumnType, Table};

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::empty(Dialect::Postgres);
    s.tables = tables;
    s.sort();
    s
}

fn table(name: &str, cols: &[&str]) -> Table {
    let mut t = Table::new("public", name);
    for c in cols {
        t.columns.push(Column::new(*c, ColumnType::sql("text")));
    }
    t
}

#[test]
fn equal_schemas_have_no_changes() {
    let a = schema(vec![table("users", &["id", "email"])]);
    assert_eq!(
        diff(&a, &a.clone(), &Renames::default(), RenameMode::Ask),
        Ok(vec![])
    );
}

#[test]
fn removed_and_added_column_is_ambiguous_without_a_decision() {
    let a = schema(vec![table("people", &["id", "full_name"])]);
    let b = schema(vec![table("people", &["id", "display_name"])]);
    let err = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap_err();
    assert_eq!(err[0].kind, "column");
    assert_eq!(err[0].removed, vec!["people.full_name"]);
    assert_eq!(err[0].added, vec!["people.display_name"]);
}

#[test]
fn declared_rename_becomes_a_rename() {
    let a = schema(vec![table("people", &["id", "full_name"])]);
    let b = schema(vec![table("people", &["id", "display_name"])]);
    let renames = Renames {
        columns: vec![(
            QualifiedName::new("public", "people"),
            "full_name".into(),
            "display_name".into(),
        )],
        ..Default::default()
    };
    let changes = diff(&a, &b, &renames, RenameMode::Ask).unwrap();
    assert!(
        matches!(&changes[..], [Change::RenameColumn { from, to, .. }] if from == "full_name" && to == "display_name")
    );
}

#[test]
fn declared_creation_is_a_drop_and_an_add() {
    let a = schema(vec![table("people", &["id", "full_name"])]);
    let b = schema(vec![table("people", &["id", "display_name"])]);
    let renames = Renames {
        created: vec!["people.display_name".into()],
        ..Default::default()
    };
    let changes = diff(&a, &b, &renames, RenameMode::Ask).unwrap();
    assert_eq!(changes.len(), 2);
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::DropColumn { .. }))
    );
}

#[test]
fn table_rename_ambiguity_and_decision() {
    let a = schema(vec![table("people", &["id"])]);
    let b = schema(vec![table("persons", &["id"])]);
    let err = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap_err();
    assert_eq!(err[0].kind, "table");
    let renames = Renames {
        tables: vec![(
            QualifiedName::new("public", "people"),
            QualifiedName::new("public", "persons"),
        )],
        ..Default::default()
    };
    let changes = diff(&a, &b, &renames, RenameMode::Ask).unwrap();
    assert!(matches!(&changes[..], [Change::RenameTable { .. }]));
}

#[test]
fn catalog_spelling_matches_declared_spelling() {
    let mut declared = table("users", &[]);
    let mut c = Column::new("email", ColumnType::sql("varchar(255)"));
    c.default = Some("'x'".into());
    declared.columns.push(c);
    let mut inspected = table("users", &[]);
    let mut c = Column::new("email", ColumnType::sql("character varying(255)"));
    c.default = Some("'x'::character varying".into());
    inspected.columns.push(c);
    let changes = diff(
        &schema(vec![inspected]),
        &schema(vec![declared]),
        &Renames::default(),
        RenameMode::Ask,
    );
    assert_eq!(changes, Ok(vec![]));
}

#[test]
fn enum_append_and_reorder() {
    let e = |values: &[&str]| crate::schema::Enum {
        schema: "public".into(),
        name: "color".into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    };
    let mut a = Schema::empty(Dialect::Postgres);
    a.enums.push(e(&["red", "green"]));
    let mut b = a.clone();
    b.enums[0] = e(&["red", "yellow", "green", "blue"]);
    let changes = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap();
    assert_eq!(
        changes,
        vec![
            Change::AddEnumValue {
                name: QualifiedName::new("public", "color"),
                value: "yellow".into(),
                before: Some("green".into())
            },
            Change::AddEnumValue {
                name: QualifiedName::new("public", "color"),
                value: "blue".into(),
                before: None
            },
        ]
    );
    b.enums[0] = e(&["green", "red"]);
    let changes = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap();
    assert!(matches!(&changes[..], [Change::RecreateEnum { .. }]));
}
