//! Changes applied to a model: the schema a database has after running them.
//!
//! The planner uses it to write the snapshot after each part of a split
//! migration, and [`super::diff`] to make declared renames on the old side
//! before comparing. It follows what PostgreSQL does: renaming a column
//! renames it in the table's constraints, indexes and expressions and in the
//! foreign keys that point at it; dropping a column drops what involves it.

use super::{Change, ColumnPart, UncheckedConstraint};
use crate::schema::{
    ColumnType, Dialect, ForeignKey, PrimaryKey, QualifiedName, Schema, Table, Unique, canonical,
};

/// A copy of `schema` with every change made, sorted.
pub fn apply_all<'c>(schema: &Schema, changes: impl IntoIterator<Item = &'c Change>) -> Schema {
    let mut out = schema.clone();
    for c in changes {
        apply(&mut out, c);
    }
    out.sort();
    out
}

/// Makes one change to `s`.
pub fn apply(s: &mut Schema, change: &Change) {
    let dialect = s.dialect;
    match change {
        Change::CreateSchema(n) => {
            if !s.schemas.contains(n) {
                s.schemas.push(n.clone());
            }
        }
        Change::DropSchema(n) => s.schemas.retain(|x| x != n),
        Change::RenameSchema { from, to } => rename_schema(s, from, to),
        Change::CreateEnum(e) => s.enums.push(e.clone()),
        Change::DropEnum(e) => s
            .enums
            .retain(|x| !(x.schema == e.schema && x.name == e.name)),
        Change::AddEnumValue {
            name,
            value,
            before,
        } => {
            if let Some(e) = enum_mut(s, name) {
                let at = before
                    .as_ref()
                    .and_then(|b| e.values.iter().position(|v| v == b))
                    .unwrap_or(e.values.len());
                e.values.insert(at, value.clone());
            }
        }
        Change::RenameEnumValue { name, from, to } => rename_enum_value(s, name, from, to),
        Change::RecreateEnum { to, columns, .. } => {
            if let Some(e) = enum_mut(s, &to.qualified()) {
                e.values = to.values.clone();
            }
            for (table, c) in columns {
                if let Some(col) = table_mut(s, table).and_then(|t| column_mut(t, &c.name)) {
                    *col = c.clone();
                }
            }
        }
        Change::RenameEnum { from, to } => {
            if let Some(e) = enum_mut(s, from) {
                e.schema = to.schema.clone();
                e.name = to.name.clone();
            }
            let old = ColumnType::Enum(from.clone());
            for t in &mut s.tables {
                for c in &mut t.columns {
                    if c.ty == old {
                        c.ty = ColumnType::Enum(to.clone());
                    }
                }
            }
        }
        Change::CreateSequence(q) => s.sequences.push(q.clone()),
        Change::DropSequence(q) => s
            .sequences
            .retain(|x| !(x.schema == q.schema && x.name == q.name)),
        Change::AlterSequence { to, .. } => {
            if let Some(q) = s
                .sequences
                .iter_mut()
                .find(|x| x.schema == to.schema && x.name == to.name)
            {
                q.options = to.options.clone();
            }
        }
        Change::RenameSequence { from, to } => {
            if let Some(q) = s
                .sequences
                .iter_mut()
                .find(|x| x.schema == from.schema && x.name == from.name)
            {
                q.schema = to.schema.clone();
                q.name = to.name.clone();
            }
        }
        Change::CreateTable(t) => {
            let mut t = t.clone();
            // Keys to other tables, indexes, RLS and policies come as their own changes.
            if s.dialect != Dialect::Sqlite {
                t.foreign_keys.clear();
            }
            t.indexes.clear();
            t.rls_enabled = false;
            t.policies.clear();
            s.tables.push(t);
        }
        Change::DropTable(t) => s
            .tables
            .retain(|x| !(x.schema == t.schema && x.name == t.name)),
        Change::RebuildTable { to, .. } => {
            if let Some(t) = table_mut(s, &to.qualified()) {
                *t = to.clone();
            }
        }
        Change::RenameTable { from, to } => rename_table(s, from, to),
        Change::AddColumn { table, column } => {
            if let Some(t) = table_mut(s, table) {
                t.columns.push(column.clone());
            }
        }
        Change::DropColumn { table, column } => {
            if let Some(t) = table_mut(s, table) {
                drop_column(t, &column.name, dialect);
            }
        }
        Change::RenameColumn { table, from, to } => rename_column(s, table, from, to),
        Change::AlterColumn { table, to, .. } => {
            if let Some(c) = table_mut(s, table).and_then(|t| column_mut(t, &to.name)) {
                *c = to.clone();
            }
        }
        Change::AlterColumnPart {
            table,
            column,
            part,
        } => {
            if let Some(c) = table_mut(s, table).and_then(|t| column_mut(t, column)) {
                match part {
                    ColumnPart::Type { ty, dims, .. } => {
                        c.ty = ty.clone();
                        c.dims = *dims;
                    }
                    ColumnPart::SetNotNull => c.not_null = true,
                    ColumnPart::DropNotNull => c.not_null = false,
                    ColumnPart::SetDefault(d) => c.default = Some(d.clone()),
                    ColumnPart::DropDefault => c.default = None,
                }
            }
        }
        Change::AddPrimaryKey { table, pk } => {
            if let Some(t) = table_mut(s, table) {
                t.primary_key = Some(pk.clone());
            }
        }
        Change::DropPrimaryKey { table, .. } => {
            if let Some(t) = table_mut(s, table) {
                t.primary_key = None;
            }
        }
        Change::AddUnique { table, unique } => {
            if let Some(t) = table_mut(s, table) {
                t.uniques.push(unique.clone());
            }
        }
        Change::DropUnique { table, unique } => {
            if let Some(t) = table_mut(s, table) {
                t.uniques.retain(|u| u.name != unique.name);
            }
        }
        Change::AddForeignKey { table, fk } => {
            if let Some(t) = table_mut(s, table) {
                t.foreign_keys.push(fk.clone());
            }
        }
        Change::DropForeignKey { table, fk } => {
            if let Some(t) = table_mut(s, table) {
                t.foreign_keys.retain(|f| f.name != fk.name);
            }
        }
        Change::AddCheck { table, check } => {
            if let Some(t) = table_mut(s, table) {
                t.checks.push(check.clone());
            }
        }
        Change::DropCheck { table, check } => {
            if let Some(t) = table_mut(s, table) {
                t.checks.retain(|c| c.name != check.name);
            }
        }
        Change::AddConstraintNotValid { table, constraint } => {
            if let Some(t) = table_mut(s, table) {
                match constraint {
                    UncheckedConstraint::ForeignKey(fk) => t.foreign_keys.push(fk.clone()),
                    UncheckedConstraint::Check(c) => t.checks.push(c.clone()),
                }
            }
        }
        Change::ValidateConstraint { .. } => {}
        Change::CreateIndex { table, index } => {
            if let Some(t) = table_mut(s, table) {
                t.indexes.push(index.clone());
            }
        }
        Change::DropIndex { table, index } => {
            if let Some(t) = table_mut(s, table) {
                t.indexes.retain(|i| i.name != index.name);
            }
        }
        Change::DropIndexByName { name, .. } => {
            for t in s.tables.iter_mut().filter(|t| t.schema == name.schema) {
                t.indexes.retain(|i| i.name != name.name);
            }
        }
        Change::AddConstraintUsingIndex {
            table,
            name,
            index,
            primary_key,
        } => {
            if let Some(t) = table_mut(s, table)
                && let Some(at) = t.indexes.iter().position(|i| i.name == *index)
            {
                let i = t.indexes.remove(at);
                let columns = i.keys.into_iter().map(|k| k.key).collect();
                if *primary_key {
                    t.primary_key = Some(PrimaryKey {
                        name: name.clone(),
                        columns,
                    });
                } else {
                    t.uniques.push(Unique {
                        name: name.clone().unwrap_or(i.name),
                        columns,
                        nulls_not_distinct: false,
                    });
                }
            }
        }
        Change::CreateView(v) => s.views.push(v.clone()),
        Change::DropView(v) => s
            .views
            .retain(|x| !(x.schema == v.schema && x.name == v.name)),
        Change::RenameView { from, to, .. } => {
            if let Some(v) = s
                .views
                .iter_mut()
                .find(|v| v.schema == from.schema && v.name == from.name)
            {
                v.schema = to.schema.clone();
                v.name = to.name.clone();
            }
        }
        Change::CreateRole(r) => s.roles.push(r.clone()),
        Change::DropRole(r) => s.roles.retain(|x| x.name != r.name),
        Change::AlterRole { to, .. } => {
            if let Some(r) = s.roles.iter_mut().find(|r| r.name == to.name) {
                *r = to.clone();
            }
        }
        Change::EnableRls(table) => {
            if let Some(t) = table_mut(s, table) {
                t.rls_enabled = true;
            }
        }
        Change::DisableRls(table) => {
            if let Some(t) = table_mut(s, table) {
                t.rls_enabled = false;
            }
        }
        Change::CreatePolicy { table, policy } => {
            if let Some(t) = table_mut(s, table) {
                t.policies.push(policy.clone());
            }
        }
        Change::DropPolicy { table, policy } => {
            if let Some(t) = table_mut(s, table) {
                t.policies.retain(|p| p.name != policy.name);
            }
        }
        Change::RenameConstraint { table, from, to } => {
            if let Some(t) = table_mut(s, table) {
                let rename = |n: &mut String| {
                    if n == from {
                        *n = to.clone();
                    }
                };
                if let Some(n) = t.primary_key.as_mut().and_then(|pk| pk.name.as_mut()) {
                    rename(n);
                }
                t.uniques.iter_mut().for_each(|u| rename(&mut u.name));
                t.foreign_keys.iter_mut().for_each(|f| rename(&mut f.name));
                t.checks.iter_mut().for_each(|c| rename(&mut c.name));
            }
        }
        Change::RenameIndex { table, from, to } => {
            if let Some(i) =
                table_mut(s, table).and_then(|t| t.indexes.iter_mut().find(|i| i.name == *from))
            {
                i.name = to.clone();
            }
        }
        Change::AlterPolicy { table, to, .. } => {
            if let Some(p) =
                table_mut(s, table).and_then(|t| t.policies.iter_mut().find(|p| p.name == to.name))
            {
                *p = to.clone();
            }
        }
    }
}

