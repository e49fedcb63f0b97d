//! JavaScript's built-in values and conversions that schemas use: `Object.*`,
//! `JSON.stringify`, array and string methods, operators.

use std::cell::RefCell;
use std::rc::Rc;

use oxc_ast::ast::BinaryOperator;

use super::Host;
use super::eval::{Arg, Eval, Interp};
use super::value::{Global, Object, Opaque, Site, Value};

/// Argument `i` of a call (`undefined` when missing).
pub fn arg<'a, H: Host<'a>>(args: &[Arg<'a, H>], i: usize) -> Value<'a, H> {
    args.get(i).map_or(Value::Undefined, |a| a.value.clone())
}

/// Where argument `i` was written (or the call, when it is missing).
pub fn arg_site<H>(args: &[Arg<'_, H>], i: usize, site: Site) -> Site {
    args.get(i).map_or(site, |a| a.site)
}

/// The value of a global name, if it is one the evaluator knows.
pub fn global<'a, H: Host<'a>>(name: &str, site: Site) -> Option<Value<'a, H>> {
    let functions = |entries: &[(&str, Global)]| {
        let mut object = Object::default();
        for (key, g) in entries {
            object.set((*key).into(), Interp::global_function(*g), None);
        }
        Value::object(object)
    };
    Some(match name {
        "undefined" => Value::Undefined,
        "NaN" => Value::Number(f64::NAN),
        "Infinity" => Value::Number(f64::INFINITY),
        "Object" => functions(&[
            ("keys", Global::ObjectKeys),
            ("values", Global::ObjectValues),
            ("entries", Global::ObjectEntries),
            ("fromEntries", Global::ObjectFromEntries),
            ("assign", Global::ObjectAssign),
            ("freeze", Global::ObjectFreeze),
            ("defineProperty", Global::ObjectDefineProperty),
            ("hasOwn", Global::ObjectHasOwn),
        ]),
        "JSON" => functions(&[
            ("stringify", Global::JsonStringify),
            ("parse", Global::JsonParse),
        ]),
        "Date" => Interp::global_function(Global::Date),
        "Error" | "TypeError" | "RangeError" | "SyntaxError" => {
            Interp::global_function(Global::Error)
        }
        "Array" => functions(&[("isArray", Global::ArrayIsArray)]),
        "Set" => Interp::global_function(Global::Set),
        "structuredClone" => Interp::global_function(Global::StructuredClone),
        "String" => Interp::global_function(Global::String),
        "Number" => Interp::global_function(Global::Number),
        "Boolean" => Interp::global_function(Global::Boolean),
        "process" | "globalThis" | "window" | "crypto" | "Math" | "console" | "Symbol" => {
            Value::Opaque(Rc::new(Opaque {
                what: format!("`{name}`"),
                origin: "a run-time global whose value is not known when reading the schema".into(),
                site,
            }))
        }
        _ => return None,
    })
}

/// JavaScript's `Number.prototype.toString()` for base 10.
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{n:.0}");
    }
    if n.abs() >= 1e21 || n.abs() < 1e-6 {
        let text = format!("{n:e}");
        return match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        };
    }
    format!("{n}")
}

/// JavaScript's string conversion; `None` for values the reader will not
/// convert (and for arrays nested more than 100 deep, or cyclic).
pub fn to_js_string<'a, H: Host<'a>>(v: &Value<'a, H>) -> Option<String> {
    to_js_string_at(v, 0)
}

fn to_js_string_at<'a, H: Host<'a>>(v: &Value<'a, H>, depth: usize) -> Option<String> {
    Some(match v {
        Value::Undefined => "undefined".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(*n),
        Value::BigInt(b) => b.to_string(),
        Value::String(s) => s.to_string(),
        Value::Array(a) => {
            if depth > 100 {
                return None;
            }
            let mut parts = Vec::new();
            for item in a.borrow().iter() {
                parts.push(match item {
                    Value::Undefined | Value::Null => String::new(),
                    other => to_js_string_at(other, depth + 1)?,
                });
            }
            parts.join(",")
        }
        Value::Object(_) => "[object Object]".into(),
        _ => return None,
    })
}

/// JavaScript's truthiness.
pub fn truthy<'a, H: Host<'a>>(v: &Value<'a, H>) -> bool {
    match v {
        Value::Undefined | Value::Null | Value::Poison => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::BigInt(b) => &**b != "0",
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// JavaScript's number conversion.
pub fn to_number<'a, H: Host<'a>>(v: &Value<'a, H>) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::BigInt(b) => b.parse().unwrap_or(f64::NAN),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                0.0
            } else {
                t.parse().unwrap_or(f64::NAN)
            }
        }
        _ => f64::NAN,
    }
}

