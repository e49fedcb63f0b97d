//! The model → a Drizzle schema in TypeScript (`pull`).
//!
//! Written so that the static reader reads it back to the same model: every
//! database name is spelled out, defaults, checks, generated columns, index
//! expressions, policies and view bodies are `sql` templates holding the
//! SQL as the database gives it, and a column type with no drizzle-orm
//! builder of its own is a `customType` declared once at the top.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use crate::schema::{
    Column, ColumnType, Dialect, FkAction, ForeignKey, Index, Policy, PolicyCommand, QualifiedName,
    Schema, SequenceOptions, Table, View,
};

/// The schema as one TypeScript module. With `derive` (the project's
/// casing: a key → the column name it gives), a column whose name the
/// casing derives from its key is written without it.
pub fn schema_module<'s>(schema: &'s Schema, derive: Option<&'s dyn Fn(&str) -> String>) -> String {
    let mut writer = Writer::new(schema);
    writer.derive = derive;
    writer.module()
}

struct Writer<'s> {
    schema: &'s Schema,
    /// The casing's key → name, when column names may be left to it.
    derive: Option<&'s dyn Fn(&str) -> String>,
    core: &'static str,
    /// JavaScript names taken, and each entity's.
    taken: HashSet<String>,
    tables: HashMap<QualifiedName, String>,
    enums: HashMap<QualifiedName, String>,
    namespaces: HashMap<String, String>,
    /// Builders imported from the core module.
    imports: BTreeSet<&'static str>,
    /// `customType`s by SQL type: (variable, SQL).
    custom: Vec<(String, String)>,
    uses_sql: bool,
}

impl<'s> Writer<'s> {
    fn new(schema: &'s Schema) -> Writer<'s> {
        Writer {
            schema,
            derive: None,
            core: match schema.dialect {
                Dialect::Postgres => "drizzle-orm/pg-core",
                Dialect::Sqlite => "drizzle-orm/sqlite-core",
                Dialect::Mysql => "drizzle-orm/mysql-core",
            },
            taken: ["sql"].iter().map(|s| s.to_string()).collect(),
            tables: HashMap::new(),
            enums: HashMap::new(),
            namespaces: HashMap::new(),
            imports: BTreeSet::new(),
            custom: Vec::new(),
            uses_sql: false,
        }
    }

    fn module(mut self) -> String {
        let default = self.schema.dialect.default_schema().to_string();
        for s in &self.schema.schemas {
            if *s != default {
                let name = self.name(&format!("{s}Schema"));
                self.namespaces.insert(s.clone(), name);
            }
        }
        for e in &self.schema.enums {
            let name = self.name(&e.name);
            self.enums
                .insert(QualifiedName::new(&e.schema, &e.name), name);
        }
        for t in &self.schema.tables {
            let name = self.name(&t.name);
            self.tables.insert(t.qualified(), name);
        }
        let mut body = String::new();
        let mut namespaces: Vec<_> = self.namespaces.iter().collect();
        namespaces.sort();
        for (schema, var) in namespaces {
            self.imports.insert("pgSchema");
            let _ = writeln!(body, "export const {var} = pgSchema({});\n", js(schema));
        }
        for r in &self.schema.roles {
            self.imports.insert("pgRole");
            let var = self.name(&format!("{}Role", r.name));
            let mut options = Vec::new();
            if r.create_db {
                options.push("createDb: true".to_string());
            }
            if r.create_role {
                options.push("createRole: true".to_string());
            }
            if !r.inherit {
                options.push("inherit: false".to_string());
            }
            let options = if options.is_empty() {
                String::new()
            } else {
                format!(", {{ {} }}", options.join(", "))
            };
            let _ = writeln!(
                body,
                "export const {var} = pgRole({}{options});\n",
                js(&r.name)
            );
        }
        for e in &self.schema.enums {
            let var = self.enums[&QualifiedName::new(&e.schema, &e.name)].clone();
            let values: Vec<String> = e.values.iter().map(|v| js(v)).collect();
            let maker = self.maker(&e.schema, "pgEnum", "enum");
            let _ = writeln!(
                body,
                "export const {var} = {maker}({}, [{}]);\n",
                js(&e.name),
                values.join(", ")
            );
        }
        for s in &self.schema.sequences {
            let var = self.name(&s.name);
            let maker = self.maker(&s.schema, "pgSequence", "sequence");
            let options = sequence_options(&s.options);
            let _ = writeln!(
                body,
                "export const {var} = {maker}({}{});\n",
                js(&s.name),
                if options.is_empty() {
                    String::new()
                } else {
                    format!(", {{ {options} }}")
                }
            );
        }
        for t in self.order_tables() {
            let text = self.table(t);
            body.push_str(&text);
        }
        for v in &self.schema.views {
            let text = self.view(v);
            body.push_str(&text);
        }
        let mut out =
            String::from("// Written by `db-migrate pull` from the database; edit freely.\n");
        if self.uses_sql {
            out.push_str("import { sql } from \"drizzle-orm\";\n");
        }
        if !self.custom.is_empty() {
            self.imports.insert("customType");
        }
        let imports: Vec<&str> = self.imports.iter().copied().collect();
        let _ = writeln!(
            out,
            "import {{ {} }} from \"{}\";\n",
            imports.join(", "),
            self.core
        );
        for (var, ty) in &self.custom {
            let _ = writeln!(
                out,
                "const {var} = customType<{{ data: unknown }}>({{ dataType: () => {} }});",
                js(ty)
            );
        }
        if !self.custom.is_empty() {
            out.push('\n');
        }
        out.push_str(body.trim_end());
        out.push('\n');
        out
    }

    /// `pgEnum("x", ...)` in the default schema, `<schema>.enum("x", ...)` in another.
    fn maker(&mut self, schema: &str, top: &'static str, method: &str) -> String {
        match self.namespaces.get(schema) {
            Some(var) => format!("{var}.{method}"),
            None => {
                self.imports.insert(top);
                top.to_string()
            }
        }
    }

    /// A fresh JavaScript name for a database name (`user_accounts` → `userAccounts`).
    fn name(&mut self, db_name: &str) -> String {
        let base = camel(db_name);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) || RESERVED.contains(&name.as_str()) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// Tables in an order where each comes after those its foreign keys name
    /// (as far as cycles allow).
    fn order_tables(&self) -> Vec<&'s Table> {
        let mut done: HashSet<QualifiedName> = HashSet::new();
        let mut out = Vec::new();
        let mut rest: Vec<&Table> = self.schema.tables.iter().collect();
        while !rest.is_empty() {
            let ready = rest.iter().position(|t| {
                t.foreign_keys.iter().all(|fk| {
                    fk.references == t.qualified()
                        || done.contains(&fk.references)
                        || !self.tables.contains_key(&fk.references)
                })
            });
            let t = rest.remove(ready.unwrap_or(0));
            done.insert(t.qualified());
            out.push(t);
        }
        out
    }

