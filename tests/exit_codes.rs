//! Every error path's exit code (0 ok, 1 finding or failure, 2 usage or
//! configuration), one table row each, run as real processes on SQLite
//! files; and the same rows with `--json`, where every stdout line must be
//! valid against docs/json-output.schema.json and the last one must be the
//! `done`/`failed` object carrying the process's exit code.

mod support;

use std::path::Path;

use assert_cmd::Command;

const SCHEMA: &str = r#"
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
});
"#;

/// The schema after `email` was dropped and `name` added.
const CHANGED: &str = r#"
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  name: text("name"),
});
"#;

/// A schema where `users` is gone and `posts` is new.
const OTHER: &str = r#"
import { sqliteTable, integer } from "drizzle-orm/sqlite-core";
export const posts = sqliteTable("posts", { id: integer("id").primaryKey() });
"#;

/// One step that prepares a project.
enum Step {
    /// Write a file (relative to the project).
    Write(&'static str, &'static str),
    /// Run db-migrate; it must succeed.
    Run(&'static [&'static str]),
    /// Run SQL on app.db.
    Sql(&'static str),
    /// Replace the first migration's migration.sql.
    EditFirst(&'static str),
}

use Step::{EditFirst, Run, Sql, Write};

/// One error path (or success) and the exit code it must give.
struct Case {
    name: &'static str,
    setup: &'static [Step],
    args: &'static [&'static str],
    code: i32,
    /// Text stderr must contain (without `--json`).
    says: &'static str,
}

const INIT: Step = Run(&["generate", "init"]);
const APPLY: Step = Run(&["apply"]);

