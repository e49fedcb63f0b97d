//! Entities other than tables: roles, row-level security policies, views
//! (PostgreSQL and SQLite), and `customType` columns.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::schema::{Dialect, PolicyCommand};

use super::core::{self, Config, arg, arg_site, name_and_config, new_column, string_arg};
use super::value::{
    ColumnSqlType, Drizzle, PolicyEntity, RoleEntity, SchemaEntity, Site, SqlFragment, TableEntity,
    Value, ViewBody, ViewEntity,
};
use super::{Arg, Eval, Interp};
use crate::source::drizzle::js::builtins::to_js_string;

/// `pgRole(name, { createDb, createRole, inherit })`.
pub fn role<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the role name",
    ) else {
        return Ok(Value::Poison);
    };
    let config = Config::from_value(interp, arg(&args, 1), arg_site(&args, 1, site));
    Ok(Value::Host(Drizzle::Role(Rc::new(RoleEntity {
        name,
        create_db: config.boolean(interp, "createDb").unwrap_or(false),
        create_role: config.boolean(interp, "createRole").unwrap_or(false),
        inherit: config.boolean(interp, "inherit").unwrap_or(true),
        existing: Cell::new(false),
        site,
    }))))
}

/// Methods of a role: `.existing()`.
pub fn role_method<'a>(
    interp: &mut Interp<'a>,
    role: &Rc<RoleEntity>,
    name: &str,
    site: Site,
) -> Eval<'a> {
    match name {
        "existing" => {
            role.existing.set(true);
            Ok(Value::Host(Drizzle::Role(role.clone())))
        }
        _ => Ok(core::unknown_method(interp, "a role", name, site)),
    }
}

/// `pgPolicy(name, { as, for, to, using, withCheck })`.
pub fn policy<'a>(interp: &mut Interp<'a>, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the policy name",
    ) else {
        return Ok(Value::Poison);
    };
    let config = Config::from_value(interp, arg(&args, 1), arg_site(&args, 1, site));
    let restrictive = match config.string(interp, "as").as_deref() {
        None | Some("permissive") => false,
        Some("restrictive") => true,
        Some(other) => {
            return Ok(interp.fail(
                site,
                format!("`as: '{other}'` is not a policy kind"),
                "as",
                "use 'permissive' or 'restrictive'",
            ));
        }
    };
    let command = match config.string(interp, "for").as_deref() {
        None | Some("all") => PolicyCommand::All,
        Some("select") => PolicyCommand::Select,
        Some("insert") => PolicyCommand::Insert,
        Some("update") => PolicyCommand::Update,
        Some("delete") => PolicyCommand::Delete,
        Some(other) => {
            return Ok(interp.fail(
                site,
                format!("`for: '{other}'` is not a policy command"),
                "for",
                "use 'all', 'select', 'insert', 'update' or 'delete'",
            ));
        }
    };
    let mut to = Vec::new();
    let mut roles = Vec::new();
    if let Some((value, vsite)) = config.value(interp, "to") {
        let items = match value {
            Value::Array(a) => a.borrow().clone(),
            other => vec![other],
        };
        for item in items {
            match item {
                Value::String(s) => to.push(s.to_string()),
                Value::Host(Drizzle::Role(r)) => {
                    to.push(r.name.clone());
                    roles.push(r);
                }
                Value::Poison => return Ok(Value::Poison),
                other => {
                    let described = other.describe();
                    return Ok(interp.fail(
                        vsite,
                        format!("`to` of a policy lists roles, found {described}"),
                        "to",
                        "use role names or `pgRole(...)` values",
                    ));
                }
            }
        }
    }
    to.sort();
    to.dedup();
    if to == ["public"] {
        to.clear();
    }
    let using = sql_option(interp, &config, "using");
    let with_check = sql_option(interp, &config, "withCheck");
    let (Some(using), Some(with_check)) = (using, with_check) else {
        return Ok(Value::Poison);
    };
    Ok(Value::Host(Drizzle::Policy(Rc::new(PolicyEntity {
        name,
        restrictive,
        command,
        to,
        roles,
        using,
        with_check,
        linked: RefCell::new(None),
        site,
    }))))
}

/// An optional `sql` option: `Some(None)` when absent, `None` when wrong (reported).
fn sql_option<'a>(
    interp: &mut Interp<'a>,
    config: &Config<'a>,
    key: &str,
) -> Option<Option<Rc<SqlFragment<'a>>>> {
    match config.value(interp, key) {
        None => Some(None),
        Some((Value::Host(Drizzle::Sql(s)), _)) => Some(Some(s)),
        Some((other, site)) => {
            let described = other.describe();
            interp.fail(
                site,
                format!("`{key}` of a policy must be an `sql` template, found {described}"),
                "expected sql`...`",
                "write the condition as sql`...`",
            );
            None
        }
    }
}

