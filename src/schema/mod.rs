//! The schema model: a plain description of a database schema with no I/O.
//!
//! Declared schemas are read into it, live databases are inspected into it,
//! and every migration's `meta.json` carries a snapshot of it. Two models are
//! compared by [`crate::diff`] after both are brought into canonical form
//! ([`canonical`]), so that the same database described by drizzle source, a
//! snapshot or the catalog compares equal.

pub mod canonical;
pub mod names;

use serde::{Deserialize, Serialize};

/// The database family a schema is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL (pg-core schemas).
    Postgres,
    /// SQLite (sqlite-core schemas).
    Sqlite,
    /// MySQL and MariaDB (mysql-core schemas).
    Mysql,
}

impl Dialect {
    /// The schema (namespace) a table lives in when none is given.
    pub fn default_schema(self) -> &'static str {
        match self {
            Dialect::Postgres => "public",
            Dialect::Sqlite => "main",
            // A MySQL schema is a database: tables of the connected one are unqualified.
            Dialect::Mysql => "",
        }
    }

    /// The name users know the dialect by.
    pub fn label(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Sqlite => "SQLite",
            Dialect::Mysql => "MySQL",
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A whole database schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Which database family this schema targets.
    pub dialect: Dialect,
    /// Namespaces other than the default one (`CREATE SCHEMA`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Enum types (PostgreSQL), sorted by schema and name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<Enum>,
    /// Standalone sequences (PostgreSQL), sorted by schema and name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
    /// Tables, sorted by schema and name.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Views and materialized views, sorted by schema and name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
    /// Roles the schema manages (PostgreSQL `pgRole`), sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
}

impl Schema {
    /// An empty schema for a dialect.
    pub fn empty(dialect: Dialect) -> Schema {
        Schema {
            dialect,
            schemas: Vec::new(),
            enums: Vec::new(),
            sequences: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            roles: Vec::new(),
        }
    }

    /// Sorts every list so that equal schemas serialise identically.
    pub fn sort(&mut self) {
        self.schemas.sort();
        self.schemas.dedup();
        self.enums
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.sequences
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        for t in &mut self.tables {
            t.sort();
        }
        self.views
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The view with this schema and name.
    pub fn view(&self, schema: &str, name: &str) -> Option<&View> {
        find_named(&self.views, schema, name, |v| {
            (v.schema.as_str(), v.name.as_str())
        })
    }

    /// The table with this schema and name.
    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        find_named(&self.tables, schema, name, |t| {
            (t.schema.as_str(), t.name.as_str())
        })
    }

    /// The standalone sequence with this schema and name.
    pub fn sequence(&self, schema: &str, name: &str) -> Option<&Sequence> {
        find_named(&self.sequences, schema, name, |s| {
            (s.schema.as_str(), s.name.as_str())
        })
    }

    /// The role with this name.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// The enum with this schema and name.
    pub fn enum_type(&self, schema: &str, name: &str) -> Option<&Enum> {
        find_named(&self.enums, schema, name, |e| {
            (e.schema.as_str(), e.name.as_str())
        })
    }

    /// True when the schema declares nothing.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
            && self.enums.is_empty()
            && self.sequences.is_empty()
            && self.tables.is_empty()
            && self.views.is_empty()
            && self.roles.is_empty()
    }
}

/// The item named `schema.name` in a list kept sorted by [`Schema::sort`]:
/// a binary search, then a scan in case the list was built unsorted.
fn find_named<'a, T>(
    items: &'a [T],
    schema: &str,
    name: &str,
    key: impl Fn(&T) -> (&str, &str),
) -> Option<&'a T> {
    match items.binary_search_by(|item| key(item).cmp(&(schema, name))) {
        Ok(i) => items.get(i),
        Err(_) => items.iter().find(|item| key(item) == (schema, name)),
    }
}

/// A schema-qualified name of a table, enum or sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QualifiedName {
    /// The namespace (`public` by default in PostgreSQL, `main` in SQLite).
    pub schema: String,
    /// The object's own name.
    pub name: String,
}