    fn table(&mut self, t: &Table) -> String {
        let var = self.tables[&t.qualified()].clone();
        let maker = match self.schema.dialect {
            Dialect::Postgres => self.maker(&t.schema, "pgTable", "table"),
            Dialect::Sqlite => {
                self.imports.insert("sqliteTable");
                "sqliteTable".to_string()
            }
            Dialect::Mysql => self.maker(&t.schema, "mysqlTable", "table"),
        };
        let keys = column_keys(t);
        let mut out = format!("export const {var} = {maker}(\n  {},\n  {{\n", js(&t.name));
        let single_pk = t.primary_key.as_ref().filter(|pk| {
            pk.columns.len() == 1
                && pk
                    .name
                    .as_deref()
                    .is_none_or(|n| *n == format!("{}_pkey", t.name))
        });
        for c in &t.columns {
            let mut line = self.column(c, &keys[c.name.as_str()]);
            if single_pk.is_some_and(|pk| pk.columns[0] == c.name) {
                if c.autoincrement && self.schema.dialect == Dialect::Sqlite {
                    line.push_str(".primaryKey({ autoIncrement: true })");
                } else {
                    line.push_str(".primaryKey()");
                }
            }
            let _ = writeln!(out, "    {}: {line},", key(&keys[c.name.as_str()]));
        }
        out.push_str("  }");
        let col = |name: &str| {
            format!(
                "t.{}",
                keys.get(name).cloned().unwrap_or_else(|| camel(name))
            )
        };
        let mut extra = Vec::new();
        if let Some(pk) = t.primary_key.as_ref().filter(|_| single_pk.is_none()) {
            self.imports.insert("primaryKey");
            let columns: Vec<String> = pk.columns.iter().map(|c| col(c)).collect();
            // drizzle names an unnamed composite key `<table>_<columns>_pk`; PostgreSQL `<table>_pkey`.
            let name = pk
                .name
                .clone()
                .unwrap_or_else(|| format!("{}_pkey", t.name));
            let name = match self.schema.dialect {
                Dialect::Postgres => format!("name: {}, ", js(&name)),
                // SQLite keeps no key names; MySQL calls every primary key PRIMARY.
                Dialect::Sqlite | Dialect::Mysql => String::new(),
            };
            extra.push(format!(
                "primaryKey({{ {name}columns: [{}] }})",
                columns.join(", ")
            ));
        }
        for u in &t.uniques {
            self.imports.insert("unique");
            let columns: Vec<String> = u.columns.iter().map(|c| col(c)).collect();
            extra.push(format!(
                "unique({}).on({}){}",
                js(&u.name),
                columns.join(", "),
                if u.nulls_not_distinct {
                    ".nullsNotDistinct()"
                } else {
                    ""
                }
            ));
        }
        for fk in &t.foreign_keys {
            extra.push(self.foreign_key(t, fk, &col));
        }
        for c in &t.checks {
            self.imports.insert("check");
            extra.push(format!(
                "check({}, {})",
                js(&c.name),
                self.sql(&c.expression)
            ));
        }
        for i in &t.indexes {
            extra.push(self.index(i, &col));
        }
        for p in &t.policies {
            extra.push(self.policy(p));
        }
        if !extra.is_empty() {
            out.push_str(",\n  (t) => [\n");
            for e in extra {
                let _ = writeln!(out, "    {e},");
            }
            out.push_str("  ]");
        }
        out.push_str(",\n)");
        if t.rls_enabled && t.policies.is_empty() {
            out.push_str(".enableRLS()");
        }
        out.push_str(";\n\n");
        out
    }

