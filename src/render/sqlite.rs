//! SQLite rendering. Foreign keys and checks live inside `CREATE TABLE`;
//! unique constraints are unique indexes; what `ALTER TABLE` cannot do is a
//! table rebuild (the runner keeps foreign keys off around it and checks them
//! before committing, so no child row is lost).

use super::{ident, ident_list};
use crate::diff::Change;
use crate::schema::{Column, ColumnType, Dialect, Index, QualifiedName, Table};

/// The statements for one change.
pub fn change(c: &Change) -> Vec<String> {
    match c {
        Change::CreateTable(t) => vec![create_table(&t.name, t)],
        Change::DropTable(t) => vec![format!("DROP TABLE {}", ident(&t.name))],
        Change::RenameTable { from, to } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            ident(&from.name),
            ident(&to.name)
        )],
        Change::AddColumn { table, column } => vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            ident(&table.name),
            column_def(column, false)
        )],
        Change::DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            ident(&table.name),
            ident(&column.name)
        )],
        Change::RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            ident(&table.name),
            ident(from),
            ident(to)
        )],
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropIndex { index, .. } => vec![format!("DROP INDEX {}", ident(&index.name))],
        Change::DropIndexByName { name, .. } => vec![format!("DROP INDEX {}", ident(&name.name))],
        Change::RebuildTable { from, to } => rebuild(from, to),
        Change::CreateView(v) => vec![format!(
            "CREATE VIEW {} AS {}",
            ident(&v.name),
            v.definition
        )],
        Change::DropView(v) => vec![format!("DROP VIEW {}", ident(&v.name))],
        // Namespaces, enums and sequences do not exist in SQLite; constraint
        // changes are turned into rebuilds by the planner.
        _ => Vec::new(),
    }
}

fn type_sql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Sql(t) => t.clone(),
        ColumnType::Enum(_) => "text".into(),
    }
}

fn column_def(c: &Column, inline_pk: bool) -> String {
    let mut s = format!("{} {}", ident(&c.name), type_sql(&c.ty));
    if inline_pk {
        s.push_str(" PRIMARY KEY");
        if c.autoincrement {
            s.push_str(" AUTOINCREMENT");
        }
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(g) = &c.generated {
        let kind = if c.generated_virtual {
            "VIRTUAL"
        } else {
            "STORED"
        };
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) {kind}"));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

fn create_table(name: &str, t: &Table) -> String {
    let inline_pk = t
        .primary_key
        .as_ref()
        .filter(|pk| pk.columns.len() == 1)
        .map(|pk| pk.columns[0].clone());
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def(c, inline_pk.as_deref() == Some(c.name.as_str())))
        .collect();
    if let Some(pk) = &t.primary_key
        && inline_pk.is_none()
    {
        lines.push(format!("PRIMARY KEY({})", ident_list(&pk.columns)));
    }
    for fk in &t.foreign_keys {
        lines.push(format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON UPDATE {} ON DELETE {}",
            ident(&fk.name),
            ident_list(&fk.columns),
            ident(&fk.references.name),
            ident_list(&fk.referenced_columns),
            fk.on_update.sql(),
            fk.on_delete.sql()
        ));
    }
    for c in &t.checks {
        lines.push(format!(
            "CONSTRAINT {} CHECK({})",
            ident(&c.name),
            c.expression
        ));
    }
    format!(
        "CREATE TABLE {} (\n\t{}\n)",
        ident(name),
        lines.join(",\n\t")
    )
}

fn create_index(table: &QualifiedName, i: &Index) -> String {
    let keys: Vec<String> = i
        .keys
        .iter()
        .map(|k| {
            let mut s = if k.expression {
                k.key.clone()
            } else {
                ident(&k.key)
            };
            if k.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        ident(&i.name),
        ident(&table.name),
        keys.join(",")
    );
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// The rebuild recipe from SQLite's ALTER TABLE documentation: create the new
/// table, copy the rows of the columns both versions share, drop the old one,
/// rename, recreate indexes.
fn rebuild(from: &Table, to: &Table) -> Vec<String> {
    let tmp = format!("__new_{}", to.name);
    let shared: Vec<String> = to
        .columns
        .iter()
        .filter(|c| from.column(&c.name).is_some() && c.generated.is_none())
        .map(|c| c.name.clone())
        .collect();
    // SQLite refuses the table's own name as a qualifier in the new table's
    // checks and generated columns (it is not yet that name): written bare there.
    let mut bare = to.clone();
    for c in &mut bare.checks {
        c.expression = crate::sql::requalify(&c.expression, &to.name, None, Dialect::Sqlite);
    }
    for c in &mut bare.columns {
        if let Some(g) = &mut c.generated {
            *g = crate::sql::requalify(g, &to.name, None, Dialect::Sqlite);
        }
    }
    let mut out = vec![create_table(&tmp, &bare)];
    if !shared.is_empty() {
        out.push(format!(
            "INSERT INTO {}({}) SELECT {} FROM {}",
            ident(&tmp),
            ident_list(&shared),
            ident_list(&shared),
            ident(&from.name)
        ));
    }
    out.push(format!("DROP TABLE {}", ident(&from.name)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        ident(&tmp),
        ident(&to.name)
    ));
    let q = to.qualified();
    for u in &to.uniques {
        out.push(create_index(&q, &u.as_index()));
    }
    for i in &to.indexes {
        out.push(create_index(&q, i));
    }
    out
}
