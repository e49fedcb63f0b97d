//! Declared renames as changes, and the removed+added pairs left undecided.

use std::collections::HashSet;

use super::{Ambiguity, Change, Renames};
use crate::schema::{ColumnType, QualifiedName, Schema, Table, View, canonical, names};

/// Renames with every name cut to what PostgreSQL stores.
pub fn fit(r: &Renames) -> Renames {
    let q = |n: &QualifiedName| {
        QualifiedName::new(
            names::postgres_truncate(&n.schema),
            names::postgres_truncate(&n.name),
        )
    };
    let s = |n: &str| names::postgres_truncate(n).to_string();
    let pairs = |v: &[(QualifiedName, QualifiedName)]| -> Vec<(QualifiedName, QualifiedName)> {
        v.iter().map(|(a, b)| (q(a), q(b))).collect()
    };
    let inner = |v: &[(QualifiedName, String, String)]| -> Vec<(QualifiedName, String, String)> {
        v.iter().map(|(t, a, b)| (q(t), s(a), s(b))).collect()
    };
    Renames {
        schemas: r.schemas.iter().map(|(a, b)| (s(a), s(b))).collect(),
        tables: pairs(&r.tables),
        columns: inner(&r.columns),
        enums: pairs(&r.enums),
        enum_values: r.enum_values.clone(),
        sequences: pairs(&r.sequences),
        views: pairs(&r.views),
        created: r.created.clone(),
    }
}