/// JavaScript's ToInt32.
pub fn to_int32<'a, H: Host<'a>>(v: &Value<'a, H>) -> i32 {
    let n = to_number(v);
    if !n.is_finite() {
        return 0;
    }
    let wrapped = n.trunc().rem_euclid(4_294_967_296.0);
    (wrapped as u32) as i32
}

/// The result of `typeof`.
pub fn type_of<'a, H: Host<'a>>(v: &Value<'a, H>) -> &'static str {
    match v {
        Value::Undefined => "undefined",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::BigInt(_) => "bigint",
        Value::String(_) => "string",
        Value::Function(_) | Value::Native(_) => "function",
        Value::Host(h) => h.type_of(),
        _ => "object",
    }
}

/// `===`.
pub fn strict_equals<'a, H: Host<'a>>(a: &Value<'a, H>, b: &Value<'a, H>) -> bool {
    match (a, b) {
        (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::BigInt(x), Value::BigInt(y)) | (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => Rc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        (Value::Function(x), Value::Function(y)) => Rc::ptr_eq(x, y),
        (Value::Host(x), Value::Host(y)) => x.same(y),
        _ => false,
    }
}

fn loose_equals<'a, H: Host<'a>>(a: &Value<'a, H>, b: &Value<'a, H>) -> bool {
    match (a, b) {
        (Value::Undefined | Value::Null, Value::Undefined | Value::Null) => true,
        (Value::Undefined | Value::Null, _) | (_, Value::Undefined | Value::Null) => false,
        (
            Value::Number(_) | Value::String(_) | Value::Bool(_),
            Value::Number(_) | Value::String(_) | Value::Bool(_),
        ) if std::mem::discriminant(a) != std::mem::discriminant(b) => to_number(a) == to_number(b),
        _ => strict_equals(a, b),
    }
}

fn bigint<'a, H: Host<'a>>(v: &Value<'a, H>) -> Option<i128> {
    match v {
        Value::BigInt(b) => b.parse().ok(),
        _ => None,
    }
}

/// A binary operator on two known values; `None` when the reader does not support the combination.
pub fn binary<'a, H: Host<'a>>(
    op: BinaryOperator,
    left: &Value<'a, H>,
    right: &Value<'a, H>,
) -> Option<Value<'a, H>> {
    use BinaryOperator as B;
    let numeric = |v: &Value<'a, H>| {
        matches!(
            v,
            Value::Number(_) | Value::Bool(_) | Value::Null | Value::Undefined
        )
    };
    if let (Some(x), Some(y)) = (bigint(left), bigint(right)) {
        let result = match op {
            B::Addition => x.checked_add(y),
            B::Subtraction => x.checked_sub(y),
            B::Multiplication => x.checked_mul(y),
            B::Division => x.checked_div(y),
            B::Remainder => x.checked_rem(y),
            _ => None,
        };
        if let Some(r) = result {
            return Some(Value::BigInt(r.to_string().into()));
        }
    }
    Some(match op {
        B::Addition => {
            let stringy = |v: &Value<'a, H>| {
                matches!(v, Value::String(_) | Value::Array(_) | Value::Object(_))
            };
            if stringy(left) || stringy(right) {
                Value::string(format!("{}{}", to_js_string(left)?, to_js_string(right)?))
            } else if numeric(left) && numeric(right) {
                Value::Number(to_number(left) + to_number(right))
            } else {
                return None;
            }
        }
        B::Subtraction | B::Multiplication | B::Division | B::Remainder | B::Exponential => {
            if !matches!(
                left,
                Value::Number(_) | Value::Bool(_) | Value::Null | Value::String(_)
            ) || !matches!(
                right,
                Value::Number(_) | Value::Bool(_) | Value::Null | Value::String(_)
            ) {
                return None;
            }
            let (x, y) = (to_number(left), to_number(right));
            Value::Number(match op {
                B::Subtraction => x - y,
                B::Multiplication => x * y,
                B::Division => x / y,
                B::Remainder => x % y,
                _ => x.powf(y),
            })
        }
        B::LessThan | B::LessEqualThan | B::GreaterThan | B::GreaterEqualThan => {
            let ordering = match (left, right) {
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => to_number(left).partial_cmp(&to_number(right)),
            };
            Value::Bool(match ordering {
                None => false,
                Some(o) => match op {
                    B::LessThan => o.is_lt(),
                    B::LessEqualThan => o.is_le(),
                    B::GreaterThan => o.is_gt(),
                    _ => o.is_ge(),
                },
            })
        }
        B::StrictEquality => Value::Bool(strict_equals(left, right)),
        B::StrictInequality => Value::Bool(!strict_equals(left, right)),
        B::Equality => Value::Bool(loose_equals(left, right)),
        B::Inequality => Value::Bool(!loose_equals(left, right)),
        B::In => {
            let key = to_js_string(left)?;
            match right {
                Value::Object(o) => Value::Bool(o.borrow().get(&key).is_some()),
                Value::Array(a) => {
                    Value::Bool(key.parse::<usize>().is_ok_and(|i| i < a.borrow().len()))
                }
                _ => return None,
            }
        }
        B::BitwiseOR
        | B::BitwiseAnd
        | B::BitwiseXOR
        | B::ShiftLeft
        | B::ShiftRight
        | B::ShiftRightZeroFill => {
            if !numeric(left) || !numeric(right) {
                return None;
            }
            let (x, y) = (to_int32(left), to_int32(right));
            let shift = (y as u32) & 31;
            Value::Number(match op {
                B::BitwiseOR => f64::from(x | y),
                B::BitwiseAnd => f64::from(x & y),
                B::BitwiseXOR => f64::from(x ^ y),
                B::ShiftLeft => f64::from(x.wrapping_shl(shift)),
                B::ShiftRight => f64::from(x.wrapping_shr(shift)),
                _ => f64::from((x as u32).wrapping_shr(shift)),
            })
        }
        B::Instanceof => return None,
    })
}

