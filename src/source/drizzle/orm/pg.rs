//! `drizzle-orm/pg-core`: tables, column types, enums, schemas and sequences
//! (views, policies, roles and custom types are in `entities`).

use std::rc::Rc;

use crate::schema::Dialect;

use super::core::{self, Config, arg, arg_site, name_and_config, new_column, string_arg};
use super::entities;
use super::value::{ColumnSqlType, Drizzle, EnumEntity, SchemaEntity, SequenceEntity, Site, Value};
use super::{Arg, Eval, Interp};

const PG: Dialect = Dialect::Postgres;

/// Calls an export of `drizzle-orm/pg-core`.
pub fn call<'a>(interp: &mut Interp<'a>, name: &str, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    match name {
        "pgTable" => core::create_table(interp, PG, None, args, site, None, None),
        // drizzle-orm 1.x: builders that name unnamed columns in one casing.
        "snakeCase.table" | "camelCase.table" => {
            core::create_table(interp, PG, None, args, site, None, casing_of(name))
        }
        "snakeCase.schema" | "camelCase.schema" => create_schema(interp, args, site, casing_of(name)),
        "snakeCase.view" | "camelCase.view" => entities::view(interp, PG, None, false, args, site),
        "snakeCase.materializedView" | "camelCase.materializedView" => {
            entities::view(interp, PG, None, true, args, site)
        }
        "pgTableCreator" => core::table_creator(interp, PG, args, site),
        "pgEnum" => create_enum(interp, None, args, site),
        "pgSchema" => create_schema(interp, args, site, None),
        "pgSequence" => create_sequence(interp, None, args, site),
        "index" => core::index(interp, false, args, site),
        "uniqueIndex" => core::index(interp, true, args, site),
        "primaryKey" => core::primary_key(interp, args, site),
        "unique" => core::unique(interp, args, site),
        "foreignKey" => core::foreign_key(interp, args, site),
        "check" => core::check(interp, args, site),
        "QueryBuilder" => Ok(Value::Host(Drizzle::QueryBuilder)),
        "pgView" => entities::view(interp, PG, None, false, args, site),
        "pgMaterializedView" => entities::view(interp, PG, None, true, args, site),
        "pgPolicy" => entities::policy(interp, args, site),
        "pgRole" => entities::role(interp, args, site),
        "customType" => entities::custom_type(interp, PG, args, site),
        _ => match column_type(interp, name, &args, site) {
            Some(column) => Ok(column),
            None => Ok(interp.fail(
                site,
                format!("`{name}` is not a builder of drizzle-orm/pg-core that db-migrate knows"),
                "unknown builder",
                "check the name and the import; db-migrate knows pgTable, pgTableCreator, pgEnum, pgSchema, \
                 pgSequence, pgView, pgMaterializedView, pgPolicy, pgRole, customType, the column types and \
                 the index, key and check builders",
            )),
        },
    }
}

/// A column builder call, when `builder` names a pg-core column type.
fn column_type<'a>(
    interp: &mut Interp<'a>,
    builder: &str,
    args: &[Arg<'a>],
    site: Site,
) -> Option<Value<'a>> {
    let simple = match builder {
        "integer" | "int" => Some("integer"),
        "smallint" => Some("smallint"),
        "bigint" => Some("bigint"),
        "serial" => Some("serial"),
        "bigserial" => Some("bigserial"),
        "smallserial" => Some("smallserial"),
        "boolean" => Some("boolean"),
        "text" => Some("text"),
        "json" => Some("json"),
        "jsonb" => Some("jsonb"),
        "uuid" => Some("uuid"),
        "date" => Some("date"),
        "real" => Some("real"),
        "doublePrecision" => Some("double precision"),
        "inet" => Some("inet"),
        "cidr" => Some("cidr"),
        "macaddr" => Some("macaddr"),
        "macaddr8" => Some("macaddr8"),
        "point" => Some("point"),
        "line" => Some("line"),
        "varchar" | "char" | "numeric" | "decimal" | "time" | "timestamp" | "interval"
        | "geometry" | "vector" | "halfvec" | "sparsevec" | "bit" => None,
        _ => return None,
    };
    let (name, config) = name_and_config(interp, args, site);
    let sql = match simple {
        Some(s) => s.to_string(),
        None => match parameterised_type(interp, builder, &config, site) {
            Some(sql) => sql,
            None => return Some(Value::Poison),
        },
    };
    let column = new_column(PG, builder, name, ColumnSqlType::Sql(sql), site);
    if builder.ends_with("serial")
        && let Value::Host(Drizzle::Column(c)) = &column
    {
        c.borrow_mut().not_null = true;
    }
    Some(column)
}

