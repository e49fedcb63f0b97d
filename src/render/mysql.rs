//! MySQL and MariaDB rendering, as drizzle-kit writes it: backticks, every
//! primary key a named table constraint, unique keys inside `CREATE TABLE`,
//! foreign keys added after the tables, and a changed column restated whole
//! with `MODIFY COLUMN` (MySQL has no way to change one part of it).

use crate::diff::Change;
use crate::schema::{Column, ColumnType, Dialect, ForeignKey, Index, QualifiedName, Table, View};
use crate::sql::{ident_in, qualified};

const MYSQL: Dialect = Dialect::Mysql;

fn ident(name: &str) -> String {
    ident_in(MYSQL, name)
}

fn idents(names: &[String]) -> String {
    names.iter().map(|n| ident(n)).collect::<Vec<_>>().join(",")
}

fn table_name(q: &QualifiedName) -> String {
    qualified(MYSQL, &q.schema, &q.name)
}

/// The statements for one change.
pub fn change(c: &Change) -> Vec<String> {
    match c {
        Change::CreateTable(t) => vec![create_table(t)],
        Change::DropTable(t) => vec![format!("DROP TABLE {}", table_name(&t.qualified()))],
        Change::RenameTable { from, to } => vec![format!(
            "RENAME TABLE {} TO {}",
            table_name(from),
            table_name(to)
        )],
        Change::AddColumn { table, column } => vec![format!(
            "ALTER TABLE {} ADD {}",
            table_name(table),
            column_def(column)
        )],
        Change::DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            table_name(table),
            ident(&column.name)
        )],
        Change::RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            table_name(table),
            ident(from),
            ident(to)
        )],
        Change::AlterColumn { table, to, .. } => vec![format!(
            "ALTER TABLE {} MODIFY COLUMN {}",
            table_name(table),
            column_def(to)
        )],
        Change::AddPrimaryKey { table, pk } => vec![format!(
            "ALTER TABLE {} ADD PRIMARY KEY({})",
            table_name(table),
            idents(&pk.columns)
        )],
        Change::DropPrimaryKey { table, .. } => {
            vec![format!(
                "ALTER TABLE {} DROP PRIMARY KEY",
                table_name(table)
            )]
        }
        Change::AddUnique { table, unique } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE({})",
            table_name(table),
            ident(&unique.name),
            idents(&unique.columns)
        )],
        Change::DropUnique { table, unique } => vec![format!(
            "DROP INDEX {} ON {}",
            ident(&unique.name),
            table_name(table)
        )],
        Change::AddForeignKey { table, fk } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            table_name(table),
            ident(&fk.name),
            foreign_key(fk)
        )],
        Change::DropForeignKey { table, fk } => vec![format!(
            "ALTER TABLE {} DROP FOREIGN KEY {}",
            table_name(table),
            ident(&fk.name)
        )],
        Change::AddCheck { table, check } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
            table_name(table),
            ident(&check.name),
            check.expression
        )],
        Change::DropCheck { table, check } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            table_name(table),
            ident(&check.name)
        )],
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropIndex { table, index } => vec![format!(
            "DROP INDEX {} ON {}",
            ident(&index.name),
            table_name(table)
        )],
        Change::CreateView(v) => vec![create_view(v)],
        Change::DropView(v) => vec![format!(
            "DROP VIEW {}",
            qualified(MYSQL, &v.schema, &v.name)
        )],
        Change::RenameView { from, to, .. } => vec![format!(
            "RENAME TABLE {} TO {}",
            table_name(from),
            table_name(to)
        )],
        // MySQL has no namespaces, enum types, sequences, roles or policies
        // of its own: a schema that declares them is refused when it is read.
        _ => Vec::new(),
    }
}

fn type_sql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Sql(t) => t.clone(),
        // Enums are inline `enum(...)` types in MySQL; a named one cannot be declared.
        ColumnType::Enum(q) => q.name.clone(),
    }
}