/// `JSON.stringify(value)` without indentation; `Ok(None)` where JavaScript
/// returns `undefined`; `Err` names a value JSON cannot hold.
pub fn json_stringify<'a, H: Host<'a>>(v: &Value<'a, H>) -> Result<Option<String>, String> {
    let mut out = String::new();
    if write_json(v, &mut out, 0)? {
        Ok(Some(out))
    } else {
        Ok(None)
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Writes JSON for `v`; false when the value is skipped (undefined, functions).
fn write_json<'a, H: Host<'a>>(
    v: &Value<'a, H>,
    out: &mut String,
    depth: usize,
) -> Result<bool, String> {
    if depth > 100 {
        return Err("a structure nested too deeply".into());
    }
    match v {
        Value::Undefined | Value::Function(_) | Value::Native(_) => return Ok(false),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_finite() {
                out.push_str(&number_to_string(*n));
            } else {
                out.push_str("null");
            }
        }
        Value::String(s) => out.push_str(&json_string(s)),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !write_json(item, out, depth + 1)? {
                    out.push_str("null");
                }
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            let mut first = true;
            for p in o.borrow().props.iter() {
                let mut item = String::new();
                if write_json(&p.value, &mut item, depth + 1)? {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(&json_string(&p.key));
                    out.push(':');
                    out.push_str(&item);
                }
            }
            out.push('}');
        }
        Value::Date(ms) => match iso_string(*ms) {
            Some(iso) => out.push_str(&json_string(&iso)),
            None => out.push_str("null"),
        },
        Value::BigInt(_) => return Err("a bigint".into()),
        other => return Err(other.describe()),
    }
    Ok(true)
}

