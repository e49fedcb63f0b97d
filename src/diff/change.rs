//! The typed changes a diff produces.

use crate::schema::{
    Check, Column, ColumnType, Enum, ForeignKey, Index, Policy, PrimaryKey, QualifiedName, Role,
    Sequence, Table, Unique, View,
};

bitflags::bitflags! {
    /// What differs between two versions of a column.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct ColumnChange: u16 {
        /// The type (or array dimensions) changed.
        const TYPE = 1;
        /// NULL / NOT NULL changed.
        const NULLABILITY = 1 << 1;
        /// The default changed.
        const DEFAULT = 1 << 2;
        /// Identity was added, removed or altered.
        const IDENTITY = 1 << 3;
        /// The generation expression changed.
        const GENERATED = 1 << 4;
        /// SQLite AUTOINCREMENT changed.
        const AUTOINCREMENT = 1 << 5;
    }
}

impl ColumnChange {
    /// What differs between two canonical columns.
    pub fn between(a: &Column, b: &Column) -> ColumnChange {
        let mut what = ColumnChange::empty();
        // A serial column is an integer column with an owned sequence.
        let serial = |c: &Column| match &c.ty {
            ColumnType::Sql(t) => crate::schema::canonical::serial_base(t),
            ColumnType::Enum(_) => None,
        };
        let stored = |c: &Column| match serial(c) {
            Some(base) => ColumnType::sql(base),
            None => c.ty.clone(),
        };
        if stored(a) != stored(b) || a.dims != b.dims {
            what |= ColumnChange::TYPE;
        }
        if serial(a).is_some() != serial(b).is_some() {
            what |= ColumnChange::IDENTITY;
        }
        if a.not_null != b.not_null {
            what |= ColumnChange::NULLABILITY;
        }
        if a.default != b.default {
            what |= ColumnChange::DEFAULT;
        }
        if a.identity != b.identity {
            what |= ColumnChange::IDENTITY;
        }
        if a.generated != b.generated {
            what |= ColumnChange::GENERATED;
        }
        if a.autoincrement != b.autoincrement {
            what |= ColumnChange::AUTOINCREMENT;
        }
        what
    }
}

/// One part of a column that a hand-written `ALTER COLUMN` sets, the column's old definition being unknown.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnPart {
    /// `SET DATA TYPE ty [USING expr]`.
    Type {
        /// The new element type.
        ty: ColumnType,
        /// The new array dimensions.
        dims: u8,
        /// The `USING` conversion, if any.
        using: Option<String>,
    },
    /// `SET NOT NULL`.
    SetNotNull,
    /// `DROP NOT NULL`.
    DropNotNull,
    /// `SET DEFAULT expr`.
    SetDefault(String),
    /// `DROP DEFAULT`.
    DropDefault,
}

/// A constraint that can be added without checking the existing rows (`NOT VALID`).
#[derive(Debug, Clone, PartialEq)]
pub enum UncheckedConstraint {
    /// A foreign key.
    ForeignKey(ForeignKey),
    /// A check constraint.
    Check(Check),
}

impl UncheckedConstraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            UncheckedConstraint::ForeignKey(fk) => &fk.name,
            UncheckedConstraint::Check(c) => &c.name,
        }
    }
}

