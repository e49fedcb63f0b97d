use super::*;
use crate::diff::{RenameMode, Renames, diff};
use crate::schema::{
    Column, ColumnType, FkAction, ForeignKey, PrimaryKey, QualifiedName, Schema, Table, Unique,
};

fn users_and_posts(dialect: Dialect) -> Schema {
    let schema = dialect.default_schema();
    let mut users = Table::new(schema, "users");
    let mut id = Column::new("id", ColumnType::sql("varchar(36)"));
    id.not_null = true;
    users.columns.push(id);
    let mut email = Column::new("email", ColumnType::sql("varchar(255)"));
    email.not_null = true;
    users.columns.push(email);
    users.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    users.uniques.push(Unique {
        name: "users_email_unique".into(),
        columns: vec!["email".into()],
        nulls_not_distinct: false,
    });
    let mut posts = Table::new(schema, "posts");
    let mut pid = Column::new("id", ColumnType::sql("integer"));
    pid.not_null = true;
    posts.columns.push(pid);
    let mut author = Column::new("author_id", ColumnType::sql("varchar(36)"));
    author.not_null = true;
    posts.columns.push(author);
    posts.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    posts.foreign_keys.push(ForeignKey {
        name: "posts_author_id_users_id_fk".into(),
        columns: vec!["author_id".into()],
        references: QualifiedName::new(schema, "users"),
        referenced_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    });
    let mut s = Schema::empty(dialect);
    s.tables = vec![users, posts];
    s.sort();
    s
}

fn sql_from_empty(to: &Schema) -> String {
    let from = Schema::empty(to.dialect);
    let changes = diff(&from, to, &Renames::default(), RenameMode::Ask).unwrap();
    let plan = crate::plan::plan(changes, &from, to);
    script(&statements(&render(plan.changes, to.dialect)))
}

#[test]
fn postgres_create_from_empty() {
    insta::assert_snapshot!(sql_from_empty(&users_and_posts(Dialect::Postgres)));
}

#[test]
fn sqlite_create_from_empty() {
    insta::assert_snapshot!(sql_from_empty(&users_and_posts(Dialect::Sqlite)));
}

#[test]
fn quoting() {
    assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    assert_eq!(literal("it's"), "'it''s'");
    assert_eq!(qualified(Dialect::Postgres, "public", "t"), "\"t\"");
    assert_eq!(qualified(Dialect::Postgres, "app", "t"), "\"app\".\"t\"");
}
