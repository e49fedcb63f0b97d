//! PostgreSQL rendering, following drizzle-kit's conventions where they are
//! right (names, layout, `ON DELETE x ON UPDATE y`) and correcting them where
//! they are not (`USING` casts, no blanket `CASCADE`, unquoted parameterised types).

use super::{ident, ident_list, literal, qualified};
use crate::diff::{Change, ColumnChange, ColumnPart, UncheckedConstraint};
use crate::schema::{
    Column, ColumnType, Dialect, Enum, ForeignKey, Identity, Index, Nulls, Policy, PrimaryKey,
    QualifiedName, Role, Sequence, SequenceOptions, Table, Unique, View, canonical, names,
};

const PG: Dialect = Dialect::Postgres;

fn table_name(q: &QualifiedName) -> String {
    qualified(PG, &q.schema, &q.name)
}

/// Always schema-qualified, as drizzle-kit writes types, sequences and FK targets.
fn full_name(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// The statements for one change.
pub fn change(c: &Change) -> Vec<String> {
    match c {
        Change::CreateSchema(s) => vec![format!("CREATE SCHEMA {}", ident(s))],
        Change::DropSchema(s) => vec![format!("DROP SCHEMA {}", ident(s))],
        Change::CreateEnum(e) => vec![create_enum(e)],
        Change::DropEnum(e) => vec![format!("DROP TYPE {}", full_name(&e.schema, &e.name))],
        Change::AddEnumValue {
            name,
            value,
            before,
        } => {
            let mut s = format!(
                "ALTER TYPE {} ADD VALUE {}",
                full_name(&name.schema, &name.name),
                literal(value)
            );
            if let Some(b) = before {
                s.push_str(&format!(" BEFORE {}", literal(b)));
            }
            vec![s]
        }
        Change::RecreateEnum { to, columns, .. } => recreate_enum(to, columns),
        Change::CreateSequence(s) => vec![create_sequence(s)],
        Change::DropSequence(s) => vec![format!("DROP SEQUENCE {}", full_name(&s.schema, &s.name))],
        Change::CreateTable(t) => vec![create_table(t)],
        Change::DropTable(t) => vec![format!("DROP TABLE {}", table_name(&t.qualified()))],
        Change::RenameTable { from, to } => {
            let mut out = Vec::new();
            let mut current = from.clone();
            if from.schema != to.schema {
                out.push(format!(
                    "ALTER TABLE {} SET SCHEMA {}",
                    table_name(from),
                    ident(&to.schema)
                ));
                current.schema = to.schema.clone();
            }
            if from.name != to.name {
                out.push(format!(
                    "ALTER TABLE {} RENAME TO {}",
                    table_name(&current),
                    ident(&to.name)
                ));
            }
            out
        }
        Change::AddColumn { table, column } => vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            table_name(table),
            column_def(&table.schema, &table.name, column, false)
        )],
        Change::DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            table_name(table),
            ident(&column.name)
        )],
        Change::RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            table_name(table),
            ident(from),
            ident(to)
        )],
        Change::AlterColumn {
            table,
            from,
            to,
            what,
        } => alter_column(table, from, to, *what),
        Change::AddPrimaryKey { table, pk } => vec![format!(
            "ALTER TABLE {} ADD {}",
            table_name(table),
            primary_key(pk)
        )],
        Change::DropPrimaryKey { table, pk } => {
            let name = pk
                .name
                .clone()
                .unwrap_or_else(|| names::postgres_primary_key(&table.name));
            vec![drop_constraint(table, &name)]
        }
        Change::AddUnique { table, unique } => vec![format!(
            "ALTER TABLE {} ADD {}",
            table_name(table),
            unique_def(unique)
        )],
        Change::DropUnique { table, unique } => vec![drop_constraint(table, &unique.name)],
        Change::AddForeignKey { table, fk } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            table_name(table),
            ident(&fk.name),
            foreign_key(fk)
        )],
        Change::DropForeignKey { table, fk } => vec![drop_constraint(table, &fk.name)],
        Change::AddCheck { table, check } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
            table_name(table),
            ident(&check.name),
            check.expression
        )],
        Change::DropCheck { table, check } => vec![drop_constraint(table, &check.name)],
        Change::CreateIndex { table, index } => vec![create_index(table, index)],
        Change::DropIndex { table, index } => {
            vec![format!(
                "DROP INDEX {}",
                qualified(PG, &table.schema, &index.name)
            )]
        }
        // The planner only makes rebuilds for SQLite.
        Change::RebuildTable { .. } => Vec::new(),
        Change::AlterColumnPart {
            table,
            column,
            part,
        } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} {}",
            table_name(table),
            ident(column),
            column_part(part)
        )],
        Change::AddConstraintNotValid { table, constraint } => {
            let body = match constraint {
                UncheckedConstraint::ForeignKey(fk) => foreign_key(fk),
                UncheckedConstraint::Check(c) => format!("CHECK ({})", c.expression),
            };
            vec![format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {body} NOT VALID",
                table_name(table),
                ident(constraint.name())
            )]
        }
        Change::ValidateConstraint { table, name } => {
            vec![format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                table_name(table),
                ident(name)
            )]
        }
        Change::AddConstraintUsingIndex {
            table,
            name,
            index,
            primary_key,
        } => {
            let constraint = name
                .as_ref()
                .map(|n| format!("CONSTRAINT {} ", ident(n)))
                .unwrap_or_default();
            vec![format!(
                "ALTER TABLE {} ADD {constraint}{} USING INDEX {}",
                table_name(table),
                if *primary_key {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                },
                ident(index)
            )]
        }
        Change::DropIndexByName { name, concurrently } => vec![format!(
            "DROP INDEX {}{}",
            if *concurrently { "CONCURRENTLY " } else { "" },
            table_name(name)
        )],
        Change::RenameSchema { from, to } => vec![format!(
            "ALTER SCHEMA {} RENAME TO {}",
            ident(from),
            ident(to)
        )],
        Change::RenameEnum { from, to } => rename_object("TYPE", from, to),
        Change::RenameEnumValue { name, from, to } => vec![format!(
            "ALTER TYPE {} RENAME VALUE {} TO {}",
            full_name(&name.schema, &name.name),
            literal(from),
            literal(to)
        )],
        Change::AlterSequence { to, .. } => vec![format!(
            "ALTER SEQUENCE {} {}",
            full_name(&to.schema, &to.name),
            alter_sequence_options(&canonical::sequence_options(&to.options, "bigint"))
        )],
        Change::RenameSequence { from, to } => rename_object("SEQUENCE", from, to),
        Change::CreateView(v) => vec![create_view(v)],
        Change::DropView(v) => vec![format!(
            "DROP {} {}",
            view_keyword(v.materialized),
            full_name(&v.schema, &v.name)
        )],
        Change::RenameView {
            from,
            to,
            materialized,
        } => rename_object(view_keyword(*materialized), from, to),
        Change::CreateRole(r) => vec![format!(
            "CREATE ROLE {}{}",
            ident(&r.name),
            role_options(r, false)
        )],
        Change::DropRole(r) => vec![format!("DROP ROLE {}", ident(&r.name))],
        Change::AlterRole { to, .. } => vec![format!(
            "ALTER ROLE {}{}",
            ident(&to.name),
            role_options(to, true)
        )],
        Change::EnableRls(t) => vec![format!(
            "ALTER TABLE {} ENABLE ROW LEVEL SECURITY",
            table_name(t)
        )],
        Change::DisableRls(t) => vec![format!(
            "ALTER TABLE {} DISABLE ROW LEVEL SECURITY",
            table_name(t)
        )],
        Change::CreatePolicy { table, policy } => vec![create_policy(table, policy)],
        Change::DropPolicy { table, policy } => vec![format!(
            "DROP POLICY {} ON {}",
            ident(&policy.name),
            table_name(table)
        )],
        Change::AlterPolicy { table, to, .. } => vec![alter_policy(table, to)],
        Change::RenameConstraint { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            table_name(table),
            ident(from),
            ident(to)
        )],
        Change::RenameIndex { table, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            full_name(&table.schema, from),
            ident(to)
        )],
    }
}

