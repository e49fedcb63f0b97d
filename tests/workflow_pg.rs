//! The guide's workflow end to end on a real PostgreSQL: generate, apply,
//! status, check and push, including the failure, edit, drift, refusal and
//! password-masking cases.

mod support;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use support::TestDb;
use support::cli::{db_migrate as cli, migration_dirs};
use support::fixtures::copy_dir;

const USERS_V1: &str = r#"
import { pgTable, varchar, timestamp, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", {
  id: varchar("id").primaryKey().notNull(),
  email: varchar("email").unique(),
});
export const posts = pgTable("posts", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  authorId: varchar("author_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
});
"#;

const USERS_V2: &str = r#"
import { pgTable, varchar, timestamp, integer, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", {
  id: varchar("id").primaryKey().notNull(),
  email: varchar("email").unique(),
  lastLoginAt: timestamp("last_login_at"),
});
export const posts = pgTable("posts", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  authorId: varchar("author_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
});
"#;

fn project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_schema(dir.path(), schema);
    dir
}

/// A project with [`USERS_V1`], generated as `init` and applied to `db`.
fn applied_users(db: &TestDb) -> tempfile::TempDir {
    let p = project(USERS_V1);
    cli(p.path(), None)
        .args(["generate", "init"])
        .assert()
        .success();
    cli(p.path(), Some(&db.url)).arg("apply").assert().success();
    p
}

fn write_schema(dir: &Path, schema: &str) {
    std::fs::create_dir_all(dir.join("shared")).expect("mkdir");
    std::fs::write(dir.join("shared/schema.ts"), schema).expect("write schema");
}

