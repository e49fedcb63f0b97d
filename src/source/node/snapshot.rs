//! drizzle-kit 0.x's snapshot JSON (PostgreSQL version 7, SQLite version 6) →
//! the model, with drizzle-kit's spellings brought to the reader's
//! (`timestamp (3)` → `timestamp(3)`, `text[]` → dims, `"nulls": "last"`).

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexKey,
    Nulls, Policy, PolicyCommand, PrimaryKey, QualifiedName, Role, Schema, Sequence,
    SequenceOptions, Table, Unique, View,
};

/// A snapshot that cannot be turned into the model.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SnapshotError {
    /// Not a snapshot drizzle-kit writes.
    #[error("drizzle-kit's snapshot cannot be read: {0}")]
    #[diagnostic(help("check that the project uses drizzle-kit 0.31 or a compatible version"))]
    Invalid(String),
    /// Something the model cannot hold.
    #[error("{0}")]
    #[diagnostic(help("{1}"))]
    Unsupported(String, String),
}

/// A JSON object read with its keys in order.
#[derive(Debug, Clone)]
pub struct Ordered<T>(Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T> Ordered<T> {
    fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

/// drizzle-kit's snapshot, as far as the model needs it.
#[derive(Debug, Deserialize)]
pub struct Snapshot {
    dialect: String,
    #[serde(default)]
    tables: Ordered<SnapTable>,
    #[serde(default)]
    enums: Ordered<SnapEnum>,
    #[serde(default)]
    schemas: Ordered<String>,
    #[serde(default)]
    sequences: Ordered<SnapSequence>,
    #[serde(default)]
    roles: Ordered<SnapRole>,
    #[serde(default)]
    policies: Ordered<SnapPolicy>,
    #[serde(default)]
    views: Ordered<SnapView>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapTable {
    name: String,
    #[serde(default)]
    schema: String,
    #[serde(default)]
    columns: Ordered<SnapColumn>,
    #[serde(default)]
    indexes: Ordered<SnapIndex>,
    #[serde(default)]
    foreign_keys: Ordered<SnapForeignKey>,
    #[serde(default)]
    composite_primary_keys: Ordered<SnapPrimaryKey>,
    #[serde(default)]
    unique_constraints: Ordered<SnapUnique>,
    #[serde(default)]
    policies: Ordered<SnapPolicy>,
    /// `checkConstraint` in MySQL snapshots.
    #[serde(default, alias = "checkConstraint")]
    check_constraints: Ordered<SnapCheck>,
    #[serde(default, rename = "isRLSEnabled")]
    is_rls_enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapColumn {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    type_schema: Option<String>,
    #[serde(default)]
    primary_key: bool,
    #[serde(default)]
    not_null: bool,
    #[serde(default)]
    default: Option<serde_json::Value>,
    #[serde(default)]
    identity: Option<SnapIdentity>,
    #[serde(default)]
    generated: Option<SnapGenerated>,
    #[serde(default)]
    autoincrement: bool,
    /// MySQL's `ON UPDATE CURRENT_TIMESTAMP`.
    #[serde(default)]
    on_update: bool,
}

/// A column's identity, in both formats (numbers as strings or numbers).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SnapIdentity {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    increment: Option<serde_json::Value>,
    #[serde(default)]
    start_with: Option<serde_json::Value>,
    #[serde(default)]
    min_value: Option<serde_json::Value>,
    #[serde(default)]
    max_value: Option<serde_json::Value>,
    #[serde(default)]
    cache: Option<serde_json::Value>,
    #[serde(default)]
    cycle: bool,
}

/// A generated column's expression and kind, in both formats.
#[derive(Debug, Deserialize)]
pub(super) struct SnapGenerated {
    #[serde(rename = "as")]
    expression: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SnapIndexColumn {
    Key(SnapIndexKey),
    Name(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapIndexKey {
    expression: String,
    #[serde(default)]
    is_expression: bool,
    #[serde(default = "yes")]
    asc: bool,
    #[serde(default)]
    nulls: Option<String>,
    #[serde(default)]
    opclass: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapIndex {
    name: String,
    columns: Vec<SnapIndexColumn>,
    #[serde(default)]
    is_unique: bool,
    #[serde(default)]
    concurrently: bool,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    with: Ordered<serde_json::Value>,
    #[serde(default, rename = "where")]
    predicate: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapForeignKey {
    name: String,
    table_to: String,
    #[serde(default)]
    schema_to: Option<String>,
    columns_from: Vec<String>,
    columns_to: Vec<String>,
    #[serde(default)]
    on_delete: Option<String>,
    #[serde(default)]
    on_update: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SnapPrimaryKey {
    /// Older snapshots leave it out: the key the entry is listed under is the name.
    #[serde(default)]
    name: Option<String>,
    columns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapUnique {
    name: String,
    columns: Vec<String>,
    #[serde(default)]
    nulls_not_distinct: bool,
}

#[derive(Debug, Deserialize)]
struct SnapCheck {
    name: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapPolicy {
    name: String,
    #[serde(default, rename = "as")]
    kind: Option<String>,
    #[serde(default, rename = "for")]
    command: Option<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    using: Option<String>,
    #[serde(default)]
    with_check: Option<String>,
    #[serde(default)]
    on: Option<String>,
    /// The schema of the table in `on` (top-level policies only).
    #[serde(default)]
    schema: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SnapEnum {
    name: String,
    #[serde(default)]
    schema: String,
    values: EnumValues,
}

/// An enum's values: a list, or (version 5 snapshots) an object of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EnumValues {
    List(Vec<String>),
    Object(Ordered<String>),
}

impl EnumValues {
    fn to_vec(&self) -> Vec<String> {
        match self {
            EnumValues::List(values) => values.clone(),
            EnumValues::Object(values) => values.values().cloned().collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapSequence {
    name: String,
    #[serde(default)]
    schema: String,
    increment: Option<serde_json::Value>,
    min_value: Option<serde_json::Value>,
    max_value: Option<serde_json::Value>,
    start_with: Option<serde_json::Value>,
    cache: Option<serde_json::Value>,
    #[serde(default)]
    cycle: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapRole {
    name: String,
    #[serde(default)]
    create_db: bool,
    #[serde(default)]
    create_role: bool,
    #[serde(default = "yes")]
    inherit: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapView {
    name: String,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    definition: Option<String>,
    #[serde(default)]
    materialized: bool,
    #[serde(default)]
    is_existing: bool,
    #[serde(default)]
    with: Ordered<serde_json::Value>,
    #[serde(default)]
    using: Option<String>,
    #[serde(default)]
    tablespace: Option<String>,
    #[serde(default)]
    with_no_data: bool,
    /// MySQL's view options.
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    sql_security: Option<String>,
    #[serde(default)]
    with_check_option: Option<String>,
}

/// Reads a snapshot file's text into the model.
/// Both formats are read: drizzle-kit 0.x's (tables keyed by name) and
/// 1.x's (a flat `ddl` list).
pub fn from_snapshot(text: &str) -> Result<Schema, SnapshotError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SnapshotError::Invalid(e.to_string()))?;
    if super::snapshot_ddl::is_ddl_snapshot(&value) {
        return super::snapshot_ddl::from_ddl_snapshot(value);
    }
    let snapshot: Snapshot =
        serde_json::from_str(text).map_err(|e| SnapshotError::Invalid(e.to_string()))?;
    snapshot.into_schema()
}

impl Snapshot {
    /// The model the snapshot describes.
    pub fn into_schema(self) -> Result<Schema, SnapshotError> {
        let dialect = match self.dialect.as_str() {
            "postgresql" | "pg" => Dialect::Postgres,
            "sqlite" => Dialect::Sqlite,
            "mysql" => Dialect::Mysql,
            other => {
                return Err(SnapshotError::Unsupported(
                    format!("drizzle-kit's snapshot is for the {other} dialect"),
                    "db-migrate supports PostgreSQL, MySQL and SQLite".into(),
                ));
            }
        };
        let default_schema = dialect.default_schema();
        let schema_of = |s: &str| {
            if s.is_empty() {
                default_schema.to_string()
            } else {
                s.to_string()
            }
        };
        let mut schema = Schema::empty(dialect);
        schema.schemas = self.schemas.values().cloned().collect();
        for e in self.enums.values() {
            schema.enums.push(Enum {
                schema: schema_of(&e.schema),
                name: e.name.clone(),
                values: e.values.to_vec(),
            });
        }
        for s in self.sequences.values() {
            schema.sequences.push(Sequence {
                schema: schema_of(&s.schema),
                name: s.name.clone(),
                options: SequenceOptions {
                    increment: number(&s.increment),
                    min_value: number(&s.min_value),
                    max_value: number(&s.max_value),
                    start: number(&s.start_with),
                    cache: number(&s.cache),
                    cycle: s.cycle,
                },
            });
        }
        for r in self.roles.values() {
            schema.roles.push(Role {
                name: r.name.clone(),
                create_db: r.create_db,
                create_role: r.create_role,
                inherit: r.inherit,
            });
        }
        // drizzle-kit leaves out `typeSchema` for columns of enums made from
        // objects (`pgEnum(name, TsEnum)`): such a type is an enum by its name.
        let enums: Vec<QualifiedName> = schema.enums.iter().map(Enum::qualified).collect();
        for t in self.tables.values() {
            schema
                .tables
                .push(table(dialect, &schema_of(&t.schema), t, &enums));
        }
        // Policies on tables the schema files do not export: the table is
        // managed elsewhere, and only its policies are the schema's.
        for p in self.policies.values() {
            let Some(on) = p.on.as_deref() else {
                return Err(SnapshotError::Unsupported(
                    format!("policy `{}` is not linked to a table", p.name),
                    "link it to a table: `pgPolicy(...).link(table)`".into(),
                ));
            };
            let name = on.rsplit("\".\"").next().unwrap_or(on).trim_matches('"');
            let on_schema = schema_of(&p.schema.clone().unwrap_or_default());
            if schema.table(&on_schema, name).is_none() {
                schema.tables.push(Table::external(&on_schema, name));
            }
            if let Some(t) = schema
                .tables
                .iter_mut()
                .find(|t| t.schema == on_schema && t.name == name)
            {
                t.policies.push(policy(p));
            }
        }
        for v in self.views.values() {
            if v.is_existing {
                continue;
            }
            let Some(definition) = &v.definition else {
                continue;
            };
            let mut with: Vec<(String, String)> = v
                .with
                .0
                .iter()
                .map(|(k, value)| (snake(k), json_text(value)))
                .collect();
            for (key, value) in [
                ("algorithm", &v.algorithm),
                ("sql_security", &v.sql_security),
                ("check_option", &v.with_check_option),
            ] {
                if let Some(value) = value {
                    with.push((key.to_string(), value.clone()));
                }
            }
            with.sort();
            schema.views.push(View {
                schema: schema_of(v.schema.as_deref().unwrap_or("")),
                name: v.name.clone(),
                definition: definition.clone(),
                materialized: v.materialized,
                with,
                using: v.using.clone(),
                tablespace: v.tablespace.clone(),
                with_no_data: v.with_no_data,
            });
        }
        schema.sort();
        Ok(schema)
    }
}

fn table(dialect: Dialect, schema: &str, t: &SnapTable, enums: &[QualifiedName]) -> Table {
    let mut table = Table::new(schema, &t.name);
    let mut inline_key = Vec::new();
    for c in t.columns.values() {
        let (base, dims) = split_array(&c.ty);
        let enum_named = || {
            let mut matching = enums.iter().filter(|e| e.name == base);
            let first = matching.next()?;
            Some(
                enums
                    .iter()
                    .find(|e| e.name == base && e.schema == "public")
                    .unwrap_or(first)
                    .clone(),
            )
        };
        let ty = match &c.type_schema {
            Some(s) => ColumnType::Enum(QualifiedName::new(
                if s.is_empty() { "public" } else { s },
                base,
            )),
            None => match enum_named() {
                Some(q) => ColumnType::Enum(q),
                None => ColumnType::Sql(normalize_type(base)),
            },
        };
        let mut column = Column::new(&c.name, ty);
        column.dims = dims;
        column.not_null = c.not_null;
        column.default = c.default.as_ref().map(json_text);
        identity_and_generated(&mut column, &t.name, &c.identity, &c.generated);
        column.autoincrement = c.autoincrement;
        column.on_update = c.on_update;
        if c.primary_key {
            inline_key.push(c.name.clone());
        }
        table.columns.push(column);
    }
    if !inline_key.is_empty() {
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: inline_key,
        });
    }
    if let Some((key, pk)) = t.composite_primary_keys.0.first() {
        table.primary_key = Some(PrimaryKey {
            name: Some(pk.name.clone().unwrap_or_else(|| key.clone())),
            columns: pk.columns.clone(),
        });
    }
    for u in t.unique_constraints.values() {
        table.uniques.push(Unique {
            name: u.name.clone(),
            columns: u.columns.clone(),
            nulls_not_distinct: u.nulls_not_distinct,
        });
    }
    for fk in t.foreign_keys.values() {
        let target_schema = match fk.schema_to.as_deref() {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => dialect.default_schema().to_string(),
        };
        table.foreign_keys.push(ForeignKey {
            name: fk.name.clone(),
            columns: fk.columns_from.clone(),
            references: QualifiedName::new(target_schema, &fk.table_to),
            referenced_columns: fk.columns_to.clone(),
            on_delete: action(&fk.on_delete),
            on_update: action(&fk.on_update),
        });
    }
    for c in t.check_constraints.values() {
        table.checks.push(Check {
            name: c.name.clone(),
            expression: c.value.clone(),
        });
    }
    for i in t.indexes.values() {
        let mut index = index(dialect, i);
        // MySQL: a unique index of columns is the table's unique key (as the reader has it).
        if dialect == Dialect::Mysql
            && index.unique
            && index.keys.iter().all(|k| !k.expression && !k.desc)
        {
            table.uniques.push(Unique {
                name: index.name,
                columns: index.keys.into_iter().map(|k| k.key).collect(),
                nulls_not_distinct: false,
            });
            continue;
        }
        // SQLite snapshots list expressions among the column names.
        for key in &mut index.keys {
            if !key.expression && table.column(&key.key).is_none() {
                *key = IndexKey::from_sql(&key.key);
            }
        }
        table.indexes.push(index);
    }
    for p in t.policies.values() {
        table.policies.push(policy(p));
    }
    table.rls_enabled = t.is_rls_enabled || !table.policies.is_empty();
    table
}

fn index(dialect: Dialect, i: &SnapIndex) -> Index {
    let keys = i
        .columns
        .iter()
        .map(|c| match c {
            SnapIndexColumn::Name(name) => IndexKey::column(name),
            // drizzle-kit keeps an operator class or ordering written inside
            // an `sql` key in the expression text.
            SnapIndexColumn::Key(k) if k.is_expression && k.asc && k.opclass.is_none() => {
                IndexKey::from_sql(&k.expression)
            }
            SnapIndexColumn::Key(k) => {
                let desc = !k.asc;
                let nulls = match (dialect, desc, k.nulls.as_deref()) {
                    (Dialect::Sqlite, _, _) => None,
                    (_, false, Some("first")) => Some(Nulls::First),
                    (_, true, Some("first")) => Some(Nulls::First),
                    (_, true, _) => Some(Nulls::Last),
                    (_, false, _) => None,
                };
                IndexKey {
                    key: k.expression.clone(),
                    expression: k.is_expression,
                    desc,
                    nulls,
                    opclass: k.opclass.clone(),
                }
            }
        })
        .collect();
    let mut with: Vec<(String, String)> = i
        .with
        .0
        .iter()
        .map(|(k, v)| (k.clone(), json_text(v)))
        .collect();
    with.sort();
    Index {
        name: i.name.clone(),
        unique: i.is_unique,
        keys,
        method: i.method.clone(),
        predicate: i.predicate.clone(),
        with,
        concurrently: i.concurrently,
    }
}

fn policy(p: &SnapPolicy) -> Policy {
    policy_of(
        &p.name,
        p.kind.as_deref(),
        p.command.as_deref(),
        &p.to,
        p.using.clone(),
        p.with_check.clone(),
    )
}

/// A policy from a snapshot's parts: `as` (permissive or restrictive),
/// `for` (the command), the roles (`public` alone meaning everyone).
pub(super) fn policy_of(
    name: &str,
    kind: Option<&str>,
    command: Option<&str>,
    roles: &[String],
    using: Option<String>,
    with_check: Option<String>,
) -> Policy {
    let mut to = roles.to_vec();
    to.sort();
    if to == ["public"] {
        to.clear();
    }
    Policy {
        name: name.to_string(),
        restrictive: kind.is_some_and(|k| k.eq_ignore_ascii_case("restrictive")),
        command: match command.map(str::to_ascii_lowercase).as_deref() {
            Some("select") => PolicyCommand::Select,
            Some("insert") => PolicyCommand::Insert,
            Some("update") => PolicyCommand::Update,
            Some("delete") => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        },
        to,
        using,
        with_check,
    }
}

/// Sets a column's identity (its sequence named only when not the default
/// `<table>_<column>_seq`) and generated expression from a snapshot's.
pub(super) fn identity_and_generated(
    column: &mut Column,
    table: &str,
    identity: &Option<SnapIdentity>,
    generated: &Option<SnapGenerated>,
) {
    column.identity = identity.as_ref().map(|i| {
        let default_name = format!("{table}_{}_seq", column.name);
        Identity {
            always: i.kind == "always",
            sequence_name: i.name.clone().filter(|n| *n != default_name),
            options: SequenceOptions {
                increment: number(&i.increment),
                min_value: number(&i.min_value),
                max_value: number(&i.max_value),
                start: number(&i.start_with),
                cache: number(&i.cache),
                cycle: i.cycle,
            },
        }
    });
    if let Some(g) = generated {
        column.generated = Some(g.expression.clone());
        column.generated_virtual = g.kind == "virtual";
    }
}

/// `numeric(5, 2)[][]` → (`numeric(5, 2)`, 2); sized arrays (`integer[3]`) count too.
fn split_array(ty: &str) -> (&str, u8) {
    let mut base = ty.trim_end();
    let mut dims = 0u8;
    while base.ends_with(']') {
        match base.rfind('[') {
            Some(i) => {
                base = base[..i].trim_end();
                dims = dims.saturating_add(1);
            }
            None => break,
        }
    }
    (base, dims)
}

/// drizzle-kit's `timestamp (3)` spelled as the reader spells it: `timestamp(3)`.
pub(super) fn normalize_type(ty: &str) -> String {
    match ty.strip_prefix("timestamp (") {
        Some(rest) => format!("timestamp({rest}"),
        None => ty.to_string(),
    }
}

/// A snapshot value as SQL text: strings as they are, numbers and booleans written out.
pub(super) fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A snapshot number, written as a string or as a number.
pub(super) fn number(v: &Option<serde_json::Value>) -> Option<i64> {
    match v.as_ref()? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn action(v: &Option<String>) -> FkAction {
    v.as_deref().and_then(FkAction::parse).unwrap_or_default()
}

/// `securityBarrier` → `security_barrier`.
pub(super) fn snake(key: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_types_and_spellings() {
        assert_eq!(split_array("numeric(5, 2)[][]"), ("numeric(5, 2)", 2));
        assert_eq!(split_array("integer[3]"), ("integer", 1));
        assert_eq!(split_array("text"), ("text", 0));
        assert_eq!(
            normalize_type("timestamp (6) with time zone"),
            "timestamp(6) with time zone"
        );
        assert_eq!(snake("autovacuumEnabled"), "autovacuum_enabled");
    }

    #[test]
    fn keys_keep_their_order() {
        let s = from_snapshot(
            r#"{"dialect":"postgresql","tables":{"public.t":{"name":"t","schema":"","columns":{
                "z":{"name":"z","type":"text","primaryKey":true,"notNull":true},
                "a":{"name":"a","type":"integer[]","primaryKey":false,"notNull":false,"default":"'{}'"}}}}}"#,
        )
        .expect("snapshot");
        let names: Vec<&str> = s.tables[0]
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, vec!["z", "a"]);
        assert_eq!(s.tables[0].columns[1].dims, 1);
        assert!(from_snapshot("{}").is_err());
        assert!(from_snapshot(r#"{"dialect":"singlestore"}"#).is_err());
    }

    #[test]
    fn older_snapshots_read() {
        // Version 5: dialect "pg", enum values as an object; a composite key
        // listed under its name without a `name` field.
        let s = from_snapshot(
            r#"{"version":"5","dialect":"pg","enums":{"mood":{"name":"mood","values":{"sad":"sad","ok":"ok"}}},
                "tables":{"t":{"name":"t","schema":"","columns":{
                    "a":{"name":"a","type":"integer","primaryKey":false,"notNull":true},
                    "b":{"name":"b","type":"mood","primaryKey":false,"notNull":true}},
                  "compositePrimaryKeys":{"t_a_b_pk":{"columns":["a","b"]}}}}}"#,
        )
        .expect("snapshot");
        assert_eq!(s.enums[0].values, ["sad", "ok"]);
        let pk = s.tables[0].primary_key.as_ref().expect("key");
        assert_eq!(pk.name.as_deref(), Some("t_a_b_pk"));
        assert_eq!(pk.columns, ["a", "b"]);
    }
}