/// `ALTER <kind> ... SET SCHEMA` and/or `RENAME TO` for a type, sequence or view.
fn rename_object(kind: &str, from: &QualifiedName, to: &QualifiedName) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = from.clone();
    if from.schema != to.schema {
        out.push(format!(
            "ALTER {kind} {} SET SCHEMA {}",
            full_name(&from.schema, &from.name),
            ident(&to.schema)
        ));
        current.schema = to.schema.clone();
    }
    if from.name != to.name {
        out.push(format!(
            "ALTER {kind} {} RENAME TO {}",
            full_name(&current.schema, &current.name),
            ident(&to.name)
        ));
    }
    out
}

fn view_keyword(materialized: bool) -> &'static str {
    if materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

/// `CREATE [MATERIALIZED] VIEW "s"."v" [USING m] [WITH (k = v)] [TABLESPACE t] AS (...) [WITH NO DATA]`.
fn create_view(v: &View) -> String {
    let mut s = format!(
        "CREATE {} {}",
        view_keyword(v.materialized),
        full_name(&v.schema, &v.name)
    );
    if v.materialized
        && let Some(using) = &v.using
    {
        s.push_str(&format!(" USING {}", ident(using.trim_matches('"'))));
    }
    if !v.with.is_empty() {
        let options: Vec<String> = v
            .with
            .iter()
            .map(|(k, val)| format!("{k} = {val}"))
            .collect();
        s.push_str(&format!(" WITH ({})", options.join(", ")));
    }
    if v.materialized
        && let Some(ts) = &v.tablespace
    {
        s.push_str(&format!(" TABLESPACE {}", ident(ts.trim_matches('"'))));
    }
    let body = v.definition.trim().trim_end_matches(';').trim_end();
    s.push_str(&format!(" AS ({body})"));
    if v.materialized && v.with_no_data {
        s.push_str(" WITH NO DATA");
    }
    s
}

