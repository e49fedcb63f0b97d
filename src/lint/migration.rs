//! What rules see: the statements, the context, and facts gathered once over
//! the whole migration (tables it creates, transaction blocks).

use std::collections::HashMap;

use super::{Context, Finding, LintStatement, RuleInfo, StatementKind, TransactionControl};
use crate::diff::Change;
use crate::schema::{Dialect, QualifiedName};

/// The oldest PostgreSQL version the linter assumes when none is given.
const OLDEST_SUPPORTED: u32 = 120000;

/// A migration being linted.
pub(crate) struct Migration<'a> {
    /// The statements, in order.
    pub statements: &'a [LintStatement<'a>],
    /// Where it runs.
    pub ctx: &'a Context,
    /// Tables created by this migration, with the statement that created them.
    created: HashMap<QualifiedName, usize>,
    /// Indexes created by this migration, with their table.
    index_tables: HashMap<QualifiedName, QualifiedName>,
    /// Per statement: the transaction it runs in (`None` when it commits on its own).
    transaction: Vec<Option<usize>>,
}

impl<'a> Migration<'a> {
    /// Gathers the facts rules share.
    pub fn new(statements: &'a [LintStatement<'a>], ctx: &'a Context) -> Migration<'a> {
        let mut created = HashMap::new();
        let mut index_tables = HashMap::new();
        for (i, s) in statements.iter().enumerate() {
            for change in &s.changes {
                match &**change {
                    Change::CreateTable(t) => {
                        created.entry(t.qualified()).or_insert(i);
                    }
                    Change::RenameTable { from, to } => {
                        if let Some(at) = created.get(from).copied() {
                            created.insert(to.clone(), at);
                        }
                    }
                    Change::CreateIndex { table, index } => {
                        index_tables.insert(
                            QualifiedName::new(&table.schema, &index.name),
                            table.clone(),
                        );
                    }
                    _ => {}
                }
            }
        }
        Migration {
            statements,
            ctx,
            created,
            index_tables,
            transaction: transactions(statements, ctx.transactional),
        }
    }

    /// Every change with the index of its statement.
    pub fn changes(&self) -> impl Iterator<Item = (usize, &'a Change)> + 'a {
        self.statements
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.changes.iter().map(move |c| (i, &**c)))
    }

    /// True for PostgreSQL.
    pub fn postgres(&self) -> bool {
        self.ctx.dialect == Dialect::Postgres
    }

    /// The server version (`server_version_num`), or the oldest supported one.
    pub fn pg_version(&self) -> u32 {
        self.ctx.pg_version.unwrap_or(OLDEST_SUPPORTED)
    }

    /// True when an earlier statement of this migration created `table`.
    pub fn is_new(&self, at: usize, table: &QualifiedName) -> bool {
        self.created.get(table).is_some_and(|&i| i < at)
    }

    /// The estimated number of rows, when known (see [`Context::table_rows`]).
    pub fn rows(&self, table: &QualifiedName) -> Option<f64> {
        let rows = *self.ctx.table_rows.as_ref()?.get(table)?;
        (rows >= 0.0).then_some(rows)
    }

    /// True when locking or rewriting `table` at statement `at` harms nobody:
    /// this migration created it, or it is known to be empty.
    pub fn lock_is_harmless(&self, at: usize, table: &QualifiedName) -> bool {
        self.is_new(at, table) || self.rows(table) == Some(0.0)
    }

    /// The table of an index created earlier in this migration.
    pub fn table_of_index(&self, index: &QualifiedName) -> Option<&QualifiedName> {
        self.index_tables.get(index)
    }

    /// ` (about 1.2M rows)` when the size of `table` is known, else nothing.
    pub fn size(&self, table: &QualifiedName) -> String {
        match self.rows(table) {
            Some(rows) => format!(" (about {} rows)", human_count(rows)),
            None => String::new(),
        }
    }

    /// True when statement `at` runs inside a transaction block.
    pub fn in_transaction(&self, at: usize) -> bool {
        self.transaction.get(at).is_some_and(Option::is_some)
    }

    /// True when statements `a` and `b` run in the same transaction.
    pub fn same_transaction(&self, a: usize, b: usize) -> bool {
        match (self.transaction.get(a), self.transaction.get(b)) {
            (Some(Some(x)), Some(Some(y))) => x == y,
            _ => false,
        }
    }

    /// True when statement `at` ends in `CASCADE`.
    pub fn cascade(&self, at: usize) -> bool {
        matches!(
            self.statements.get(at).map(|s| &s.kind),
            Some(
                StatementKind::Ddl { cascade: true }
                    | StatementKind::Truncate { cascade: true, .. }
            )
        )
    }

    /// The 1-based line of statement `at`.
    pub fn line(&self, at: usize) -> usize {
        self.statements.get(at).map_or(0, |s| s.line)
    }

    /// A finding of `rule` on statement `at`.
    pub fn finding(&self, rule: &RuleInfo, at: usize, message: String, help: String) -> Finding {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            message,
            help,
            statement: at,
        }
    }
}

/// Per statement, the transaction block it runs in: every statement shares one
/// when the migration is transactional; otherwise only those between an
/// explicit `BEGIN` and its `COMMIT`/`ROLLBACK` do.
fn transactions(statements: &[LintStatement], transactional: bool) -> Vec<Option<usize>> {
    if transactional {
        return vec![Some(0); statements.len()];
    }
    let mut out = Vec::with_capacity(statements.len());
    let mut current = None;
    let mut next = 1;
    for s in statements {
        match s.kind {
            StatementKind::Transaction(TransactionControl::Begin) => {
                current = Some(next);
                next += 1;
                out.push(current);
            }
            StatementKind::Transaction(
                TransactionControl::Commit | TransactionControl::Rollback,
            ) => {
                out.push(current);
                current = None;
            }
            _ => out.push(current),
        }
    }
    out
}

/// `950`, `12k`, `1.2M`, `3.4B`.
pub fn human_count(n: f64) -> String {
    let n = n.round();
    if n < 1_000.0 {
        format!("{n}")
    } else if n < 1_000_000.0 {
        format!("{:.0}k", n / 1_000.0)
    } else if n < 1_000_000_000.0 {
        format!("{:.1}M", n / 1_000_000.0)
    } else {
        format!("{:.1}B", n / 1_000_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_well() {
        assert_eq!(human_count(950.0), "950");
        assert_eq!(human_count(12_345.0), "12k");
        assert_eq!(human_count(1_234_567.0), "1.2M");
        assert_eq!(human_count(3_400_000_000.0), "3.4B");
    }

    #[test]
    fn negative_rows_are_unknown() {
        let name = QualifiedName::new("public", "t");
        let mut ctx = Context::new(Dialect::Postgres);
        let none: [LintStatement; 0] = [];
        for (rows, known) in [(0.0, Some(0.0)), (12.0, Some(12.0)), (-1.0, None)] {
            ctx.table_rows = Some(HashMap::from([(name.clone(), rows)]));
            assert_eq!(Migration::new(&none, &ctx).rows(&name), known, "{rows}");
        }
    }
}