/// A column as drizzle-kit writes it (except that `serial` takes no second
/// `AUTO_INCREMENT`, which MariaDB refuses): `` `name` type [AUTO_INCREMENT]
/// [GENERATED ALWAYS AS (...) STORED|VIRTUAL] [NOT NULL] [DEFAULT x]
/// [ON UPDATE CURRENT_TIMESTAMP] ``.
fn column_def(c: &Column) -> String {
    let ty = type_sql(&c.ty);
    let mut s = format!("{} {ty}", ident(&c.name));
    // SERIAL already means AUTO_INCREMENT; MariaDB refuses it said twice.
    if c.autoincrement && !ty.eq_ignore_ascii_case("serial") {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(g) = &c.generated {
        let kind = if c.generated_virtual {
            "VIRTUAL"
        } else {
            "STORED"
        };
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) {kind}"));
    }
    // MariaDB takes no NOT NULL on a generated column (MySQL would): its
    // nullability follows the expression.
    if c.not_null && c.generated.is_none() {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.on_update {
        s.push_str(&format!(" ON UPDATE {}", current_timestamp(&c.ty)));
    }
    s
}

/// `CURRENT_TIMESTAMP` with the column's fractional seconds: MySQL refuses
/// an `ON UPDATE` whose precision differs from the column's.
fn current_timestamp(ty: &ColumnType) -> String {
    let fsp = match ty {
        ColumnType::Sql(t) => t
            .split_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .filter(|p| p.parse::<u8>().is_ok_and(|p| p > 0)),
        ColumnType::Enum(_) => None,
    };
    match fsp {
        Some(p) => format!("CURRENT_TIMESTAMP({p})"),
        None => "CURRENT_TIMESTAMP".to_string(),
    }
}

fn create_table(t: &Table) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(pk) = &t.primary_key {
        let name = pk
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{}", t.name, pk.columns.join("_")));
        lines.push(format!(
            "CONSTRAINT {} PRIMARY KEY({})",
            ident(&name),
            idents(&pk.columns)
        ));
    }
    for u in &t.uniques {
        lines.push(format!(
            "CONSTRAINT {} UNIQUE({})",
            ident(&u.name),
            idents(&u.columns)
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
        table_name(&t.qualified()),
        lines.join(",\n\t")
    )
}

fn foreign_key(fk: &ForeignKey) -> String {
    format!(
        "FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
        idents(&fk.columns),
        table_name(&fk.references),
        idents(&fk.referenced_columns),
        fk.on_delete.sql(),
        fk.on_update.sql()
    )
}

/// `CREATE [UNIQUE] INDEX name ON table (keys)`. Like drizzle-kit, the
/// index's `using`, `algorithm` and `lock` are not written: InnoDB builds
/// B-trees whatever is asked, and MySQL picks the least locking way itself.
fn create_index(table: &QualifiedName, i: &Index) -> String {
    let keys: Vec<String> = i
        .keys
        .iter()
        .map(|k| {
            let key = if k.expression {
                // MySQL reads a bare expression as a column list: it goes in parentheses.
                if k.key.starts_with('(') {
                    k.key.clone()
                } else {
                    format!("({})", k.key)
                }
            } else {
                ident(&k.key)
            };
            if k.desc { format!("{key} DESC") } else { key }
        })
        .collect();
    format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        ident(&i.name),
        table_name(table),
        keys.join(",")
    )
}

/// `CREATE ALGORITHM = a SQL SECURITY s VIEW name AS (query) [WITH CHECK OPTION]`.
fn create_view(v: &View) -> String {
    let option = |key: &str| {
        v.with
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
    };
    let mut s = format!(
        "CREATE ALGORITHM = {}\nSQL SECURITY {}\nVIEW {} AS ({})",
        option("algorithm").unwrap_or("undefined"),
        option("sql_security").unwrap_or("definer"),
        qualified(MYSQL, &v.schema, &v.name),
        v.definition
    );
    if let Some(check) = option("check_option") {
        s.push_str(&format!("\nWITH {check} CHECK OPTION"));
    }
    s
}