fn table_mut<'a>(s: &'a mut Schema, q: &QualifiedName) -> Option<&'a mut Table> {
    s.tables
        .iter_mut()
        .find(|t| t.schema == q.schema && t.name == q.name)
}

fn column_mut<'a>(t: &'a mut Table, name: &str) -> Option<&'a mut crate::schema::Column> {
    t.columns.iter_mut().find(|c| c.name == name)
}

fn enum_mut<'a>(s: &'a mut Schema, q: &QualifiedName) -> Option<&'a mut crate::schema::Enum> {
    s.enums
        .iter_mut()
        .find(|e| e.schema == q.schema && e.name == q.name)
}

fn rename_schema(s: &mut Schema, from: &str, to: &str) {
    for n in &mut s.schemas {
        if n == from {
            *n = to.to_string();
        }
    }
    let moved = |schema: &mut String| {
        if schema == from {
            *schema = to.to_string();
        }
    };
    for e in &mut s.enums {
        moved(&mut e.schema);
    }
    for q in &mut s.sequences {
        moved(&mut q.schema);
    }
    for v in &mut s.views {
        moved(&mut v.schema);
    }
    for t in &mut s.tables {
        moved(&mut t.schema);
        for fk in &mut t.foreign_keys {
            moved(&mut fk.references.schema);
        }
        for c in &mut t.columns {
            if let ColumnType::Enum(q) = &mut c.ty {
                moved(&mut q.schema);
            }
        }
    }
}

