//! `--targets <file>` / `--targets-query <SQL>` / `--each-schema <LIKE>` on
//! `apply`, `status`, `check` and `down`: the same command on many databases
//! (a database per tenant), or on many schemas of one database (a schema per
//! tenant, each run with `--tenant-schema`). Each target runs in its own db-migrate process, with its URL in
//! `DATABASE_URL`, at most `--parallel` at a time: one target's failure or
//! hang stops only that target, each takes its own run lock, and a rerun
//! picks up where each one is. A line per target as it finishes, then a
//! summary; every URL shown is masked.

use std::io::BufRead;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::config::Config;
use crate::db::url::DatabaseUrl;
use crate::report::{self, BAD, BOLD, OK, WARN};

use super::{CommandResult, Failure, Outcome, connect, shown, usage};

/// Where the targets come from, and how many run at once.
#[derive(Debug, Clone, Default)]
pub struct FleetArgs {
    /// A file with one database URL per line (`env:VAR` reads one from the
    /// environment; `#` starts a comment).
    pub targets: Option<std::path::PathBuf>,
    /// SQL run on the configured database whose first column lists the URLs.
    pub targets_query: Option<String>,
    /// A `LIKE` pattern: every matching schema of the configured PostgreSQL
    /// database is a tenant (`--tenant-schema` for each).
    pub each_schema: Option<String>,
    /// Targets run at once.
    pub parallel: usize,
}

impl FleetArgs {
    /// True when the command runs on a fleet.
    pub fn given(&self) -> bool {
        self.targets.is_some() || self.targets_query.is_some() || self.each_schema.is_some()
    }
}

/// One database (or tenant schema) of the fleet.
#[derive(Debug, Clone)]
struct Target {
    /// The URL, as given.
    url: String,
    /// The tenant schema, with `--each-schema`.
    schema: Option<String>,
    /// How it is shown: the URL with its password masked, or the schema.
    masked: String,
}

/// How one target's run ended.
struct Finished {
    exit_code: i32,
    /// The command's final JSON object.
    result: Value,
    /// What it printed for people (the failure's report), passwords masked.
    said: String,
}

/// Runs `command` (with `args`, the command line without the fleet flags)
/// on every target.
pub fn run(config: &Config, command: &str, args: &[String], fleet: &FleetArgs) -> CommandResult {
    let targets = targets(config, fleet)?;
    let parallel = fleet.parallel.max(1);
    if !report::json() {
        anstream::eprintln!(
            "{} on {} database{}, {} at a time",
            report::styled(BOLD, command),
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            parallel.min(targets.len())
        );
    }
    let exe = std::env::current_exe()
        .map_err(|e| super::problem(format!("cannot find the db-migrate executable: {e}"), None))?;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Finished>>> = Mutex::new(targets.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(targets.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(target) = targets.get(i) else { break };
                    let finished = run_one(&exe, args, target);
                    print_progress(command, target, &finished);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(finished);
                    }
                }
            });
        }
    });
    let results: Vec<Finished> = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| failed("did not run".to_string())))
        .collect();
    let worst = results.iter().map(|r| r.exit_code).max().unwrap_or(0);
    let outcome = if worst == 0 {
        Outcome::Clean
    } else {
        Outcome::Findings
    };
    if report::json() {
        let list: Vec<Value> = targets
            .iter()
            .zip(&results)
            .map(|(t, r)| {
                json!({"target": t.masked, "exit_code": r.exit_code, "result": r.result, "stderr": r.said})
            })
            .collect();
        report::json_done(
            command,
            super::exit_code(outcome),
            json!({ "targets": list }),
        );
    } else {
        print_summary(command, &targets, &results);
    }
    Ok(outcome)
}

