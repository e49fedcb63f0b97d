//! Schema × Schema → the list of typed changes that turns one into the other.
//!
//! Both sides are compared in canonical form ([`crate::schema::canonical`]);
//! the changes carry the target side's own values so they render as declared.
//! Renames are never guessed: an entity removed and another of the same kind
//! added in the same scope is an [`Ambiguity`] unless [`Renames`] decides it.

mod change;

pub use change::{Change, ColumnChange, ColumnPart, UncheckedConstraint};

use crate::schema::{Column, ColumnType, Dialect, QualifiedName, Schema, Table, canonical};

/// The user's decisions about removed+added pairs.
#[derive(Debug, Clone, Default)]
pub struct Renames {
    /// Tables renamed: old → new.
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// Columns renamed within a table (named by its new name): table, old, new.
    pub columns: Vec<(QualifiedName, String, String)>,
    /// Entities declared new (not renames), as written by the user (`table` or `table.column`).
    pub created: Vec<String>,
}

/// How renames are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameMode {
    /// Removed+added pairs without a decision are an error.
    Ask,
    /// Removed+added pairs are simply a drop and a create (drift reports).
    DropAndCreate,
}

/// One scope where entities were both removed and added without a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// `table` or `column`.
    pub kind: &'static str,
    /// Where: the table for columns, the schema for tables.
    pub scope: String,
    /// Removed names, as the user writes them in `--rename` (`table` or `table.column`).
    pub removed: Vec<String>,
    /// Added names, likewise.
    pub added: Vec<String>,
}

/// Computes the changes from `from` to `to`.
pub fn diff(
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    mode: RenameMode,
) -> Result<Vec<Change>, Vec<Ambiguity>> {
    let dialect = to.dialect;
    let cf = canonical::schema(from);
    let ct = canonical::schema(to);
    let mut changes = Vec::new();
    let mut ambiguities = Vec::new();

    // Namespaces.
    for s in &to.schemas {
        if !from.schemas.contains(s) {
            changes.push(Change::CreateSchema(s.clone()));
        }
    }
    for s in &from.schemas {
        if !to.schemas.contains(s) {
            changes.push(Change::DropSchema(s.clone()));
        }
    }

    // Enums.
    for e in &to.enums {
        match from.enum_type(&e.schema, &e.name) {
            None => changes.push(Change::CreateEnum(e.clone())),
            Some(old) if old.values != e.values => {
                let only_additions = old.values.iter().all(|v| e.values.contains(v))
                    && old
                        .values
                        .iter()
                        .filter(|v| e.values.contains(v))
                        .eq(e.values.iter().filter(|v| old.values.contains(v)));
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
                } else {
                    let ty = ColumnType::Enum(e.qualified());
                    let columns = to
                        .tables
                        .iter()
                        .filter(|t| from.table(&t.schema, &t.name).is_some())
                        .flat_map(|t| {
                            t.columns
                                .iter()
                                .filter(|c| c.ty == ty)
                                .map(|c| (t.qualified(), c.clone()))
                        })
                        .collect();
                    changes.push(Change::RecreateEnum {
                        from: old.clone(),
                        to: e.clone(),
                        columns,
                    });
                }
            }
            Some(_) => {}
        }
    }
    for e in &from.enums {
        if to.enum_type(&e.schema, &e.name).is_none() {
            changes.push(Change::DropEnum(e.clone()));
        }
    }

    // Tables: pair them up by name, then by declared renames.
    let mut removed: Vec<&Table> = from
        .tables
        .iter()
        .filter(|t| to.table(&t.schema, &t.name).is_none())
        .collect();
    let mut added: Vec<&Table> = to
        .tables
        .iter()
        .filter(|t| from.table(&t.schema, &t.name).is_none())
        .collect();
    let mut pairs: Vec<(&Table, &Table)> = Vec::new();
    for (old, new) in &renames.tables {
        let o = removed.iter().position(|t| t.qualified() == *old);
        let n = added.iter().position(|t| t.qualified() == *new);
        if let (Some(o), Some(n)) = (o, n) {
            let (ot, nt) = (removed.remove(o), added.remove(n));
            changes.push(Change::RenameTable {
                from: ot.qualified(),
                to: nt.qualified(),
            });
            pairs.push((ot, nt));
        }
    }
    if mode == RenameMode::Ask {
        for schema in schemas_of(&added) {
            let gone: Vec<String> = removed
                .iter()
                .filter(|t| t.schema == schema)
                .map(|t| t.qualified().to_string())
                .collect();
            let new: Vec<String> = added
                .iter()
                .filter(|t| {
                    t.schema == schema && !renames.created.contains(&t.qualified().to_string())
                })
                .map(|t| t.qualified().to_string())
                .collect();
            if !gone.is_empty() && !new.is_empty() {
                ambiguities.push(Ambiguity {
                    kind: "table",
                    scope: schema.clone(),
                    removed: gone,
                    added: new,
                });
            }
        }
    }
    for t in &added {
        changes.append(&mut create_table(dialect, t));
    }
    for t in &removed {
        changes.push(Change::DropTable((*t).clone()));
    }
    for t in &to.tables {
        if let Some(old) = from.table(&t.schema, &t.name) {
            pairs.push((old, t));
        }
    }

    for (old, new) in pairs {
        let old_c = canonical_table(&cf, old);
        let new_c = canonical_table(&ct, new);
        match diff_table(dialect, old, new, &old_c, &new_c, renames, mode) {
            Ok(mut c) => changes.append(&mut c),
            Err(mut a) => ambiguities.append(&mut a),
        }
    }

    for s in &to.sequences {
        if !from
            .sequences
            .iter()
            .any(|o| o.schema == s.schema && o.name == s.name)
        {
            changes.push(Change::CreateSequence(s.clone()));
        }
    }
    for s in &from.sequences {
        if !to
            .sequences
            .iter()
            .any(|o| o.schema == s.schema && o.name == s.name)
        {
            changes.push(Change::DropSequence(s.clone()));
        }
    }

    if ambiguities.is_empty() {
        Ok(changes)
    } else {
        Err(ambiguities)
    }
}

