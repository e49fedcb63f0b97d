//! drizzle-orm's select query builder as view bodies use it
//! (`pgView("v").as((qb) => qb.select({...}).from(t).leftJoin(u, eq(...)).where(...))`),
//! turned into the SQL text drizzle-orm renders for it.

use std::cell::RefCell;
use std::rc::Rc;

use super::core::{arg, arg_site, column_ref, sql_chunk, unknown_method};
use super::value::{
    Drizzle, Object, SelectJoin, SelectQuery, Site, SqlChunk, SqlFragment, TableEntity, Value,
};
use super::{Arg, Eval, Interp};

/// Methods of the query builder (`qb.select(...)`).
pub fn builder_method<'a>(
    interp: &mut Interp<'a>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let fields = |i: usize| match arg(&args, i) {
        Value::Undefined => None,
        v => Some((v, arg_site(&args, i, site))),
    };
    let (distinct, fields) = match name {
        "select" => (None, fields(0)),
        "selectDistinct" => (Some(Vec::new()), fields(0)),
        "selectDistinctOn" => {
            let mut on = Vec::new();
            for item in interp.iterate(arg(&args, 0), arg_site(&args, 0, site)) {
                match sql_chunk(item, arg_site(&args, 0, site)) {
                    Some(c) => on.push(c),
                    None => return Ok(Value::Poison),
                }
            }
            (Some(on), fields(1))
        }
        _ => return Ok(unknown_method(interp, "the query builder", name, site)),
    };
    interp.create(site)?;
    Ok(Value::Host(Drizzle::Select(Rc::new(RefCell::new(
        SelectQuery {
            distinct,
            fields,
            from: None,
            joins: Vec::new(),
            filter: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            site,
        },
    )))))
}

/// Methods of a select query (`.from`, the joins, `.where`, `.groupBy`...).
pub fn query_method<'a>(
    interp: &mut Interp<'a>,
    query: &Rc<RefCell<SelectQuery<'a>>>,
    name: &str,
    args: Vec<Arg<'a>>,
    site: Site,
) -> Eval<'a> {
    let this = Value::Host(Drizzle::Select(query.clone()));
    let chunk = |i: usize| sql_chunk(arg(&args, i), arg_site(&args, i, site));
    let join_kind = match name {
        "leftJoin" => Some("left"),
        "rightJoin" => Some("right"),
        "innerJoin" => Some("inner"),
        "fullJoin" => Some("full"),
        "crossJoin" => Some("cross"),
        _ => None,
    };
    if let Some(kind) = join_kind {
        let Some((source, table)) = source(interp, arg(&args, 0), arg_site(&args, 0, site)) else {
            return Ok(Value::Poison);
        };
        let on = match arg(&args, 1) {
            Value::Undefined => None,
            _ => match chunk(1) {
                Some(c) => Some(c),
                None => return Ok(Value::Poison),
            },
        };
        query.borrow_mut().joins.push(SelectJoin {
            kind,
            source,
            table,
            on,
        });
        return Ok(this);
    }
    match name {
        "from" => {
            let Some(from) = source(interp, arg(&args, 0), arg_site(&args, 0, site)) else {
                return Ok(Value::Poison);
            };
            query.borrow_mut().from = Some(from);
        }
        "where" | "having" => {
            let value = match arg(&args, 0) {
                f @ Value::Function(_) => {
                    with_selection(interp, query, &f, arg_site(&args, 0, site))?
                }
                v => v,
            };
            // `and()` of nothing is `undefined`: no clause.
            let condition = match value {
                Value::Undefined => None,
                v => match sql_chunk(v, arg_site(&args, 0, site)) {
                    Some(c) => Some(c),
                    None => return Ok(Value::Poison),
                },
            };
            let mut q = query.borrow_mut();
            if name == "where" {
                q.filter = condition;
            } else {
                q.having = condition;
            }
        }
        "groupBy" | "orderBy" => {
            let mut items = Vec::new();
            for (i, a) in args.iter().enumerate() {
                let value = match &a.value {
                    f @ Value::Function(_) => with_selection(interp, query, f, a.site)?,
                    v => v.clone(),
                };
                let values = match value {
                    Value::Array(list) => list.borrow().clone(),
                    v => vec![v],
                };
                for v in values {
                    match sql_chunk(v, arg_site(&args, i, site)) {
                        Some(c) => items.push(c),
                        None => return Ok(Value::Poison),
                    }
                }
            }
            let mut q = query.borrow_mut();
            if name == "groupBy" {
                q.group_by = items;
            } else {
                q.order_by = items;
            }
        }
        "limit" | "offset" => {
            let Some(n) = chunk(0) else {
                return Ok(Value::Poison);
            };
            let mut q = query.borrow_mut();
            if name == "limit" {
                q.limit = Some(n);
            } else {
                q.offset = Some(n);
            }
        }
        "$dynamic" => {}
        _ => return Ok(unknown_method(interp, "a select query", name, site)),
    }
    Ok(this)
}

