//! PostgreSQL rendering, following drizzle-kit's conventions where they are
//! right (names, layout, `ON DELETE x ON UPDATE y`) and correcting them where
//! they are not (`USING` casts, no blanket `CASCADE`, unquoted parameterised types).

use super::{ident, ident_list, literal, qualified};
use crate::diff::{Change, ColumnChange, ColumnPart, UncheckedConstraint};
use crate::schema::{
    Column, ColumnType, Dialect, Enum, ForeignKey, Identity, Index, Nulls, PrimaryKey,
    QualifiedName, Sequence, SequenceOptions, Table, Unique, canonical, names,
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
    }
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

fn create_sequence(s: &Sequence) -> String {
    let opts = sequence_options(&s.options);
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
    let keys: Vec<String> = i
        .keys
        .iter()
        .map(|k| {
            let mut s = if k.expression {
                k.key.clone()
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
        "CREATE {}INDEX {}{} ON {} USING {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        if i.concurrently { "CONCURRENTLY " } else { "" },
        ident(&i.name),
        table_name(table),
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
        // A generation expression cannot be altered: the column is recreated
        // (its values are derived, so nothing is lost).
        out.push(format!("ALTER TABLE {t} DROP COLUMN {col}"));
        out.push(format!(
            "ALTER TABLE {t} ADD COLUMN {}",
            column_def(&table.schema, &table.name, to, false)
        ));
        return out;
    }
    let type_changed = what.contains(ColumnChange::TYPE);
    let drop_default_first = type_changed && from.default.is_some();
    if drop_default_first {
        out.push(format!("{prefix} DROP DEFAULT"));
    }
    if what.contains(ColumnChange::IDENTITY) && from.identity.is_some() {
        out.push(format!("{prefix} DROP IDENTITY"));
    }
    if type_changed {
        let ty = type_sql(&to.ty, to.dims);
        if canonical::widening(&from.ty, from.dims, &to.ty, to.dims) {
            out.push(format!("{prefix} SET DATA TYPE {ty}"));
        } else {
            out.push(format!("{prefix} SET DATA TYPE {ty} USING {col}::{ty}"));
        }
    }
    if what.contains(ColumnChange::DEFAULT) || drop_default_first {
        match &to.default {
            Some(d) => out.push(format!("{prefix} SET DEFAULT {d}")),
            None if !drop_default_first => out.push(format!("{prefix} DROP DEFAULT")),
            None => {}
        }
    }
    if what.contains(ColumnChange::NULLABILITY) && to.identity.is_none() {
        out.push(format!(
            "{prefix} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    if what.contains(ColumnChange::IDENTITY)
        && let Some(id) = &to.identity
    {
        out.push(format!(
            "{prefix} ADD {}",
            identity_clause(&table.schema, &table.name, to, id)
        ));
    }
    out
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
    for (table, c) in columns {
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
