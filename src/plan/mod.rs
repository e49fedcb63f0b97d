//! Orders changes by dependency and rewrites what a dialect cannot do in place.
//!
//! PostgreSQL: namespaces and types first, then drops of dependent objects,
//! renames, creations, alterations, keys, indexes, and finally drops of
//! tables and types. SQLite: changes that `ALTER TABLE` cannot make become a
//! single table rebuild.

use crate::diff::Change;
use crate::schema::{Dialect, QualifiedName, Schema, View};

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

/// MySQL refuses to drop the index a foreign key uses, and to change the
/// type of a column a foreign key joins. Where a change does either to a key
/// that stays, the key is dropped first and added again after it (MySQL then
/// makes its index again where it needs one).
fn mysql_foreign_key_indexes(changes: &[Change], to: &Schema) -> Vec<Change> {
    // The key dropped before the change and added back after it.
    let around =
        |extra: &mut Vec<Change>, table: &QualifiedName, fk: &crate::schema::ForeignKey| {
            extra.push(Change::DropForeignKey {
                table: table.clone(),
                fk: fk.clone(),
            });
            extra.push(Change::AddForeignKey {
                table: table.clone(),
                fk: fk.clone(),
            });
        };
    let mut extra = Vec::new();
    let already = |extra: &[Change], table: &QualifiedName, name: &str| {
        changes.iter().chain(extra).any(|d| {
            matches!(d, Change::DropForeignKey { table: dt, fk } if dt == table && fk.name == name)
        })
    };
    for c in changes {
        let Change::AlterColumn {
            table,
            to: column,
            what,
            ..
        } = c
        else {
            continue;
        };
        if !what.contains(crate::diff::ColumnChange::TYPE) {
            continue;
        }
        for t in &to.tables {
            for fk in &t.foreign_keys {
                let joins = (t.qualified() == *table && fk.columns.contains(&column.name))
                    || (fk.references == *table && fk.referenced_columns.contains(&column.name));
                if joins && !already(&extra, &t.qualified(), &fk.name) {
                    around(&mut extra, &t.qualified(), fk);
                }
            }
        }
    }
    for c in changes {
        let Change::DropIndex { table, index } = c else {
            continue;
        };
        let Some(t) = to.table(&table.schema, &table.name) else {
            continue;
        };
        let columns: Vec<&str> = index.keys.iter().map(|k| k.key.as_str()).collect();
        for fk in &t.foreign_keys {
            let served = |keys: &[&str]| {
                keys.len() >= fk.columns.len() && fk.columns.iter().zip(keys).all(|(a, b)| a == b)
            };
            let dropped = already(&extra, table, &fk.name);
            let still_served = t
                .indexes
                .iter()
                .map(|i| i.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>())
                .chain(
                    t.uniques
                        .iter()
                        .map(|u| u.columns.iter().map(String::as_str).collect()),
                )
                .chain(
                    t.primary_key
                        .iter()
                        .map(|p| p.columns.iter().map(String::as_str).collect()),
                )
                .any(|keys| served(&keys));
            if served(&columns) && !dropped && !still_served {
                around(&mut extra, table, fk);
            }
        }
    }
    extra
}

