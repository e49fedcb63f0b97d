//! From the exported values of the schema files to the model: column types,
//! defaults, keys, indexes and checks with drizzle-kit's names and SQL text,
//! views, roles and row-level security policies.

use std::collections::HashSet;
use std::rc::Rc;

use crate::schema::names::Naming;
use crate::schema::{
    Check, Column, ColumnType, Dialect, Enum, ForeignKey, Identity, Index, IndexKey, Nulls, Policy,
    PrimaryKey, QualifiedName, Role, Schema, Sequence, Table, Unique, View, names,
};

use super::core::{declared_name, quote_literal, sql_literal};
use super::value::{
    ColumnBuilder, ColumnDefault, ColumnRef, ColumnSqlType, Constraint, Drizzle, EnumEntity,
    IndexKeySource, ModuleId, PolicyEntity, RoleEntity, SchemaEntity, SequenceEntity, Site,
    SqlChunk, SqlFragment, TableEntity, Value, ViewBody, ViewEntity, callable,
};
use super::{Arg, Interp};
use crate::source::drizzle::Casing;
use crate::source::drizzle::js::Interrupt;
use crate::source::drizzle::js::builtins::{json_stringify, number_to_string};
use crate::source::drizzle::js::diagnostics::Problem;

/// How columns are written inside SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqlMode {
    /// `"col"`: defaults and index expressions.
    Bare,
    /// `"table"."col"`: checks, index predicates, generated columns.
    Qualified,
}

/// The entities the schema files export.
#[derive(Default)]
struct Exported<'a> {
    tables: Vec<Rc<TableEntity<'a>>>,
    enums: Vec<Rc<EnumEntity>>,
    schemas: Vec<Rc<SchemaEntity>>,
    sequences: Vec<Rc<SequenceEntity>>,
    roles: Vec<Rc<RoleEntity>>,
    policies: Vec<Rc<PolicyEntity<'a>>>,
    views: Vec<Rc<std::cell::RefCell<ViewEntity<'a>>>>,
}

impl Exported<'_> {
    fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.enums.is_empty()
            && self.schemas.is_empty()
            && self.sequences.is_empty()
            && self.roles.is_empty()
            && self.views.is_empty()
    }
}

fn push_unique<T>(list: &mut Vec<Rc<T>>, item: Rc<T>) {
    if !list.iter().any(|x| Rc::ptr_eq(x, &item)) {
        list.push(item);
    }
}

fn id<T>(rc: &Rc<T>) -> usize {
    Rc::as_ptr(rc) as *const () as usize
}

/// Builds the model from the entry modules' exports; `None` when a problem
/// was recorded (the caller reports them).
pub fn lower<'a>(
    interp: &mut Interp<'a>,
    entries: &[ModuleId],
    casing: Casing,
    naming: Naming,
    configured: Option<Dialect>,
    files: &str,
) -> Option<Schema> {
    let mut exported = collect(interp, entries).ok()?;
    if let Some(d) = configured
        && exported.tables.iter().any(|t| t.dialect == d)
    {
        // drizzle-kit takes the configured dialect's entities and ignores the others
        // (a folder with `postgres.ts` and `sqlite.ts` side by side). With none of
        // that dialect, the commands report the disagreement.
        exported.tables.retain(|t| t.dialect == d);
        exported.views.retain(|v| v.borrow().dialect == d);
        if d == Dialect::Sqlite {
            exported.enums.clear();
            exported.schemas.clear();
            exported.sequences.clear();
            exported.roles.clear();
            exported.policies.clear();
        }
    }
    if exported.is_empty() {
        if interp.problems.is_empty() {
            interp.problems.push(
                Problem::general(format!(
                    "no tables found in {files}: only exported tables count"
                ))
                .with_help(
                    "export each table, e.g. `export const users = pgTable('users', { ... })`",
                ),
            );
        }
        return None;
    }
    let dialect = dialect(interp, &exported)?;
    let mut lowerer = Lowerer {
        interp,
        casing,
        naming: naming.on(dialect),
        dialect,
        exported,
        reported: HashSet::new(),
        attached: HashSet::new(),
    };
    let schema = lowerer.schema().ok()?;
    lowerer.interp.problems.is_empty().then_some(schema)
}

fn collect<'a>(interp: &mut Interp<'a>, entries: &[ModuleId]) -> Result<Exported<'a>, Interrupt> {
    let mut exported = Exported::default();
    for &entry in entries {
        for (name, site) in interp.exported_names(entry) {
            match interp.export_value(entry, name, site)? {
                Value::Host(Drizzle::Table(t)) => push_unique(&mut exported.tables, t),
                Value::Host(Drizzle::Enum(e)) => push_unique(&mut exported.enums, e),
                Value::Host(Drizzle::Schema(s)) => push_unique(&mut exported.schemas, s),
                Value::Host(Drizzle::Sequence(s)) => push_unique(&mut exported.sequences, s),
                Value::Host(Drizzle::Role(r)) => push_unique(&mut exported.roles, r),
                Value::Host(Drizzle::Policy(p)) => push_unique(&mut exported.policies, p),
                Value::Host(Drizzle::View(v)) => push_unique(&mut exported.views, v),
                _ => {}
            }
        }
    }
    Ok(exported)
}

