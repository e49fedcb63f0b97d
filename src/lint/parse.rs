//! SQL statements → the [`Change`]s they make and their [`StatementKind`].
//!
//! Each hand-written statement is parsed once with sqlparser and converted
//! here, so rules never see the SQL syntax tree. A statement knows only what it
//! says: a dropped column's type or a dropped table's columns are left empty,
//! and an altered column whose old definition is unknown becomes
//! [`Change::AlterColumnPart`]. Unquoted names are folded to lower case, as
//! PostgreSQL does. Names the database chooses (an unnamed index or
//! constraint) are chosen here the way PostgreSQL chooses them.
//!
//! [`attach`] does the reverse for generated migrations: it spreads a known
//! change over the statements it was rendered to.

use std::borrow::Cow;

use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, AlterType, AlterTypeAddValuePosition,
    AlterTypeOperation, CascadeOption, ColumnDef, ColumnOption, CreateIndex, CreateTable, DataType,
    DropBehavior, Expr, GeneratedAs, GeneratedExpressionMode, Ident, IndexColumn, ObjectName,
    ObjectType, RenameTableNameKind, SchemaName, Set, Statement, TableConstraint, Truncate,
    UserDefinedTypeRepresentation,
};
use sqlparser::ast::{ArrayElemTypeDef, ReferentialAction};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::text::{self, is_word, parser_dialect};
use super::{StatementKind, TransactionControl};
use crate::diff::{Change, ColumnChange, ColumnPart, UncheckedConstraint};
use crate::schema::{
    Check, Column, ColumnType, Dialect, Enum, FkAction, ForeignKey, Identity, Index, IndexKey,
    PrimaryKey, QualifiedName, Sequence, SequenceOptions, Table, Unique, canonical, names,
};

/// What one statement does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    /// The schema changes, in order.
    pub changes: Vec<Change>,
    /// What sort of statement it is.
    pub kind: StatementKind,
}

impl Parsed {
    fn ddl(changes: Vec<Change>) -> Parsed {
        Parsed {
            changes,
            kind: StatementKind::Ddl { cascade: false },
        }
    }

    fn kind(kind: StatementKind) -> Parsed {
        Parsed {
            changes: Vec::new(),
            kind,
        }
    }
}

/// Parses one statement (without its terminator).
pub(crate) fn statement(sql: &str, dialect: Dialect) -> Parsed {
    let Some(tokens) = text::tokens(sql, dialect) else {
        return unparsed(sql, &[], dialect);
    };
    // sqlparser does not know `DROP INDEX CONCURRENTLY`: parse it without the keyword.
    let drop_concurrently = tokens.len() > 2
        && is_word(&tokens[0], "DROP")
        && is_word(&tokens[1], "INDEX")
        && is_word(&tokens[2], "CONCURRENTLY");
    let source = if drop_concurrently {
        let rest: Vec<String> = tokens.iter().skip(3).map(Token::to_string).collect();
        format!("DROP INDEX {}", rest.join(" "))
    } else {
        sql.to_string()
    };
    let statements = Parser::new(parser_dialect(dialect))
        .try_with_sql(&source)
        .and_then(|mut p| p.parse_statements());
    let Ok(statements) = statements else {
        return unparsed(sql, &tokens, dialect);
    };
    let mut out = Parsed::kind(StatementKind::Other);
    for (i, s) in statements.iter().enumerate() {
        let parsed = convert(s, dialect);
        if i == 0 {
            out.kind = parsed.kind;
        }
        out.changes.extend(parsed.changes);
    }
    if drop_concurrently {
        for c in &mut out.changes {
            if let Change::DropIndexByName { concurrently, .. } = c {
                *concurrently = true;
            }
        }
    }
    out
}

/// A statement sqlparser cannot read. A `CREATE TABLE` it cannot read
/// (e.g. an identity column's `sequence name` option) still creates a new,
/// empty table, which is all the rules need to know about it.
fn unparsed(sql: &str, tokens: &[Token], dialect: Dialect) -> Parsed {
    if let Some(name) = created_table_name(tokens, dialect) {
        return Parsed::ddl(vec![Change::CreateTable(Table::new(
            name.schema,
            name.name,
        ))]);
    }
    const DDL: &[&str] = &[
        "CREATE", "ALTER", "DROP", "TRUNCATE", "DO", "REINDEX", "CLUSTER", "VACUUM", "REFRESH",
        "LOCK", "RENAME",
    ];
    let ddl = DDL.contains(&text::first_word(sql).as_str());
    Parsed::kind(StatementKind::Unparsed { ddl })
}

