//! `drizzle-orm/mysql-core`: tables, column types (with the type spellings
//! drizzle-orm's `getSQLType()` gives), inline enums and schemas (views and
//! custom types are in `entities`).

use std::rc::Rc;

use crate::schema::Dialect;

use super::core::{self, Config, arg, arg_site, name_and_config, new_column, string_arg};
use super::entities;
use super::value::{ColumnSqlType, Drizzle, SchemaEntity, Site, Value};
use super::{Arg, Eval, Interp};

const MYSQL: Dialect = Dialect::Mysql;

/// Calls an export of `drizzle-orm/mysql-core`.
pub fn call<'a>(interp: &mut Interp<'a>, name: &str, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    match name {
        "mysqlTable" => core::create_table(interp, MYSQL, None, args, site, None, None),
        "snakeCase.table" | "camelCase.table" => core::create_table(
            interp,
            MYSQL,
            None,
            args,
            site,
            None,
            super::pg::casing_of(name),
        ),
        "mysqlTableCreator" => core::table_creator(interp, MYSQL, args, site),
        "mysqlSchema" | "mysqlDatabase" => create_schema(interp, args, site),
        "mysqlEnum" => enum_column(interp, args, site),
        "index" => core::index(interp, false, args, site),
        "uniqueIndex" => core::index(interp, true, args, site),
        "primaryKey" => core::primary_key(interp, args, site),
        "unique" => core::unique(interp, args, site),
        "foreignKey" => core::foreign_key(interp, args, site),
        "check" => core::check(interp, args, site),
        "QueryBuilder" => Ok(Value::Host(Drizzle::QueryBuilder)),
        "mysqlView" | "snakeCase.view" | "camelCase.view" => {
            entities::view(interp, MYSQL, None, false, args, site)
        }
        "customType" => entities::custom_type(interp, MYSQL, args, site),
        _ => match column_type(interp, name, &args, site) {
            Some(column) => Ok(column),
            None => Ok(interp.fail(
                site,
                format!("`{name}` is not a builder of drizzle-orm/mysql-core that db-migrate knows"),
                "unknown builder",
                "check the name and the import; db-migrate knows mysqlTable, mysqlTableCreator, mysqlSchema, \
                 mysqlEnum, mysqlView, customType, the column types and the index, key and check builders",
            )),
        },
    }
}

/// A column builder call, when `builder` names a mysql-core column type.
fn column_type<'a>(
    interp: &mut Interp<'a>,
    builder: &str,
    args: &[Arg<'a>],
    site: Site,
) -> Option<Value<'a>> {
    let known = matches!(
        builder,
        "serial"
            | "boolean"
            | "date"
            | "json"
            | "year"
            | "text"
            | "tinytext"
            | "mediumtext"
            | "longtext"
            | "int"
            | "tinyint"
            | "smallint"
            | "mediumint"
            | "bigint"
            | "varchar"
            | "char"
            | "binary"
            | "varbinary"
            | "datetime"
            | "time"
            | "timestamp"
            | "decimal"
            | "double"
            | "float"
            | "real"
    );
    if !known {
        return None;
    }
    let (name, config) = name_and_config(interp, args, site);
    let sql = type_sql(interp, builder, &config);
    let column = new_column(MYSQL, builder, name, ColumnSqlType::Sql(sql), site);
    if builder == "serial"
        && let Value::Host(Drizzle::Column(c)) = &column
    {
        // drizzle-orm: serial is an auto-increment column that needs no value.
        c.borrow_mut().autoincrement = true;
    }
    Some(column)
}

/// The SQL type of a builder with its options, as drizzle-orm's `getSQLType()` spells it.
fn type_sql<'a>(interp: &mut Interp<'a>, builder: &str, config: &Config<'a>) -> String {
    let unsigned = |interp: &mut Interp<'a>, ty: String| {
        if config.boolean(interp, "unsigned").unwrap_or(false) {
            format!("{ty} unsigned")
        } else {
            ty
        }
    };
    let sized = |interp: &mut Interp<'a>, key: &str| match config.integer(interp, key) {
        Some(n) => format!("{builder}({n})"),
        None => builder.to_string(),
    };
    match builder {
        "int" | "tinyint" | "smallint" | "mediumint" | "bigint" => {
            unsigned(interp, builder.to_string())
        }
        "varchar" | "char" | "binary" | "varbinary" => sized(interp, "length"),
        "datetime" | "time" | "timestamp" => sized(interp, "fsp"),
        "decimal" | "double" | "float" => {
            let precision = config.integer(interp, "precision");
            let scale = config.integer(interp, "scale");
            let ty = match (precision, scale) {
                (Some(p), Some(s)) => format!("{builder}({p},{s})"),
                (Some(p), None) => format!("{builder}({p})"),
                (None, _) => builder.to_string(),
            };
            // MySQL's default precision and scale: drizzle-orm writes them as the bare type.
            let ty =
                if builder == "decimal" && matches!(ty.as_str(), "decimal(10,0)" | "decimal(10)") {
                    "decimal".to_string()
                } else {
                    ty
                };
            unsigned(interp, ty)
        }
        "real" => match (
            config.integer(interp, "precision"),
            config.integer(interp, "scale"),
        ) {
            (Some(p), Some(s)) => format!("real({p}, {s})"),
            _ => "real".to_string(),
        },
        other => other.to_string(),
    }
}

/// `mysqlEnum(name?, values)`: an inline `enum('a','b')` column.
fn enum_column<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let first = core::known(interp, arg(&args, 0), arg_site(&args, 0, site), "the enum");
    let (name, values_at) = match first {
        Some(Value::String(s)) => (Some(s.to_string()).filter(|s| !s.is_empty()), 1),
        Some(_) => (None, 0),
        None => return Ok(Value::Poison),
    };
    let values_site = arg_site(&args, values_at, site);
    let Some(values) = core::enum_values(
        interp,
        arg(&args, values_at),
        values_site,
        name.as_deref().unwrap_or("mysqlEnum"),
    ) else {
        return Ok(Value::Poison);
    };
    if values.is_empty() {
        return Ok(interp.fail(
            values_site,
            "a mysqlEnum needs at least one value",
            "no values",
            "list the values, e.g. `mysqlEnum('role', ['admin', 'member'])`",
        ));
    }
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    let sql = format!("enum({})", quoted.join(","));
    Ok(new_column(
        MYSQL,
        "mysqlEnum",
        name,
        ColumnSqlType::Sql(sql),
        site,
    ))
}

/// `mysqlSchema(name)`: another database on the same server.
fn create_schema<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the schema name",
    ) else {
        return Ok(Value::Poison);
    };
    Ok(Value::Host(Drizzle::Schema(Rc::new(SchemaEntity {
        dialect: MYSQL,
        name,
        casing: None,
        site,
    }))))
}

/// Methods of `mysqlSchema(...)`: `.table`, `.view`.
pub fn schema_method<'a>(
    interp: &mut Interp<'a>,
    schema: &Rc<SchemaEntity>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match name {
        "table" => core::create_table(interp, MYSQL, Some(schema.clone()), args, site, None, None),
        "view" => entities::view(interp, MYSQL, Some(schema.clone()), false, args, site),
        _ => Ok(interp.fail(
            site,
            format!("`.{name}()` is not a method of `mysqlSchema`"),
            "unknown method",
            "use `.table()` or `.view()`",
        )),
    }
}
