//! Drizzle's builders that pg-core and sqlite-core share: tables, column
//! modifiers, the third argument's index/key/check builders, and `sql`.

use std::cell::RefCell;
use std::rc::Rc;

use crate::schema::{Dialect, FkAction, Nulls, SequenceOptions};

use super::value::{
    CheckBuilder, ColumnBuilder, ColumnDefault, ColumnRef, ColumnSqlType, ColumnUnique, Constraint,
    Drizzle, ForeignKeyBuilder, IdentitySpec, IndexBuilder, IndexColumn, IndexKeySource, Native,
    Object, Package, PrimaryKeyBuilder, Reference, SchemaEntity, Site, SqlChunk, SqlFragment,
    TableEntity, UniqueBuilder, Value, callable,
};
use super::{Arg, Eval, Interp};
pub use crate::source::drizzle::js::builtins::{arg, arg_site};
use crate::source::drizzle::js::builtins::{number_to_string, to_js_string};

/// The value a table's `t.key` stands for.
pub fn column_ref<'a>(table: &Rc<TableEntity<'a>>, key: &Rc<str>) -> Value<'a> {
    Value::Host(Drizzle::ColumnRef(ColumnRef {
        table: table.clone(),
        key: key.clone(),
    }))
}

/// Reports a value the reader cannot know where a known one is needed;
/// `None` for such values (and for poison).
pub fn known<'a>(
    interp: &mut Interp<'a>,
    v: Value<'a>,
    site: Site,
    what: &str,
) -> Option<Value<'a>> {
    match v {
        Value::Poison => None,
        Value::Opaque(o) => {
            interp.release(&o);
            let described = o.describe();
            interp.fail(
                site,
                format!("{what} must be known when reading the schema, but it is {described}"),
                "not known statically",
                "db-migrate cannot evaluate it statically: inline the value or use `--loader node`",
            );
            None
        }
        v => Some(v),
    }
}

/// A string argument; reports anything else.
pub fn string_arg<'a>(
    interp: &mut Interp<'a>,
    v: Value<'a>,
    site: Site,
    what: &str,
) -> Option<String> {
    match known(interp, v, site, what)? {
        Value::String(s) => Some(s.to_string()),
        other => {
            let described = other.describe();
            interp.fail(
                site,
                format!("{what} must be a string, found {described}"),
                "expected a string",
                "pass a string",
            );
            None
        }
    }
}

/// A builder's options object.
pub struct Config<'a> {
    object: Option<Rc<RefCell<Object<'a>>>>,
    site: Site,
}

impl<'a> Config<'a> {
    /// No options.
    pub fn none(site: Site) -> Config<'a> {
        Config { object: None, site }
    }

    /// Options from a value: an object, or nothing for `undefined`; reports others.
    pub fn from_value(interp: &mut Interp<'a>, v: Value<'a>, site: Site) -> Config<'a> {
        match known(interp, v, site, "the options") {
            Some(Value::Object(o)) => Config {
                object: Some(o),
                site,
            },
            Some(Value::Undefined) | None => Config::none(site),
            Some(other) => {
                let described = other.describe();
                interp.fail(
                    site,
                    format!("expected an options object, found {described}"),
                    "options",
                    "pass an object like `{ length: 255 }`",
                );
                Config::none(site)
            }
        }
    }

    /// A known, defined option value with where it was written.
    pub fn value(&self, interp: &mut Interp<'a>, key: &str) -> Option<(Value<'a>, Site)> {
        let object = self.object.as_ref()?;
        let (v, site) = {
            let o = object.borrow();
            let p = o.property(key)?;
            (p.value.clone(), p.site.unwrap_or(self.site))
        };
        match known(interp, v, site, &format!("option `{key}`"))? {
            Value::Undefined => None,
            v => Some((v, site)),
        }
    }

    /// The option names given, in order.
    pub fn keys(&self) -> Vec<Rc<str>> {
        self.object
            .as_ref()
            .map(|o| o.borrow().props.iter().map(|p| p.key.clone()).collect())
            .unwrap_or_default()
    }

    /// A string option.
    pub fn string(&self, interp: &mut Interp<'a>, key: &str) -> Option<String> {
        let (v, site) = self.value(interp, key)?;
        string_arg(interp, v, site, &format!("option `{key}`"))
    }

    /// A boolean option.
    pub fn boolean(&self, interp: &mut Interp<'a>, key: &str) -> Option<bool> {
        match self.value(interp, key)? {
            (Value::Bool(b), _) => Some(b),
            (other, site) => {
                let described = other.describe();
                interp.fail(
                    site,
                    format!("option `{key}` must be true or false, found {described}"),
                    "expected a boolean",
                    "pass `true` or `false`",
                );
                None
            }
        }
    }

    /// An integer option (numbers, numeric strings and bigints).
    pub fn integer(&self, interp: &mut Interp<'a>, key: &str) -> Option<i64> {
        let (v, site) = self.value(interp, key)?;
        let parsed = match &v {
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.3e18 => Some(*n as i64),
            Value::String(s) | Value::BigInt(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            let described = v.describe();
            interp.fail(
                site,
                format!("option `{key}` must be an integer, found {described}"),
                "expected an integer",
                "pass a whole number",
            );
        }
        parsed
    }
}

