//! `apply --dry-run`: every statement a run would send, in order (the
//! history table, the session settings, each migration's transaction control
//! and statements, its history rows, SQLite's pragmas); nothing is changed.

use super::Outcome;
use super::run::{Settings, count, prefix_checksum, row};
use crate::db::Db;
use crate::history::{self, AppliedMigration, HistoryTable};
use crate::migrations::Migration;
use crate::report;
use crate::schema::Dialect;
use crate::sql::{controls_transaction, needs_no_transaction, split};

/// Prints what applying `pending` would run on `db`. A dry run that could
/// print its plan succeeded, so it is [`Outcome::Clean`] either way.
pub fn print(
    db: &Db,
    table: &HistoryTable,
    settings: Settings,
    pending: &[&Migration],
    applied: &[AppliedMigration],
) -> Outcome {
    if pending.is_empty() {
        report::line(
            report::OK,
            "✓",
            &format!("{} is up to date; nothing would run", db.target),
        );
        done(db, pending, &Script::default());
        return Outcome::Clean;
    }
    let dialect = db.dialect();
    let mut out = Script::default();
    out.comment(&format!(
        "dry run: {} migration{} would be applied to {}; nothing was changed",
        pending.len(),
        if pending.len() == 1 { "" } else { "s" },
        db.target
    ));
    out.comment(
        "every statement apply would send, in order, while it holds the run lock; history rows show the values known now",
    );
    out.blank();
    for s in history::ensure_sql(table, dialect) {
        out.statement(&s);
    }
    for s in settings.statements(dialect) {
        out.statement(&s);
    }
    for m in pending {
        let previous = applied.iter().find(|a| a.id == m.id);
        out.blank();
        if m.transactional() {
            transactional(&mut out, table, db, m);
        } else {
            statement_by_statement(&mut out, table, db, m, previous);
        }
    }
    if report::json() {
        done(db, pending, &out);
    } else {
        out.print();
    }
    Outcome::Clean
}

/// With `--json`, the final object: the pending migrations and the script.
fn done(db: &Db, pending: &[&Migration], script: &Script) {
    if report::json() {
        let ids: Vec<&str> = pending.iter().map(|m| m.id.as_str()).collect();
        report::json_done(
            "apply",
            0,
            serde_json::json!({
                "dry_run": true,
                "target": db.target,
                "pending": ids,
                "script": script.lines.join("\n"),
            }),
        );
    }
}

/// One transaction: the statements and the history row commit together
/// (SQLite: with foreign keys checked at the end, as the runner does).
fn transactional(out: &mut Script, table: &HistoryTable, db: &Db, m: &Migration) {
    let dialect = db.dialect();
    out.comment(&format!("{} (one transaction)", m.id));
    let statements = split(&m.sql, db.sql_dialect());
    if dialect == Dialect::Sqlite {
        out.statement("PRAGMA foreign_keys = OFF");
        out.statement("BEGIN IMMEDIATE");
    } else {
        out.statement("BEGIN");
    }
    for s in &statements {
        out.statement(s.text);
    }
    if dialect == Dialect::Sqlite {
        out.statement("PRAGMA foreign_key_check");
    }
    out.statement(&history::record_sql(
        table,
        dialect,
        &row(m, 0, None, true, None, None),
    ));
    out.statement("COMMIT");
    if dialect == Dialect::Sqlite {
        out.statement("PRAGMA foreign_keys = ON");
    }
}

/// No transaction: each statement that can run in a transaction commits
/// together with its progress row; the others run bare, then record it.
fn statement_by_statement(
    out: &mut Script,
    table: &HistoryTable,
    db: &Db,
    m: &Migration,
    previous: Option<&AppliedMigration>,
) {
    let dialect = db.dialect();
    let statements: Vec<String> = split(&m.sql, db.sql_dialect())
        .iter()
        .map(|s| s.text.to_string())
        .collect();
    let skip = previous
        .filter(|p| !p.finished)
        .and_then(|p| usize::try_from(p.statements_done.unwrap_or(0)).ok())
        .unwrap_or(0)
        .min(statements.len());
    out.comment(&format!(
        "{} (no transaction: statement by statement, each recorded as it commits)",
        m.id
    ));
    if skip > 0 {
        out.comment(&format!(
            "resuming at statement {} of {}",
            skip + 1,
            statements.len()
        ));
    } else {
        out.statement(&history::record_sql(
            table,
            dialect,
            &row(m, 0, Some(0), false, None, Some(prefix_checksum(&[]))),
        ));
    }
    let each_atomic = !statements.iter().any(|s| controls_transaction(s));
    for (index, s) in statements.iter().enumerate().skip(skip) {
        let atomic = each_atomic && !needs_no_transaction(s);
        if atomic {
            out.statement(if dialect == Dialect::Sqlite {
                "BEGIN IMMEDIATE"
            } else {
                "BEGIN"
            });
        }
        out.statement(s);
        let done = index + 1;
        out.statement(&history::record_sql(
            table,
            dialect,
            &row(
                m,
                0,
                Some(count(done)),
                false,
                None,
                Some(prefix_checksum(&statements[..done])),
            ),
        ));
        if atomic {
            out.statement("COMMIT");
        }
    }
    out.statement(&history::record_sql(
        table,
        dialect,
        &row(
            m,
            0,
            Some(count(statements.len())),
            true,
            None,
            Some(prefix_checksum(&statements)),
        ),
    ));
}

/// The script being printed.
#[derive(Default)]
struct Script {
    lines: Vec<String>,
}

impl Script {
    fn statement(&mut self, sql: &str) {
        self.lines.push(format!("{sql};"));
    }

    fn comment(&mut self, text: &str) {
        self.lines.push(format!("-- {text}"));
    }

    fn blank(&mut self) {
        self.lines.push(String::new());
    }

    fn print(&self) {
        for l in &self.lines {
            anstream::println!("{l}");
        }
    }
}
