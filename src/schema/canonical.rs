//! Canonical forms: one spelling for every way of writing the same thing.
//!
//! A column declared `varchar(36)` in drizzle is `character varying(36)` in the
//! catalog; a default `'member'` comes back as `'member'::role`; an unnamed
//! primary key is `<table>_pkey`. [`schema`] rewrites a model into canonical
//! form so that [`crate::diff`] can compare declared, snapshot and inspected
//! models with plain equality.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{
    Column, ColumnType, Dialect, FkAction, Identity, Index, Nulls, Policy, Schema, SequenceOptions,
    Table, Unique, View, names,
};

/// A canonical copy of a whole schema, for comparison only (never rendered).
pub fn schema(s: &Schema) -> Schema {
    Schema {
        schemas: s.schemas.clone(),
        enums: s.enums.clone(),
        tables: s.tables.iter().map(|t| table(s.dialect, t)).collect(),
        roles: s.roles.clone(),
        ..objects(s)
    }
}

/// A canonical copy of a schema's sequences and views, for comparison only
/// (never rendered). Its other parts are left empty: tables are compared one
/// by one in their [`table`] form, and only those that differ as declared.
pub fn objects(s: &Schema) -> Schema {
    Schema {
        sequences: s
            .sequences
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e.options = sequence_options(&e.options, "bigint");
                e
            })
            .collect(),
        views: s.views.iter().map(view).collect(),
        ..Schema::empty(s.dialect)
    }
}

/// Whether row-level security is on for `t` once created: asked for, or
/// implied by a policy (PostgreSQL); never for a table managed elsewhere.
pub fn rls_enabled(t: &Table) -> bool {
    !t.external && (t.rls_enabled || !t.policies.is_empty())
}

/// A canonical copy of a view: its SQL in comparison form, options in one
/// spelling, defaults left out, and how it is first filled ignored.
pub fn view(v: &View) -> View {
    let mut out = v.clone();
    out.definition = sql_text(v.definition.trim().trim_end_matches(';'));
    out.with = v
        .with
        .iter()
        .map(|(k, val)| {
            (
                k.trim().to_ascii_lowercase(),
                val.trim().trim_matches('\'').to_ascii_lowercase(),
            )
        })
        .collect();
    // MySQL's defaults, which drizzle-kit writes out.
    out.with.retain(|(k, val)| {
        !matches!(
            (k.as_str(), val.as_str()),
            ("algorithm", "undefined") | ("sql_security", "definer")
        )
    });
    out.with.sort();
    let plain = |o: &Option<String>, default: &str| {
        o.as_ref()
            .map(|x| x.replace('"', "").trim().to_ascii_lowercase())
            .filter(|x| !x.is_empty() && x != default)
    };
    out.using = plain(&v.using, "heap");
    out.tablespace = plain(&v.tablespace, "pg_default");
    out.with_no_data = false;
    out
}

/// A canonical copy of a policy of `table`: roles sorted (none is `public`),
/// expressions in comparison form.
pub fn policy(p: &Policy, table: &str) -> Policy {
    let mut out = p.clone();
    out.to = p
        .to
        .iter()
        .map(|r| {
            let r = r.trim();
            match r.to_ascii_lowercase().as_str() {
                k @ ("public" | "current_user" | "current_role" | "session_user") => k.to_string(),
                _ => r.trim_matches('"').to_string(),
            }
        })
        .collect();
    if out.to.is_empty() {
        out.to.push("public".into());
    }
    out.to.sort();
    out.to.dedup();
    out.using = p.using.as_deref().map(|e| expression(e, table));
    out.with_check = p.with_check.as_deref().map(|e| expression(e, table));
    out
}

/// The integer type behind a serial type (`serial` → `integer`), if it is one.
pub fn serial_base(type_text: &str) -> Option<&'static str> {
    let t = type_text.trim().trim_matches('"');
    let is = |name: &str| t.eq_ignore_ascii_case(name);
    if is("serial") || is("serial4") {
        Some("integer")
    } else if is("bigserial") || is("serial8") {
        Some("bigint")
    } else if is("smallserial") || is("serial2") {
        Some("smallint")
    } else {
        None
    }
}