impl QualifiedName {
    /// A name in a schema.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> QualifiedName {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.schema.is_empty() || self.schema == "public" || self.schema == "main" {
            f.write_str(&self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// A user-defined enum type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enum {
    /// Namespace of the type.
    pub schema: String,
    /// Type name.
    pub name: String,
    /// The labels in declaration order.
    pub values: Vec<String>,
}

impl Enum {
    /// The enum's schema-qualified name.
    pub fn qualified(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }
}

/// Options shared by sequences and identity columns. `None` means the database default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `INCREMENT BY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    /// `MINVALUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    /// `MAXVALUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    /// `START WITH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    /// `CACHE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    /// `CYCLE`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cycle: bool,
}

/// A standalone sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    /// Namespace of the sequence.
    pub schema: String,
    /// Sequence name.
    pub name: String,
    /// Its options.
    #[serde(default)]
    pub options: SequenceOptions,
}

impl Sequence {
    /// The sequence's schema-qualified name.
    pub fn qualified(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }
}

/// A table with its columns, constraints and indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Namespace of the table.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<Unique>,
    /// Foreign keys, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Indexes, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Row-level security enabled (PostgreSQL; implied by having policies).
    #[serde(default, skip_serializing_if = "is_false")]
    pub rls_enabled: bool,
    /// Row-level security policies, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// A table managed elsewhere (Supabase's `realtime.messages`) that the
    /// schema only attaches policies to: it is never created, altered or
    /// dropped, and only its policies are compared.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
}

impl Table {
    /// An empty table.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Table {
        Table {
            schema: schema.into(),
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            rls_enabled: false,
            policies: Vec::new(),
            external: false,
        }
    }

    /// A table managed elsewhere, holding no more than the policies the schema
    /// attaches to it (see [`Table::external`]).
    pub fn external(schema: impl Into<String>, name: impl Into<String>) -> Table {
        Table {
            external: true,
            ..Table::new(schema, name)
        }
    }

    /// The part of a live table the schema manages when it declares the
    /// table external: its policies.
    pub fn external_part(&self) -> Table {
        Table {
            policies: self.policies.clone(),
            ..Table::external(&self.schema, &self.name)
        }
    }

    /// The table's schema-qualified name.
    pub fn qualified(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Sorts constraint and index lists by name (columns keep their order).
    pub fn sort(&mut self) {
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.policies.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// True when `column` is the table's whole primary key.
    pub fn is_single_primary_key(&self, column: &str) -> bool {
        self.primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == column)
    }
}

/// The type of a column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// A built-in or extension type written as SQL, e.g. `varchar(36)` or
    /// `timestamp with time zone`, without array brackets.
    Sql(String),
    /// A user-defined enum type.
    Enum(QualifiedName),
}

impl ColumnType {
    /// A built-in type.
    pub fn sql(text: impl Into<String>) -> ColumnType {
        ColumnType::Sql(text.into())
    }
}

/// An identity column's settings (`GENERATED ... AS IDENTITY`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `ALWAYS` (true) or `BY DEFAULT` (false).
    pub always: bool,
    /// The backing sequence's name, when not the default `<table>_<column>_seq`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_name: Option<String>,
    /// Sequence options.
    #[serde(default)]
    pub options: SequenceOptions,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Element type (without array dimensions).
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Array dimensions: 0 for a scalar, 1 for `text[]`, 2 for `integer[][]`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dims: u8,
    /// `NOT NULL`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_null: bool,
    /// The default as an SQL expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Identity settings (PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The expression of a generated column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// True when the generated column is VIRTUAL (SQLite) rather than STORED.
    #[serde(default, skip_serializing_if = "is_false")]
    pub generated_virtual: bool,
    /// `AUTOINCREMENT` on an integer primary key (SQLite), `AUTO_INCREMENT` (MySQL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub autoincrement: bool,
    /// `ON UPDATE CURRENT_TIMESTAMP` (MySQL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub on_update: bool,
}