/// `(name?, options?)` as column builders take them.
pub fn name_and_config<'a>(
    interp: &mut Interp<'a>,
    args: &[Arg<'a>],
    site: Site,
) -> (Option<String>, Config<'a>) {
    match known(
        interp,
        arg(args, 0),
        arg_site(args, 0, site),
        "the column name",
    ) {
        Some(Value::String(s)) => {
            let config = Config::from_value(interp, arg(args, 1), arg_site(args, 1, site));
            (Some(s.to_string()), config)
        }
        Some(Value::Undefined) | None => (None, Config::none(site)),
        Some(v @ Value::Object(_)) => {
            (None, Config::from_value(interp, v, arg_site(args, 0, site)))
        }
        Some(other) => {
            let described = other.describe();
            interp.fail(
                arg_site(args, 0, site),
                format!("a column name must be a string, found {described}"),
                "column name",
                "pass the name as a string, or leave it out to use the key",
            );
            (None, Config::none(site))
        }
    }
}

/// A new column builder of a type.
pub fn new_column<'a>(
    dialect: Dialect,
    builder: &str,
    name: Option<String>,
    sql_type: ColumnSqlType,
    site: Site,
) -> Value<'a> {
    Value::Host(Drizzle::Column(Rc::new(RefCell::new(ColumnBuilder::new(
        dialect,
        builder.into(),
        name,
        sql_type,
        0,
        site,
    )))))
}

/// `pgTable(name, columns, extra?)` and its relatives.
pub fn create_table<'a>(
    interp: &mut Interp<'a>,
    dialect: Dialect,
    schema: Option<Rc<SchemaEntity>>,
    args: Vec<Arg<'a>>,
    site: Site,
    rename: Option<&Value<'a>>,
    casing: Option<crate::source::drizzle::Casing>,
) -> Eval<'a> {
    let Some(mut name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the table name",
    ) else {
        return Ok(Value::Poison);
    };
    if let Some(rename) = rename {
        let renamed = interp.call(
            rename,
            vec![Arg {
                value: Value::string(name.as_str()),
                site,
            }],
            site,
        )?;
        match string_arg(
            interp,
            renamed,
            site,
            "the table name the creator function returns",
        ) {
            Some(n) => name = n,
            None => return Ok(Value::Poison),
        }
    }
    let columns_site = arg_site(&args, 1, site);
    let mut columns_value = arg(&args, 1);
    if matches!(columns_value, Value::Function(_)) {
        let package = match dialect {
            Dialect::Postgres => Package::PgCore,
            Dialect::Sqlite => Package::SqliteCore,
            Dialect::Mysql => Package::MysqlCore,
        };
        let builders = Arg {
            value: Value::Host(Drizzle::Package(package)),
            site: columns_site,
        };
        columns_value = interp.call(&columns_value, vec![builders], columns_site)?;
    }
    let Some(columns_value) = known(interp, columns_value, columns_site, "the columns") else {
        return Ok(Value::Poison);
    };
    let Value::Object(object) = columns_value else {
        let described = columns_value.describe();
        return Ok(interp.fail(
            columns_site,
            format!("the columns of table `{name}` must be an object, found {described}"),
            "columns",
            "pass an object of column builders, e.g. `{ id: integer() }`",
        ));
    };
    let mut columns = Vec::new();
    let mut incomplete = false;
    let props = object.borrow().props.clone();
    for p in props {
        let psite = p.site.unwrap_or(columns_site);
        match p.value {
            Value::Host(Drizzle::Column(c)) => {
                if c.borrow().dialect != dialect {
                    let builder = c.borrow().builder.clone();
                    interp.fail(
                        psite,
                        format!(
                            "column `{}` uses the {} builder `{builder}` in a {} table",
                            p.key,
                            c.borrow().dialect,
                            dialect
                        ),
                        "wrong dialect",
                        "import column builders from the same drizzle-orm entry point as the table",
                    );
                    incomplete = true;
                    continue;
                }
                columns.push((p.key.clone(), c));
            }
            Value::Poison => incomplete = true,
            Value::Host(Drizzle::ColumnRef(c)) => {
                interp.fail(
                    psite,
                    format!(
                        "`{}` in table `{name}` is the column `{}` of table `{}`, not a column builder",
                        p.key, c.key, c.table.name
                    ),
                    "column of another table",
                    "declare the column again, or share a builder through a helper: \
                     `const id = () => integer('id')`",
                );
                incomplete = true;
            }
            other => {
                let hint = match &other {
                    v if callable(v) => {
                        format!("call the builder: `{}()`", interp.snippet(psite))
                    }
                    _ => "use a column builder such as `text()` or `integer()`".to_string(),
                };
                let described = other.describe();
                interp.fail(
                    psite,
                    format!(
                        "`{}` in table `{name}` is not a column: it is {described}",
                        p.key
                    ),
                    "not a column builder",
                    hint,
                );
                incomplete = true;
            }
        }
    }
    let extra = match args.get(2) {
        Some(a) if !matches!(a.value, Value::Undefined) => Some((a.value.clone(), a.site)),
        _ => None,
    };
    let casing = casing.or_else(|| schema.as_ref().and_then(|s| s.casing));
    Ok(Value::Host(Drizzle::Table(Rc::new(TableEntity {
        dialect,
        schema,
        name,
        columns,
        extra,
        incomplete,
        rls: std::cell::Cell::new(false),
        casing,
        site,
    }))))
}

/// Calls the function made by `pgTableCreator`/`sqliteTableCreator`.
pub fn create_prefixed_table<'a>(
    interp: &mut Interp<'a>,
    dialect: Dialect,
    rename: &Value<'a>,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    create_table(interp, dialect, None, args, site, Some(rename), None)
}

