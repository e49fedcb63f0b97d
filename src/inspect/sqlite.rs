//! SQLite inspector.
//!
//! Four queries, whatever the number of tables: the table list, then every
//! table's columns, foreign keys and index keys through the table-valued
//! pragmas joined to `sqlite_schema`. What the pragmas do not report
//! (generation expressions, `AUTOINCREMENT`, named checks, index expressions
//! and predicates) is read from the stored `CREATE` statements.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::Scope;
use super::sqlite_text::{TableText, index_text, table_text};
use crate::schema::{
    Check, Column, ColumnType, Dialect, FkAction, ForeignKey, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique, View, names,
};

/// Reads the tables of the `main` database into a sorted schema.
///
/// SQLite has one namespace per file, so `scope.schemas` is ignored and
/// `scope.exclude_tables` is matched on the table name alone.
pub fn inspect(conn: &Connection, scope: &Scope) -> Result<Schema, rusqlite::Error> {
    let schema_name = Dialect::Sqlite.default_schema();
    let mut tables: BTreeMap<String, (Table, TableText)> = BTreeMap::new();
    for (name, sql) in table_list(conn)? {
        if scope.exclude_tables.iter().any(|q| q.name == name) {
            continue;
        }
        tables.insert(
            name.clone(),
            (Table::new(schema_name, name), table_text(&sql)),
        );
    }

    let mut primary_keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for c in columns(conn)? {
        let Some((table, text)) = tables.get_mut(&c.table) else {
            continue;
        };
        let mut col = Column::new(&c.name, ColumnType::sql(c.ty.trim().to_ascii_lowercase()));
        col.not_null = c.not_null;
        if c.hidden == 2 || c.hidden == 3 {
            col.generated = text
                .generated
                .iter()
                .find(|(name, _)| *name == c.name)
                .map(|(_, expression)| expression.clone());
        } else {
            col.default = c.default;
        }
        col.autoincrement = text.autoincrement.as_deref() == Some(c.name.as_str());
        if c.pk > 0 {
            primary_keys
                .entry(c.table.clone())
                .or_default()
                .push((c.pk, c.name));
        }
        table.columns.push(col);
    }
    for (name, mut keys) in primary_keys {
        if let Some((table, _)) = tables.get_mut(&name) {
            keys.sort();
            let columns = keys.into_iter().map(|(_, c)| c).collect();
            table.primary_key = Some(PrimaryKey {
                name: None,
                columns,
            });
        }
    }
    for (table, text) in tables.values_mut() {
        table.checks = text
            .checks
            .iter()
            .map(|(name, expression)| Check {
                name: name.clone(),
                expression: expression.clone(),
            })
            .collect();
    }

    for fk in foreign_keys(conn)? {
        let referenced_columns: Vec<String> = if fk.to.iter().all(Option::is_some) {
            fk.to.into_iter().flatten().collect()
        } else {
            // `REFERENCES t` without columns: the referenced table's primary key.
            tables
                .get(&fk.references)
                .and_then(|(t, _)| t.primary_key.as_ref())
                .map(|pk| pk.columns.clone())
                .unwrap_or_default()
        };
        let Some((table, _)) = tables.get_mut(&fk.table) else {
            continue;
        };
        table.foreign_keys.push(ForeignKey {
            name: names::foreign_key(&fk.table, &fk.from, &fk.references, &referenced_columns),
            columns: fk.from,
            references: QualifiedName::new(schema_name, fk.references),
            referenced_columns,
            on_delete: FkAction::parse(&fk.on_delete).unwrap_or_default(),
            on_update: FkAction::parse(&fk.on_update).unwrap_or_default(),
        });
    }

    for i in indexes(conn)? {
        let Some((table, _)) = tables.get_mut(&i.table) else {
            continue;
        };
        match i.origin.as_str() {
            "u" => {
                let columns: Vec<String> = i
                    .keys
                    .into_iter()
                    .map(|k| k.column.unwrap_or_default())
                    .collect();
                table.uniques.push(Unique {
                    name: names::unique(&table.name, &columns),
                    columns,
                    nulls_not_distinct: false,
                });
            }
            "c" => table.indexes.push(index(i)),
            // "pk": the primary key's own index.
            _ => {}
        }
    }

    let mut schema = Schema::empty(Dialect::Sqlite);
    schema.tables = tables.into_values().map(|(t, _)| t).collect();
    schema.views = views(conn)?;
    schema.sort();
    Ok(schema)
}

/// Views, with the `SELECT` of their `CREATE VIEW ... AS` text.
fn views(conn: &Connection) -> Result<Vec<View>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'view' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, sql) = row?;
        let definition = view_body(&sql).unwrap_or(&sql).trim().to_string();
        out.push(View {
            schema: Dialect::Sqlite.default_schema().to_string(),
            name,
            definition,
            materialized: false,
            with: Vec::new(),
            using: None,
            tablespace: None,
            with_no_data: false,
        });
    }
    Ok(out)
}

