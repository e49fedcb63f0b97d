//! The npm package as a TypeScript team installs it: `scripts/npm-pack.sh`
//! packs the launcher package and this platform's binary package (with the
//! binary this suite built), `npm install --offline` puts both in a fresh
//! project, and `npx db-migrate` runs ours: the version, the quickstart's
//! `apply` and `status`, exit codes passed through, and Ctrl-C (SIGINT to
//! the launcher) stopping the binary's run with its own exit code.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::fixtures::copy_dir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project with the two packed packages installed offline.
fn installed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let pkgs = dir.path().join("pkgs");
    let out = Command::new("bash")
        .arg(root().join("scripts/npm-pack.sh"))
        .arg("--binary")
        .arg(assert_cmd::cargo::cargo_bin("db-migrate"))
        .arg("--out")
        .arg(&pkgs)
        .current_dir(root())
        .output()
        .expect("run scripts/npm-pack.sh (needs npm: apt-get install npm)");
    assert!(
        out.status.success(),
        "npm-pack.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::fs::write(
        app.join("package.json"),
        r#"{ "name": "app", "private": true }"#,
    )
    .expect("package.json");
    let tarballs: Vec<PathBuf> = std::fs::read_dir(&pkgs)
        .expect("pkgs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
        .collect();
    assert_eq!(tarballs.len(), 2, "{tarballs:?}");
    let out = Command::new("npm")
        .args([
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .args(&tarballs)
        .current_dir(&app)
        .output()
        .expect("npm install");
    assert!(
        out.status.success(),
        "npm install --offline failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn npx(app: &Path, args: &[&str]) -> std::process::Output {
    Command::new("npx")
        .arg("--no-install")
        .arg("db-migrate")
        .args(args)
        .current_dir(app)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .output()
        .expect("npx")
}

#[test]
fn the_npm_package_runs_ours() {
    let dir = installed();
    let app = dir.path().join("app");

    let version = npx(&app, &["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("db-migrate {}", env!("CARGO_PKG_VERSION"))
    );

    let quickstart = dir.path().join("quickstart");
    copy_dir(&root().join("examples/quickstart"), &quickstart);
    let q = quickstart.to_string_lossy().to_string();
    let pending = npx(&app, &["-C", &q, "status"]);
    assert_eq!(
        pending.status.code(),
        Some(1),
        "pending is exit 1 through the launcher"
    );
    let applied = npx(&app, &["-C", &q, "apply"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let status = npx(&app, &["-C", &q, "status"]);
    assert_eq!(status.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&status.stdout).contains("applied"));
    let usage = npx(&app, &["apply", "--nope"]);
    assert_eq!(usage.status.code(), Some(2), "usage errors are exit 2");
}

#[test]
fn ctrl_c_reaches_the_binary_through_the_launcher() {
    let dir = installed();
    let app = dir.path().join("app");
    let project = dir.path().join("long");
    let migration = project.join("migrations/20250101000001_long");
    std::fs::create_dir_all(&migration).expect("mkdir");
    std::fs::write(
        migration.join("migration.sql"),
        "CREATE TABLE made (id int);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c;\n",
    )
    .expect("migration");
    let child = Command::new("node")
        .arg(app.join("node_modules/.bin/db-migrate"))
        .args([
            "-C",
            &project.to_string_lossy(),
            "apply",
            "--database-url",
            "sqlite:app.db",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("launcher");
    // The migration's transaction is open while SQLite's rollback journal
    // exists; the history table's creation before it holds one only for a
    // moment, so wait until the journal has stayed for half a second.
    let journal = project.join("app.db-journal");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut since: Option<Instant> = None;
    loop {
        assert!(Instant::now() < deadline, "the migration never started");
        match (journal.exists(), since) {
            (true, Some(t)) if t.elapsed() > Duration::from_millis(500) => break,
            (true, None) => since = Some(Instant::now()),
            (false, _) => since = None,
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    let c = rusqlite::Connection::open(project.join("app.db")).expect("open");
    let made: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'made'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(made, 0, "the migration was rolled back");
}