/// Calls a global function.
pub fn call_global<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    g: Global,
    args: Vec<Arg<'a, H>>,
    site: Site,
) -> Eval<'a, H> {
    let first = arg(&args, 0);
    if let Value::Poison = first {
        return Ok(Value::Poison);
    }
    if let (Value::Opaque(o), false) = (&first, matches!(g, Global::ObjectFreeze)) {
        return Ok(Value::Opaque(Rc::new(o.derived(""))));
    }
    let first = match first {
        Value::Module(id) => Value::object(interp.module_object(id, arg_site(&args, 0, site))?),
        other => other,
    };
    let entries = |v: &Value<'a, H>| -> Option<Vec<(Rc<str>, Value<'a, H>)>> {
        match v {
            Value::Object(o) => Some(
                o.borrow()
                    .props
                    .iter()
                    .map(|p| (p.key.clone(), p.value.clone()))
                    .collect(),
            ),
            Value::Array(a) => Some(
                a.borrow()
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Rc::from(i.to_string()), v.clone()))
                    .collect(),
            ),
            Value::Host(h) => h.entries(),
            _ => None,
        }
    };
    let result = match g {
        Global::ObjectKeys | Global::ObjectValues | Global::ObjectEntries => {
            let Some(list) = entries(&first) else {
                let described = first.describe();
                return Ok(interp.fail(
                    arg_site(&args, 0, site),
                    format!("expected an object, found {described}"),
                    "not an object",
                    "pass an object",
                ));
            };
            let items = list
                .into_iter()
                .map(|(k, v)| match g {
                    Global::ObjectKeys => Value::String(k),
                    Global::ObjectValues => v,
                    _ => Value::array(vec![Value::String(k), v]),
                })
                .collect();
            Value::array(items)
        }
        Global::ObjectFromEntries => {
            let mut object = Object::default();
            for pair in interp.iterate(first, arg_site(&args, 0, site)) {
                let key = match &pair {
                    Value::Array(a) => a.borrow().first().cloned().unwrap_or(Value::Undefined),
                    _ => Value::Undefined,
                };
                let value = match &pair {
                    Value::Array(a) => a.borrow().get(1).cloned().unwrap_or(Value::Undefined),
                    _ => Value::Undefined,
                };
                match to_js_string(&key) {
                    Some(k) => object.set(k.into(), value, None),
                    None => {
                        return Ok(interp.fail(
                            site,
                            "expected [key, value] pairs",
                            "here",
                            "pass an array of pairs",
                        ));
                    }
                }
            }
            Value::object(object)
        }
        // Extra properties on a host value (a Drizzle builder) do not change it.
        Global::ObjectAssign if matches!(first, Value::Host(_)) => first,
        Global::ObjectAssign => {
            let Value::Object(target) = &first else {
                return Ok(interp.fail(
                    arg_site(&args, 0, site),
                    "`Object.assign` needs a plain object as its target",
                    "target",
                    "assign into a plain object",
                ));
            };
            for a in args.iter().skip(1) {
                match entries(&a.value) {
                    Some(list) => {
                        for (k, v) in list {
                            target.borrow_mut().set(k, v, Some(a.site));
                        }
                    }
                    None if a.value.is_nullish() => {}
                    None => {
                        let described = a.value.describe();
                        return Ok(interp.fail(
                            a.site,
                            format!("cannot assign from {described}"),
                            "source",
                            "pass objects",
                        ));
                    }
                }
            }
            first
        }
        Global::ObjectFreeze => first,
        Global::ObjectDefineProperty => {
            let (Value::Object(target), Some(key), Value::Object(descriptor)) =
                (&first, to_js_string(&arg(&args, 1)), arg(&args, 2))
            else {
                return Ok(first);
            };
            let (value, getter) = {
                let d = descriptor.borrow();
                (d.get("value").cloned(), d.get("get").cloned())
            };
            let value = match (value, getter) {
                (Some(v), _) => v,
                (None, Some(get)) => interp.call(&get, Vec::new(), site)?,
                (None, None) => Value::Undefined,
            };
            target.borrow_mut().set(key.into(), value, Some(site));
            first
        }
        Global::JsonStringify => match json_stringify(&first) {
            Ok(Some(s)) => {
                if args.len() > 2 && !arg(&args, 2).is_nullish() {
                    return Ok(interp.fail(
                        site,
                        "`JSON.stringify` with indentation is not supported",
                        "indentation",
                        "drop the third argument",
                    ));
                }
                Value::string(s)
            }
            Ok(None) => Value::Undefined,
            Err(what) => {
                return Ok(interp.fail(
                    arg_site(&args, 0, site),
                    format!("cannot turn {what} into JSON"),
                    "not JSON",
                    "use plain objects, arrays, strings, numbers and booleans",
                ));
            }
        },
        Global::JsonParse => {
            let Value::String(text) = &first else {
                let described = first.describe();
                return Ok(interp.fail(
                    arg_site(&args, 0, site),
                    format!("`JSON.parse` needs a string, found {described}"),
                    "not a string",
                    "pass JSON text",
                ));
            };
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(json) => from_json(interp, &json, site, 0)?,
                Err(e) => {
                    return Ok(interp.fail(
                        arg_site(&args, 0, site),
                        format!("`JSON.parse` fails: {e}"),
                        "invalid JSON",
                        "fix the JSON text",
                    ));
                }
            }
        }
        Global::Error => {
            let message = match &first {
                Value::Undefined => String::new(),
                v => to_js_string(v).unwrap_or_else(|| v.describe()),
            };
            let mut object = Object::default();
            object.set("name".into(), Value::string("Error"), Some(site));
            object.set("message".into(), Value::string(message), Some(site));
            Value::object(object)
        }
        Global::Date => Value::Opaque(Rc::new(Opaque {
            what: format!("`{}`", interp.snippet(site)),
            origin: "the current time, known only when the code runs".into(),
            site,
        })),
        Global::ArrayIsArray => Value::Bool(matches!(first, Value::Array(_))),
        Global::ObjectHasOwn => {
            let key = to_js_string(&arg(&args, 1)).unwrap_or_default();
            Value::Bool(entries(&first).is_some_and(|list| list.iter().any(|(k, _)| **k == *key)))
        }
        Global::Set => new_set(interp, first, arg_site(&args, 0, site)),
        Global::StructuredClone => deep_copy(&first),
        Global::String => match args.first() {
            None => Value::string(""),
            Some(a) => match interp.string_of(&a.value, a.site) {
                Some(s) => Value::string(s),
                None => Value::Poison,
            },
        },
        Global::Number => Value::Number(if args.is_empty() {
            0.0
        } else {
            to_number(&first)
        }),
        Global::Boolean => Value::Bool(truthy(&first)),
    };
    interp.charge(&result, site)?;
    Ok(result)
}