    fn column(&mut self, c: &Column, key: &str) -> String {
        let mut out = self.column_type(c, key);
        for _ in 0..c.dims {
            out.push_str(".array()");
        }
        if c.not_null && !self.implied_not_null(c) {
            out.push_str(".notNull()");
        }
        if let Some(d) = &c.default {
            let d = if self.schema.dialect == Dialect::Sqlite && !sqlite_literal(d) {
                format!("({d})")
            } else {
                d.clone()
            };
            out.push_str(&format!(".default({})", self.sql(&d)));
        }
        let mysql = self.schema.dialect == Dialect::Mysql;
        if mysql && c.autoincrement {
            out.push_str(".autoincrement()");
        }
        if mysql && c.on_update {
            out.push_str(".onUpdateNow()");
        }
        if let Some(g) = &c.generated {
            let options = if self.schema.dialect != Dialect::Postgres {
                format!(
                    ", {{ mode: {} }}",
                    js(if c.generated_virtual {
                        "virtual"
                    } else {
                        "stored"
                    })
                )
            } else {
                String::new()
            };
            out.push_str(&format!(".generatedAlwaysAs({}{options})", self.sql(g)));
        }
        if let Some(id) = &c.identity {
            let mut options = Vec::new();
            if let Some(n) = &id.sequence_name {
                options.push(format!("name: {}", js(n)));
            }
            let rest = sequence_options(&id.options);
            if !rest.is_empty() {
                options.push(rest);
            }
            let options = if options.is_empty() {
                String::new()
            } else {
                format!("{{ {} }}", options.join(", "))
            };
            out.push_str(&format!(
                ".generated{}AsIdentity({options})",
                if id.always { "Always" } else { "ByDefault" }
            ));
        }
        out
    }

    /// Whether the builder makes the column NOT NULL by itself (serial types).
    fn implied_not_null(&self, c: &Column) -> bool {
        matches!(&c.ty, ColumnType::Sql(t) if t.ends_with("serial")) && c.dims == 0
    }

