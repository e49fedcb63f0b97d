//! Changes within tables: columns, keys, checks, indexes, row-level security
//! and policies.

use super::Change;
use super::apply::mentions;
use super::change::ColumnChange;
use crate::schema::{Dialect, Index, Policy, Table, canonical};

/// A new table: the table itself, then its foreign keys (inline in SQLite),
/// indexes (SQLite's unique keys among them), row-level security and policies.
pub fn create(dialect: Dialect, t: &Table) -> Vec<Change> {
    let table = t.qualified();
    let mut changes = vec![Change::CreateTable(t.clone())];
    if dialect != Dialect::Sqlite {
        for fk in &t.foreign_keys {
            changes.push(Change::AddForeignKey {
                table: table.clone(),
                fk: fk.clone(),
            });
        }
    } else {
        for u in &t.uniques {
            changes.push(Change::CreateIndex {
                table: table.clone(),
                index: u.as_index(),
            });
        }
    }
    for i in &t.indexes {
        changes.push(Change::CreateIndex {
            table: table.clone(),
            index: i.clone(),
        });
    }
    if canonical::rls_enabled(t) {
        changes.push(Change::EnableRls(table.clone()));
    }
    for p in &t.policies {
        changes.push(Change::CreatePolicy {
            table: table.clone(),
            policy: p.clone(),
        });
    }
    changes
}

