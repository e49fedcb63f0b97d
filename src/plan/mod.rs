//! Orders changes by dependency and rewrites what a dialect cannot do in place.
//!
//! PostgreSQL: namespaces and types first, then drops of dependent objects,
//! renames, creations, alterations, keys, indexes, and finally drops of
//! tables and types. SQLite: changes that `ALTER TABLE` cannot make become a
//! single table rebuild.

use crate::diff::Change;
use crate::schema::{Dialect, QualifiedName, Schema, Table};

/// Changes in the order they must run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The ordered changes.
    pub changes: Vec<Change>,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Orders `changes` (from `from` to `to`) for `to`'s dialect.
pub fn plan(changes: Vec<Change>, from: &Schema, to: &Schema) -> Plan {
    let mut changes = match to.dialect {
        Dialect::Postgres => changes,
        Dialect::Sqlite => sqlite_rebuilds(changes, from, to),
    };
    // Foreign keys between tables that are all being dropped go first, so the
    // tables can be dropped without CASCADE.
    let dropped: Vec<QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(t.qualified()),
            _ => None,
        })
        .collect();
    if to.dialect == Dialect::Postgres {
        let mut extra = Vec::new();
        for c in &changes {
            if let Change::DropTable(t) = c {
                for fk in &t.foreign_keys {
                    if dropped.contains(&fk.references) && fk.references != t.qualified() {
                        extra.push(Change::DropForeignKey {
                            table: t.qualified(),
                            fk: fk.clone(),
                        });
                    }
                }
            }
        }
        changes.extend(extra);
    }
    changes.sort_by_key(phase);
    Plan { changes }
}

/// The position of a change kind in the run order.
fn phase(c: &Change) -> u8 {
    match c {
        Change::CreateSchema(_) => 0,
        Change::CreateEnum(_) | Change::AddEnumValue { .. } => 1,
        Change::CreateSequence(_) => 2,
        Change::DropForeignKey { .. } => 3,
        Change::DropIndex { .. } | Change::DropIndexByName { .. } => 4,
        Change::DropUnique { .. } | Change::DropCheck { .. } | Change::DropPrimaryKey { .. } => 5,
        Change::RenameTable { .. } => 6,
        Change::RenameColumn { .. } => 7,
        Change::CreateTable(_) => 8,
        Change::AddColumn { .. } => 9,
        Change::AlterColumn { .. }
        | Change::AlterColumnPart { .. }
        | Change::RecreateEnum { .. }
        | Change::RebuildTable { .. } => 10,
        Change::DropColumn { .. } => 11,
        Change::AddPrimaryKey { .. } | Change::AddUnique { .. } | Change::AddCheck { .. } => 12,
        Change::AddForeignKey { .. }
        | Change::AddConstraintNotValid { .. }
        | Change::ValidateConstraint { .. } => 13,
        Change::CreateIndex { .. } | Change::AddConstraintUsingIndex { .. } => 14,
        Change::DropTable(_) => 15,
        Change::DropEnum(_) => 16,
        Change::DropSequence(_) => 17,
        Change::DropSchema(_) => 18,
    }
}

/// The table a change alters in place, if any.
fn altered_table(c: &Change) -> Option<&QualifiedName> {
    match c {
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

/// True when SQLite's `ALTER TABLE` cannot make this change.
fn needs_rebuild(c: &Change, from: Option<&Table>) -> bool {
    match c {
        Change::AlterColumn { .. }
        | Change::AddPrimaryKey { .. }
        | Change::DropPrimaryKey { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. }
        | Change::AddCheck { .. }
        | Change::DropCheck { .. } => true,
        Change::AddColumn { column, .. } => {
            let constant_default = column.default.as_deref().is_none_or(|d| {
                !d.trim_start().starts_with('(') && !d.to_ascii_uppercase().starts_with("CURRENT_")
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

/// Replaces every change on a table that SQLite cannot make in place by one
/// rebuild of that table (which also recreates its indexes).
fn sqlite_rebuilds(changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<Change> {
    let renamed_from = |name: &QualifiedName| -> QualifiedName {
        changes
            .iter()
            .find_map(|c| match c {
                Change::RenameTable { from, to } if to == name => Some(from.clone()),
                _ => None,
            })
            .unwrap_or_else(|| name.clone())
    };
    let source_table = |name: &QualifiedName| {
        let old = renamed_from(name);
        from.table(&old.schema, &old.name)
    };
    let mut rebuild: Vec<QualifiedName> = Vec::new();
    for c in &changes {
        if let Some(t) = altered_table(c)
            && needs_rebuild(c, source_table(t))
            && !rebuild.contains(t)
        {
            rebuild.push(t.clone());
        }
    }
    if rebuild.is_empty() {
        return changes;
    }
    let mut rebuilds = Vec::new();
    for name in &rebuild {
        let (Some(old), Some(new)) = (source_table(name), to.table(&name.schema, &name.name))
        else {
            continue;
        };
        // Table and column renames run in place first, so the rebuild starts
        // from the old table under its new names.
        let mut old = old.clone();
        old.name = name.name.clone();
        for c in &changes {
            if let Change::RenameColumn { table, from, to } = c
                && table == name
                && let Some(col) = old.columns.iter_mut().find(|col| col.name == *from)
            {
                col.name = to.clone();
            }
        }
        rebuilds.push(Change::RebuildTable {
            from: old,
            to: new.clone(),
        });
    }
    let mut out: Vec<Change> = changes
        .into_iter()
        .filter(|c| altered_table(c).is_none_or(|t| !rebuild.contains(t)))
        .collect();
    out.extend(rebuilds);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType, Index, IndexKey};

    fn table(name: &str) -> Table {
        let mut t = Table::new("main", name);
        t.columns
            .push(Column::new("id", ColumnType::sql("integer")));
        t
    }

    #[test]
    fn creations_before_indexes_and_drops_last() {
        let s = Schema::empty(Dialect::Postgres);
        let q = QualifiedName::new("public", "t");
        let changes = vec![
            Change::DropTable(table("old")),
            Change::CreateIndex {
                table: q.clone(),
                index: Index {
                    name: "i".into(),
                    unique: false,
                    keys: vec![IndexKey::column("id")],
                    method: None,
                    predicate: None,
                    with: vec![],
                    concurrently: false,
                },
            },
            Change::CreateTable(table("t")),
            Change::CreateSchema("app".into()),
        ];
        let p = plan(changes, &s, &s);
        let kinds: Vec<u8> = p.changes.iter().map(phase).collect();
        assert_eq!(kinds, vec![0, 8, 14, 15]);
    }

    #[test]
    fn sqlite_alter_column_becomes_rebuild() {
        let mut from = Schema::empty(Dialect::Sqlite);
        from.tables.push(table("t"));
        let mut to = from.clone();
        to.tables[0].columns[0].not_null = true;
        let changes = crate::diff::diff(
            &from,
            &to,
            &Default::default(),
            crate::diff::RenameMode::Ask,
        )
        .expect("no ambiguity");
        let p = plan(changes, &from, &to);
        assert!(matches!(
            p.changes.as_slice(),
            [Change::RebuildTable { .. }]
        ));
    }
}