    /// `integer("id")`, `varchar("email", { length: 320 })`, `mood("mood")`...;
    /// without the name (`integer()`) when the casing derives it from `key`.
    fn column_type(&mut self, c: &Column, key: &str) -> String {
        let derived = self.derive.is_some_and(|derive| derive(key) == c.name);
        let name = if derived { String::new() } else { js(&c.name) };
        let args = |options: Option<String>| match (name.is_empty(), options) {
            (true, Some(o)) => format!("{{ {o} }}"),
            (false, Some(o)) => format!("{name}, {{ {o} }}"),
            (_, None) => name.clone(),
        };
        let sql = match &c.ty {
            ColumnType::Enum(e) => {
                if let Some(var) = self.enums.get(e) {
                    return format!("{var}({name})");
                }
                crate::render::postgres_type(&c.ty, 0)
            }
            ColumnType::Sql(t) => t.clone(),
        };
        if self.schema.dialect == Dialect::Mysql
            && let Some(values) = mysql_enum_values(&sql)
        {
            self.imports.insert("mysqlEnum");
            let values: Vec<String> = values.iter().map(|v| js(v)).collect();
            let values = format!("[{}]", values.join(", "));
            return if name.is_empty() {
                format!("mysqlEnum({values})")
            } else {
                format!("mysqlEnum({name}, {values})")
            };
        }
        if let Some((builder, options)) = builder(self.schema.dialect, &sql) {
            self.imports.insert(builder);
            return format!("{builder}({})", args(options));
        }
        let var = match self.custom.iter().find(|(_, ty)| *ty == sql) {
            Some((var, _)) => var.clone(),
            None => {
                let var = self.name(&format!("{sql}_type"));
                self.custom.push((var.clone(), sql.clone()));
                var
            }
        };
        format!("{var}({name})")
    }

    fn foreign_key(&mut self, t: &Table, fk: &ForeignKey, col: &dyn Fn(&str) -> String) -> String {
        self.imports.insert("foreignKey");
        let columns: Vec<String> = fk.columns.iter().map(|c| col(c)).collect();
        let target = if fk.references == t.qualified() {
            "t".to_string()
        } else {
            self.tables
                .get(&fk.references)
                .cloned()
                .unwrap_or_else(|| camel(&fk.references.name))
        };
        let target_table = self
            .schema
            .table(&fk.references.schema, &fk.references.name);
        let foreign: Vec<String> = fk
            .referenced_columns
            .iter()
            .map(|c| {
                if target == "t" {
                    col(c)
                } else {
                    let key = target_table
                        .and_then(|tt| column_keys(tt).get(c.as_str()).cloned())
                        .unwrap_or_else(|| camel(c));
                    format!("{target}.{key}")
                }
            })
            .collect();
        let mut out = format!(
            "foreignKey({{ name: {}, columns: [{}], foreignColumns: [{}] }})",
            js(&fk.name),
            columns.join(", "),
            foreign.join(", ")
        );
        for (what, action) in [("onDelete", fk.on_delete), ("onUpdate", fk.on_update)] {
            if action != FkAction::NoAction {
                out.push_str(&format!(
                    ".{what}({})",
                    js(&action.sql().to_ascii_lowercase())
                ));
            }
        }
        out
    }