/// A canonical copy of a table; lists keep their order so they pair with the original's.
pub fn table(dialect: Dialect, t: &Table) -> Table {
    let mut out = t.clone();
    let pk_columns: Vec<String> = t
        .primary_key
        .as_ref()
        .map(|pk| pk.columns.clone())
        .unwrap_or_default();
    for c in &mut out.columns {
        let in_pk = pk_columns.contains(&c.name);
        *c = column(dialect, &t.name, c, in_pk);
    }
    let default_pk = names::postgres_primary_key(&t.name);
    let default_pk = names::postgres_truncate(&default_pk);
    if let Some(pk) = &mut out.primary_key {
        pk.name = match dialect {
            Dialect::Postgres => Some(
                pk.name
                    .as_deref()
                    .map_or(default_pk, names::postgres_truncate)
                    .to_string(),
            ),
            // SQLite keeps no key names; MySQL calls every primary key PRIMARY.
            Dialect::Sqlite | Dialect::Mysql => None,
        };
    }
    for u in &mut out.uniques {
        u.name = postgres_name(dialect, &u.name);
    }
    // PostgreSQL keeps one constraint where a unique constraint repeats the
    // primary key's columns: CREATE TABLE merges them, and an unnamed key
    // takes the unique constraint's name. Both are compared as that one key.
    if let Some(pk) = &mut out.primary_key
        && dialect == Dialect::Postgres
        && let Some(i) = out
            .uniques
            .iter()
            .position(|u| u.columns == pk.columns && !u.nulls_not_distinct)
    {
        let unique = out.uniques.remove(i);
        if pk.name.as_deref() == Some(default_pk) {
            pk.name = Some(unique.name);
        }
    }
    for fk in &mut out.foreign_keys {
        fk.name = match dialect {
            // SQLite does not keep foreign key names.
            Dialect::Sqlite => names::foreign_key(
                &t.name,
                &fk.columns,
                &fk.references.name,
                &fk.referenced_columns,
            ),
            Dialect::Postgres | Dialect::Mysql => postgres_name(dialect, &fk.name),
        };
        if dialect == Dialect::Sqlite {
            fk.references.schema = dialect.default_schema().to_string();
        }
    }
    for c in &mut out.checks {
        c.name = postgres_name(dialect, &c.name);
        c.expression = dialect_expression(dialect, &c.expression, &t.name);
    }
    if dialect == Dialect::Sqlite {
        // SQLite has no unique constraints of its own: they are unique indexes.
        for u in std::mem::take(&mut out.uniques) {
            out.indexes.push(u.as_index());
        }
    }
    for i in &mut out.indexes {
        *i = index(dialect, &t.name, i);
        // An operator class that is the column type's default is no choice:
        // PostgreSQL builds the same index and shows none.
        let method = i.method.clone();
        for k in i.keys.iter_mut().filter(|k| !k.expression) {
            let default = out
                .columns
                .iter()
                .find(|c| c.name == k.key)
                .and_then(|c| default_opclass(method.as_deref(), &c.ty, c.dims));
            if k.opclass.is_some() && k.opclass.as_deref() == default {
                k.opclass = None;
            }
        }
    }
    for p in &mut out.policies {
        *p = policy(p, &t.name);
    }
    if dialect == Dialect::Mysql {
        mysql_table(t, &mut out);
    }
    // Policies turn row-level security on, except on a table managed elsewhere.
    out.rls_enabled = rls_enabled(t);
    out
}

/// What MySQL makes of a table: a SERIAL column is `bigint unsigned
/// NOT NULL AUTO_INCREMENT` with a unique key of its own name; InnoDB
/// treats `RESTRICT` and `SET DEFAULT` as `NO ACTION`; index methods and
/// build options are not kept.
fn mysql_table(declared: &Table, out: &mut Table) {
    for c in &declared.columns {
        let serial = matches!(&c.ty, ColumnType::Sql(t) if t.eq_ignore_ascii_case("serial"));
        if !serial {
            continue;
        }
        if let Some(column) = out.columns.iter_mut().find(|o| o.name == c.name) {
            column.not_null = true;
            column.autoincrement = true;
        }
        if !out.uniques.iter().any(|u| u.name == c.name) {
            out.uniques.push(Unique {
                name: c.name.clone(),
                columns: vec![c.name.clone()],
                nulls_not_distinct: false,
            });
        }
    }
    let innodb = |a: FkAction| match a {
        FkAction::Restrict | FkAction::SetDefault => FkAction::NoAction,
        other => other,
    };
    for fk in &mut out.foreign_keys {
        fk.on_delete = innodb(fk.on_delete);
        fk.on_update = innodb(fk.on_update);
    }
    for i in &mut out.indexes {
        i.method = None;
        i.with.clear();
    }
}

/// [`expression`], with MariaDB's spellings of standard functions mapped back on MySQL.
fn dialect_expression(dialect: Dialect, text: &str, table: &str) -> String {
    match dialect {
        Dialect::Mysql => expression(&mysql_synonyms(text), table),
        Dialect::Postgres | Dialect::Sqlite => expression(text, table),
    }
}

/// Function names MariaDB prints for the standard ones it was given
/// (`upper` is stored as `ucase`), mapped back.
fn mysql_synonyms(text: &str) -> String {
    const SYNONYMS: [(&str, &str); 4] = [
        ("ucase", "upper"),
        ("lcase", "lower"),
        ("substr", "substring"),
        ("character_length", "char_length"),
    ];
    let mut out = text.to_string();
    for (from, to) in SYNONYMS {
        for spelled in [from.to_string(), from.to_ascii_uppercase()] {
            out = out.replace(&format!("{spelled}("), &format!("{to}("));
        }
    }
    out
}

/// A MySQL type as the server reports it, without what it adds: integer
/// display widths (`int(11)`), `tinyint(1)` for boolean, the default sizes
/// of `decimal`, `char` and `binary`; `serial` is `bigint unsigned`.
fn spell_mysql_type(text: &str) -> String {
    let (body, unsigned) = match text.strip_suffix(" unsigned") {
        Some(b) => (b.trim(), " unsigned"),
        None => (text, ""),
    };
    let (base, args) = match body.split_once('(') {
        Some((b, rest)) => (b.trim(), Some(rest.trim_end_matches(')').replace(' ', ""))),
        None => (body, None),
    };
    let base = match base {
        "integer" => "int",
        "bool" => "boolean",
        "real" | "double precision" => "double",
        "numeric" | "dec" | "fixed" => "decimal",
        other => other,
    };
    match (base, args.as_deref()) {
        ("serial", _) => "bigint unsigned".into(),
        ("tinyint", Some("1")) if unsigned.is_empty() => "boolean".into(),
        ("int" | "tinyint" | "smallint" | "mediumint" | "bigint" | "year", _) => {
            format!("{base}{unsigned}")
        }
        ("decimal", None) => format!("decimal(10,0){unsigned}"),
        ("decimal", Some(p)) if !p.contains(',') => format!("decimal({p},0){unsigned}"),
        ("char" | "binary", None) => format!("{base}(1)"),
        (_, Some(a)) => format!("{base}({a}){unsigned}"),
        (_, None) => format!("{base}{unsigned}"),
    }
}