/// The dialect the builders imply; reports a mix.
fn dialect(interp: &mut Interp<'_>, exported: &Exported<'_>) -> Option<Dialect> {
    // The first entity of each dialect, in the order the kinds are listed.
    let mut found: Vec<(Dialect, Site, String)> = Vec::new();
    let mut note = |dialect: Dialect, site: Site, what: String| {
        if !found.iter().any(|(d, _, _)| *d == dialect) {
            found.push((dialect, site, what));
        }
    };
    for t in &exported.tables {
        note(t.dialect, t.site, format!("table `{}`", t.name));
    }
    for v in &exported.views {
        let v = v.borrow();
        note(v.dialect, v.site, format!("view `{}`", v.name));
    }
    for s in &exported.schemas {
        note(s.dialect, s.site, format!("schema `{}`", s.name));
    }
    // Enum types, sequences and roles exist only in pg-core.
    for e in &exported.enums {
        note(Dialect::Postgres, e.site, format!("enum `{}`", e.name));
    }
    for s in &exported.sequences {
        note(Dialect::Postgres, s.site, format!("sequence `{}`", s.name));
    }
    for r in &exported.roles {
        note(Dialect::Postgres, r.site, format!("role `{}`", r.name));
    }
    match found.as_slice() {
        [] => Some(Dialect::Postgres),
        [(d, _, _)] => Some(*d),
        [(d1, site, first), (d2, _, second), ..] => {
            interp.problems.push(
                Problem::at(
                    *site,
                    format!("the schema mixes {d1} and {d2}: {d1} {first} and {d2} {second}"),
                    format!("{d1} entity"),
                )
                .with_help(
                    "a schema targets one database: use one of drizzle-orm/pg-core, \
                     drizzle-orm/mysql-core and drizzle-orm/sqlite-core",
                ),
            );
            None
        }
    }
}

struct Lowerer<'i, 'a> {
    interp: &'i mut Interp<'a>,
    casing: Casing,
    naming: Naming,
    dialect: Dialect,
    exported: Exported<'a>,
    reported: HashSet<usize>,
    /// Policies listed in a table's third argument.
    attached: HashSet<usize>,
}