/// `new Set(iterable)`: the distinct items, in order, as an array.
pub fn new_set<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    iterable: Value<'a, H>,
    site: Site,
) -> Value<'a, H> {
    let mut items: Vec<Value<'a, H>> = Vec::new();
    if !matches!(iterable, Value::Undefined | Value::Null) {
        for item in interp.iterate(iterable, site) {
            if !items.iter().any(|i| strict_equals(i, &item)) {
                items.push(item);
            }
        }
    }
    Value::array(items)
}

/// A copy of plain arrays and objects, all the way down (`structuredClone`).
fn deep_copy<'a, H: Host<'a>>(v: &Value<'a, H>) -> Value<'a, H> {
    match v {
        Value::Array(a) => Value::array(a.borrow().iter().map(deep_copy).collect()),
        Value::Object(o) => {
            let mut copy = o.borrow().clone();
            for p in &mut copy.props {
                p.value = deep_copy(&p.value);
            }
            Value::object(copy)
        }
        other => other.clone(),
    }
}

/// `new Date(...)`: a known instant from a number, an ISO string with a
/// zone (or a plain date, which JavaScript reads as UTC) or another Date.
pub fn new_date<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    args: Vec<Arg<'a, H>>,
    site: Site,
) -> Eval<'a, H> {
    let local_time = |interp: &mut Interp<'a, H>, what: &str| {
        interp.fail(
            site,
            format!("`new Date({what})` depends on the time zone of the machine that runs the code"),
            "local time",
            "write an ISO 8601 string with a zone, e.g. new Date('2024-01-01T00:00:00Z'), or sql`...`",
        )
    };
    if args.len() > 1 {
        return Ok(local_time(interp, "year, month, ..."));
    }
    let Some(first) = args.first() else {
        return Ok(Value::Opaque(Rc::new(Opaque {
            what: format!("`{}`", interp.snippet(site)),
            origin: "the current time, known only when the code runs".into(),
            site,
        })));
    };
    Ok(match &first.value {
        Value::Number(n) => Value::Date(*n),
        Value::Date(ms) => Value::Date(*ms),
        Value::String(text) => match parse_date(text) {
            Some(DateText::Instant(ms)) => Value::Date(ms),
            Some(DateText::Local) => local_time(interp, &format!("'{text}'")),
            None => Value::Date(f64::NAN),
        },
        Value::Opaque(o) => Value::Opaque(Rc::new(o.derived(""))),
        Value::Poison => Value::Poison,
        other => {
            let described = other.describe();
            interp.fail(
                first.site,
                format!("`new Date()` needs a number or an ISO 8601 string, found {described}"),
                "date value",
                "pass an ISO 8601 string such as '2024-01-01T00:00:00Z'",
            )
        }
    })
}

enum DateText {
    Instant(f64),
    Local,
}

fn parse_date(text: &str) -> Option<DateText> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(DateText::Instant(ts.as_millisecond() as f64));
    }
    if t.len() == 10
        && let Ok(date) = t.parse::<jiff::civil::Date>()
    {
        // A date without a time is midnight UTC in JavaScript.
        let ts = date
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp();
        return Some(DateText::Instant(ts.as_millisecond() as f64));
    }
    if t.parse::<jiff::civil::DateTime>().is_ok() {
        return Some(DateText::Local);
    }
    None
}

