//! drizzle-orm's SQL operators (`eq`, `and`, `isNull`, `inArray`, `count`...),
//! built into `sql` fragments with the text drizzle-orm gives them, so they
//! can stand wherever a fragment is accepted: index `.where()`, checks,
//! generated columns, policies and view bodies.

use std::rc::Rc;

use super::core::{arg, arg_site, sql_chunk};
use super::value::{Drizzle, Site, SqlChunk, SqlFragment, Value};
use super::{Arg, Eval, Interp};

/// Whether `name` is an operator of drizzle-orm this module builds.
pub fn is_operator(name: &str) -> bool {
    binary_operator(name).is_some()
        || matches!(
            name,
            "and"
                | "or"
                | "not"
                | "isNull"
                | "isNotNull"
                | "inArray"
                | "notInArray"
                | "between"
                | "notBetween"
                | "exists"
                | "notExists"
                | "asc"
                | "desc"
                | "count"
                | "countDistinct"
                | "sum"
                | "sumDistinct"
                | "avg"
                | "avgDistinct"
                | "min"
                | "max"
        )
}

/// The SQL operator of a two-operand comparison.
fn binary_operator(name: &str) -> Option<&'static str> {
    Some(match name {
        "eq" => " = ",
        "ne" => " <> ",
        "gt" => " > ",
        "gte" => " >= ",
        "lt" => " < ",
        "lte" => " <= ",
        "like" => " like ",
        "notLike" => " not like ",
        "ilike" => " ilike ",
        "notIlike" => " not ilike ",
        "arrayContains" => " @> ",
        "arrayContained" => " <@ ",
        "arrayOverlaps" => " && ",
        _ => return None,
    })
}

/// Calls operator `name` (one [`is_operator`] accepts).
pub fn call<'a>(interp: &mut Interp<'a>, name: &str, args: Vec<Arg<'a>>, site: Site) -> Eval<'a> {
    let mut chunks: Vec<SqlChunk<'a>> = Vec::new();
    let operand = |i: usize| sql_chunk(arg(&args, i), arg_site(&args, i, site));
    if let Some(op) = binary_operator(name) {
        let (Some(left), Some(right)) = (operand(0), operand(1)) else {
            return Ok(Value::Poison);
        };
        chunks.extend([left, text(op), right]);
        return Ok(fragment(chunks));
    }
    match name {
        "and" | "or" => {
            // `undefined` conditions are left out; none is `undefined`, one is itself.
            let mut conditions = Vec::new();
            for (i, a) in args.iter().enumerate() {
                if matches!(a.value, Value::Undefined) {
                    continue;
                }
                match operand(i) {
                    Some(c) => conditions.push(c),
                    None => return Ok(Value::Poison),
                }
            }
            match conditions.len() {
                0 => return Ok(Value::Undefined),
                1 => chunks.extend(conditions),
                _ => {
                    let separator = if name == "and" { " and " } else { " or " };
                    chunks.push(text("("));
                    for (i, c) in conditions.into_iter().enumerate() {
                        if i > 0 {
                            chunks.push(text(separator));
                        }
                        chunks.push(c);
                    }
                    chunks.push(text(")"));
                }
            }
        }
        "not" | "exists" | "notExists" => {
            let Some(value) = operand(0) else {
                return Ok(Value::Poison);
            };
            let prefix = match name {
                "not" => "not ",
                "exists" => "exists ",
                _ => "not exists ",
            };
            chunks.extend([text(prefix), value]);
        }
        "isNull" | "isNotNull" | "asc" | "desc" => {
            let Some(value) = operand(0) else {
                return Ok(Value::Poison);
            };
            let suffix = match name {
                "isNull" => " is null",
                "isNotNull" => " is not null",
                "asc" => " asc",
                _ => " desc",
            };
            chunks.extend([value, text(suffix)]);
        }
        "inArray" | "notInArray" => {
            let negated = name == "notInArray";
            let Some(column) = operand(0) else {
                return Ok(Value::Poison);
            };
            match arg(&args, 1) {
                Value::Array(items) => {
                    let items = items.borrow().clone();
                    if items.is_empty() {
                        // drizzle-orm: nothing is in an empty list.
                        chunks.push(text(if negated { "true" } else { "false" }));
                    } else {
                        chunks.extend([column, text(if negated { " not in " } else { " in " })]);
                        chunks.push(text("("));
                        for (i, item) in items.into_iter().enumerate() {
                            if i > 0 {
                                chunks.push(text(", "));
                            }
                            match sql_chunk(item, arg_site(&args, 1, site)) {
                                Some(c) => chunks.push(c),
                                None => return Ok(Value::Poison),
                            }
                        }
                        chunks.push(text(")"));
                    }
                }
                _ => {
                    let Some(list) = operand(1) else {
                        return Ok(Value::Poison);
                    };
                    chunks.extend([
                        column,
                        text(if negated { " not in " } else { " in " }),
                        list,
                    ]);
                }
            }
        }
        "between" | "notBetween" => {
            let (Some(value), Some(low), Some(high)) = (operand(0), operand(1), operand(2)) else {
                return Ok(Value::Poison);
            };
            let op = if name == "between" {
                " between "
            } else {
                " not between "
            };
            chunks.extend([value, text(op), low, text(" and "), high]);
        }
        "count" | "countDistinct" | "sum" | "sumDistinct" | "avg" | "avgDistinct" | "min"
        | "max" => {
            let function = name.trim_end_matches("Distinct");
            let distinct = name.ends_with("Distinct");
            chunks.push(text(&format!("{function}(")));
            if distinct {
                chunks.push(text("distinct "));
            }
            if name == "count" && matches!(arg(&args, 0), Value::Undefined) {
                chunks.push(text("*"));
            } else {
                match operand(0) {
                    Some(c) => chunks.push(c),
                    None => return Ok(Value::Poison),
                }
            }
            chunks.push(text(")"));
        }
        _ => {
            return Ok(interp.fail(
                site,
                format!("`{name}` is not an operator db-migrate knows"),
                "unknown operator",
                "write the SQL with sql`...` instead",
            ));
        }
    }
    Ok(fragment(chunks))
}

fn text<'a>(s: &str) -> SqlChunk<'a> {
    SqlChunk::Text(s.into())
}

fn fragment(chunks: Vec<SqlChunk<'_>>) -> Value<'_> {
    Value::Host(Drizzle::Sql(Rc::new(SqlFragment {
        chunks,
        ..SqlFragment::default()
    })))
}
