//! `down`: generated down.sql files undo their migrations on a database
//! holding rows, on PostgreSQL and SQLite, and `down` refuses, changing
//! nothing, on drift, a missing down.sql, a down.sql marked irreversible
//! (unless --force) or one that fails.

mod support;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use support::TestDb;

/// One dialect: its schema versions, and SQL to write and read rows.
struct Case {
    /// The first schema.
    v1: &'static str,
    /// The second: renames, an added column, index and check, a wider
    /// type, a dropped NOT NULL (and on PostgreSQL an enum label).
    v2: &'static str,
    /// The third: adds a table.
    v3: &'static str,
    /// The renames v2 makes.
    renames: &'static [&'static str],
    rows: &'static str,
}

const SQLITE: Case = Case {
    v1: r#"
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", { id: integer("id").primaryKey(), name: text("name").notNull() });
"#,
    v2: r#"
import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, index, check } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("people", { id: integer("id").primaryKey(), fullName: text("full_name"), email: text("email") },
  (t) => [index("people_email_idx").on(t.email), check("people_id_positive", sql`${t.id} > 0`)]);
"#,
    v3: r#"
import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, index, check } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("people", { id: integer("id").primaryKey(), fullName: text("full_name"), email: text("email") },
  (t) => [index("people_email_idx").on(t.email), check("people_id_positive", sql`${t.id} > 0`)]);
export const notes = sqliteTable("notes", { id: integer("id").primaryKey() });
"#,
    renames: &[
        "--rename=users=people",
        "--rename=people.name=people.full_name",
    ],
    rows: "INSERT INTO users VALUES (1, 'ann'), (2, 'bob')",
};

const POSTGRES: Case = Case {
    v1: r#"
import { pgTable, pgEnum, integer, varchar } from "drizzle-orm/pg-core";
export const mood = pgEnum("mood", ["happy", "sad"]);
export const users = pgTable("users", { id: integer().primaryKey(), name: varchar({ length: 50 }).notNull(), mood: mood() });
"#,
    v2: r#"
import { sql } from "drizzle-orm";
import { pgTable, pgEnum, integer, varchar, text, index, check } from "drizzle-orm/pg-core";
export const mood = pgEnum("mood", ["happy", "sad", "meh"]);
export const users = pgTable("people", { id: integer().primaryKey(), fullName: varchar("full_name", { length: 100 }), mood: mood(), email: text() },
  (t) => [index("people_email_idx").on(t.email), check("people_id_positive", sql`${t.id} > 0`)]);
"#,
    v3: r#"
import { sql } from "drizzle-orm";
import { pgTable, pgEnum, integer, varchar, text, index, check } from "drizzle-orm/pg-core";
export const mood = pgEnum("mood", ["happy", "sad", "meh"]);
export const users = pgTable("people", { id: integer().primaryKey(), fullName: varchar("full_name", { length: 100 }), mood: mood(), email: text() },
  (t) => [index("people_email_idx").on(t.email), check("people_id_positive", sql`${t.id} > 0`)]);
export const notes = pgTable("notes", { id: integer().primaryKey() });
"#,
    renames: &[
        "--rename=users=people",
        "--rename=people.name=people.full_name",
    ],
    rows: "INSERT INTO users VALUES (1, 'ann', 'happy'), (2, 'bob', NULL)",
};

/// A project folder and its database.
struct Project {
    dir: tempfile::TempDir,
    url: String,
    _server: Option<TestDb>,
}