/// `Date.prototype.toISOString()`; `None` for an invalid date.
pub fn iso_string(ms: f64) -> Option<String> {
    if !ms.is_finite() {
        return None;
    }
    let ts = jiff::Timestamp::from_millisecond(ms.trunc() as i64).ok()?;
    Some(ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// Methods of a `Date`.
pub fn date_method<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    ms: f64,
    name: &str,
    site: Site,
) -> Eval<'a, H> {
    Ok(match name {
        "toISOString" | "toJSON" => match iso_string(ms) {
            Some(iso) => Value::string(iso),
            None if name == "toJSON" => Value::Null,
            None => interp.fail(
                site,
                "`toISOString()` of an invalid date",
                "invalid date",
                "pass a valid ISO 8601 string to `new Date()`",
            ),
        },
        "getTime" | "valueOf" => Value::Number(ms),
        _ => unknown_method(interp, "Date", name, site),
    })
}

/// A JSON value as a JavaScript value.
pub fn from_json<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    json: &serde_json::Value,
    site: Site,
    depth: usize,
) -> Eval<'a, H> {
    use serde_json::Value as J;
    if depth > 100 {
        return Ok(interp.fail(
            site,
            "JSON nested more than 100 levels deep",
            "too deep",
            "flatten the JSON",
        ));
    }
    let value = match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        J::String(s) => Value::string(s.as_str()),
        J::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(from_json(interp, item, site, depth + 1)?);
            }
            Value::array(out)
        }
        J::Object(map) => {
            let mut object = Object::default();
            for (k, v) in map {
                let v = from_json(interp, v, site, depth + 1)?;
                object.set(k.as_str().into(), v, Some(site));
            }
            Value::object(object)
        }
    };
    interp.charge(&value, site)?;
    Ok(value)
}

fn unknown_method<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    kind: &str,
    name: &str,
    site: Site,
) -> Value<'a, H> {
    interp.fail(
        site,
        format!("`.{name}()` is not a {kind} method db-migrate can evaluate"),
        "unsupported method",
        "compute the value another way, or write it out",
    )
}

fn index_arg<'a, H: Host<'a>>(v: &Value<'a, H>, len: usize, default: usize) -> usize {
    match v {
        Value::Undefined => default,
        other => {
            let n = to_number(other);
            if n.is_nan() {
                0
            } else if n < 0.0 {
                len.saturating_sub((-n) as usize)
            } else {
                (n as usize).min(len)
            }
        }
    }
}