/// `pgTableCreator(fn)` / `sqliteTableCreator(fn)`.
pub fn table_creator<'a>(
    interp: &mut Interp<'a>,
    dialect: Dialect,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match arg(&args, 0) {
        f if callable(&f) => Ok(Value::Host(Drizzle::TableCreator {
            dialect,
            rename: Rc::new(f),
        })),
        Value::Poison => Ok(Value::Poison),
        other => {
            let described = other.describe();
            Ok(interp.fail(
                arg_site(&args, 0, site),
                format!("the table creator needs a function that maps names, found {described}"),
                "not a function",
                "pass a function, e.g. `(name) => `app_${name}``",
            ))
        }
    }
}

/// Reads properties of Drizzle values.
pub fn property<'a>(d: &Drizzle<'a>, key: &Rc<str>) -> Eval<'a> {
    let method = || {
        Ok(Value::native(Native::Method {
            receiver: Value::Host(d.clone()),
            name: key.clone(),
        }))
    };
    match d {
        Drizzle::Package(package) => Ok(Value::Host(Drizzle::Export {
            package: *package,
            name: key.clone(),
        })),
        Drizzle::Export { package, name } => Ok(Value::Host(Drizzle::Export {
            package: *package,
            name: format!("{name}.{key}").into(),
        })),
        Drizzle::TableCreator { .. } | Drizzle::CustomType { .. } => Ok(Value::Undefined),
        Drizzle::Sql(_) => method(),
        Drizzle::Table(t) => {
            if t.column(key).is_some() {
                return Ok(column_ref(t, key));
            }
            if matches!(&**key, "enableRLS") {
                return method();
            }
            if t.incomplete {
                return Ok(Value::Poison);
            }
            // A missing key reads as `undefined`, as in JavaScript: code tests
            // for optional columns (`t.deletedAt ? ... : ...`). Where undefined
            // reaches DDL, the builder that takes it says so.
            Ok(Value::Undefined)
        }
        Drizzle::Enum(e) => Ok(match &**key {
            "enumValues" => {
                Value::array(e.values.iter().map(|v| Value::string(v.as_str())).collect())
            }
            "enumName" => Value::string(e.name.as_str()),
            "schema" => e
                .schema
                .as_ref()
                .map_or(Value::Undefined, |s| Value::string(s.name.as_str())),
            _ => Value::Undefined,
        }),
        Drizzle::Schema(s) => match &**key {
            "schemaName" => Ok(Value::string(s.name.as_str())),
            _ => method(),
        },
        Drizzle::Sequence(_) | Drizzle::NoDdl(_) => Ok(Value::Undefined),
        Drizzle::Role(r) if &**key == "name" => Ok(Value::string(r.name.as_str())),
        Drizzle::Policy(p) if &**key == "name" => Ok(Value::string(p.name.as_str())),
        Drizzle::Role(_)
        | Drizzle::Policy(_)
        | Drizzle::View(_)
        | Drizzle::QueryBuilder
        | Drizzle::Select(_) => method(),
        Drizzle::ColumnRef(c) if &**key == "name" => Ok(Value::string(declared_name(c))),
        Drizzle::Column(_)
        | Drizzle::ColumnRef(_)
        | Drizzle::IndexColumn(_)
        | Drizzle::Constraint(_) => method(),
    }
}

/// The name drizzle-orm knows a column by: its explicit name, or its key
/// (database casing is applied later).
pub fn declared_name(c: &ColumnRef<'_>) -> String {
    c.table
        .column(&c.key)
        .and_then(|b| b.borrow().name.clone())
        .unwrap_or_else(|| c.key.to_string())
}

/// Calls a method of a Drizzle value.
pub fn method<'a>(
    interp: &mut Interp<'a>,
    d: &Drizzle<'a>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match d {
        Drizzle::Sql(s) => sql_method(interp, s, name, args, site),
        Drizzle::Schema(s) => {
            if matches!(
                name,
                "table" | "enum" | "view" | "materializedView" | "sequence"
            ) {
                interp.note_entity();
            }
            match s.dialect {
                Dialect::Mysql => super::mysql::schema_method(interp, s, name, args, site),
                _ => super::pg::schema_method(interp, s, name, args, site),
            }
        }
        Drizzle::Column(c) => column_method(interp, c, name, args, site),
        Drizzle::ColumnRef(c) => {
            let column = IndexColumn {
                column: c.clone(),
                desc: false,
                nulls: None,
                opclass: None,
            };
            index_column_method(interp, column, name, args, site)
        }
        Drizzle::IndexColumn(c) => index_column_method(interp, (**c).clone(), name, args, site),
        Drizzle::Constraint(c) => constraint_method(interp, c, name, args, site),
        Drizzle::Table(t) => super::entities::table_method(interp, t, name, site),
        Drizzle::Role(r) => super::entities::role_method(interp, r, name, site),
        Drizzle::Policy(p) => super::entities::policy_method(interp, p, name, args, site),
        Drizzle::View(v) => super::entities::view_method(interp, v, name, args, site),
        Drizzle::QueryBuilder => super::select::builder_method(interp, name, args, site),
        Drizzle::Select(q) => super::select::query_method(interp, q, name, args, site),
        other => Ok(unknown_method(interp, other.describe(), name, site)),
    }
}

/// Reports a method a Drizzle value does not have.
pub fn unknown_method<'a>(
    interp: &mut Interp<'a>,
    what: &str,
    name: &str,
    site: Site,
) -> Value<'a> {
    interp.fail(
        site,
        format!("`.{name}()` is not a method of {what} that db-migrate knows"),
        "unknown method",
        "check the name against the drizzle-orm documentation; if it exists, db-migrate does not support it yet",
    )
}