/// What follows the first ` AS ` of `CREATE VIEW name AS ...` (outside quotes).
fn view_body(sql: &str) -> Option<&str> {
    let upper = sql.to_ascii_uppercase();
    let mut in_quote: Option<u8> = None;
    let bytes = upper.as_bytes();
    for i in 0..bytes.len() {
        match (in_quote, bytes[i]) {
            (Some(q), b) if b == q => in_quote = None,
            (Some(_), _) => {}
            (None, q @ (b'"' | b'`' | b'[' | b'\'')) => {
                in_quote = Some(if q == b'[' { b']' } else { q });
            }
            (None, _) => {
                if upper[i..].starts_with("AS")
                    && i > 0
                    && bytes[i - 1].is_ascii_whitespace()
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_whitespace)
                {
                    return Some(&sql[i + 2..]);
                }
            }
        }
    }
    None
}

/// Ordinary tables (not views, virtual or shadow tables, not SQLite's own) with their SQL.
fn table_list(conn: &Connection) -> Result<Vec<(String, String)>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT l.name, coalesce(s.sql, '')
         FROM pragma_table_list l
         JOIN main.sqlite_schema s ON s.type = 'table' AND s.name = l.name
         WHERE l.schema = 'main' AND l.type = 'table' AND l.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY l.name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

struct RawColumn {
    table: String,
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

fn columns(conn: &Connection) -> Result<Vec<RawColumn>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT m.name, p.name, coalesce(p.type, ''), p.\"notnull\", p.dflt_value, p.pk, p.hidden
         FROM main.sqlite_schema m JOIN pragma_table_xinfo(m.name, 'main') p
         WHERE m.type = 'table' AND p.hidden <> 1
         ORDER BY m.name, p.cid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(RawColumn {
            table: r.get(0)?,
            name: r.get(1)?,
            ty: r.get(2)?,
            not_null: r.get(3)?,
            default: r.get(4)?,
            pk: r.get(5)?,
            hidden: r.get(6)?,
        })
    })?;
    rows.collect()
}

struct RawForeignKey {
    table: String,
    references: String,
    from: Vec<String>,
    /// `None` where the key names no column: the referenced primary key's.
    to: Vec<Option<String>>,
    on_update: String,
    on_delete: String,
}

fn foreign_keys(conn: &Connection) -> Result<Vec<RawForeignKey>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete
         FROM main.sqlite_schema m JOIN pragma_foreign_key_list(m.name, 'main') f
         WHERE m.type = 'table'
         ORDER BY m.name, f.id, f.seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: Vec<RawForeignKey> = Vec::new();
    let mut current: Option<(String, i64)> = None;
    while let Some(r) = rows.next()? {
        let key = (r.get::<_, String>(0)?, r.get::<_, i64>(1)?);
        let from: String = r.get(3)?;
        let to: Option<String> = r.get(4)?;
        match out.last_mut() {
            Some(fk) if current.as_ref() == Some(&key) => {
                fk.from.push(from);
                fk.to.push(to);
            }
            _ => {
                out.push(RawForeignKey {
                    table: key.0.clone(),
                    references: r.get(2)?,
                    from: vec![from],
                    to: vec![to],
                    on_update: r.get(5)?,
                    on_delete: r.get(6)?,
                });
                current = Some(key);
            }
        }
    }
    Ok(out)
}

struct RawIndex {
    table: String,
    name: String,
    unique: bool,
    origin: String,
    partial: bool,
    sql: Option<String>,
    keys: Vec<RawIndexKey>,
}

struct RawIndexKey {
    /// The column, or `None` for an expression.
    column: Option<String>,
    desc: bool,
}

fn indexes(conn: &Connection) -> Result<Vec<RawIndex>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, s.sql, ix.name, ix.\"desc\"
         FROM main.sqlite_schema m
         JOIN pragma_index_list(m.name, 'main') il
         JOIN pragma_index_xinfo(il.name, 'main') ix
         LEFT JOIN main.sqlite_schema s ON s.type = 'index' AND s.name = il.name
         WHERE m.type = 'table' AND ix.key = 1
         ORDER BY m.name, il.name, ix.seqno",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: Vec<RawIndex> = Vec::new();
    while let Some(r) = rows.next()? {
        let table: String = r.get(0)?;
        let name: String = r.get(1)?;
        let key = RawIndexKey {
            column: r.get(6)?,
            desc: r.get(7)?,
        };
        match out.last_mut() {
            Some(i) if i.table == table && i.name == name => i.keys.push(key),
            _ => out.push(RawIndex {
                table,
                name,
                unique: r.get(2)?,
                origin: r.get(3)?,
                partial: r.get(4)?,
                sql: r.get(5)?,
                keys: vec![key],
            }),
        }
    }
    Ok(out)
}

/// An index made by `CREATE INDEX`; expressions and the predicate come from its text.
fn index(i: RawIndex) -> Index {
    let text = index_text(i.sql.as_deref().unwrap_or(""));
    let keys = i
        .keys
        .into_iter()
        .enumerate()
        .map(|(n, k)| {
            let (key, expression) = match k.column {
                Some(column) => (column, false),
                None => (text.keys.get(n).cloned().unwrap_or_default(), true),
            };
            IndexKey {
                key,
                expression,
                desc: k.desc,
                nulls: None,
                opclass: None,
            }
        })
        .collect();
    Index {
        name: i.name,
        unique: i.unique,
        keys,
        method: None,
        predicate: if i.partial { text.predicate } else { None },
        with: Vec::new(),
        concurrently: false,
    }
}