    fn index(&mut self, i: &Index, col: &dyn Fn(&str) -> String) -> String {
        let builder = if i.unique { "uniqueIndex" } else { "index" };
        self.imports.insert(builder);
        let keys: Vec<String> = i
            .keys
            .iter()
            .map(|k| {
                if k.expression {
                    // drizzle-orm's key methods are on columns; an expression
                    // carries its operator class and ordering in its SQL.
                    let mut text = k.key.clone();
                    for word in [k.opclass.as_deref(), k.desc.then_some("DESC")]
                        .into_iter()
                        .flatten()
                    {
                        text.push(' ');
                        text.push_str(word);
                    }
                    match k.nulls {
                        Some(crate::schema::Nulls::First) => text.push_str(" NULLS FIRST"),
                        Some(crate::schema::Nulls::Last) => text.push_str(" NULLS LAST"),
                        None => {}
                    }
                    return self.sql(&text);
                }
                let mut key = col(&k.key);
                if let Some(op) = &k.opclass {
                    key.push_str(&format!(".op({})", js(op)));
                }
                if k.desc {
                    key.push_str(".desc()");
                }
                // drizzle-orm's `.desc()` means NULLS LAST; PostgreSQL's DESC, NULLS FIRST.
                match (k.nulls, k.desc) {
                    (Some(crate::schema::Nulls::First), _) | (None, true) => {
                        key.push_str(".nullsFirst()")
                    }
                    (Some(crate::schema::Nulls::Last), _) => key.push_str(".nullsLast()"),
                    (None, false) => {}
                }
                key
            })
            .collect();
        let mut out = format!("{builder}({})", js(&i.name));
        if i.concurrently {
            out.push_str(".concurrently()");
        }
        match &i.method {
            Some(m) => out.push_str(&format!(".using({}, {})", js(m), keys.join(", "))),
            None => out.push_str(&format!(".on({})", keys.join(", "))),
        }
        if !i.with.is_empty() {
            let with: Vec<String> = i
                .with
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k), option_value(v)))
                .collect();
            out.push_str(&format!(".with({{ {} }})", with.join(", ")));
        }
        if let Some(p) = &i.predicate {
            out.push_str(&format!(".where({})", self.sql(p)));
        }
        out
    }

    fn policy(&mut self, p: &Policy) -> String {
        self.imports.insert("pgPolicy");
        let mut options = Vec::new();
        if p.restrictive {
            options.push("as: \"restrictive\"".to_string());
        }
        if p.command != PolicyCommand::All {
            options.push(format!(
                "for: {}",
                js(&p.command.sql().to_ascii_lowercase())
            ));
        }
        if !p.to.is_empty() {
            let to: Vec<String> = p.to.iter().map(|r| js(r)).collect();
            options.push(format!("to: [{}]", to.join(", ")));
        }
        if let Some(u) = &p.using {
            options.push(format!("using: {}", self.sql(u)));
        }
        if let Some(w) = &p.with_check {
            options.push(format!("withCheck: {}", self.sql(w)));
        }
        format!("pgPolicy({}, {{ {} }})", js(&p.name), options.join(", "))
    }

    fn view(&mut self, v: &View) -> String {
        let var = self.name(&v.name);
        let (top, method) = match (self.schema.dialect, v.materialized) {
            (Dialect::Sqlite, _) => ("sqliteView", "view"),
            (Dialect::Postgres, true) => ("pgMaterializedView", "materializedView"),
            (Dialect::Postgres, false) => ("pgView", "view"),
            (Dialect::Mysql, _) => ("mysqlView", "view"),
        };
        let maker = if self.schema.dialect == Dialect::Sqlite {
            self.imports.insert(top);
            top.to_string()
        } else {
            self.maker(&v.schema, top, method)
        };
        let mut out = format!("export const {var} = {maker}({})", js(&v.name));
        if self.schema.dialect == Dialect::Mysql {
            // mysql-core's view options are methods of their own.
            for (k, val) in &v.with {
                let method = match k.as_str() {
                    "algorithm" => "algorithm",
                    "sql_security" => "sqlSecurity",
                    _ => "withCheckOption",
                };
                out.push_str(&format!(".{method}({})", js(val)));
            }
        } else if !v.with.is_empty() {
            let with: Vec<String> = v
                .with
                .iter()
                .map(|(k, val)| format!("{}: {}", key(&camel(k)), option_value(val)))
                .collect();
            out.push_str(&format!(".with({{ {} }})", with.join(", ")));
        }
        if let Some(u) = &v.using {
            out.push_str(&format!(".using({})", js(u)));
        }
        if let Some(t) = &v.tablespace {
            out.push_str(&format!(".tablespace({})", js(t)));
        }
        if v.with_no_data {
            out.push_str(".withNoData()");
        }
        out.push_str(&format!(".as({});\n\n", self.sql(&v.definition)));
        out
    }

    /// `` sql`...` `` holding `text`.
    fn sql(&mut self, text: &str) -> String {
        self.uses_sql = true;
        let escaped = text
            .replace('\\', "\\\\")
            .replace('`', "\\`")
            .replace("${", "\\${");
        format!("sql`{escaped}`")
    }
}

/// True for a SQLite default that needs no parentheses in DDL: a literal,
/// `NULL`, `TRUE`/`FALSE`, `CURRENT_TIMESTAMP`..., or one already in them.
fn sqlite_literal(d: &str) -> bool {
    let d = d.trim();
    let upper = d.to_ascii_uppercase();
    d.starts_with(['\'', '(', '"'])
        || d.parse::<f64>().is_ok()
        || matches!(
            upper.as_str(),
            "NULL" | "TRUE" | "FALSE" | "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME"
        )
        || (upper.starts_with("X'") && d.ends_with('\''))
}