fn fk_action<'a>(interp: &mut Interp<'a>, v: Value<'a>, site: Site) -> Option<FkAction> {
    let text = string_arg(interp, v, site, "the foreign key action")?;
    let action = FkAction::parse(&text);
    if action.is_none() {
        interp.fail(
            site,
            format!("`{text}` is not a foreign key action"),
            "unknown action",
            "use 'cascade', 'restrict', 'no action', 'set null' or 'set default'",
        );
    }
    action
}

/// Options of `pgSequence` and identity columns; `name` is returned separately.
pub fn sequence_options<'a>(
    interp: &mut Interp<'a>,
    config: &Config<'a>,
) -> (SequenceOptions, Option<String>) {
    let options = SequenceOptions {
        increment: config.integer(interp, "increment"),
        min_value: config.integer(interp, "minValue"),
        max_value: config.integer(interp, "maxValue"),
        start: config.integer(interp, "startWith"),
        cache: config.integer(interp, "cache"),
        cycle: config.boolean(interp, "cycle").unwrap_or(false),
    };
    (options, config.string(interp, "name"))
}

fn column_method<'a>(
    interp: &mut Interp<'a>,
    column: &Rc<RefCell<ColumnBuilder<'a>>>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let this = Value::Host(Drizzle::Column(column.clone()));
    let (dialect, type_name) = {
        let c = column.borrow();
        let type_name = match &c.sql_type {
            ColumnSqlType::Sql(s) => s.clone(),
            ColumnSqlType::Enum(_) => "enum".to_string(),
        };
        (c.dialect, type_name)
    };
    // A modifier of one dialect's columns; reported on the others.
    let only = |interp: &mut Interp<'a>, of: Dialect| {
        if dialect == of {
            return true;
        }
        interp.fail(
            site,
            format!("`.{name}()` is not available on {dialect} columns"),
            &format!("{of} only"),
            format!("remove it; {dialect} has no such column option"),
        );
        false
    };
    let pg_only = |interp: &mut Interp<'a>| only(interp, Dialect::Postgres);
    let mysql_only = |interp: &mut Interp<'a>| only(interp, Dialect::Mysql);
    match name {
        "getSQLType" => return Ok(Value::string(sql_type_name(&column.borrow()))),
        "notNull" => column.borrow_mut().not_null = true,
        "primaryKey" => {
            let config = Config::from_value(interp, arg(&args, 0), arg_site(&args, 0, site));
            let mut c = column.borrow_mut();
            c.primary_key = true;
            c.not_null = true;
            if dialect == Dialect::Sqlite {
                c.autoincrement = config.boolean(interp, "autoIncrement").unwrap_or(false);
            }
        }
        "unique" => {
            let unique_name = match arg(&args, 0) {
                Value::Undefined => None,
                v => match string_arg(
                    interp,
                    v,
                    arg_site(&args, 0, site),
                    "the unique constraint name",
                ) {
                    Some(n) => Some(n),
                    None => return Ok(Value::Poison),
                },
            };
            let config = Config::from_value(interp, arg(&args, 1), arg_site(&args, 1, site));
            let nulls = config.string(interp, "nulls");
            column.borrow_mut().unique = Some(ColumnUnique {
                name: unique_name,
                nulls_not_distinct: nulls.as_deref() == Some("not distinct"),
            });
        }
        "default" => {
            let value = arg(&args, 0);
            column.borrow_mut().default = match value {
                Value::Undefined => None,
                v => Some(ColumnDefault::Value(v, arg_site(&args, 0, site))),
            };
        }
        // drizzle-orm's SQLite timestamp integers (deprecated there, still valid):
        // milliseconds in both modes.
        "defaultNow" if column.borrow().timestamp_mode => {
            column.borrow_mut().default = Some(ColumnDefault::Sql(
                "(cast((julianday('now') - 2440587.5)*86400000 as integer))",
            ));
        }
        "defaultNow" if dialect == Dialect::Mysql => {
            column.borrow_mut().default = Some(ColumnDefault::Sql("(now())"));
        }
        "autoincrement" => {
            if mysql_only(interp) {
                column.borrow_mut().autoincrement = true;
            }
        }
        "onUpdateNow" => {
            if !mysql_only(interp) {
                return Ok(this);
            }
            if !(type_name.starts_with("timestamp") || type_name.starts_with("datetime")) {
                return Ok(interp.fail(
                    site,
                    format!("`.onUpdateNow()` is for timestamp columns, not `{type_name}`"),
                    "onUpdateNow",
                    "use it on a `timestamp(...)` column",
                ));
            }
            column.borrow_mut().on_update_now = true;
        }
        "defaultNow" => {
            if !pg_only(interp) {
                return Ok(this);
            }
            if !(type_name.starts_with("timestamp")
                || type_name.starts_with("date")
                || type_name.starts_with("time"))
            {
                return Ok(interp.fail(
                    site,
                    format!("`.defaultNow()` is for date and time columns, not `{type_name}`"),
                    "defaultNow",
                    "use `.default(sql`...`)` for other types",
                ));
            }
            column.borrow_mut().default = Some(ColumnDefault::Sql("now()"));
        }
        "defaultRandom" => {
            if !pg_only(interp) {
                return Ok(this);
            }
            if type_name != "uuid" {
                return Ok(interp.fail(
                    site,
                    format!("`.defaultRandom()` is for uuid columns, not `{type_name}`"),
                    "defaultRandom",
                    "use `.default(sql`gen_random_uuid()`)` if you mean it",
                ));
            }
            column.borrow_mut().default = Some(ColumnDefault::Sql("gen_random_uuid()"));
        }
        "$default" | "$defaultFn" | "$onUpdate" | "$onUpdateFn" | "$type" | "$dataType" => {}
        "references" => {
            let target = arg(&args, 0);
            let config = Config::from_value(interp, arg(&args, 1), arg_site(&args, 1, site));
            let on_delete = config
                .value(interp, "onDelete")
                .and_then(|(v, s)| fk_action(interp, v, s))
                .unwrap_or_default();
            let on_update = config
                .value(interp, "onUpdate")
                .and_then(|(v, s)| fk_action(interp, v, s))
                .unwrap_or_default();
            column.borrow_mut().references.push(Reference {
                target,
                on_delete,
                on_update,
                site,
            });
        }
        "array" => {
            if !pg_only(interp) {
                return Ok(this);
            }
            // drizzle's `.array()` wraps the base builder in a new one: only
            // the name and the type carry over.
            let base = column.borrow();
            if base.dims >= 5 {
                return Ok(interp.fail(
                    site,
                    "too many array dimensions",
                    "array",
                    "use at most 5 dimensions",
                ));
            }
            let array = ColumnBuilder::new(
                base.dialect,
                base.builder.clone(),
                base.name.clone(),
                base.sql_type.clone(),
                base.dims + 1,
                base.site,
            );
            return Ok(Value::Host(Drizzle::Column(Rc::new(RefCell::new(array)))));
        }
        "generatedAlwaysAs" => {
            // SQLite and MySQL columns are virtual unless `{ mode: 'stored' }`;
            // PostgreSQL ones are stored.
            let config = Config::from_value(interp, arg(&args, 1), arg_site(&args, 1, site));
            let virtual_column = dialect != Dialect::Postgres
                && config.string(interp, "mode").as_deref() != Some("stored");
            let mut c = column.borrow_mut();
            c.generated = Some((arg(&args, 0), arg_site(&args, 0, site)));
            c.generated_virtual = virtual_column;
        }
        "generatedAlwaysAsIdentity" | "generatedByDefaultAsIdentity" => {
            if !pg_only(interp) {
                return Ok(this);
            }
            let config = Config::from_value(interp, arg(&args, 0), arg_site(&args, 0, site));
            let (options, sequence_name) = sequence_options(interp, &config);
            let mut c = column.borrow_mut();
            c.identity = Some(IdentitySpec {
                always: name == "generatedAlwaysAsIdentity",
                sequence_name,
                options,
            });
            c.not_null = true;
        }
        _ => return Ok(unknown_method(interp, "a column builder", name, site)),
    }
    Ok(this)
}