#[test]
fn generate_apply_status_check_the_guide_way() {
    let db = TestDb::new();
    let p = project(USERS_V1);
    let dir = p.path();

    cli(dir, None)
        .args(["generate", "init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("create table users"));
    let ids = migration_dirs(dir);
    assert_eq!(ids.len(), 1);
    let id = &ids[0];
    assert!(
        id.ends_with("_init") && id.len() == "20250521213000_init".len(),
        "id {id}"
    );
    let mdir = dir.join("migrations").join(id);
    let sql = std::fs::read_to_string(mdir.join("migration.sql")).unwrap();
    assert!(sql.contains("CREATE TABLE \"users\""), "{sql}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(mdir.join("meta.json")).unwrap()).unwrap();
    for key in [
        "id",
        "name",
        "created_at",
        "dialect",
        "parent",
        "checksum",
        "tool_version",
        "transaction",
        "warnings",
        "snapshot",
    ] {
        assert!(meta.get(key).is_some(), "meta.json lacks {key}: {meta}");
    }
    assert_eq!(meta["id"], id.as_str());
    assert_eq!(meta["parent"], serde_json::Value::Null);
    assert_eq!(meta["dialect"], "postgres");

    // Pending before apply.
    cli(dir, Some(&db.url))
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("pending"));
    cli(dir, Some(&db.url))
        .arg("apply")
        .assert()
        .success()
        .stdout(predicate::str::contains("applied"));
    assert!(
        dir.join("migrations/applied")
            .join(format!("{id}.json"))
            .is_file()
    );
    cli(dir, Some(&db.url)).arg("status").assert().success();
    cli(dir, Some(&db.url)).arg("check").assert().success();

    // The guide's change: add last_login_at.
    write_schema(dir, USERS_V2);
    cli(dir, None)
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("add column users.last_login_at"));
    cli(dir, None)
        .args(["generate", "add_last_login_timestamp"])
        .assert()
        .success();
    let ids = migration_dirs(dir);
    assert_eq!(ids.len(), 2);
    assert!(ids[1] > ids[0]);
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("migrations").join(&ids[1]).join("meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["parent"], ids[0].as_str());
    let sql = std::fs::read_to_string(dir.join("migrations").join(&ids[1]).join("migration.sql"))
        .unwrap();
    assert_eq!(
        sql,
        "ALTER TABLE \"users\" ADD COLUMN \"last_login_at\" timestamp;\n"
    );

    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("pending"));
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    cli(dir, Some(&db.url)).arg("check").assert().success();
    let mut c = db.client();
    let n: i64 = c
        .query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'last_login_at'", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1);

    // No change: nothing written.
    cli(dir, None)
        .args(["generate", "nothing"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No schema changes"));
    assert_eq!(migration_dirs(dir).len(), 2);
}

#[test]
fn names_are_validated() {
    let p = project(USERS_V1);
    cli(p.path(), None)
        .args(["generate", "Add-Login"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add_login"));
    cli(p.path(), None).arg("generate").assert().code(2);
    assert!(migration_dirs(p.path()).is_empty());
}

#[test]
fn ids_never_collide_within_a_second() {
    let p = project(USERS_V1);
    let dir = p.path();
    cli(dir, None).args(["generate", "a"]).assert().success();
    cli(dir, None)
        .args(["generate", "b", "--empty"])
        .assert()
        .success();
    cli(dir, None)
        .args(["generate", "c", "--empty"])
        .assert()
        .success();
    let ids = migration_dirs(dir);
    assert_eq!(ids.len(), 3);
    let stamps: Vec<&str> = ids.iter().map(|i| &i[..14]).collect();
    assert!(stamps[0] < stamps[1] && stamps[1] < stamps[2], "{ids:?}");
}

#[test]
fn a_failing_migration_is_rolled_back_and_reported() {
    let db = TestDb::new();
    let p = project(USERS_V1);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, None)
        .args(["generate", "broken", "--empty"])
        .assert()
        .success();
    cli(dir, None)
        .args(["generate", "later", "--empty"])
        .assert()
        .success();
    let ids = migration_dirs(dir);
    std::fs::write(
        dir.join("migrations").join(&ids[1]).join("migration.sql"),
        "CREATE TABLE half_done (id int);\n\nINSERT INTO half_done VALUES (1);\nSELECT * FROM does_not_exist;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("migrations").join(&ids[2]).join("migration.sql"),
        "CREATE TABLE never_run (id int);\n",
    )
    .unwrap();

    let out = cli(dir, Some(&db.url)).arg("apply").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&ids[1]), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("does_not_exist"), "{err}");
    assert!(err.contains("rolled back"), "{err}");

    let mut c = db.client();
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.contains(&"users".to_string()));
    assert!(!tables.contains(&"half_done".to_string()), "{tables:?}");
    assert!(!tables.contains(&"never_run".to_string()), "{tables:?}");
    let recorded: i64 = c
        .query_one("SELECT count(*) FROM db_migrate_history", &[])
        .unwrap()
        .get(0);
    assert_eq!(recorded, 1);
}

#[test]
fn an_edited_applied_migration_stops_apply() {
    let db = TestDb::new();
    let p = applied_users(&db);
    let dir = p.path();
    let ids = migration_dirs(dir);
    let sql_path = dir.join("migrations").join(&ids[0]).join("migration.sql");
    let mut sql = std::fs::read_to_string(&sql_path).unwrap();
    sql.push_str("\nCREATE TABLE sneaky (id int);\n");
    std::fs::write(&sql_path, sql).unwrap();
    cli(dir, None)
        .args(["generate", "next", "--empty"])
        .assert()
        .success();

    cli(dir, Some(&db.url))
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(ids[0].as_str()).and(predicate::str::contains("changed")));
    cli(dir, Some(&db.url))
        .arg("status")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("edited"));
    cli(dir, Some(&db.url))
        .args(["apply", "--allow-edited"])
        .assert()
        .success()
        .stderr(predicate::str::contains("WARNING"));
    // The edited migration is not re-run.
    let mut c = db.client();
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'sneaky'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