/// Methods of a policy: `.link(table)`.
pub fn policy_method<'a>(
    interp: &mut Interp<'a>,
    policy: &Rc<PolicyEntity<'a>>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    match (name, arg(&args, 0)) {
        ("link", Value::Host(Drizzle::Table(t))) => {
            *policy.linked.borrow_mut() = Some(t);
            Ok(Value::Host(Drizzle::Policy(policy.clone())))
        }
        ("link", Value::Poison) => Ok(Value::Poison),
        ("link", other) => {
            let described = other.describe();
            Ok(interp.fail(
                arg_site(&args, 0, site),
                format!("`.link()` needs a table, found {described}"),
                "not a table",
                "pass the table the policy applies to",
            ))
        }
        _ => Ok(core::unknown_method(interp, "a policy", name, site)),
    }
}

/// `pgView(name, columns?)`, `pgMaterializedView(...)`, `schema.view(...)`, `sqliteView(...)`.
pub fn view<'a>(
    interp: &mut Interp<'a>,
    dialect: Dialect,
    schema: Option<Rc<SchemaEntity>>,
    materialized: bool,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let Some(name) = string_arg(
        interp,
        arg(&args, 0),
        arg_site(&args, 0, site),
        "the view name",
    ) else {
        return Ok(Value::Poison);
    };
    Ok(Value::Host(Drizzle::View(Rc::new(RefCell::new(
        ViewEntity {
            dialect,
            schema,
            name,
            materialized,
            with: Vec::new(),
            using: None,
            tablespace: None,
            with_no_data: false,
            body: ViewBody::Missing,
            site,
        },
    )))))
}

/// Sets a view's body from a select query of the query builder.
fn view_query_body<'a>(
    interp: &mut Interp<'a>,
    view: &Rc<RefCell<ViewEntity<'a>>>,
    query: Value<'a>,
    site: Site,
) -> Eval<'a> {
    let this = Value::Host(Drizzle::View(view.clone()));
    match query {
        Value::Host(Drizzle::Select(q)) => {
            let Some(body) = super::select::to_sql(interp, &q.borrow()) else {
                return Ok(Value::Poison);
            };
            view.borrow_mut().body = ViewBody::Sql(Rc::new(body));
            Ok(this)
        }
        Value::Poison => Ok(Value::Poison),
        other => {
            let described = other.describe();
            let name = view.borrow().name.clone();
            Ok(interp.fail(
                site,
                format!("the query builder callback of view `{name}` must return a select query, found {described}"),
                "view body",
                "return `qb.select(...).from(...)`",
            ))
        }
    }
}

/// `camelCase` → `snake_case`, for view option names.
fn snake(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Methods of a view builder.
pub fn view_method<'a>(
    interp: &mut Interp<'a>,
    view: &Rc<RefCell<ViewEntity<'a>>>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let this = Value::Host(Drizzle::View(view.clone()));
    let (materialized, view_name, dialect) = {
        let v = view.borrow();
        (v.materialized, v.name.clone(), v.dialect)
    };
    let first_site = arg_site(&args, 0, site);
    match name {
        "as" => match arg(&args, 0) {
            Value::Host(Drizzle::Sql(s)) => view.borrow_mut().body = ViewBody::Sql(s),
            f @ Value::Function(_) => {
                let qb = Value::Host(Drizzle::QueryBuilder);
                let query = interp.call(
                    &f,
                    vec![Arg {
                        value: qb,
                        site: first_site,
                    }],
                    first_site,
                )?;
                return view_query_body(interp, view, query, first_site);
            }
            q @ Value::Host(Drizzle::Select(_)) => {
                return view_query_body(interp, view, q, first_site);
            }
            Value::Poison => return Ok(Value::Poison),
            other => {
                let other = core::known(interp, other, first_site, "the view body");
                if let Some(other) = other {
                    let described = other.describe();
                    return Ok(interp.fail(
                        first_site,
                        format!("the body of view `{view_name}` must be an `sql` template, found {described}"),
                        "view body",
                        "write the body as sql`select ...`",
                    ));
                }
                return Ok(Value::Poison);
            }
        },
        "existing" => view.borrow_mut().body = ViewBody::Existing,
        // mysql-core: `.algorithm('merge')`, `.sqlSecurity('invoker')`,
        // `.withCheckOption('cascaded')` (no argument: cascaded).
        "algorithm" | "sqlSecurity" | "withCheckOption" if dialect == Dialect::Mysql => {
            let key = match name {
                "algorithm" => "algorithm",
                "sqlSecurity" => "sql_security",
                _ => "check_option",
            };
            let value = match arg(&args, 0) {
                Value::Undefined if name == "withCheckOption" => "cascaded".to_string(),
                v => match core::string_arg(interp, v, first_site, "the option") {
                    Some(s) => s,
                    None => return Ok(Value::Poison),
                },
            };
            let mut v = view.borrow_mut();
            v.with.retain(|(k, _)| k != key);
            v.with.push((key.to_string(), value));
            v.with.sort();
        }
        "with" if dialect == Dialect::Postgres => {
            let config = Config::from_value(interp, arg(&args, 0), first_site);
            let keys = config.keys();
            let mut with = Vec::new();
            for key in keys {
                match config.value(interp, &key) {
                    Some((v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)), _)) => {
                        with.push((snake(&key), to_js_string(&v).unwrap_or_default()));
                    }
                    Some((other, s)) => {
                        let described = other.describe();
                        interp.fail(
                            s,
                            format!("view option `{key}` must be a string, number or boolean, found {described}"),
                            "option",
                            "write the value out",
                        );
                    }
                    None => {}
                }
            }
            with.sort();
            view.borrow_mut().with = with;
        }
        "using" | "tablespace" if materialized => {
            let what = if name == "using" {
                "the access method"
            } else {
                "the tablespace"
            };
            let Some(text) = string_arg(interp, arg(&args, 0), first_site, what) else {
                return Ok(Value::Poison);
            };
            let mut v = view.borrow_mut();
            if name == "using" {
                v.using = Some(text);
            } else {
                v.tablespace = Some(text);
            }
        }
        "withNoData" if materialized => view.borrow_mut().with_no_data = true,
        _ => return Ok(core::unknown_method(interp, "a view", name, site)),
    }
    Ok(this)
}

