//! Changes to the objects beside tables: roles, enums, sequences and views.

use super::Change;
use super::apply::mentions;
use super::change::ColumnChange;
use crate::schema::{ColumnType, Dialect, QualifiedName, Schema, View};

/// Roles created, altered and dropped (only roles the schemas declare).
pub fn roles(from: &Schema, to: &Schema) -> Vec<Change> {
    let mut out = Vec::new();
    for r in &to.roles {
        match from.role(&r.name) {
            None => out.push(Change::CreateRole(r.clone())),
            Some(old) if old != r => out.push(Change::AlterRole {
                from: old.clone(),
                to: r.clone(),
            }),
            Some(_) => {}
        }
    }
    for r in &from.roles {
        if to.role(&r.name).is_none() {
            out.push(Change::DropRole(r.clone()));
        }
    }
    out
}

/// Enums created and dropped; labels added in place, or the type rebuilt
/// when labels go away or change order.
pub fn enums(from: &Schema, to: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for e in &to.enums {
        let Some(old) = from.enum_type(&e.schema, &e.name) else {
            changes.push(Change::CreateEnum(e.clone()));
            continue;
        };
        if old.values == e.values {
            continue;
        }
        let kept_in_order = old
            .values
            .iter()
            .filter(|v| e.values.contains(v))
            .eq(e.values.iter().filter(|v| old.values.contains(v)));
        let only_additions = kept_in_order && old.values.iter().all(|v| e.values.contains(v));
        if only_additions {
            for (i, v) in e.values.iter().enumerate() {
                if !old.values.contains(v) {
                    let before = e.values[i + 1..]
                        .iter()
                        .find(|n| old.values.contains(n))
                        .cloned();
                    changes.push(Change::AddEnumValue {
                        name: e.qualified(),
                        value: v.clone(),
                        before,
                    });
                }
            }
            continue;
        }
        // The columns of that type that stay, recast through text (those that
        // change to another type stay text and are recast by their own change).
        let ty = ColumnType::Enum(e.qualified());
        let columns = from
            .tables
            .iter()
            .filter_map(|o| to.table(&o.schema, &o.name).map(|t| (o, t)))
            .flat_map(|(o, t)| {
                o.columns
                    .iter()
                    .filter(|oc| oc.ty == ty)
                    .filter_map(|oc| t.column(&oc.name))
                    .map(|c| (t.qualified(), c.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        changes.push(Change::RecreateEnum {
            from: old.clone(),
            to: e.clone(),
            columns,
        });
    }
    for e in &from.enums {
        if to.enum_type(&e.schema, &e.name).is_none() {
            changes.push(Change::DropEnum(e.clone()));
        }
    }
    changes
}

/// Standalone sequences created, altered and dropped.
pub fn sequences(from: &Schema, to: &Schema, cf: &Schema, ct: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for s in &to.sequences {
        match from.sequence(&s.schema, &s.name) {
            None => changes.push(Change::CreateSequence(s.clone())),
            Some(old) => {
                let a = cf.sequence(&s.schema, &s.name).map(|x| &x.options);
                let b = ct.sequence(&s.schema, &s.name).map(|x| &x.options);
                if a != b {
                    changes.push(Change::AlterSequence {
                        from: old.clone(),
                        to: s.clone(),
                    });
                }
            }
        }
    }
    for s in &from.sequences {
        if to.sequence(&s.schema, &s.name).is_none() {
            changes.push(Change::DropSequence(s.clone()));
        }
    }
    changes
}

/// Views created, dropped, and re-created when their definition changes or
/// when a table or view they read changes in a way that would break them
/// (a column's type or generation, a dropped column, a rebuilt enum).
pub fn views(
    from: &Schema,
    to: &Schema,
    cf: &Schema,
    ct: &Schema,
    object_changes: &[Change],
    table_changes: &[Change],
) -> Vec<Change> {
    let mut disturbed: Vec<QualifiedName> = Vec::new();
    for c in object_changes.iter().chain(table_changes) {
        match c {
            Change::AlterColumn { table, what, .. }
                if what.intersects(ColumnChange::TYPE | ColumnChange::GENERATED) =>
            {
                disturbed.push(table.clone())
            }
            Change::DropColumn { table, .. } => disturbed.push(table.clone()),
            // A table SQLite rebuilds takes its views with it.
            other
                if to.dialect == crate::schema::Dialect::Sqlite
                    && other.altered_table().is_some_and(|t| {
                        other.needs_sqlite_rebuild(from.table(&t.schema, &t.name))
                    }) =>
            {
                disturbed.extend(other.altered_table().cloned())
            }
            Change::RecreateEnum { columns, .. } => {
                disturbed.extend(columns.iter().map(|(t, _)| t.clone()))
            }
            _ => {}
        }
    }
    let mut recreate: Vec<QualifiedName> = Vec::new();
    for v in &to.views {
        let Some(old) = from.view(&v.schema, &v.name) else {
            continue;
        };
        let a = cf.view(&v.schema, &v.name);
        let b = ct.view(&v.schema, &v.name);
        let reads_disturbed = disturbed.iter().any(|t| reads(old, t, to.dialect));
        if a != b || reads_disturbed {
            recreate.push(v.qualified());
        }
    }
    // Views that read a re-created view are re-created too.
    loop {
        let more: Vec<QualifiedName> = to
            .views
            .iter()
            .filter(|v| !recreate.contains(&v.qualified()))
            .filter_map(|v| from.view(&v.schema, &v.name))
            .filter(|old| recreate.iter().any(|r| reads(old, r, to.dialect)))
            .map(View::qualified)
            .collect();
        if more.is_empty() {
            break;
        }
        recreate.extend(more);
    }
    let mut changes = Vec::new();
    for old in &from.views {
        if to.view(&old.schema, &old.name).is_none() || recreate.contains(&old.qualified()) {
            changes.push(Change::DropView(old.clone()));
        }
    }
    for v in &to.views {
        if from.view(&v.schema, &v.name).is_none() || recreate.contains(&v.qualified()) {
            changes.push(Change::CreateView(v.clone()));
        }
    }
    changes
}

/// True when the view's definition names the table or view `name`.
pub fn reads(view: &View, name: &QualifiedName, dialect: Dialect) -> bool {
    mentions(&view.definition, &name.name, dialect)
}