#[test]
fn status_reports_missing_and_json() {
    let db = TestDb::new();
    let p = project(USERS_V1);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, None)
        .args(["generate", "extra", "--empty"])
        .assert()
        .success();
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    let ids = migration_dirs(dir);
    std::fs::remove_dir_all(dir.join("migrations").join(&ids[1])).unwrap();
    let out = cli(dir, Some(&db.url))
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["clean"], false);
    let states: Vec<(String, String)> = v["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_string(),
                m["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (ids[0].clone(), "applied".into()),
            (ids[1].clone(), "missing".into())
        ]
    );
    assert!(
        v["migrations"][0]["applied_at"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );
}

#[test]
fn check_names_a_column_added_by_hand() {
    let db = TestDb::new();
    let p = applied_users(&db);
    let dir = p.path();
    db.client()
        .batch_execute("ALTER TABLE users ADD COLUMN nickname text")
        .unwrap();
    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("drift").and(predicate::str::contains("users.nickname")));
}

/// A third-party table in `public` (a job queue's) is drift until
/// db-migrate.toml ignores it; `push` then leaves it alone too.
#[test]
fn ignored_tables_are_neither_drift_nor_dropped_by_push() {
    let db = TestDb::new();
    let p = applied_users(&db);
    let dir = p.path();
    db.client()
        .batch_execute("CREATE TABLE pgboss_job (id int); INSERT INTO pgboss_job VALUES (1)")
        .unwrap();
    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "table pgboss_job exists in the database",
        ));
    std::fs::write(
        dir.join("db-migrate.toml"),
        "ignore = [\"public.pgboss_*\"]\n",
    )
    .unwrap();
    cli(dir, Some(&db.url)).arg("check").assert().success();
    cli(dir, Some(&db.url))
        .args(["push", "--force"])
        .assert()
        .success();
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM pgboss_job", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

