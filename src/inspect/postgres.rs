//! PostgreSQL inspector.
//!
//! Four catalog queries, whatever the number of tables: an overview (server
//! version, namespaces, enums, standalone sequences, views, the roles asked
//! for), then tables with their columns, row-level security and policies,
//! constraints, and indexes; plus one to print declared views the server's
//! way when views are expected. Each returns one JSON document built by
//! the server and runs through the simple query protocol (no prepared
//! statements), so inspection also works through PgBouncer's transaction
//! pooling. The scope's names are embedded as escaped string literals.
//! Needs PostgreSQL 11 or later.

use std::collections::BTreeMap;

use postgres::{Client, SimpleQueryMessage};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Scope;
use crate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexKey,
    Nulls, Policy, PolicyCommand, PrimaryKey, QualifiedName, Role, Schema, Sequence,
    SequenceOptions, Table, Unique, View, names,
};

/// Reads the tables, enums, sequences, views and namespaces in `scope` into a
/// sorted schema. Roles are left out (they belong to the whole cluster) and
/// views keep the SQL the server prints: [`inspect_expecting`] does better
/// when the schema the database should have is known.
pub fn inspect(client: &mut Client, scope: &Scope) -> Result<Schema, postgres::Error> {
    inspect_expecting(client, None, scope, &Schema::empty(Dialect::Postgres))
}

/// Opens a second session on the same database, when one can be had.
pub type OpenSession<'a> = &'a (dyn Fn() -> Option<Client> + Sync);

/// Like [`inspect`], knowing the schema the database should have: the roles
/// it declares are read (no others), and an expression or view body the
/// server prints the same way as the declared one gets the declared text, so
/// that the two compare equal (one more query, only when some differ).
///
/// With `second`, the constraints and indexes are read on a second session
/// while this one reads the tables (the server works on both at once); they
/// are read here when it cannot be opened.
pub fn inspect_expecting(
    client: &mut Client,
    second: Option<OpenSession<'_>>,
    scope: &Scope,
    expected: &Schema,
) -> Result<Schema, postgres::Error> {
    // The namespaces of what the schema declares are read too: a table in a
    // schema managed elsewhere (one the schema files do not export), or one a
    // policy is attached to. Of those, only the declared objects are kept.
    let mut wider = scope.clone();
    wider.schemas.extend(
        expected
            .tables
            .iter()
            .map(|t| &t.schema)
            .chain(expected.enums.iter().map(|e| &e.schema))
            .chain(expected.sequences.iter().map(|q| &q.schema))
            .chain(expected.views.iter().map(|v| &v.schema))
            .cloned(),
    );
    let schemas = text_array(&scope_schemas(&wider));
    let roles: Vec<String> = expected.roles.iter().map(|r| r.name.clone()).collect();
    let (read, second_keys) = std::thread::scope(|scope| {
        let on_second = second.map(|open| {
            scope.spawn(|| {
                let mut session = open()?;
                // One simple query, like the others here.
                let version: i64 = query_json(
                    &mut session,
                    "SELECT current_setting('server_version_num')::int",
                )
                .ok()?;
                Some(read_keys(&mut session, &schemas, version))
            })
        });
        let read = query_json::<Overview>(client, &overview_sql(&schemas, &text_array(&roles)))
            .and_then(|overview| {
                let tables: Vec<RawTable> =
                    query_json(client, &tables_sql(&schemas, overview.version))?;
                Ok((overview, tables))
            });
        (read, on_second.and_then(|k| k.join().ok().flatten()))
    });
    let (overview, tables) = read?;
    let (constraints, indexes) = match second_keys {
        Some(keys) => keys?,
        None => read_keys(client, &schemas, overview.version)?,
    };
    let mut schema = build(&wider, overview, tables, constraints, indexes);
    keep_declared_beyond(&mut schema, &scope_schemas(scope), expected);
    super::postgres_probe::adopt_declared(client, &mut schema, expected);
    Ok(schema)
}

/// The constraints and indexes in `schemas`.
fn read_keys(
    client: &mut Client,
    schemas: &str,
    version: i64,
) -> Result<(Vec<RawConstraint>, Vec<RawIndex>), postgres::Error> {
    Ok((
        query_json(client, &constraints_sql(schemas, version))?,
        query_json(client, &indexes_sql(schemas))?,
    ))
}