impl Project {
    fn new(postgres: bool) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("shared")).expect("shared/");
        let server = postgres.then(TestDb::new);
        let url = server
            .as_ref()
            .map_or_else(|| "sqlite:app.db".to_string(), |pg| pg.url.clone());
        Project {
            dir,
            url,
            _server: server,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cli(&self) -> Command {
        support::cli::db_migrate(self.path(), Some(&self.url))
    }

    fn generate(&self, schema: &str, name: &str, flags: &[&str]) {
        std::fs::write(self.path().join("shared/schema.ts"), schema).expect("schema.ts");
        self.cli()
            .args(["generate", name])
            .args(flags)
            .assert()
            .success();
    }

    /// Runs SQL on the database; returns the first column of the first row, as text.
    fn sql(&self, sql: &str) -> Option<String> {
        match &self._server {
            Some(pg) => {
                let mut c = pg.client();
                let rows = c.simple_query(sql).expect(sql);
                rows.into_iter().find_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                    _ => None,
                })
            }
            None => {
                let c = rusqlite::Connection::open(self.path().join("app.db")).expect("open");
                let mut st = c.prepare(sql).expect(sql);
                let mut rows = st.query([]).expect(sql);
                let row = rows.next().expect(sql)?;
                match row.get::<_, rusqlite::types::Value>(0).expect(sql) {
                    rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                    rusqlite::types::Value::Text(t) => Some(t),
                    rusqlite::types::Value::Real(r) => Some(r.to_string()),
                    rusqlite::types::Value::Null | rusqlite::types::Value::Blob(_) => None,
                }
            }
        }
    }

    /// A hand-written migration `hand` holding `sql`; returns its folder.
    fn hand_written(&self, sql: &str) -> std::path::PathBuf {
        self.cli()
            .args(["generate", "--empty", "hand"])
            .assert()
            .success();
        let hand = support::cli::migration_dirs(self.path())
            .into_iter()
            .find(|d| d.ends_with("_hand"))
            .expect("the hand-written migration");
        let hand = self.path().join("migrations").join(hand);
        std::fs::write(hand.join("migration.sql"), sql).expect("write");
        hand
    }

    /// `check`'s output: exit code and both streams.
    fn check(&self) -> (Option<i32>, String) {
        let out = self.cli().arg("check").output().expect("check");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }
}

/// up, down, up again: after down the database is what the migration
/// before built (no drift, the migration pending), the rows are there under
/// the old names; `--steps` and `--to` undo several; applying again puts
/// everything back.
#[test]
fn down_undoes_generated_migrations_and_keeps_the_rows() {
    for (case, postgres) in [(&SQLITE, false), (&POSTGRES, true)] {
        let p = Project::new(postgres);
        p.generate(case.v1, "init", &[]);
        p.cli().arg("apply").assert().success();
        p.sql(case.rows);
        p.generate(case.v2, "reshape", case.renames);
        p.cli().arg("apply").assert().success();
        p.generate(case.v3, "notes", &[]);
        p.cli().arg("apply").assert().success();
        assert_eq!(p.check().0, Some(0));

        // Newest first: notes, then reshape.
        p.cli()
            .args(["down", "--steps", "2"])
            .assert()
            .success()
            .stdout(predicate::str::contains("undone").count(3));
        let (code, said) = p.check();
        assert_eq!(code, Some(1), "{said}");
        assert!(
            said.contains("pending") && !said.contains("drift"),
            "{said}"
        );
        assert_eq!(p.sql("SELECT count(*) FROM users").as_deref(), Some("2"));
        assert_eq!(
            p.sql("SELECT name FROM users WHERE id = 1").as_deref(),
            Some("ann")
        );
        p.cli()
            .arg("status")
            .assert()
            .code(1)
            .stdout(predicate::str::contains("2 pending"));

        p.cli().arg("apply").assert().success();
        assert_eq!(p.check().0, Some(0));
        assert_eq!(
            p.sql("SELECT full_name FROM people WHERE id = 1")
                .as_deref(),
            Some("ann")
        );

        // --to keeps the named one applied and undoes what follows it.
        p.cli().args(["down", "--to", "init"]).assert().success();
        let (code, said) = p.check();
        assert!(code == Some(1) && !said.contains("drift"), "{said}");
        assert!(
            !p.path()
                .join("migrations/applied")
                .read_dir()
                .expect("applied/")
                .any(|e| { e.is_ok_and(|e| !e.file_name().to_string_lossy().contains("_init")) })
        );
        p.cli().arg("apply").assert().success();
        assert_eq!(p.check().0, Some(0));
    }
}