impl Column {
    /// A nullable column of a type, without default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            dims: 0,
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            generated_virtual: false,
            autoincrement: false,
            on_update: false,
        }
    }
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// Constraint name; `None` lets the database choose (`<table>_pkey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Key columns in order.
    pub columns: Vec<String>,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    /// Constraint name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
}

/// What a foreign key does when the referenced row changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// `NO ACTION` (the default).
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl FkAction {
    /// The SQL words, lower case as drizzle-kit writes them.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "no action",
            FkAction::Restrict => "restrict",
            FkAction::Cascade => "cascade",
            FkAction::SetNull => "set null",
            FkAction::SetDefault => "set default",
        }
    }

    /// Parses `cascade`, `set null`, `SET NULL`, `no action`...
    pub fn parse(text: &str) -> Option<FkAction> {
        match text.trim().to_ascii_lowercase().as_str() {
            "no action" => Some(FkAction::NoAction),
            "restrict" => Some(FkAction::Restrict),
            "cascade" => Some(FkAction::Cascade),
            "set null" => Some(FkAction::SetNull),
            "set default" => Some(FkAction::SetDefault),
            _ => None,
        }
    }

    fn is_default(&self) -> bool {
        *self == FkAction::NoAction
    }
}

impl Unique {
    /// The unique index that stands for this constraint where the database has
    /// no unique constraints of its own (SQLite).
    pub fn as_index(&self) -> Index {
        Index {
            name: self.name.clone(),
            unique: true,
            keys: self.columns.iter().map(IndexKey::column).collect(),
            method: None,
            predicate: None,
            with: Vec::new(),
            concurrently: false,
        }
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub references: QualifiedName,
    /// Referenced columns.
    pub referenced_columns: Vec<String>,
    /// `ON DELETE`.
    #[serde(default, skip_serializing_if = "FkAction::is_default")]
    pub on_delete: FkAction,
    /// `ON UPDATE`.
    #[serde(default, skip_serializing_if = "FkAction::is_default")]
    pub on_update: FkAction,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Constraint name.
    pub name: String,
    /// The boolean SQL expression.
    pub expression: String,
}

/// Where NULLs sort in an index column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Nulls {
    /// `NULLS FIRST`.
    First,
    /// `NULLS LAST`.
    Last,
}

/// One key of an index: a column or an expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexKey {
    /// A column name, or an SQL expression when `expression` is true.
    pub key: String,
    /// True when `key` is an expression rather than a column name.
    #[serde(default, skip_serializing_if = "is_false")]
    pub expression: bool,
    /// `DESC`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub desc: bool,
    /// Explicit NULLS ordering; `None` is the default for the direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<Nulls>,
    /// Operator class, e.g. `text_pattern_ops`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
}

impl IndexKey {
    /// An index key written as SQL. drizzle-kit writes the text as is, so an
    /// operator class or ordering may follow the expression
    /// (`"name" gin_trgm_ops`, `"at" DESC NULLS LAST`, `(expr) vector_cosine_ops`):
    /// those are split off into the key's options, a lone column becomes a column key.
    pub fn from_sql(text: &str) -> IndexKey {
        let whole = IndexKey {
            key: text.to_string(),
            expression: true,
            desc: false,
            nulls: None,
            opclass: None,
        };
        let trimmed = text.trim();
        // Where each trailing word that could be a modifier starts, last word first.
        let mut starts = Vec::new();
        let mut end = trimmed.len();
        while starts.len() < 4 {
            let head = trimmed[..end].trim_end();
            let Some(space) = head.rfind(char::is_whitespace) else {
                break;
            };
            let word = &head[space + 1..];
            let modifier = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !modifier {
                break;
            }
            starts.push(space + 1);
            end = space;
        }
        // The longest run of words that reads as modifiers after an operand wins.
        for &start in starts.iter().rev() {
            let expression = trimmed[..start].trim_end();
            let words: Vec<&str> = trimmed[start..].split_whitespace().collect();
            if !ends_as_operand(expression) {
                continue;
            }
            let Some((opclass, desc, nulls)) = modifiers(&words) else {
                continue;
            };
            let (key, is_expression) = match split_primary(expression) {
                Some((_, Some(column), rest)) if rest.trim().is_empty() => (column, false),
                Some((primary, None, rest)) if rest.trim().is_empty() => {
                    // `(expr)`: the parentheses are written again around the expression.
                    let inner = primary
                        .strip_prefix('(')
                        .and_then(|p| p.strip_suffix(')'))
                        .unwrap_or(primary);
                    (inner.trim().to_string(), true)
                }
                _ => (expression.to_string(), true),
            };
            return IndexKey {
                key,
                expression: is_expression,
                desc,
                nulls,
                opclass,
            };
        }
        whole
    }