/// The table of `CREATE [UNLOGGED|TEMP] TABLE [IF NOT EXISTS] [schema.]name (...`.
fn created_table_name(tokens: &[Token], dialect: Dialect) -> Option<QualifiedName> {
    let mut i = 0;
    let word = |t: Option<&Token>, w: &str| t.is_some_and(|t| is_word(t, w));
    if !word(tokens.first(), "CREATE") {
        return None;
    }
    i += 1;
    while ["UNLOGGED", "TEMP", "TEMPORARY"]
        .iter()
        .any(|w| word(tokens.get(i), w))
    {
        i += 1;
    }
    if !word(tokens.get(i), "TABLE") {
        return None;
    }
    i += 1;
    if word(tokens.get(i), "IF") {
        i += 3;
    }
    let mut parts = Vec::new();
    while let Some(Token::Word(w)) = tokens.get(i) {
        parts.push(w.value.clone());
        if !matches!(tokens.get(i + 1), Some(Token::Period)) {
            break;
        }
        i += 2;
    }
    match parts.as_slice() {
        [name] => Some(QualifiedName::new(dialect.default_schema(), name)),
        [.., schema, name] => Some(QualifiedName::new(schema, name)),
        [] => None,
    }
}

fn convert(s: &Statement, d: Dialect) -> Parsed {
    match s {
        Statement::CreateTable(t) => Parsed::ddl(create_table(t, d)),
        Statement::AlterTable(a) => alter_table(a, d),
        Statement::CreateIndex(i) => Parsed::ddl(vec![create_index(i, d)]),
        Statement::Drop {
            object_type,
            names,
            cascade,
            ..
        } => Parsed {
            changes: names
                .iter()
                .filter_map(|n| drop(*object_type, n, d))
                .collect(),
            kind: StatementKind::Ddl { cascade: *cascade },
        },
        Statement::AlterType(t) => Parsed::ddl(alter_type(t, d)),
        Statement::CreateType {
            name,
            representation,
        } => Parsed::ddl(create_type(name, representation.as_ref(), d)),
        Statement::CreateSchema { schema_name, .. } => {
            Parsed::ddl(vec![Change::CreateSchema(schema(schema_name))])
        }
        Statement::CreateSequence {
            name, temporary, ..
        } if !temporary => {
            let q = qualified(name, d);
            Parsed::ddl(vec![Change::CreateSequence(Sequence {
                schema: q.schema,
                name: q.name,
                options: SequenceOptions::default(),
            })])
        }
        Statement::Truncate(t) => truncate(t, d),
        Statement::Insert(_)
        | Statement::Update(_)
        | Statement::Delete(_)
        | Statement::Merge(_) => Parsed::kind(StatementKind::DataChange),
        Statement::Copy { to: false, .. } => Parsed::kind(StatementKind::DataChange),
        Statement::Set(set) => Parsed::kind(setting(set)),
        Statement::StartTransaction { .. } => {
            Parsed::kind(StatementKind::Transaction(TransactionControl::Begin))
        }
        Statement::Commit { .. } => {
            Parsed::kind(StatementKind::Transaction(TransactionControl::Commit))
        }
        Statement::Rollback {
            savepoint: None, ..
        } => Parsed::kind(StatementKind::Transaction(TransactionControl::Rollback)),
        _ => Parsed::kind(StatementKind::Other),
    }
}

/// A name part as the database stores it: unquoted names fold to lower case.
fn name_part(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// `schema.name` or `name` (in the dialect's default schema).
fn qualified(name: &ObjectName, d: Dialect) -> QualifiedName {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map_or_else(|| p.to_string(), name_part))
        .collect();
    match parts.as_slice() {
        [.., schema, last] => QualifiedName::new(schema, last),
        [last] => QualifiedName::new(d.default_schema(), last),
        [] => QualifiedName::new(d.default_schema(), ""),
    }
}

fn schema(name: &SchemaName) -> String {
    match name {
        SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => {
            n.0.last()
                .and_then(|p| p.as_ident())
                .map(name_part)
                .unwrap_or_default()
        }
        SchemaName::UnnamedAuthorization(user) => name_part(user),
    }
}