fn rename_table(s: &mut Schema, from: &QualifiedName, to: &QualifiedName) {
    let dialect = s.dialect;
    if let Some(t) = table_mut(s, from) {
        t.schema = to.schema.clone();
        t.name = to.name.clone();
        // Expressions that qualify columns with the table's name follow it.
        let follow =
            |e: &mut String| *e = crate::sql::requalify(e, &from.name, Some(&to.name), dialect);
        for c in &mut t.checks {
            follow(&mut c.expression);
        }
        for c in &mut t.columns {
            if let Some(g) = &mut c.generated {
                follow(g);
            }
        }
        for i in &mut t.indexes {
            if let Some(p) = &mut i.predicate {
                follow(p);
            }
            for k in i.keys.iter_mut().filter(|k| k.expression) {
                follow(&mut k.key);
            }
        }
        for p in &mut t.policies {
            for e in [&mut p.using, &mut p.with_check].into_iter().flatten() {
                follow(e);
            }
        }
    }
    for t in &mut s.tables {
        for fk in &mut t.foreign_keys {
            if fk.references == *from {
                fk.references = to.clone();
            }
        }
    }
}

fn rename_enum_value(s: &mut Schema, name: &QualifiedName, from: &str, to: &str) {
    if let Some(e) = enum_mut(s, name) {
        for v in &mut e.values {
            if v == from {
                *v = to.to_string();
            }
        }
    }
    // Defaults hold the label by reference: they follow the rename.
    let ty = ColumnType::Enum(name.clone());
    let old = crate::sql::literal(from);
    for t in &mut s.tables {
        for c in t.columns.iter_mut().filter(|c| c.ty == ty && c.dims == 0) {
            let same = c
                .default
                .as_deref()
                .is_some_and(|d| canonical::default_expr(Dialect::Postgres, d, "", 0) == old);
            if same {
                c.default = Some(crate::sql::literal(to));
            }
        }
    }
}