/// A MySQL default in the server's spelling: no parentheses around it, the
/// current time as `current_timestamp(<fsp>)`, numbers and booleans bare.
fn mysql_default(expr: &str, type_text: &str) -> String {
    let e = strip_outer_parens(expr.trim()).trim().to_string();
    let lower = e.to_ascii_lowercase();
    let fsp = type_text
        .split_once('(')
        .and_then(|(b, rest)| {
            matches!(b, "timestamp" | "datetime").then(|| rest.trim_end_matches(')').to_string())
        })
        .filter(|p| p != "0");
    if matches!(
        lower.as_str(),
        "now()"
            | "current_timestamp"
            | "current_timestamp()"
            | "localtimestamp"
            | "localtimestamp()"
    ) {
        return format!("current_timestamp({})", fsp.unwrap_or_default());
    }
    if let Some(n) = lower
        .strip_prefix("current_timestamp(")
        .or_else(|| lower.strip_prefix("now("))
        .and_then(|r| r.strip_suffix(')'))
    {
        return format!("current_timestamp({})", if n == "0" { "" } else { n });
    }
    let base = type_text.split(['(', ' ']).next().unwrap_or(type_text);
    if base == "boolean" {
        match lower.as_str() {
            "true" | "'1'" => return "1".into(),
            "false" | "'0'" => return "0".into(),
            _ => {}
        }
    }
    let numeric = matches!(
        base,
        "int"
            | "tinyint"
            | "smallint"
            | "mediumint"
            | "bigint"
            | "decimal"
            | "double"
            | "float"
            | "year"
    );
    // `0.00` on a decimal(10,2) is the `'0'` it was given.
    let number = |text: &str| {
        let text = text.trim();
        text.parse::<f64>().ok().map(|_| match text.contains('.') {
            true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
            false => text.to_string(),
        })
    };
    if numeric && let Some(n) = number(&e) {
        return n;
    }
    if let Some(inner) = unquote(&e) {
        if numeric && let Some(n) = number(&inner) {
            return n;
        }
        if base == "json"
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&inner)
        {
            return format!("'{}'", v.to_string().replace('\'', "''"));
        }
        return e;
    }
    if e.contains('\'') { e } else { lower }
}

/// The operator class PostgreSQL uses for a column of this (canonical)
/// type when an index names none, for the methods where it is known.
fn default_opclass(method: Option<&str>, ty: &ColumnType, dims: u8) -> Option<&'static str> {
    let text = match ty {
        ColumnType::Enum(_) if dims == 0 => {
            return matches!(method, None | Some("hash")).then_some("enum_ops");
        }
        ColumnType::Enum(_) => "",
        ColumnType::Sql(text) => text.as_str(),
    };
    let zone = text.ends_with(" with time zone");
    let base = text
        .trim_end_matches(" with time zone")
        .trim_end_matches(" without time zone");
    let base = base.split('(').next().unwrap_or(base).trim();
    match method {
        None | Some("hash") if dims > 0 => method.is_none().then_some("array_ops"),
        None | Some("hash") => Some(match base {
            "integer" | "serial" => "int4_ops",
            "bigint" | "bigserial" => "int8_ops",
            "smallint" | "smallserial" => "int2_ops",
            "text" | "varchar" | "character varying" => "text_ops",
            "char" | "character" => "bpchar_ops",
            "uuid" => "uuid_ops",
            "numeric" | "decimal" => "numeric_ops",
            "boolean" => "bool_ops",
            "timestamp" if zone => "timestamptz_ops",
            "timestamptz" => "timestamptz_ops",
            "timestamp" => "timestamp_ops",
            "date" => "date_ops",
            "time" if zone => "timetz_ops",
            "timetz" => "timetz_ops",
            "time" => "time_ops",
            "real" => "float4_ops",
            "double precision" => "float8_ops",
            "jsonb" => "jsonb_ops",
            "bytea" => "bytea_ops",
            "interval" => "interval_ops",
            "inet" | "cidr" => "inet_ops",
            _ => return None,
        }),
        Some("gin") if dims > 0 => Some("array_ops"),
        Some("gin") if base == "jsonb" => Some("jsonb_ops"),
        Some("gin" | "gist") if base == "tsvector" => Some("tsvector_ops"),
        _ => None,
    }
}

fn postgres_name(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Postgres => names::postgres_truncate(name).to_string(),
        // MySQL refuses a name over 64 characters instead of cutting it.
        Dialect::Sqlite | Dialect::Mysql => name.to_string(),
    }
}