/// The element type and array dimensions of a column type.
fn column_type(dt: &DataType, d: Dialect) -> (ColumnType, u8) {
    let mut dims = 0u8;
    let mut t = dt;
    while let DataType::Array(ArrayElemTypeDef::SquareBracket(inner, _)) = t {
        dims = dims.saturating_add(1);
        t = inner;
    }
    (
        ColumnType::Sql(canonical::type_sql(d, &t.to_string())),
        dims,
    )
}

/// A constraint written in `CREATE TABLE` or `ALTER TABLE ... ADD`.
enum Constraint {
    PrimaryKey(PrimaryKey),
    Unique(Unique),
    ForeignKey(ForeignKey),
    Check(Check),
    UsingIndex {
        name: Option<String>,
        index: String,
        primary_key: bool,
    },
}

/// The name PostgreSQL gives an unnamed index or constraint: `<table>_<columns>_<label>`,
/// with the table and column parts shortened alike to fit 63 bytes.
fn default_name(table: &str, columns: &[String], label: &str) -> String {
    let joined = columns.join("_");
    let mut first: Vec<char> = table.chars().collect();
    let mut second: Vec<char> = joined.chars().collect();
    let len = |chars: &[char]| chars.iter().map(|c| c.len_utf8()).sum::<usize>();
    let overhead = label.len() + 1 + usize::from(!second.is_empty());
    let available = names::POSTGRES_MAX_IDENTIFIER.saturating_sub(overhead);
    while len(&first) + len(&second) > available {
        if len(&first) > len(&second) {
            first.pop();
        } else {
            second.pop();
        }
    }
    let first: String = first.into_iter().collect();
    let second: String = second.into_iter().collect();
    if second.is_empty() {
        format!("{first}_{label}")
    } else {
        format!("{first}_{second}_{label}")
    }
}

fn fk_action(action: Option<&ReferentialAction>) -> FkAction {
    action
        .and_then(|a| FkAction::parse(&a.to_string()))
        .unwrap_or_default()
}

/// A column of `CREATE TABLE` or `ADD COLUMN`, with the constraints written on it.
fn column_def(c: &ColumnDef, table: &QualifiedName, d: Dialect) -> (Column, Vec<Constraint>) {
    let (ty, dims) = column_type(&c.data_type, d);
    let mut column = Column::new(name_part(&c.name), ty);
    column.dims = dims;
    let mut constraints = Vec::new();
    let own = vec![column.name.clone()];
    for option in &c.options {
        let name = option.name.as_ref().map(name_part);
        match &option.option {
            ColumnOption::NotNull => column.not_null = true,
            ColumnOption::Null => column.not_null = false,
            ColumnOption::Default(e) => column.default = Some(e.to_string()),
            ColumnOption::Generated {
                generated_as,
                generation_expr,
                generation_expr_mode,
                ..
            } => match generation_expr {
                Some(e) => {
                    let stored = *generated_as == GeneratedAs::ExpStored
                        || *generation_expr_mode == Some(GeneratedExpressionMode::Stored);
                    if stored {
                        column.generated = Some(e.to_string());
                    }
                }
                None => {
                    column.not_null = true;
                    column.identity = Some(Identity {
                        always: *generated_as == GeneratedAs::Always,
                        sequence_name: None,
                        options: SequenceOptions::default(),
                    });
                }
            },
            ColumnOption::PrimaryKey(_) => {
                column.not_null = true;
                constraints.push(Constraint::PrimaryKey(PrimaryKey {
                    name,
                    columns: own.clone(),
                }));
            }
            ColumnOption::Unique(_) => constraints.push(Constraint::Unique(Unique {
                name: name.unwrap_or_else(|| default_name(&table.name, &own, "key")),
                columns: own.clone(),
                nulls_not_distinct: false,
            })),
            ColumnOption::ForeignKey(fk) => constraints.push(Constraint::ForeignKey(ForeignKey {
                name: name.unwrap_or_else(|| default_name(&table.name, &own, "fkey")),
                columns: own.clone(),
                references: qualified(&fk.foreign_table, d),
                referenced_columns: fk.referred_columns.iter().map(name_part).collect(),
                on_delete: fk_action(fk.on_delete.as_ref()),
                on_update: fk_action(fk.on_update.as_ref()),
            })),
            ColumnOption::Check(check) => constraints.push(Constraint::Check(Check {
                name: name.unwrap_or_else(|| default_name(&table.name, &own, "check")),
                expression: check.expr.to_string(),
            })),
            _ => {}
        }
    }
    (column, constraints)
}

