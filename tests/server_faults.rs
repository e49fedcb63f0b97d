//! Faults on the server side of a running `apply`, with real processes: the
//! server stopped with `pg_ctl stop -m immediate` and started again, and the
//! connection cut by a TCP proxy between the runner and the server. After
//! each, one more `apply` completes, every statement ran exactly once, no
//! lock is left, and the history and `migrations/applied/` agree.
//!
//! Stopping a server would break every other test, so the `pg_ctl` test
//! starts its own throwaway cluster (PostgreSQL's binaries as for
//! `scripts/with-pg.sh`: `$PG_BIN`, else the newest /usr/lib/postgresql/*/bin).

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use support::TestDb;

fn cli(dir: &Path, url: &str) -> Command {
    let mut cmd = support::cli::db_migrate(dir, Some(url));
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// The spawned apply ends with exit 1, saying its connection was lost.
fn assert_connection_lost(apply: std::process::Child) {
    let out = apply.wait_with_output().expect("apply ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("lost"),
        "says the connection was lost: {stderr}"
    );
}

fn spawn_apply(dir: &Path, url: &str) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("db-migrate"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", url)
        .arg("apply")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn apply")
}

fn migration(dir: &Path, id: &str, sql: &str) {
    let d = dir.join("migrations").join(id);
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join("migration.sql"), sql).expect("write");
}

/// Two migrations: a transactional one, and a no-transaction one whose
/// third statement sleeps long enough to be interrupted. Each `INSERT`
/// leaves one row per run, so a statement run twice shows.
fn project() -> tempfile::TempDir {
    let p = tempfile::tempdir().expect("tempdir");
    migration(
        p.path(),
        "20250101000001_base",
        "CREATE TABLE runs (step text NOT NULL);\nINSERT INTO runs VALUES ('base');\n",
    );
    migration(
        p.path(),
        "20250101000002_slow",
        "-- db-migrate: no-transaction\nINSERT INTO runs VALUES ('before');\nCREATE TABLE marker (id int);\n\
         SELECT pg_sleep(CASE WHEN EXISTS (SELECT FROM runs WHERE step = 'after') THEN 0 ELSE 3 END);\n\
         INSERT INTO runs VALUES ('after');\n",
    );
    p
}

/// Waits until a session of db-migrate runs `pg_sleep` on the server.
fn wait_for_sleep(admin_url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut c) = postgres::Client::connect(admin_url, postgres::NoTls) {
            let sleeping: i64 = c
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND query LIKE '%SELECT pg_sleep%' AND state = 'active'",
                    &[],
                )
                .map(|r| r.get(0))
                .unwrap_or(0);
            if sleeping > 0 {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("apply never reached the sleeping statement");
}

/// What must hold after the fault and one more `apply`: each statement ran
/// once, every migration is recorded once as finished, no lock is held, and
/// `migrations/applied/` lists the same migrations as the history.
fn assert_ran_once(url: &str, dir: &Path) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let steps: Vec<String> = c
        .query("SELECT step FROM runs ORDER BY step", &[])
        .expect("runs")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(steps, ["after", "base", "before"], "each INSERT ran once");
    let history: Vec<(String, bool)> = c
        .query(
            "SELECT id, finished FROM db_migrate_history ORDER BY id",
            &[],
        )
        .expect("history")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        history,
        [
            ("20250101000001_base".to_string(), true),
            ("20250101000002_slow".to_string(), true)
        ]
    );
    let locks: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = current_database()",
            &[],
        )
        .expect("locks")
        .get(0);
    assert_eq!(locks, 0, "no advisory lock left");
    let mut journal: Vec<String> = std::fs::read_dir(dir.join("migrations/applied"))
        .expect("applied/")
        .flatten()
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string()
        })
        .collect();
    journal.sort();
    let ids: Vec<String> = history.into_iter().map(|(id, _)| id).collect();
    assert_eq!(journal, ids, "migrations/applied/ agrees with the history");
}

/// A throwaway cluster of our own, so it can be stopped.
struct Cluster {
    bin: PathBuf,
    root: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = pg_bin();
        let root = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let cluster = Cluster { bin, root, port };
        if is_root() {
            let ok = Process::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.root.path())
                .status()
                .expect("chown");
            assert!(ok.success(), "chown the cluster dir to postgres");
        }
        let data = cluster.data();
        let out = cluster
            .as_server_user(&cluster.bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.pg_ctl_start();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    fn as_server_user(&self, program: &Path) -> Process {
        if is_root() {
            let mut p = Process::new("runuser");
            p.args(["-u", "postgres", "--"]).arg(program);
            p
        } else {
            Process::new(program)
        }
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.root.path().display()
        );
        let out = self
            .as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-w", "-l"])
            .arg(self.root.path().join("server.log"))
            .arg("start")
            .output()
            .expect("pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop_immediately(&self) {
        let out = self
            .as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output()
            .expect("pg_ctl stop");
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn is_root() -> bool {
    Process::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn pg_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.join("initdb").is_file());
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop().unwrap_or_else(|| {
        panic!("no PostgreSQL server binaries: install PostgreSQL (apt-get install postgresql) or set PG_BIN")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server stopped at once (`pg_ctl stop -m immediate`) while a
/// no-transaction migration sleeps: apply reports the lost connection; once
/// the server is back, apply resumes and nothing runs twice.
#[test]
fn server_stopped_mid_apply_then_restarted() {
    let cluster = Cluster::start();
    let url = cluster.url("postgres");
    let p = project();
    let apply = spawn_apply(p.path(), &url);
    wait_for_sleep(&url);
    cluster.stop_immediately();
    assert_connection_lost(apply);
    cluster.pg_ctl_start();
    cli(p.path(), &url)
        .arg("apply")
        .assert()
        .success()
        .stdout(predicate::str::contains("20250101000002_slow"));
    assert_ran_once(&url, p.path());
}

/// A proxy between the runner and the server that can cut every connection
/// through it.
struct Proxy {
    port: u16,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: (String, u16)) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let sockets = open.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)) else {
                    continue;
                };
                if let (Ok(a), Ok(b)) = (client.try_clone(), server.try_clone()) {
                    let mut open = sockets.lock().expect("lock");
                    open.push(a);
                    open.push(b);
                }
                pipe(&client, &server);
                pipe(&server, &client);
            }
        });
        Proxy { port, open }
    }

    /// Cuts every connection made so far (both directions, both ends).
    fn cut(&self) {
        for s in self.open.lock().expect("lock").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(from: &TcpStream, to: &TcpStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// The network cut between the runner and the server while a
/// no-transaction migration sleeps: apply reports the lost connection; the
/// server's session finds its client gone and rolls back; the next apply
/// (straight to the server) waits for the old session's lock if needed,
/// resumes, and nothing runs twice.
#[test]
fn connection_cut_mid_apply() {
    let db = TestDb::new();
    let proxy = Proxy::start(db.tcp_endpoint());
    let through_proxy = db
        .url_for("postgres", "127.0.0.1", "sslmode=disable")
        .replace(
            &format!(":{}/", db.tcp_endpoint().1),
            &format!(":{}/", proxy.port),
        );
    let p = project();
    let apply = spawn_apply(p.path(), &through_proxy);
    wait_for_sleep(&db.url);
    proxy.cut();
    assert_connection_lost(apply);
    cli(p.path(), &db.url).arg("apply").assert().success();
    assert_ran_once(&db.url, p.path());
}