/// `customType({ dataType(config) { ... } })`: a column function.
pub fn custom_type<'a>(
    interp: &mut Interp<'a>,
    dialect: Dialect,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let params = arg(&args, 0);
    match &params {
        Value::Object(_) => Ok(Value::Host(Drizzle::CustomType {
            dialect,
            params: Rc::new(params),
        })),
        Value::Poison => Ok(Value::Poison),
        other => {
            let described = other.describe();
            Ok(interp.fail(
                arg_site(&args, 0, site),
                format!(
                    "`customType` needs an object with a `dataType()` method, found {described}"
                ),
                "customType",
                "pass `{ dataType() { return 'citext'; } }`",
            ))
        }
    }
}

/// Calls the column function `customType` made: the SQL type is what
/// `dataType(config)` returns.
pub fn custom_column<'a>(
    interp: &mut Interp<'a>,
    dialect: Dialect,
    params: &Value<'a>,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let (name, _) = name_and_config(interp, &args, site);
    let config = match (arg(&args, 0), arg(&args, 1)) {
        (Value::Object(o), _) => Value::Object(o),
        (_, v) => v,
    };
    let data_type = interp.get_property(params, &Rc::from("dataType"), site)?;
    if !matches!(data_type, Value::Function(_)) {
        return Ok(interp.fail(
            site,
            "the custom type has no `dataType()` method",
            "customType column",
            "give `customType` a `dataType()` method that returns the SQL type",
        ));
    }
    let config_site = arg_site(&args, 1, site);
    let text = interp.call(
        &data_type,
        vec![Arg {
            value: config,
            site: config_site,
        }],
        site,
    )?;
    let Some(text) = string_arg(interp, text, site, "the type that `dataType()` returns") else {
        return Ok(Value::Poison);
    };
    Ok(new_column(
        dialect,
        "customType",
        name,
        // MySQL takes type names in any case, as drizzle-kit writes them.
        ColumnSqlType::Sql(if dialect == Dialect::Mysql {
            text.trim().to_string()
        } else {
            custom_type_sql(&text)
        }),
        site,
    ))
}

/// The SQL for a custom type name: as written, except that a plain name
/// that is not all lower case is quoted (as drizzle-kit quotes it), so that
/// PostgreSQL does not fold it. Parameterised and qualified types are
/// written as they are (drizzle-kit quotes them as one identifier, which fails).
fn custom_type_sql(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !text.starts_with(|c: char| c.is_ascii_digit());
    if plain && text.chars().any(|c| c.is_ascii_uppercase()) {
        core::quote_ident(text)
    } else {
        text.trim().to_string()
    }
}

/// Methods of a table: `.enableRLS()`.
pub fn table_method<'a>(
    interp: &mut Interp<'a>,
    table: &Rc<TableEntity<'a>>,
    name: &str,
    site: Site,
) -> Eval<'a> {
    match name {
        "enableRLS" if table.dialect == Dialect::Postgres => {
            table.rls.set(true);
            Ok(Value::Host(Drizzle::Table(table.clone())))
        }
        _ => Ok(core::unknown_method(interp, "a table", name, site)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_type_names() {
        assert_eq!(custom_type_sql("citext"), "citext");
        assert_eq!(custom_type_sql("MyType"), "\"MyType\"");
        assert_eq!(custom_type_sql("bytea(32)"), "bytea(32)");
        assert_eq!(custom_type_sql("public.geo"), "public.geo");
        assert_eq!(snake("securityBarrier"), "security_barrier");
    }
}