/// Calls a `.where()`/`.groupBy()`/`.orderBy()` callback with the selected
/// fields, as drizzle-orm does: aliased `sql` fields stand for their alias.
fn with_selection<'a>(
    interp: &mut Interp<'a>,
    query: &Rc<RefCell<SelectQuery<'a>>>,
    callback: &Value<'a>,
    site: Site,
) -> Eval<'a> {
    let (fields, from_table) = {
        let q = query.borrow();
        (
            q.fields.clone(),
            q.from.as_ref().and_then(|(_, t)| t.clone()),
        )
    };
    let mut selection = Object::default();
    match (fields, from_table) {
        (Some((Value::Object(o), _)), _) => {
            for p in o.borrow().props.iter() {
                let value = match &p.value {
                    Value::Host(Drizzle::Sql(f)) => match &f.alias {
                        Some(alias) => Value::Host(Drizzle::Sql(Rc::new(SqlFragment {
                            chunks: vec![SqlChunk::Identifier(alias.clone())],
                            alias: None,
                        }))),
                        None => p.value.clone(),
                    },
                    other => other.clone(),
                };
                selection.set(p.key.clone(), value, p.site);
            }
        }
        (_, Some(t)) => {
            for (key, _) in &t.columns {
                selection.set(key.clone(), column_ref(&t, key), Some(site));
            }
        }
        _ => {}
    }
    interp.call(
        callback,
        vec![Arg {
            value: Value::object(selection),
            site,
        }],
        site,
    )
}

/// A table, view or fragment to select from or join.
fn source<'a>(
    interp: &mut Interp<'a>,
    v: Value<'a>,
    site: Site,
) -> Option<(SqlChunk<'a>, Option<Rc<TableEntity<'a>>>)> {
    match v {
        Value::Host(Drizzle::Table(t)) => Some((SqlChunk::Table(t.clone()), Some(t))),
        Value::Host(Drizzle::View(v)) => Some((SqlChunk::View(v), None)),
        Value::Host(Drizzle::Sql(s)) => Some((SqlChunk::Sql(s), None)),
        Value::Poison => None,
        other => {
            let described = other.describe();
            interp.fail(
                site,
                format!("a view body can select from a table, a view or sql`...`, not {described}"),
                "source",
                "pass a table declared with pgTable/sqliteTable",
            );
            None
        }
    }
}