impl<'a> Lowerer<'_, 'a> {
    fn schema(&mut self) -> Result<Schema, Interrupt> {
        let mut schema = Schema::empty(self.dialect);
        // A MySQL schema is another database, which drizzle-kit neither creates nor fills.
        if self.dialect != Dialect::Mysql {
            for s in self.exported.schemas.clone() {
                schema.schemas.push(s.name.clone());
            }
        }
        for e in self.exported.enums.clone() {
            self.check_schema(&e.schema, &format!("enum `{}`", e.name));
            let item = Enum {
                schema: self.schema_name(&e.schema),
                name: e.name.clone(),
                values: e.values.clone(),
            };
            match schema
                .enums
                .iter()
                .find(|x| x.schema == item.schema && x.name == item.name)
            {
                Some(existing) if existing.values != item.values => self.report(
                    Problem::at(
                        e.site,
                        format!("two different enums are named `{}`", e.name),
                        "second definition",
                    )
                    .with_help("give each enum its own name, or export one definition"),
                ),
                Some(_) => {}
                None => schema.enums.push(item),
            }
        }
        for s in self.exported.sequences.clone() {
            self.check_schema(&s.schema, &format!("sequence `{}`", s.name));
            let item = Sequence {
                schema: self.schema_name(&s.schema),
                name: s.name.clone(),
                options: s.options.clone(),
            };
            if !schema
                .sequences
                .iter()
                .any(|x| x.schema == item.schema && x.name == item.name)
            {
                schema.sequences.push(item);
            }
        }
        let mut table_names = HashSet::new();
        for t in self.exported.tables.clone() {
            if let Some(s) = t.schema.as_ref().filter(|_| self.dialect == Dialect::Mysql) {
                self.interp.warn(
                    t.site,
                    format!(
                        "table `{}` is in mysqlSchema `{}`, another database: it is left out, as drizzle-kit leaves it out",
                        t.name, s.name
                    ),
                    "left out",
                    "declare it with mysqlTable to create it in the migrated database, or migrate the other \
                     database with its own project",
                );
                continue;
            }
            let table = self.table(&t)?;
            if !table_names.insert((table.schema.clone(), table.name.clone())) {
                self.report(
                    Problem::at(
                        t.site,
                        format!("two exported tables are named `{}`", t.name),
                        "second table",
                    )
                    .with_help("give each table its own name"),
                );
                continue;
            }
            schema.tables.push(table);
        }
        self.standalone_policies(&mut schema);
        for t in &mut schema.tables {
            t.rls_enabled = !t.external && (t.rls_enabled || !t.policies.is_empty());
        }
        for v in self.exported.views.clone() {
            let v = v.borrow().clone();
            if let Some(view) = self.view(&v) {
                if schema.view(&view.schema, &view.name).is_some()
                    || schema.table(&view.schema, &view.name).is_some()
                {
                    self.report(
                        Problem::at(
                            v.site,
                            format!("two exported tables or views are named `{}`", v.name),
                            "second definition",
                        )
                        .with_help("give each view its own name"),
                    );
                    continue;
                }
                schema.views.push(view);
            }
        }
        for r in self.exported.roles.clone() {
            if r.existing.get() || schema.roles.iter().any(|x| x.name == r.name) {
                continue;
            }
            schema.roles.push(Role {
                name: r.name.clone(),
                create_db: r.create_db,
                create_role: r.create_role,
                inherit: r.inherit,
            });
        }
        schema.sort();
        Ok(schema)
    }

    /// A view with its SQL body; `None` for `.existing()` views and problems (reported).
    fn view(&mut self, v: &ViewEntity<'a>) -> Option<View> {
        if v.dialect != Dialect::Mysql {
            self.check_schema(&v.schema, &format!("view `{}`", v.name));
        }
        if v.dialect != self.dialect {
            self.report(
                Problem::at(
                    v.site,
                    format!(
                        "view `{}` is a {} view in a {} schema",
                        v.name, v.dialect, self.dialect
                    ),
                    "wrong dialect",
                )
                .with_help(
                    "import the view builder from the same drizzle-orm entry point as the tables",
                ),
            );
            return None;
        }
        let definition = match &v.body {
            ViewBody::Existing => return None,
            ViewBody::Missing => {
                self.report(
                    Problem::at(
                        v.site,
                        format!("view `{}` has no body", v.name),
                        "no `.as(...)`",
                    )
                    .with_help(
                        "give it a body: `.as(sql`select ...`)`, or mark a view managed elsewhere with `.existing()`",
                    ),
                );
                return None;
            }
            ViewBody::Sql(f) => self.render(f, SqlMode::Qualified)?,
        };
        // drizzle-kit creates a MySQL view of a mysqlSchema in the migrated database.
        let schema = if self.dialect == Dialect::Mysql {
            String::new()
        } else {
            self.schema_name(&v.schema)
        };
        Some(View {
            schema,
            name: v.name.clone(),
            definition,
            materialized: v.materialized,
            with: v.with.clone(),
            using: v.using.clone(),
            tablespace: v.tablespace.clone(),
            with_no_data: v.with_no_data,
        })
    }

    /// A policy with its conditions in SQL; `None` on problems (reported).
    fn policy(&mut self, p: &PolicyEntity<'a>) -> Option<Policy> {
        for r in &p.roles {
            let exported = self
                .exported
                .roles
                .iter()
                .any(|x| Rc::ptr_eq(x, r) || x.name == r.name);
            if exported || r.existing.get() || !self.reported.insert(id(r)) {
                continue;
            }
            // drizzle-kit writes the policy for a role it does not create: the role must exist.
            self.interp.warn(
                r.site,
                format!(
                    "role `{}` is not exported by the schema files: policy `{}` is for it, and it is taken as existing",
                    r.name, p.name
                ),
                "not exported",
                "export it from a schema file so that it is created, or mark a role managed elsewhere \
                 with `.existing()`",
            );
        }
        let using = match &p.using {
            Some(f) => Some(self.render(f, SqlMode::Qualified)?),
            None => None,
        };
        let with_check = match &p.with_check {
            Some(f) => Some(self.render(f, SqlMode::Qualified)?),
            None => None,
        };
        Some(Policy {
            name: p.name.clone(),
            restrictive: p.restrictive,
            command: p.command,
            to: p.to.clone(),
            using,
            with_check,
        })
    }

    /// Adds a policy to a table, reporting a second one of the same name.
    fn add_policy(&mut self, table: &mut Table, p: &PolicyEntity<'a>) {
        if table.policies.iter().any(|x| x.name == p.name) {
            self.report(
                Problem::at(
                    p.site,
                    format!("table `{}` has two policies named `{}`", table.name, p.name),
                    "second policy",
                )
                .with_help("give each policy of a table its own name"),
            );
            return;
        }
        if let Some(policy) = self.policy(p) {
            table.policies.push(policy);
        }
    }

    /// Exported policies linked to tables with `.link(table)`.
    fn standalone_policies(&mut self, schema: &mut Schema) {
        for p in self.exported.policies.clone() {
            let linked = p.linked.borrow().clone();
            let Some(t) = linked else {
                if !self.attached.contains(&id(&p)) {
                    self.report(
                        Problem::at(
                            p.site,
                            format!("policy `{}` is not attached to a table", p.name),
                            "not linked",
                        )
                        .with_help(
                            "list it in the table's third argument, or link it: `pgPolicy(...).link(table)`",
                        ),
                    );
                }
                continue;
            };
            let schema_name = self.schema_name(&t.schema);
            if !self.exported.tables.iter().any(|x| Rc::ptr_eq(x, &t)) {
                // drizzle-kit writes the policy on a table it does not create
                // (Supabase's `realtime.messages`): the table must exist.
                if !self.unmanaged(&t.schema) && self.reported.insert(id(&t)) {
                    self.interp.warn(
                        p.site,
                        format!(
                            "policy `{}` is linked to table `{}`, which the schema files do not export: \
                             the table is taken as existing, and only its policies are managed",
                            p.name, t.name
                        ),
                        "linked table not exported",
                        "export the table from a schema file if db-migrate should create it",
                    );
                }
                if schema.table(&schema_name, &t.name).is_none() {
                    schema.tables.push(Table::external(&schema_name, &t.name));
                }
            }
            if let Some(table) = schema
                .tables
                .iter_mut()
                .find(|x| x.schema == schema_name && x.name == t.name)
            {
                self.add_policy(table, &p);
            }
        }
    }

    /// True for a schema other than `public` that the schema files do not
    /// export: what is in it is managed elsewhere.
    fn unmanaged(&self, schema: &Option<Rc<SchemaEntity>>) -> bool {
        schema.as_ref().is_some_and(|s| {
            s.name != "public"
                && !self
                    .exported
                    .schemas
                    .iter()
                    .any(|x| Rc::ptr_eq(x, s) || x.name == s.name)
        })
    }

    fn report(&mut self, problem: Problem) {
        self.interp.problems.push(problem);
    }

    fn schema_name(&self, schema: &Option<Rc<SchemaEntity>>) -> String {
        schema.as_ref().map_or_else(
            || self.dialect.default_schema().to_string(),
            |s| s.name.clone(),
        )
    }

    fn check_schema(&mut self, schema: &Option<Rc<SchemaEntity>>, user: &str) {
        let Some(s) = schema else {
            return;
        };
        if self
            .exported
            .schemas
            .iter()
            .any(|x| Rc::ptr_eq(x, s) || x.name == s.name)
            || !self.reported.insert(id(s))
        {
            return;
        }
        // drizzle-kit creates what is in it without `CREATE SCHEMA`: the schema must exist.
        self.interp.warn(
            s.site,
            format!(
                "schema `{}` is not exported by the schema files: {user} is in it, and it is taken as existing",
                s.name
            ),
            "not exported",
            "export it from a schema file if it should be created; a schema managed elsewhere \
             (such as Supabase's `auth`) must exist before the migrations run",
        );
    }

    fn check_enum(&mut self, e: &Rc<EnumEntity>, column: &str) {
        let exported = self.exported.enums.iter().any(|x| {
            Rc::ptr_eq(x, e)
                || (x.name == e.name
                    && x.schema.as_ref().map(|s| &s.name) == e.schema.as_ref().map(|s| &s.name))
        });
        if exported || !self.reported.insert(id(e)) {
            return;
        }
        if self.unmanaged(&e.schema) {
            self.interp.warn(
                e.site,
                format!(
                    "enum `{}` is in schema `{}`, which the schema files do not export: column `{column}` uses it, and it is taken as existing",
                    e.name,
                    self.schema_name(&e.schema)
                ),
                "not exported",
                "export the enum and its schema if they should be created",
            );
            return;
        }
        self.report(
            Problem::at(
                e.site,
                format!(
                    "enum `{}` is not exported by the schema files, but column `{column}` uses it",
                    e.name
                ),
                "not exported",
            )
            .with_help(
                "export it from a schema file; only what the schema files export is created, \
                 so the table would use a type that does not exist",
            ),
        );
    }

    fn check_table(&mut self, t: &Rc<TableEntity<'a>>, user: &str) {
        let exists_already = self
            .interp
            .modules
            .get(t.site.module)
            .is_some_and(|m| m.builtin);
        if exists_already
            || self.exported.tables.iter().any(|x| Rc::ptr_eq(x, t))
            || !self.reported.insert(id(t))
        {
            return;
        }
        if self.unmanaged(&t.schema) {
            // Supabase's `auth.users` and the like: referenced, never created.
            self.interp.warn(
                t.site,
                format!(
                    "table `{}.{}` is in a schema the schema files do not export: a foreign key of `{user}` references it, and it is taken as existing",
                    self.schema_name(&t.schema),
                    t.name
                ),
                "not exported",
                "export the table and its schema if they should be created",
            );
            return;
        }
        self.report(
            Problem::at(
                t.site,
                format!(
                    "table `{}` is not exported by the schema files, but a foreign key of `{user}` references it",
                    t.name
                ),
                "not exported",
            )
            .with_help(
                "export it from a schema file (e.g. `export * from './file'`) or add its file to the schema \
                 paths; only what the schema files export is created",
            ),
        );
    }

    /// The name a column of `table` has in the database.
    fn column_name(
        &self,
        table: &TableEntity<'_>,
        key: &str,
        builder: &ColumnBuilder<'_>,
    ) -> String {
        builder
            .name
            .clone()
            .unwrap_or_else(|| table.casing.unwrap_or(self.casing).apply(key))
    }

    fn column_ref_name(&self, c: &ColumnRef<'_>) -> String {
        match c.table.column(&c.key) {
            Some(builder) => self.column_name(&c.table, &c.key, &builder.borrow()),
            None => c.key.to_string(),
        }
    }

    fn table_sql(&self, t: &TableEntity<'_>) -> String {
        match &t.schema {
            Some(s) => format!("{}.{}", self.quote(&s.name), self.quote(&t.name)),
            None => self.quote(&t.name),
        }
    }

    /// An identifier quoted for the schema's dialect.
    fn quote(&self, name: &str) -> String {
        crate::sql::ident_in(self.dialect, name)
    }

    fn table(&mut self, t: &Rc<TableEntity<'a>>) -> Result<Table, Interrupt> {
        self.check_schema(&t.schema, &format!("table `{}`", t.name));
        let mut table = Table::new(self.schema_name(&t.schema), &t.name);
        table.rls_enabled = t.rls.get();
        let mut inline_key = Vec::new();
        for (key, builder) in &t.columns {
            let b = builder.borrow().clone();
            let name = self.column_name(t, key, &b);
            if table.column(&name).is_some() {
                self.report(
                    Problem::at(
                        b.site,
                        format!("table `{}` has two columns named `{name}`", t.name),
                        "second column",
                    )
                    .with_help("rename one of them"),
                );
                continue;
            }
            let ty = match &b.sql_type {
                ColumnSqlType::Sql(s) => ColumnType::Sql(s.clone()),
                ColumnSqlType::Enum(e) => {
                    self.check_enum(e, &format!("{}.{name}", t.name));
                    ColumnType::Enum(QualifiedName::new(self.schema_name(&e.schema), &e.name))
                }
            };
            let mut column = Column::new(&name, ty);
            column.dims = b.dims;
            column.not_null = b.not_null;
            column.default = self.default(&b, &name)?;
            column.identity = b.identity.as_ref().map(|i| Identity {
                always: i.always,
                sequence_name: i.sequence_name.clone(),
                options: i.options.clone(),
            });
            column.generated = self.generated(&b, &name)?;
            column.generated_virtual = b.generated_virtual && column.generated.is_some();
            column.autoincrement = b.autoincrement;
            column.on_update = b.on_update_now;
            if b.primary_key {
                inline_key.push(name.clone());
            }
            if let Some(u) = &b.unique {
                let declared = b.name.clone().unwrap_or_else(|| key.to_string());
                table.uniques.push(Unique {
                    name: u
                        .name
                        .clone()
                        .unwrap_or_else(|| self.naming.column_unique(&t.name, &declared)),
                    columns: vec![name.clone()],
                    nulls_not_distinct: u.nulls_not_distinct,
                });
            }
            for r in &b.references {
                if let Some(fk) = self.reference(t, &name, r)? {
                    table.foreign_keys.push(fk);
                }
            }
            table.columns.push(column);
        }
        match inline_key.len() {
            0 => {}
            1 => {
                // drizzle-kit names MySQL's `<table>_<column>` (the server calls it PRIMARY).
                let name = (self.dialect == Dialect::Mysql)
                    .then(|| format!("{}_{}", t.name, inline_key[0]));
                table.primary_key = Some(PrimaryKey {
                    name,
                    columns: inline_key,
                })
            }
            _ => self.report(
                Problem::at(
                    t.site,
                    format!(
                        "table `{}` has more than one `.primaryKey()` column: {}",
                        t.name,
                        inline_key.join(", ")
                    ),
                    "several primary keys",
                )
                .with_help("declare one composite key in the third argument: `primaryKey({ columns: [t.a, t.b] })`"),
            ),
        }
        self.extra(t, &mut table)?;
        if self.dialect == Dialect::Mysql {
            self.fit_mysql_names(t, &mut table);
        }
        Ok(table)
    }

    /// MySQL refuses names of keys, indexes and checks over 64 characters
    /// (drizzle-kit writes them whole, and its migration fails): they are
    /// shortened to 54 characters and a hash, with a warning.
    fn fit_mysql_names(&mut self, t: &TableEntity<'a>, table: &mut Table) {
        const MYSQL_MAX_IDENTIFIER: usize = 64;
        let mut shortened = Vec::new();
        let mut fit = |name: &mut String| {
            if name.chars().count() > MYSQL_MAX_IDENTIFIER {
                let short = names::hashed(name);
                shortened.push(format!("`{name}` is `{short}`"));
                *name = short;
            }
        };
        for fk in &mut table.foreign_keys {
            fit(&mut fk.name);
        }
        for u in &mut table.uniques {
            fit(&mut u.name);
        }
        for i in &mut table.indexes {
            fit(&mut i.name);
        }
        for c in &mut table.checks {
            fit(&mut c.name);
        }
        if !shortened.is_empty() {
            self.interp.warn(
                t.site,
                format!(
                    "MySQL refuses names over 64 characters; in table `{}`, {}",
                    t.name,
                    shortened.join(", ")
                ),
                "long names",
                "drizzle-kit writes such names whole and its migration fails; to choose the names, give them \
                 in the schema (`foreignKey({ name: ... })`, `index('...')`)",
            );
        }
    }

    fn default(
        &mut self,
        b: &ColumnBuilder<'a>,
        column: &str,
    ) -> Result<Option<String>, Interrupt> {
        let (value, site) = match &b.default {
            None => return Ok(None),
            Some(ColumnDefault::Sql(s)) => return Ok(Some((*s).to_string())),
            Some(ColumnDefault::Value(v, site)) => (v.clone(), *site),
        };
        let type_text = match &b.sql_type {
            ColumnSqlType::Sql(s) => s.as_str(),
            ColumnSqlType::Enum(_) => "",
        };
        if self.dialect == Dialect::Mysql
            && !matches!(value, Value::Opaque(_) | Value::Host(Drizzle::Sql(_)))
            && !callable(&value)
        {
            return Ok(self.mysql_default(&value, type_text, column, site));
        }
        // drizzle-kit writes objects and arrays as JSON on json columns, and on any SQLite column.
        let is_json = matches!(type_text, "json" | "jsonb") || self.dialect == Dialect::Sqlite;
        Ok(match &value {
            Value::Poison | Value::Undefined => None,
            Value::Opaque(o) => {
                self.interp.release(o);
                let described = o.describe();
                let help = if o.origin.contains("current time") {
                    "for the time a row is inserted, use `.defaultNow()` (or `.default(sql`now()`)`); \
                     `.$defaultFn(() => new Date())` computes it in the application"
                } else {
                    "db-migrate cannot evaluate it statically: inline the value, use `.$defaultFn(() => ...)` \
                     for a value the application computes, or use `--loader node`"
                };
                self.report(
                    Problem::at(
                        site,
                        format!("the default of column `{column}` is not known when reading the schema: it is {described}"),
                        "not known statically",
                    )
                    .with_help(help),
                );
                None
            }
            Value::Host(Drizzle::Sql(f)) => self.render(f, SqlMode::Bare),
            Value::Date(ms) if !is_json && self.dialect == Dialect::Postgres && b.dims == 0 => {
                match date_literal(*ms, type_text) {
                    Some(text) => Some(quote_literal(&text)),
                    None => {
                        self.report(
                            Problem::at(
                                site,
                                format!("the default of column `{column}` is an invalid date"),
                                "invalid date",
                            )
                            .with_help("pass a valid ISO 8601 string to `new Date()`"),
                        );
                        None
                    }
                }
            }
            // drizzle-kit writes a JSON null on PostgreSQL json columns, and on any SQLite column.
            Value::Null if self.dialect == Dialect::Sqlite => Some("'null'".to_string()),
            Value::Null if matches!(type_text, "json" | "jsonb") && b.dims == 0 => {
                Some(format!("'null'::{type_text}"))
            }
            Value::String(_)
            | Value::Number(_)
            | Value::Bool(_)
            | Value::BigInt(_)
            | Value::Null => sql_literal(&value),
            Value::Array(items) if self.dialect == Dialect::Postgres && b.dims > 0 && !is_json => {
                let items = items.borrow().clone();
                match array_literal(&items, type_text, 0) {
                    Ok(text) => Some(quote_literal(&text)),
                    Err(what) => {
                        self.report(
                            Problem::at(
                                site,
                                format!("cannot write {what} into an array default"),
                                "array default",
                            )
                            .with_help("use strings, numbers, booleans and nested arrays"),
                        );
                        None
                    }
                }
            }
            Value::Array(_) | Value::Object(_) | Value::Date(_) if is_json => self
                .json_default(&value, site)
                .map(|json| match self.dialect {
                    Dialect::Postgres => format!("{}::{type_text}", quote_literal(&json)),
                    Dialect::Sqlite | Dialect::Mysql => quote_literal(&json),
                }),
            v if callable(v) => {
                self.report(
                    Problem::at(site, format!("the default of column `{column}` is a function"), "function")
                        .with_help("`.default()` takes a value; use `.$defaultFn(() => ...)` for a value the application computes"),
                );
                None
            }
            other => {
                let described = other.describe();
                self.report(
                    Problem::at(
                        site,
                        format!("cannot write {described} as the default of column `{column}`"),
                        "default",
                    )
                    .with_help("use a string, number, boolean, sql`...`, or an object/array on a json column"),
                );
                None
            }
        })
    }

    /// A default value as JSON text; `None` for `undefined` and for values
    /// that are not JSON (reported).
    fn json_default(&mut self, value: &Value<'a>, site: Site) -> Option<String> {
        match json_stringify(value) {
            Ok(json) => json,
            Err(what) => {
                self.report(
                    Problem::at(
                        site,
                        format!("cannot turn {what} into JSON for a default"),
                        "json default",
                    )
                    .with_help("use plain objects, arrays, strings, numbers and booleans"),
                );
                None
            }
        }
    }

    /// A MySQL column's default value as drizzle-kit writes it: strings
    /// quoted, other values on json columns as quoted JSON, dates as
    /// `'YYYY-MM-DD[ hh:mm:ss.fff]'` on date and time columns, the rest as
    /// they print; on `text`, `json` and `blob` columns, in parentheses (MySQL
    /// takes only expression defaults there).
    fn mysql_default(
        &mut self,
        value: &Value<'a>,
        type_text: &str,
        column: &str,
        site: Site,
    ) -> Option<String> {
        let text = match value {
            Value::Poison | Value::Undefined => return None,
            Value::String(s) => quote_literal(s),
            Value::Date(ms)
                if type_text == "date"
                    || type_text.starts_with("datetime")
                    || type_text.starts_with("timestamp") =>
            {
                let Some(iso) = date_literal(*ms, "timestamp") else {
                    self.report(
                        Problem::at(
                            site,
                            format!("the default of column `{column}` is an invalid date"),
                            "invalid date",
                        )
                        .with_help("pass a valid ISO 8601 string to `new Date()`"),
                    );
                    return None;
                };
                // `2024-01-02 03:04:05.678` (at most milliseconds, as drizzle-kit cuts it).
                let cut: String = iso
                    .chars()
                    .take(if type_text == "date" { 10 } else { 23 })
                    .collect();
                quote_literal(&cut)
            }
            v if type_text == "json" => quote_literal(&self.json_default(v, site)?),
            v => match sql_literal(v) {
                Some(text) => text,
                None => {
                    let described = v.describe();
                    self.report(
                        Problem::at(site, format!("cannot write {described} as the default of column `{column}`"), "default")
                            .with_help("use a string, number, boolean, sql`...`, or an object/array on a json column"),
                    );
                    return None;
                }
            },
        };
        Some(if matches!(type_text, "text" | "json" | "blob") {
            format!("({text})")
        } else {
            text
        })
    }

    fn generated(
        &mut self,
        b: &ColumnBuilder<'a>,
        column: &str,
    ) -> Result<Option<String>, Interrupt> {
        let Some((value, site)) = &b.generated else {
            return Ok(None);
        };
        let value = match value {
            f if callable(f) => self.interp.call(f, Vec::new(), *site)?,
            v => v.clone(),
        };
        // SQLite forbids qualified names in a generated column; drizzle-kit writes them bare there.
        let mode = match self.dialect {
            Dialect::Postgres | Dialect::Mysql => SqlMode::Qualified,
            Dialect::Sqlite => SqlMode::Bare,
        };
        Ok(match &value {
            Value::Host(Drizzle::Sql(f)) => self.render(f, mode),
            Value::Poison => None,
            // drizzle-kit copies a string as SQL text.
            Value::String(text) => Some(text.to_string()),
            v => match sql_literal(v) {
                Some(text) => Some(text),
                None => {
                    let described = v.describe();
                    self.report(
                        Problem::at(
                            *site,
                            format!("cannot write {described} as the expression of generated column `{column}`"),
                            "generated",
                        )
                        .with_help("use sql`...`"),
                    );
                    None
                }
            },
        })
    }

    fn reference(
        &mut self,
        t: &Rc<TableEntity<'a>>,
        column: &str,
        r: &super::value::Reference<'a>,
    ) -> Result<Option<ForeignKey>, Interrupt> {
        let target = match &r.target {
            f if callable(f) => self.interp.call(f, Vec::new(), r.site)?,
            Value::Poison => return Ok(None),
            other => {
                let described = other.describe();
                self.report(
                    Problem::at(
                        r.site,
                        format!("`.references()` needs a function, found {described}"),
                        "references",
                    )
                    .with_help("wrap the column in a function: `.references(() => users.id)`"),
                );
                return Ok(None);
            }
        };
        let c = match target {
            Value::Host(Drizzle::ColumnRef(c)) => c,
            Value::Poison => return Ok(None),
            other => {
                let described = other.describe();
                self.report(
                    Problem::at(
                        r.site,
                        format!("the function passed to `.references()` returns {described}, not a column"),
                        "references",
                    )
                    .with_help("return a column of a table: `.references(() => users.id)`"),
                );
                return Ok(None);
            }
        };
        self.check_table(&c.table, &t.name);
        let referenced = self.column_ref_name(&c);
        Ok(Some(ForeignKey {
            name: self.naming.foreign_key(
                &t.name,
                &[column.to_string()],
                &c.table.name,
                std::slice::from_ref(&referenced),
            ),
            columns: vec![column.to_string()],
            references: QualifiedName::new(self.schema_name(&c.table.schema), &c.table.name),
            referenced_columns: vec![referenced],
            on_delete: r.on_delete,
            on_update: r.on_update,
        }))
    }

    fn extra(&mut self, t: &Rc<TableEntity<'a>>, table: &mut Table) -> Result<(), Interrupt> {
        let Some((value, site)) = &t.extra else {
            return Ok(());
        };
        let result = match value {
            f if callable(f) => {
                let this = Arg {
                    value: Value::Host(Drizzle::Table(t.clone())),
                    site: *site,
                };
                self.interp.call(f, vec![this], *site)?
            }
            other => other.clone(),
        };
        let items: Vec<Value<'a>> = match result {
            // drizzle flattens nested arrays one level (`crudPolicy(...)` gives an array).
            Value::Array(a) => a
                .borrow()
                .iter()
                .flat_map(|item| match item {
                    Value::Array(inner) => inner.borrow().clone(),
                    other => vec![other.clone()],
                })
                .collect(),
            Value::Object(o) => o.borrow().props.iter().map(|p| p.value.clone()).collect(),
            Value::Poison => return Ok(()),
            other => {
                let described = other.describe();
                self.report(
                    Problem::at(
                        *site,
                        format!("the third argument of table `{}` must give an array of indexes and constraints, found {described}", t.name),
                        "third argument",
                    )
                    .with_help("write `(t) => [index('name').on(t.column), ...]`"),
                );
                return Ok(());
            }
        };
        for item in items {
            match item {
                Value::Host(Drizzle::Constraint(c)) => {
                    let c = c.borrow().clone();
                    self.constraint(t, table, &c);
                }
                Value::Host(Drizzle::Policy(p)) if t.dialect == Dialect::Postgres => {
                    self.attached.insert(id(&p));
                    self.add_policy(table, &p);
                }
                Value::Poison | Value::Undefined | Value::Null => {}
                Value::Opaque(o) => {
                    self.interp.release(&o);
                    let described = o.describe();
                    self.report(
                        Problem::at(
                            *site,
                            format!("table `{}`: an item of the third argument is not known when reading the schema: it is {described}", t.name),
                            "third argument",
                        )
                        .with_help("db-migrate cannot tell whether it is an index or constraint: declare it in the schema files, or use `--loader node`"),
                    );
                }
                other => {
                    // drizzle-kit ignores what is not an index, key, check or policy.
                    let described = other.describe();
                    self.interp.warn(
                        *site,
                        format!("table `{}`: {described} in the third argument is ignored, as drizzle-kit ignores it", t.name),
                        "ignored",
                        "list only index(), uniqueIndex(), primaryKey(), unique(), foreignKey(), check() and policies",
                    );
                }
            }
        }
        Ok(())
    }

    /// The database name of a column that must belong to `t`.
    fn own_column(
        &mut self,
        t: &Rc<TableEntity<'a>>,
        c: &ColumnRef<'a>,
        site: Site,
    ) -> Option<String> {
        if Rc::ptr_eq(&c.table, t) {
            return Some(self.column_ref_name(c));
        }
        self.report(
            Problem::at(
                site,
                format!(
                    "column `{}` belongs to table `{}`, not to `{}`",
                    c.key, c.table.name, t.name
                ),
                "other table",
            )
            .with_help("use the columns of the table the callback receives"),
        );
        None
    }

    fn own_columns(
        &mut self,
        t: &Rc<TableEntity<'a>>,
        columns: &[ColumnRef<'a>],
        site: Site,
    ) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for c in columns {
            out.push(self.own_column(t, c, site)?);
        }
        Some(out)
    }

    fn constraint(&mut self, t: &Rc<TableEntity<'a>>, table: &mut Table, c: &Constraint<'a>) {
        match c {
            Constraint::Index(i) => {
                if i.keys.is_empty() {
                    self.report(
                        Problem::at(
                            i.site,
                            format!("an index of table `{}` has no columns", t.name),
                            "no columns",
                        )
                        .with_help("add the columns: `.on(t.column)`"),
                    );
                    return;
                }
                let mut keys = Vec::new();
                let mut expression = None;
                for k in &i.keys {
                    match k {
                        IndexKeySource::Column(ic) => {
                            let Some(name) = self.own_column(t, &ic.column, i.site) else {
                                return;
                            };
                            // drizzle's `.desc()` sorts NULLS LAST unless told otherwise.
                            let nulls = match (self.dialect, ic.desc, ic.nulls) {
                                (Dialect::Sqlite | Dialect::Mysql, _, _) => None,
                                (_, true, None) => Some(Nulls::Last),
                                (_, false, Some(Nulls::Last)) => None,
                                (_, _, n) => n,
                            };
                            keys.push(IndexKey {
                                key: name,
                                expression: false,
                                desc: ic.desc,
                                nulls,
                                opclass: ic.opclass.clone(),
                            });
                        }
                        IndexKeySource::Sql(f) => {
                            let Some(text) = self.render(f, SqlMode::Bare) else {
                                return;
                            };
                            expression.get_or_insert_with(|| text.clone());
                            keys.push(IndexKey::from_sql(&text));
                        }
                    }
                }
                let name = match (&i.name, expression) {
                    (Some(n), _) => n.clone(),
                    (None, Some(expr)) => {
                        self.report(
                            Problem::at(
                                i.site,
                                format!("an index of table `{}` needs a name: it has the expression `{expr}`", t.name),
                                "unnamed expression index",
                            )
                            .with_help(
                                "names are generated for indexes on columns only; for an expression, \
                                 name the index: `index('my_index_name').on(...)`",
                            ),
                        );
                        return;
                    }
                    (None, None) => {
                        let columns: Vec<String> = keys.iter().map(|k| k.key.clone()).collect();
                        names::index(&t.name, &columns)
                    }
                };
                let predicate = match &i.predicate {
                    Some(p) => match self.render(p, SqlMode::Qualified) {
                        Some(text) => Some(text),
                        None => return,
                    },
                    None => None,
                };
                // MySQL: a unique index of columns is the table's unique key,
                // written inside CREATE TABLE as drizzle-kit does.
                if self.dialect == Dialect::Mysql
                    && i.unique
                    && keys.iter().all(|k| !k.expression && !k.desc)
                {
                    table.uniques.push(Unique {
                        name,
                        columns: keys.into_iter().map(|k| k.key).collect(),
                        nulls_not_distinct: false,
                    });
                    return;
                }
                table.indexes.push(Index {
                    name,
                    unique: i.unique,
                    keys,
                    method: i.method.clone(),
                    predicate,
                    with: i.with.clone(),
                    concurrently: i.concurrently,
                });
            }
            Constraint::PrimaryKey(pk) => {
                let Some(columns) = self.own_columns(t, &pk.columns, pk.site) else {
                    return;
                };
                if table.primary_key.is_some() {
                    self.report(
                        Problem::at(
                            pk.site,
                            format!("table `{}` has more than one primary key", t.name),
                            "second primary key",
                        )
                        .with_help("remove `.primaryKey()` from the column, or this composite key"),
                    );
                    return;
                }
                table.primary_key = Some(PrimaryKey {
                    name: pk
                        .name
                        .clone()
                        .or_else(|| self.naming.primary_key(&t.name, &columns)),
                    columns,
                });
            }
            Constraint::Unique(u) => {
                if u.columns.is_empty() {
                    self.report(
                        Problem::at(
                            u.site,
                            format!("a unique constraint of table `{}` has no columns", t.name),
                            "no columns",
                        )
                        .with_help("add the columns: `.on(t.a, t.b)`"),
                    );
                    return;
                }
                let Some(columns) = self.own_columns(t, &u.columns, u.site) else {
                    return;
                };
                let declared: Vec<String> = u.columns.iter().map(declared_name).collect();
                table.uniques.push(Unique {
                    name: u
                        .name
                        .clone()
                        .unwrap_or_else(|| names::unique(&t.name, &declared)),
                    columns,
                    nulls_not_distinct: u.nulls_not_distinct,
                });
            }
            Constraint::ForeignKey(f) => {
                let Some(columns) = self.own_columns(t, &f.columns, f.site) else {
                    return;
                };
                let Some(first) = f.foreign_columns.first() else {
                    return;
                };
                let foreign = first.table.clone();
                if f.foreign_columns
                    .iter()
                    .any(|c| !Rc::ptr_eq(&c.table, &foreign))
                {
                    self.report(
                        Problem::at(
                            f.site,
                            "the foreign columns of a foreign key must all belong to one table",
                            "foreignColumns",
                        )
                        .with_help("reference columns of a single table"),
                    );
                    return;
                }
                self.check_table(&foreign, &t.name);
                let referenced: Vec<String> = f
                    .foreign_columns
                    .iter()
                    .map(|c| self.column_ref_name(c))
                    .collect();
                let fk = ForeignKey {
                    name: f.name.clone().unwrap_or_else(|| {
                        self.naming
                            .foreign_key(&t.name, &columns, &foreign.name, &referenced)
                    }),
                    columns,
                    references: QualifiedName::new(
                        self.schema_name(&foreign.schema),
                        &foreign.name,
                    ),
                    referenced_columns: referenced,
                    on_delete: f.on_delete,
                    on_update: f.on_update,
                };
                // drizzle-kit keeps one constraint per name (`.references()` and a
                // `foreignKey()` on the same columns): the last declared, in the
                // first one's place.
                match table.foreign_keys.iter_mut().find(|k| k.name == fk.name) {
                    Some(existing) => *existing = fk,
                    None => table.foreign_keys.push(fk),
                }
            }
            Constraint::Check(c) => {
                if let Some(expression) = self.render(&c.condition, SqlMode::Qualified) {
                    table.checks.push(Check {
                        name: c.name.clone(),
                        expression,
                    });
                }
            }
        }
    }

    /// SQL text of a fragment; `None` when a part cannot be written (reported).
    fn render(&mut self, f: &SqlFragment<'a>, mode: SqlMode) -> Option<String> {
        let mut out = String::new();
        self.render_into(f, mode, &mut out, 0).then_some(out)
    }

    fn render_into(
        &mut self,
        f: &SqlFragment<'a>,
        mode: SqlMode,
        out: &mut String,
        depth: usize,
    ) -> bool {
        if depth > 100 {
            self.report(
                Problem::general("an sql`...` fragment nests more than 100 levels deep")
                    .with_help("build the SQL text without nesting fragments in a loop"),
            );
            return false;
        }
        for chunk in &f.chunks {
            match chunk {
                SqlChunk::Text(t) => out.push_str(t),
                SqlChunk::Identifier(i) => out.push_str(&self.quote(i)),
                SqlChunk::Sql(inner) => {
                    if !self.render_into(inner, mode, out, depth + 1) {
                        return false;
                    }
                }
                SqlChunk::Table(t) => out.push_str(&self.table_sql(t)),
                SqlChunk::View(v) => {
                    let v = v.borrow();
                    if let Some(s) = &v.schema {
                        out.push_str(&self.quote(&s.name));
                        out.push('.');
                    }
                    out.push_str(&self.quote(&v.name));
                }
                SqlChunk::BareColumn(c) => out.push_str(&self.quote(&self.column_ref_name(c))),
                SqlChunk::Column(c) => {
                    let name = self.quote(&self.column_ref_name(c));
                    match mode {
                        SqlMode::Bare => out.push_str(&name),
                        SqlMode::Qualified => {
                            out.push_str(&self.table_sql(&c.table));
                            out.push('.');
                            out.push_str(&name);
                        }
                    }
                }
                SqlChunk::Param(v, site) => match sql_literal(v) {
                    Some(text) => out.push_str(&text),
                    None => {
                        match v {
                            Value::Poison => {}
                            Value::Opaque(o) => {
                                self.interp.release(o);
                                let described = o.describe();
                                self.report(
                                    Problem::at(*site, format!("this part of the SQL is not known when reading the schema: it is {described}"), "not known statically")
                                        .with_help("db-migrate cannot evaluate it statically: inline the value or use `--loader node`"),
                                );
                            }
                            other => {
                                let described = other.describe();
                                self.report(
                                    Problem::at(*site, format!("cannot write {described} into SQL"), "in sql`...`")
                                        .with_help("interpolate columns, tables, sql fragments, strings or numbers"),
                                );
                            }
                        }
                        return false;
                    }
                },
            }
        }
        true
    }
}

