//! Tests across rules: suppressions, rendering, generated migrations, robustness and scale.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::diff::{RenameMode, Renames, diff};
use crate::plan::plan;
use crate::render::{render, script};
use crate::schema::{Column, ColumnType, Enum, Index, IndexKey, Schema, Table};

fn pg() -> Context {
    Context::new(Dialect::Postgres)
}

fn rule_ids(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

#[test]
fn every_rule_has_a_unique_kebab_case_id_and_a_summary() {
    let mut seen = HashSet::new();
    for r in rules() {
        assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
        assert!(
            r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.id
        );
        assert!(
            !r.summary.is_empty() && !r.summary.ends_with('.'),
            "{}",
            r.id
        );
    }
    assert_eq!(rules().len(), 20);
}

#[test]
fn allow_comments_silence_only_the_rules_they_name() {
    let sql = "-- db-migrate: allow drop-column, drop-table\n\
               ALTER TABLE users DROP COLUMN bio;\n\
               /* db-migrate: allow truncate */\n\
               TRUNCATE sessions;\n\
               -- db-migrate: allowed truncate\n\
               -- an ordinary comment\n\
               TRUNCATE carts;\n\
               -- db-migrate: allow set-not-null\n\
               ALTER TABLE users DROP COLUMN avatar;";
    let statements = statements_from_sql(sql, Dialect::Postgres);
    assert_eq!(statements[0].allowed, vec!["drop-column", "drop-table"]);
    assert_eq!(statements[1].allowed, vec!["truncate"]);
    assert!(statements[2].allowed.is_empty());
    let findings = lint(&statements, &pg());
    assert_eq!(rule_ids(&findings), vec!["truncate", "drop-column"]);
    assert_eq!(findings[0].statement, 2);
    assert_eq!(findings[1].statement, 3);
}

#[test]
fn findings_come_in_statement_then_rule_order() {
    let sql = "CREATE INDEX i ON users (email);\nALTER TABLE users ADD COLUMN t uuid NOT NULL DEFAULT gen_random_uuid(), \
               ADD CONSTRAINT u UNIQUE (t);\nDROP TABLE old;";
    let findings = lint(&statements_from_sql(sql, Dialect::Postgres), &pg());
    assert_eq!(
        rule_ids(&findings),
        vec![
            "index-not-concurrent",
            "volatile-default",
            "unique-constraint-lock",
            "drop-table"
        ]
    );
}

#[test]
fn findings_render_with_file_line_severity_and_indented_help() {
    let sql = "SELECT 1;\n\n-- db-migrate: allow nothing\nALTER TABLE users\n  ALTER COLUMN email SET NOT NULL;";
    let statements = statements_from_sql(sql, Dialect::Postgres);
    let text = render_findings(
        &lint(&statements, &pg()),
        &statements,
        "migrations/0002_x/migration.sql",
    );
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "migrations/0002_x/migration.sql:4: warning [set-not-null] setting users.email NOT NULL scans the whole \
             table under an ACCESS EXCLUSIVE lock, blocking reads and writes, and fails if any row is NULL"
        )
    );
    assert_eq!(
        lines.next(),
        Some("  help: prove it with a validated check first, so SET NOT NULL needs no scan:")
    );
    assert!(lines.all(|l| l.starts_with("        ")));
    assert_eq!(render_findings(&[], &statements, "x.sql"), "");
}

#[test]
fn sqlite_migrations_get_only_the_rules_that_apply_to_sqlite() {
    let sql = "CREATE INDEX i ON users (email);\nALTER TABLE users ADD COLUMN a text NOT NULL;\n\
               ALTER TABLE users DROP COLUMN b;\nALTER TABLE users RENAME COLUMN c TO d;";
    let statements = statements_from_sql(sql, Dialect::Sqlite);
    let findings = lint(&statements, &Context::new(Dialect::Sqlite));
    assert_eq!(
        rule_ids(&findings),
        vec!["not-null-without-default", "drop-column", "rename-column"]
    );
}

#[test]
fn known_empty_tables_quiet_lock_rules_but_not_data_loss() {
    let sql = "CREATE INDEX i ON users (email);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n\
               ALTER TABLE users DROP COLUMN bio;";
    let statements = statements_from_sql(sql, Dialect::Postgres);
    let mut ctx = pg();
    ctx.pg_version = Some(160004);
    ctx.table_rows = Some(HashMap::from([(
        QualifiedName::new("public", "users"),
        0.0,
    )]));
    assert_eq!(rule_ids(&lint(&statements, &ctx)), vec!["drop-column"]);
    ctx.table_rows = Some(HashMap::from([(
        QualifiedName::new("public", "users"),
        5000.0,
    )]));
    let findings = lint(&statements, &ctx);
    assert_eq!(findings.len(), 3);
    assert!(findings[0].message.contains("(about 5k rows)"));
}