fn index_column_method<'a>(
    interp: &mut Interp<'a>,
    mut column: IndexColumn<'a>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match name {
        // `users.id.getSQLType()`: the column's type as drizzle-orm spells it.
        "getSQLType" => {
            return Ok(match column.column.table.column(&column.column.key) {
                Some(b) => Value::string(sql_type_name(&b.borrow())),
                None => Value::Poison,
            });
        }
        "asc" => column.desc = false,
        "desc" => column.desc = true,
        "nullsFirst" => column.nulls = Some(Nulls::First),
        "nullsLast" => column.nulls = Some(Nulls::Last),
        "op" => match string_arg(
            interp,
            arg(&args, 0),
            arg_site(&args, 0, site),
            "the operator class",
        ) {
            Some(op) => column.opclass = Some(op),
            None => return Ok(Value::Poison),
        },
        _ => return Ok(unknown_method(interp, "a column", name, site)),
    }
    Ok(Value::Host(Drizzle::IndexColumn(Rc::new(column))))
}

/// A column argument of `.on(...)`, `primaryKey`, `unique`, `foreignKey`;
/// `None` when it is not one (reported) or is poison.
fn column_arg<'a>(interp: &mut Interp<'a>, v: Value<'a>, site: Site) -> Option<ColumnRef<'a>> {
    match known(interp, v, site, "the column")? {
        Value::Host(Drizzle::ColumnRef(c)) => Some(c),
        Value::Host(Drizzle::IndexColumn(c)) => Some(c.column.clone()),
        other => {
            let described = other.describe();
            interp.fail(
                site,
                format!("expected a column of a table, found {described}"),
                "not a column",
                "pass columns of the table, e.g. `t.email`",
            );
            None
        }
    }
}

/// Column arguments; `None` when any is not a column (so no follow-up problem is reported).
fn column_args<'a>(interp: &mut Interp<'a>, args: &[Arg<'a>]) -> Option<Vec<ColumnRef<'a>>> {
    let columns: Vec<Option<ColumnRef<'a>>> = args
        .iter()
        .map(|a| column_arg(interp, a.value.clone(), a.site))
        .collect();
    columns.into_iter().collect()
}

/// An array of columns (`columns: [t.a, t.b]`); `None` when it is not one.
fn column_list<'a>(
    interp: &mut Interp<'a>,
    v: Value<'a>,
    site: Site,
) -> Option<Vec<ColumnRef<'a>>> {
    match known(interp, v, site, "the columns")? {
        Value::Array(items) => {
            let items = items.borrow().clone();
            let args: Vec<Arg<'a>> = items.into_iter().map(|value| Arg { value, site }).collect();
            column_args(interp, &args)
        }
        other => {
            let described = other.describe();
            interp.fail(
                site,
                format!("expected an array of columns, found {described}"),
                "not an array",
                "pass `[t.a, t.b]`",
            );
            None
        }
    }
}

/// `index(name?)`, `uniqueIndex(name?)`.
pub fn index<'a>(
    interp: &mut Interp<'a>,
    unique: bool,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let name = match arg(&args, 0) {
        Value::Undefined => None,
        v => match string_arg(interp, v, arg_site(&args, 0, site), "the index name") {
            Some(n) => Some(n),
            None => return Ok(Value::Poison),
        },
    };
    Ok(Constraint::Index(IndexBuilder {
        name,
        unique,
        keys: Vec::new(),
        method: None,
        predicate: None,
        concurrently: false,
        with: Vec::new(),
        site,
    })
    .value())
}