/// The SQL type of a builder whose type depends on its options, as drizzle-kit
/// writes it (geometry keeps its type but, as there, not its SRID); `None` when a
/// required option is missing (reported).
fn parameterised_type<'a>(
    interp: &mut Interp<'a>,
    builder: &str,
    config: &Config<'a>,
    site: Site,
) -> Option<String> {
    Some(match builder {
        "vector" | "halfvec" | "sparsevec" | "bit" => match config.integer(interp, "dimensions") {
            Some(n) => format!("{builder}({n})"),
            None => {
                interp.fail(
                    site,
                    format!("`{builder}` needs `dimensions`"),
                    "no dimensions",
                    format!("pass them: {builder}('name', {{ dimensions: 3 }})"),
                );
                return None;
            }
        },
        "geometry" => {
            let kind = config
                .string(interp, "type")
                .unwrap_or_else(|| "point".to_string());
            if let Some(srid) = config.integer(interp, "srid") {
                // drizzle-kit writes `geometry(point)`: the database it builds has no SRID.
                interp.warn(
                    site,
                    format!("the SRID {srid} of this geometry column is ignored, as drizzle-kit ignores it"),
                    "SRID ignored",
                    format!(
                        "the column is created as geometry({kind}) so that databases built by drizzle-kit match; \
                         to constrain it, alter the type in a hand-written migration (`generate --empty`)"
                    ),
                );
            }
            format!("geometry({kind})")
        }
        "varchar" | "char" => match config.integer(interp, "length") {
            Some(n) => format!("{builder}({n})"),
            None => builder.to_string(),
        },
        "numeric" | "decimal" => {
            let precision = config.integer(interp, "precision");
            let scale = config.integer(interp, "scale");
            match (precision, scale) {
                (Some(p), Some(s)) => format!("numeric({p}, {s})"),
                (Some(p), None) => format!("numeric({p})"),
                (None, _) => "numeric".to_string(),
            }
        }
        "time" | "timestamp" => {
            let precision = config
                .integer(interp, "precision")
                .map(|p| format!("({p})"))
                .unwrap_or_default();
            let zone = if config.boolean(interp, "withTimezone").unwrap_or(false) {
                " with time zone"
            } else {
                ""
            };
            format!("{builder}{precision}{zone}")
        }
        _ => {
            let fields = config
                .string(interp, "fields")
                .map(|f| format!(" {f}"))
                .unwrap_or_default();
            let precision = config
                .integer(interp, "precision")
                .filter(|p| *p != 0)
                .map(|p| format!("({p})"))
                .unwrap_or_default();
            format!("interval{fields}{precision}")
        }
    })
}

/// `pgEnum(name, values)` and `schema.enum(name, values)`.
fn create_enum<'a>(
    interp: &mut Interp<'a>,
    schema: Option<Rc<SchemaEntity>>,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the enum name",
    ) else {
        return Ok(Value::Poison);
    };
    let values_site = arg_site(&args, 1, site);
    let Some(values) = core::enum_values(interp, arg(&args, 1), values_site, &name) else {
        return Ok(Value::Poison);
    };
    Ok(Value::Host(Drizzle::Enum(Rc::new(EnumEntity {
        schema,
        name,
        values,
        site,
    }))))
}

/// Calling an enum: a column of that type.
pub fn enum_column<'a>(
    interp: &mut Interp<'a>,
    e: &Rc<EnumEntity>,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let (name, _) = name_and_config(interp, &args, site);
    Ok(new_column(
        PG,
        &e.name,
        name,
        ColumnSqlType::Enum(e.clone()),
        site,
    ))
}

/// The casing of drizzle-orm 1.x's `snakeCase.*`/`camelCase.*` builders.
pub fn casing_of(builder: &str) -> Option<crate::source::drizzle::Casing> {
    match builder.split_once('.').map(|(c, _)| c) {
        Some("snakeCase") => Some(crate::source::drizzle::Casing::SnakeCase),
        Some("camelCase") => Some(crate::source::drizzle::Casing::CamelCase),
        _ => None,
    }
}

fn create_schema<'a>(
    interp: &mut Interp<'a>,
    args: Vec<Arg<'a>>,
    site: Site,
    casing: Option<crate::source::drizzle::Casing>,
) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the schema name",
    ) else {
        return Ok(Value::Poison);
    };
    if name == "public" {
        return Ok(interp.fail(
            arg_site(&args, 0, site),
            "`pgSchema('public')` is not allowed",
            "public",
            "declare tables in the public schema with `pgTable(...)`",
        ));
    }
    Ok(Value::Host(Drizzle::Schema(Rc::new(SchemaEntity {
        dialect: PG,
        name,
        casing,
        site,
    }))))
}

fn create_sequence<'a>(
    interp: &mut Interp<'a>,
    schema: Option<Rc<SchemaEntity>>,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the sequence name",
    ) else {
        return Ok(Value::Poison);
    };
    let config = Config::from_value(interp, arg(&args, 1), arg_site(&args, 1, site));
    let (options, _) = core::sequence_options(interp, &config);
    Ok(Value::Host(Drizzle::Sequence(Rc::new(SequenceEntity {
        schema,
        name,
        options,
        site,
    }))))
}

/// Methods of `pgSchema(...)`: `.table`, `.enum`, `.sequence`.
pub fn schema_method<'a>(
    interp: &mut Interp<'a>,
    schema: &Rc<SchemaEntity>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match name {
        "table" => core::create_table(
            interp,
            PG,
            Some(schema.clone()),
            args,
            site,
            None,
            schema.casing,
        ),
        "enum" => create_enum(interp, Some(schema.clone()), args, site),
        "sequence" => create_sequence(interp, Some(schema.clone()), args, site),
        "view" => entities::view(interp, PG, Some(schema.clone()), false, args, site),
        "materializedView" => entities::view(interp, PG, Some(schema.clone()), true, args, site),
        _ => Ok(interp.fail(
            site,
            format!("`.{name}()` is not a method of `pgSchema`"),
            "unknown method",
            "use `.table()`, `.enum()`, `.sequence()`, `.view()` or `.materializedView()`",
        )),
    }
}