/// The refusals: each changes nothing and says why.
#[test]
fn down_refuses_drift_missing_and_irreversible_down_sql_and_rolls_back_a_failure() {
    let p = Project::new(false);
    let v1 = SQLITE
        .v1
        .replace(r#".notNull() }"#, r#".notNull(), bio: text("bio") }"#);
    p.generate(&v1, "init", &[]);
    p.cli().arg("apply").assert().success();
    p.sql("INSERT INTO users VALUES (1, 'ann', 'hi'), (2, 'bob', NULL)");
    // A dropped column: down.sql says it cannot give the values back.
    p.generate(SQLITE.v1, "drop_bio", &[]);
    p.cli()
        .args(["apply", "--allow-lint-errors"])
        .assert()
        .success();
    p.cli()
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("(down: does not give data back)"));
    p.cli()
        .arg("down")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "nothing was undone: undoing would not give data back",
        ))
        .stderr(predicate::str::contains("drop column users.bio"));

    // Drift: the database is not what the migrations built.
    p.sql("ALTER TABLE users ADD COLUMN extra integer");
    p.cli()
        .args(["down", "--force"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "differs from what its migrations built",
        ))
        .stderr(predicate::str::contains("users.extra"));
    p.sql("ALTER TABLE users DROP COLUMN extra");

    // --force: the column comes back, without its values.
    p.cli().args(["down", "--force"]).assert().success();
    assert!(p.check().1.contains("pending"));
    assert_eq!(
        p.sql("SELECT count(*) FROM users WHERE bio IS NULL")
            .as_deref(),
        Some("2")
    );
    p.cli()
        .args(["apply", "--allow-lint-errors"])
        .assert()
        .success();

    // A hand-written migration without down.sql.
    let hand = p.hand_written("CREATE TABLE notes (id integer);\n");
    p.cli().arg("apply").assert().success();
    p.cli()
        .arg("down")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a down.sql is missing"))
        .stderr(predicate::str::contains("_hand/down.sql"));

    // A down.sql that fails: rolled back, the migration stays applied.
    std::fs::write(
        hand.join("down.sql"),
        "DROP TABLE notes;\n\nSELECT * FROM nowhere;\n",
    )
    .expect("write");
    p.cli()
        .arg("down")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("failed at down.sql line 3"))
        .stderr(predicate::str::contains("rolled back and stays applied"))
        .stderr(predicate::str::contains("no such table: nowhere"));
    assert_eq!(p.sql("SELECT count(*) FROM notes").as_deref(), Some("0"));
    p.cli().arg("status").assert().success();

    std::fs::write(hand.join("down.sql"), "DROP TABLE notes;\n").expect("write");
    p.cli().arg("down").assert().success();
    assert!(
        p.sql("SELECT name FROM sqlite_master WHERE name = 'notes'")
            .is_none()
    );
}

/// A no-transaction down.sql commits statement by statement with its
/// progress: after a failure, `apply` refuses, `status` says so, and `down`
/// goes on at the failed statement (the ones before it do not run twice),
/// unless they were edited since.
#[test]
fn a_no_transaction_down_that_fails_goes_on_where_it_stopped() {
    let p = Project::new(false);
    p.generate(SQLITE.v1, "init", &[]);
    let hand = p.hand_written("CREATE TABLE notes (id integer);\n");
    let down = |second: &str| {
        std::fs::write(
            hand.join("down.sql"),
            format!(
                "-- db-migrate: no-transaction\nINSERT INTO users VALUES (9, 'undo');\n\n{second};\n\nDROP TABLE notes;\n"
            ),
        )
        .expect("write")
    };
    down("DROP TABLE nowhere");
    p.cli().arg("apply").assert().success();

    p.cli()
        .arg("down")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("statements 1-1 are done"));
    p.cli()
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "being undone: down.sql 1 statements done",
        ));
    p.cli()
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was being undone"));
    // What ran may not change under it.
    std::fs::write(
        hand.join("down.sql"),
        "-- db-migrate: no-transaction\nINSERT INTO users VALUES (8, 'other');\n\nDROP TABLE notes;\n",
    )
    .expect("write");
    p.cli()
        .arg("down")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("changed since"));

    down("DROP TABLE IF EXISTS nowhere");
    p.cli()
        .arg("down")
        .assert()
        .success()
        .stderr(predicate::str::contains("going on from there"));
    assert_eq!(p.sql("SELECT count(*) FROM users").as_deref(), Some("1"));
    assert!(
        p.sql("SELECT name FROM sqlite_master WHERE name = 'notes'")
            .is_none()
    );
    p.cli()
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 applied, 1 pending"));
}