/// A canonical copy of a column of `table`; `in_primary_key` makes it NOT NULL.
pub fn column(dialect: Dialect, table: &str, c: &Column, in_primary_key: bool) -> Column {
    let mut out = c.clone();
    out.ty = match &c.ty {
        ColumnType::Sql(text) => ColumnType::Sql(type_sql(dialect, text)),
        ColumnType::Enum(name) => ColumnType::Enum(name.clone()),
    };
    let type_text = match &out.ty {
        ColumnType::Sql(text) => text.as_str(),
        ColumnType::Enum(_) => "",
    };
    let is_serial = matches!(type_text, "serial" | "bigserial" | "smallserial");
    if in_primary_key || is_serial || c.identity.is_some() {
        out.not_null = true;
    }
    // A generated column's nullability follows its expression (MariaDB takes no NOT NULL there).
    if dialect == Dialect::Mysql && c.generated.is_some() {
        out.not_null = false;
    }
    // `DEFAULT NULL` is no default: PostgreSQL stores none for it.
    out.default = c
        .default
        .as_deref()
        .map(|d| default_expr(dialect, d, type_text, c.dims))
        .filter(|d| dialect == Dialect::Sqlite || d != "null");
    out.generated = c
        .generated
        .as_deref()
        .map(|g| dialect_expression(dialect, g, table));
    out.identity = c.identity.as_ref().map(|id| Identity {
        always: id.always,
        sequence_name: id
            .sequence_name
            .clone()
            .filter(|n| *n != names::sequence(table, &c.name)),
        options: sequence_options(&id.options, type_text),
    });
    out
}

fn index(dialect: Dialect, table: &str, i: &Index) -> Index {
    let mut out = i.clone();
    out.name = postgres_name(dialect, &i.name);
    out.concurrently = false;
    if dialect == Dialect::Postgres
        && out
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case("btree"))
    {
        out.method = None;
    }
    if let Some(m) = &mut out.method {
        *m = m.to_ascii_lowercase();
    }
    for k in &mut out.keys {
        let default_nulls = if k.desc { Nulls::First } else { Nulls::Last };
        if k.nulls == Some(default_nulls) || dialect == Dialect::Sqlite {
            k.nulls = None;
        }
        if k.expression {
            k.key = expression(&k.key, table);
        }
        if let Some(op) = &mut k.opclass {
            *op = op.to_ascii_lowercase();
        }
    }
    out.predicate = i.predicate.as_deref().map(|p| expression(p, table));
    out.with.sort();
    out
}

/// Sequence options with every default filled in for an integer type.
pub fn sequence_options(o: &SequenceOptions, int_type: &str) -> SequenceOptions {
    let max_for_type = match int_type {
        "smallint" | "smallserial" => i16::MAX as i64,
        "integer" | "serial" => i32::MAX as i64,
        _ => i64::MAX,
    };
    let increment = o.increment.unwrap_or(1);
    let (min, max) = if increment > 0 {
        (
            o.min_value.unwrap_or(1),
            o.max_value.unwrap_or(max_for_type),
        )
    } else {
        (
            o.min_value.unwrap_or(-max_for_type - 1),
            o.max_value.unwrap_or(-1),
        )
    };
    let start = o.start.unwrap_or(if increment > 0 { min } else { max });
    SequenceOptions {
        increment: Some(increment),
        min_value: Some(min),
        max_value: Some(max),
        start: Some(start),
        cache: Some(o.cache.unwrap_or(1)),
        cycle: o.cycle,
    }
}

/// True when changing a column from one type to another keeps every value
/// (e.g. `varchar(10)` → `varchar(20)` or `text`, `integer` → `bigint`).
pub fn widening(from: &ColumnType, from_dims: u8, to: &ColumnType, to_dims: u8) -> bool {
    if from_dims != to_dims {
        return false;
    }
    let (ColumnType::Sql(a), ColumnType::Sql(b)) = (from, to) else {
        return from == to;
    };
    let a = type_sql(Dialect::Postgres, a);
    let b = type_sql(Dialect::Postgres, b);
    if a == b {
        return true;
    }
    let (base_a, args_a) = split_type(&a);
    let (base_b, args_b) = split_type(&b);
    let rank = |t: &str| match t {
        "smallint" | "smallserial" => Some(1),
        "integer" | "serial" => Some(2),
        "bigint" | "bigserial" => Some(3),
        _ => None,
    };
    if let (Some(x), Some(y)) = (rank(base_a), rank(base_b)) {
        return x <= y;
    }
    if rank(base_a).is_some() && base_b == "numeric" && args_b.is_empty() {
        return true;
    }
    match (base_a, base_b) {
        ("varchar" | "char" | "text", "text") => true,
        ("varchar" | "char", "varchar") => {
            args_b.is_empty()
                || (!args_a.is_empty() && args_a.parse::<u32>().ok() <= args_b.parse::<u32>().ok())
        }
        ("real", "double precision") => true,
        ("numeric", "numeric") => args_b.is_empty(),
        ("timestamp", "timestamp with time zone") => true,
        _ => false,
    }
}

/// True when only the length, precision or scale of a type changes
/// (`varchar(320)` → `varchar(20)`, `numeric(12,2)` → `numeric(8,2)`): the
/// server converts such values itself, refusing those that do not fit, where
/// an explicit cast would truncate them.
pub fn resized(from: &ColumnType, from_dims: u8, to: &ColumnType, to_dims: u8) -> bool {
    let (ColumnType::Sql(a), ColumnType::Sql(b)) = (from, to) else {
        return false;
    };
    if from_dims != to_dims {
        return false;
    }
    let a = type_sql(Dialect::Postgres, a);
    let b = type_sql(Dialect::Postgres, b);
    let (base_a, _) = split_type(&a);
    let (base_b, _) = split_type(&b);
    base_a == base_b
        && matches!(
            base_a,
            "varchar" | "char" | "varbit" | "bit" | "numeric" | "timestamp" | "time" | "interval"
        )
        && a.ends_with(')') == b.ends_with(')')
}

