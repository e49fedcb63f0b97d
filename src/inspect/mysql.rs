//! MySQL and MariaDB inspector.
//!
//! At most seven queries, whatever the number of tables: the server's
//! version (MariaDB and MySQL differ in where they keep checks and how they
//! print defaults), then from `information_schema` the tables and views,
//! checks, columns, index keys, foreign keys, and views' definitions.
//!
//! What the server rewrites is read back in the spelling drizzle-kit writes,
//! so the canonical forms compare: MariaDB's `json` (a `longtext` with a
//! `json_valid` check) is `json` again, and MySQL 8's bare literal defaults
//! are quoted. A view's definition is the server's rewrite of it, which no
//! declared text matches: a view that exists under a declared name is taken
//! to be the declared one.

use std::collections::BTreeMap;

use super::Scope;
use crate::schema::{
    Check, Column, ColumnType, Dialect, FkAction, ForeignKey, Index, IndexKey, PrimaryKey,
    QualifiedName, Schema, Table, Unique, View,
};

/// Rows of a query, every column as text (NULL as `None`).
pub type Rows = Vec<Vec<Option<String>>>;

/// Runs a query on the connection being inspected.
pub type Query<'q> = dyn FnMut(&str) -> Result<Rows, String> + 'q;

fn field(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// Reads the connected database's tables and views into a sorted schema,
/// through `query`; `expected` gives the declared views their definitions back.
pub fn inspect(query: &mut Query<'_>, scope: &Scope, expected: &Schema) -> Result<Schema, String> {
    let mariadb = query("SELECT VERSION()")?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
    let excluded = |name: &str| scope.exclude_tables.iter().any(|q| q.name == name);
    let mut schema = Schema::empty(Dialect::Mysql);
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let listed = query(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
    )?;
    let mut views = Vec::new();
    for row in listed {
        let name = field(&row, 0);
        if excluded(&name) {
            continue;
        }
        if field(&row, 1) == "VIEW" {
            views.push(name);
        } else {
            tables.insert(name.clone(), Table::new("", name));
        }
    }

    let checks = checks(query, mariadb)?;
    for row in query(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, \
                GENERATION_EXPRESSION \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )? {
        let Some(table) = tables.get_mut(&field(&row, 0)) else {
            continue;
        };
        let name = field(&row, 1);
        let mut ty = field(&row, 2).to_ascii_lowercase();
        // MariaDB's json is a longtext that must hold valid JSON.
        if mariadb
            && ty == "longtext"
            && checks.iter().any(|(t, n, clause)| {
                *t == table.name && *n == name && is_json_valid(clause, &name)
            })
        {
            ty = "json".into();
        }
        let extra = field(&row, 5).to_ascii_lowercase();
        // drizzle-kit's spelling (`int`, not the display width `int(11)`).
        let spelled = crate::schema::canonical::type_sql(Dialect::Mysql, &ty);
        let mut column = Column::new(&name, ColumnType::Sql(spelled));
        column.not_null = field(&row, 3) == "NO";
        column.autoincrement = extra.contains("auto_increment");
        column.on_update = extra.contains("on update");
        let generation = field(&row, 6);
        if extra.contains("generated") || !generation.is_empty() {
            column.generated = Some(generation);
            column.generated_virtual = extra.contains("virtual");
        } else {
            column.default = row
                .get(4)
                .cloned()
                .flatten()
                .and_then(|d| default(&d, &ty, &extra, mariadb));
        }
        table.columns.push(column);
    }

    let mut keys: BTreeMap<(String, String), (bool, Vec<IndexKey>)> = BTreeMap::new();
    for row in query(
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )? {
        let entry = keys
            .entry((field(&row, 0), field(&row, 1)))
            .or_insert_with(|| (field(&row, 2) == "0", Vec::new()));
        entry.1.push(IndexKey {
            key: field(&row, 3),
            expression: false,
            desc: field(&row, 4) == "D",
            nulls: None,
            opclass: None,
        });
    }

    let mut fks: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for row in query(
        "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, \
                k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE \
         FROM information_schema.KEY_COLUMN_USAGE k \
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
          AND r.TABLE_NAME = k.TABLE_NAME \
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
    )? {
        let fk = fks
            .entry((field(&row, 0), field(&row, 1)))
            .or_insert_with(|| ForeignKey {
                name: field(&row, 1),
                columns: Vec::new(),
                references: QualifiedName::new("", field(&row, 3)),
                referenced_columns: Vec::new(),
                on_delete: FkAction::parse(&field(&row, 5)).unwrap_or_default(),
                on_update: FkAction::parse(&field(&row, 6)).unwrap_or_default(),
            });
        fk.columns.push(field(&row, 2));
        fk.referenced_columns.push(field(&row, 4));
    }
    for ((table, _), fk) in fks {
        if let Some(t) = tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }

    for ((table, name), (unique, index_keys)) in keys {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        let columns: Vec<String> = index_keys.iter().map(|k| k.key.clone()).collect();
        if name == "PRIMARY" {
            t.primary_key = Some(PrimaryKey {
                name: None,
                columns,
            });
        } else if unique && index_keys.iter().all(|k| !k.desc) {
            t.uniques.push(Unique {
                name,
                columns,
                nulls_not_distinct: false,
            });
        } else if !t
            .foreign_keys
            .iter()
            .any(|fk| fk.name == name && fk.columns.starts_with(&columns))
        {
            // An index named after a foreign key is the one MySQL made for it.
            t.indexes.push(Index {
                name,
                unique,
                keys: index_keys,
                method: None,
                predicate: None,
                with: Vec::new(),
                concurrently: false,
            });
        }
    }

    for (table, name, clause) in checks {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        let json_column = t.column(&name).is_some_and(|c| {
            c.ty == ColumnType::Sql("json".into()) && is_json_valid(&clause, &name)
        });
        if !json_column {
            t.checks.push(Check {
                name,
                expression: clause,
            });
        }
    }

    schema.tables = tables.into_values().collect();
    let mut definitions: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
    if !views.is_empty() {
        for row in query(
            "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, DATABASE() \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        )? {
            let own = format!("`{}`.", field(&row, 4));
            let mut with = Vec::new();
            let check = field(&row, 2).to_ascii_lowercase();
            if check != "none" && !check.is_empty() {
                with.push(("check_option".to_string(), check));
            }
            let security = field(&row, 3).to_ascii_lowercase();
            if security != "definer" && !security.is_empty() {
                with.push(("sql_security".to_string(), security));
            }
            definitions.insert(field(&row, 0), (field(&row, 1).replace(&own, ""), with));
        }
    }
    for name in views {
        let declared = expected.views.iter().find(|v| v.name == name);
        schema.views.push(match declared {
            Some(v) => v.clone(),
            None => {
                let (definition, with) = definitions.remove(&name).unwrap_or_default();
                View {
                    schema: String::new(),
                    name,
                    definition,
                    materialized: false,
                    with,
                    using: None,
                    tablespace: None,
                    with_no_data: false,
                }
            }
        });
    }
    schema.sort();
    Ok(schema)
}

/// Every check constraint: (table, name, clause).
fn checks(query: &mut Query<'_>, mariadb: bool) -> Result<Vec<(String, String, String)>, String> {
    // MariaDB names checks per table (and keeps the table there); MySQL per database.
    let sql = if mariadb {
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME"
    } else {
        "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE \
         FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.CHECK_CONSTRAINTS cc \
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK' \
         ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME"
    };
    let rows: Rows = query(sql)?;
    Ok(rows
        .iter()
        .map(|r| (field(r, 0), field(r, 1), field(r, 2)))
        .collect())
}

/// MariaDB's check of a json column: `json_valid(`name`)`.
fn is_json_valid(clause: &str, column: &str) -> bool {
    let compact: String = clause.chars().filter(|c| !c.is_whitespace()).collect();
    compact.eq_ignore_ascii_case(&format!("json_valid(`{column}`)"))
}

/// A column default as SQL: MariaDB prints literals quoted and `NULL` for
/// none; MySQL 8 prints literals bare and marks expressions `DEFAULT_GENERATED`.
fn default(text: &str, ty: &str, extra: &str, mariadb: bool) -> Option<String> {
    if mariadb {
        return (!text.eq_ignore_ascii_case("null")).then(|| text.to_string());
    }
    if extra.contains("default_generated") {
        return Some(text.to_string());
    }
    let numeric = [
        "int",
        "tinyint",
        "smallint",
        "mediumint",
        "bigint",
        "decimal",
        "double",
        "float",
        "bit",
    ]
    .iter()
    .any(|n| ty.starts_with(n));
    Some(if numeric {
        text.to_string()
    } else {
        crate::sql::literal(text)
    })
}