    /// An ascending key on a column.
    pub fn column(name: impl Into<String>) -> IndexKey {
        IndexKey {
            key: name.into(),
            expression: false,
            desc: false,
            nulls: None,
            opclass: None,
        }
    }
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// `UNIQUE`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// Keys in order.
    pub keys: Vec<IndexKey>,
    /// Access method (`btree`, `gin`...); `None` is the default (btree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Partial index predicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Storage parameters (`WITH (fillfactor=70)`), sorted by key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<(String, String)>,
    /// Build with `CONCURRENTLY` (how to build, not what is built).
    #[serde(default, skip_serializing_if = "is_false")]
    pub concurrently: bool,
}

/// Which commands a policy applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyCommand {
    /// `FOR ALL` (the default).
    #[default]
    All,
    /// `FOR SELECT`.
    Select,
    /// `FOR INSERT`.
    Insert,
    /// `FOR UPDATE`.
    Update,
    /// `FOR DELETE`.
    Delete,
}

impl PolicyCommand {
    /// The SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }

    fn is_default(&self) -> bool {
        *self == PolicyCommand::All
    }
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Policy name (unique per table).
    pub name: String,
    /// `AS RESTRICTIVE` (true) or `AS PERMISSIVE` (false, the default).
    #[serde(default, skip_serializing_if = "is_false")]
    pub restrictive: bool,
    /// `FOR ...`.
    #[serde(default, skip_serializing_if = "PolicyCommand::is_default")]
    pub command: PolicyCommand,
    /// `TO ...` roles; `public` (unquoted) when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// `USING (...)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// `WITH CHECK (...)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
}

/// A view or materialized view defined by SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Namespace of the view.
    pub schema: String,
    /// View name.
    pub name: String,
    /// The `SELECT` that defines it.
    pub definition: String,
    /// `CREATE MATERIALIZED VIEW`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub materialized: bool,
    /// Options (`WITH (security_barrier = true)`, storage parameters), sorted by key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<(String, String)>,
    /// Access method of a materialized view (`USING heap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// Tablespace of a materialized view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablespace: Option<String>,
    /// `WITH NO DATA` for a materialized view.
    #[serde(default, skip_serializing_if = "is_false")]
    pub with_no_data: bool,
}

impl View {
    /// The view's schema-qualified name.
    pub fn qualified(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }
}

/// A database role the schema manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// `CREATEDB`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_db: bool,
    /// `CREATEROLE`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_role: bool,
    /// `INHERIT` (the default) or `NOINHERIT`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub inherit: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// SQL words after which an expression cannot end.
const CONTINUING_WORDS: [&str; 20] = [
    "and", "or", "not", "is", "like", "ilike", "in", "between", "collate", "distinct", "from",
    "as", "when", "then", "else", "case", "similar", "escape", "any", "all",
];

/// True when `expression` ends with an operand (not an operator or a keyword
/// that needs more after it).
fn ends_as_operand(expression: &str) -> bool {
    let Some(last) = expression.chars().last() else {
        return false;
    };
    if matches!(last, ')' | '"' | '\'' | ']') {
        return true;
    }
    if !(last.is_ascii_alphanumeric() || last == '_') {
        return false;
    }
    let word = expression
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    !CONTINUING_WORDS.contains(&word.to_ascii_lowercase().as_str())
}