/// Policies linked to a table managed elsewhere (Supabase's
/// `realtime.messages`) are created, compared and dropped; the table itself
/// is never created, altered or dropped, and its columns are not drift.
#[test]
fn policies_on_a_table_managed_elsewhere() {
    const SCHEMA: &str = r#"
import { sql } from "drizzle-orm";
import { pgTable, pgSchema, pgPolicy, integer, text } from "drizzle-orm/pg-core";
const realtime = pgSchema("realtime");
const messages = realtime.table("messages", { topic: text("topic").notNull() });
export const rooms = pgTable("rooms", { id: integer("id").primaryKey() });
export const readRooms = pgPolicy("read rooms", { for: "select", using: sql`${messages.topic} like 'room:%'` }).link(messages);
"#;
    let db = TestDb::new();
    db.client()
        .batch_execute(
            "CREATE SCHEMA realtime; CREATE TABLE realtime.messages (id bigserial PRIMARY KEY, topic text NOT NULL, payload jsonb); \
             ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY; INSERT INTO realtime.messages (topic) VALUES ('room:1')",
        )
        .unwrap();
    let p = project(SCHEMA);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    let first = std::fs::read_to_string(
        dir.join("migrations")
            .join(&migration_dirs(dir)[0])
            .join("migration.sql"),
    )
    .unwrap();
    assert!(
        first.contains(r#"CREATE POLICY "read rooms" ON "realtime"."messages""#),
        "{first}"
    );
    assert!(
        !first.contains("CREATE TABLE \"realtime\"") && !first.contains("CREATE SCHEMA"),
        "{first}"
    );
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    cli(dir, Some(&db.url)).arg("check").assert().success();

    // A policy changed by hand is drift; the table's own columns are not.
    db.client()
        .batch_execute(r#"DROP POLICY "read rooms" ON realtime.messages"#)
        .unwrap();
    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("read rooms"));
    db.client()
        .batch_execute(r#"CREATE POLICY "read rooms" ON realtime.messages AS PERMISSIVE FOR SELECT TO public USING (topic like 'room:%')"#)
        .unwrap();
    cli(dir, Some(&db.url)).arg("check").assert().success();

    // Unlinking the policy drops it and leaves the table and its rows.
    write_schema(
        dir,
        &SCHEMA.replace(
            "export const readRooms = pgPolicy(\"read rooms\", { for: \"select\", using: sql`${messages.topic} like 'room:%'` }).link(messages);\n",
            "",
        ),
    );
    cli(dir, None)
        .args(["generate", "unlink"])
        .assert()
        .success();
    let second = std::fs::read_to_string(
        dir.join("migrations")
            .join(&migration_dirs(dir)[1])
            .join("migration.sql"),
    )
    .unwrap();
    assert_eq!(
        second.trim(),
        r#"DROP POLICY "read rooms" ON "realtime"."messages";"#,
        "only the policy goes"
    );
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    cli(dir, Some(&db.url)).arg("check").assert().success();
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM realtime.messages", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

/// Right after apply, `check` finds no drift where PostgreSQL builds
/// something other than the statements say: a unique constraint that repeats
/// the primary key's columns is merged into the key (which takes its name),
/// and tables in a schema the schema files do not export (managed elsewhere)
/// are still compared, with their partial indexes' predicates (written
/// `"ext"."events"."name"`) read as declared.
#[test]
fn check_is_clean_where_postgres_merges_or_the_schema_is_elsewhere() {
    const SCHEMA: &str = r#"
import { sql } from "drizzle-orm";
import { pgTable, pgSchema, primaryKey, unique, index, integer, text, varchar } from "drizzle-orm/pg-core";
const ext = pgSchema("ext");
export const settings = pgTable("settings", {
  key: varchar("key", { length: 64 }).primaryKey().unique(),
  value: text("value"),
});
export const links = pgTable("links", { a: integer("a").notNull(), b: integer("b").notNull() }, (t) => [
  primaryKey({ columns: [t.a, t.b] }),
  unique().on(t.a, t.b),
]);
export const events = ext.table("events", { id: integer("id").primaryKey(), name: text("name") }, (t) => [
  index("events_named_idx").on(t.id).where(sql`${t.name} is not null`),
]);
"#;
    let db = TestDb::new();
    db.client().batch_execute("CREATE SCHEMA ext").unwrap();
    let p = project(SCHEMA);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    let merged: Vec<String> = db
        .client()
        .query(
            "SELECT conname::text FROM pg_constraint WHERE conrelid IN ('settings'::regclass, 'links'::regclass) ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        merged,
        ["links_a_b_pk", "settings_key_unique"],
        "PostgreSQL keeps one constraint each: a named key keeps its name, an unnamed one takes the unique constraint's"
    );
    cli(dir, Some(&db.url)).arg("check").assert().success();
    // A change made by hand in that schema is drift.
    db.client()
        .batch_execute("ALTER TABLE ext.events ADD COLUMN extra int")
        .unwrap();
    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ext.events.extra"));
}

/// drizzle.config's `schemaFilter` widens what is inspected: a table in a
/// listed schema the Drizzle schema does not declare is drift; the same
/// table in an unlisted schema is not looked at.
#[test]
fn schema_filter_widens_drift_to_the_listed_schemas() {
    let db = TestDb::new();
    let p = applied_users(&db);
    let dir = p.path();
    db.client()
        .batch_execute("CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int)")
        .unwrap();
    cli(dir, Some(&db.url)).arg("check").assert().success();
    std::fs::write(
        dir.join("drizzle.config.ts"),
        "export default { dialect: 'postgresql', schema: './shared/schema.ts', schemaFilter: ['public', 'billing'] };\n",
    )
    .unwrap();
    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("billing.invoices"));
}

#[test]
fn push_refuses_data_loss_without_force() {
    let db = TestDb::new();
    let p = project(USERS_V2);
    let dir = p.path();
    cli(dir, Some(&db.url))
        .arg("push")
        .assert()
        .success()
        .stdout(predicate::str::contains("CREATE TABLE"));
    cli(dir, Some(&db.url))
        .arg("push")
        .assert()
        .success()
        .stdout(predicate::str::contains("already matches"));
    db.client()
        .batch_execute("INSERT INTO users (id, email, last_login_at) VALUES ('u1', 'a@b.c', now())")
        .unwrap();

    write_schema(dir, USERS_V1); // drops last_login_at
    cli(dir, Some(&db.url)).arg("push").assert().code(1).stdout(
        predicate::str::contains("refused").and(predicate::str::contains(
            "dropping column users.last_login_at",
        )),
    );
    let n: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'last_login_at'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "refused push changed nothing");
    cli(dir, Some(&db.url))
        .args(["push", "--force"])
        .assert()
        .success();
    let n: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'last_login_at'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn passwords_never_appear_in_output() {
    let db = TestDb::new();
    let url = db.url_with_password();
    assert!(url.contains("s3cr3t-pw"));
    let p = project(USERS_V1);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, None)
        .args(["generate", "bad", "--empty"])
        .assert()
        .success();
    let ids = migration_dirs(dir);
    std::fs::write(
        dir.join("migrations").join(&ids[1]).join("migration.sql"),
        "SELECT nope FROM nowhere;\n",
    )
    .unwrap();
    for args in [
        vec!["apply"],
        vec!["status"],
        vec!["check"],
        vec!["status", "--json"],
    ] {
        let out = cli(dir, Some(&url)).args(&args).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains("s3cr3t-pw"),
            "{args:?} printed the password:\n{all}"
        );
        assert!(
            all.contains("****") || args == ["check"],
            "{args:?} did not show the masked target:\n{all}"
        );
    }
    let journal = std::fs::read_to_string(
        dir.join("migrations/applied")
            .join(format!("{}.json", ids[0])),
    )
    .unwrap();
    assert!(
        !journal.contains("s3cr3t-pw") && journal.contains("****"),
        "{journal}"
    );
    // A wrong password: the error names the target, masked.
    let wrong = url.replace("s3cr3t-pw", "wrong-pw-123");
    let out = cli(dir, Some(&wrong)).arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("wrong-pw-123"), "{err}");
}