/// `primaryKey({ columns, name? })` or the older `primaryKey(a, b)`.
pub fn primary_key<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let first = arg(&args, 0);
    let (name, columns) = if let Value::Object(_) = first {
        let config = Config::from_value(interp, first, arg_site(&args, 0, site));
        let columns = match config.value(interp, "columns") {
            Some((v, s)) => column_list(interp, v, s),
            None => Some(Vec::new()),
        };
        (config.string(interp, "name"), columns)
    } else {
        (None, column_args(interp, &args))
    };
    let Some(columns) = columns else {
        return Ok(Value::Poison);
    };
    if columns.is_empty() {
        return Ok(interp.fail(
            site,
            "this primary key has no columns",
            "primaryKey",
            "pass `{ columns: [t.a, t.b] }`",
        ));
    }
    Ok(Constraint::PrimaryKey(PrimaryKeyBuilder {
        name,
        columns,
        site,
    })
    .value())
}

/// `unique(name?)`.
pub fn unique<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let name = match arg(&args, 0) {
        Value::Undefined => None,
        v => match string_arg(interp, v, arg_site(&args, 0, site), "the constraint name") {
            Some(n) => Some(n),
            None => return Ok(Value::Poison),
        },
    };
    Ok(Constraint::Unique(UniqueBuilder {
        name,
        columns: Vec::new(),
        nulls_not_distinct: false,
        site,
    })
    .value())
}

/// `foreignKey({ columns, foreignColumns, name? })`.
pub fn foreign_key<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let config = Config::from_value(interp, arg(&args, 0), arg_site(&args, 0, site));
    let columns = match config.value(interp, "columns") {
        Some((v, s)) => column_list(interp, v, s),
        None => Some(Vec::new()),
    };
    let foreign_columns = match config.value(interp, "foreignColumns") {
        Some((v, s)) => column_list(interp, v, s),
        None => Some(Vec::new()),
    };
    let (Some(columns), Some(foreign_columns)) = (columns, foreign_columns) else {
        return Ok(Value::Poison);
    };
    if columns.is_empty() || columns.len() != foreign_columns.len() {
        return Ok(interp.fail(
            site,
            "a foreign key needs as many `foreignColumns` as `columns`, and at least one",
            "foreignKey",
            "pass `{ columns: [t.a], foreignColumns: [other.id] }`",
        ));
    }
    Ok(Constraint::ForeignKey(ForeignKeyBuilder {
        name: config.string(interp, "name"),
        columns,
        foreign_columns,
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        site,
    })
    .value())
}

/// `check(name, sql)`.
pub fn check<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the check constraint name",
    ) else {
        return Ok(Value::Poison);
    };
    let Some(condition) = sql_arg(
        interp,
        arg(&args, 1),
        arg_site(&args, 1, site),
        "the check condition",
    ) else {
        return Ok(Value::Poison);
    };
    Ok(Constraint::Check(CheckBuilder { name, condition }).value())
}

fn sql_arg<'a>(
    interp: &mut Interp<'a>,
    v: Value<'a>,
    site: Site,
    what: &str,
) -> Option<Rc<SqlFragment<'a>>> {
    match known(interp, v, site, what)? {
        Value::Host(Drizzle::Sql(s)) => Some(s),
        other => {
            let described = other.describe();
            interp.fail(
                site,
                format!("{what} must be an `sql` template, found {described}"),
                "expected sql`...`",
                "write it as sql`...`",
            );
            None
        }
    }
}