/// ` WITH CREATEDB CREATEROLE NOINHERIT` as drizzle-kit writes it: only what
/// differs from the defaults when creating; every option when altering.
fn role_options(r: &Role, all: bool) -> String {
    let mut parts = Vec::new();
    if r.create_db || all {
        parts.push(if r.create_db {
            "CREATEDB"
        } else {
            "NOCREATEDB"
        });
    }
    if r.create_role || all {
        parts.push(if r.create_role {
            "CREATEROLE"
        } else {
            "NOCREATEROLE"
        });
    }
    if !r.inherit || all {
        parts.push(if r.inherit { "INHERIT" } else { "NOINHERIT" });
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" WITH {}", parts.join(" "))
    }
}

/// Policy roles: `public` and the current-user keywords bare, names quoted.
fn policy_roles(p: &Policy) -> String {
    if p.to.is_empty() {
        return "public".into();
    }
    p.to.iter()
        .map(|r| match r.to_ascii_lowercase().as_str() {
            k @ ("public" | "current_user" | "current_role" | "session_user") => k.to_string(),
            _ => ident(r),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_policy(table: &QualifiedName, p: &Policy) -> String {
    let mut s = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        ident(&p.name),
        table_name(table),
        if p.restrictive {
            "RESTRICTIVE"
        } else {
            "PERMISSIVE"
        },
        p.command.sql(),
        policy_roles(p)
    );
    if let Some(u) = &p.using {
        s.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        s.push_str(&format!(" WITH CHECK ({c})"));
    }
    s
}

fn alter_policy(table: &QualifiedName, p: &Policy) -> String {
    let mut s = format!(
        "ALTER POLICY {} ON {} TO {}",
        ident(&p.name),
        table_name(table),
        policy_roles(p)
    );
    if let Some(u) = &p.using {
        s.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        s.push_str(&format!(" WITH CHECK ({c})"));
    }
    s
}

/// Every option of `ALTER SEQUENCE`, `NO CYCLE` included.
fn alter_sequence_options(o: &SequenceOptions) -> String {
    let mut s = sequence_options(o);
    if !o.cycle {
        s.push_str(" NO CYCLE");
    }
    s
}

/// The action of a hand-written `ALTER COLUMN`.
fn column_part(part: &ColumnPart) -> String {
    match part {
        ColumnPart::Type { ty, dims, using } => {
            let using = using
                .as_ref()
                .map(|u| format!(" USING {u}"))
                .unwrap_or_default();
            format!("SET DATA TYPE {}{using}", type_sql(ty, *dims))
        }
        ColumnPart::SetNotNull => "SET NOT NULL".into(),
        ColumnPart::DropNotNull => "DROP NOT NULL".into(),
        ColumnPart::SetDefault(d) => format!("SET DEFAULT {d}"),
        ColumnPart::DropDefault => "DROP DEFAULT".into(),
    }
}

fn drop_constraint(table: &QualifiedName, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        table_name(table),
        ident(name)
    )
}

fn create_enum(e: &Enum) -> String {
    let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
    format!(
        "CREATE TYPE {} AS ENUM({})",
        full_name(&e.schema, &e.name),
        values.join(", ")
    )
}

/// Column types as drizzle-kit writes them: enums quoted (schema left out in public).
pub fn type_sql(ty: &ColumnType, dims: u8) -> String {
    let base = match ty {
        ColumnType::Sql(t) => t.clone(),
        ColumnType::Enum(q) => qualified(PG, &q.schema, &q.name),
    };
    format!("{base}{}", "[]".repeat(dims as usize))
}

fn identity_clause(table_schema: &str, table: &str, column: &Column, id: &Identity) -> String {
    let int_type = match &column.ty {
        ColumnType::Sql(t) => canonical::type_sql(PG, t),
        ColumnType::Enum(_) => "integer".into(),
    };
    let seq = id
        .sequence_name
        .clone()
        .unwrap_or_else(|| names::sequence(table, &column.name));
    let seq = qualified(PG, table_schema, &seq);
    format!(
        "GENERATED {} AS IDENTITY (sequence name {seq} {})",
        if id.always { "ALWAYS" } else { "BY DEFAULT" },
        sequence_options(&canonical::sequence_options(&id.options, &int_type))
    )
}

fn sequence_options(o: &SequenceOptions) -> String {
    let mut parts = Vec::new();
    if let Some(v) = o.increment {
        parts.push(format!("INCREMENT BY {v}"));
    }
    if let Some(v) = o.min_value {
        parts.push(format!("MINVALUE {v}"));
    }
    if let Some(v) = o.max_value {
        parts.push(format!("MAXVALUE {v}"));
    }
    if let Some(v) = o.start {
        parts.push(format!("START WITH {v}"));
    }
    if let Some(v) = o.cache {
        parts.push(format!("CACHE {v}"));
    }
    if o.cycle {
        parts.push("CYCLE".into());
    }
    parts.join(" ")
}

/// Every option written out, as drizzle-kit does.
fn create_sequence(s: &Sequence) -> String {
    let opts = sequence_options(&canonical::sequence_options(&s.options, "bigint"));
    let mut out = format!("CREATE SEQUENCE {}", full_name(&s.schema, &s.name));
    if !opts.is_empty() {
        out.push(' ');
        out.push_str(&opts);
    }
    out
}

/// `"name" type [PRIMARY KEY] [DEFAULT x] [GENERATED ...] [NOT NULL]`.
fn column_def(table_schema: &str, table: &str, c: &Column, inline_pk: bool) -> String {
    let mut s = format!("{} {}", ident(&c.name), type_sql(&c.ty, c.dims));
    if inline_pk {
        s.push_str(" PRIMARY KEY");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
    }
    if let Some(id) = &c.identity {
        s.push(' ');
        s.push_str(&identity_clause(table_schema, table, c, id));
    } else if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

fn primary_key(pk: &PrimaryKey) -> String {
    match &pk.name {
        Some(n) => format!(
            "CONSTRAINT {} PRIMARY KEY({})",
            ident(n),
            ident_list(&pk.columns)
        ),
        None => format!("PRIMARY KEY({})", ident_list(&pk.columns)),
    }
}

fn unique_def(u: &Unique) -> String {
    format!(
        "CONSTRAINT {} UNIQUE{}({})",
        ident(&u.name),
        if u.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        ident_list(&u.columns)
    )
}

fn foreign_key(fk: &ForeignKey) -> String {
    format!(
        "FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
        ident_list(&fk.columns),
        full_name(&fk.references.schema, &fk.references.name),
        ident_list(&fk.referenced_columns),
        fk.on_delete.sql(),
        fk.on_update.sql()
    )
}

fn create_table(t: &Table) -> String {
    let inline_pk = t
        .primary_key
        .as_ref()
        .filter(|pk| pk.name.is_none() && pk.columns.len() == 1)
        .map(|pk| pk.columns[0].clone());
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            column_def(
                &t.schema,
                &t.name,
                c,
                inline_pk.as_deref() == Some(c.name.as_str()),
            )
        })
        .collect();
    if let Some(pk) = &t.primary_key
        && inline_pk.is_none()
    {
        lines.push(primary_key(pk));
    }
    lines.extend(t.uniques.iter().map(unique_def));
    lines.extend(
        t.checks
            .iter()
            .map(|c| format!("CONSTRAINT {} CHECK ({})", ident(&c.name), c.expression)),
    );
    format!(
        "CREATE TABLE {} (\n\t{}\n)",
        qualified(PG, &t.schema, &t.name),
        lines.join(",\n\t")
    )
}