/// Leaves out what was read only because `expected` declares it: in the
/// namespaces beyond `schemas`, every object `expected` does not declare, and
/// the namespaces themselves. A table `expected` declares external is kept to
/// its policies, wherever it is.
fn keep_declared_beyond(live: &mut Schema, schemas: &[String], expected: &Schema) {
    let inside = |s: &str| schemas.iter().any(|x| x == s);
    live.tables
        .retain(|t| inside(&t.schema) || expected.table(&t.schema, &t.name).is_some());
    for t in &mut live.tables {
        if expected
            .table(&t.schema, &t.name)
            .is_some_and(|e| e.external)
        {
            *t = t.external_part();
        }
    }
    live.schemas.retain(|s| inside(s));
    live.enums
        .retain(|e| inside(&e.schema) || expected.enum_type(&e.schema, &e.name).is_some());
    live.sequences
        .retain(|q| inside(&q.schema) || expected.sequence(&q.schema, &q.name).is_some());
    live.views
        .retain(|v| inside(&v.schema) || expected.view(&v.schema, &v.name).is_some());
}

/// The namespaces to read: the scope's, plus `public`.
fn scope_schemas(scope: &Scope) -> Vec<String> {
    let default = Dialect::Postgres.default_schema();
    let mut out = scope.schemas.clone();
    if !out.iter().any(|s| s == default) {
        out.push(default.to_string());
    }
    out.sort();
    out.dedup();
    out
}

/// A string literal that reads the same whatever `standard_conforming_strings`
/// says: the `E''` form, with backslashes and quotes escaped.
fn literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// `ARRAY[E'a', E'b']::text[]`.
pub(crate) fn text_array(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| literal(v)).collect();
    format!("ARRAY[{}]::text[]", items.join(", "))
}

/// Runs one query whose single value is a JSON document and decodes it.
pub(crate) fn query_json<T: DeserializeOwned + Default>(
    client: &mut Client,
    sql: &str,
) -> Result<T, postgres::Error> {
    let messages = client.simple_query(sql)?;
    let text = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.try_get(0)),
            _ => None,
        })
        .transpose()?
        .flatten();
    match serde_json::from_str(text.unwrap_or("null")) {
        Ok(value) => Ok(value),
        Err(e) => raise(
            client,
            &format!("db-migrate cannot read a catalog document: {e}"),
        ),
    }
}

/// Reports a problem as a PostgreSQL error (the only error type this API
/// has), raised by the server so that it carries the message.
fn raise<T: Default>(client: &mut Client, message: &str) -> Result<T, postgres::Error> {
    let message = message.replace('$', "");
    let sql = format!(
        "DO $raise$ BEGIN RAISE EXCEPTION '%', {}; END $raise$",
        literal(&message)
    );
    client.simple_query(&sql)?;
    // RAISE EXCEPTION always fails; were it ignored, nothing was read.
    Ok(T::default())
}

/// Tables in scope (`c` in `pg_class`, `n` its namespace): ordinary and
/// partitioned tables, not partitions, not owned by an extension.
fn table_filter(schemas: &str) -> String {
    format!(
        "c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY({schemas}) \
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
         AND d.objid = c.oid AND d.deptype = 'e')"
    )
}

/// The server version, namespaces, enums, standalone sequences, views and the named roles.
fn overview_sql(schemas: &str, roles: &str) -> String {
    format!(
        "SELECT json_build_object(
            'roles', (SELECT coalesce(json_agg(json_build_object(
                          'name', r.rolname, 'create_db', r.rolcreatedb,
                          'create_role', r.rolcreaterole, 'inherit', r.rolinherit)), '[]')
                      FROM pg_roles r WHERE r.rolname = ANY({roles})),
            'views', (SELECT coalesce(json_agg(json_build_object(
                          'schema', n.nspname,
                          'name', c.relname,
                          'materialized', c.relkind = 'm',
                          'definition', pg_get_viewdef(c.oid),
                          'with', c.reloptions,
                          'using', am.amname,
                          'tablespace', ts.spcname)), '[]')
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      LEFT JOIN pg_am am ON am.oid = c.relam AND c.relkind = 'm'
                      LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
                      WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY({schemas})
                        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                        AND d.objid = c.oid AND d.deptype = 'e')),
            'version', current_setting('server_version_num')::int,
            'schemas', (SELECT coalesce(json_agg(n.nspname), '[]') FROM pg_namespace n
                        WHERE n.nspname = ANY({schemas})),
            'enums', (SELECT coalesce(json_agg(json_build_object(
                          'schema', n.nspname,
                          'name', t.typname,
                          'values', (SELECT coalesce(json_agg(e.enumlabel ORDER BY e.enumsortorder), '[]')
                                     FROM pg_enum e WHERE e.enumtypid = t.oid))), '[]')
                      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                      WHERE t.typtype = 'e' AND n.nspname = ANY({schemas})
                        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                        AND d.objid = t.oid AND d.deptype = 'e')),
            'sequences', (SELECT coalesce(json_agg(json_build_object(
                              'schema', n.nspname,
                              'name', c.relname,
                              'options', json_build_object('increment', s.seqincrement, 'min', s.seqmin,
                                  'max', s.seqmax, 'start', s.seqstart, 'cache', s.seqcache, 'cycle', s.seqcycle))), '[]')
                          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          JOIN pg_sequence s ON s.seqrelid = c.oid
                          WHERE c.relkind = 'S' AND n.nspname = ANY({schemas})
                            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                            AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')))
        )"
    )
}