/// The targets from the file or the query, checked and masked.
fn targets(config: &Config, fleet: &FleetArgs) -> Result<Vec<Target>, Failure> {
    if let Some(pattern) = &fleet.each_schema {
        return tenant_schemas(config, pattern);
    }
    let (listed, source) = match (&fleet.targets, &fleet.targets_query) {
        (Some(file), _) => (read_file(&config.project_dir.join(file))?, shown(file)),
        (None, Some(sql)) => (query(config, sql)?, "--targets-query".to_string()),
        (None, None) => return Ok(Vec::new()),
    };
    let mut out: Vec<Target> = Vec::new();
    for (line, url) in listed {
        let parsed = DatabaseUrl::parse(&url, &config.project_dir).map_err(|e| {
            usage(
                format!("{source} line {line}: not a database URL: {e}"),
                "list one postgres://... or sqlite:<path> URL per line, or env:VAR to read one from the environment",
            )
        })?;
        if out.iter().any(|t| t.url == url) {
            continue;
        }
        out.push(Target {
            url,
            schema: None,
            masked: parsed.masked(),
        });
    }
    if out.is_empty() {
        return Err(usage(
            format!("{source} lists no database"),
            "list one database URL per line (`env:VAR` reads one from the environment)",
        ));
    }
    Ok(out)
}

/// The URLs of a targets file with their line numbers: blank lines and `#`
/// comments skipped, `env:VAR` read from the environment.
fn read_file(path: &Path) -> Result<Vec<(usize, String)>, Failure> {
    let file = std::fs::File::open(path).map_err(|e| {
        usage(
            format!("cannot read the targets file {}: {e}", shown(path)),
            "give a file with one database URL per line",
        )
    })?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| {
            usage(
                format!("cannot read {}: {e}", shown(path)),
                "check the file",
            )
        })?;
        let text = line
            .split_once(" #")
            .map_or(line.as_str(), |(url, _)| url)
            .trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let url = match text.strip_prefix("env:") {
            Some(var) => std::env::var(var.trim()).map_err(|_| {
                usage(
                    format!(
                        "{} line {}: the environment variable {} is not set",
                        shown(path),
                        n + 1,
                        var.trim()
                    ),
                    "export it before running, or write the URL in the file",
                )
            })?,
            None => text.to_string(),
        };
        out.push((n + 1, url));
    }
    Ok(out)
}

/// The schemas of the configured PostgreSQL database whose names are
/// `LIKE pattern`, each a target on that database.
fn tenant_schemas(config: &Config, pattern: &str) -> Result<Vec<Target>, Failure> {
    let (mut db, url) = super::connect_with_url(config, None)?;
    if db.dialect() != crate::schema::Dialect::Postgres {
        return Err(usage(
            "--each-schema is for PostgreSQL: SQLite has no schemas",
            "give each SQLite tenant its own file and list them with --targets",
        ));
    }
    let sql = "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1";
    let schemas = db.query_column(sql, &[pattern]).map_err(|e| {
        super::problem(
            format!("could not list the schemas of {}: {e}", db.target),
            None,
        )
    })?;
    if schemas.is_empty() {
        return Err(usage(
            format!("no schema of {} is LIKE {pattern:?}", db.target),
            "give a LIKE pattern that matches the tenant schemas, e.g. --each-schema 'tenant_%'",
        ));
    }
    let url_text = config
        .database_url
        .as_ref()
        .map(|(u, _)| u.clone())
        .unwrap_or_default();
    Ok(schemas
        .into_iter()
        .map(|schema| Target {
            url: url_text.clone(),
            masked: format!("{} schema {schema}", url.masked()),
            schema: Some(schema),
        })
        .collect())
}

/// The URLs `sql` returns (first column) on the configured database.
fn query(config: &Config, sql: &str) -> Result<Vec<(usize, String)>, Failure> {
    let mut db = connect(config, None)?;
    let urls = db.query_column(sql, &[]).map_err(|e| {
        usage(
            format!("--targets-query failed on {}: {e}", db.target),
            "give a query whose first column is the database URLs, e.g. SELECT url FROM tenants",
        )
    })?;
    Ok(urls
        .into_iter()
        .enumerate()
        .map(|(i, u)| (i + 1, u))
        .collect())
}

/// Runs the command on one target in its own process.
fn run_one(exe: &Path, args: &[String], target: &Target) -> Finished {
    let mut command = Command::new(exe);
    command.args(args);
    if let Some(schema) = &target.schema {
        command.args(["--tenant-schema", schema]);
    }
    // One journal file per migration cannot say which of many databases
    // have it: each database's history table does.
    command.arg("--no-journal");
    let output = command
        .arg("--json")
        .env("DATABASE_URL", &target.url)
        .env("NO_COLOR", "1")
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => return failed(format!("could not start db-migrate: {e}")),
    };
    let said = crate::db::url::mask_password(String::from_utf8_lossy(&output.stderr).trim());
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        Some(result) => Finished {
            exit_code: output.status.code().unwrap_or(1),
            result,
            said,
        },
        None => failed(said),
    }
}