/// Calls an array method.
pub fn array_method<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    array: &Rc<RefCell<Vec<Value<'a, H>>>>,
    name: &str,
    args: Vec<Arg<'a, H>>,
    site: Site,
) -> Eval<'a, H> {
    let items = array.borrow().clone();
    let callback = arg(&args, 0);
    let call = |interp: &mut Interp<'a, H>, item: &Value<'a, H>, i: usize| {
        let call_args = vec![
            Arg {
                value: item.clone(),
                site,
            },
            Arg {
                value: Value::Number(i as f64),
                site,
            },
            Arg {
                value: Value::Array(array.clone()),
                site,
            },
        ];
        interp.call(&callback, call_args, site)
    };
    let result = match name {
        "map" => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(call(interp, item, i)?);
            }
            Value::array(out)
        }
        "flatMap" => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match call(interp, item, i)? {
                    Value::Array(a) => out.extend(a.borrow().iter().cloned()),
                    other => out.push(other),
                }
            }
            Value::array(out)
        }
        "filter" => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if truthy(&call(interp, item, i)?) {
                    out.push(item.clone());
                }
            }
            Value::array(out)
        }
        "forEach" => {
            for (i, item) in items.iter().enumerate() {
                call(interp, item, i)?;
            }
            Value::Undefined
        }
        "find" | "findIndex" | "some" | "every" => {
            for (i, item) in items.iter().enumerate() {
                let hit = truthy(&call(interp, item, i)?);
                match (name, hit) {
                    ("find", true) => return Ok(item.clone()),
                    ("findIndex", true) => return Ok(Value::Number(i as f64)),
                    ("some", true) => return Ok(Value::Bool(true)),
                    ("every", false) => return Ok(Value::Bool(false)),
                    _ => {}
                }
            }
            match name {
                "find" => Value::Undefined,
                "findIndex" => Value::Number(-1.0),
                "some" => Value::Bool(false),
                _ => Value::Bool(true),
            }
        }
        "reduce" => {
            let mut iter = items.iter().enumerate();
            let mut acc = if args.len() > 1 {
                arg(&args, 1)
            } else {
                match iter.next() {
                    Some((_, v)) => v.clone(),
                    None => {
                        return Ok(interp.fail(
                            site,
                            "reduce of an empty array with no initial value",
                            "here",
                            "pass an initial value",
                        ));
                    }
                }
            };
            for (i, item) in iter {
                let call_args = vec![
                    Arg { value: acc, site },
                    Arg {
                        value: item.clone(),
                        site,
                    },
                    Arg {
                        value: Value::Number(i as f64),
                        site,
                    },
                ];
                acc = interp.call(&callback, call_args, site)?;
            }
            acc
        }
        "join" => {
            let separator = match arg(&args, 0) {
                Value::Undefined => ",".to_string(),
                other => match interp.string_of(&other, arg_site(&args, 0, site)) {
                    Some(s) => s,
                    None => return Ok(Value::Poison),
                },
            };
            let mut parts = Vec::new();
            for item in &items {
                parts.push(match item {
                    Value::Undefined | Value::Null => String::new(),
                    Value::Poison => return Ok(Value::Poison),
                    Value::Opaque(o) => return Ok(Value::Opaque(Rc::new(o.derived("")))),
                    other => match interp.string_of(other, site) {
                        Some(s) => s,
                        None => return Ok(Value::Poison),
                    },
                });
            }
            Value::string(parts.join(&separator))
        }
        "includes" => Value::Bool(items.iter().any(|i| strict_equals(i, &arg(&args, 0)))),
        "indexOf" => Value::Number(
            items
                .iter()
                .position(|i| strict_equals(i, &arg(&args, 0)))
                .map_or(-1.0, |p| p as f64),
        ),
        "concat" => {
            let mut out = items;
            for a in &args {
                match &a.value {
                    Value::Array(more) => out.extend(more.borrow().iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Value::array(out)
        }
        "slice" => {
            let len = items.len();
            let start = index_arg(&arg(&args, 0), len, 0);
            let end = index_arg(&arg(&args, 1), len, len);
            Value::array(
                items
                    .get(start..end.max(start))
                    .map(<[_]>::to_vec)
                    .unwrap_or_default(),
            )
        }
        "flat" => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::Array(a) => out.extend(a.borrow().iter().cloned()),
                    other => out.push(other),
                }
            }
            Value::array(out)
        }
        "at" => {
            let n = to_number(&arg(&args, 0));
            let len = items.len() as f64;
            let i = if n < 0.0 { len + n } else { n };
            if i >= 0.0 && i < len {
                items.get(i as usize).cloned().unwrap_or(Value::Undefined)
            } else {
                Value::Undefined
            }
        }
        "push" => {
            let mut a = array.borrow_mut();
            a.extend(args.iter().map(|x| x.value.clone()));
            Value::Number(a.len() as f64)
        }
        "unshift" => {
            let mut a = array.borrow_mut();
            for (i, x) in args.iter().enumerate() {
                a.insert(i, x.value.clone());
            }
            Value::Number(a.len() as f64)
        }
        "shift" => {
            let mut a = array.borrow_mut();
            if a.is_empty() {
                Value::Undefined
            } else {
                a.remove(0)
            }
        }
        "pop" => array.borrow_mut().pop().unwrap_or(Value::Undefined),
        // A Set is an array of distinct items (see `Global::Set`).
        "has" => Value::Bool(items.iter().any(|i| strict_equals(i, &arg(&args, 0)))),
        "add" => {
            let item = arg(&args, 0);
            if !items.iter().any(|i| strict_equals(i, &item)) {
                array.borrow_mut().push(item);
            }
            Value::Array(array.clone())
        }
        _ => unknown_method(interp, "array", name, site),
    };
    interp.charge(&result, site)?;
    Ok(result)
}

