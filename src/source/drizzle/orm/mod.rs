//! drizzle-orm natively: its entry points (`drizzle-orm`, `pg-core`,
//! `sqlite-core`, `drizzle-kit`'s `defineConfig`), the values they build,
//! and the lowering of exported entities to the schema model. It plugs into
//! the JavaScript evaluator as its [`Host`].

pub mod core;
pub mod entities;
pub mod lower;
pub mod mysql;
pub mod operators;
pub mod pg;
pub mod select;
pub mod sqlite;
pub mod value;

use std::rc::Rc;

use crate::source::drizzle::js::{self, Host, Site};

use value::{Drizzle, Package};

/// A value of a program whose host is drizzle-orm.
pub type Value<'a> = js::Value<'a, Drizzle<'a>>;
/// The interpreter with drizzle-orm as its host.
pub type Interp<'a> = js::Interp<'a, Drizzle<'a>>;
/// The result of evaluating an expression.
pub type Eval<'a> = js::Eval<'a, Drizzle<'a>>;
/// A call argument and where it was written.
pub type Arg<'a> = js::Arg<'a, Drizzle<'a>>;
/// A built-in function.
pub type Native<'a> = js::Native<'a, Drizzle<'a>>;
/// A plain object.
pub type Object<'a> = js::Object<'a, Drizzle<'a>>;

/// drizzle-orm builders that start an entity of the schema.
const ENTITY_BUILDERS: [&str; 23] = [
    "snakeCase.table",
    "camelCase.table",
    "snakeCase.schema",
    "camelCase.schema",
    "snakeCase.view",
    "camelCase.view",
    "snakeCase.materializedView",
    "camelCase.materializedView",
    "pgTable",
    "sqliteTable",
    "pgEnum",
    "pgSchema",
    "pgSequence",
    "pgView",
    "pgMaterializedView",
    "pgRole",
    "pgPolicy",
    "sqliteView",
    "mysqlTable",
    "mysqlSchema",
    "mysqlDatabase",
    "mysqlView",
    "customType",
];

impl<'a> Host<'a> for Drizzle<'a> {
    fn module(specifier: &str) -> Option<Self> {
        Package::from_specifier(specifier).map(Drizzle::Package)
    }

    fn source(specifier: &str) -> Option<&'static str> {
        // drizzle-orm's modules that are plain pg-core code, carried as source.
        match specifier {
            "drizzle-orm/supabase" => Some(include_str!("builtin/supabase.ts")),
            "drizzle-orm/neon" => Some(include_str!("builtin/neon.ts")),
            _ => None,
        }
    }

    fn property(_: &mut Interp<'a>, this: &Self, key: &Rc<str>, _: Site) -> Eval<'a> {
        core::property(this, key)
    }

    fn call(interp: &mut Interp<'a>, this: &Self, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
        match this {
            Drizzle::Export { package, name } => {
                // Drizzle's builders create values that can hold other values.
                interp.create(site)?;
                if ENTITY_BUILDERS.contains(&&**name) {
                    interp.note_entity();
                }
                match package {
                    Package::PgCore => pg::call(interp, name, args, site),
                    Package::SqliteCore => sqlite::call(interp, name, args, site),
                    Package::MysqlCore => mysql::call(interp, name, args, site),
                    Package::Orm => core::orm_call(interp, name, args, site),
                    Package::Kit => kit_call(interp, name, args, site),
                }
            }
            Drizzle::TableCreator { dialect, rename } => {
                interp.note_entity();
                core::create_prefixed_table(interp, *dialect, rename, args, site)
            }
            Drizzle::CustomType { dialect, params } => {
                interp.create(site)?;
                entities::custom_column(interp, *dialect, params, args, site)
            }
            Drizzle::Enum(e) => pg::enum_column(interp, e, args, site),
            other => Ok(interp.not_callable(site, other.describe())),
        }
    }

    fn method(
        interp: &mut Interp<'a>,
        this: &Self,
        name: &Rc<str>,
        args: Vec<Arg<'a>>,
        site: Site,
    ) -> Eval<'a> {
        core::method(interp, this, name, args, site)
    }

    fn template(
        interp: &mut Interp<'a>,
        tag: &Self,
        strings: Vec<Rc<str>>,
        values: Vec<Arg<'a>>,
        site: Site,
    ) -> Eval<'a> {
        if !matches!(tag, Drizzle::Export { package: Package::Orm, name } if &**name == "sql") {
            return Ok(interp.not_evaluated(site, "a tagged template"));
        }
        interp.create(site)?;
        core::sql_template(strings, values)
    }

    fn chains(&self) -> bool {
        matches!(
            self,
            Drizzle::Column(_) | Drizzle::IndexColumn(_) | Drizzle::Constraint(_)
        )
    }

    fn describe(&self) -> String {
        Drizzle::describe(self).to_string()
    }

    fn type_of(&self) -> &'static str {
        match self {
            Drizzle::Enum(_)
            | Drizzle::Export { .. }
            | Drizzle::TableCreator { .. }
            | Drizzle::CustomType { .. } => "function",
            _ => "object",
        }
    }

    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Drizzle::Table(x), Drizzle::Table(y)) => Rc::ptr_eq(x, y),
            (Drizzle::Enum(x), Drizzle::Enum(y)) => Rc::ptr_eq(x, y),
            (Drizzle::Column(x), Drizzle::Column(y)) => Rc::ptr_eq(x, y),
            _ => false,
        }
    }

    fn entries(&self) -> Option<Vec<(Rc<str>, Value<'a>)>> {
        match self {
            Drizzle::Table(t) => Some(
                t.columns
                    .iter()
                    .map(|(k, _)| (k.clone(), core::column_ref(t, k)))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Calls an export of `drizzle-kit`: `defineConfig` returns its argument.
fn kit_call<'a>(interp: &mut Interp<'a>, name: &str, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    match name {
        "defineConfig" => Ok(args
            .into_iter()
            .next()
            .map_or(Value::Undefined, |a| a.value)),
        _ => Ok(interp.fail(
            site,
            format!("`{name}` from drizzle-kit cannot be evaluated by db-migrate"),
            "unsupported",
            "drizzle.config files use `defineConfig` from drizzle-kit, or export a plain object",
        )),
    }
}