/// Each column's key in the pulled table `t`: its name in camelCase, with a
/// number added when two names give the same key.
fn column_keys(t: &Table) -> HashMap<&str, String> {
    let mut used = HashSet::new();
    t.columns
        .iter()
        .map(|c| {
            let base = camel(&c.name);
            let mut key = base.clone();
            let mut n = 2;
            while !used.insert(key.clone()) {
                key = format!("{base}{n}");
                n += 1;
            }
            (c.name.as_str(), key)
        })
        .collect()
}

/// The drizzle-orm builder for a SQL type, with its options, when there is one.
fn builder(dialect: Dialect, sql: &str) -> Option<(&'static str, Option<String>)> {
    let plain = |b: &'static str| Some((b, None));
    match dialect {
        Dialect::Sqlite => match sql {
            "integer" => plain("integer"),
            "text" => plain("text"),
            "real" => plain("real"),
            "blob" => plain("blob"),
            "numeric" => plain("numeric"),
            _ => None,
        },
        Dialect::Mysql => mysql_builder(sql),
        Dialect::Postgres => {
            let (base, args) = match sql.split_once('(') {
                Some((b, rest)) if !sql.contains(" with") => {
                    (b.trim(), Some(rest.trim_end_matches(')').to_string()))
                }
                _ => (sql, None),
            };
            match (base, args.as_deref()) {
                ("integer", None) => plain("integer"),
                ("smallint", None) => plain("smallint"),
                ("bigint", None) => Some(("bigint", Some("mode: \"number\"".into()))),
                ("serial", None) => plain("serial"),
                ("smallserial", None) => plain("smallserial"),
                ("bigserial", None) => Some(("bigserial", Some("mode: \"number\"".into()))),
                ("text", None) => plain("text"),
                ("boolean", None) => plain("boolean"),
                ("uuid", None) => plain("uuid"),
                ("json", None) => plain("json"),
                ("jsonb", None) => plain("jsonb"),
                ("date", None) => plain("date"),
                ("real", None) => plain("real"),
                ("double precision", None) => plain("doublePrecision"),
                ("inet", None) => plain("inet"),
                ("cidr", None) => plain("cidr"),
                ("macaddr", None) => plain("macaddr"),
                ("varchar", None) => plain("varchar"),
                ("varchar", Some(n)) if n.parse::<u32>().is_ok() => {
                    Some(("varchar", Some(format!("length: {n}"))))
                }
                ("char", Some(n)) if n.parse::<u32>().is_ok() => {
                    Some(("char", Some(format!("length: {n}"))))
                }
                ("numeric", None) => plain("numeric"),
                ("numeric", Some(ps)) => {
                    let mut parts = ps.split(',').map(str::trim);
                    let p = parts.next()?.parse::<u32>().ok()?;
                    match parts.next() {
                        Some(s) => Some((
                            "numeric",
                            Some(format!("precision: {p}, scale: {}", s.parse::<u32>().ok()?)),
                        )),
                        None => Some(("numeric", Some(format!("precision: {p}")))),
                    }
                }
                _ => timestamp(sql),
            }
        }
    }
}

