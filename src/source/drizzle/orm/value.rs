//! drizzle-orm's values as the reader builds them: the entry points and
//! their exports, `sql` fragments, entities (tables, enums, schemas, views,
//! policies...) and the builders of columns, keys and indexes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::schema::{Dialect, FkAction, Nulls, PolicyCommand, SequenceOptions};

pub use super::{Native, Object, Value};
pub use crate::source::drizzle::js::{ModuleId, Site};

/// A drizzle-orm entry point whose exports the reader implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    /// `drizzle-orm/pg-core`.
    PgCore,
    /// `drizzle-orm/sqlite-core`.
    SqliteCore,
    /// `drizzle-orm/mysql-core`.
    MysqlCore,
    /// `drizzle-orm`.
    Orm,
    /// `drizzle-kit` (in `drizzle.config.ts`: `defineConfig`).
    Kit,
}

impl Package {
    /// The entry point for an import specifier.
    /// Sub-paths are their entry point's (`drizzle-orm/sql/expressions` is
    /// `drizzle-orm`, `drizzle-orm/pg-core/columns` is `drizzle-orm/pg-core`).
    pub fn from_specifier(specifier: &str) -> Option<Package> {
        let under = |root: &str| {
            specifier == root
                || specifier
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if under("drizzle-orm/pg-core") {
            Some(Package::PgCore)
        } else if under("drizzle-orm/sqlite-core") {
            Some(Package::SqliteCore)
        } else if under("drizzle-orm/mysql-core") {
            Some(Package::MysqlCore)
        } else if specifier == "drizzle-orm"
            || under("drizzle-orm/sql")
            || specifier == "drizzle-orm/expressions"
        {
            Some(Package::Orm)
        } else if specifier == "drizzle-kit" {
            Some(Package::Kit)
        } else {
            None
        }
    }
}

/// An SQL fragment built with `sql\`...\``.
#[derive(Debug, Clone, Default)]
pub struct SqlFragment<'a> {
    /// Its parts in order.
    pub chunks: Vec<SqlChunk<'a>>,
    /// The name given with `.as("name")`, used when it is a selected field.
    pub alias: Option<Rc<str>>,
}

