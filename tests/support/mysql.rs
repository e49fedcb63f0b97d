//! A fresh MySQL/MariaDB database per test, on the server named by
//! `DB_MIGRATE_TEST_MYSQL_URL` (`scripts/test.sh` starts a throwaway MariaDB
//! and sets it). Databases are dropped when the [`TestMysqlDb`] goes out of
//! scope.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use db_migrate::db::mysql::{MysqlConn, MysqlTarget, connect, parse_url};

const HOW_TO: &str = "run scripts/test.sh, which starts a throwaway MariaDB \
     (apt-get install mariadb-server), or set DB_MIGRATE_TEST_MYSQL_URL=mysql://user:password@host:port";

/// The test server (`DB_MIGRATE_TEST_MYSQL_URL`, without a database); panics with instructions when unset.
pub fn server_url() -> String {
    match std::env::var("DB_MIGRATE_TEST_MYSQL_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim_end_matches('/').to_string(),
        _ => panic!("DB_MIGRATE_TEST_MYSQL_URL is not set: {HOW_TO}"),
    }
}

fn target(url: &str) -> MysqlTarget {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("not a mysql:// URL: {HOW_TO}"));
    parse_url(rest, "the test server", &PathBuf::from("."))
        .unwrap_or_else(|e| panic!("{e}: {HOW_TO}"))
}

/// A session on `url` (a database URL).
pub fn session(url: &str) -> MysqlConn {
    connect(&target(url)).unwrap_or_else(|e| panic!("{e}\n{HOW_TO}"))
}

/// A database of its own on the test server.
pub struct TestMysqlDb {
    /// Its name.
    pub name: String,
}

impl TestMysqlDb {
    /// Creates an empty database.
    pub fn new() -> TestMysqlDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "dbm_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = session(&format!("{}/mysql", server_url()));
        admin
            .execute(&format!("DROP DATABASE IF EXISTS `{name}`"))
            .and_then(|()| {
                admin.execute(&format!(
                    "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                ))
            })
            .unwrap_or_else(|e| panic!("cannot create a test database: {e}\n{HOW_TO}"));
        TestMysqlDb { name }
    }

    /// Its URL, with the password.
    pub fn url(&self) -> String {
        format!("{}/{}", server_url(), self.name)
    }

    /// A session on it.
    pub fn session(&self) -> MysqlConn {
        session(&self.url())
    }

    /// Runs statements; panics with the server's message.
    pub fn execute(&self, sql: &str) {
        self.session()
            .execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The first column of every row of a query.
    pub fn column(&self, sql: &str) -> Vec<String> {
        self.session()
            .query(sql, Vec::new())
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect()
    }

    /// The base tables, sorted.
    pub fn tables(&self) -> Vec<String> {
        self.column(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        )
    }

    /// `SHOW CREATE TABLE` of a table, made comparable: no `AUTO_INCREMENT=<n>`
    /// counter, and its keys and constraints sorted (their order is not part of the table).
    pub fn show_create(&self, table: &str) -> String {
        let rows = self
            .session()
            .query(&format!("SHOW CREATE TABLE `{table}`"), Vec::new())
            .unwrap_or_else(|e| panic!("SHOW CREATE TABLE {table}: {e}"));
        let text = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().nth(1).flatten())
            .unwrap_or_default();
        normalize_create(&text)
    }
}

/// `SHOW CREATE TABLE` text with its counter removed and key lines sorted.
pub fn normalize_create(text: &str) -> String {
    let mut columns = Vec::new();
    let mut keys = Vec::new();
    let mut tail = String::new();
    for line in text.lines() {
        let trimmed = line.trim().trim_end_matches(',');
        if line.starts_with("  `") {
            columns.push(trimmed.to_string());
        } else if line.starts_with("  ") {
            keys.push(trimmed.to_string());
        } else if line.starts_with(')') {
            tail = trimmed
                .split(' ')
                .filter(|w| !w.starts_with("AUTO_INCREMENT="))
                .collect::<Vec<_>>()
                .join(" ");
        } else {
            columns.insert(0, trimmed.to_string());
        }
    }
    keys.sort();
    let mut out = columns.join("\n");
    for k in keys {
        out.push('\n');
        out.push_str(&k);
    }
    out.push('\n');
    out.push_str(&tail);
    out
}

impl Default for TestMysqlDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestMysqlDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect(&target(&format!("{}/mysql", server_url()))) {
            let _ = admin.execute(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}