fn create_index(table: &QualifiedName, i: &Index) -> String {
    format!(
        "CREATE {}INDEX {}{} ON {} {}",
        if i.unique { "UNIQUE " } else { "" },
        if i.concurrently { "CONCURRENTLY " } else { "" },
        ident(&i.name),
        table_name(table),
        index_body(i)
    )
}

/// `USING <method> (<keys>) [WITH (...)] [WHERE ...]`: what follows the table in `CREATE INDEX`.
pub fn index_body(i: &Index) -> String {
    let keys: Vec<String> = i
        .keys
        .iter()
        .map(|k| {
            let mut s = if k.expression {
                index_expression(&k.key)
            } else {
                ident(&k.key)
            };
            if let Some(op) = &k.opclass {
                s.push(' ');
                s.push_str(op);
            }
            if k.desc {
                s.push_str(" DESC");
            }
            let default_nulls = if k.desc { Nulls::First } else { Nulls::Last };
            match k.nulls {
                Some(n) if n != default_nulls => s.push_str(if n == Nulls::First {
                    " NULLS FIRST"
                } else {
                    " NULLS LAST"
                }),
                _ => {}
            }
            s
        })
        .collect();
    let mut s = format!(
        "USING {} ({})",
        i.method.as_deref().unwrap_or("btree"),
        keys.join(",")
    );
    if !i.with.is_empty() {
        let with: Vec<String> = i.with.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&format!(" WITH ({})", with.join(",")));
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// An index expression: a function call as written, anything else in
/// parentheses (PostgreSQL needs them around `a + b`, which drizzle-kit leaves out).
fn index_expression(e: &str) -> String {
    let t = e.trim();
    let name_end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '"'))
        .unwrap_or(t.len());
    let call = name_end > 0 && t[name_end..].starts_with('(') && closes_at_end(&t[name_end..]);
    if call || (t.starts_with('(') && closes_at_end(t)) {
        t.to_string()
    } else {
        format!("({t})")
    }
}