#[test]
fn dialect_must_agree_with_the_url() {
    let p = project(USERS_V1);
    cli(p.path(), Some("sqlite:app.db"))
        .arg("push")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PostgreSQL").and(predicate::str::contains("SQLite")));
}

#[test]
fn missing_database_url_is_a_usage_error() {
    let p = project(USERS_V1);
    cli(p.path(), None)
        .arg("apply")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("DATABASE_URL"));
}

#[test]
fn url_from_dotenv_and_config_file() {
    let db = TestDb::new();
    let p = project(USERS_V1);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    std::fs::write(dir.join(".env"), format!("DATABASE_URL={}\n", db.url)).unwrap();
    cli(dir, None).arg("apply").assert().success();
    std::fs::remove_file(dir.join(".env")).unwrap();
    std::fs::write(
        dir.join("db-migrate.toml"),
        format!("database_url = {:?}\n", db.url),
    )
    .unwrap();
    cli(dir, None).arg("status").assert().success();
    // -C from elsewhere.
    let mut cmd = Command::cargo_bin("db-migrate").unwrap();
    cmd.env_remove("DATABASE_URL")
        .arg("-C")
        .arg(dir)
        .arg("status")
        .assert()
        .success();
}

#[test]
fn rebase_regenerates_the_later_branch_on_top_of_the_other() {
    const BASE: &str = r#"
import { pgTable, varchar, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: varchar("id").primaryKey() });
"#;
    const BRANCH_A: &str = r#"
import { pgTable, varchar, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: varchar("id").primaryKey() });
export const teams = pgTable("teams", { id: varchar("id").primaryKey() });
"#;
    const BRANCH_B: &str = r#"