/// Index keys; `None` when any is not a key (so no follow-up problem is reported).
fn index_keys<'a>(interp: &mut Interp<'a>, args: &[Arg<'a>]) -> Option<Vec<IndexKeySource<'a>>> {
    let mut keys = Vec::new();
    let mut complete = true;
    for a in args {
        match known(interp, a.value.clone(), a.site, "the index key") {
            Some(Value::Host(Drizzle::ColumnRef(c))) => {
                keys.push(IndexKeySource::Column(IndexColumn {
                    column: c,
                    desc: false,
                    nulls: None,
                    opclass: None,
                }))
            }
            Some(Value::Host(Drizzle::IndexColumn(c))) => {
                keys.push(IndexKeySource::Column((*c).clone()))
            }
            Some(Value::Host(Drizzle::Sql(s))) => keys.push(IndexKeySource::Sql(s)),
            Some(other) => {
                let described = other.describe();
                interp.fail(
                    a.site,
                    format!(
                        "an index key must be a column or an `sql` expression, found {described}"
                    ),
                    "not an index key",
                    "pass columns like `t.email` or sql`lower(${t.email})`",
                );
                complete = false;
            }
            None => complete = false,
        }
    }
    complete.then_some(keys)
}

fn constraint_method<'a>(
    interp: &mut Interp<'a>,
    constraint: &Rc<RefCell<Constraint<'a>>>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let this = Value::Host(Drizzle::Constraint(constraint.clone()));
    let kind = Drizzle::Constraint(constraint.clone()).describe();
    let mut c = constraint.borrow().clone();
    match (&mut c, name) {
        (Constraint::Index(i), "on" | "onOnly") => match index_keys(interp, &args) {
            Some(keys) => i.keys = keys,
            None => return Ok(Value::Poison),
        },
        (Constraint::Index(i), "using") => {
            match string_arg(
                interp,
                arg(&args, 0),
                arg_site(&args, 0, site),
                "the index method",
            ) {
                Some(m) => i.method = Some(m),
                None => return Ok(Value::Poison),
            }
            // pg-core: `.using('gin', keys...)`; mysql-core: `.using('btree')` after `.on(...)`.
            if args.len() > 1 {
                match index_keys(interp, &args[1..]) {
                    Some(keys) => i.keys = keys,
                    None => return Ok(Value::Poison),
                }
            }
        }
        // mysql-core: how MySQL builds the index (`ALGORITHM=INPLACE`, `LOCK=NONE`).
        (Constraint::Index(i), "algorithm" | "lock") => match string_arg(
            interp,
            arg(&args, 0),
            arg_site(&args, 0, site),
            "the option",
        ) {
            Some(v) => {
                i.with.retain(|(k, _)| k != name);
                i.with.push((name.to_string(), v));
            }
            None => return Ok(Value::Poison),
        },
        // `and()` of no condition is `undefined`: no condition.
        (Constraint::Index(i), "where") if matches!(arg(&args, 0), Value::Undefined) => {
            i.predicate = None;
        }
        (Constraint::Index(i), "where") => match sql_arg(
            interp,
            arg(&args, 0),
            arg_site(&args, 0, site),
            "the index condition",
        ) {
            Some(s) => i.predicate = Some(s),
            None => return Ok(Value::Poison),
        },
        (Constraint::Index(i), "concurrently") => i.concurrently = true,
        (Constraint::Index(i), "with") => {
            let config = Config::from_value(interp, arg(&args, 0), arg_site(&args, 0, site));
            for key in config.keys() {
                if let Some((v, s)) = config.value(interp, &key) {
                    match v {
                        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                            i.with
                                .push((key.to_string(), to_js_string(&v).unwrap_or_default()));
                        }
                        other => {
                            let described = other.describe();
                            interp.fail(s, format!("index option `{key}` must be a string, number or boolean, found {described}"), "option", "write the value out");
                        }
                    }
                }
            }
        }
        (Constraint::Unique(u), "on") => match column_args(interp, &args) {
            Some(columns) => u.columns = columns,
            None => return Ok(Value::Poison),
        },
        (Constraint::Unique(u), "nullsNotDistinct") => u.nulls_not_distinct = true,
        (Constraint::ForeignKey(f), "onDelete" | "onUpdate") => {
            let Some(action) = fk_action(interp, arg(&args, 0), arg_site(&args, 0, site)) else {
                return Ok(Value::Poison);
            };
            if name == "onDelete" {
                f.on_delete = action;
            } else {
                f.on_update = action;
            }
        }
        _ => return Ok(unknown_method(interp, kind, name, site)),
    }
    *constraint.borrow_mut() = c;
    Ok(this)
}

/// Turns a value interpolated into `sql\`...\`` into a chunk; `None` for poison.
pub fn sql_chunk<'a>(v: Value<'a>, site: Site) -> Option<SqlChunk<'a>> {
    Some(match v {
        Value::Poison => return None,
        Value::Host(Drizzle::Sql(s)) => SqlChunk::Sql(s),
        Value::Host(Drizzle::ColumnRef(c)) => SqlChunk::Column(c),
        Value::Host(Drizzle::IndexColumn(c)) => SqlChunk::Column(c.column.clone()),
        Value::Host(Drizzle::Table(t)) => SqlChunk::Table(t),
        Value::Host(Drizzle::View(v)) => SqlChunk::View(v),
        other => SqlChunk::Param(other, site),
    })
}

/// `sql\`...\``: the template's strings and the values between them.
pub fn sql_template<'a>(strings: Vec<Rc<str>>, values: Vec<Arg<'a>>) -> Eval<'a> {
    let mut fragment = SqlFragment::default();
    let mut values = values.into_iter();
    for text in strings {
        if !text.is_empty() {
            fragment.chunks.push(SqlChunk::Text(text));
        }
        if let Some(v) = values.next() {
            match sql_chunk(v.value, v.site) {
                Some(chunk) => fragment.chunks.push(chunk),
                None => return Ok(Value::Poison),
            }
        }
    }
    Ok(Value::Host(Drizzle::Sql(Rc::new(fragment))))
}