fn users() -> Table {
    let mut t = Table::new("public", "users");
    t.columns
        .push(Column::new("id", ColumnType::sql("integer")));
    t.columns
        .push(Column::new("email", ColumnType::sql("varchar(255)")));
    t.columns.push(Column::new("bio", ColumnType::sql("text")));
    t
}

fn schema(tables: Vec<Table>, enums: Vec<Enum>) -> Schema {
    let mut s = Schema::empty(Dialect::Postgres);
    s.tables = tables;
    s.enums = enums;
    s.sort();
    s
}

#[test]
fn a_generated_migration_is_linted_from_its_changes() {
    let status = Enum {
        schema: "public".into(),
        name: "status".into(),
        values: vec!["active".into()],
    };
    let before = schema(vec![users()], vec![status.clone()]);
    let mut after_users = users();
    after_users.columns.retain(|c| c.name != "bio");
    after_users.columns[1].ty = ColumnType::sql("varchar(100)");
    after_users.columns[1].not_null = true;
    let mut state = Column::new("state", ColumnType::Enum(status.qualified()));
    state.not_null = true;
    state.default = Some("'disabled'".into());
    after_users.columns.push(state);
    after_users.indexes.push(Index {
        name: "users_email_index".into(),
        unique: false,
        keys: vec![IndexKey::column("email")],
        method: None,
        predicate: None,
        with: vec![],
        concurrently: false,
    });
    let mut posts = Table::new("public", "posts");
    posts
        .columns
        .push(Column::new("id", ColumnType::sql("integer")));
    posts.indexes.push(Index {
        name: "posts_id_index".into(),
        keys: vec![IndexKey::column("id")],
        ..after_users.indexes[0].clone()
    });
    let mut status_after = status;
    status_after.values.push("disabled".into());
    let after = schema(vec![after_users, posts], vec![status_after]);

    let decided = Renames {
        created: vec!["users.state".into()],
        ..Renames::default()
    };
    let changes = diff(&before, &after, &decided, RenameMode::Ask).expect("no ambiguity");
    let rendered = render(plan(changes, &before, &after).changes, Dialect::Postgres);
    let statements = statements_from_changes(&rendered);
    let findings = lint(&statements, &pg());
    let mut ids = rule_ids(&findings);
    ids.sort_unstable();
    assert_eq!(
        ids,
        vec![
            "drop-column",
            "enum-value-used-in-transaction",
            "index-not-concurrent",
            "narrowing-type-change",
            "set-not-null",
            "type-change-rewrite",
        ],
        "{}",
        render_findings(&findings, &statements, "migration.sql")
    );
    // Each finding points at the statement that does the hazardous part.
    let sql_of = |rule: &str| {
        &statements[findings
            .iter()
            .find(|f| f.rule == rule)
            .map_or(0, |f| f.statement)]
        .sql
    };
    assert!(sql_of("set-not-null").ends_with("SET NOT NULL"));
    assert!(sql_of("narrowing-type-change").contains("SET DATA TYPE varchar(100)"));
    assert!(sql_of("enum-value-used-in-transaction").contains("ADD COLUMN \"state\""));
    assert!(sql_of("index-not-concurrent").contains("users_email_index"));
}