/// The changes that turn `old` into `new` (same name), compared in their
/// canonical forms; none when they are declared alike.
pub fn diff(dialect: Dialect, old: &Table, new: &Table) -> Vec<Change> {
    if old == new {
        return Vec::new();
    }
    let old_c = canonical::table(dialect, old);
    let new_c = canonical::table(dialect, new);
    let table = new.qualified();
    let mut changes = Vec::new();

    for c in &new.columns {
        if old.column(&c.name).is_none() {
            changes.push(Change::AddColumn {
                table: table.clone(),
                column: c.clone(),
            });
        }
    }
    for c in &old.columns {
        if new.column(&c.name).is_none() {
            changes.push(Change::DropColumn {
                table: table.clone(),
                column: c.clone(),
            });
        }
    }
    // Columns dropped and added again to change how they are generated:
    // what involves them is dropped with them and must be made again.
    let mut recreated: Vec<String> = Vec::new();
    for n in &new.columns {
        let (Some(o), Some(oc), Some(nc)) = (
            old.column(&n.name),
            old_c.column(&n.name),
            new_c.column(&n.name),
        ) else {
            continue;
        };
        let what = ColumnChange::between(oc, nc);
        if what.is_empty() {
            continue;
        }
        if what.contains(ColumnChange::GENERATED) && n.generated.is_some() {
            recreated.push(n.name.clone());
        }
        changes.push(Change::AlterColumn {
            table: table.clone(),
            from: o.clone(),
            to: n.clone(),
            what,
        });
    }
    let involves = |cols: &[String]| cols.iter().any(|c| recreated.contains(c));
    let involves_expr = |sql: &str| recreated.iter().any(|c| mentions(sql, c, dialect));

    // Primary key.
    let pk_involved = old_c
        .primary_key
        .as_ref()
        .is_some_and(|pk| involves(&pk.columns));
    if old_c.primary_key != new_c.primary_key || pk_involved {
        if let Some(pk) = &old.primary_key {
            changes.push(Change::DropPrimaryKey {
                table: table.clone(),
                pk: pk.clone(),
            });
        }
        if let Some(pk) = &new.primary_key {
            changes.push(Change::AddPrimaryKey {
                table: table.clone(),
                pk: pk.clone(),
            });
        }
    }

    // Named constraints: matched by canonical name; one that only changed
    // its name is renamed.
    let pg = dialect == Dialect::Postgres;
    let renamed_uniques = same_but_name(pg, &old_c.uniques, &new_c.uniques, |u| &mut u.name);
    let renamed_fks = same_but_name(pg, &old_c.foreign_keys, &new_c.foreign_keys, |f| {
        &mut f.name
    });
    let renamed_checks = same_but_name(pg, &old_c.checks, &new_c.checks, |c| &mut c.name);
    let renamed_indexes = same_but_name(pg, &old_c.indexes, &new_c.indexes, |i| &mut i.name);
    for (from, to) in renamed_uniques
        .iter()
        .chain(&renamed_fks)
        .chain(&renamed_checks)
    {
        changes.push(Change::RenameConstraint {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    for (from, to) in &renamed_indexes {
        changes.push(Change::RenameIndex {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    let was_renamed =
        |list: &[(String, String)], name: &str| list.iter().any(|(from, _)| from == name);
    let is_rename = |list: &[(String, String)], name: &str| list.iter().any(|(_, to)| to == name);
    for (o, oc) in old.uniques.iter().zip(&old_c.uniques) {
        if was_renamed(&renamed_uniques, &oc.name) {
            continue;
        }
        let matched = new_c.uniques.iter().position(|u| u.name == oc.name);
        let same = matched.is_some_and(|i| new_c.uniques[i] == *oc && !involves(&oc.columns));
        if !same {
            changes.push(Change::DropUnique {
                table: table.clone(),
                unique: o.clone(),
            });
        }
        if let Some(i) = matched.filter(|_| !same) {
            changes.push(Change::AddUnique {
                table: table.clone(),
                unique: new.uniques[i].clone(),
            });
        }
    }
    for (n, nc) in new.uniques.iter().zip(&new_c.uniques) {
        if !old_c.uniques.iter().any(|u| u.name == nc.name)
            && !is_rename(&renamed_uniques, &nc.name)
        {
            changes.push(Change::AddUnique {
                table: table.clone(),
                unique: n.clone(),
            });
        }
    }

    for (o, oc) in old.foreign_keys.iter().zip(&old_c.foreign_keys) {
        if was_renamed(&renamed_fks, &oc.name) {
            continue;
        }
        let matched = new_c.foreign_keys.iter().position(|f| f.name == oc.name);
        let same = matched.is_some_and(|i| new_c.foreign_keys[i] == *oc && !involves(&oc.columns));
        if !same {
            changes.push(Change::DropForeignKey {
                table: table.clone(),
                fk: o.clone(),
            });
        }
        if let Some(i) = matched.filter(|_| !same) {
            changes.push(Change::AddForeignKey {
                table: table.clone(),
                fk: new.foreign_keys[i].clone(),
            });
        }
    }
    for (n, nc) in new.foreign_keys.iter().zip(&new_c.foreign_keys) {
        if !old_c.foreign_keys.iter().any(|f| f.name == nc.name)
            && !is_rename(&renamed_fks, &nc.name)
        {
            changes.push(Change::AddForeignKey {
                table: table.clone(),
                fk: n.clone(),
            });
        }
    }

    for (o, oc) in old.checks.iter().zip(&old_c.checks) {
        if was_renamed(&renamed_checks, &oc.name) {
            continue;
        }
        let matched = new_c.checks.iter().position(|c| c.name == oc.name);
        let same = matched.is_some_and(|i| new_c.checks[i] == *oc && !involves_expr(&o.expression));
        if !same {
            changes.push(Change::DropCheck {
                table: table.clone(),
                check: o.clone(),
            });
        }
        if let Some(i) = matched.filter(|_| !same) {
            changes.push(Change::AddCheck {
                table: table.clone(),
                check: new.checks[i].clone(),
            });
        }
    }
    for (n, nc) in new.checks.iter().zip(&new_c.checks) {
        if !old_c.checks.iter().any(|c| c.name == nc.name) && !is_rename(&renamed_checks, &nc.name)
        {
            changes.push(Change::AddCheck {
                table: table.clone(),
                check: n.clone(),
            });
        }
    }

    // Indexes (SQLite uniques are indexes in canonical form, so look them up by name).
    let find_index = |t: &Table, c: &Table, name: &str| -> Option<Index> {
        t.indexes
            .iter()
            .find(|i| i.name == name)
            .cloned()
            .or_else(|| c.indexes.iter().find(|i| i.name == name).cloned())
    };
    let index_involved = |i: &Index| {
        i.keys.iter().any(|k| {
            if k.expression {
                involves_expr(&k.key)
            } else {
                recreated.contains(&k.key)
            }
        }) || i.predicate.as_deref().is_some_and(involves_expr)
    };
    for oc in &old_c.indexes {
        if was_renamed(&renamed_indexes, &oc.name) {
            continue;
        }
        let original = find_index(old, &old_c, &oc.name);
        let matched = new_c.indexes.iter().find(|i| i.name == oc.name);
        let same = matched.is_some_and(|nc| nc == oc && !index_involved(oc));
        if same {
            continue;
        }
        if let Some(o) = original {
            changes.push(Change::DropIndex {
                table: table.clone(),
                index: o,
            });
        }
        if let Some(n) = matched.and_then(|nc| find_index(new, &new_c, &nc.name)) {
            changes.push(Change::CreateIndex {
                table: table.clone(),
                index: n,
            });
        }
    }
    for nc in &new_c.indexes {
        if !old_c.indexes.iter().any(|i| i.name == nc.name)
            && !is_rename(&renamed_indexes, &nc.name)
            && let Some(n) = find_index(new, &new_c, &nc.name)
        {
            changes.push(Change::CreateIndex {
                table: table.clone(),
                index: n,
            });
        }
    }

    if dialect == Dialect::Postgres {
        changes.extend(policies(old, new, &old_c, &new_c));
        if new_c.rls_enabled && !old_c.rls_enabled {
            changes.push(Change::EnableRls(table.clone()));
        }
        if !new_c.rls_enabled && old_c.rls_enabled {
            changes.push(Change::DisableRls(table.clone()));
        }
    }
    changes
}

/// Pairs of (old name, new name) for entries whose names match nothing on
/// the other side but whose definitions are equal once named alike.
/// Only PostgreSQL renames constraints and indexes in place.
fn same_but_name<T: Clone + PartialEq>(
    postgres: bool,
    old: &[T],
    new: &[T],
    name: impl Fn(&mut T) -> &mut String,
) -> Vec<(String, String)> {
    if !postgres {
        return Vec::new();
    }
    let name_of = |t: &T| name(&mut t.clone()).clone();
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for o in old {
        let old_name = name_of(o);
        if new.iter().any(|n| name_of(n) == old_name) {
            continue;
        }
        let found = new.iter().find(|n| {
            let new_name = name_of(n);
            if old.iter().any(|x| name_of(x) == new_name) || taken.contains(&new_name) {
                return false;
            }
            let mut renamed = o.clone();
            *name(&mut renamed) = new_name;
            renamed == **n
        });
        if let Some(n) = found {
            let new_name = name_of(n);
            taken.push(new_name.clone());
            out.push((old_name, new_name));
        }
    }
    out
}

/// Policies matched by name: altered in place when `ALTER POLICY` can, else dropped and created.
fn policies(old: &Table, new: &Table, old_c: &Table, new_c: &Table) -> Vec<Change> {
    let table = new.qualified();
    let find = |t: &Table, name: &str| t.policies.iter().find(|p| p.name == name).cloned();
    let mut changes = Vec::new();
    for oc in &old_c.policies {
        let Some(o) = find(old, &oc.name) else {
            continue;
        };
        match (
            new_c.policies.iter().find(|p| p.name == oc.name),
            find(new, &oc.name),
        ) {
            (Some(nc), _) if nc == oc => {}
            (Some(nc), Some(n)) if alterable(oc, nc) => changes.push(Change::AlterPolicy {
                table: table.clone(),
                from: o,
                to: n,
            }),
            (_, n) => {
                changes.push(Change::DropPolicy {
                    table: table.clone(),
                    policy: o,
                });
                if let Some(n) = n {
                    changes.push(Change::CreatePolicy {
                        table: table.clone(),
                        policy: n,
                    });
                }
            }
        }
    }
    for p in &new.policies {
        if find(old, &p.name).is_none() {
            changes.push(Change::CreatePolicy {
                table: table.clone(),
                policy: p.clone(),
            });
        }
    }
    changes
}

/// `ALTER POLICY` changes roles and expressions, but cannot change the
/// command or the kind, nor remove an expression.
fn alterable(from: &Policy, to: &Policy) -> bool {
    from.command == to.command
        && from.restrictive == to.restrictive
        && (to.using.is_some() || from.using.is_none())
        && (to.with_check.is_some() || from.with_check.is_none())
}