fn rename_column(s: &mut Schema, table: &QualifiedName, from: &str, to: &str) {
    let dialect = s.dialect;
    let rename = |cols: &mut Vec<String>| {
        for c in cols.iter_mut() {
            if c == from {
                *c = to.to_string();
            }
        }
    };
    if let Some(t) = table_mut(s, table) {
        if let Some(c) = column_mut(t, from) {
            c.name = to.to_string();
        }
        if let Some(pk) = &mut t.primary_key {
            rename(&mut pk.columns);
        }
        for u in &mut t.uniques {
            rename(&mut u.columns);
        }
        for fk in &mut t.foreign_keys {
            rename(&mut fk.columns);
        }
        for c in &mut t.checks {
            c.expression = rename_identifier(&c.expression, from, to, dialect);
        }
        for c in &mut t.columns {
            if let Some(g) = &c.generated {
                c.generated = Some(rename_identifier(g, from, to, dialect));
            }
        }
        for i in &mut t.indexes {
            for k in &mut i.keys {
                if k.expression {
                    k.key = rename_identifier(&k.key, from, to, dialect);
                } else if k.key == from {
                    k.key = to.to_string();
                }
            }
            if let Some(p) = &i.predicate {
                i.predicate = Some(rename_identifier(p, from, to, dialect));
            }
        }
        for p in &mut t.policies {
            p.using = p
                .using
                .as_deref()
                .map(|e| rename_identifier(e, from, to, dialect));
            p.with_check = p
                .with_check
                .as_deref()
                .map(|e| rename_identifier(e, from, to, dialect));
        }
    }
    for t in &mut s.tables {
        for fk in t
            .foreign_keys
            .iter_mut()
            .filter(|fk: &&mut ForeignKey| fk.references == *table)
        {
            rename(&mut fk.referenced_columns);
        }
    }
}