/// The rename changes the decisions ask for, where the old entity exists only
/// in `from` and the new one only in `to`; in the order they must be made.
pub fn changes(r: &Renames, from: &Schema, to: &Schema) -> Vec<Change> {
    let mut out = Vec::new();
    let mut current = from.clone();
    let mut push = |current: &mut Schema, c: Change| {
        super::apply::apply(current, &c);
        out.push(c);
    };
    for (old, new) in &r.schemas {
        if current.schemas.contains(old)
            && !to.schemas.contains(old)
            && to.schemas.contains(new)
            && !current.schemas.contains(new)
        {
            push(
                &mut current,
                Change::RenameSchema {
                    from: old.clone(),
                    to: new.clone(),
                },
            );
        }
    }
    // A renamed schema carries its objects: their old names are in the new schema now.
    let moved = |q: &QualifiedName| -> QualifiedName {
        match r.schemas.iter().find(|(o, _)| *o == q.schema) {
            Some((_, n)) => QualifiedName::new(n, &q.name),
            None => q.clone(),
        }
    };
    for (old, new) in &r.enums {
        let old = moved(old);
        if current.enum_type(&old.schema, &old.name).is_some()
            && to.enum_type(&old.schema, &old.name).is_none()
            && to.enum_type(&new.schema, &new.name).is_some()
            && current.enum_type(&new.schema, &new.name).is_none()
        {
            push(
                &mut current,
                Change::RenameEnum {
                    from: old,
                    to: new.clone(),
                },
            );
        }
    }
    for (old, new) in &r.sequences {
        let old = moved(old);
        if current.sequence(&old.schema, &old.name).is_some()
            && to.sequence(&old.schema, &old.name).is_none()
            && to.sequence(&new.schema, &new.name).is_some()
            && current.sequence(&new.schema, &new.name).is_none()
        {
            push(
                &mut current,
                Change::RenameSequence {
                    from: old,
                    to: new.clone(),
                },
            );
        }
    }
    for (old, new) in &r.tables {
        let old = moved(old);
        if current.table(&old.schema, &old.name).is_some()
            && to.table(&old.schema, &old.name).is_none()
            && to.table(&new.schema, &new.name).is_some()
            && current.table(&new.schema, &new.name).is_none()
        {
            let postgres = current.dialect == crate::schema::Dialect::Postgres;
            for c in owned_names(&current, &old, new)
                .into_iter()
                .filter(|_| postgres)
            {
                push(&mut current, c);
            }
            push(
                &mut current,
                Change::RenameTable {
                    from: old.clone(),
                    to: new.clone(),
                },
            );
            if let Some(t) = current.table(&new.schema, &new.name).filter(|_| postgres)
                && t.primary_key.as_ref().is_some_and(|pk| pk.name.is_none())
                && names::postgres_primary_key(&old.name) != names::postgres_primary_key(&new.name)
            {
                push(
                    &mut current,
                    Change::RenameConstraint {
                        table: new.clone(),
                        from: names::postgres_primary_key(&old.name),
                        to: names::postgres_primary_key(&new.name),
                    },
                );
            }
        }
    }
    // SQLite cannot rename a view; it holds no rows, so it is dropped and
    // made again under its new name.
    let views = if current.dialect == crate::schema::Dialect::Sqlite {
        &[][..]
    } else {
        &r.views[..]
    };
    for (old, new) in views {
        let old = moved(old);
        let (Some(v), Some(target)) = (
            current.view(&old.schema, &old.name),
            to.view(&new.schema, &new.name),
        ) else {
            continue;
        };
        // A view whose definition changes too is dropped and made again
        // under its new name, so nothing runs under a name it no longer has.
        let same = View {
            schema: target.schema.clone(),
            name: target.name.clone(),
            ..v.clone()
        };
        if same == *target
            && to.view(&old.schema, &old.name).is_none()
            && current.view(&new.schema, &new.name).is_none()
        {
            let materialized = v.materialized;
            push(
                &mut current,
                Change::RenameView {
                    from: old,
                    to: new.clone(),
                    materialized,
                },
            );
        }
    }
    for (e, old, new) in &r.enum_values {
        let (Some(before), Some(after)) = (
            current.enum_type(&e.schema, &e.name),
            to.enum_type(&e.schema, &e.name),
        ) else {
            continue;
        };
        if before.values.contains(old)
            && !after.values.contains(old)
            && after.values.contains(new)
            && !before.values.contains(new)
        {
            push(
                &mut current,
                Change::RenameEnumValue {
                    name: e.clone(),
                    from: old.clone(),
                    to: new.clone(),
                },
            );
        }
    }
    for (t, old, new) in &r.columns {
        let (Some(before), Some(after)) = (
            current.table(&t.schema, &t.name),
            to.table(&t.schema, &t.name),
        ) else {
            continue;
        };
        if before.column(old).is_some()
            && after.column(old).is_none()
            && after.column(new).is_some()
            && before.column(new).is_none()
        {
            if let Some(c) = owned_sequence(before, t, old, t, new)
                .filter(|_| current.dialect == crate::schema::Dialect::Postgres)
            {
                push(&mut current, c);
            }
            push(
                &mut current,
                Change::RenameColumn {
                    table: t.clone(),
                    from: old.clone(),
                    to: new.clone(),
                },
            );
        }
    }
    out
}

/// The sequences a table's serial and identity columns own under default
/// names, renamed with the table, so they keep matching their default names.
fn owned_names(s: &Schema, old: &QualifiedName, new: &QualifiedName) -> Vec<Change> {
    let Some(t) = s.table(&old.schema, &old.name) else {
        return Vec::new();
    };
    t.columns
        .iter()
        .flat_map(|c| owned_sequence(t, old, &c.name, new, &c.name))
        .collect()
}

/// The rename of the sequence a serial or identity column owns under its
/// default name, when the table or column name changes.
fn owned_sequence(
    t: &Table,
    old_table: &QualifiedName,
    old_column: &str,
    new_table: &QualifiedName,
    new_column: &str,
) -> Option<Change> {
    let c = t.column(old_column)?;
    let serial = match &c.ty {
        ColumnType::Sql(ty) => canonical::serial_base(ty).is_some(),
        ColumnType::Enum(_) => false,
    };
    let default_identity = c
        .identity
        .as_ref()
        .is_some_and(|i| i.sequence_name.is_none());
    let name = |table: &str, column: &str| {
        if serial {
            names::postgres_serial_sequence(table, column)
        } else {
            names::postgres_truncate(&names::sequence(table, column)).to_string()
        }
    };
    let (from, to) = (
        name(&old_table.name, old_column),
        name(&new_table.name, new_column),
    );
    ((serial || default_identity) && from != to).then(|| Change::RenameSequence {
        from: QualifiedName::new(&old_table.schema, from),
        to: QualifiedName::new(&old_table.schema, to),
    })
}