/// Tables and their columns, with each column's owned sequence (serial or identity).
fn tables_sql(schemas: &str, version: i64) -> String {
    let generated = if version >= 120000 {
        "a.attgenerated"
    } else {
        "''::\"char\""
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
            'schema', n.nspname,
            'name', c.relname,
            'rls', c.relrowsecurity,
            'policies', (SELECT coalesce(json_agg(json_build_object(
                    'name', p.polname,
                    'permissive', p.polpermissive,
                    'command', p.polcmd,
                    'roles', (SELECT coalesce(json_agg(CASE WHEN r.oid = 0 THEN 'public'
                                  ELSE (SELECT rolname FROM pg_roles WHERE oid = r.oid) END ORDER BY r.i), '[]')
                              FROM unnest(p.polroles) WITH ORDINALITY r(oid, i)),
                    'using', pg_get_expr(p.polqual, p.polrelid),
                    'with_check', pg_get_expr(p.polwithcheck, p.polrelid)
                ) ORDER BY p.polname), '[]')
                FROM pg_policy p WHERE p.polrelid = c.oid),
            'columns', (SELECT coalesce(json_agg(json_build_object(
                    'name', a.attname,
                    'not_null', a.attnotnull,
                    'type', format_type(a.atttypid, a.atttypmod),
                    'element_type', CASE WHEN et.oid IS NOT NULL THEN format_type(et.oid, a.atttypmod) END,
                    'dims', a.attndims,
                    'typtype', coalesce(et.typtype, t.typtype),
                    'type_schema', tn.nspname,
                    'type_name', coalesce(et.typname, t.typname),
                    'identity', a.attidentity,
                    'generated', {generated},
                    'default', pg_get_expr(ad.adbin, ad.adrelid),
                    -- Only an identity column or one with a default (serial's
                    -- nextval) can own a sequence.
                    'sequence', CASE WHEN a.attidentity <> '' OR ad.adbin IS NOT NULL THEN (SELECT json_build_object(
                            'name', sc.relname,
                            'regclass', sc.oid::regclass::text,
                            'deptype', d.deptype,
                            'options', json_build_object('increment', s.seqincrement, 'min', s.seqmin,
                                'max', s.seqmax, 'start', s.seqstart, 'cache', s.seqcache, 'cycle', s.seqcycle))
                        FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid
                        JOIN pg_sequence s ON s.seqrelid = sc.oid
                        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                          AND d.refobjid = c.oid AND d.refobjsubid = a.attnum
                          AND d.deptype IN ('a', 'i') AND sc.relkind = 'S'
                        ORDER BY d.deptype DESC LIMIT 1) END
                ) ORDER BY a.attnum), '[]')
                FROM pg_attribute a
                JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_type et ON et.oid = t.typelem AND et.typarray = t.oid
                JOIN pg_namespace tn ON tn.oid = coalesce(et.typnamespace, t.typnamespace)
                LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
        )), '[]')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {}",
        table_filter(schemas)
    )
}