fn index_column_names(columns: &[IndexColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(id) => name_part(id),
            other => other.to_string(),
        })
        .collect()
}

/// A table-level constraint.
fn table_constraint(c: &TableConstraint, table: &QualifiedName, d: Dialect) -> Option<Constraint> {
    let named = |n: &Option<Ident>| n.as_ref().map(name_part);
    Some(match c {
        TableConstraint::PrimaryKey(pk) => Constraint::PrimaryKey(PrimaryKey {
            name: named(&pk.name),
            columns: index_column_names(&pk.columns),
        }),
        TableConstraint::Unique(u) => {
            let columns = index_column_names(&u.columns);
            Constraint::Unique(Unique {
                name: named(&u.name).unwrap_or_else(|| default_name(&table.name, &columns, "key")),
                columns,
                nulls_not_distinct: false,
            })
        }
        TableConstraint::ForeignKey(fk) => {
            let columns: Vec<String> = fk.columns.iter().map(name_part).collect();
            Constraint::ForeignKey(ForeignKey {
                name: named(&fk.name)
                    .unwrap_or_else(|| default_name(&table.name, &columns, "fkey")),
                columns,
                references: qualified(&fk.foreign_table, d),
                referenced_columns: fk.referred_columns.iter().map(name_part).collect(),
                on_delete: fk_action(fk.on_delete.as_ref()),
                on_update: fk_action(fk.on_update.as_ref()),
            })
        }
        TableConstraint::Check(check) => Constraint::Check(Check {
            name: named(&check.name).unwrap_or_else(|| default_name(&table.name, &[], "check")),
            expression: check.expr.to_string(),
        }),
        TableConstraint::PrimaryKeyUsingIndex(u) | TableConstraint::UniqueUsingIndex(u) => {
            Constraint::UsingIndex {
                name: named(&u.name),
                index: name_part(&u.index_name),
                primary_key: matches!(c, TableConstraint::PrimaryKeyUsingIndex(_)),
            }
        }
        _ => return None,
    })
}

fn create_table(t: &CreateTable, d: Dialect) -> Vec<Change> {
    if t.temporary {
        return Vec::new();
    }
    let name = qualified(&t.name, d);
    let mut table = Table::new(&name.schema, &name.name);
    let mut constraints = Vec::new();
    for c in &t.columns {
        let (column, own) = column_def(c, &name, d);
        table.columns.push(column);
        constraints.extend(own);
    }
    constraints.extend(
        t.constraints
            .iter()
            .filter_map(|c| table_constraint(c, &name, d)),
    );
    for c in constraints {
        match c {
            Constraint::PrimaryKey(pk) => {
                for col in table
                    .columns
                    .iter_mut()
                    .filter(|col| pk.columns.contains(&col.name))
                {
                    col.not_null = true;
                }
                table.primary_key = Some(pk);
            }
            Constraint::Unique(u) => table.uniques.push(u),
            Constraint::ForeignKey(fk) => table.foreign_keys.push(fk),
            Constraint::Check(c) => table.checks.push(c),
            Constraint::UsingIndex { .. } => {}
        }
    }
    vec![Change::CreateTable(table)]
}

/// The change that adds a constraint to an existing table.
fn add_constraint(table: &QualifiedName, c: Constraint, not_valid: bool) -> Change {
    let table = table.clone();
    match c {
        Constraint::PrimaryKey(pk) => Change::AddPrimaryKey { table, pk },
        Constraint::Unique(unique) => Change::AddUnique { table, unique },
        Constraint::ForeignKey(fk) if not_valid => Change::AddConstraintNotValid {
            table,
            constraint: UncheckedConstraint::ForeignKey(fk),
        },
        Constraint::ForeignKey(fk) => Change::AddForeignKey { table, fk },
        Constraint::Check(check) if not_valid => Change::AddConstraintNotValid {
            table,
            constraint: UncheckedConstraint::Check(check),
        },
        Constraint::Check(check) => Change::AddCheck { table, check },
        Constraint::UsingIndex {
            name,
            index,
            primary_key,
        } => Change::AddConstraintUsingIndex {
            table,
            name,
            index,
            primary_key,
        },
    }
}

