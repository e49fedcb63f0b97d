//! One rule set, one severity table: for every kind of change, the findings
//! `generate` records in meta.json (from the changes it planned) are the
//! findings `db-migrate lint` reports for the SQL it wrote (read over the
//! schema the earlier migrations build), rule, severity and line alike.

mod support;

use std::path::Path;

use assert_cmd::Command;

const HEADER: &str = r#"import { sql } from "drizzle-orm";
import { pgTable, pgEnum, integer, text, varchar, index, uniqueIndex, unique, check, foreignKey } from "drizzle-orm/pg-core";
export const mood = pgEnum("mood", ["happy", "sad"]);
export const parents = pgTable("parents", { id: integer("id").primaryKey() });
"#;

/// (what, the table before, the table after, extra generate flags)
const CASES: &[(&str, &str, &str, &[&str])] = &[
    (
        "varchar to integer",
        r#"code: varchar("code", { length: 20 })"#,
        r#"code: integer("code")"#,
        &[],
    ),
    (
        "varchar narrowed",
        r#"code: varchar("code", { length: 20 })"#,
        r#"code: varchar("code", { length: 5 })"#,
        &[],
    ),
    (
        "a generated column's expression",
        r#"a: integer("a"), g: text("g").generatedAlwaysAs(sql`'x' || "a"`)"#,
        r#"a: integer("a"), g: text("g").generatedAlwaysAs(sql`'y' || "a"`)"#,
        &[],
    ),
    (
        "a dropped column",
        r#"a: integer("a"), b: text("b")"#,
        r#"a: integer("a")"#,
        &[],
    ),
    (
        "a NOT NULL column without a default",
        r#"a: integer("a")"#,
        r#"a: integer("a"), b: integer("b").notNull()"#,
        &[],
    ),
    (
        "SET NOT NULL",
        r#"a: integer("a")"#,
        r#"a: integer("a").notNull()"#,
        &[],
    ),
    (
        "a renamed column",
        r#"a: integer("a")"#,
        r#"b: integer("b")"#,
        &["--rename", "t.a=t.b"],
    ),
    (
        "a new default",
        r#"a: integer("a")"#,
        r#"a: integer("a").default(sql`random()`)"#,
        &[],
    ),
    (
        "an enum column",
        r#"a: integer("a")"#,
        r#"a: integer("a"), m: mood("m")"#,
        &[],
    ),
];

/// Extra config per case: indexes, constraints.
const EXTRA: &[(&str, &str, &str)] = &[
    ("an index", "", r#"(t) => [index("t_a_idx").on(t.a)]"#),
    (
        "a unique index",
        "",
        r#"(t) => [uniqueIndex("t_a_key").on(t.a)]"#,
    ),
    (
        "a unique constraint",
        "",
        r#"(t) => [unique("t_a_unique").on(t.a)]"#,
    ),
    (
        "a check",
        "",
        r#"(t) => [check("t_a_positive", sql`${t.a} > 0`)]"#,
    ),
    (
        "a foreign key",
        "",
        r#"(t) => [foreignKey({ name: "t_a_fk", columns: [t.a], foreignColumns: [parents.id] })]"#,
    ),
];

fn cli(dir: &Path) -> Command {
    support::cli::db_migrate(dir, None)
}

fn schema(columns: &str, extra: &str) -> String {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {extra}")
    };
    format!(
        "{HEADER}export const t = pgTable(\"t\", {{ id: integer(\"id\").primaryKey(), {columns} }}{extra});\n"
    )
}

/// (rule, severity, line) of meta.json's findings and of lint's, for one change.
fn both(before: &str, after: &str, flags: &[&str]) -> (Vec<String>, Vec<String>) {
    let p = tempfile::tempdir().expect("tempdir");
    let dir = p.path();
    std::fs::create_dir_all(dir.join("shared")).expect("mkdir");
    std::fs::write(dir.join("shared/schema.ts"), before).expect("schema");
    cli(dir).args(["generate", "init"]).assert().success();
    std::fs::write(dir.join("shared/schema.ts"), after).expect("schema");
    cli(dir)
        .args(["generate", "change"])
        .args(flags)
        .assert()
        .success();
    let id = std::fs::read_dir(dir.join("migrations"))
        .expect("migrations")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.ends_with("_change"))
        .expect("the change");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("migrations").join(&id).join("meta.json")).expect("meta"),
    )
    .expect("json");
    let mut generated: Vec<String> = meta["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| format!("{} {} line {}", w["rule"], w["severity"], w["line"]))
        .collect();
    let out = cli(dir)
        .args(["lint", &id, "--json", "--database-url", ""])
        .output()
        .expect("lint");
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).expect("lint json");
    let mut linted: Vec<String> = done["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| format!("{} {} line {}", f["rule"], f["severity"], f["line"]))
        .collect();
    generated.sort();
    linted.sort();
    (generated, linted)
}

#[test]
fn generate_and_lint_agree_on_every_change() {
    let mut disagreements = Vec::new();
    let mut cases: Vec<(String, String, String, Vec<&str>)> = CASES
        .iter()
        .map(|(what, a, b, flags)| {
            (
                what.to_string(),
                schema(a, ""),
                schema(b, ""),
                flags.to_vec(),
            )
        })
        .collect();
    for (what, a, b) in EXTRA {
        cases.push((
            what.to_string(),
            schema("a: integer(\"a\")", a),
            schema("a: integer(\"a\")", b),
            vec![],
        ));
    }
    // Dropping a table.
    cases.push((
        "a dropped table".into(),
        schema("a: integer(\"a\")", ""),
        HEADER.to_string(),
        vec![],
    ));
    let mut findings = 0;
    for (what, before, after, flags) in &cases {
        let (generated, linted) = both(before, after, flags);
        findings += generated.len();
        if generated != linted {
            disagreements.push(format!(
                "{what}:\n  generate: {generated:?}\n  lint:     {linted:?}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(
        findings >= cases.len(),
        "the cases produce findings to compare ({findings})"
    );
}