const CASES: &[Case] = &[
    // Usage and configuration: 2.
    Case {
        name: "unknown flag",
        setup: &[],
        args: &["apply", "--nope"],
        code: 2,
        says: "--nope",
    },
    Case {
        name: "missing schema file",
        setup: &[],
        args: &["generate", "init", "--schema", "nope.ts"],
        code: 2,
        says: "nope.ts",
    },
    Case {
        name: "schema syntax error",
        setup: &[Write("shared/schema.ts", "export const = ;")],
        args: &["generate", "init"],
        code: 2,
        says: "schema.ts:1",
    },
    Case {
        name: "unknown builder in schema",
        setup: &[Write(
            "shared/schema.ts",
            "import { sqliteTable } from \"drizzle-orm/sqlite-core\";\nexport const t = sqliteTable(\"t\", { id: nope() });\n",
        )],
        args: &["generate", "init"],
        code: 2,
        says: "nope",
    },
    Case {
        name: "junk folder in migrations",
        setup: &[INIT, Write("migrations/backup/x.txt", "x")],
        args: &["status"],
        code: 2,
        says: "not a migration directory name",
    },
    Case {
        name: "corrupt meta.json",
        setup: &[
            INIT,
            Write("migrations/20200101000000_old/migration.sql", ""),
            Write("migrations/20200101000000_old/meta.json", "{"),
        ],
        args: &["status"],
        code: 2,
        says: "not a valid",
    },
    Case {
        name: "drizzle-kit 1.x migration",
        setup: &[
            Write(
                "migrations/20250101000000_init/migration.sql",
                "CREATE TABLE a (id integer);",
            ),
            Write("migrations/20250101000000_init/snapshot.json", "{}"),
        ],
        args: &["status"],
        code: 2,
        says: "drizzle-kit migration",
    },
    Case {
        name: "migration without migration.sql",
        setup: &[Write("migrations/20250101000000_init/notes.txt", "x")],
        args: &["apply"],
        code: 2,
        says: "has no migration.sql",
    },
    Case {
        name: "no database URL",
        setup: &[INIT],
        args: &["status", "--database-url", ""],
        code: 2,
        says: "database URL",
    },
    Case {
        name: "unsupported URL scheme",
        setup: &[INIT],
        args: &["status", "--database-url", "mysql://u@localhost/db"],
        code: 2,
        says: "mysql",
    },
    Case {
        name: "SQLite URL with a password",
        setup: &[INIT],
        args: &["status", "--database-url", "sqlite://user:hunter2@app.db"],
        code: 2,
        says: "user:****",
    },
    Case {
        name: "unknown db-migrate.toml key",
        setup: &[Write("db-migrate.toml", "shema = \"x.ts\"\n")],
        args: &["status"],
        code: 2,
        says: "shema",
    },
    Case {
        name: "bad migration name",
        setup: &[],
        args: &["generate", "Add Users"],
        code: 2,
        says: "lowercase",
    },
    Case {
        name: "apply --to an unknown migration",
        setup: &[INIT],
        args: &["apply", "--to", "nope"],
        code: 2,
        says: "no such migration",
    },
    Case {
        name: "import without a drizzle-kit folder",
        setup: &[],
        args: &["import", "drizzle-kit"],
        code: 2,
        says: "meta/_journal.json",
    },
    Case {
        name: "pull over an existing schema file",
        setup: &[],
        args: &["pull"],
        code: 2,
        says: "does not overwrite",
    },
    // Findings and failures: 1.
    Case {
        name: "pending migrations",
        setup: &[INIT],
        args: &["status"],
        code: 1,
        says: "pending",
    },
    Case {
        name: "ungenerated changes",
        setup: &[INIT, APPLY, Write("shared/schema.ts", CHANGED)],
        args: &["check"],
        code: 1,
        says: "generate",
    },
    Case {
        name: "drift",
        setup: &[INIT, APPLY, Sql("CREATE TABLE extra (id integer)")],
        args: &["check"],
        code: 1,
        says: "extra",
    },
    Case {
        name: "failing migration",
        setup: &[
            INIT,
            Write(
                "migrations/29990101000000_bad/migration.sql",
                "CREATE TABLE broken (;\n",
            ),
        ],
        args: &["apply"],
        code: 1,
        says: "29990101000000_bad failed",
    },
    Case {
        name: "edited applied migration",
        setup: &[INIT, APPLY, EditFirst("CREATE TABLE other (id integer);\n")],
        args: &["apply"],
        code: 1,
        says: "changed on disk",
    },
    Case {
        name: "lint error",
        setup: &[Write(
            "migrations/20250101000000_drop/migration.sql",
            "DROP TABLE users;\n",
        )],
        args: &["lint", "--database-url", ""],
        code: 1,
        says: "drop-table",
    },
    Case {
        name: "push refuses a drop",
        setup: &[
            INIT,
            APPLY,
            Sql("INSERT INTO users (id, email) VALUES (1, 'a@b.c')"),
            Write("shared/schema.ts", OTHER),
        ],
        args: &["push"],
        code: 1,
        says: "refused",
    },
    Case {
        name: "diff finds differences",
        setup: &[],
        args: &["diff", "--from", "empty", "--to", "schema"],
        code: 1,
        says: "CREATE TABLE",
    },
    Case {
        name: "unreachable server",
        setup: &[],
        args: &[
            "status",
            "--database-url",
            "postgres://u:secret@127.0.0.1:1/db",
        ],
        code: 1,
        says: "127.0.0.1",
    },
    Case {
        name: "rename needs a decision",
        setup: &[INIT, Write("shared/schema.ts", CHANGED)],
        args: &["generate", "rename"],
        code: 1,
        says: "--rename",
    },
    // Success: 0.
    Case {
        name: "pull",
        setup: &[INIT, APPLY],
        args: &["pull", "--out", "pulled/schema.ts"],
        code: 0,
        says: "describes the same database",
    },
    Case {
        name: "generate",
        setup: &[],
        args: &["generate", "init"],
        code: 0,
        says: "created",
    },
    Case {
        name: "generate --empty",
        setup: &[],
        args: &["generate", "by_hand", "--empty"],
        code: 0,
        says: "created",
    },
    Case {
        name: "generate with no changes",
        setup: &[INIT],
        args: &["generate", "again"],
        code: 0,
        says: "No schema changes",
    },
    Case {
        name: "apply",
        setup: &[INIT],
        args: &["apply"],
        code: 0,
        says: "applied",
    },
    Case {
        name: "apply --dry-run with pending migrations",
        setup: &[INIT],
        args: &["apply", "--dry-run"],
        code: 0,
        says: "",
    },
    Case {
        name: "down undoes the newest migration",
        setup: &[INIT, APPLY],
        args: &["down"],
        code: 0,
        says: "",
    },
    Case {
        name: "down with nothing applied",
        setup: &[INIT],
        args: &["down"],
        code: 0,
        says: "",
    },
    Case {
        name: "down --dry-run",
        setup: &[INIT, APPLY],
        args: &["down", "--dry-run"],
        code: 0,
        says: "",
    },
    Case {
        name: "down without down.sql",
        setup: &[
            Write(
                "migrations/20250101000000_init/migration.sql",
                "CREATE TABLE t (id integer);\n",
            ),
            APPLY,
        ],
        args: &["down"],
        code: 1,
        says: "down.sql is missing",
    },
    Case {
        name: "down --steps 0",
        setup: &[],
        args: &["down", "--steps", "0"],
        code: 2,
        says: "invalid value",
    },
    Case {
        name: "status when up to date",
        setup: &[INIT, APPLY],
        args: &["status"],
        code: 0,
        says: "",
    },
    Case {
        name: "check when clean",
        setup: &[INIT, APPLY],
        args: &["check"],
        code: 0,
        says: "",
    },
    Case {
        name: "baseline",
        setup: &[
            INIT,
            Sql("CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL)"),
        ],
        args: &["baseline", "init"],
        code: 0,
        says: "baselined",
    },
    Case {
        name: "rebase with nothing to do",
        setup: &[INIT],
        args: &["rebase"],
        code: 0,
        says: "nothing to rebase",
    },
    Case {
        name: "push",
        setup: &[],
        args: &["push"],
        code: 0,
        says: "pushed",
    },
    Case {
        name: "diff with no differences",
        setup: &[INIT],
        args: &["diff", "--from", "migrations", "--to", "schema"],
        code: 0,
        says: "no differences",
    },
    Case {
        name: "lint clean",
        setup: &[INIT],
        args: &["lint", "--database-url", ""],
        code: 0,
        says: "",
    },
];