/// Primary keys, unique constraints, foreign keys and checks.
fn constraints_sql(schemas: &str, version: i64) -> String {
    let nulls_not_distinct = if version >= 150000 {
        "coalesce(ix.indnullsnotdistinct, false)"
    } else {
        "false"
    };
    format!(
        "SELECT coalesce(json_agg(json_build_object(
            'schema', n.nspname,
            'table', c.relname,
            'name', co.conname,
            'type', co.contype,
            'columns', (SELECT coalesce(json_agg(a.attname ORDER BY k.i), '[]')
                        FROM unnest(co.conkey) WITH ORDINALITY k(attnum, i)
                        JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum),
            'ref_schema', rn.nspname,
            'ref_table', rc.relname,
            'ref_columns', (SELECT coalesce(json_agg(a.attname ORDER BY k.i), '[]')
                            FROM unnest(co.confkey) WITH ORDINALITY k(attnum, i)
                            JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum),
            'on_delete', co.confdeltype,
            'on_update', co.confupdtype,
            'expression', CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END,
            'nulls_not_distinct', CASE WHEN co.contype = 'u' THEN {nulls_not_distinct} ELSE false END
        )), '[]')
        FROM pg_constraint co
        JOIN pg_class c ON c.oid = co.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_class rc ON rc.oid = co.confrelid
        LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        LEFT JOIN pg_index ix ON ix.indexrelid = co.conindid
        WHERE co.contype IN ('p', 'u', 'f', 'c') AND {}",
        table_filter(schemas)
    )
}