/// `[opclass] [ASC|DESC] [NULLS FIRST|LAST]`, all of `words`; `None` otherwise.
fn modifiers(words: &[&str]) -> Option<(Option<String>, bool, Option<Nulls>)> {
    const RESERVED: [&str; 14] = [
        "asc", "desc", "nulls", "first", "last", "collate", "is", "not", "null", "and", "or",
        "true", "false", "in",
    ];
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut i = 0;
    let mut opclass = None;
    if let Some(w) = lower.first()
        && !RESERVED.contains(&w.as_str())
    {
        opclass = Some(words[0].to_string());
        i = 1;
    }
    let mut desc = false;
    match lower.get(i).map(String::as_str) {
        Some("asc") => i += 1,
        Some("desc") => {
            desc = true;
            i += 1;
        }
        _ => {}
    }
    let mut nulls = None;
    if lower.get(i).map(String::as_str) == Some("nulls") {
        nulls = match lower.get(i + 1).map(String::as_str) {
            Some("first") => Some(Nulls::First),
            Some("last") => Some(Nulls::Last),
            _ => return None,
        };
        i += 2;
    }
    (i == words.len() && i > 0).then_some((opclass, desc, nulls))
}

/// Splits `text` into its leading term (a quoted column, a function call or a
/// parenthesised expression) and what follows; the column name when the term
/// is a lone quoted column. `None` when the text does not start with such a term.
fn split_primary(text: &str) -> Option<(&str, Option<String>, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut column = None;
    match bytes.first()? {
        b'"' => {
            let mut name = String::new();
            i = 1;
            loop {
                match bytes.get(i)? {
                    b'"' if bytes.get(i + 1) == Some(&b'"') => {
                        name.push('"');
                        i += 2;
                    }
                    b'"' => {
                        i += 1;
                        break;
                    }
                    _ => {
                        let c = text[i..].chars().next()?;
                        name.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            column = Some(name);
        }
        b'(' => i = balanced(text, 0)?,
        c if c.is_ascii_alphabetic() || *c == b'_' => {
            while bytes
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
            {
                i += 1;
            }
            if bytes.get(i) != Some(&b'(') {
                return None;
            }
            i = balanced(text, i)?;
        }
        _ => return None,
    }
    let rest = &text[i..];
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some((&text[..i], column, rest))
}

/// The end (exclusive) of the parenthesised group opening at `open`, skipping
/// quoted text; `None` when it does not close.
fn balanced(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
            }
            b'(' => depth += 1,
            b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An operator class or ordering written inside an `sql` index key is
    /// split off; anything else stays one expression.
    #[test]
    fn index_keys_written_as_sql() {
        let key = |k: &str, e: bool, desc: bool, nulls: Option<Nulls>, op: Option<&str>| IndexKey {
            key: k.into(),
            expression: e,
            desc,
            nulls,
            opclass: op.map(str::to_string),
        };
        let cases = [
            (
                r#""name" gin_trgm_ops"#,
                key("name", false, false, None, Some("gin_trgm_ops")),
            ),
            (
                r#""at" DESC NULLS LAST"#,
                key("at", false, true, Some(Nulls::Last), None),
            ),
            (
                r#""at" asc nulls first"#,
                key("at", false, false, Some(Nulls::First), None),
            ),
            (
                r#"("emb"::vector(3)) vector_cosine_ops"#,
                key(
                    r#""emb"::vector(3)"#,
                    true,
                    false,
                    None,
                    Some("vector_cosine_ops"),
                ),
            ),
            (
                r#"lower("email") text_pattern_ops DESC"#,
                key(
                    r#"lower("email")"#,
                    true,
                    true,
                    None,
                    Some("text_pattern_ops"),
                ),
            ),
            (
                r#"lower("email")"#,
                key(r#"lower("email")"#, true, false, None, None),
            ),
            (
                r#""a" || "b""#,
                key(r#""a" || "b""#, true, false, None, None),
            ),
            (
                r#""a" COLLATE "C""#,
                key(r#""a" COLLATE "C""#, true, false, None, None),
            ),
            (
                r#"coalesce("a", ')') DESC"#,
                key(r#"coalesce("a", ')')"#, true, true, None, None),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(IndexKey::from_sql(text), expected, "{text}");
        }
    }
}