/// The values of a MySQL `enum('a','b')` type (`''` is a quote).
fn mysql_enum_values(sql: &str) -> Option<Vec<String>> {
    let inner = sql.strip_prefix("enum(")?.strip_suffix(')')?;
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        if chars.next()? != '\'' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                c => value.push(c),
            }
        }
        values.push(value);
        match chars.next() {
            None => return Some(values),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

/// The mysql-core column builders `pull` writes, named as their SQL types.
const MYSQL_BUILDERS: [&str; 25] = [
    "int",
    "tinyint",
    "smallint",
    "mediumint",
    "bigint",
    "serial",
    "boolean",
    "date",
    "json",
    "year",
    "text",
    "tinytext",
    "mediumtext",
    "longtext",
    "datetime",
    "timestamp",
    "time",
    "decimal",
    "double",
    "float",
    "real",
    "binary",
    "varbinary",
    "varchar",
    "char",
];

/// The mysql-core builder for a MySQL type (`int unsigned`, `varchar(255)`, `datetime(3)`...).
fn mysql_builder(sql: &str) -> Option<(&'static str, Option<String>)> {
    let (sql, unsigned) = match sql.strip_suffix(" unsigned") {
        Some(s) => (s, true),
        None => (sql, false),
    };
    let (base, args) = match sql.split_once('(') {
        Some((b, rest)) => (b, Some(rest.strip_suffix(')')?)),
        None => (sql, None),
    };
    let name = MYSQL_BUILDERS.into_iter().find(|b| *b == base)?;
    let number = |n: &str| n.trim().parse::<u32>().ok();
    let mut options = Vec::new();
    match (base, args) {
        ("bigint", None) => options.push("mode: \"number\"".to_string()),
        ("varchar" | "char" | "binary" | "varbinary", Some(n)) => {
            options.push(format!("length: {}", number(n)?));
        }
        ("datetime" | "timestamp" | "time", Some(n)) => {
            options.push(format!("fsp: {}", number(n)?));
        }
        ("decimal" | "double" | "float", Some(ps)) => {
            let (p, s) = match ps.split_once(',') {
                Some((p, s)) => (number(p)?, Some(number(s)?)),
                None => (number(ps)?, None),
            };
            options.push(format!("precision: {p}"));
            if let Some(s) = s {
                options.push(format!("scale: {s}"));
            }
        }
        (_, None) => {}
        _ => return None,
    }
    if unsigned {
        options.push("unsigned: true".to_string());
    }
    Some((name, (!options.is_empty()).then(|| options.join(", "))))
}

/// `timestamp`, `timestamp(3)`, `timestamp with time zone`, `timestamp(6) with time zone`.
fn timestamp(sql: &str) -> Option<(&'static str, Option<String>)> {
    let sql = sql.strip_suffix(" without time zone").unwrap_or(sql);
    let (head, zone) = match sql.strip_suffix(" with time zone") {
        Some(h) => (h, true),
        None => (sql, false),
    };
    let precision = match head.strip_prefix("timestamp") {
        Some("") => None,
        Some(rest) => Some(
            rest.strip_prefix('(')?
                .strip_suffix(')')?
                .parse::<u32>()
                .ok()?,
        ),
        None => return None,
    };
    let mut options = Vec::new();
    if let Some(p) = precision {
        options.push(format!("precision: {p}"));
    }
    if zone {
        options.push("withTimezone: true".into());
    }
    Some((
        "timestamp",
        (!options.is_empty()).then(|| options.join(", ")),
    ))
}

fn sequence_options(o: &SequenceOptions) -> String {
    let mut parts = Vec::new();
    for (key, value) in [
        ("startWith", o.start),
        ("increment", o.increment),
        ("minValue", o.min_value),
        ("maxValue", o.max_value),
        ("cache", o.cache),
    ] {
        if let Some(v) = value {
            parts.push(format!("{key}: {}", js(&v.to_string())));
        }
    }
    if o.cycle {
        parts.push("cycle: true".into());
    }
    parts.join(", ")
}

/// An index or view option's value: a number or boolean as is, else a string.
fn option_value(v: &str) -> String {
    if v.parse::<f64>().is_ok() || v == "true" || v == "false" {
        v.to_string()
    } else {
        js(v.trim_matches('\''))
    }
}

/// A JavaScript string literal.
fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// An object key: bare when it is an identifier, quoted otherwise.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident { k.to_string() } else { js(k) }
}

/// `user_accounts` → `userAccounts`; a leading digit gets `_`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper && !out.is_empty() {
                out.push(c.to_ascii_uppercase());
            } else if out.is_empty() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Names a module-level `const` cannot have.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "let",
    "static",
    "await",
    "implements",
    "interface",
    "package",
    "private",
    "protected",
    "public",
    "arguments",
    "eval",
    "undefined",
    "NaN",
    "Infinity",
    "Object",
    "Array",
    "String",
    "Number",
    "Boolean",
    "Date",
    "JSON",
    "Math",
    "Promise",
    "Error",
    "Symbol",
    "Map",
    "Set",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert_eq!(camel("user_accounts"), "userAccounts");
        assert_eq!(camel("2fa"), "_2fa");
        assert_eq!(camel("Name"), "name");
        assert_eq!(
            builder(Dialect::Postgres, "numeric(10, 2)"),
            Some(("numeric", Some("precision: 10, scale: 2".into())))
        );
        assert_eq!(
            builder(Dialect::Postgres, "timestamp(3) with time zone"),
            Some(("timestamp", Some("precision: 3, withTimezone: true".into())))
        );
        assert_eq!(builder(Dialect::Postgres, "tsvector"), None);
    }
}
