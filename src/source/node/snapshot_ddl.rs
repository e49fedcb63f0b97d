//! drizzle-kit 1.x's snapshot JSON (PostgreSQL version 8 and 9, SQLite
//! version 7): one flat `ddl` list of entities, each tagged with its
//! `entityType` (`tables`, `columns`, `pks`, `fks`, `uniques`, `indexes`,
//! `checks`, `enums`, `schemas`, `sequences`, `views`, `roles`,
//! `policies`), → the model, with 1.x's spellings brought to the reader's.
//!
//! A snapshot of `"type": "base"` holds the whole list; one of
//! `"type": "diff"` holds `deltas` against the snapshot before it: `create`
//! (a `row`), `drop`, `alter` (`set` fields) and `rename` (`set` a name) of
//! the entity named by `key`, `<entityType>\0<JSON array of its schema,
//! table and name>`. A rename carries over to what names the entity: a
//! table's columns and constraints, the keys and indexes on a column, the
//! foreign keys to either, the tables and types of a schema, the columns of
//! an enum.

use serde::Deserialize;

use super::snapshot::{
    SnapGenerated, SnapIdentity, SnapshotError, action, identity_and_generated, json_text,
    normalize_type, number, policy_of, snake,
};
use crate::schema::{
    Check, Column, ColumnType, Dialect, Enum, ForeignKey, Index, IndexKey, Nulls, Policy,
    PrimaryKey, QualifiedName, Role, Schema, Sequence, SequenceOptions, Table, Unique, View,
};