#[test]
fn generated_lines_match_the_written_script() {
    let mut t = users();
    t.primary_key = Some(crate::schema::PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    let before = schema(vec![], vec![]);
    let after = schema(vec![t, Table::new("public", "empty")], vec![]);
    let changes =
        diff(&before, &after, &Renames::default(), RenameMode::Ask).expect("no ambiguity");
    let rendered = render(plan(changes, &before, &after).changes, Dialect::Postgres);
    let statements = statements_from_changes(&rendered);
    let text = script(&crate::render::statements(&rendered));
    let split_lines: Vec<usize> = crate::sql::split(&text, crate::sql::SqlDialect::Postgres)
        .iter()
        .map(|s| s.line)
        .collect();
    let lines: Vec<usize> = statements.iter().map(|s| s.line).collect();
    assert_eq!(lines, split_lines);
    assert!(lines.len() >= 2 && lines[1] > 2);
}

#[test]
fn explicit_transaction_blocks_count_when_the_migration_is_not_transactional() {
    let sql = "ALTER TYPE status ADD VALUE 'gone';\nUPDATE t SET s = 'gone';\nBEGIN;\n\
               ALTER TYPE status ADD VALUE 'late';\nUPDATE t SET s = 'late';\nCOMMIT;";
    let mut ctx = pg();
    ctx.transactional = false;
    let findings = lint(&statements_from_sql(sql, Dialect::Postgres), &ctx);
    assert_eq!(rule_ids(&findings), vec!["enum-value-used-in-transaction"]);
    assert_eq!(findings[0].statement, 4);
}

#[test]
fn deeply_nested_or_broken_sql_is_reported_not_fatal() {
    let deep = format!(
        "ALTER TABLE t ADD CONSTRAINT c CHECK ({}1{})",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let statements = statements_from_sql(&deep, Dialect::Postgres);
    assert_eq!(statements[0].kind, StatementKind::Unparsed { ddl: true });
    assert_eq!(rule_ids(&lint(&statements, &pg())), vec!["not-analysed"]);
    let broken = statements_from_sql(
        "CREATE TABLE t (a text DEFAULT 'unterminated",
        Dialect::Postgres,
    );
    assert_eq!(broken[0].kind, StatementKind::Unparsed { ddl: true });
}

#[test]
fn drizzle_kit_breakpoints_split_statements_and_keep_lines() {
    let sql = "CREATE TABLE \"a\" (\n\t\"id\" integer\n);\n--> statement-breakpoint\n\
               CREATE INDEX \"i\" ON \"users\" (\"email\");";
    let statements = statements_from_sql(sql, Dialect::Postgres);
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[1].line, 5);
    let findings = lint(&statements, &pg());
    let text = render_findings(&findings, &statements, "0001.sql");
    assert!(
        text.starts_with("0001.sql:5: warning [index-not-concurrent]"),
        "{text}"
    );
}

/// A migration of `n` statements: new tables with indexes (quiet), new
/// columns (quiet) and one index on an existing table per five statements.
fn synthetic_migration(m: usize, n: usize) -> String {
    let mut sql = String::new();
    for k in 0..n {
        let statement = match k % 4 {
            0 => format!(
                "CREATE TABLE t_{m}_{k} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now())"
            ),
            1 => format!("CREATE INDEX t_{m}_{k}_idx ON t_{m}_{} (name)", k - 1),
            2 => format!("ALTER TABLE users ADD COLUMN c_{m}_{k} text DEFAULT 'x'"),
            _ => format!(
                "CREATE INDEX users_c_{m}_{k}_idx ON users (c_{m}_{})",
                k - 1
            ),
        };
        sql.push_str(&format!("-- statement {k}\n{statement};\n\n"));
    }
    sql
}

#[test]
fn a_hundred_migrations_of_twenty_statements_lint_quickly() {
    let migrations: Vec<String> = (0..100).map(|m| synthetic_migration(m, 20)).collect();
    let mut statements = 0;
    let mut findings = Vec::new();
    for sql in &migrations {
        let parsed = statements_from_sql(sql, Dialect::Postgres);
        statements += parsed.len();
        findings.extend(lint(&parsed, &pg()));
    }
    assert_eq!(statements, 2000);
    assert_eq!(findings.len(), 500);
    assert!(findings.iter().all(|f| f.rule == "index-not-concurrent"));
}

/// Pieces of SQL and of its lexical edge cases.
fn sqlish() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "CREATE",
        "TABLE",
        "ALTER",
        "DROP",
        "INDEX",
        "CONCURRENTLY",
        "UNIQUE",
        "ON",
        "ADD",
        "COLUMN",
        "CONSTRAINT",
        "CHECK",
        "FOREIGN",
        "KEY",
        "REFERENCES",
        "NOT",
        "NULL",
        "VALID",
        "VALIDATE",
        "DEFAULT",
        "SET",
        "TYPE",
        "DATA",
        "USING",
        "RENAME",
        "TO",
        "TRUNCATE",
        "CASCADE",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "DO",
        "$$",
        "$t$",
        "ENUM",
        "VALUE",
        "SCHEMA",
        "PRIMARY",
        "GENERATED",
        "ALWAYS",
        "AS",
        "IDENTITY",
        "STORED",
        "INSERT",
        "INTO",
        "VALUES",
        "UPDATE",
        "DELETE",
        "FROM",
        "WHERE",
        "users",
        "\"Quoted\"",
        "t.c",
        "int",
        "text",
        "varchar(10)",
        "'lit'",
        "E'\\''",
        "now()",
        "random()",
        "(",
        ")",
        ",",
        ";",
        ".",
        "::",
        "[",
        "]",
        "--",
        "/*",
        "*/",
        "\n",
        " ",
        "-- db-migrate: allow drop-table\n",
        "--> statement-breakpoint\n",
        "'",
        "\"",
    ]);
    let piece = prop_oneof![
        4 => words.prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_input_lints_without_panicking(
        sql in sqlish(),
        sqlite in any::<bool>(),
        transactional in any::<bool>(),
        version in prop::option::of(90000u32..190000),
        rows in prop::option::of(-1.0f64..1e9),
    ) {
        let dialect = if sqlite { Dialect::Sqlite } else { Dialect::Postgres };
        let statements = statements_from_sql(&sql, dialect);
        let mut ctx = Context::new(dialect);
        ctx.transactional = transactional;
        ctx.pg_version = version;
        ctx.table_rows = rows.map(|r| HashMap::from([(QualifiedName::new("public", "users"), r)]));
        let findings = lint(&statements, &ctx);
        prop_assert!(findings.iter().all(|f| f.statement < statements.len()));
        let _ = render_findings(&findings, &statements, "m.sql");
    }
}