/// The SQL drizzle-orm renders for a select query:
/// `select[ distinct[ on (...)]] <fields> from <source>[ <joins>][ where ...][ group by ...]`
/// `[ having ...][ order by ...][ limit n][ offset n]`.
pub fn to_sql<'a>(interp: &mut Interp<'a>, q: &SelectQuery<'a>) -> Option<SqlFragment<'a>> {
    let Some((from, from_table)) = &q.from else {
        interp.fail(
            q.site,
            "this select query has no `.from(...)`",
            "no source",
            "add `.from(table)`",
        );
        return None;
    };
    let single_table = q.joins.is_empty();
    let mut out: Vec<SqlChunk<'a>> = vec![text("select")];
    match &q.distinct {
        None => {}
        Some(on) if on.is_empty() => out.push(text(" distinct")),
        Some(on) => {
            out.push(text(" distinct on ("));
            push_joined(&mut out, on.iter().cloned(), ", ");
            out.push(text(")"));
        }
    }
    out.push(text(" "));
    let mut fields = Vec::new();
    match &q.fields {
        Some((value, site)) => {
            if !flatten_fields(interp, value, *site, single_table, &mut fields, 0) {
                return None;
            }
        }
        None => {
            let tables: Vec<&Rc<TableEntity<'a>>> = from_table
                .iter()
                .chain(q.joins.iter().filter_map(|j| j.table.as_ref()))
                .collect();
            if tables.len() != 1 + q.joins.len() {
                interp.fail(
                    q.site,
                    "`select()` without fields needs tables to select from",
                    "no fields",
                    "name the fields: `select({ id: t.id, ... })`",
                );
                return None;
            }
            for t in tables {
                for (key, _) in &t.columns {
                    let Value::Host(Drizzle::ColumnRef(c)) = column_ref(t, key) else {
                        continue;
                    };
                    fields.push(if single_table {
                        SqlChunk::BareColumn(c)
                    } else {
                        SqlChunk::Column(c)
                    });
                }
            }
        }
    }
    push_joined(&mut out, fields, ", ");
    out.push(text(" from "));
    out.push(from.clone());
    for join in &q.joins {
        out.push(text(&format!(" {} join ", join.kind)));
        out.push(join.source.clone());
        if let Some(on) = &join.on {
            out.push(text(" on "));
            out.push(on.clone());
        }
    }
    if let Some(w) = &q.filter {
        out.extend([text(" where "), w.clone()]);
    }
    if !q.group_by.is_empty() {
        out.push(text(" group by "));
        push_joined(&mut out, q.group_by.iter().cloned(), ", ");
    }
    if let Some(h) = &q.having {
        out.extend([text(" having "), h.clone()]);
    }
    if !q.order_by.is_empty() {
        out.push(text(" order by "));
        push_joined(&mut out, q.order_by.iter().cloned(), ", ");
    }
    if let Some(n) = &q.limit {
        out.extend([text(" limit "), n.clone()]);
    }
    if let Some(n) = &q.offset {
        out.extend([text(" offset "), n.clone()]);
    }
    Some(SqlFragment {
        chunks: out,
        alias: None,
    })
}

/// The selected fields in order, nested objects flattened as drizzle-orm does;
/// false when one cannot be selected (reported).
fn flatten_fields<'a>(
    interp: &mut Interp<'a>,
    value: &Value<'a>,
    site: Site,
    single_table: bool,
    out: &mut Vec<SqlChunk<'a>>,
    depth: usize,
) -> bool {
    let Value::Object(object) = value else {
        let described = value.describe();
        interp.fail(
            site,
            format!("the fields of a select must be an object, found {described}"),
            "fields",
            "pass an object like `{ id: t.id }`",
        );
        return false;
    };
    let props: Vec<_> = object
        .borrow()
        .props
        .iter()
        .map(|p| (p.value.clone(), p.site.unwrap_or(site)))
        .collect();
    for (v, s) in props {
        match v {
            Value::Host(Drizzle::ColumnRef(c)) => out.push(if single_table {
                SqlChunk::BareColumn(c)
            } else {
                SqlChunk::Column(c)
            }),
            Value::Host(Drizzle::Sql(f)) => {
                // In a single-table query drizzle-orm writes the fragment's own
                // columns unqualified (not those of nested fragments).
                let chunks = if single_table {
                    f.chunks
                        .iter()
                        .map(|c| match c {
                            SqlChunk::Column(c) => SqlChunk::BareColumn(c.clone()),
                            other => other.clone(),
                        })
                        .collect()
                } else {
                    f.chunks.clone()
                };
                out.push(SqlChunk::Sql(Rc::new(SqlFragment {
                    chunks,
                    alias: None,
                })));
                if let Some(alias) = &f.alias {
                    let last = out.len() - 1;
                    let field = std::mem::replace(&mut out[last], text(""));
                    out[last] = SqlChunk::Sql(Rc::new(SqlFragment {
                        chunks: vec![field, text(" as "), SqlChunk::Identifier(alias.clone())],
                        alias: None,
                    }));
                }
            }
            nested @ Value::Object(_) if depth < 8 => {
                if !flatten_fields(interp, &nested, s, single_table, out, depth + 1) {
                    return false;
                }
            }
            Value::Poison => return false,
            other => {
                let described = other.describe();
                interp.fail(
                    s,
                    format!("a selected field must be a column or sql`...`, found {described}"),
                    "field",
                    "select a column (`t.id`) or an sql fragment with `.as(\"name\")`",
                );
                return false;
            }
        }
    }
    true
}

fn push_joined<'a>(
    out: &mut Vec<SqlChunk<'a>>,
    items: impl IntoIterator<Item = SqlChunk<'a>>,
    separator: &str,
) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(text(separator));
        }
        out.push(item);
    }
}

fn text<'a>(s: &str) -> SqlChunk<'a> {
    SqlChunk::Text(s.into())
}