/// One entity of the list.
#[derive(Deserialize)]
#[serde(tag = "entityType", rename_all = "camelCase")]
enum Entity {
    Tables(TableEntity),
    Columns(Box<ColumnEntity>),
    Pks(PkEntity),
    Fks(FkEntity),
    Uniques(UniqueEntity),
    Indexes(IndexEntity),
    Checks(CheckEntity),
    Enums(EnumEntity),
    Schemas(SchemaEntity),
    Sequences(SequenceEntity),
    Views(ViewEntity),
    Roles(RoleEntity),
    Policies(PolicyEntity),
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableEntity {
    #[serde(default)]
    schema: Option<String>,
    name: String,
    #[serde(default)]
    is_rls_enabled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ColumnEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    type_schema: Option<String>,
    #[serde(default)]
    not_null: bool,
    #[serde(default)]
    dimensions: u8,
    #[serde(default)]
    default: Option<serde_json::Value>,
    #[serde(default)]
    generated: Option<SnapGenerated>,
    #[serde(default)]
    identity: Option<SnapIdentity>,
    #[serde(default)]
    autoincrement: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PkEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    columns: Vec<String>,
    #[serde(default)]
    name_explicit: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FkEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    columns: Vec<String>,
    #[serde(default)]
    schema_to: Option<String>,
    table_to: String,
    columns_to: Vec<String>,
    #[serde(default)]
    on_update: Option<String>,
    #[serde(default)]
    on_delete: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UniqueEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    columns: Vec<String>,
    #[serde(default)]
    nulls_not_distinct: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    columns: Vec<IndexColumn>,
    #[serde(default)]
    is_unique: bool,
    #[serde(default, rename = "where")]
    predicate: Option<String>,
    #[serde(default)]
    with: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    concurrently: bool,
    /// SQLite: `manual` for a declared index, `auto` for one SQLite made.
    #[serde(default)]
    origin: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexColumn {
    value: String,
    #[serde(default)]
    is_expression: bool,
    #[serde(default = "yes")]
    asc: bool,
    #[serde(default)]
    nulls_first: bool,
    #[serde(default)]
    opclass: Option<Opclass>,
}

#[derive(Deserialize)]
struct Opclass {
    name: String,
    #[serde(default)]
    default: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct CheckEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct EnumEntity {
    #[serde(default)]
    schema: Option<String>,
    name: String,
    values: Vec<String>,
}

#[derive(Deserialize)]
struct SchemaEntity {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SequenceEntity {
    #[serde(default)]
    schema: Option<String>,
    name: String,
    #[serde(default)]
    increment_by: Option<serde_json::Value>,
    #[serde(default)]
    min_value: Option<serde_json::Value>,
    #[serde(default)]
    max_value: Option<serde_json::Value>,
    #[serde(default)]
    start_with: Option<serde_json::Value>,
    #[serde(default)]
    cache_size: Option<serde_json::Value>,
    #[serde(default)]
    cycle: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewEntity {
    #[serde(default)]
    schema: Option<String>,
    name: String,
    #[serde(default)]
    definition: Option<String>,
    #[serde(default)]
    materialized: bool,
    #[serde(default)]
    with: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    with_no_data: Option<bool>,
    #[serde(default)]
    using: Option<String>,
    #[serde(default)]
    tablespace: Option<String>,
    #[serde(default)]
    is_existing: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleEntity {
    name: String,
    #[serde(default)]
    create_db: bool,
    #[serde(default)]
    create_role: bool,
    #[serde(default = "yes")]
    inherit: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyEntity {
    #[serde(default)]
    schema: Option<String>,
    table: String,
    name: String,
    #[serde(default, rename = "as")]
    kind: Option<String>,
    #[serde(default, rename = "for")]
    command: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    using: Option<String>,
    #[serde(default)]
    with_check: Option<String>,
}

/// True when the snapshot text is in 1.x's format (a `ddl` list or `deltas`).
pub fn is_ddl_snapshot(value: &serde_json::Value) -> bool {
    value.get("ddl").is_some_and(serde_json::Value::is_array)
        || value.get("deltas").is_some_and(serde_json::Value::is_array)
}

/// A folder's 1.x snapshots read in order: each `diff` applies to the
/// entities the ones before it left.
#[derive(Debug, Default)]
pub struct DdlHistory {
    /// The dialect of the snapshots read so far; `None` before the first.
    dialect: Option<String>,
    entities: Vec<serde_json::Value>,
}

impl DdlHistory {
    /// The schema after the next snapshot of the folder.
    pub fn next(&mut self, text: &str) -> Result<Schema, SnapshotError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SnapshotError::Invalid(e.to_string()))?;
        if let Some(ddl) = value.get("ddl").and_then(serde_json::Value::as_array) {
            self.entities = ddl.clone();
        } else if let Some(deltas) = value.get("deltas").and_then(serde_json::Value::as_array) {
            if self.dialect.is_none() {
                return Err(SnapshotError::Invalid(
                    "the first snapshot of the folder holds only changes (\"type\": \"diff\"), with nothing before it".into(),
                ));
            }
            for delta in deltas {
                self.apply(delta)?;
            }
        } else {
            return Err(SnapshotError::Invalid(
                "a drizzle-kit 1.x snapshot has `ddl` or `deltas`".into(),
            ));
        }
        let dialect = dialect_of(&value);
        let schema = schema_of_entities(dialect, &self.entities)?;
        self.dialect = Some(dialect.to_string());
        Ok(schema)
    }

    fn apply(&mut self, delta: &serde_json::Value) -> Result<(), SnapshotError> {
        let op = delta.get("op").and_then(serde_json::Value::as_str);
        if op == Some("create") {
            let row = delta
                .get("row")
                .ok_or_else(|| SnapshotError::Invalid("a `create` delta without its row".into()))?;
            self.entities.push(row.clone());
            return Ok(());
        }
        let key = delta
            .get("key")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let (kind, parts) = key.split_once('\0').unwrap_or((key, "[]"));
        let parts: Vec<serde_json::Value> = serde_json::from_str(parts)
            .map_err(|e| SnapshotError::Invalid(format!("delta key {key:?}: {e}")))?;
        let at = self
            .entities
            .iter()
            .position(|e| named_by(e, kind, &parts))
            .ok_or_else(|| {
                SnapshotError::Invalid(format!(
                    "a delta names {kind} {parts:?}, which the snapshots before it do not have"
                ))
            })?;
        match op {
            Some("drop") => {
                self.entities.remove(at);
            }
            Some(op @ ("alter" | "rename")) => {
                let fields = delta
                    .get("set")
                    .and_then(serde_json::Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let old = self.entities[at].clone();
                if let Some(entity) = self.entities[at].as_object_mut() {
                    entity.extend(fields);
                }
                if op == "rename" {
                    let new = self.entities[at].get("name").cloned();
                    if let (Some(old_name), Some(new)) = (old.get("name"), new) {
                        self.carry_rename(kind, &old, old_name, &new);
                    }
                }
            }
            other => {
                return Err(SnapshotError::Invalid(format!(
                    "a delta with op {other:?}: drizzle-kit 1.x writes create, drop, alter and rename"
                )));
            }
        }
        Ok(())
    }
}

impl DdlHistory {
    /// What names the renamed entity `old` (of `kind`) by `from` names it `to`.
    fn carry_rename(
        &mut self,
        kind: &str,
        old: &serde_json::Value,
        from: &serde_json::Value,
        to: &serde_json::Value,
    ) {
        use serde_json::Value;
        let schema = old.get("schema");
        let set_if = |e: &mut Value, field: &str, when: &dyn Fn(&Value) -> bool| {
            if let Some(obj) = e.as_object_mut()
                && obj.get(field) == Some(from)
                && when(&Value::Object(obj.clone()))
            {
                obj.insert(field.to_string(), to.clone());
            }
        };
        let rename_in = |list: Option<&mut Value>| {
            if let Some(Value::Array(items)) = list {
                for item in items {
                    if item == from {
                        *item = to.clone();
                    }
                }
            }
        };
        for e in &mut self.entities {
            match kind {
                "schemas" => {
                    set_if(e, "schema", &|_| true);
                    set_if(e, "schemaTo", &|_| true);
                    set_if(e, "typeSchema", &|_| true);
                }
                "tables" => {
                    set_if(e, "table", &|x| x.get("schema") == schema);
                    set_if(e, "tableTo", &|x| {
                        x.get("schemaTo").or(x.get("schema")) == schema
                    });
                }
                "enums" => {
                    set_if(e, "type", &|x| {
                        x.get("entityType").and_then(Value::as_str) == Some("columns")
                            && x.get("typeSchema") == schema
                    });
                }
                "columns" => {
                    let table = old.get("table");
                    let on_table = e.get("schema") == schema && e.get("table") == table;
                    let to_table = e.get("entityType").and_then(Value::as_str) == Some("fks")
                        && e.get("schemaTo").or(e.get("schema")) == schema
                        && e.get("tableTo") == table;
                    if on_table {
                        rename_in(e.get_mut("columns"));
                        if let Some(Value::Array(keys)) = e.get_mut("columns") {
                            for key in keys {
                                if key.get("isExpression") == Some(&Value::Bool(false))
                                    && key.get("value") == Some(from)
                                    && let Some(k) = key.as_object_mut()
                                {
                                    k.insert("value".into(), to.clone());
                                }
                            }
                        }
                    }
                    if to_table {
                        rename_in(e.get_mut("columnsTo"));
                    }
                }
                _ => {}
            }
        }
    }
}

/// True when `entity` is of `kind` and its schema, table and name (those
/// it has, in that order) are `parts`.
fn named_by(entity: &serde_json::Value, kind: &str, parts: &[serde_json::Value]) -> bool {
    const SHAPES: [&[&str]; 4] = [
        &["schema", "table", "name"],
        &["schema", "name"],
        &["table", "name"],
        &["name"],
    ];
    entity.get("entityType").and_then(serde_json::Value::as_str) == Some(kind)
        && SHAPES
            .iter()
            .filter(|s| s.len() == parts.len())
            .any(|shape| {
                shape
                    .iter()
                    .zip(parts)
                    .all(|(field, part)| entity.get(*field) == Some(part))
            })
}

/// Reads a whole (`base`) 1.x snapshot into the model.
pub fn from_ddl_snapshot(value: serde_json::Value) -> Result<Schema, SnapshotError> {
    let Some(ddl) = value.get("ddl").and_then(serde_json::Value::as_array) else {
        return Err(SnapshotError::Invalid(
            "this drizzle-kit 1.x snapshot holds only the changes since the one before it; read the folder in order".into(),
        ));
    };
    schema_of_entities(dialect_of(&value), ddl)
}

/// A snapshot's `dialect` (empty when missing).
fn dialect_of(value: &serde_json::Value) -> &str {
    value
        .get("dialect")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

/// The model of a 1.x entity list.
fn schema_of_entities(
    dialect: &str,
    entities: &[serde_json::Value],
) -> Result<Schema, SnapshotError> {
    let entities: Vec<Entity> = entities
        .iter()
        .map(Entity::deserialize)
        .collect::<Result<_, _>>()
        .map_err(|e| SnapshotError::Invalid(e.to_string()))?;
    let dialect = match dialect {
        "postgres" | "postgresql" => Dialect::Postgres,
        "sqlite" => Dialect::Sqlite,
        other => {
            return Err(SnapshotError::Unsupported(
                format!("drizzle-kit's snapshot is for the {other} dialect"),
                "db-migrate supports PostgreSQL and SQLite".into(),
            ));
        }
    };
    let default_schema = dialect.default_schema();
    let schema_of = |s: &Option<String>| match s.as_deref() {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => default_schema.to_string(),
    };
    let mut schema = Schema::empty(dialect);
    // Tables first, so that their parts find them whatever the list's order.
    for e in &entities {
        if let Entity::Tables(t) = e {
            let mut table = Table::new(schema_of(&t.schema), &t.name);
            table.rls_enabled = t.is_rls_enabled;
            schema.tables.push(table);
        }
    }
    let mut missing = None;
    for e in entities {
        let table_of = |schema: &mut Schema, s: &Option<String>, name: &str| {
            let s = schema_of(s);
            schema
                .tables
                .iter_mut()
                .position(|t| t.schema == s && t.name == name)
        };
        macro_rules! table {
            ($s:expr, $t:expr) => {
                match table_of(&mut schema, $s, $t) {
                    Some(i) => &mut schema.tables[i],
                    None => {
                        missing.get_or_insert_with(|| format!("{}.{}", schema_of($s), $t));
                        continue;
                    }
                }
            };
        }
        match e {
            Entity::Tables(_) | Entity::Other => {}
            Entity::Schemas(s) => {
                if s.name != default_schema {
                    schema.schemas.push(s.name);
                }
            }
            Entity::Enums(en) => schema.enums.push(Enum {
                schema: schema_of(&en.schema),
                name: en.name,
                values: en.values,
            }),
            Entity::Sequences(s) => schema.sequences.push(Sequence {
                schema: schema_of(&s.schema),
                name: s.name,
                options: SequenceOptions {
                    increment: number(&s.increment_by),
                    min_value: number(&s.min_value),
                    max_value: number(&s.max_value),
                    start: number(&s.start_with),
                    cache: number(&s.cache_size),
                    cycle: s.cycle,
                },
            }),
            Entity::Roles(r) => schema.roles.push(Role {
                name: r.name,
                create_db: r.create_db,
                create_role: r.create_role,
                inherit: r.inherit,
            }),
            Entity::Views(v) => {
                let Some(definition) = v.definition.filter(|_| !v.is_existing) else {
                    continue;
                };
                let mut with: Vec<(String, String)> = v
                    .with
                    .unwrap_or_default()
                    .iter()
                    .filter(|(_, value)| !value.is_null())
                    .map(|(k, value)| (snake(k), json_text(value)))
                    .collect();
                with.sort();
                schema.views.push(View {
                    schema: schema_of(&v.schema),
                    name: v.name,
                    definition,
                    materialized: v.materialized,
                    with,
                    using: v.using,
                    tablespace: v.tablespace,
                    with_no_data: v.with_no_data.unwrap_or(false),
                });
            }
            Entity::Columns(c) => {
                let column = column(dialect, &c);
                table!(&c.schema, &c.table).columns.push(column);
            }
            Entity::Pks(pk) => {
                let table = table!(&pk.schema, &pk.table);
                table.primary_key = Some(PrimaryKey {
                    // A key drizzle named is written inline, unnamed.
                    name: pk.name_explicit.then_some(pk.name),
                    columns: pk.columns,
                });
            }
            Entity::Fks(fk) => {
                let references = QualifiedName::new(schema_of(&fk.schema_to), &fk.table_to);
                table!(&fk.schema, &fk.table).foreign_keys.push(ForeignKey {
                    name: fk.name,
                    columns: fk.columns,
                    references,
                    referenced_columns: fk.columns_to,
                    on_delete: action(&fk.on_delete),
                    on_update: action(&fk.on_update),
                });
            }
            Entity::Uniques(u) => table!(&u.schema, &u.table).uniques.push(Unique {
                name: u.name,
                columns: u.columns,
                nulls_not_distinct: u.nulls_not_distinct,
            }),
            Entity::Checks(c) => table!(&c.schema, &c.table).checks.push(Check {
                name: c.name,
                expression: c.value,
            }),
            Entity::Indexes(i) => {
                if i.origin.as_deref().is_some_and(|o| o != "manual") {
                    continue;
                }
                let index = index(dialect, &i);
                table!(&i.schema, &i.table).indexes.push(index);
            }
            Entity::Policies(p) => {
                let policy = policy(&p);
                // A policy on a table the snapshot does not list: the table
                // is managed elsewhere, and only its policies are the schema's.
                if table_of(&mut schema, &p.schema, &p.table).is_none() {
                    schema
                        .tables
                        .push(Table::external(schema_of(&p.schema), &p.table));
                }
                let table = table!(&p.schema, &p.table);
                table.policies.push(policy);
                table.rls_enabled = !table.external;
            }
        }
    }
    if let Some(table) = missing {
        return Err(SnapshotError::Invalid(format!(
            "an entity names table {table}, which the snapshot does not list"
        )));
    }
    schema.sort();
    Ok(schema)
}

fn column(dialect: Dialect, c: &ColumnEntity) -> Column {
    let ty = match &c.type_schema {
        Some(s) => ColumnType::Enum(QualifiedName::new(
            if s.is_empty() { "public" } else { s },
            &c.ty,
        )),
        None => ColumnType::Sql(normalize_type(&c.ty)),
    };
    let mut column = Column::new(&c.name, ty);
    column.dims = c.dimensions;
    column.not_null = c.not_null;
    column.default = c.default.as_ref().filter(|d| !d.is_null()).map(json_text);
    identity_and_generated(&mut column, &c.table, &c.identity, &c.generated);
    column.autoincrement = dialect == Dialect::Sqlite && c.autoincrement == Some(true);
    column
}

fn index(dialect: Dialect, i: &IndexEntity) -> Index {
    let keys = i
        .columns
        .iter()
        .map(|k| {
            let opclass = k
                .opclass
                .as_ref()
                .filter(|o| !o.default)
                .map(|o| o.name.clone());
            if k.is_expression && k.asc && !k.nulls_first && opclass.is_none() {
                return IndexKey::from_sql(&k.value);
            }
            let desc = !k.asc;
            let nulls = match (dialect, desc, k.nulls_first) {
                (Dialect::Sqlite, _, _) => None,
                (_, _, true) => Some(Nulls::First),
                (_, true, false) => Some(Nulls::Last),
                (_, false, false) => None,
            };
            IndexKey {
                key: k.value.clone(),
                expression: k.is_expression,
                desc,
                nulls,
                opclass,
            }
        })
        .collect();
    let mut with: Vec<(String, String)> = i
        .with
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    with.sort();
    Index {
        name: i.name.clone(),
        unique: i.is_unique,
        keys,
        method: i.method.clone().filter(|m| m != "btree"),
        predicate: i.predicate.clone(),
        with,
        concurrently: i.concurrently,
    }
}

fn policy(p: &PolicyEntity) -> Policy {
    policy_of(
        &p.name,
        p.kind.as_deref(),
        p.command.as_deref(),
        &p.roles,
        p.using.clone(),
        p.with_check.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::DdlHistory;

    const BASE: &str = r#"{"version":"9","dialect":"postgres","type":"base","ddl":[
        {"schema":"public","name":"a","isRlsEnabled":false,"entityType":"tables"},
        {"schema":"public","name":"c","isRlsEnabled":false,"entityType":"tables"},
        {"schema":"public","table":"a","name":"id","type":"integer","typeSchema":null,"notNull":true,"dimensions":0,"default":null,"generated":null,"identity":null,"entityType":"columns"},
        {"schema":"public","table":"a","name":"code","type":"text","typeSchema":null,"notNull":false,"dimensions":0,"default":null,"generated":null,"identity":null,"entityType":"columns"},
        {"schema":"public","table":"c","name":"a_code","type":"text","typeSchema":null,"notNull":false,"dimensions":0,"default":null,"generated":null,"identity":null,"entityType":"columns"},
        {"schema":"public","table":"a","name":"a_pkey","columns":["id"],"nameExplicit":false,"entityType":"pks"},
        {"schema":"public","table":"a","name":"a_code_key","columns":["code"],"nameExplicit":false,"nullsNotDistinct":false,"entityType":"uniques"},
        {"schema":"public","table":"a","name":"a_code_idx","nameExplicit":true,"columns":[{"value":"code","isExpression":false,"asc":true,"nullsFirst":false,"opclass":null}],"isUnique":false,"where":null,"with":"","method":"btree","concurrently":false,"entityType":"indexes"},
        {"schema":"public","table":"c","name":"c_a_code_a_code_fkey","nameExplicit":false,"columns":["a_code"],"schemaTo":"public","tableTo":"a","columnsTo":["code"],"onUpdate":"NO ACTION","onDelete":"NO ACTION","entityType":"fks"}
    ]}"#;

    #[test]
    fn diffs_apply_in_order_and_renames_carry_over() {
        let mut history = DdlHistory::default();
        let first = history.next(BASE).expect("base");
        assert_eq!(first.tables.len(), 2);
        let renamed = history
            .next(
                r#"{"version":"9","dialect":"postgres","type":"diff","deltas":[
                    {"op":"rename","key":"tables\u0000[\"public\",\"a\"]","set":{"name":"b"}},
                    {"op":"rename","key":"columns\u0000[\"public\",\"b\",\"code\"]","set":{"name":"ref"}},
                    {"op":"alter","key":"columns\u0000[\"public\",\"b\",\"ref\"]","set":{"notNull":true}},
                    {"op":"drop","key":"indexes\u0000[\"public\",\"a_code_idx\"]"},
                    {"op":"create","row":{"schema":"public","table":"b","name":"note","type":"text","typeSchema":null,"notNull":false,"dimensions":0,"default":null,"generated":null,"identity":null,"entityType":"columns"}}
                ]}"#,
            )
            .expect("diff");
        let b = renamed
            .tables
            .iter()
            .find(|t| t.name == "b")
            .expect("table b");
        let columns: Vec<&str> = b.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(columns, ["id", "ref", "note"]);
        assert!(b.columns[1].not_null);
        assert_eq!(b.uniques[0].columns, ["ref"]);
        assert!(b.indexes.is_empty());
        let c = renamed
            .tables
            .iter()
            .find(|t| t.name == "c")
            .expect("table c");
        assert_eq!(c.foreign_keys[0].references.name, "b");
        assert_eq!(c.foreign_keys[0].referenced_columns, ["ref"]);
    }

    #[test]
    fn a_delta_for_what_is_not_there_is_refused() {
        let mut history = DdlHistory::default();
        assert!(
            history
                .next(r#"{"dialect":"postgres","type":"diff","deltas":[]}"#)
                .is_err(),
            "a diff with nothing before it"
        );
        history.next(BASE).expect("base");
        let err = history
            .next(r#"{"dialect":"postgres","type":"diff","deltas":[{"op":"drop","key":"tables\u0000[\"public\",\"zzz\"]"}]}"#)
            .expect_err("unknown table");
        assert!(err.to_string().contains("zzz"), "{err}");
    }
}