fn column_part(op: &AlterColumnOperation, d: Dialect) -> Option<ColumnPart> {
    Some(match op {
        AlterColumnOperation::SetNotNull => ColumnPart::SetNotNull,
        AlterColumnOperation::DropNotNull => ColumnPart::DropNotNull,
        AlterColumnOperation::SetDefault { value } => ColumnPart::SetDefault(value.to_string()),
        AlterColumnOperation::DropDefault => ColumnPart::DropDefault,
        AlterColumnOperation::SetDataType {
            data_type, using, ..
        } => {
            let (ty, dims) = column_type(data_type, d);
            ColumnPart::Type {
                ty,
                dims,
                using: using.as_ref().map(Expr::to_string),
            }
        }
        _ => return None,
    })
}

fn alter_table(a: &AlterTable, d: Dialect) -> Parsed {
    let table = qualified(&a.name, d);
    let mut changes = Vec::new();
    let mut cascade = false;
    for op in &a.operations {
        match op {
            AlterTableOperation::AddColumn { column_def: c, .. } => {
                let (column, constraints) = column_def(c, &table, d);
                changes.push(Change::AddColumn {
                    table: table.clone(),
                    column,
                });
                changes.extend(
                    constraints
                        .into_iter()
                        .map(|c| add_constraint(&table, c, false)),
                );
            }
            AlterTableOperation::DropColumn {
                column_names,
                drop_behavior,
                ..
            } => {
                cascade |= *drop_behavior == Some(DropBehavior::Cascade);
                changes.extend(column_names.iter().map(|n| Change::DropColumn {
                    table: table.clone(),
                    column: Column::new(name_part(n), ColumnType::Sql(String::new())),
                }));
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => changes.push(Change::RenameColumn {
                table: table.clone(),
                from: name_part(old_column_name),
                to: name_part(new_column_name),
            }),
            AlterTableOperation::RenameTable {
                table_name: RenameTableNameKind::To(to) | RenameTableNameKind::As(to),
            } => changes.push(Change::RenameTable {
                from: table.clone(),
                to: QualifiedName::new(&table.schema, qualified(to, d).name),
            }),
            AlterTableOperation::AlterColumn { column_name, op } => {
                if let Some(part) = column_part(op, d) {
                    changes.push(Change::AlterColumnPart {
                        table: table.clone(),
                        column: name_part(column_name),
                        part,
                    });
                }
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                if let Some(c) = table_constraint(constraint, &table, d) {
                    changes.push(add_constraint(&table, c, *not_valid));
                }
            }
            AlterTableOperation::ValidateConstraint { name } => {
                changes.push(Change::ValidateConstraint {
                    table: table.clone(),
                    name: name_part(name),
                })
            }
            AlterTableOperation::DropConstraint { drop_behavior, .. } => {
                cascade |= *drop_behavior == Some(DropBehavior::Cascade);
            }
            _ => {}
        }
    }
    Parsed {
        changes,
        kind: StatementKind::Ddl { cascade },
    }
}

fn create_index(i: &CreateIndex, d: Dialect) -> Change {
    let table = qualified(&i.table_name, d);
    let columns = index_column_names(&i.columns);
    let keys = i
        .columns
        .iter()
        .zip(&columns)
        .map(|(c, name)| match &c.column.expr {
            Expr::Identifier(_) => IndexKey::column(name),
            _ => IndexKey {
                expression: true,
                ..IndexKey::column(name)
            },
        })
        .collect();
    let name = match &i.name {
        Some(n) => qualified(n, d).name,
        None => {
            let parts: Vec<String> = i
                .columns
                .iter()
                .zip(&columns)
                .map(|(c, name)| match &c.column.expr {
                    Expr::Identifier(_) => name.clone(),
                    _ => "expr".to_string(),
                })
                .collect();
            default_name(&table.name, &parts, "idx")
        }
    };
    Change::CreateIndex {
        table,
        index: Index {
            name,
            unique: i.unique,
            keys,
            method: i.using.as_ref().map(|m| m.to_string().to_ascii_lowercase()),
            predicate: i.predicate.as_ref().map(Expr::to_string),
            with: Vec::new(),
            concurrently: i.concurrently,
        },
    }
}

fn drop(object_type: ObjectType, name: &ObjectName, d: Dialect) -> Option<Change> {
    let q = qualified(name, d);
    Some(match object_type {
        ObjectType::Table => Change::DropTable(Table::new(q.schema, q.name)),
        ObjectType::Index => Change::DropIndexByName {
            name: q,
            concurrently: false,
        },
        ObjectType::Schema => Change::DropSchema(q.name),
        ObjectType::Type => Change::DropEnum(Enum {
            schema: q.schema,
            name: q.name,
            values: Vec::new(),
        }),
        ObjectType::Sequence => Change::DropSequence(Sequence {
            schema: q.schema,
            name: q.name,
            options: SequenceOptions::default(),
        }),
        _ => return None,
    })
}

fn alter_type(t: &AlterType, d: Dialect) -> Vec<Change> {
    let AlterTypeOperation::AddValue(add) = &t.operation else {
        return Vec::new();
    };
    let before = match &add.position {
        Some(AlterTypeAddValuePosition::Before(v)) => Some(v.value.clone()),
        _ => None,
    };
    vec![Change::AddEnumValue {
        name: qualified(&t.name, d),
        value: add.value.value.clone(),
        before,
    }]
}

fn create_type(
    name: &ObjectName,
    representation: Option<&UserDefinedTypeRepresentation>,
    d: Dialect,
) -> Vec<Change> {
    let Some(UserDefinedTypeRepresentation::Enum { labels }) = representation else {
        return Vec::new();
    };
    let q = qualified(name, d);
    vec![Change::CreateEnum(Enum {
        schema: q.schema,
        name: q.name,
        values: labels.iter().map(|l| l.value.clone()).collect(),
    })]
}

fn truncate(t: &Truncate, d: Dialect) -> Parsed {
    Parsed::kind(StatementKind::Truncate {
        tables: t
            .table_names
            .iter()
            .map(|target| qualified(&target.name, d))
            .collect(),
        cascade: t.cascade == Some(CascadeOption::Cascade),
    })
}

fn setting(set: &Set) -> StatementKind {
    match set {
        Set::SingleAssignment {
            variable, values, ..
        } => StatementKind::SetSetting {
            name: variable.to_string().to_ascii_lowercase(),
            value: values
                .iter()
                .map(Expr::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        },
        _ => StatementKind::Other,
    }
}

/// Spreads a generated change over the statements it was rendered to: each
/// statement gets the changes it makes. A column alteration rendered as
/// several statements is split by what each statement alters, so findings
/// point at the right one; any other change belongs to its first statement.
pub(crate) fn attach<'a>(change: &'a Change, statements: &[String]) -> Vec<Vec<Cow<'a, Change>>> {
    let mut out = vec![Vec::new(); statements.len()];
    if let Change::AlterColumn {
        table,
        from,
        to,
        what,
    } = change
        && statements.len() > 1
    {
        for (slot, sql) in out.iter_mut().zip(statements) {
            *slot = alter_column_step(sql, table, from, to, *what)
                .into_iter()
                .map(Cow::Owned)
                .collect();
        }
    }
    if out.iter().all(Vec::is_empty)
        && let Some(first) = out.first_mut()
    {
        first.push(Cow::Borrowed(change));
    }
    out
}