/// Calls a string method.
pub fn string_method<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    s: &Rc<str>,
    name: &str,
    args: Vec<Arg<'a, H>>,
    site: Site,
) -> Eval<'a, H> {
    let mut strings = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match &a.value {
            Value::Poison => return Ok(Value::Poison),
            Value::Opaque(o) => return Ok(Value::Opaque(Rc::new(o.derived("")))),
            Value::Undefined => strings.push(None),
            Value::Number(_)
                if matches!(
                    name,
                    "slice" | "substring" | "padStart" | "padEnd" | "repeat" | "at" | "charAt"
                ) =>
            {
                strings.push(None)
            }
            other => match to_js_string(other) {
                Some(text) => strings.push(Some(text)),
                None => {
                    let described = other.describe();
                    return Ok(interp.fail(
                        arg_site(&args, i, site),
                        format!("expected a string, found {described}"),
                        "argument",
                        "pass a string",
                    ));
                }
            },
        }
    }
    let text = |i: usize| strings.get(i).cloned().flatten().unwrap_or_default();
    let chars: Vec<char> = s.chars().collect();
    let number = |i: usize, default: f64| match arg(&args, i) {
        Value::Undefined => default,
        v => to_number(&v),
    };
    let result = match name {
        "toUpperCase" | "toLocaleUpperCase" => Value::string(s.to_uppercase()),
        "toLowerCase" | "toLocaleLowerCase" => Value::string(s.to_lowercase()),
        "trim" => Value::string(s.trim()),
        "trimStart" => Value::string(s.trim_start()),
        "trimEnd" => Value::string(s.trim_end()),
        "toString" | "valueOf" => Value::String(s.clone()),
        "startsWith" => Value::Bool(s.starts_with(&text(0))),
        "endsWith" => Value::Bool(s.ends_with(&text(0))),
        "includes" => Value::Bool(s.contains(&text(0))),
        "indexOf" => Value::Number(
            s.find(&text(0))
                .map_or(-1.0, |i| s[..i].chars().count() as f64),
        ),
        "concat" => Value::string(format!(
            "{s}{}",
            (0..strings.len()).map(text).collect::<String>()
        )),
        "split" => match strings.first().cloned().flatten() {
            None => Value::array(vec![Value::String(s.clone())]),
            Some(sep) if sep.is_empty() => {
                Value::array(chars.iter().map(|c| Value::string(c.to_string())).collect())
            }
            Some(sep) => Value::array(s.split(sep.as_str()).map(Value::string).collect()),
        },
        "replace" => Value::string(s.replacen(&text(0), &text(1), 1)),
        "replaceAll" => Value::string(s.replace(&text(0), &text(1))),
        "repeat" => {
            let n = number(0, 0.0);
            if !(0.0..=10_000.0).contains(&n) || (s.len() as f64) * n > 1e6 {
                return Ok(interp.fail(
                    site,
                    "repeat count out of range",
                    "here",
                    "use a smaller count",
                ));
            }
            Value::string(s.repeat(n as usize))
        }
        "slice" | "substring" => {
            let len = chars.len();
            let start = index_arg(&arg(&args, 0), len, 0);
            let end = index_arg(&arg(&args, 1), len, len);
            let (a, b) = if name == "substring" {
                (start.min(end), start.max(end))
            } else {
                (start, end.max(start))
            };
            Value::string(
                chars
                    .get(a..b)
                    .map(|c| c.iter().collect::<String>())
                    .unwrap_or_default(),
            )
        }
        "charAt" | "at" => {
            let n = number(0, 0.0);
            let i = if n < 0.0 && name == "at" {
                chars.len() as f64 + n
            } else {
                n
            };
            match (i >= 0.0).then(|| chars.get(i as usize)).flatten() {
                Some(c) => Value::string(c.to_string()),
                None if name == "at" => Value::Undefined,
                None => Value::string(""),
            }
        }
        "padStart" | "padEnd" => {
            let target = number(0, 0.0).clamp(0.0, 10_000.0) as usize;
            let pad = strings
                .get(1)
                .cloned()
                .flatten()
                .unwrap_or_else(|| " ".into());
            let missing = target.saturating_sub(chars.len());
            let filler: String = pad
                .chars()
                .cycle()
                .take(if pad.is_empty() { 0 } else { missing })
                .collect();
            Value::string(if name == "padStart" {
                format!("{filler}{s}")
            } else {
                format!("{s}{filler}")
            })
        }
        _ => unknown_method(interp, "string", name, site),
    };
    interp.charge(&result, site)?;
    Ok(result)
}

/// Calls a method of a number, boolean or bigint.
pub fn primitive_method<'a, H: Host<'a>>(
    interp: &mut Interp<'a, H>,
    v: &Value<'a, H>,
    name: &str,
    args: Vec<Arg<'a, H>>,
    site: Site,
) -> Eval<'a, H> {
    Ok(match (name, v) {
        ("toString", _)
            if args.is_empty() || matches!(arg(&args, 0), Value::Number(n) if n == 10.0) =>
        {
            Value::string(to_js_string(v).unwrap_or_default())
        }
        ("valueOf", _) => v.clone(),
        ("toFixed", Value::Number(n)) => {
            let digits = to_number(&arg(&args, 0));
            let digits = if digits.is_nan() {
                0
            } else {
                digits.clamp(0.0, 100.0) as usize
            };
            Value::string(format!("{n:.digits$}"))
        }
        _ => unknown_method(interp, "number", name, site),
    })
}