/// True when PostgreSQL's own conversion (`SET DATA TYPE` without `USING`)
/// is the right one: the change widens, only resizes, or goes to a type with
/// a length limit, where the server refuses a value that does not fit and an
/// explicit cast (`::varchar(n)`) would truncate it silently.
pub fn converts_without_cast(
    from: &ColumnType,
    from_dims: u8,
    to: &ColumnType,
    to_dims: u8,
) -> bool {
    widening(from, from_dims, to, to_dims)
        || resized(from, from_dims, to, to_dims)
        || (from_dims == to_dims && length_limit(to).is_some())
}

/// The length limit of a `varchar(n)`/`char(n)`/`varbit(n)`/`bit(n)` type.
pub fn length_limit(t: &ColumnType) -> Option<u32> {
    let ColumnType::Sql(text) = t else {
        return None;
    };
    let text = type_sql(Dialect::Postgres, text);
    let (base, args) = split_type(&text);
    if !matches!(base, "varchar" | "char" | "varbit" | "bit") {
        return None;
    }
    args.parse().ok()
}

/// `varchar(36)` → (`varchar`, `36`); `numeric(10,2)` → (`numeric`, `10,2`).
fn split_type(t: &str) -> (&str, &str) {
    match t.find('(') {
        Some(i) if t.ends_with(')') => (&t[..i], &t[i + 1..t.len() - 1]),
        _ => (t, ""),
    }
}

/// The canonical spelling of an SQL type (without array brackets).
pub fn type_sql(dialect: Dialect, text: &str) -> String {
    // A schema repeats a few dozen spellings over thousands of columns.
    thread_local! {
        static CACHE: RefCell<[HashMap<String, String>; 3]> = RefCell::new([HashMap::new(), HashMap::new(), HashMap::new()]);
    }
    let slot = match dialect {
        Dialect::Postgres => 0,
        Dialect::Sqlite => 1,
        Dialect::Mysql => 2,
    };
    if let Some(hit) = CACHE.with(|c| c.borrow()[slot].get(text).cloned()) {
        return hit;
    }
    let canonical = spell_type(dialect, text);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c[slot].len() > 4096 {
            c[slot].clear();
        }
        c[slot].insert(text.to_string(), canonical.clone());
    });
    canonical
}

fn spell_type(dialect: Dialect, text: &str) -> String {
    let lowered = collapse_spaces(&text.replace('"', "").to_ascii_lowercase());
    // No space before a parenthesis or after a comma inside one.
    let mut t = lowered.replace(" (", "(").replace(", ", ",");
    if dialect == Dialect::Sqlite {
        return t;
    }
    if dialect == Dialect::Mysql {
        return spell_mysql_type(&t);
    }
    for (from, to) in [
        ("character varying", "varchar"),
        ("timestamp without time zone", "timestamp"),
        ("time without time zone", "time"),
        ("bit varying", "varbit"),
    ] {
        if let Some(rest) = t.strip_prefix(from) {
            t = format!("{to}{rest}");
        }
    }
    // `timestamp(3) without time zone` → `timestamp(3)`.
    if let Some(stripped) = t.strip_suffix(" without time zone") {
        t = stripped.to_string();
    }
    let (base, rest) = match t.find(['(', ' ']) {
        Some(i) => (t[..i].to_string(), t[i..].to_string()),
        None => (t.clone(), String::new()),
    };
    let base = match base.as_str() {
        "int" | "int4" => "integer",
        "int2" => "smallint",
        "int8" => "bigint",
        "bool" => "boolean",
        "float8" => "double precision",
        "float4" => "real",
        "decimal" => "numeric",
        "character" | "bpchar" => "char",
        "timestamptz" => return format!("timestamp{rest} with time zone"),
        "timetz" => return format!("time{rest} with time zone"),
        "serial4" => "serial",
        "serial8" => "bigserial",
        "serial2" => "smallserial",
        other => other,
    };
    if base == "char" && rest.is_empty() {
        return "char(1)".to_string();
    }
    // `numeric(8)` is `numeric(8,0)`.
    if base == "numeric"
        && rest.starts_with('(')
        && let Some(close) = rest.find(')')
        && !rest[..close].contains(',')
    {
        return format!("numeric{},0{}", &rest[..close], &rest[close..]);
    }
    format!("{base}{rest}")
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical form of a column default for a column of type `type_text`.
pub fn default_expr(dialect: Dialect, expr: &str, type_text: &str, dims: u8) -> String {
    if dialect == Dialect::Mysql {
        return mysql_default(expr, type_text);
    }
    let mut e = strip_outer_parens(expr.trim()).to_string();
    if let Some(lit) = literal_with_casts(&e) {
        e = lit.to_string();
    }
    if dialect == Dialect::Postgres {
        match e.to_ascii_lowercase().as_str() {
            "current_timestamp" | "now()" | "transaction_timestamp()" => return "now()".into(),
            "true" | "false" => return e.to_ascii_lowercase(),
            _ => {}
        }
    }
    if let Some(inner) = unquote(&e) {
        if dims > 0 {
            return format!("'{}'", array_literal(&inner).replace('\'', "''"));
        }
        if matches!(type_text, "json" | "jsonb")
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&inner)
        {
            return format!("'{}'", v.to_string().replace('\'', "''"));
        }
        if is_numeric_type(type_text) && inner.trim().parse::<f64>().is_ok() {
            return inner.trim().to_string();
        }
        return e;
    }
    if e.contains('\'') {
        e
    } else {
        e.to_ascii_lowercase()
    }
}

fn is_numeric_type(t: &str) -> bool {
    let base = t.split('(').next().unwrap_or(t);
    matches!(
        base,
        "integer"
            | "smallint"
            | "bigint"
            | "numeric"
            | "real"
            | "double precision"
            | "serial"
            | "bigserial"
            | "smallserial"
    )
}