/// One change to a database schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Create a namespace.
    CreateSchema(String),
    /// Drop a namespace.
    DropSchema(String),
    /// Create an enum type.
    CreateEnum(Enum),
    /// Drop an enum type.
    DropEnum(Enum),
    /// Add a label to an enum, before an existing one or at the end.
    AddEnumValue {
        /// The enum.
        name: QualifiedName,
        /// The new label.
        value: String,
        /// The existing label it goes before; `None` appends.
        before: Option<String>,
    },
    /// Remove or reorder enum labels: the type is rebuilt and columns recast.
    RecreateEnum {
        /// The enum as it is.
        from: Enum,
        /// The enum as it should be.
        to: Enum,
        /// The columns of that type that stay, as they should be after; one
        /// that changes to another type is left as text for its own change.
        columns: Vec<(QualifiedName, Column)>,
    },
    /// Create a standalone sequence.
    CreateSequence(Sequence),
    /// Drop a standalone sequence.
    DropSequence(Sequence),
    /// Create a table with its columns, keys, checks (foreign keys and indexes come separately).
    CreateTable(Table),
    /// Drop a table.
    DropTable(Table),
    /// Rename a table (possibly into another schema).
    RenameTable {
        /// Old name.
        from: QualifiedName,
        /// New name.
        to: QualifiedName,
    },
    /// Add a column.
    AddColumn {
        /// The table.
        table: QualifiedName,
        /// The new column.
        column: Column,
    },
    /// Drop a column.
    DropColumn {
        /// The table.
        table: QualifiedName,
        /// The column as it was.
        column: Column,
    },
    /// Rename a column.
    RenameColumn {
        /// The table.
        table: QualifiedName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Alter a column's type, nullability, default, identity or generation.
    AlterColumn {
        /// The table.
        table: QualifiedName,
        /// The column as it is.
        from: Column,
        /// The column as it should be.
        to: Column,
        /// What differs.
        what: ColumnChange,
    },
    /// Add a primary key.
    AddPrimaryKey {
        /// The table.
        table: QualifiedName,
        /// The key.
        pk: PrimaryKey,
    },
    /// Drop a primary key.
    DropPrimaryKey {
        /// The table.
        table: QualifiedName,
        /// The key as it was.
        pk: PrimaryKey,
    },
    /// Add a unique constraint.
    AddUnique {
        /// The table.
        table: QualifiedName,
        /// The constraint.
        unique: Unique,
    },
    /// Drop a unique constraint.
    DropUnique {
        /// The table.
        table: QualifiedName,
        /// The constraint as it was.
        unique: Unique,
    },
    /// Add a foreign key.
    AddForeignKey {
        /// The referencing table.
        table: QualifiedName,
        /// The key.
        fk: ForeignKey,
    },
    /// Drop a foreign key.
    DropForeignKey {
        /// The referencing table.
        table: QualifiedName,
        /// The key as it was.
        fk: ForeignKey,
    },
    /// Add a check constraint.
    AddCheck {
        /// The table.
        table: QualifiedName,
        /// The check.
        check: Check,
    },
    /// Drop a check constraint.
    DropCheck {
        /// The table.
        table: QualifiedName,
        /// The check as it was.
        check: Check,
    },
    /// Create an index.
    CreateIndex {
        /// The table.
        table: QualifiedName,
        /// The index.
        index: Index,
    },
    /// Drop an index.
    DropIndex {
        /// The table.
        table: QualifiedName,
        /// The index as it was.
        index: Index,
    },
    /// Alter one part of a column whose old definition is unknown (hand-written SQL).
    AlterColumnPart {
        /// The table.
        table: QualifiedName,
        /// The column's name.
        column: String,
        /// What the statement sets.
        part: ColumnPart,
    },
    /// Add a foreign key or check without checking existing rows (`NOT VALID`).
    AddConstraintNotValid {
        /// The table.
        table: QualifiedName,
        /// The constraint.
        constraint: UncheckedConstraint,
    },
    /// Check existing rows against a `NOT VALID` constraint (`VALIDATE CONSTRAINT`).
    ValidateConstraint {
        /// The table.
        table: QualifiedName,
        /// The constraint's name.
        name: String,
    },
    /// Turn an existing unique index into a unique or primary key constraint (`USING INDEX`).
    AddConstraintUsingIndex {
        /// The table.
        table: QualifiedName,
        /// The constraint's name; `None` lets the database use the index's name.
        name: Option<String>,
        /// The unique index it takes over.
        index: String,
        /// A primary key rather than a unique constraint.
        primary_key: bool,
    },
    /// Drop an index known only by name (hand-written `DROP INDEX` does not name the table).
    DropIndexByName {
        /// The index (its schema is its table's).
        name: QualifiedName,
        /// `DROP INDEX CONCURRENTLY`.
        concurrently: bool,
    },
    /// Rebuild a table whose change SQLite cannot make in place (made by the planner).
    RebuildTable {
        /// The table as it is.
        from: Table,
        /// The table as it should be.
        to: Table,
    },
    /// Rename a namespace (everything in it moves along).
    RenameSchema {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Rename an enum type (possibly into another schema).
    RenameEnum {
        /// Old name.
        from: QualifiedName,
        /// New name.
        to: QualifiedName,
    },
    /// Rename one label of an enum (`ALTER TYPE ... RENAME VALUE`).
    RenameEnumValue {
        /// The enum.
        name: QualifiedName,
        /// Old label.
        from: String,
        /// New label.
        to: String,
    },
    /// Change a standalone sequence's options.
    AlterSequence {
        /// The sequence as it is.
        from: Sequence,
        /// The sequence as it should be.
        to: Sequence,
    },
    /// Rename a standalone sequence (possibly into another schema).
    RenameSequence {
        /// Old name.
        from: QualifiedName,
        /// New name.
        to: QualifiedName,
    },
    /// Create a view or materialized view.
    CreateView(View),
    /// Drop a view or materialized view.
    DropView(View),
    /// Rename a view (possibly into another schema).
    RenameView {
        /// Old name.
        from: QualifiedName,
        /// New name.
        to: QualifiedName,
        /// A materialized view.
        materialized: bool,
    },
    /// Create a role.
    CreateRole(Role),
    /// Drop a role the schema used to declare.
    DropRole(Role),
    /// Change a role's options.
    AlterRole {
        /// The role as it is.
        from: Role,
        /// The role as it should be.
        to: Role,
    },
    /// Turn row-level security on for a table.
    EnableRls(QualifiedName),
    /// Turn row-level security off for a table.
    DisableRls(QualifiedName),
    /// Create a row-level security policy.
    CreatePolicy {
        /// The table.
        table: QualifiedName,
        /// The policy.
        policy: Policy,
    },
    /// Drop a row-level security policy.
    DropPolicy {
        /// The table.
        table: QualifiedName,
        /// The policy as it was.
        policy: Policy,
    },
    /// Rename a primary key, unique, foreign key or check constraint.
    RenameConstraint {
        /// The table.
        table: QualifiedName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Rename an index.
    RenameIndex {
        /// The table.
        table: QualifiedName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Change a policy's roles or expressions in place (`ALTER POLICY`).
    AlterPolicy {
        /// The table.
        table: QualifiedName,
        /// The policy as it is.
        from: Policy,
        /// The policy as it should be.
        to: Policy,
    },
}

impl Change {
    /// True when applying the change discards data that cannot be recovered.
    pub fn loses_data(&self) -> bool {
        match self {
            Change::DropTable(_) | Change::DropColumn { .. } | Change::DropSchema(_) => true,
            Change::DropView(v) => v.materialized,
            Change::RecreateEnum { from, to, .. } => {
                from.values.iter().any(|v| !to.values.contains(v))
            }
            Change::AlterColumn { what, from, to, .. } => {
                what.contains(ColumnChange::TYPE)
                    && !crate::schema::canonical::widening(&from.ty, from.dims, &to.ty, to.dims)
            }
            Change::RebuildTable { from, to } => {
                from.columns.iter().any(|c| to.column(&c.name).is_none())
            }
            _ => false,
        }
    }

    /// True when SQLite's `ALTER TABLE` cannot make this change, so the
    /// table is rebuilt; `from` is the table before it.
    pub fn needs_sqlite_rebuild(&self, from: Option<&Table>) -> bool {
        match self {
            Change::AlterColumn { .. }
            | Change::AddPrimaryKey { .. }
            | Change::DropPrimaryKey { .. }
            | Change::AddForeignKey { .. }
            | Change::DropForeignKey { .. }
            | Change::AddCheck { .. }
            | Change::DropCheck { .. } => true,
            Change::AddColumn { column, .. } => {
                let constant_default = column.default.as_deref().is_none_or(|d| {
                    !d.trim_start().starts_with('(')
                        && !d.to_ascii_uppercase().starts_with("CURRENT_")
                });
                column.generated.is_some()
                    || !constant_default
                    || (column.not_null && column.default.is_none())
            }
            Change::DropColumn { column, .. } => from.is_some_and(|t| {
                let name = &column.name;
                t.primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.contains(name))
                    || t.foreign_keys.iter().any(|f| f.columns.contains(name))
                    || t.uniques.iter().any(|u| u.columns.contains(name))
                    || t.checks
                        .iter()
                        .any(|k| k.expression.contains(name.as_str()))
                    || t.indexes
                        .iter()
                        .any(|i| i.keys.iter().any(|k| k.key.contains(name.as_str())))
            }),
            _ => false,
        }
    }

    /// The table a change alters in place, if any.
    pub fn altered_table(&self) -> Option<&QualifiedName> {
        match self {
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::AddPrimaryKey { table, .. }
            | Change::DropPrimaryKey { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropCheck { table, .. }
            | Change::CreateIndex { table, .. }
            | Change::DropIndex { table, .. } => Some(table),
            _ => None,
        }
    }

    /// The change (migrations' schema → live database) in words about the
    /// database: what it has that the migrations do not, or lacks.
    pub fn describe_as_drift(&self) -> String {
        let ty = |c: &Column| {
            let base = match &c.ty {
                ColumnType::Sql(t) => t.clone(),
                ColumnType::Enum(q) => q.to_string(),
            };
            format!("{base}{}", "[]".repeat(usize::from(c.dims)))
        };
        match self {
            Change::CreateTable(t) => format!(
                "table {} exists in the database but no migration created it",
                t.qualified()
            ),
            Change::DropTable(t) => format!("table {} is missing from the database", t.qualified()),
            Change::AddColumn { table, column } => format!(
                "column {table}.{} exists in the database but no migration created it",
                column.name
            ),
            Change::DropColumn { table, column } => {
                format!(
                    "column {table}.{} is missing from the database",
                    column.name
                )
            }
            Change::AlterColumn {
                table,
                from,
                to,
                what,
            } => {
                let mut parts = Vec::new();
                if what.contains(ColumnChange::TYPE) {
                    parts.push(format!(
                        "the migrations give type {}, the database has {}",
                        ty(from),
                        ty(to)
                    ));
                }
                if what.contains(ColumnChange::NULLABILITY) {
                    parts.push(if to.not_null {
                        "the database has NOT NULL, the migrations do not".to_string()
                    } else {
                        "the migrations give NOT NULL, the database does not".to_string()
                    });
                }
                if what.contains(ColumnChange::DEFAULT) {
                    parts.push(format!(
                        "the migrations give default {}, the database has {}",
                        from.default.as_deref().unwrap_or("none"),
                        to.default.as_deref().unwrap_or("none")
                    ));
                }
                for (flag, word) in [
                    (ColumnChange::IDENTITY, "identity"),
                    (ColumnChange::GENERATED, "generated expression"),
                    (ColumnChange::AUTOINCREMENT, "autoincrement"),
                ] {
                    if what.contains(flag) {
                        parts.push(format!("the {word} differs"));
                    }
                }
                format!("column {table}.{} differs: {}", to.name, parts.join("; "))
            }
            Change::CreateIndex { table, index } => format!(
                "index {} on {table} exists in the database but no migration created it",
                index.name
            ),
            Change::DropIndex { table, index } => format!(
                "index {} on {table} is missing from the database",
                index.name
            ),
            other => format!(
                "the database differs from the migrations: `{}` would turn the migrations' schema into the database's",
                other.describe()
            ),
        }
    }

    /// A one-line human description, e.g. `drop column users.nickname`.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateSchema(s) => format!("create schema {s}"),
            Change::DropSchema(s) => format!("drop schema {s}"),
            Change::CreateEnum(e) => format!("create enum {}", e.qualified()),
            Change::DropEnum(e) => format!("drop enum {}", e.qualified()),
            Change::AddEnumValue { name, value, .. } => {
                format!("add value '{value}' to enum {name}")
            }
            Change::RecreateEnum { to, .. } => format!(
                "rebuild enum {} (values removed or reordered)",
                to.qualified()
            ),
            Change::CreateSequence(s) => {
                format!("create sequence {}", QualifiedName::new(&s.schema, &s.name))
            }
            Change::DropSequence(s) => {
                format!("drop sequence {}", QualifiedName::new(&s.schema, &s.name))
            }
            Change::CreateTable(t) => format!("create table {}", t.qualified()),
            Change::DropTable(t) => format!("drop table {}", t.qualified()),
            Change::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Change::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Change::DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            Change::RenameColumn { table, from, to } => {
                format!("rename column {table}.{from} to {to}")
            }
            Change::AlterColumn {
                table, to, what, ..
            } => {
                let mut parts = Vec::new();
                if what.contains(ColumnChange::TYPE) {
                    parts.push("type");
                }
                if what.contains(ColumnChange::NULLABILITY) {
                    parts.push(if to.not_null {
                        "set not null"
                    } else {
                        "drop not null"
                    });
                }
                if what.contains(ColumnChange::DEFAULT) {
                    parts.push("default");
                }
                if what.contains(ColumnChange::IDENTITY) {
                    parts.push("identity");
                }
                if what.contains(ColumnChange::GENERATED) {
                    parts.push("generated expression");
                }
                if what.contains(ColumnChange::AUTOINCREMENT) {
                    parts.push("autoincrement");
                }
                format!("alter column {table}.{} ({})", to.name, parts.join(", "))
            }
            Change::AddPrimaryKey { table, pk } => {
                format!("add primary key on {table} ({})", pk.columns.join(", "))
            }
            Change::DropPrimaryKey { table, .. } => format!("drop primary key of {table}"),
            Change::AddUnique { table, unique } => {
                format!("add unique constraint {} on {table}", unique.name)
            }
            Change::DropUnique { table, unique } => {
                format!("drop unique constraint {} on {table}", unique.name)
            }
            Change::AddForeignKey { table, fk } => {
                format!("add foreign key {} on {table}", fk.name)
            }
            Change::DropForeignKey { table, fk } => {
                format!("drop foreign key {} on {table}", fk.name)
            }
            Change::AddCheck { table, check } => format!("add check {} on {table}", check.name),
            Change::DropCheck { table, check } => format!("drop check {} on {table}", check.name),
            Change::CreateIndex { table, index } => {
                format!("create index {} on {table}", index.name)
            }
            Change::DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            Change::RebuildTable { to, .. } => format!("rebuild table {}", to.qualified()),
            Change::AlterColumnPart {
                table,
                column,
                part,
            } => {
                let what = match part {
                    ColumnPart::Type { .. } => "type",
                    ColumnPart::SetNotNull => "set not null",
                    ColumnPart::DropNotNull => "drop not null",
                    ColumnPart::SetDefault(_) | ColumnPart::DropDefault => "default",
                };
                format!("alter column {table}.{column} ({what})")
            }
            Change::AddConstraintNotValid { table, constraint } => {
                format!(
                    "add constraint {} on {table} (not valid)",
                    constraint.name()
                )
            }
            Change::ValidateConstraint { table, name } => {
                format!("validate constraint {name} on {table}")
            }
            Change::AddConstraintUsingIndex {
                table,
                index,
                primary_key,
                ..
            } => format!(
                "add {} on {table} using index {index}",
                if *primary_key {
                    "primary key"
                } else {
                    "unique constraint"
                }
            ),
            Change::DropIndexByName { name, .. } => format!("drop index {name}"),
            Change::RenameSchema { from, to } => format!("rename schema {from} to {to}"),
            Change::RenameEnum { from, to } => format!("rename enum {from} to {to}"),
            Change::RenameEnumValue { name, from, to } => {
                format!("rename value '{from}' of enum {name} to '{to}'")
            }
            Change::AlterSequence { to, .. } => format!("alter sequence {}", to.qualified()),
            Change::RenameSequence { from, to } => format!("rename sequence {from} to {to}"),
            Change::CreateView(v) => {
                format!("create {} {}", view_kind(v.materialized), v.qualified())
            }
            Change::DropView(v) => format!("drop {} {}", view_kind(v.materialized), v.qualified()),
            Change::RenameView {
                from,
                to,
                materialized,
            } => format!("rename {} {from} to {to}", view_kind(*materialized)),
            Change::CreateRole(r) => format!("create role {}", r.name),
            Change::DropRole(r) => format!("drop role {}", r.name),
            Change::AlterRole { to, .. } => format!("alter role {}", to.name),
            Change::EnableRls(t) => format!("enable row-level security on {t}"),
            Change::DisableRls(t) => format!("disable row-level security on {t}"),
            Change::CreatePolicy { table, policy } => {
                format!("create policy {} on {table}", policy.name)
            }
            Change::DropPolicy { table, policy } => {
                format!("drop policy {} on {table}", policy.name)
            }
            Change::RenameConstraint { table, from, to } => {
                format!("rename constraint {from} on {table} to {to}")
            }
            Change::RenameIndex { table, from, to } => {
                format!("rename index {from} on {table} to {to}")
            }
            Change::AlterPolicy { table, to, .. } => {
                format!("alter policy {} on {table}", to.name)
            }
        }
    }
}

fn view_kind(materialized: bool) -> &'static str {
    if materialized {
        "materialized view"
    } else {
        "view"
    }
}