import { pgTable, varchar, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: varchar("id").primaryKey(), bio: text("bio") });
"#;
    const MERGED: &str = r#"
import { pgTable, varchar, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: varchar("id").primaryKey(), bio: text("bio") });
export const teams = pgTable("teams", { id: varchar("id").primaryKey() });
"#;
    let main = project(BASE);
    cli(main.path(), None)
        .args(["generate", "init"])
        .assert()
        .success();
    let branch_b = tempfile::tempdir().unwrap();
    copy_dir(main.path(), branch_b.path());
    // Branch A generates and merges first; branch B generated from the same parent.
    write_schema(main.path(), BRANCH_A);
    cli(main.path(), None)
        .args(["generate", "add_teams"])
        .assert()
        .success();
    write_schema(branch_b.path(), BRANCH_B);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    cli(branch_b.path(), None)
        .args(["generate", "add_bio"])
        .assert()
        .success();
    let b_id = migration_dirs(branch_b.path()).pop().unwrap();
    copy_dir(
        &branch_b.path().join("migrations").join(&b_id),
        &main.path().join("migrations").join(&b_id),
    );
    write_schema(main.path(), MERGED);

    let dir = main.path();
    cli(dir, None)
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("fork").and(predicate::str::contains(b_id.as_str())));
    cli(dir, None)
        .arg("rebase")
        .assert()
        .success()
        .stdout(predicate::str::contains("rebased"));
    let ids = migration_dirs(dir);
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids[2].ends_with("_add_bio"), "{ids:?}");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("migrations").join(&ids[2]).join("meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["parent"], ids[1].as_str());
    let sql = std::fs::read_to_string(dir.join("migrations").join(&ids[2]).join("migration.sql"))
        .unwrap();
    assert_eq!(sql, "ALTER TABLE \"users\" ADD COLUMN \"bio\" text;\n");
    cli(dir, None).arg("check").assert().success();
    cli(dir, None)
        .arg("rebase")
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to rebase"));
}

/// PostgreSQL: a hand-written migration's table, index and column are
/// part of the schema after it; declaring them later generates nothing.
#[test]
fn hand_written_ddl_is_part_of_the_migrations_schema() {
    let db = TestDb::new();
    let p = project(USERS_V1);
    let dir = p.path();
    cli(dir, None).args(["generate", "init"]).assert().success();
    cli(dir, None)
        .args(["generate", "by_hand", "--empty"])
        .assert()
        .success();
    let by_hand = migration_dirs(dir)
        .into_iter()
        .find(|d| d.ends_with("_by_hand"))
        .expect("the hand-written migration");
    std::fs::write(
        dir.join("migrations").join(by_hand).join("migration.sql"),
        "CREATE TABLE \"audit\" (\n\t\"id\" integer PRIMARY KEY NOT NULL,\n\t\"note\" text\n);\n\
         ALTER TABLE \"users\" ADD COLUMN \"last_login_at\" timestamp;\n\
         CREATE INDEX \"audit_note_idx\" ON \"audit\" USING btree (\"note\");\n",
    )
    .unwrap();
    cli(dir, Some(&db.url)).arg("apply").assert().success();
    cli(dir, Some(&db.url))
        .arg("check")
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("table audit (created by")
                .and(predicate::str::contains(
                    "column users.last_login_at (created by",
                ))
                .and(predicate::str::contains("drift").not()),
        );
    write_schema(
        dir,
        &format!(
            "{}\nexport const audit = pgTable(\"audit\", {{\n  id: integer(\"id\").primaryKey(),\n  note: text(\"note\"),\n}}, (t) => [index(\"audit_note_idx\").on(t.note)]);\n",
            USERS_V2.replace("{ pgTable,", "{ pgTable, index,")
        ),
    );
    cli(dir, None)
        .args(["generate", "declare"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No schema changes"));
    cli(dir, Some(&db.url)).arg("check").assert().success();
}