/// Removed+added pairs of one kind with no decision, asked about in stages:
/// schemas first, then tables and the other named objects, then columns and
/// enum labels (whose scopes only pair up once the stage before is decided).
pub fn ambiguities(from: &Schema, to: &Schema, created: &[String]) -> Vec<Ambiguity> {
    let mut out = Vec::new();
    let schemas = |s: &Schema| s.schemas.clone();
    push_ambiguity(
        &mut out,
        "schema",
        String::new(),
        schemas(from),
        schemas(to),
        created,
    );
    if !out.is_empty() {
        return out;
    }
    let names = |v: Vec<QualifiedName>| v.iter().map(|q| q.to_string()).collect::<Vec<_>>();
    // A table managed elsewhere is never renamed.
    let tables = |s: &Schema| {
        names(
            s.tables
                .iter()
                .filter(|t| !t.external)
                .map(|t| t.qualified())
                .collect(),
        )
    };
    let enums = |s: &Schema| names(s.enums.iter().map(|e| e.qualified()).collect());
    let sequences = |s: &Schema| names(s.sequences.iter().map(|q| q.qualified()).collect());
    // A view is only asked about where it can be renamed (not SQLite).
    let views = |s: &Schema| match s.dialect {
        crate::schema::Dialect::Sqlite => Vec::new(),
        crate::schema::Dialect::Postgres | crate::schema::Dialect::Mysql => {
            names(s.views.iter().map(|v| v.qualified()).collect())
        }
    };
    push_ambiguity(
        &mut out,
        "table",
        String::new(),
        tables(from),
        tables(to),
        created,
    );
    push_ambiguity(
        &mut out,
        "enum",
        String::new(),
        enums(from),
        enums(to),
        created,
    );
    push_ambiguity(
        &mut out,
        "sequence",
        String::new(),
        sequences(from),
        sequences(to),
        created,
    );
    push_ambiguity(
        &mut out,
        "view",
        String::new(),
        views(from),
        views(to),
        created,
    );
    if !out.is_empty() {
        return out;
    }
    for t in &to.tables {
        let Some(old) = from.table(&t.schema, &t.name) else {
            continue;
        };
        let label = |c: &str| format!("{}.{c}", t.qualified());
        let cols = |t: &crate::schema::Table| t.columns.iter().map(|c| label(&c.name)).collect();
        push_ambiguity(
            &mut out,
            "column",
            t.qualified().to_string(),
            cols(old),
            cols(t),
            created,
        );
    }
    for e in &to.enums {
        let Some(old) = from.enum_type(&e.schema, &e.name) else {
            continue;
        };
        let label = |v: &str| format!("{}.{v}", e.qualified());
        let values = |e: &crate::schema::Enum| e.values.iter().map(|v| label(v)).collect();
        push_ambiguity(
            &mut out,
            "enum value",
            e.qualified().to_string(),
            values(old),
            values(e),
            created,
        );
    }
    out
}

/// Records an ambiguity when names went away and others (not declared new) came.
fn push_ambiguity(
    out: &mut Vec<Ambiguity>,
    kind: &'static str,
    scope: String,
    before: Vec<String>,
    after: Vec<String>,
    created: &[String],
) {
    let (before_set, after_set): (HashSet<&String>, HashSet<&String>) =
        (before.iter().collect(), after.iter().collect());
    let removed: Vec<String> = before
        .iter()
        .filter(|n| !after_set.contains(n))
        .cloned()
        .collect();
    let added: Vec<String> = after
        .iter()
        .filter(|n| !before_set.contains(n) && !created.contains(n))
        .cloned()
        .collect();
    if !removed.is_empty() && !added.is_empty() {
        out.push(Ambiguity {
            kind,
            scope,
            removed,
            added,
        });
    }
}