/// Orders `changes` (from `from` to `to`) for `to`'s dialect.
pub fn plan(changes: Vec<Change>, from: &Schema, to: &Schema) -> Plan {
    let mut changes = match to.dialect {
        Dialect::Postgres | Dialect::Mysql => changes,
        Dialect::Sqlite => sqlite_rebuilds(changes, from, to),
    };
    // The foreign keys of dropped tables go first, so the tables and the keys
    // they point at can be dropped without CASCADE.
    if to.dialect != Dialect::Sqlite {
        let mut extra = Vec::new();
        for c in &changes {
            if let Change::DropTable(t) = c {
                for fk in &t.foreign_keys {
                    if fk.references != t.qualified() {
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
    if to.dialect == Dialect::Mysql {
        let extra = mysql_foreign_key_indexes(&changes, to);
        changes.extend(extra);
    }
    // A renamed view that is also made again (a table it reads changes) is
    // dropped under its old name instead of being renamed.
    let remade: Vec<(QualifiedName, QualifiedName)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameView { from, to, .. }
                if changes
                    .iter()
                    .any(|d| matches!(d, Change::DropView(v) if v.qualified() == *to)) =>
            {
                Some((to.clone(), from.clone()))
            }
            _ => None,
        })
        .collect();
    changes.retain(
        |c| !matches!(c, Change::RenameView { to, .. } if remade.iter().any(|(new, _)| new == to)),
    );
    for c in &mut changes {
        if let Change::DropView(v) = c
            && let Some((_, old)) = remade.iter().find(|(new, _)| *new == v.qualified())
        {
            v.schema = old.schema.clone();
            v.name = old.name.clone();
        }
    }
    // The changes on a renamed table name it (and its renamed primary key)
    // as they are after the renames, so the drops among them run right
    // after the renames rather than before, in their own order. Foreign
    // keys are the exception: the keys and columns they point at may be
    // dropped before the renames, so they go first, by the table's old name
    // (renames keep foreign keys' names).
    let renamed: Vec<(QualifiedName, QualifiedName)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable { from, to } => Some((to.clone(), from.clone())),
            _ => None,
        })
        .collect();
    let old_name = |t: &QualifiedName| renamed.iter().find(|(new, _)| new == t).map(|(_, old)| old);
    for c in &mut changes {
        if let Change::DropForeignKey { table, .. } = c
            && let Some(old) = old_name(table)
        {
            *table = old.clone();
        }
    }
    changes.sort_by_key(|c| {
        let p = phase(c);
        let on_renamed = match c {
            Change::DropPolicy { table, .. } => old_name(table).is_some(),
            _ => c.altered_table().is_some_and(|t| old_name(t).is_some()),
        };
        if on_renamed && DROPS_BEFORE_RENAMES.contains(&p) {
            (AFTER_RENAMES, 1, p)
        } else {
            (p, 0, 0)
        }
    });
    order_views(&mut changes, to.dialect);
    Plan { changes }
}

/// The phases of the drops of what depends on a table (policies, keys,
/// indexes, constraints) and of columns, which run before the renames.
const DROPS_BEFORE_RENAMES: std::ops::RangeInclusive<u8> = 5..=10;
/// The last rename phase: a drop on a renamed table runs just after it.
const AFTER_RENAMES: u8 = 12;

/// The position of a change kind in the run order: namespaces, roles and
/// types first; then what depends on tables is dropped, and tables and
/// columns that go away; tables and columns are renamed, created and
/// altered; keys, indexes, views and policies are made; and last the types,
/// sequences, roles and namespaces no longer used are dropped.
fn phase(c: &Change) -> u8 {
    match c {
        Change::CreateSchema(_) | Change::RenameSchema { .. } => 0,
        Change::CreateRole(_) | Change::AlterRole { .. } => 1,
        Change::CreateEnum(_)
        | Change::RenameEnum { .. }
        | Change::RenameEnumValue { .. }
        | Change::AddEnumValue { .. } => 2,
        Change::CreateSequence(_)
        | Change::RenameSequence { .. }
        | Change::AlterSequence { .. } => 3,
        Change::DropView(_) => 4,
        Change::DropPolicy { .. } => 5,
        Change::DropForeignKey { .. } => 6,
        Change::DropIndex { .. } | Change::DropIndexByName { .. } => 7,
        Change::DropUnique { .. } | Change::DropCheck { .. } | Change::DropPrimaryKey { .. } => 8,
        // Drops come before renames, which may reuse the names.
        Change::DropTable(_) => 9,
        Change::DropColumn { .. } => 10,
        Change::RenameTable { .. } | Change::RenameView { .. } => 11,
        Change::RenameColumn { .. }
        | Change::RenameConstraint { .. }
        | Change::RenameIndex { .. } => 12,
        // Before new tables and columns use the rebuilt type.
        Change::RecreateEnum { .. } => 13,
        Change::CreateTable(_) => 14,
        Change::EnableRls(_) => 15,
        Change::AddColumn { .. } => 16,
        Change::AlterColumn { .. }
        | Change::AlterColumnPart { .. }
        | Change::RebuildTable { .. } => 17,
        Change::AddPrimaryKey { .. } | Change::AddUnique { .. } | Change::AddCheck { .. } => 18,
        Change::AddForeignKey { .. }
        | Change::AddConstraintNotValid { .. }
        | Change::ValidateConstraint { .. } => 19,
        Change::CreateIndex { .. } | Change::AddConstraintUsingIndex { .. } => 20,
        Change::CreateView(_) => 21,
        Change::CreatePolicy { .. } | Change::AlterPolicy { .. } => 22,
        Change::DisableRls(_) => 23,
        Change::DropEnum(_) => 24,
        Change::DropSequence(_) => 25,
        Change::DropRole(_) => 26,
        Change::DropSchema(_) => 27,
    }
}

/// Views are created after the views they read and dropped before them.
fn order_views(changes: &mut [Change], dialect: Dialect) {
    let positions = |changes: &[Change], create: bool| -> Vec<usize> {
        changes
            .iter()
            .enumerate()
            .filter(|(_, c)| match c {
                Change::CreateView(_) => create,
                Change::DropView(_) => !create,
                _ => false,
            })
            .map(|(i, _)| i)
            .collect()
    };
    for create in [true, false] {
        let at = positions(changes, create);
        let mut views: Vec<View> = at
            .iter()
            .filter_map(|&i| match &changes[i] {
                Change::CreateView(v) | Change::DropView(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        let mut sorted = dependency_order(&mut views, dialect);
        if !create {
            sorted.reverse();
        }
        for (&i, v) in at.iter().zip(sorted) {
            changes[i] = if create {
                Change::CreateView(v)
            } else {
                Change::DropView(v)
            };
        }
    }
}

/// Views sorted so each comes after the views it reads (a cycle keeps its order).
fn dependency_order(views: &mut Vec<View>, dialect: Dialect) -> Vec<View> {
    let mut out: Vec<View> = Vec::new();
    while !views.is_empty() {
        let ready = views
            .iter()
            .position(|v| {
                !views.iter().any(|o| {
                    o.qualified() != v.qualified()
                        && crate::diff::apply::mentions(&v.definition, &o.name, dialect)
                })
            })
            .unwrap_or(0);
        out.push(views.remove(ready));
    }
    out
}

/// One part of a plan that runs on its own: in a transaction or not.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPart {
    /// The changes of this part, in order.
    pub changes: Vec<Change>,
    /// False when a change cannot run inside a transaction (`CREATE INDEX CONCURRENTLY`).
    pub transactional: bool,
}

/// Splits a plan into parts that must commit separately.
///
/// A label added to an enum cannot be used in the transaction that adds it:
/// when a later change uses one, everything up to the last added label is a
/// part of its own. Indexes built `CONCURRENTLY` cannot run in a transaction:
/// they go last, in a part that runs outside one. Otherwise there is one part.
pub fn parts(plan: Plan) -> Vec<PlanPart> {
    let (concurrent, rest): (Vec<Change>, Vec<Change>) = plan
        .changes
        .into_iter()
        .partition(|c| matches!(c, Change::CreateIndex { index, .. } if index.concurrently));
    let mut out = Vec::new();
    let last_used_addition = rest
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Change::AddEnumValue { value, .. } => Some((i, value)),
            _ => None,
        })
        .filter(|(i, value)| rest[i + 1..].iter().any(|c| uses_label(c, value)))
        .map(|(i, _)| i)
        .next_back();
    let mut rest = rest;
    if let Some(i) = last_used_addition {
        let tail = rest.split_off(i + 1);
        out.push(PlanPart {
            changes: rest,
            transactional: true,
        });
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(PlanPart {
            changes: rest,
            transactional: true,
        });
    }
    if !concurrent.is_empty() {
        out.push(PlanPart {
            changes: concurrent,
            transactional: false,
        });
    }
    out
}

/// True when the change's SQL text holds the string literal of `label`.
fn uses_label(c: &Change, label: &str) -> bool {
    let literal = crate::sql::literal(label);
    sql_texts(c).iter().any(|t| t.contains(&literal))
}

/// The SQL expressions a change writes: defaults, generation, checks, index
/// expressions and predicates, policies, view bodies.
fn sql_texts(c: &Change) -> Vec<String> {
    let column = |col: &crate::schema::Column| -> Vec<String> {
        col.default.iter().chain(&col.generated).cloned().collect()
    };
    let index = |i: &crate::schema::Index| -> Vec<String> {
        i.keys
            .iter()
            .filter(|k| k.expression)
            .map(|k| k.key.clone())
            .chain(i.predicate.clone())
            .collect()
    };
    let policy = |p: &crate::schema::Policy| -> Vec<String> {
        p.using.iter().chain(&p.with_check).cloned().collect()
    };
    match c {
        Change::CreateTable(t) | Change::RebuildTable { to: t, .. } => t
            .columns
            .iter()
            .flat_map(column)
            .chain(t.checks.iter().map(|k| k.expression.clone()))
            .collect(),
        Change::AddColumn { column: col, .. } | Change::AlterColumn { to: col, .. } => column(col),
        Change::RecreateEnum { columns, .. } => {
            columns.iter().flat_map(|(_, c)| column(c)).collect()
        }
        Change::AlterColumnPart {
            part: crate::diff::ColumnPart::SetDefault(d),
            ..
        } => vec![d.clone()],
        Change::AddCheck { check, .. } => vec![check.expression.clone()],
        Change::CreateIndex { index: i, .. } => index(i),
        Change::CreateView(v) => vec![v.definition.clone()],
        Change::CreatePolicy { policy: p, .. } | Change::AlterPolicy { to: p, .. } => policy(p),
        _ => Vec::new(),
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
        if let Some(t) = c.altered_table()
            && c.needs_sqlite_rebuild(source_table(t))
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
        .filter(|c| c.altered_table().is_none_or(|t| !rebuild.contains(t)))
        .collect();
    out.extend(rebuilds);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType, Index, IndexKey, Table};

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
        assert_eq!(kinds, vec![0, 9, 14, 20]);
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

#[cfg(test)]
mod parts_tests {
    use super::*;
    use crate::schema::{Column, ColumnType, Enum, Index, IndexKey};

    fn color(values: &[&str]) -> Enum {
        Enum {
            schema: "public".into(),
            name: "color".into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn a_label_used_after_it_is_added_is_committed_first() {
        let q = QualifiedName::new("public", "t");
        let mut col = Column::new("c", ColumnType::Enum(color(&[]).qualified()));
        col.default = Some("'blue'".into());
        let p = Plan {
            changes: vec![
                Change::AddEnumValue {
                    name: color(&[]).qualified(),
                    value: "blue".into(),
                    before: None,
                },
                Change::AddColumn {
                    table: q.clone(),
                    column: col,
                },
                Change::CreateIndex {
                    table: q,
                    index: Index {
                        name: "i".into(),
                        unique: false,
                        keys: vec![IndexKey::column("c")],
                        method: None,
                        predicate: None,
                        with: vec![],
                        concurrently: true,
                    },
                },
            ],
        };
        let parts = parts(p);
        let shape: Vec<(usize, bool)> = parts
            .iter()
            .map(|p| (p.changes.len(), p.transactional))
            .collect();
        assert_eq!(shape, vec![(1, true), (1, true), (1, false)]);
    }

    #[test]
    fn a_label_nobody_uses_yet_needs_no_split() {
        let p = Plan {
            changes: vec![Change::AddEnumValue {
                name: color(&[]).qualified(),
                value: "blue".into(),
                before: None,
            }],
        };
        assert_eq!(parts(p).len(), 1);
    }
}