/// A new table: the table itself, then its foreign keys (inline in SQLite) and indexes.
fn create_table(dialect: Dialect, t: &Table) -> Vec<Change> {
    let table = t.qualified();
    let mut changes = vec![Change::CreateTable(t.clone())];
    if dialect == Dialect::Postgres {
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
    changes
}

fn schemas_of(tables: &[&Table]) -> Vec<String> {
    let mut v: Vec<String> = tables.iter().map(|t| t.schema.clone()).collect();
    v.sort();
    v.dedup();
    v
}

fn canonical_table(canonical: &Schema, t: &Table) -> Table {
    canonical
        .table(&t.schema, &t.name)
        .cloned()
        .unwrap_or_else(|| canonical::table(canonical.dialect, t))
}

fn diff_table(
    dialect: Dialect,
    old: &Table,
    new: &Table,
    old_c: &Table,
    new_c: &Table,
    renames: &Renames,
    mode: RenameMode,
) -> Result<Vec<Change>, Vec<Ambiguity>> {
    let table = new.qualified();
    let mut changes = Vec::new();

    // Columns: pair by name, then by declared renames.
    let mut removed: Vec<&Column> = old
        .columns
        .iter()
        .filter(|c| new.column(&c.name).is_none())
        .collect();
    let mut added: Vec<&Column> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_none())
        .collect();
    let mut pairs: Vec<(&Column, &Column)> = new
        .columns
        .iter()
        .filter_map(|c| old.column(&c.name).map(|o| (o, c)))
        .collect();
    for (t, from, to) in &renames.columns {
        if *t != table {
            continue;
        }
        let o = removed.iter().position(|c| c.name == *from);
        let n = added.iter().position(|c| c.name == *to);
        if let (Some(o), Some(n)) = (o, n) {
            let (oc, nc) = (removed.remove(o), added.remove(n));
            changes.push(Change::RenameColumn {
                table: table.clone(),
                from: oc.name.clone(),
                to: nc.name.clone(),
            });
            pairs.push((oc, nc));
        }
    }
    if mode == RenameMode::Ask {
        let label = |c: &Column| format!("{}.{}", table, c.name);
        let new_names: Vec<String> = added
            .iter()
            .map(|c| label(c))
            .filter(|n| !renames.created.contains(n))
            .collect();
        if !removed.is_empty() && !new_names.is_empty() {
            return Err(vec![Ambiguity {
                kind: "column",
                scope: table.to_string(),
                removed: removed.iter().map(|c| label(c)).collect(),
                added: new_names,
            }]);
        }
    }
    for c in &added {
        changes.push(Change::AddColumn {
            table: table.clone(),
            column: (*c).clone(),
        });
    }
    for c in &removed {
        changes.push(Change::DropColumn {
            table: table.clone(),
            column: (*c).clone(),
        });
    }
    for (o, n) in pairs {
        let (Some(oc), Some(nc)) = (old_c.column(&o.name), new_c.column(&n.name)) else {
            continue;
        };
        let what = ColumnChange::between(oc, nc);
        if !what.is_empty() {
            changes.push(Change::AlterColumn {
                table: table.clone(),
                from: o.clone(),
                to: n.clone(),
                what,
            });
        }
    }

    // Column renames carry over to constraints: compare the old side renamed.
    let renamed = |name: &str| -> String {
        renames
            .columns
            .iter()
            .find(|(t, from, _)| *t == table && from == name)
            .map(|(_, _, to)| to.clone())
            .unwrap_or_else(|| name.to_string())
    };
    let rename_all = |cols: &[String]| -> Vec<String> { cols.iter().map(|c| renamed(c)).collect() };

    // Primary key.
    let old_pk = old_c.primary_key.clone().map(|mut pk| {
        pk.columns = rename_all(&pk.columns);
        pk
    });
    if old_pk != new_c.primary_key {
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

    // Named constraints and indexes: matched by (canonical) name.
    let _ = dialect;
    for (o, oc) in old.uniques.iter().zip(&old_c.uniques) {
        let mut oc = oc.clone();
        oc.columns = rename_all(&oc.columns);
        match new_c.uniques.iter().position(|u| u.name == oc.name) {
            Some(i) if new_c.uniques[i] == oc => {}
            Some(i) => {
                changes.push(Change::DropUnique {
                    table: table.clone(),
                    unique: o.clone(),
                });
                changes.push(Change::AddUnique {
                    table: table.clone(),
                    unique: new.uniques[i].clone(),
                });
            }
            None => changes.push(Change::DropUnique {
                table: table.clone(),
                unique: o.clone(),
            }),
        }
    }
    for (n, nc) in new.uniques.iter().zip(&new_c.uniques) {
        if !old_c.uniques.iter().any(|u| u.name == nc.name) {
            changes.push(Change::AddUnique {
                table: table.clone(),
                unique: n.clone(),
            });
        }
    }

    for (o, oc) in old.foreign_keys.iter().zip(&old_c.foreign_keys) {
        let mut oc = oc.clone();
        oc.columns = rename_all(&oc.columns);
        match new_c.foreign_keys.iter().position(|f| f.name == oc.name) {
            Some(i) if new_c.foreign_keys[i] == oc => {}
            Some(i) => {
                changes.push(Change::DropForeignKey {
                    table: table.clone(),
                    fk: o.clone(),
                });
                changes.push(Change::AddForeignKey {
                    table: table.clone(),
                    fk: new.foreign_keys[i].clone(),
                });
            }
            None => changes.push(Change::DropForeignKey {
                table: table.clone(),
                fk: o.clone(),
            }),
        }
    }
    for (n, nc) in new.foreign_keys.iter().zip(&new_c.foreign_keys) {
        if !old_c.foreign_keys.iter().any(|f| f.name == nc.name) {
            changes.push(Change::AddForeignKey {
                table: table.clone(),
                fk: n.clone(),
            });
        }
    }

    for (o, oc) in old.checks.iter().zip(&old_c.checks) {
        match new_c.checks.iter().position(|c| c.name == oc.name) {
            Some(i) if new_c.checks[i] == *oc => {}
            Some(i) => {
                changes.push(Change::DropCheck {
                    table: table.clone(),
                    check: o.clone(),
                });
                changes.push(Change::AddCheck {
                    table: table.clone(),
                    check: new.checks[i].clone(),
                });
            }
            None => changes.push(Change::DropCheck {
                table: table.clone(),
                check: o.clone(),
            }),
        }
    }
    for (n, nc) in new.checks.iter().zip(&new_c.checks) {
        if !old_c.checks.iter().any(|c| c.name == nc.name) {
            changes.push(Change::AddCheck {
                table: table.clone(),
                check: n.clone(),
            });
        }
    }

    // Indexes (SQLite uniques are indexes in canonical form, so look them up by name).
    let find_index = |t: &Table, c: &Table, name: &str| -> Option<crate::schema::Index> {
        t.indexes
            .iter()
            .find(|i| i.name == name)
            .cloned()
            .or_else(|| c.indexes.iter().find(|i| i.name == name).cloned())
    };
    for oc in &old_c.indexes {
        let mut oc2 = oc.clone();
        for k in &mut oc2.keys {
            if !k.expression {
                k.key = renamed(&k.key);
            }
        }
        let original = find_index(old, old_c, &oc.name);
        match new_c.indexes.iter().find(|i| i.name == oc.name) {
            Some(nc) if *nc == oc2 => {}
            Some(nc) => {
                if let Some(o) = original {
                    changes.push(Change::DropIndex {
                        table: table.clone(),
                        index: o,
                    });
                }
                if let Some(n) = find_index(new, new_c, &nc.name) {
                    changes.push(Change::CreateIndex {
                        table: table.clone(),
                        index: n,
                    });
                }
            }
            None => {
                if let Some(o) = original {
                    changes.push(Change::DropIndex {
                        table: table.clone(),
                        index: o,
                    });
                }
            }
        }
    }
    for nc in &new_c.indexes {
        if !old_c.indexes.iter().any(|i| i.name == nc.name)
            && let Some(n) = find_index(new, new_c, &nc.name)
        {
            changes.push(Change::CreateIndex {
                table: table.clone(),
                index: n,
            });
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests;