/// PostgreSQL drops the indexes and constraints that involve a dropped column.
fn drop_column(t: &mut Table, name: &str, dialect: Dialect) {
    t.columns.retain(|c| c.name != name);
    let has = |cols: &[String]| cols.iter().any(|c| c == name);
    if t.primary_key.as_ref().is_some_and(|pk| has(&pk.columns)) {
        t.primary_key = None;
    }
    t.uniques.retain(|u| !has(&u.columns));
    t.foreign_keys.retain(|f| !has(&f.columns));
    t.checks.retain(|c| !mentions(&c.expression, name, dialect));
    t.indexes.retain(|i| {
        !i.keys.iter().any(|k| {
            if k.expression {
                mentions(&k.key, name, dialect)
            } else {
                k.key == name
            }
        }) && !i
            .predicate
            .as_deref()
            .is_some_and(|p| mentions(p, name, dialect))
    });
}

/// True when the SQL text uses `name` as an identifier (quoted or not).
pub fn mentions(sql: &str, name: &str, dialect: Dialect) -> bool {
    crate::sql::identifiers(sql, dialect)
        .any(|id| crate::sql::same_identifier(id.word, id.quoted, name))
}

/// `sql` with every use of the identifier `from` replaced by `to`, quoted for `dialect`.
pub fn rename_identifier(sql: &str, from: &str, to: &str, dialect: Dialect) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for id in crate::sql::identifiers(sql, dialect) {
        if crate::sql::same_identifier(id.word, id.quoted, from) {
            out.push_str(&sql[last..id.start]);
            out.push_str(&crate::sql::ident_in(dialect, to));
            last = id.end;
        }
    }
    out.push_str(&sql[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: Dialect = Dialect::Postgres;

    #[test]
    fn identifiers_are_renamed_outside_literals() {
        assert_eq!(
            rename_identifier("\"t\".\"a\" > 0 AND a <> 'a' AND ab = 1", "a", "b", PG),
            "\"t\".\"b\" > 0 AND \"b\" <> 'a' AND ab = 1"
        );
        assert!(mentions("lower(\"Email\")", "Email", PG));
        assert!(!mentions("lower(email)", "Email", PG));
        assert!(mentions("lower(EMAIL)", "email", PG));
        assert!(!mentions("'email' = x", "email", PG));
    }

    #[test]
    fn comments_dollar_quotes_and_escaped_strings_are_not_code() {
        let cases = [
            // (expression, renamed a → b)
            ("a > 0 -- a was x\n", "\"b\" > 0 -- a was x\n"),
            ("a > 0 /* keep a */", "\"b\" > 0 /* keep a */"),
            ("a = $$a$$", "\"b\" = $$a$$"),
            ("a = $t$ a $t$", "\"b\" = $t$ a $t$"),
            ("a = E'it\\'s a'", "\"b\" = E'it\\'s a'"),
            ("a = 1e5", "\"b\" = 1e5"),
            // An unterminated quoted name is renamed whole, not past its end.
            ("\"a", "\"b\""),
        ];
        for (sql, expected) in cases {
            assert_eq!(rename_identifier(sql, "a", "b", PG), expected, "{sql}");
        }
        assert!(!mentions("x -- email", "email", PG));
        // MySQL quotes with backticks, where "a" is a string.
        assert_eq!(
            rename_identifier("`t`.`a` > 0 AND a <> \"a\"", "a", "b", Dialect::Mysql),
            "`t`.`b` > 0 AND `b` <> \"a\""
        );
        assert_eq!(
            rename_identifier("[a] + `a` + \"a\"", "a", "b", Dialect::Sqlite),
            "\"b\" + \"b\" + \"b\""
        );
        assert!(!mentions("x = $$email$$", "email", PG));
    }
}