/// True when the parenthesis opening `t` closes at its last character.
fn closes_at_end(t: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in t.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
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

/// A column's alteration, part by part: generation, auto-numbering (serial
/// or identity) that goes away, the type (with a `USING` cast unless the
/// change only widens or resizes), default, nullability, and auto-numbering that comes,
/// with its counter moved past the existing rows.
fn alter_column(
    table: &QualifiedName,
    from: &Column,
    to: &Column,
    what: ColumnChange,
) -> Vec<String> {
    let t = table_name(table);
    let col = ident(&to.name);
    let prefix = format!("ALTER TABLE {t} ALTER COLUMN {col}");
    let mut out = Vec::new();
    if what.contains(ColumnChange::GENERATED) {
        if to.generated.is_some() {
            // An expression cannot be put on an existing column: the column is
            // made again (its values are derived, so nothing is lost).
            out.push(format!("ALTER TABLE {t} DROP COLUMN {col}"));
            out.push(format!(
                "ALTER TABLE {t} ADD COLUMN {}",
                column_def(&table.schema, &table.name, to, false)
            ));
            return out;
        }
        // The column keeps its values as plain data.
        out.push(format!("{prefix} DROP EXPRESSION"));
    }
    let from_serial = serial_base(from);
    let to_serial = serial_base(to);
    let serial_sequence = full_name(
        &table.schema,
        &names::postgres_serial_sequence(&table.name, &to.name),
    );
    if from_serial.is_some() && to_serial.is_none() {
        out.push(format!("{prefix} DROP DEFAULT"));
        out.push(format!("DROP SEQUENCE {serial_sequence}"));
    }
    if from.identity.is_some() && to.identity.is_none() {
        out.push(format!("{prefix} DROP IDENTITY"));
    }
    let type_changed = what.contains(ColumnChange::TYPE);
    let drop_default_first = type_changed && from.default.is_some();
    if drop_default_first {
        out.push(format!("{prefix} DROP DEFAULT"));
    }
    if type_changed {
        let (from_ty, to_ty) = (stored_type(from), stored_type(to));
        let ty = type_sql(&to_ty, to.dims);
        // A length limit goes without a cast: the server refuses values that
        // do not fit, where `USING col::varchar(n)` would truncate them.
        if canonical::converts_without_cast(&from_ty, from.dims, &to_ty, to.dims) {
            out.push(format!("{prefix} SET DATA TYPE {ty}"));
        } else {
            out.push(format!("{prefix} SET DATA TYPE {ty} USING {col}::{ty}"));
        }
        if let (Some(_), Some(base)) = (from_serial, to_serial) {
            out.push(format!("ALTER SEQUENCE {serial_sequence} AS {base}"));
        }
    }
    if let (Some(a), Some(b)) = (&from.identity, &to.identity) {
        out.extend(alter_identity(table, from, to, a, b));
    }
    if what.contains(ColumnChange::DEFAULT) || drop_default_first {
        match &to.default {
            Some(d) => out.push(format!("{prefix} SET DEFAULT {d}")),
            None if !drop_default_first => out.push(format!("{prefix} DROP DEFAULT")),
            None => {}
        }
    }
    let numbered = to.identity.is_some() || to_serial.is_some();
    if what.contains(ColumnChange::NULLABILITY) && !numbered {
        out.push(format!(
            "{prefix} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    if let (None, Some(id)) = (&from.identity, &to.identity) {
        if from_serial.is_none() && !from.not_null {
            out.push(format!("{prefix} SET NOT NULL"));
        }
        out.push(format!(
            "{prefix} ADD {}",
            identity_clause(&table.schema, &table.name, to, id)
        ));
        let options = canonical::sequence_options(&id.options, &stored_type_text(to));
        out.push(move_counter(table, &to.name, &options));
    }
    if let (None, Some(base)) = (from_serial, to_serial) {
        out.push(format!(
            "CREATE SEQUENCE {serial_sequence} AS {base} OWNED BY {t}.{col}"
        ));
        out.push(format!(
            "{prefix} SET DEFAULT nextval({}::regclass)",
            literal(&serial_sequence)
        ));
        out.push(format!("{prefix} SET NOT NULL"));
        let options = canonical::sequence_options(&SequenceOptions::default(), base);
        out.push(move_counter(table, &to.name, &options));
    }
    out
}

/// The type a column is stored as: serial types are their integer type.
fn stored_type(c: &Column) -> ColumnType {
    match serial_base(c) {
        Some(base) => ColumnType::sql(base),
        None => c.ty.clone(),
    }
}

fn stored_type_text(c: &Column) -> String {
    match stored_type(c) {
        ColumnType::Sql(t) => canonical::type_sql(PG, &t),
        ColumnType::Enum(_) => "integer".into(),
    }
}

fn serial_base(c: &Column) -> Option<&'static str> {
    match &c.ty {
        ColumnType::Sql(t) => canonical::serial_base(t),
        ColumnType::Enum(_) => None,
    }
}

/// Changes an identity in place: ALWAYS / BY DEFAULT, its options, its sequence's name.
fn alter_identity(
    table: &QualifiedName,
    from_col: &Column,
    to_col: &Column,
    from: &Identity,
    to: &Identity,
) -> Vec<String> {
    let prefix = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        table_name(table),
        ident(&to_col.name)
    );
    let a = canonical::sequence_options(&from.options, &stored_type_text(from_col));
    let b = canonical::sequence_options(&to.options, &stored_type_text(to_col));
    let mut sets = Vec::new();
    if from.always != to.always {
        sets.push(format!(
            "SET GENERATED {}",
            if to.always { "ALWAYS" } else { "BY DEFAULT" }
        ));
    }
    let option = |name: &str, x: Option<i64>, y: Option<i64>| -> Option<String> {
        (x != y).then(|| format!("SET {name} {}", y.unwrap_or_default()))
    };
    sets.extend(option("INCREMENT BY", a.increment, b.increment));
    sets.extend(option("MINVALUE", a.min_value, b.min_value));
    sets.extend(option("MAXVALUE", a.max_value, b.max_value));
    sets.extend(option("START WITH", a.start, b.start));
    sets.extend(option("CACHE", a.cache, b.cache));
    if a.cycle != b.cycle {
        sets.push(if b.cycle { "SET CYCLE" } else { "SET NO CYCLE" }.to_string());
    }
    let mut out = Vec::new();
    if !sets.is_empty() {
        out.push(format!("{prefix} {}", sets.join(" ")));
    }
    let name = |id: &Identity, c: &Column| {
        id.sequence_name
            .clone()
            .unwrap_or_else(|| names::sequence(&table.name, &c.name))
    };
    let (old, new) = (name(from, from_col), name(to, to_col));
    if names::postgres_truncate(&old) != names::postgres_truncate(&new) {
        out.push(format!(
            "ALTER SEQUENCE {} RENAME TO {}",
            full_name(&table.schema, &old),
            ident(&new)
        ));
    }
    out
}

/// Moves the counter of a column's new sequence past the values already in
/// the table, so the next generated value does not collide with a row.
fn move_counter(table: &QualifiedName, column: &str, o: &SequenceOptions) -> String {
    let (aggregate, past) = if o.increment.unwrap_or(1) > 0 {
        ("max", ">=")
    } else {
        ("min", "<=")
    };
    let col = ident(column);
    format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), {aggregate}({col})) FROM {} HAVING {aggregate}({col}) {past} {}",
        literal(&full_name(&table.schema, &table.name)),
        literal(column),
        table_name(table),
        o.start.unwrap_or(1)
    )
}

/// Removing or reordering enum labels: the columns go through text while the
/// type is recreated. Rows holding a removed label make the cast fail, so
/// nothing is silently lost.
fn recreate_enum(e: &Enum, columns: &[(QualifiedName, Column)]) -> Vec<String> {
    let mut out = Vec::new();
    for (table, c) in columns {
        let prefix = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table_name(table),
            ident(&c.name)
        );
        out.push(format!("{prefix} DROP DEFAULT"));
        out.push(format!(
            "{prefix} SET DATA TYPE text{}",
            "[]".repeat(c.dims as usize)
        ));
    }
    out.push(format!("DROP TYPE {}", full_name(&e.schema, &e.name)));
    out.push(create_enum(e));
    let ty = ColumnType::Enum(e.qualified());
    for (table, c) in columns.iter().filter(|(_, c)| c.ty == ty) {
        let prefix = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            table_name(table),
            ident(&c.name)
        );
        let ty = type_sql(&c.ty, c.dims);
        out.push(format!(
            "{prefix} SET DATA TYPE {ty} USING {}::{ty}",
            ident(&c.name)
        ));
        if let Some(d) = &c.default {
            out.push(format!("{prefix} SET DEFAULT {d}"));
        }
    }
    out
}