/// The part of a column alteration one rendered statement makes.
fn alter_column_step(
    sql: &str,
    table: &QualifiedName,
    from: &Column,
    to: &Column,
    what: ColumnChange,
) -> Vec<Change> {
    let Some(tokens) = text::tokens(sql, Dialect::Postgres) else {
        return Vec::new();
    };
    let pair = |a: &str, b: &str| {
        tokens
            .windows(2)
            .position(|w| is_word(&w[0], a) && is_word(&w[1], b))
    };
    if let Some(at) = pair("ALTER", "COLUMN") {
        let action: Vec<&Token> = tokens.iter().skip(at + 3).take(2).collect();
        let flags = match action.as_slice() {
            [a, b] if is_word(a, "SET") && is_word(b, "DATA") => ColumnChange::TYPE,
            [a, ..] if is_word(a, "TYPE") => ColumnChange::TYPE,
            [_, b] if is_word(b, "NOT") => ColumnChange::NULLABILITY,
            [_, b] if is_word(b, "DEFAULT") => ColumnChange::DEFAULT,
            [_, b] if is_word(b, "IDENTITY") || is_word(b, "GENERATED") => ColumnChange::IDENTITY,
            _ => ColumnChange::empty(),
        };
        let what = what & flags;
        if what.is_empty() {
            return Vec::new();
        }
        return vec![Change::AlterColumn {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
            what,
        }];
    }
    if pair("ADD", "COLUMN").is_some() {
        return vec![Change::AddColumn {
            table: table.clone(),
            column: to.clone(),
        }];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> Parsed {
        statement(sql, Dialect::Postgres)
    }

    fn q(name: &str) -> QualifiedName {
        QualifiedName::new("public", name)
    }

    #[test]
    fn create_table_collects_columns_and_constraints() {
        let p = pg(
            "CREATE TABLE \"Users\" (id serial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, \
                    team_id int REFERENCES teams(id) ON DELETE CASCADE, CONSTRAINT age_ok CHECK (age > 0))",
        );
        let [Change::CreateTable(t)] = p.changes.as_slice() else {
            panic!("{p:?}")
        };
        assert_eq!(t.qualified(), q("Users"));
        assert_eq!(t.columns[1].ty, ColumnType::sql("varchar(255)"));
        assert!(t.columns[0].not_null && t.columns[1].not_null);
        assert_eq!(
            t.primary_key.as_ref().map(|pk| pk.columns.clone()),
            Some(vec!["id".to_string()])
        );
        assert_eq!(t.uniques[0].name, "Users_email_key");
        assert_eq!(t.foreign_keys[0].name, "Users_team_id_fkey");
        assert_eq!(t.foreign_keys[0].on_delete, FkAction::Cascade);
        assert_eq!(t.checks[0].name, "age_ok");
    }

    #[test]
    fn alter_table_makes_one_change_per_operation() {
        let p = pg(
            "ALTER TABLE app.t ADD COLUMN a text[] NOT NULL DEFAULT '{}', DROP COLUMN b CASCADE, \
                    ALTER COLUMN c SET NOT NULL, ALTER COLUMN d TYPE bigint USING d::bigint, RENAME TO u",
        );
        assert_eq!(p.kind, StatementKind::Ddl { cascade: true });
        let t = QualifiedName::new("app", "t");
        assert!(
            matches!(&p.changes[0], Change::AddColumn { column, .. } if column.dims == 1 && column.not_null)
        );
        assert!(matches!(&p.changes[1], Change::DropColumn { column, .. } if column.name == "b"));
        assert_eq!(
            p.changes[2],
            Change::AlterColumnPart {
                table: t.clone(),
                column: "c".into(),
                part: ColumnPart::SetNotNull
            }
        );
        assert!(matches!(&p.changes[3], Change::AlterColumnPart {
            part: ColumnPart::Type { ty, using: Some(_), .. }, ..
        } if *ty == ColumnType::sql("bigint")));
        assert_eq!(
            p.changes[4],
            Change::RenameTable {
                from: t,
                to: QualifiedName::new("app", "u")
            }
        );
    }

    #[test]
    fn constraints_keep_not_valid_and_using_index() {
        let p = pg("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID");
        assert!(
            matches!(&p.changes[0], Change::AddConstraintNotValid { constraint: UncheckedConstraint::ForeignKey(fk), .. } if fk.name == "fk")
        );
        let p = pg("ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID");
        assert!(
            matches!(&p.changes[0], Change::AddConstraintNotValid { constraint: UncheckedConstraint::Check(c), .. } if c.name == "c")
        );
        let p = pg("ALTER TABLE t VALIDATE CONSTRAINT c");
        assert_eq!(
            p.changes,
            vec![Change::ValidateConstraint {
                table: q("t"),
                name: "c".into()
            }]
        );
        let p = pg("ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_idx");
        assert!(
            matches!(&p.changes[0], Change::AddConstraintUsingIndex { index, primary_key: false, .. } if index == "t_a_idx")
        );
    }

    #[test]
    fn indexes_with_and_without_concurrently() {
        let p = pg("CREATE UNIQUE INDEX CONCURRENTLY ON t (a, lower(b))");
        let [Change::CreateIndex { index, .. }] = p.changes.as_slice() else {
            panic!("{p:?}")
        };
        assert!(index.concurrently && index.unique);
        assert_eq!(index.name, "t_a_expr_idx");
        let p = pg("DROP INDEX CONCURRENTLY IF EXISTS app.i");
        assert_eq!(
            p.changes,
            vec![Change::DropIndexByName {
                name: QualifiedName::new("app", "i"),
                concurrently: true
            }]
        );
    }

    #[test]
    fn other_statements_have_a_kind() {
        assert_eq!(
            pg("TRUNCATE a, b CASCADE").kind,
            StatementKind::Truncate {
                tables: vec![q("a"), q("b")],
                cascade: true
            }
        );
        assert_eq!(pg("UPDATE t SET a = 1").kind, StatementKind::DataChange);
        assert_eq!(
            pg("SET lock_timeout = '1s'").kind,
            StatementKind::SetSetting {
                name: "lock_timeout".into(),
                value: "'1s'".into()
            }
        );
        assert_eq!(
            pg("BEGIN").kind,
            StatementKind::Transaction(TransactionControl::Begin)
        );
        assert_eq!(pg("SELECT 1").kind, StatementKind::Other);
        assert_eq!(
            pg("DO $$ BEGIN NULL; END $$").kind,
            StatementKind::Unparsed { ddl: true }
        );
        assert_eq!(
            pg("FROBNICATE").kind,
            StatementKind::Unparsed { ddl: false }
        );
        assert!(matches!(
            pg("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'sad'").changes.as_slice(),
            [Change::AddEnumValue { value, before: Some(b), .. }] if value == "meh" && b == "sad"
        ));
    }

    #[test]
    fn default_names_fit_like_postgres() {
        assert_eq!(default_name("t", &["a".into()], "key"), "t_a_key");
        let long = "x".repeat(70);
        let name = default_name(&long, &["col".into()], "idx");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_col_idx"));
    }

    #[test]
    fn changes_for_hand_written_sql_render_and_parse_back() {
        let t = QualifiedName::new("app", "t");
        let fk = ForeignKey {
            name: "t_a_fk".into(),
            columns: vec!["a".into()],
            references: q("users"),
            referenced_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        };
        let parts = [
            ColumnPart::SetNotNull,
            ColumnPart::DropNotNull,
            ColumnPart::SetDefault("0".into()),
            ColumnPart::DropDefault,
            ColumnPart::Type {
                ty: ColumnType::sql("varchar(20)"),
                dims: 1,
                using: None,
            },
        ];
        let mut changes: Vec<Change> = parts
            .into_iter()
            .map(|part| Change::AlterColumnPart {
                table: t.clone(),
                column: "Mixed".into(),
                part,
            })
            .collect();
        changes.extend([
            Change::AddConstraintNotValid {
                table: t.clone(),
                constraint: UncheckedConstraint::ForeignKey(fk),
            },
            Change::AddConstraintNotValid {
                table: t.clone(),
                constraint: UncheckedConstraint::Check(Check {
                    name: "c".into(),
                    expression: "a > 0".into(),
                }),
            },
            Change::ValidateConstraint {
                table: t.clone(),
                name: "c".into(),
            },
            Change::AddConstraintUsingIndex {
                table: t.clone(),
                name: Some("t_pkey".into()),
                index: "t_id_idx".into(),
                primary_key: true,
            },
            Change::AddConstraintUsingIndex {
                table: t.clone(),
                name: None,
                index: "t_a_idx".into(),
                primary_key: false,
            },
            Change::DropIndexByName {
                name: QualifiedName::new("app", "t_a_idx"),
                concurrently: true,
            },
        ]);
        for (rendered, change) in crate::render::render(changes.clone(), Dialect::Postgres)
            .iter()
            .zip(&changes)
        {
            let [sql] = rendered.statements.as_slice() else {
                panic!("{rendered:?}")
            };
            assert_eq!(pg(sql).changes, vec![change.clone()], "{sql}");
        }
    }

    #[test]
    fn a_rendered_column_alteration_is_split_by_statement() {
        let from = Column::new("c", ColumnType::sql("text"));
        let mut to = Column::new("c", ColumnType::sql("integer"));
        to.not_null = true;
        let change = Change::AlterColumn {
            table: q("t"),
            from,
            to,
            what: ColumnChange::TYPE | ColumnChange::NULLABILITY,
        };
        let statements = vec![
            "ALTER TABLE \"t\" ALTER COLUMN \"c\" SET DATA TYPE integer USING \"c\"::integer"
                .to_string(),
            "ALTER TABLE \"t\" ALTER COLUMN \"c\" SET NOT NULL".to_string(),
        ];
        let parts = attach(&change, &statements);
        assert!(
            matches!(&parts[0][..], [c] if matches!(&**c, Change::AlterColumn { what, .. } if *what == ColumnChange::TYPE))
        );
        assert!(
            matches!(&parts[1][..], [c] if matches!(&**c, Change::AlterColumn { what, .. } if *what == ColumnChange::NULLABILITY))
        );
    }
}