/// A target that did not give a result.
fn failed(message: String) -> Finished {
    Finished {
        exit_code: 1,
        result: json!({"event": "failed", "error": {"message": message, "help": null}}),
        said: String::new(),
    }
}

/// What a target's result says, in a few words.
fn summary(command: &str, r: &Finished) -> String {
    let v = &r.result;
    if v["event"] == "failed" {
        let message = v["error"]["message"].as_str().unwrap_or("failed");
        return format!("failed: {}", message.lines().next().unwrap_or(message));
    }
    let count = |key: &str| v[key].as_array().map_or(0, Vec::len);
    match command {
        "apply" => format!("applied {}", v["applied"].as_u64().unwrap_or(0)),
        "down" => format!("undone {}", count("undone")),
        "status" => {
            let pending = v["migrations"]
                .as_array()
                .map_or(0, |m| m.iter().filter(|e| e["state"] != "applied").count());
            if pending == 0 {
                "up to date".to_string()
            } else {
                format!("{pending} not applied")
            }
        }
        "check" => {
            let kinds: Vec<String> = v["findings"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|f| {
                            format!(
                                "{} {}",
                                f["kind"].as_str().unwrap_or(""),
                                f["items"].as_array().map_or(0, Vec::len)
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if kinds.is_empty() {
                "clean".to_string()
            } else {
                kinds.join(", ")
            }
        }
        _ => String::new(),
    }
}

/// A line per target as it finishes; a failure's report below it.
fn print_progress(command: &str, target: &Target, r: &Finished) {
    let (style, mark) = if r.exit_code == 0 {
        (OK, "✓")
    } else {
        (BAD, "✗")
    };
    let mut text = format!("{}  {}", target.masked, summary(command, r));
    if r.result["event"] == "failed" && !r.said.is_empty() {
        for line in r.said.lines() {
            text.push_str(&format!("\n    {line}"));
        }
    }
    report::eline(style, mark, &text);
}

/// The counts of the summary table for one target: migrations applied (or
/// undone), not applied, drift items; `None` where the command does not say.
fn counts(command: &str, v: &Value) -> [Option<usize>; 3] {
    let items = |kind: &str| {
        v["findings"].as_array().map(|f| {
            f.iter()
                .filter(|f| f["kind"] == kind)
                .map(|f| f["items"].as_array().map_or(0, Vec::len))
                .sum()
        })
    };
    let states = |applied: bool| {
        v["migrations"].as_array().map(|m| {
            m.iter()
                .filter(|e| (e["state"] == "applied") == applied)
                .count()
        })
    };
    if v["event"] == "failed" {
        return [None; 3];
    }
    match command {
        "apply" => [
            v["applied"].as_u64().and_then(|n| usize::try_from(n).ok()),
            None,
            None,
        ],
        "down" => [v["undone"].as_array().map(Vec::len), None, None],
        "status" => [states(true), states(false), None],
        "check" => [None, items("pending"), items("drift")],
        _ => [None; 3],
    }
}

/// The table at the end: a row per target with what it applied (undone, for
/// `down`), what is not applied, its drift, and whether it failed.
fn print_summary(command: &str, targets: &[Target], results: &[Finished]) {
    let width = targets.iter().map(|t| t.masked.len()).max().unwrap_or(0);
    let first = if command == "down" {
        "undone"
    } else {
        "applied"
    };
    anstream::println!("\n{:<width$}  {first:>7}  pending  drift  result", "target");
    let cell = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
    for (t, r) in targets.iter().zip(results) {
        let style = if r.exit_code == 0 { OK } else { BAD };
        let [applied, pending, drift] = counts(command, &r.result);
        let result = summary(command, r);
        anstream::println!(
            "{:<width$}  {:>7}  {:>7}  {:>5}  {style}{result}{style:#}",
            t.masked,
            cell(applied),
            cell(pending),
            cell(drift),
        );
    }
    let failed = results.iter().filter(|r| r.exit_code != 0).count();
    if failed == 0 {
        report::line(OK, "✓", &format!("all {} ended clean", targets.len()));
    } else {
        report::line(
            WARN,
            &format!("{failed} of {}", targets.len()),
            "did not end clean; run the same command again to go on with them (the others have nothing left to do)",
        );
    }
}