fn cli(dir: &Path) -> Command {
    support::cli::db_migrate(dir, Some("sqlite:app.db"))
}

/// A project with the default schema, prepared by `steps`.
fn project(steps: &[Step]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("shared")).expect("mkdir");
    std::fs::write(root.join("shared/schema.ts"), SCHEMA).expect("schema");
    for step in steps {
        match step {
            Write(path, text) => {
                let path = root.join(path);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, text).expect("write");
            }
            Run(args) => {
                cli(root).args(*args).assert().success();
            }
            Sql(sql) => {
                let c = rusqlite::Connection::open(root.join("app.db")).expect("open");
                c.execute_batch(sql).expect("sql");
            }
            EditFirst(sql) => {
                let mut dirs: Vec<_> = std::fs::read_dir(root.join("migrations"))
                    .expect("migrations")
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.join("migration.sql").is_file())
                    .collect();
                dirs.sort();
                std::fs::write(dirs[0].join("migration.sql"), sql).expect("edit");
            }
        }
    }
    dir
}

#[test]
fn every_path_exits_with_its_documented_code() {
    let mut wrong = Vec::new();
    for case in CASES {
        let dir = project(case.setup);
        let out = cli(dir.path()).args(case.args).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(case.code) {
            wrong.push(format!(
                "{}: exit {:?}, expected {}\n{stderr}",
                case.name,
                out.status.code(),
                case.code
            ));
        } else if !stderr.contains(case.says) && !stdout.contains(case.says) {
            wrong.push(format!(
                "{}: output does not say {:?}\n{stdout}\n{stderr}",
                case.name, case.says
            ));
        }
        assert!(
            !stderr.contains("hunter2") && !stdout.contains("hunter2"),
            "{}: printed a password",
            case.name
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn json_output_follows_its_schema_on_every_path() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-output.schema.json"),
        )
        .expect("schema file"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid JSON Schema");
    let mut wrong = Vec::new();
    for case in CASES {
        let dir = project(case.setup);
        let out = cli(dir.path())
            .args(case.args)
            .arg("--json")
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        let Some(last) = lines.last() else {
            wrong.push(format!("{}: nothing on stdout", case.name));
            continue;
        };
        for line in &lines {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(value) => {
                    let errors: Vec<String> = validator
                        .iter_errors(&value)
                        .map(|e| e.to_string())
                        .collect();
                    if !errors.is_empty() {
                        wrong.push(format!("{}: {line}\n  {}", case.name, errors.join("\n  ")));
                    }
                }
                Err(e) => wrong.push(format!("{}: not JSON ({e}): {line}", case.name)),
            }
        }
        let last: serde_json::Value = serde_json::from_str(last).unwrap_or_default();
        let event = last["event"].as_str().unwrap_or_default();
        let expected = if case.code == 0 || (case.code == 1 && event == "done") {
            "done"
        } else {
            "failed"
        };
        if event != expected
            || last["exit_code"].as_i64() != out.status.code().map(i64::from)
            || out.status.code() != Some(case.code)
        {
            wrong.push(format!(
                "{}: exit {:?}, last line {last}",
                case.name,
                out.status.code()
            ));
        }
        if case.args.iter().all(|a| !a.starts_with("--nope")) && last["command"] != case.args[0] {
            wrong.push(format!(
                "{}: command {} in {last}",
                case.name, last["command"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// The SQLite dry run, run as a script, does what apply does: the history
/// says everything is applied and nothing runs again.
#[test]
fn sqlite_dry_run_output_is_the_run() {
    let dir = project(&[INIT]);
    let out = cli(dir.path())
        .args(["apply", "--dry-run"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).expect("utf-8");
    assert!(script.contains("PRAGMA foreign_keys = OFF;"), "{script}");
    let c = rusqlite::Connection::open(dir.path().join("app.db")).expect("open");
    c.execute_batch(&script).expect("the dry run's script runs");
    cli(dir.path()).arg("status").assert().success();
    cli(dir.path()).arg("check").assert().success();
}

/// Completions for every shell and the manual page are generated from the
/// command line's own definition.
#[test]
fn completions_and_the_manual_are_generated() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (shell, marker) in [
        ("bash", "_db__migrate()"),
        ("zsh", "#compdef db-migrate"),
        ("fish", "complete -c db-migrate"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = cli(dir.path())
            .args(["completions", shell])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(
            text.contains("generate") && text.contains("pull"),
            "{shell}"
        );
    }
    let man = cli(dir.path()).arg("man").output().expect("run");
    assert_eq!(man.status.code(), Some(0));
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(text.contains(".TH db-migrate 1"), "{text}");
}