/// Calls an export of `drizzle-orm` (`sql.raw`, `relations`...).
pub fn orm_call<'a>(
    interp: &mut Interp<'a>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let fragment = |chunks| {
        Ok(Value::Host(Drizzle::Sql(Rc::new(SqlFragment {
            chunks,
            alias: None,
        }))))
    };
    match name {
        "sql.raw" => match string_arg(
            interp,
            arg(&args, 0),
            arg_site(&args, 0, site),
            "the argument of `sql.raw`",
        ) {
            Some(text) => fragment(vec![SqlChunk::Text(text.into())]),
            None => Ok(Value::Poison),
        },
        "sql.identifier" => match string_arg(
            interp,
            arg(&args, 0),
            arg_site(&args, 0, site),
            "the identifier",
        ) {
            Some(text) => fragment(vec![SqlChunk::Identifier(text.into())]),
            None => Ok(Value::Poison),
        },
        "sql.empty" => fragment(Vec::new()),
        "sql.join" => {
            let items = interp.iterate(arg(&args, 0), arg_site(&args, 0, site));
            let separator = match arg(&args, 1) {
                Value::Undefined => None,
                Value::String(s) => Some(SqlChunk::Text(s)),
                Value::Host(Drizzle::Sql(s)) => Some(SqlChunk::Sql(s)),
                other => {
                    let described = other.describe();
                    return Ok(interp.fail(
                        arg_site(&args, 1, site),
                        format!("the separator must be sql`...`, found {described}"),
                        "separator",
                        "pass sql`, `",
                    ));
                }
            };
            let mut chunks = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                if i > 0
                    && let Some(s) = &separator
                {
                    chunks.push(s.clone());
                }
                match sql_chunk(item, site) {
                    Some(chunk) => chunks.push(chunk),
                    None => return Ok(Value::Poison),
                }
            }
            fragment(chunks)
        }
        "relations" => Ok(Value::Host(Drizzle::NoDdl("relations"))),
        // `is(value, Column)`: drizzle-orm's class check, for the classes schemas test.
        "is" => {
            let class = match arg(&args, 1) {
                Value::Host(Drizzle::Export { name, .. }) => name.to_string(),
                _ => String::new(),
            };
            let value = arg(&args, 0);
            let yes = match class.as_str() {
                "Column" | "PgColumn" | "SQLiteColumn" => {
                    matches!(value, Value::Host(Drizzle::ColumnRef(_)))
                }
                "Table" | "PgTable" | "SQLiteTable" => {
                    matches!(value, Value::Host(Drizzle::Table(_)))
                }
                "SQL" => matches!(value, Value::Host(Drizzle::Sql(_))),
                "View" | "PgView" | "PgMaterializedView" | "SQLiteView" => {
                    matches!(value, Value::Host(Drizzle::View(_)))
                }
                _ => {
                    return Ok(interp.fail(
                        arg_site(&args, 1, site),
                        "`is()` is supported with drizzle-orm's Column, Table, SQL and View classes",
                        "class",
                        "test for one of those classes",
                    ));
                }
            };
            Ok(Value::Bool(yes))
        }
        "getTableName" | "getTableColumns" => match arg(&args, 0) {
            Value::Host(Drizzle::Table(t)) if name == "getTableName" => {
                Ok(Value::string(t.name.as_str()))
            }
            Value::Host(Drizzle::Table(t)) => {
                let mut object = Object::default();
                for (key, _) in &t.columns {
                    object.set(key.clone(), column_ref(&t, key), Some(site));
                }
                Ok(Value::object(object))
            }
            Value::Poison => Ok(Value::Poison),
            other => {
                let described = other.describe();
                Ok(interp.fail(
                    arg_site(&args, 0, site),
                    format!("`{name}` needs a table, found {described}"),
                    "not a table",
                    "pass a table",
                ))
            }
        },
        _ if super::operators::is_operator(name) => super::operators::call(interp, name, args, site),
        "sql" => Ok(interp.fail(
            site,
            "`sql` is a template tag",
            "called as a function",
            "write sql`...` without parentheses",
        )),
        _ => Ok(interp.fail(
            site,
            format!("`{name}` from drizzle-orm cannot be evaluated by db-migrate's schema reader"),
            "unsupported",
            "write the SQL with sql`...` instead; if drizzle-orm exports it, db-migrate does not support it yet",
        )),
    }
}

/// Methods of `sql` fragments that do not change their SQL.
pub fn sql_method<'a>(
    interp: &mut Interp<'a>,
    s: &Rc<SqlFragment<'a>>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match name {
        "as" => {
            let Some(alias) =
                string_arg(interp, arg(&args, 0), arg_site(&args, 0, site), "the alias")
            else {
                return Ok(Value::Poison);
            };
            Ok(Value::Host(Drizzle::Sql(Rc::new(SqlFragment {
                chunks: s.chunks.clone(),
                alias: Some(alias.into()),
            }))))
        }
        "mapWith" | "inlineParams" | "getSQL" => Ok(Value::Host(Drizzle::Sql(s.clone()))),
        _ => Ok(unknown_method(interp, "an `sql` fragment", name, site)),
    }
}

/// The SQL literal for a JavaScript value written into SQL.
pub fn sql_literal(v: &Value<'_>) -> Option<String> {
    Some(match v {
        Value::String(s) => quote_literal(s),
        Value::Number(n) => number_to_string(*n),
        Value::BigInt(b) => b.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => return None,
    })
}

/// `'text'` with quotes doubled.
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `"name"` with quotes doubled.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A column's SQL type as drizzle-orm's `getSQLType()` gives it.
fn sql_type_name(b: &ColumnBuilder<'_>) -> String {
    let base = match &b.sql_type {
        ColumnSqlType::Sql(text) => text.clone(),
        ColumnSqlType::Enum(e) => e.name.clone(),
    };
    format!("{base}{}", "[]".repeat(usize::from(b.dims)))
}

/// The values of an enum (`pgEnum`, `mysqlEnum`): an array of strings or a
/// TypeScript enum object; `None` when they are not known (reported).
pub fn enum_values<'a>(
    interp: &mut Interp<'a>,
    value: Value<'a>,
    site: Site,
    name: &str,
) -> Option<Vec<String>> {
    let items = match known(interp, value, site, "the enum values")? {
        Value::Array(a) => a.borrow().clone(),
        Value::Object(o) => o.borrow().props.iter().map(|p| p.value.clone()).collect(),
        other => {
            let described = other.describe();
            interp.fail(
                site,
                format!("the values of enum `{name}` must be an array of strings or a TypeScript enum, found {described}"),
                "enum values",
                "pass e.g. `['admin', 'member']`",
            );
            return None;
        }
    };
    let mut values = Vec::new();
    for item in items {
        match known(interp, item, site, "an enum value")? {
            Value::String(s) => values.push(s.to_string()),
            other => {
                let described = other.describe();
                interp.fail(
                    site,
                    format!("the values of enum `{name}` must be strings, found {described}"),
                    "enum values",
                    "use string values (a TypeScript enum needs `A = 'a'` members)",
                );
                return None;
            }
        }
    }
    Some(values)
}
