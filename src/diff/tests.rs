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

#[test]
fn a_label_removed_and_another_added_is_asked_about() {
    let e = |values: &[&str]| crate::schema::Enum {
        schema: "public".into(),
        name: "status".into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    };
    let mut a = Schema::empty(Dialect::Postgres);
    a.enums.push(e(&["active", "off"]));
    let mut b = a.clone();
    b.enums[0] = e(&["enabled", "off"]);
    let err = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap_err();
    assert_eq!(err[0].kind, "enum value");
    assert_eq!(err[0].removed, vec!["status.active"]);
    let renames = Renames {
        enum_values: vec![(
            QualifiedName::new("public", "status"),
            "active".into(),
            "enabled".into(),
        )],
        ..Default::default()
    };
    let changes = diff(&a, &b, &renames, RenameMode::Ask).unwrap();
    assert!(matches!(&changes[..], [Change::RenameEnumValue { .. }]));
}

#[test]
fn a_renamed_schema_carries_its_objects() {
    let mut a = Schema::empty(Dialect::Postgres);
    a.schemas.push("app".into());
    let mut t = table("things", &["id"]);
    t.schema = "app".into();
    a.tables.push(t.clone());
    let mut b = Schema::empty(Dialect::Postgres);
    b.schemas.push("core".into());
    t.schema = "core".into();
    b.tables.push(t);
    let err = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap_err();
    assert_eq!(err[0].kind, "schema");
    let renames = Renames {
        schemas: vec![("app".into(), "core".into())],
        ..Default::default()
    };
    let changes = diff(&a, &b, &renames, RenameMode::Ask).unwrap();
    assert!(matches!(&changes[..], [Change::RenameSchema { .. }]));
}

#[test]
fn a_view_is_made_again_around_a_type_change_of_its_table() {
    let view = crate::schema::View {
        schema: "public".into(),
        name: "v".into(),
        definition: "select id from users".into(),
        materialized: false,
        with: vec![],
        using: None,
        tablespace: None,
        with_no_data: false,
    };
    let mut a = schema(vec![table("users", &["id"])]);
    a.views.push(view.clone());
    let mut b = a.clone();
    b.tables[0].columns[0].ty = ColumnType::sql("integer");
    let changes = diff(&a, &b, &Renames::default(), RenameMode::Ask).unwrap();
    let kinds: Vec<String> = changes.iter().map(Change::describe).collect();
    assert_eq!(
        kinds,
        vec![
            "drop view v",
            "create view v",
            "alter column users.id (type)"
        ]
    );
    // Untouched tables leave views alone; a new name is asked about.
    let mut c = a.clone();
    c.views[0].name = "w".into();
    let err = diff(&a, &c, &Renames::default(), RenameMode::Ask).unwrap_err();
    assert_eq!(err[0].kind, "view");
}

#[test]
fn a_renamed_table_keeps_its_default_names_matching() {
    let mut a = schema(vec![table("people", &["id"])]);
    a.tables[0].primary_key = Some(crate::schema::PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    a.tables[0].columns[0].ty = ColumnType::sql("serial");
    let mut b = a.clone();
    b.tables[0].name = "persons".into();
    let renames = Renames {
        tables: vec![(
            QualifiedName::new("public", "people"),
            QualifiedName::new("public", "persons"),
        )],
        ..Default::default()
    };
    let changes = diff(&a, &b, &renames, RenameMode::Ask).unwrap();
    let kinds: Vec<String> = changes.iter().map(Change::describe).collect();
    assert_eq!(
        kinds,
        vec![
            "rename sequence people_id_seq to persons_id_seq",
            "rename table people to persons",
            "rename constraint people_pkey on persons to persons_pkey"
        ]
    );
}
