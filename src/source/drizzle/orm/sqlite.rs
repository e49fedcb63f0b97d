//! `drizzle-orm/sqlite-core`: tables and column types (views and custom
//! types are in `entities`).

use crate::schema::Dialect;

use super::core::{self, name_and_config, new_column};
use super::entities;
use super::value::{ColumnSqlType, Drizzle, Site, Value};
use super::{Arg, Eval, Interp};

const SQLITE: Dialect = Dialect::Sqlite;

/// Calls an export of `drizzle-orm/sqlite-core`.
pub fn call<'a>(interp: &mut Interp<'a>, name: &str, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    match name {
        "sqliteTable" => core::create_table(interp, SQLITE, None, args, site, None, None),
        // drizzle-orm 1.x: builders that name unnamed columns in one casing.
        "snakeCase.table" | "camelCase.table" => core::create_table(
            interp,
            SQLITE,
            None,
            args,
            site,
            None,
            super::pg::casing_of(name),
        ),
        "sqliteTableCreator" => core::table_creator(interp, SQLITE, args, site),
        "index" => core::index(interp, false, args, site),
        "uniqueIndex" => core::index(interp, true, args, site),
        "primaryKey" => core::primary_key(interp, args, site),
        "unique" => core::unique(interp, args, site),
        "foreignKey" => core::foreign_key(interp, args, site),
        "check" => core::check(interp, args, site),
        "integer" | "int" | "text" | "real" | "blob" | "numeric" => {
            let (column_name, config) = name_and_config(interp, &args, site);
            let sql = match name {
                "int" => "integer".to_string(),
                "text" => match config.integer(interp, "length") {
                    Some(n) => format!("text({n})"),
                    None => "text".to_string(),
                },
                other => other.to_string(),
            };
            let timestamp_mode = name != "text"
                && matches!(
                    config.string(interp, "mode").as_deref(),
                    Some("timestamp" | "timestamp_ms")
                );
            let column = new_column(SQLITE, name, column_name, ColumnSqlType::Sql(sql), site);
            if let Value::Host(Drizzle::Column(c)) = &column {
                c.borrow_mut().timestamp_mode = timestamp_mode;
            }
            Ok(column)
        }
        "QueryBuilder" => Ok(Value::Host(Drizzle::QueryBuilder)),
        "sqliteView" | "snakeCase.view" | "camelCase.view" => {
            entities::view(interp, SQLITE, None, false, args, site)
        }
        "customType" => entities::custom_type(interp, SQLITE, args, site),
        _ => Ok(interp.fail(
            site,
            format!("`{name}` is not a builder of drizzle-orm/sqlite-core"),
            "unknown builder",
            "check the name and the import; db-migrate knows sqliteTable, sqliteTableCreator, sqliteView, \
             customType, the column types and the index, key and check builders",
        )),
    }
}