/// A Date as drizzle-kit writes it for a PostgreSQL column of `type_text`:
/// the day for `date`, `YYYY-MM-DD HH:MM:SS.mmm` for `timestamp`, else ISO 8601.
fn date_literal(ms: f64, type_text: &str) -> Option<String> {
    let iso = crate::source::drizzle::js::builtins::iso_string(ms)?;
    Some(match type_text {
        "date" => iso.split('T').next().unwrap_or(&iso).to_string(),
        "timestamp" => iso.replace('T', " ").chars().take(23).collect(),
        _ => iso,
    })
}

/// A PostgreSQL array literal (without the outer quotes) for a JavaScript array.
fn array_literal(items: &[Value<'_>], type_text: &str, depth: usize) -> Result<String, String> {
    if depth > 5 {
        return Err("an array nested too deeply".into());
    }
    let mut parts = Vec::new();
    for item in items {
        parts.push(match item {
            Value::Number(n) => number_to_string(*n),
            Value::BigInt(b) => b.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "NULL".to_string(),
            Value::String(s) => quote_element(s),
            Value::Array(inner) => array_literal(&inner.borrow(), type_text, depth + 1)?,
            Value::Date(ms) => match date_literal(*ms, type_text) {
                Some(text) => quote_element(&text),
                None => return Err("an invalid date".into()),
            },
            Value::Object(_) => match json_stringify(item) {
                Ok(Some(json)) => quote_element(&json),
                _ => return Err("an object that is not JSON".into()),
            },
            other => return Err(other.describe()),
        });
    }
    Ok(format!("{{{}}}", parts.join(",")))
}

/// An array element in double quotes with `\` and `"` escaped.
fn quote_element(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