/// `'text'::type::other` → `'text'`; None unless the whole expression is a cast literal.
fn literal_with_casts(e: &str) -> Option<&str> {
    let end = string_literal_end(e)?;
    let rest = e[end..].trim_start();
    if rest.is_empty() || rest.starts_with("::") {
        Some(&e[..end])
    } else {
        None
    }
}

/// Byte offset just past a leading `'...'` literal (with `''` escapes).
fn string_literal_end(e: &str) -> Option<usize> {
    let bytes = e.as_bytes();
    if bytes.first() != Some(&b'\'') {
        return None;
    }
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// The content of a `'...'` literal with `''` unescaped, when `e` is exactly one.
fn unquote(e: &str) -> Option<String> {
    let end = string_literal_end(e)?;
    if end != e.len() {
        return None;
    }
    Some(e[1..end - 1].replace("''", "'"))
}

/// Rewrites a one-dimensional array literal `{"a","b"}` without needless quotes.
fn array_literal(text: &str) -> String {
    let Some(inner) = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
    else {
        return text.to_string();
    };
    if inner.contains('{') {
        return text.to_string();
    }
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' if !quoted => {
                items.push((std::mem::take(&mut cur), was_quoted));
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    if !inner.is_empty() {
        items.push((cur, was_quoted));
    }
    let rendered: Vec<String> = items
        .into_iter()
        .map(|(item, was_quoted)| {
            let item = if was_quoted {
                item
            } else {
                item.trim().to_string()
            };
            let needs_quotes = item.is_empty()
                || item.eq_ignore_ascii_case("null") && was_quoted
                || item
                    .chars()
                    .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
            if needs_quotes {
                format!("\"{}\"", item.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                item
            }
        })
        .collect();
    format!("{{{}}}", rendered.join(","))
}

fn strip_outer_parens(mut e: &str) -> &str {
    loop {
        let t = e.trim();
        if t.starts_with('(') && t.ends_with(')') && wraps_whole(t) {
            e = &t[1..t.len() - 1];
        } else {
            return t;
        }
    }
}

/// True when the first `(` of `t` closes at its last character.
fn wraps_whole(t: &str) -> bool {
    let mut depth = 0i32;
    let mut in_str = false;
    for (i, ch) in t.char_indices() {
        match ch {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return i == t.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// A canonical form of an SQL boolean or scalar expression (checks, index
/// predicates and expressions, generated columns) belonging to `table`.
///
/// PostgreSQL re-prints expressions with its own parentheses, casts and
/// quoting, so the comparison form drops what does not change meaning in the
/// usual cases: identifier quotes, the table's own qualifier, whitespace,
/// parentheses, letter case outside literals, casts, and the operator
/// spelling of LIKE. Negative numbers, which come back as `'-1'::integer`,
/// lose their quotes.
pub fn expression(text: &str, table: &str) -> String {
    let s = sql_text(text);
    // Drop the table's own qualifier.
    let qualifier = format!("{}.", table.to_ascii_lowercase());
    let mut s = s.replace(&qualifier, "");
    if table.chars().any(|c| c.is_ascii_uppercase()) {
        s = s.replace(&format!("{table}."), "");
    }
    s
}

/// The comparison form of any SQL text: [`expression`] without a table of its own.
pub fn sql_text(text: &str) -> String {
    let mut e = ExpressionWriter::default();
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    while let Some(ch) = chars.next() {
        match ch {
            '\'' => {
                e.word(&mut word);
                let mut literal = String::from('\'');
                while let Some(c) = chars.next() {
                    literal.push(c);
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            literal.push('\'');
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                e.literal(&literal);
            }
            '"' | '`' => {
                // A quoted identifier: keep its case, drop the quotes.
                e.word(&mut word);
                let name: String = chars.by_ref().take_while(|c| *c != ch).collect();
                e.quoted(&name);
            }
            c if c.is_whitespace() || c == '(' || c == ')' => e.word(&mut word),
            c => word.push(c),
        }
    }
    e.word(&mut word);
    e.out
}

/// Where the writer stands in a `::type` cast.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Cast {
    /// Not in a cast.
    #[default]
    None,
    /// After `::`, before the type name.
    Pending,
    /// After the type name: more words of it may follow (`double precision`, `(10,2)`).
    Type,
}

/// Builds [`expression`]'s output word by word, leaving casts out.
#[derive(Debug, Default)]
struct ExpressionWriter {
    out: String,
    cast: Cast,
    /// Where the last piece written, if a string literal, starts in `out`.
    literal_at: Option<usize>,
}

impl ExpressionWriter {
    fn literal(&mut self, literal: &str) {
        self.cast = Cast::None;
        self.literal_at = Some(self.out.len());
        self.out.push_str(literal);
    }

    fn quoted(&mut self, name: &str) {
        if self.cast != Cast::None {
            // A quoted type name: `::"app"."status"`.
            self.cast = Cast::Type;
            return;
        }
        self.literal_at = None;
        self.out.push_str(name);
    }

    fn word(&mut self, word: &mut String) {
        if word.is_empty() {
            return;
        }
        let lowered = std::mem::take(word).to_ascii_lowercase();
        let mut rest = lowered.as_str();
        match self.cast {
            Cast::Pending => {
                let end = type_name_end(rest);
                self.end_cast_type(&rest[..end]);
                rest = &rest[end..];
                if rest.is_empty() {
                    self.cast = Cast::Type;
                    return;
                }
            }
            Cast::Type if continues_type(rest) => return,
            _ => {}
        }
        self.cast = Cast::None;
        // PostgreSQL prints LIKE and ILIKE as their operators.
        let rest = match rest {
            "~~" => "like",
            "!~~" => "notlike",
            "~~*" => "ilike",
            "!~~*" => "notilike",
            other => other,
        };
        let mut rest = rest;
        while let Some(i) = rest.find("::") {
            self.push(&rest[..i]);
            let after = &rest[i + 2..];
            let end = type_name_end(after);
            self.end_cast_type(&after[..end]);
            rest = &after[end..];
            if rest.is_empty() {
                self.cast = if end == 0 { Cast::Pending } else { Cast::Type };
                return;
            }
        }
        self.push(rest);
    }

    fn push(&mut self, text: &str) {
        if !text.is_empty() {
            self.literal_at = None;
            self.out.push_str(text);
        }
    }

    /// A cast to `ty` ends here: a number literal just before a numeric cast loses its quotes.
    fn end_cast_type(&mut self, ty: &str) {
        let numeric = matches!(
            ty.trim_end_matches("[]"),
            "integer"
                | "bigint"
                | "smallint"
                | "numeric"
                | "real"
                | "double"
                | "int2"
                | "int4"
                | "int8"
                | "float4"
                | "float8"
                | "decimal"
        );
        let Some(at) = self.literal_at.filter(|_| numeric && !ty.ends_with("[]")) else {
            return;
        };
        let inner = self.out[at + 1..self.out.len() - 1].to_string();
        if inner.parse::<f64>().is_ok() {
            self.out.truncate(at);
            self.out.push_str(&inner);
        }
        self.literal_at = None;
    }
}

/// The length of the type name at the start of `s` (`text`, `app.status`, `text[]`).
fn type_name_end(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')))
        .unwrap_or(s.len())
}

/// True for a word that still belongs to a cast's type: the rest of a
/// two-word type, a type modifier such as `10,2`, or a qualified part.
fn continues_type(word: &str) -> bool {
    let bare = word.trim_end_matches("[]");
    matches!(
        bare,
        "precision" | "varying" | "with" | "without" | "time" | "zone"
    ) || word.chars().all(|c| c.is_ascii_digit() || c == ',')
        || (word.starts_with(['.', '[']) && type_name_end(word) == word.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_aliases_meet() {
        let pg = Dialect::Postgres;
        assert_eq!(type_sql(pg, "character varying(36)"), "varchar(36)");
        assert_eq!(type_sql(pg, "varchar(36)"), "varchar(36)");
        assert_eq!(
            type_sql(pg, "timestamp (6) with time zone"),
            "timestamp(6) with time zone"
        );
        assert_eq!(
            type_sql(pg, "timestamp(6) with time zone"),
            "timestamp(6) with time zone"
        );
        assert_eq!(type_sql(pg, "timestamptz"), "timestamp with time zone");
        assert_eq!(
            type_sql(pg, "timestamp(3) without time zone"),
            "timestamp(3)"
        );
        assert_eq!(type_sql(pg, "numeric(10, 2)"), "numeric(10,2)");
        assert_eq!(type_sql(pg, "numeric(8)"), "numeric(8,0)");
        assert_eq!(type_sql(pg, "numeric(8)[]"), "numeric(8,0)[]");
        assert_eq!(type_sql(pg, "int4"), "integer");
        assert_eq!(type_sql(pg, "char"), "char(1)");
        assert_eq!(type_sql(pg, "character(3)"), "char(3)");
        assert_eq!(type_sql(pg, "\"citext\""), "citext");
        assert_eq!(type_sql(pg, "double precision"), "double precision");
    }

    #[test]
    fn mysql_spellings_meet_what_the_server_reports() {
        // (declared by drizzle-kit, reported by MariaDB or MySQL)
        let types = [
            ("int", "int(11)"),
            ("int unsigned", "int(10) unsigned"),
            ("bigint unsigned", "bigint(20) unsigned"),
            ("serial", "bigint(20) unsigned"),
            ("boolean", "tinyint(1)"),
            ("tinyint", "tinyint(4)"),
            ("decimal", "decimal(10,0)"),
            ("decimal(6)", "decimal(6,0)"),
            ("decimal(10,2) unsigned", "decimal(10,2) unsigned"),
            ("real(8, 2)", "double(8,2)"),
            ("char", "char(1)"),
            ("binary", "binary(1)"),
            ("year", "year(4)"),
            ("enum('a','b')", "enum('a','b')"),
            ("timestamp(3)", "timestamp(3)"),
        ];
        for (declared, reported) in types {
            assert_eq!(
                type_sql(Dialect::Mysql, declared),
                type_sql(Dialect::Mysql, reported),
                "{declared} / {reported}"
            );
        }
        // (declared, reported, the column's type)
        let defaults = [
            ("(now())", "current_timestamp()", "timestamp"),
            ("(now())", "current_timestamp(3)", "timestamp(3)"),
            (
                "CURRENT_TIMESTAMP(3)",
                "current_timestamp(3)",
                "timestamp(3)",
            ),
            ("true", "1", "boolean"),
            ("'1.50'", "1.50", "decimal(10,2)"),
            ("'0'", "0.00", "decimal(10,2)"),
            ("18", "18", "int unsigned"),
            ("('{\"a\": 1}')", "'{\"a\":1}'", "json"),
            ("('none')", "'none'", "text"),
            ("'it''s'", "'it''s'", "varchar(10)"),
            ("(uuid())", "uuid()", "char(36)"),
        ];
        for (declared, reported, ty) in defaults {
            let ty = type_sql(Dialect::Mysql, ty);
            assert_eq!(
                default_expr(Dialect::Mysql, declared, &ty, 0),
                default_expr(Dialect::Mysql, reported, &ty, 0),
                "{declared} / {reported} on {ty}"
            );
        }
        assert_ne!(
            default_expr(Dialect::Mysql, "'a'", "varchar(1)", 0),
            default_expr(Dialect::Mysql, "'b'", "varchar(1)", 0)
        );
        assert_eq!(
            expression(&mysql_synonyms("upper(`users`.`name`)"), "users"),
            expression(&mysql_synonyms("ucase(`name`)"), "users")
        );
    }

    #[test]
    fn defaults_meet() {
        let pg = Dialect::Postgres;
        assert_eq!(default_expr(pg, "'member'::role", "", 0), "'member'");
        assert_eq!(default_expr(pg, "'it''s'::text", "text", 0), "'it''s'");
        assert_eq!(
            default_expr(pg, "CURRENT_TIMESTAMP", "timestamp", 0),
            "now()"
        );
        assert_eq!(default_expr(pg, "'-1'::integer", "integer", 0), "-1");
        assert_eq!(
            default_expr(pg, "'{\"a\": 1}'::jsonb", "jsonb", 0),
            default_expr(pg, "'{\"a\":1}'::jsonb", "jsonb", 0)
        );
        assert_eq!(
            default_expr(pg, "'{a,b}'::text[]", "text", 1),
            default_expr(pg, "'{\"a\",\"b\"}'", "text", 1)
        );
        assert_eq!(default_expr(pg, "'{}'::integer[]", "integer", 1), "'{}'");
        assert_eq!(default_expr(pg, "(now())", "timestamp", 0), "now()");
    }

    #[test]
    fn expressions_meet() {
        assert_eq!(
            expression("char_length(\"parent\".\"code\") > 1", "parent"),
            expression("(char_length(code) > 1)", "parent")
        );
        assert_eq!(
            expression("\"t\".\"status\" = 'a'", "t"),
            expression("((status)::text = 'a'::text)", "t")
        );
        assert_ne!(expression("a > 1", "t"), expression("a > 2", "t"));
        assert_ne!(expression("x = 'A'", "t"), expression("x = 'a'", "t"));
    }

    #[test]
    fn catalog_expressions_meet_declared_ones() {
        // Negative numbers come back as cast literals; other casts of strings stay strings.
        assert_eq!(
            expression("(score >= '-1'::integer)", "users"),
            expression("\"users\".\"score\" >= -1", "users")
        );
        assert_eq!(
            expression("(x = '-1.5'::numeric)", "t"),
            expression("x = -1.5", "t")
        );
        assert_ne!(
            expression("(code = '1'::text)", "t"),
            expression("code = 1", "t")
        );
        assert_eq!(
            expression("(code = '1'::text)", "t"),
            expression("code = '1'", "t")
        );
        // LIKE and ILIKE come back as operators.
        assert_eq!(
            expression("((email)::text ~~ '%@%'::text)", "users"),
            expression("\"users\".\"email\" LIKE '%@%'", "users")
        );
        assert_eq!(
            expression("(name !~~* 'a%'::text)", "t"),
            expression("name NOT ILIKE 'a%'", "t")
        );
        // A cast does not swallow the word after it.
        assert_eq!(
            expression("(((nickname)::text <> 'x'::text) AND (score > 0))", "users"),
            expression(
                "\"users\".\"nickname\" <> 'x' AND \"users\".\"score\" > 0",
                "users"
            )
        );
        assert_eq!(
            expression(
                "((a)::double precision > (b)::numeric(10,2)) OR (s = 'x'::\"app\".\"status\")",
                "t"
            ),
            expression("a > b OR s = 'x'", "t")
        );
        assert_eq!(
            expression("coalesce((a)::integer, 3)", "t"),
            expression("coalesce(a, 3)", "t")
        );
        assert_eq!(
            expression("x = '-2'::bigint", "t"),
            expression("x = -2", "t")
        );
        assert_eq!(
            expression("x = ANY ('{1,2}'::integer[])", "t"),
            "x=any'{1,2}'"
        );
    }

    #[test]
    fn widening_is_known() {
        let t = |s: &str| ColumnType::sql(s);
        assert!(widening(&t("varchar(10)"), 0, &t("varchar(20)"), 0));
        assert!(widening(&t("varchar(10)"), 0, &t("text"), 0));
        assert!(!widening(&t("varchar(20)"), 0, &t("varchar(10)"), 0));
        assert!(!widening(&t("text"), 0, &t("integer"), 0));
        assert!(widening(&t("integer"), 0, &t("bigint"), 0));
        assert!(!widening(&t("bigint"), 0, &t("integer"), 0));
        assert!(resized(&t("varchar(320)"), 0, &t("varchar(20)"), 0));
        assert!(resized(&t("numeric(12,2)"), 0, &t("numeric(8,2)"), 0));
        assert!(resized(&t("character varying(9)"), 1, &t("varchar(3)"), 1));
        assert!(!resized(&t("varchar(10)"), 0, &t("integer"), 0));
        assert!(!resized(&t("text"), 0, &t("varchar(10)"), 0));
        assert_eq!(length_limit(&t("varchar(20)")), Some(20));
        assert_eq!(length_limit(&t("text")), None);
    }

    #[test]
    fn identity_defaults_fill_in() {
        let o = sequence_options(&SequenceOptions::default(), "integer");
        assert_eq!(o.max_value, Some(2147483647));
        assert_eq!(o.start, Some(1));
    }
}