/// One part of an SQL fragment.
#[derive(Debug, Clone)]
pub enum SqlChunk<'a> {
    /// SQL text, written as is.
    Text(Rc<str>),
    /// A column, written as its quoted name (qualified where the context qualifies).
    Column(ColumnRef<'a>),
    /// A column written as its bare quoted name in every context.
    BareColumn(ColumnRef<'a>),
    /// A view, written as its quoted (schema-qualified) name.
    View(Rc<RefCell<ViewEntity<'a>>>),
    /// A table, written as its quoted name.
    Table(Rc<TableEntity<'a>>),
    /// A quoted identifier (`sql.identifier`).
    Identifier(Rc<str>),
    /// A nested fragment.
    Sql(Rc<SqlFragment<'a>>),
    /// A JavaScript value, written as an SQL literal.
    Param(Value<'a>, Site),
}

/// A Drizzle entity or builder.
#[derive(Debug, Clone)]
pub enum Drizzle<'a> {
    /// The exports of a drizzle-orm entry point (`import * as p from 'drizzle-orm/pg-core'`).
    Package(Package),
    /// An export of a drizzle-orm entry point (`pgTable`, `sql`, `sql.raw`...).
    Export {
        /// The entry point.
        package: Package,
        /// The export's name (`sql.raw` for a method of `sql`).
        name: Rc<str>,
    },
    /// The table function made by `pgTableCreator(fn)`/`sqliteTableCreator(fn)`.
    TableCreator {
        /// The dialect of its tables.
        dialect: Dialect,
        /// The function that maps names.
        rename: Rc<Value<'a>>,
    },
    /// The column function made by `customType({ dataType() {...} })`.
    CustomType {
        /// The dialect of its columns.
        dialect: Dialect,
        /// The object passed to `customType`.
        params: Rc<Value<'a>>,
    },
    /// An SQL fragment (`sql\`...\``).
    Sql(Rc<SqlFragment<'a>>),
    /// A column builder (`varchar('id').notNull()`).
    Column(Rc<RefCell<ColumnBuilder<'a>>>),
    /// A table.
    Table(Rc<TableEntity<'a>>),
    /// A column of a table (`users.id`, `t.email`).
    ColumnRef(ColumnRef<'a>),
    /// A column with index options (`t.title.desc()`).
    IndexColumn(Rc<IndexColumn<'a>>),
    /// An enum type (`pgEnum(...)`); calling it makes a column.
    Enum(Rc<EnumEntity>),
    /// A namespace (`pgSchema('app')`).
    Schema(Rc<SchemaEntity>),
    /// A sequence (`pgSequence(...)`).
    Sequence(Rc<SequenceEntity>),
    /// An index, key or check builder of a table's third argument.
    Constraint(Rc<RefCell<Constraint<'a>>>),
    /// A role (`pgRole(...)`).
    Role(Rc<RoleEntity>),
    /// A row-level security policy (`pgPolicy(...)`).
    Policy(Rc<PolicyEntity<'a>>),
    /// A view or materialized view, while it is built and once it is.
    View(Rc<RefCell<ViewEntity<'a>>>),
    /// The query builder a view's `.as((qb) => ...)` callback receives.
    QueryBuilder,
    /// A select query being built (`qb.select(...).from(...)`).
    Select(Rc<RefCell<SelectQuery<'a>>>),
    /// A drizzle value that has no DDL (`relations(...)`).
    NoDdl(&'static str),
}

impl Drizzle<'_> {
    /// What it is, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Drizzle::Package(_) => "a module namespace",
            Drizzle::Export { .. } | Drizzle::TableCreator { .. } | Drizzle::CustomType { .. } => {
                "a function"
            }
            Drizzle::Sql(_) => "an `sql` fragment",
            Drizzle::Column(_) => "a column builder",
            Drizzle::Table(_) => "a table",
            Drizzle::ColumnRef(_) => "a column",
            Drizzle::IndexColumn(_) => "an index column",
            Drizzle::Enum(_) => "an enum",
            Drizzle::Schema(_) => "a schema",
            Drizzle::Sequence(_) => "a sequence",
            Drizzle::Role(_) => "a role",
            Drizzle::Policy(_) => "a policy",
            Drizzle::View(_) => "a view",
            Drizzle::Constraint(c) => match &*c.borrow() {
                Constraint::Index(_) => "an index",
                Constraint::PrimaryKey(_) => "a primary key",
                Constraint::Unique(_) => "a unique constraint",
                Constraint::ForeignKey(_) => "a foreign key",
                Constraint::Check(_) => "a check constraint",
            },
            Drizzle::QueryBuilder => "a query builder",
            Drizzle::Select(_) => "a select query",
            Drizzle::NoDdl(what) => what,
        }
    }
}

/// True for a value that can be called: a function of the program, a
/// built-in, or one of drizzle-orm's functions (`integer`, an enum...).
pub fn callable(v: &Value<'_>) -> bool {
    use crate::source::drizzle::js::Host;
    match v {
        Value::Function(_) | Value::Native(_) => true,
        Value::Host(h) => h.type_of() == "function",
        _ => false,
    }
}

/// The SQL type of a column.
#[derive(Debug, Clone)]
pub enum ColumnSqlType {
    /// A built-in type written as SQL.
    Sql(String),
    /// A user-defined enum.
    Enum(Rc<EnumEntity>),
}

/// A column's default as declared.
#[derive(Debug, Clone)]
pub enum ColumnDefault<'a> {
    /// `.default(value)`: a JavaScript value or an `sql` fragment.
    Value(Value<'a>, Site),
    /// `.defaultNow()`, `.defaultRandom()`: fixed SQL.
    Sql(&'static str),
}

/// A column's `.unique()`.
#[derive(Debug, Clone)]
pub struct ColumnUnique {
    /// Explicit constraint name.
    pub name: Option<String>,
    /// `{ nulls: 'not distinct' }`.
    pub nulls_not_distinct: bool,
}

/// A column's `.references(() => other.col, actions)`.
#[derive(Debug, Clone)]
pub struct Reference<'a> {
    /// The function that returns the referenced column.
    pub target: Value<'a>,
    /// `onDelete`.
    pub on_delete: FkAction,
    /// `onUpdate`.
    pub on_update: FkAction,
    /// Where `.references(...)` was called.
    pub site: Site,
}

/// A column's `.generatedAlwaysAs...Identity(options)`.
#[derive(Debug, Clone)]
pub struct IdentitySpec {
    /// `ALWAYS` or `BY DEFAULT`.
    pub always: bool,
    /// The sequence name, when given.
    pub sequence_name: Option<String>,
    /// The options given.
    pub options: SequenceOptions,
}

/// A column builder's configuration.
#[derive(Debug, Clone)]
pub struct ColumnBuilder<'a> {
    /// Its dialect.
    pub dialect: Dialect,
    /// The builder function (`varchar`), for messages.
    pub builder: Rc<str>,
    /// The explicit column name, if given.
    pub name: Option<String>,
    /// The type.
    pub sql_type: ColumnSqlType,
    /// Array dimensions.
    pub dims: u8,
    /// `.notNull()`, `serial`, identity.
    pub not_null: bool,
    /// `.primaryKey()`.
    pub primary_key: bool,
    /// SQLite `.primaryKey({ autoIncrement: true })`, MySQL `.autoincrement()` and `serial`.
    pub autoincrement: bool,
    /// MySQL `.onUpdateNow()`: `ON UPDATE CURRENT_TIMESTAMP`.
    pub on_update_now: bool,
    /// `.unique(...)`.
    pub unique: Option<ColumnUnique>,
    /// `.default(...)` and friends.
    pub default: Option<ColumnDefault<'a>>,
    /// Identity settings.
    pub identity: Option<IdentitySpec>,
    /// `.generatedAlwaysAs(...)`: the value and where it was given.
    pub generated: Option<(Value<'a>, Site)>,
    /// The generated column is VIRTUAL (SQLite's default).
    pub generated_virtual: bool,
    /// `.references(...)`.
    pub references: Vec<Reference<'a>>,
    /// A SQLite `integer` in `timestamp` or `timestamp_ms` mode (it has `.defaultNow()`).
    pub timestamp_mode: bool,
    /// Where the builder was created.
    pub site: Site,
}

impl<'a> ColumnBuilder<'a> {
    /// A fresh builder of a type: no modifiers yet.
    pub fn new(
        dialect: Dialect,
        builder: Rc<str>,
        name: Option<String>,
        sql_type: ColumnSqlType,
        dims: u8,
        site: Site,
    ) -> Self {
        ColumnBuilder {
            dialect,
            builder,
            name,
            sql_type,
            dims,
            not_null: false,
            primary_key: false,
            autoincrement: false,
            on_update_now: false,
            unique: None,
            default: None,
            identity: None,
            generated: None,
            generated_virtual: false,
            references: Vec::new(),
            timestamp_mode: false,
            site,
        }
    }
}

/// A table.
#[derive(Debug)]
pub struct TableEntity<'a> {
    /// Its dialect.
    pub dialect: Dialect,
    /// The namespace it was created in (`pgSchema(...).table`).
    pub schema: Option<Rc<SchemaEntity>>,
    /// Table name.
    pub name: String,
    /// Columns by their key in the columns object, in order.
    pub columns: Vec<(Rc<str>, Rc<RefCell<ColumnBuilder<'a>>>)>,
    /// The third argument (usually `(t) => [...]`), evaluated when the model is built.
    pub extra: Option<(Value<'a>, Site)>,
    /// True when a column could not be evaluated (already reported): lookups
    /// of missing columns are then not reported again.
    pub incomplete: bool,
    /// `.enableRLS()`.
    pub rls: Cell<bool>,
    /// How its unnamed columns are named when it was made with drizzle-orm
    /// 1.x's `snakeCase.table`/`camelCase.table` (or such a schema's `.table`);
    /// `None` follows the configured casing.
    pub casing: Option<crate::source::drizzle::Casing>,
    /// Where the table was created.
    pub site: Site,
}

impl<'a> TableEntity<'a> {
    /// The column builder for a key.
    pub fn column(&self, key: &str) -> Option<&Rc<RefCell<ColumnBuilder<'a>>>> {
        self.columns
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, c)| c)
    }
}

/// A column of a table.
#[derive(Debug, Clone)]
pub struct ColumnRef<'a> {
    /// The table.
    pub table: Rc<TableEntity<'a>>,
    /// The column's key in the table's columns object.
    pub key: Rc<str>,
}

/// An index key on a column with its options.
#[derive(Debug, Clone)]
pub struct IndexColumn<'a> {
    /// The column.
    pub column: ColumnRef<'a>,
    /// `.desc()`.
    pub desc: bool,
    /// `.nullsFirst()` / `.nullsLast()`.
    pub nulls: Option<Nulls>,
    /// `.op('...')`.
    pub opclass: Option<String>,
}

/// An enum type.
#[derive(Debug)]
pub struct EnumEntity {
    /// The namespace, when created with `schema.enum(...)`.
    pub schema: Option<Rc<SchemaEntity>>,
    /// Type name.
    pub name: String,
    /// Labels in order.
    pub values: Vec<String>,
    /// Where it was created.
    pub site: Site,
}

/// A namespace (`pgSchema('app')`).
#[derive(Debug)]
pub struct SchemaEntity {
    /// The dialect of its builder (`pgSchema`, `mysqlSchema`).
    pub dialect: Dialect,
    /// Its name.
    pub name: String,
    /// The casing of its tables' unnamed columns (`snakeCase.schema(...)`).
    pub casing: Option<crate::source::drizzle::Casing>,
    /// Where it was created.
    pub site: Site,
}

/// A standalone sequence.
#[derive(Debug)]
pub struct SequenceEntity {
    /// The namespace, when created with `schema.sequence(...)`.
    pub schema: Option<Rc<SchemaEntity>>,
    /// Sequence name.
    pub name: String,
    /// Options given.
    pub options: SequenceOptions,
    /// Where it was created.
    pub site: Site,
}

/// A role.
#[derive(Debug)]
pub struct RoleEntity {
    /// Role name.
    pub name: String,
    /// `createDb`.
    pub create_db: bool,
    /// `createRole`.
    pub create_role: bool,
    /// `inherit` (true unless given as false).
    pub inherit: bool,
    /// `.existing()`: managed elsewhere, no DDL.
    pub existing: Cell<bool>,
    /// Where it was created.
    pub site: Site,
}

/// A row-level security policy.
#[derive(Debug)]
pub struct PolicyEntity<'a> {
    /// Policy name.
    pub name: String,
    /// `as: 'restrictive'`.
    pub restrictive: bool,
    /// `for`.
    pub command: PolicyCommand,
    /// `to`: role names, sorted; empty for `public`.
    pub to: Vec<String>,
    /// The `pgRole(...)` values among `to` (they must be exported or `.existing()`).
    pub roles: Vec<Rc<RoleEntity>>,
    /// `using`.
    pub using: Option<Rc<SqlFragment<'a>>>,
    /// `withCheck`.
    pub with_check: Option<Rc<SqlFragment<'a>>>,
    /// The table of `.link(table)`.
    pub linked: RefCell<Option<Rc<TableEntity<'a>>>>,
    /// Where it was created.
    pub site: Site,
}

/// The body of a view.
#[derive(Debug, Clone)]
pub enum ViewBody<'a> {
    /// Not given yet (`.as(...)` not called).
    Missing,
    /// `.as(sql\`...\`)`, or the SQL of a query builder body.
    Sql(Rc<SqlFragment<'a>>),
    /// `.existing()`: managed elsewhere, no DDL.
    Existing,
}

/// A select query of drizzle-orm's query builder, as far as view bodies use it.
#[derive(Debug, Clone)]
pub struct SelectQuery<'a> {
    /// `selectDistinct()` (empty) or `selectDistinctOn([...])` (the expressions).
    pub distinct: Option<Vec<SqlChunk<'a>>>,
    /// The fields object given to `select(...)`; `None` selects every column.
    pub fields: Option<(Value<'a>, Site)>,
    /// `.from(source)`: a table, view or fragment, with the table when it is one.
    pub from: Option<(SqlChunk<'a>, Option<Rc<TableEntity<'a>>>)>,
    /// The joins in order.
    pub joins: Vec<SelectJoin<'a>>,
    /// `.where(condition)`.
    pub filter: Option<SqlChunk<'a>>,
    /// `.groupBy(...)`.
    pub group_by: Vec<SqlChunk<'a>>,
    /// `.having(condition)`.
    pub having: Option<SqlChunk<'a>>,
    /// `.orderBy(...)`.
    pub order_by: Vec<SqlChunk<'a>>,
    /// `.limit(n)`.
    pub limit: Option<SqlChunk<'a>>,
    /// `.offset(n)`.
    pub offset: Option<SqlChunk<'a>>,
    /// Where the query was started.
    pub site: Site,
}

/// One join of a select query.
#[derive(Debug, Clone)]
pub struct SelectJoin<'a> {
    /// `left`, `right`, `inner`, `full` or `cross`.
    pub kind: &'static str,
    /// The joined table, view or fragment.
    pub source: SqlChunk<'a>,
    /// The joined table, when it is one (its columns are selected by `select()`).
    pub table: Option<Rc<TableEntity<'a>>>,
    /// The join condition.
    pub on: Option<SqlChunk<'a>>,
}

/// A view or materialized view.
#[derive(Debug, Clone)]
pub struct ViewEntity<'a> {
    /// Its dialect.
    pub dialect: Dialect,
    /// The namespace, when created with `schema.view(...)`.
    pub schema: Option<Rc<SchemaEntity>>,
    /// View name.
    pub name: String,
    /// `pgMaterializedView`.
    pub materialized: bool,
    /// `.with({...})` options with SQL names, sorted.
    pub with: Vec<(String, String)>,
    /// `.using(method)`.
    pub using: Option<String>,
    /// `.tablespace(name)`.
    pub tablespace: Option<String>,
    /// `.withNoData()`.
    pub with_no_data: bool,
    /// The body.
    pub body: ViewBody<'a>,
    /// Where it was created.
    pub site: Site,
}

/// One key of an index as declared.
#[derive(Debug, Clone)]
pub enum IndexKeySource<'a> {
    /// A column with options.
    Column(IndexColumn<'a>),
    /// An expression.
    Sql(Rc<SqlFragment<'a>>),
}

/// `index(...)` / `uniqueIndex(...)`.
#[derive(Debug, Clone)]
pub struct IndexBuilder<'a> {
    /// Explicit name.
    pub name: Option<String>,
    /// `uniqueIndex`.
    pub unique: bool,
    /// Keys from `.on(...)` or `.using(method, ...)`.
    pub keys: Vec<IndexKeySource<'a>>,
    /// `.using(method, ...)`.
    pub method: Option<String>,
    /// `.where(sql)`.
    pub predicate: Option<Rc<SqlFragment<'a>>>,
    /// `.concurrently()`.
    pub concurrently: bool,
    /// `.with({...})`.
    pub with: Vec<(String, String)>,
    /// Where it was created.
    pub site: Site,
}

/// `primaryKey({ columns, name })`.
#[derive(Debug, Clone)]
pub struct PrimaryKeyBuilder<'a> {
    /// Explicit name.
    pub name: Option<String>,
    /// Key columns.
    pub columns: Vec<ColumnRef<'a>>,
    /// Where it was created.
    pub site: Site,
}

/// `unique(name?).on(...)`.
#[derive(Debug, Clone)]
pub struct UniqueBuilder<'a> {
    /// Explicit name.
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<ColumnRef<'a>>,
    /// `.nullsNotDistinct()`.
    pub nulls_not_distinct: bool,
    /// Where it was created.
    pub site: Site,
}

/// `foreignKey({ columns, foreignColumns, name })`.
#[derive(Debug, Clone)]
pub struct ForeignKeyBuilder<'a> {
    /// Explicit name.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<ColumnRef<'a>>,
    /// Referenced columns.
    pub foreign_columns: Vec<ColumnRef<'a>>,
    /// `.onDelete(...)`.
    pub on_delete: FkAction,
    /// `.onUpdate(...)`.
    pub on_update: FkAction,
    /// Where it was created.
    pub site: Site,
}

/// `check(name, sql)`.
#[derive(Debug, Clone)]
pub struct CheckBuilder<'a> {
    /// Constraint name.
    pub name: String,
    /// The condition.
    pub condition: Rc<SqlFragment<'a>>,
}

/// A builder of a table's third argument.
#[derive(Debug, Clone)]
pub enum Constraint<'a> {
    /// `index()` / `uniqueIndex()`.
    Index(IndexBuilder<'a>),
    /// `primaryKey()`.
    PrimaryKey(PrimaryKeyBuilder<'a>),
    /// `unique()`.
    Unique(UniqueBuilder<'a>),
    /// `foreignKey()`.
    ForeignKey(ForeignKeyBuilder<'a>),
    /// `check()`.
    Check(CheckBuilder<'a>),
}

impl<'a> Constraint<'a> {
    /// A shared, mutable builder value.
    pub fn value(self) -> Value<'a> {
        Value::Host(Drizzle::Constraint(Rc::new(RefCell::new(self))))
    }
}