/// Indexes that do not back a primary key, unique or exclusion constraint.
fn indexes_sql(schemas: &str) -> String {
    format!(
        "SELECT coalesce(json_agg(json_build_object(
            'schema', n.nspname,
            'table', c.relname,
            'name', ic.relname,
            'unique', ix.indisunique,
            'method', am.amname,
            'predicate', pg_get_expr(ix.indpred, ix.indrelid),
            'with', ic.reloptions,
            'keys', (SELECT coalesce(json_agg(json_build_object(
                        'column', a.attname,
                        'expression', CASE WHEN ix.indkey[k] = 0
                                      THEN pg_get_indexdef(ix.indexrelid, k + 1, true) END,
                        'option', ix.indoption[k],
                        'opclass', op.opcname,
                        'opclass_default', op.opcdefault
                     ) ORDER BY k), '[]')
                     FROM generate_series(0, ix.indnkeyatts - 1) k
                     LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k] AND ix.indkey[k] <> 0
                     LEFT JOIN pg_opclass op ON op.oid = ix.indclass[k])
        )), '[]')
        FROM pg_index ix
        JOIN pg_class ic ON ic.oid = ix.indexrelid
        JOIN pg_am am ON am.oid = ic.relam
        JOIN pg_class c ON c.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {}
          AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid
                          AND co.conrelid = ix.indrelid AND co.contype IN ('p', 'u', 'x'))",
        table_filter(schemas)
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Overview {
    version: i64,
    schemas: Vec<String>,
    enums: Vec<RawEnum>,
    sequences: Vec<RawSequence>,
    views: Vec<RawView>,
    roles: Vec<RawRole>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawView {
    schema: String,
    name: String,
    materialized: bool,
    definition: String,
    with: Option<Vec<String>>,
    using: Option<String>,
    tablespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRole {
    name: String,
    create_db: bool,
    create_role: bool,
    inherit: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPolicy {
    name: String,
    permissive: bool,
    command: String,
    roles: Vec<String>,
    using: Option<String>,
    with_check: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawEnum {
    schema: String,
    name: String,
    values: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawSequence {
    schema: String,
    name: String,
    options: RawSequenceOptions,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawSequenceOptions {
    increment: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    start: Option<i64>,
    cache: Option<i64>,
    cycle: bool,
}

impl RawSequenceOptions {
    fn options(&self) -> SequenceOptions {
        SequenceOptions {
            increment: self.increment,
            min_value: self.min,
            max_value: self.max,
            start: self.start,
            cache: self.cache,
            cycle: self.cycle,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawTable {
    schema: String,
    name: String,
    rls: bool,
    policies: Vec<RawPolicy>,
    columns: Vec<RawColumn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawColumn {
    name: String,
    not_null: bool,
    #[serde(rename = "type")]
    ty: String,
    element_type: Option<String>,
    dims: i64,
    typtype: String,
    type_schema: String,
    type_name: String,
    identity: String,
    generated: String,
    default: Option<String>,
    sequence: Option<RawOwnedSequence>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawOwnedSequence {
    name: String,
    regclass: String,
    deptype: String,
    options: RawSequenceOptions,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawConstraint {
    schema: String,
    table: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    columns: Vec<String>,
    ref_schema: Option<String>,
    ref_table: Option<String>,
    ref_columns: Vec<String>,
    on_delete: String,
    on_update: String,
    expression: Option<String>,
    nulls_not_distinct: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawIndex {
    schema: String,
    table: String,
    name: String,
    unique: bool,
    method: String,
    predicate: Option<String>,
    with: Option<Vec<String>>,
    keys: Vec<RawIndexKey>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawIndexKey {
    column: Option<String>,
    expression: Option<String>,
    option: i64,
    opclass: Option<String>,
    opclass_default: bool,
}

/// Assembles the decoded documents into a sorted schema.
fn build(
    scope: &Scope,
    overview: Overview,
    raw_tables: Vec<RawTable>,
    constraints: Vec<RawConstraint>,
    indexes: Vec<RawIndex>,
) -> Schema {
    let mut schema = Schema::empty(Dialect::Postgres);
    let default_schema = Dialect::Postgres.default_schema();
    schema.schemas = overview
        .schemas
        .into_iter()
        .filter(|s| s != default_schema)
        .collect();
    schema.enums = overview
        .enums
        .into_iter()
        .map(|e| Enum {
            schema: e.schema,
            name: e.name,
            values: e.values,
        })
        .collect();
    schema.sequences = overview
        .sequences
        .into_iter()
        .map(|s| Sequence {
            options: s.options.options(),
            schema: s.schema,
            name: s.name,
        })
        .collect();

    schema.views = overview.views.into_iter().map(view).collect();
    schema.roles = overview
        .roles
        .into_iter()
        .map(|r| Role {
            name: r.name,
            create_db: r.create_db,
            create_role: r.create_role,
            inherit: r.inherit,
        })
        .collect();

    let mut tables: BTreeMap<(String, String), Table> = BTreeMap::new();
    for raw in raw_tables {
        let name = QualifiedName::new(&raw.schema, &raw.name);
        if scope.exclude_tables.contains(&name) {
            continue;
        }
        let mut table = Table::new(&raw.schema, &raw.name);
        table.columns = raw.columns.iter().map(|c| column(&raw, c)).collect();
        table.rls_enabled = raw.rls;
        table.policies = raw.policies.iter().map(policy).collect();
        tables.insert((raw.schema, raw.name), table);
    }
    for c in constraints {
        if let Some(table) = tables.get_mut(&(c.schema.clone(), c.table.clone())) {
            add_constraint(table, c);
        }
    }
    for i in indexes {
        if let Some(table) = tables.get_mut(&(i.schema.clone(), i.table.clone())) {
            table.indexes.push(index(i));
        }
    }
    schema.tables = tables.into_values().collect();
    schema.sort();
    schema
}

fn view(v: RawView) -> View {
    View {
        schema: v.schema,
        name: v.name,
        definition: v.definition,
        materialized: v.materialized,
        with: storage_options(v.with),
        using: v.using.filter(|m| m != "heap"),
        tablespace: v.tablespace.filter(|t| t != "pg_default"),
        with_no_data: false,
    }
}

fn policy(p: &RawPolicy) -> Policy {
    Policy {
        name: p.name.clone(),
        restrictive: !p.permissive,
        command: match p.command.as_str() {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        },
        to: p.roles.clone(),
        using: p.using.clone(),
        with_check: p.with_check.clone(),
    }
}

/// `reloptions` (`fillfactor=70`) as key/value pairs.
fn storage_options(options: Option<Vec<String>>) -> Vec<(String, String)> {
    options
        .unwrap_or_default()
        .into_iter()
        .map(|option| match option.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (option, String::new()),
        })
        .collect()
}

/// One column: type, nullability, default, and serial, identity or generation.
fn column(table: &RawTable, c: &RawColumn) -> Column {
    let (ty, dims) = match &c.element_type {
        Some(element) => (
            column_type(c, element),
            c.dims.clamp(1, u8::MAX as i64) as u8,
        ),
        None => (column_type(c, &c.ty), 0),
    };
    let mut col = Column::new(&c.name, ty);
    col.dims = dims;
    col.not_null = c.not_null;
    if c.generated == "s" {
        col.generated = c.default.clone();
    } else {
        col.default = c.default.clone();
    }
    let default_sequence = names::sequence(&table.name, &c.name);
    let is_default_sequence = |name: &str| {
        name == default_sequence
            || name == names::postgres_truncate(&default_sequence)
            || name == names::postgres_serial_sequence(&table.name, &c.name)
    };
    if c.identity == "a" || c.identity == "d" {
        let (sequence_name, options) = match &c.sequence {
            Some(s) => (
                Some(s.name.clone()).filter(|n| !is_default_sequence(n)),
                s.options.options(),
            ),
            None => (None, SequenceOptions::default()),
        };
        col.identity = Some(Identity {
            always: c.identity == "a",
            sequence_name,
            options,
        });
        col.default = None;
    } else if let Some(s) = &c.sequence {
        let nextval = format!("nextval({}::regclass)", crate::sql::literal(&s.regclass));
        let serial = match c.ty.as_str() {
            "integer" => Some("serial"),
            "bigint" => Some("bigserial"),
            "smallint" => Some("smallserial"),
            _ => None,
        };
        if let Some(serial) = serial
            && s.deptype == "a"
            && is_default_sequence(&s.name)
            && col.default.as_deref() == Some(nextval.as_str())
        {
            col.ty = ColumnType::sql(serial);
            col.default = None;
        }
    }
    col
}

/// An enum (by the type's schema and name) or the type as PostgreSQL prints it.
fn column_type(c: &RawColumn, formatted: &str) -> ColumnType {
    if c.typtype == "e" {
        ColumnType::Enum(QualifiedName::new(&c.type_schema, &c.type_name))
    } else {
        ColumnType::sql(formatted)
    }
}

fn add_constraint(table: &mut Table, c: RawConstraint) {
    match c.kind.as_str() {
        "p" => {
            let name = Some(c.name).filter(|n| *n != names::postgres_primary_key(&table.name));
            table.primary_key = Some(PrimaryKey {
                name,
                columns: c.columns,
            });
        }
        "u" => table.uniques.push(Unique {
            name: c.name,
            columns: c.columns,
            nulls_not_distinct: c.nulls_not_distinct,
        }),
        "f" => {
            let (Some(schema), Some(name)) = (c.ref_schema, c.ref_table) else {
                return;
            };
            table.foreign_keys.push(ForeignKey {
                name: c.name,
                columns: c.columns,
                references: QualifiedName::new(schema, name),
                referenced_columns: c.ref_columns,
                on_delete: fk_action(&c.on_delete),
                on_update: fk_action(&c.on_update),
            });
        }
        "c" => {
            if let Some(expression) = c.expression {
                table.checks.push(Check {
                    name: c.name,
                    expression,
                });
            }
        }
        _ => {}
    }
}

/// `pg_constraint.confdeltype` / `confupdtype` codes.
fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// `pg_index.indoption` bits.
const INDOPTION_DESC: i64 = 1;
const INDOPTION_NULLS_FIRST: i64 = 2;

fn index(i: RawIndex) -> Index {
    let keys = i
        .keys
        .into_iter()
        .map(|k| {
            let desc = k.option & INDOPTION_DESC != 0;
            let nulls_first = k.option & INDOPTION_NULLS_FIRST != 0;
            let nulls = match (desc, nulls_first) {
                (false, true) => Some(Nulls::First),
                (true, false) => Some(Nulls::Last),
                _ => None,
            };
            let (key, expression) = match (k.column, k.expression) {
                (Some(column), _) => (column, false),
                (None, Some(expression)) => (expression, true),
                (None, None) => (String::new(), true),
            };
            IndexKey {
                key,
                expression,
                desc,
                nulls,
                opclass: k.opclass.filter(|_| !k.opclass_default),
            }
        })
        .collect();
    let with = storage_options(i.with);
    Index {
        name: i.name,
        unique: i.unique,
        keys,
        method: Some(i.method).filter(|m| m != "btree"),
        predicate: i.predicate,
        with,
        concurrently: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_survive_any_string_setting() {
        assert_eq!(literal("public"), "E'public'");
        assert_eq!(literal("it's"), "E'it''s'");
        assert_eq!(literal("a\\'b"), "E'a\\\\''b'");
        assert_eq!(
            text_array(&["a".into(), "b".into()]),
            "ARRAY[E'a', E'b']::text[]"
        );
    }

    #[test]
    fn scope_always_has_public() {
        let scope = Scope {
            schemas: vec!["app".into()],
            exclude_tables: vec![],
        };
        assert_eq!(
            scope_schemas(&scope),
            vec!["app".to_string(), "public".to_string()]
        );
    }
}
