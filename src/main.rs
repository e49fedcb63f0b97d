//! The `db-migrate` command line: parse arguments, load configuration, run
//! one command, map the result to an exit code (0 ok, 1 finding or failure,
//! 2 usage or configuration error).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

/// A faster allocator than the system's for the many small allocations of large schemas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use db_migrate::commands::{
    self, Failure, Outcome,
    apply::ApplyArgs,
    baseline::BaselineArgs,
    diff::{DiffArgs, Source},
    down::DownArgs,
    fleet::FleetArgs,
    generate::GenerateArgs,
    import::ImportArgs,
    lint::LintArgs,
    pr_report::ReportArgs,
    pull::PullArgs,
    push::PushArgs,
    rebase::RebaseArgs,
};
use db_migrate::config::{Config, Overrides, SchemaLoader};
use db_migrate::source::drizzle::Casing;

const AFTER_HELP: &str = "\
Examples:
  db-migrate generate add_last_login_timestamp   write migrations/<timestamp>_add_last_login_timestamp/
  db-migrate apply                               run pending migrations against DATABASE_URL
  db-migrate status                              list applied and pending migrations
  db-migrate check                               fail if the schema, migrations and database disagree
  db-migrate push                                (development) make the database match the schema

The database URL comes from --database-url, else DATABASE_URL, else .env in the
project folder, else database_url in db-migrate.toml, else dbCredentials in
drizzle.config.*. postgres://... and sqlite:<path>. Without db-migrate.toml
settings, the schema path and casing come from drizzle.config.* too.
Exit codes: 0 ok, 1 something found (pending, drift, failure, refusal), 2 usage or configuration error.";

/// Schema migrations for Drizzle ORM projects: generate, apply, status, check, push.
#[derive(Parser, Debug)]
#[command(name = "db-migrate", version, about, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Project, database and output (every command)")]
struct Global {
    /// Run as if started in <DIR> (the project folder)
    #[arg(short = 'C', value_name = "DIR", global = true)]
    project_dir: Option<PathBuf>,
    /// Drizzle schema file, folder or glob [default: shared/schema.ts]
    #[arg(long, value_name = "PATH|GLOB", global = true)]
    schema: Option<String>,
    /// Migrations folder [default: migrations]
    #[arg(long, value_name = "DIR", global = true)]
    migrations: Option<PathBuf>,
    /// Database URL (postgres://... or sqlite:<path>) [default: $DATABASE_URL]
    #[arg(long, value_name = "URL", global = true)]
    database_url: Option<String>,
    /// History table, `name` or `schema.name` [default: db_migrate_history]
    #[arg(long, value_name = "TABLE", global = true)]
    history_table: Option<String>,
    /// How to read the schema: statically, or with the project's Node and drizzle-kit [default: static]
    #[arg(long, value_enum, value_name = "LOADER", global = true)]
    loader: Option<SchemaLoader>,
    /// text; github: also GitHub Actions annotations for lint, check and status; markdown: report's
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        global = true,
        default_value = "text"
    )]
    format: OutputFormat,
    /// Run in this PostgreSQL schema as if it were `public` (schema per tenant):
    /// `public` in migrations means it, and the history table is in it
    #[arg(long, value_name = "SCHEMA", global = true)]
    tenant_schema: Option<String>,
    /// Leave migrations/applied/ alone (the history table is the record;
    /// runs on many databases pass it)
    #[arg(long, global = true)]
    no_journal: bool,
    /// Machine-readable output: stdout holds only JSON and ends with one
    /// {"event":"done"|"failed",...} object; human output goes to stderr
    #[arg(long, global = true)]
    json: bool,
}

/// Running a command on many databases.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Many databases")]
struct Fleet {
    /// Run on every database listed in FILE (one URL or env:VAR per line)
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Run on every database URL this SQL returns from DATABASE_URL
    #[arg(long, value_name = "SQL", conflicts_with = "targets")]
    targets_query: Option<String>,
    /// Run on every schema of DATABASE_URL whose name is LIKE PATTERN, each as --tenant-schema
    #[arg(long, value_name = "PATTERN", conflicts_with_all = ["targets", "targets_query"])]
    each_schema: Option<String>,
    /// Databases (or schemas) at once, with --targets, --targets-query or --each-schema
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    parallel: u64,
}

impl Fleet {
    fn args(&self) -> FleetArgs {
        FleetArgs {
            targets: self.targets.clone(),
            targets_query: self.targets_query.clone(),
            each_schema: self.each_schema.clone(),
            parallel: usize::try_from(self.parallel).unwrap_or(4),
        }
    }
}

/// The command line without the fleet flags, `--database-url` and `--json`,
/// for the run on each target.
fn per_target_args() -> Vec<String> {
    let with_value = [
        "--targets",
        "--targets-query",
        "--each-schema",
        "--tenant-schema",
        "--parallel",
        "--database-url",
    ];
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if with_value.contains(&a.as_str()) {
            args.next();
        } else if a == "--json"
            || with_value
                .iter()
                .any(|flag| a.starts_with(&format!("{flag}=")))
        {
        } else {
            out.push(a);
        }
    }
    out
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a migration for the schema changes since the last one
    #[command(after_help = "\
Examples:
  db-migrate generate add_last_login_timestamp
  db-migrate generate rename_name --rename users.full_name=users.display_name
  db-migrate generate backfill_emails --empty      a hand-written migration

Writes migrations/<UTC YYYYMMDDHHMMSS>_<name>/migration.sql and meta.json.
Prints \"No schema changes\" and writes nothing when the schema did not change.
Every migration is linted; findings are printed, kept in meta.json and written
as comments above their statements.

When the changes cannot share one transaction the migration is split:
<name>, then <name>_2, <name>_3... (ids one second apart, each with the
snapshot of the schema after it). A new enum value is committed before
anything uses it; CREATE INDEX CONCURRENTLY goes last, in a migration
marked `-- db-migrate: no-transaction`.

A removed and an added schema, table, column, enum, enum value, sequence or
view is never guessed to be a rename: on a terminal you are asked; otherwise
it exits 1, writes nothing, and prints the --rename OLD=NEW (or --create NEW)
to pass.")]
    Generate {
        /// Migration name: lowercase letters, digits and _
        name: String,
        /// Write an empty migration.sql to fill in by hand
        #[arg(long)]
        empty: bool,
        #[command(flatten)]
        decisions: Decisions,
    },
    /// Run pending migrations in order, each in its own transaction
    #[command(after_help = "\
Examples:
  DATABASE_URL=postgres://app:secret@db:5432/app db-migrate apply
  db-migrate apply --database-url sqlite:dev.db

Takes a lock so concurrent deploys apply each migration once, refuses to run
when an applied migration was edited or a pending one has a lint error no
`-- db-migrate: allow <rule>` comment allows (checked with the live tables'
row counts; --allow-lint-errors overrides), records each migration in the history
table and in migrations/applied/<id>.json. A failing migration is rolled back
and reported with its file, line and the server's message (exit 1).

On many databases (a database per tenant):
  db-migrate apply --targets tenants.txt --parallel 8
  db-migrate apply --targets-query \"SELECT url FROM tenants\"
tenants.txt holds one URL per line (or env:VAR; # comments). Each database
runs in its own process under its own lock; one failing stops only that one,
the summary names it, and the same command run again goes on with it.")]
    Apply {
        /// Run even though applied migrations were edited (they are not re-run)
        #[arg(long)]
        allow_edited: bool,
        /// Run pending migrations older than the newest applied one
        #[arg(long)]
        allow_out_of_order: bool,
        /// Run migrations with lint errors (data loss, failures on existing rows) that no allow comment allows
        #[arg(long)]
        allow_lint_errors: bool,
        /// Seconds to wait for another run's lock [default: 60]
        #[arg(long, value_name = "SECONDS")]
        lock_timeout: Option<u64>,
        /// Print the SQL that would run, per migration; change nothing
        #[arg(long)]
        dry_run: bool,
        /// Stop after this migration (id or name)
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// How runs exclude each other: advisory (PostgreSQL session lock) or table (a lease, for connection poolers)
        #[arg(long, value_name = "MODE")]
        lock: Option<String>,
        /// PostgreSQL lock_timeout for each statement, in seconds; 0 = wait forever [default: 5]
        #[arg(long, value_name = "SECONDS")]
        ddl_lock_timeout: Option<f64>,
        /// PostgreSQL statement_timeout for each statement, in seconds [default: 0 = none]
        #[arg(long, value_name = "SECONDS")]
        statement_timeout: Option<f64>,
        /// Retries of a migration whose statement timed out waiting for a lock [default: 3]
        #[arg(long, value_name = "N")]
        lock_retries: Option<u32>,
        /// Leave lock_timeout and statement_timeout as the server or role sets them
        #[arg(long)]
        no_timeouts: bool,
        #[command(flatten)]
        fleet: Fleet,
    },
    /// Undo applied migrations, newest first, with their down.sql
    #[command(after_help = "\
Examples:
  db-migrate down                      undo the newest applied migration
  db-migrate down --steps 3
  db-migrate down --to 20250521213000_add_orders   undo everything after it
  db-migrate down --dry-run            print the down.sql that would run

generate writes down.sql beside each migration.sql: the way back to the
schema before it. down runs it under the run lock, in one transaction with
the deletion of the migration's history row, then removes
migrations/applied/<id>.json; `db-migrate apply` runs the migration again.
Nothing runs when the database has drifted from what its migrations built,
when a migration has no down.sql (write one for a hand-written migration),
or when down.sql is marked `-- db-migrate: irreversible` (it drops a table or
column, narrows a type or removes an enum label: the structure comes back,
the data does not) unless --force. A failing down.sql is rolled back and
reported with its line and the server's message (exit 1).")]
    Down {
        /// Undo this many of the newest applied migrations [default: 1]
        #[arg(long, value_name = "N", conflicts_with = "to", value_parser = clap::value_parser!(u64).range(1..))]
        steps: Option<u64>,
        /// Undo every applied migration after this one (id or name); it stays applied
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// Print the down.sql that would run; change nothing
        #[arg(long)]
        dry_run: bool,
        /// Undo migrations whose down.sql cannot give data back
        #[arg(long)]
        force: bool,
        /// Seconds to wait for another run's lock [default: 60]
        #[arg(long, value_name = "SECONDS")]
        lock_timeout: Option<u64>,
        /// PostgreSQL lock_timeout for each statement, in seconds; 0 = wait forever [default: 5]
        #[arg(long, value_name = "SECONDS")]
        ddl_lock_timeout: Option<f64>,
        #[command(flatten)]
        fleet: Fleet,
    },
    /// Regenerate the newest migration on top of another branch's
    #[command(after_help = "\
Examples:
  git merge feature-b && db-migrate rebase
  db-migrate rebase --rename users.name=users.full_name

When two branches each generated a migration from the same parent, the later
one's snapshot lacks the other branch's changes (`status` and `check` report
the fork). rebase deletes the newest migration and generates it again, with
the same name and a new id, on top of the one before it, from the schema as
it is now.")]
    Rebase {
        /// Rebase even though its migration.sql was edited after generating
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        decisions: Decisions,
    },
    /// Move a drizzle-kit project over: its migrations folder becomes db-migrate's
    #[command(after_help = "\
Examples:
  db-migrate import drizzle-kit                  from drizzle.config's `out` (default drizzle/)
  db-migrate import drizzle-kit --from db/drizzle --dry-run

Writes migrations/<id>/migration.sql (drizzle-kit's SQL, byte for byte) and
meta.json (with the schema drizzle-kit's snapshot recorded after it) for
each journal entry; ids come from the journal's `when`. drizzle-kit's folder
is left as it is. The next `apply` finds what drizzle-kit's migrator applied
(its __drizzle_migrations table) and records it as applied without running
it; `status` shows those as applied (drizzle-kit).
Exit 1 when the schema has changes drizzle-kit never generated (then run
`db-migrate generate <name>`).")]
    Import {
        /// What to import from (only drizzle-kit's 0.x folder layout)
        #[arg(value_enum)]
        tool: ImportTool,
        /// drizzle-kit's migrations folder [default: drizzle.config's `out`, else drizzle]
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        /// Print what would be written; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Write even though the migrations folder already has migrations
        #[arg(long)]
        force: bool,
    },
    /// Write a Drizzle schema (TypeScript) from the live database
    #[command(after_help = "\
Examples:
  db-migrate pull                          writes shared/schema.ts (or the configured schema file)
  db-migrate pull --out src/db/schema.ts
  db-migrate pull && db-migrate generate init && db-migrate baseline init

Inspects the database (PostgreSQL: `public` and drizzle.config's schemaFilter;
SQLite: the file) and writes one TypeScript module: tables, columns, defaults,
identity and generated columns, keys, foreign keys, checks, indexes, enums,
sequences, schemas, views and policies. It reads the file back at once and
exits 1 naming anything that does not survive the round trip. Never
overwrites a file without --force.")]
    Pull {
        /// The file to write [default: the configured schema file, else shared/schema.ts]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Overwrite the file if it exists
        #[arg(long)]
        force: bool,
        /// Leave out column names that drizzle's casing derives from the keys
        #[arg(long, value_enum, value_name = "CASING")]
        casing: Option<PullCasing>,
    },
    /// Write a Markdown report for a pull request: migrations added, lint findings, check
    #[command(after_help = "\
Examples:
  db-migrate report --base origin/main > report.md     migrations not on main count as added
  DATABASE_URL=... db-migrate report                   pending migrations count as added; drift checked

Markdown (--format markdown) with the added migrations' SQL folded, their lint
findings by severity with the safe alternative, and check's findings. It is
deterministic and stays under 65,000 characters (GitHub's comment size). Its
first line is a hidden marker the GitHub Action uses to edit its comment.
Exit 1 when there is a lint error or a check finding.")]
    Report {
        /// The pull request's base as a git ref: migrations not in it are the added ones
        #[arg(long, value_name = "REF")]
        base: Option<String>,
    },
    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  db-migrate completions bash > ~/.local/share/bash-completion/completions/db-migrate
  db-migrate completions zsh > ~/.zfunc/_db-migrate
  db-migrate completions fish > ~/.config/fish/completions/db-migrate.fish
  db-migrate completions powershell >> $PROFILE")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff)
    #[command(after_help = "\
Examples:
  db-migrate man > /usr/local/share/man/man1/db-migrate.1 && man db-migrate")]
    Man,
    /// Record migrations as applied without running them (existing databases)
    #[command(after_help = "\
Examples:
  db-migrate baseline 20250521213000_init      the database already has this schema
  db-migrate baseline init --force             record even if the schema differs

Records every migration up to the given one in the history table without
running it, after checking that the live database has the schema those
migrations build (the snapshot in their meta.json). Later migrations are
then applied normally by `db-migrate apply`.")]
    Baseline {
        /// The newest migration the database already contains (id or name)
        to: String,
        /// Record them even when the database does not match
        #[arg(long)]
        force: bool,
    },
    /// Show which migrations are applied, pending, edited or missing
    #[command(after_help = "\
Examples:
  db-migrate status
  db-migrate status --json

Exit 0 when every migration is applied and unchanged, else 1.")]
    Status {
        #[command(flatten)]
        fleet: Fleet,
    },
    /// Check for ungenerated schema changes, pending migrations and drift
    #[command(after_help = "\
Examples:
  db-migrate check                       in CI: fails when someone forgot to generate
  DATABASE_URL=... db-migrate check      also: pending migrations and drift

Without a database URL only the schema is compared with the migrations.
Exit 0 when nothing is found, else 1.")]
    Check {
        #[command(flatten)]
        fleet: Fleet,
    },
    /// Check migrations for data loss, long locks and other hazards
    #[command(after_help = "\
Examples:
  db-migrate lint                                  pending migrations (or all, without a database)
  db-migrate lint 20250521213000_add_index         one migration, by id or name
  db-migrate lint migrations/hand_written.sql --pg-version 15

Each finding names the rule, the statement's line and the safe alternative.
Silence one on purpose with a comment above the statement:
  -- db-migrate: allow index-not-concurrent
With a database URL the rules use its PostgreSQL version and table sizes
(empty tables cannot be locked for long). Exit 1 on any error finding.")]
    Lint {
        /// Migration ids or names, migration folders or .sql files
        targets: Vec<String>,
        /// PostgreSQL version to assume, e.g. 15 (default: the database's, else 12)
        #[arg(long, value_name = "VERSION")]
        pg_version: Option<u32>,
    },
    /// Print the SQL that turns one schema into another
    #[command(after_help = "\
Examples:
  db-migrate diff --from migrations --to schema     what the next generate would write
  db-migrate diff --from db --to schema             what push would run
  db-migrate diff --from db --to migrations         drift of the live database
  db-migrate diff --from empty --to schema > schema.sql

Sources: schema (the Drizzle files), migrations (the newest snapshot), db (the
live database at DATABASE_URL), empty. Exit 0 when equal, 1 when they differ.")]
    Diff {
        /// Starting point
        #[arg(long, value_enum)]
        from: Source,
        /// Target
        #[arg(long, value_enum)]
        to: Source,
        #[command(flatten)]
        decisions: Decisions,
    },
    /// (Development) make the database match the schema directly
    #[command(after_help = "\
Examples:
  db-migrate push
  db-migrate push --dry-run
  db-migrate push --force        also drop tables and columns

Prints the statements and runs them in one transaction. Refuses, without
--force, what apply's lint gate refuses on the rows there are: data loss (a
dropped table or column with rows, a narrowing type change), a NOT NULL column
without a default on a table with rows (exit 1, nothing changed). Use
migrations for staging and production.")]
    Push {
        /// Apply changes that discard data
        #[arg(long)]
        force: bool,
        /// Print the statements without running them
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        decisions: Decisions,
    },
}

/// How removed and added entities pair up (generate, rebase, push, diff).
#[derive(Args, Debug, Clone)]
struct Decisions {
    /// A rename OLD=NEW: schemas by name; tables, views, enums and sequences as [schema.]name; columns as [schema.]table.column; enum values as [schema.]enum.value (repeatable)
    #[arg(long, value_name = "OLD=NEW")]
    rename: Vec<String>,
    /// An added entity that is new, not a rename, named as in --rename (repeatable)
    #[arg(long, value_name = "NAME")]
    create: Vec<String>,
}

/// How findings are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    /// For people.
    Text,
    /// Also GitHub Actions workflow annotations (`::error file=...,line=...::...`).
    Github,
    /// Markdown (what `report` writes).
    Markdown,
}

/// The casings `pull --casing` writes for.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum PullCasing {
    /// `createdAt` → `created_at`
    #[value(name = "snake_case")]
    SnakeCase,
    /// `created_at` → `createdAt`
    #[value(name = "camelCase")]
    CamelCase,
}

/// Tools `import` reads.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ImportTool {
    /// drizzle-kit's migrations folder (meta/_journal.json, NNNN_tag.sql, meta/NNNN_snapshot.json)
    DrizzleKit,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if !e.use_stderr() {
                return ExitCode::SUCCESS;
            }
            let args: Vec<String> = std::env::args().skip(1).collect();
            if args.iter().any(|a| a == "--json") {
                let command = args.iter().find(|a| COMMANDS.contains(&a.as_str()));
                let object = serde_json::json!({
                    "event": "failed",
                    "command": command,
                    "exit_code": 2,
                    "error": {
                        "message": e.kind().to_string(),
                        "help": "see `db-migrate --help`",
                    },
                });
                println!("{object}");
            }
            return ExitCode::from(2);
        }
    };
    match &cli.command {
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "db-migrate", &mut text);
            return print_generated(&text);
        }
        Command::Man => {
            let mut text = Vec::new();
            if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut text) {
                eprintln!("db-migrate: could not render the manual page: {e}");
                return ExitCode::from(1);
            }
            return print_generated(&text);
        }
        _ => {}
    }
    let mut overrides = Overrides::default();
    if let Command::Apply {
        lock_timeout,
        lock,
        ddl_lock_timeout,
        statement_timeout,
        lock_retries,
        no_timeouts,
        ..
    } = &cli.command
    {
        overrides.lock_timeout = *lock_timeout;
        overrides.lock_mode = lock.clone();
        overrides.ddl_lock_timeout = *ddl_lock_timeout;
        overrides.statement_timeout = *statement_timeout;
        overrides.lock_retries = *lock_retries;
        overrides.no_timeouts = *no_timeouts;
    }
    if let Command::Down {
        lock_timeout,
        ddl_lock_timeout,
        ..
    } = &cli.command
    {
        overrides.lock_timeout = *lock_timeout;
        overrides.ddl_lock_timeout = *ddl_lock_timeout;
    }
    let overrides = Overrides {
        project_dir: cli.global.project_dir,
        schema: cli.global.schema,
        migrations: cli.global.migrations,
        database_url: cli.global.database_url,
        history_table: cli.global.history_table,
        loader: cli.global.loader,
        tenant_schema: cli.global.tenant_schema,
        no_journal: cli.global.no_journal,
        ..overrides
    };
    let command = cli.command.name();
    if cli.global.json {
        db_migrate::report::reserve_stdout_for_json();
    }
    if cli.global.format == OutputFormat::Github {
        db_migrate::report::annotate_for_github();
    }
    let config = match Config::load(&overrides) {
        Ok(c) => c,
        Err(e) => return report(Failure::usage(e), command),
    };
    let fleet = match &cli.command {
        Command::Apply { fleet, .. }
        | Command::Down { fleet, .. }
        | Command::Status { fleet }
        | Command::Check { fleet } => Some(fleet.args()),
        _ => None,
    };
    if let Some(fleet) = fleet.filter(FleetArgs::given) {
        let result = commands::fleet::run(&config, command, &per_target_args(), &fleet);
        return match result {
            Ok(outcome) => ExitCode::from(commands::exit_code(outcome)),
            Err(failure) => report(failure, command),
        };
    }
    let result = match cli.command {
        Command::Generate {
            name,
            empty,
            decisions: Decisions { rename, create },
        } => commands::generate::run(
            &config,
            &GenerateArgs {
                name,
                empty,
                renames: rename,
                created: create,
            },
        ),
        Command::Apply {
            allow_edited,
            allow_out_of_order,
            allow_lint_errors,
            dry_run,
            to,
            ..
        } => commands::apply::run(
            &config,
            &ApplyArgs {
                allow_edited,
                allow_out_of_order,
                dry_run,
                to,
                allow_lint_errors,
            },
        ),
        Command::Down {
            steps,
            to,
            dry_run,
            force,
            ..
        } => commands::down::run(
            &config,
            &DownArgs {
                steps: steps.and_then(|n| usize::try_from(n).ok()),
                to,
                dry_run,
                force,
            },
        ),
        Command::Rebase {
            force,
            decisions: Decisions { rename, create },
        } => commands::rebase::run(
            &config,
            &RebaseArgs {
                force,
                renames: rename,
                created: create,
            },
        ),
        Command::Import {
            tool: ImportTool::DrizzleKit,
            from,
            dry_run,
            force,
        } => commands::import::run(
            &config,
            &ImportArgs {
                from,
                dry_run,
                force,
            },
        ),
        Command::Report { base } => commands::pr_report::run(&config, &ReportArgs { base }),
        Command::Completions { .. } | Command::Man => Ok(Outcome::Clean),
        Command::Pull { out, force, casing } => commands::pull::run(
            &config,
            &PullArgs {
                out,
                force,
                casing: match casing {
                    Some(PullCasing::SnakeCase) => Casing::SnakeCase,
                    Some(PullCasing::CamelCase) => Casing::CamelCase,
                    None => Casing::Preserve,
                },
            },
        ),
        Command::Baseline { to, force } => {
            commands::baseline::run(&config, &BaselineArgs { to, force })
        }
        Command::Status { .. } => commands::status::run(&config),
        Command::Check { .. } => commands::check::run(&config),
        Command::Lint {
            targets,
            pg_version,
        } => commands::lint::run(
            &config,
            &LintArgs {
                targets,
                pg_version,
            },
        ),
        Command::Diff {
            from,
            to,
            decisions: Decisions { rename, create },
        } => commands::diff::run(
            &config,
            &DiffArgs {
                from,
                to,
                renames: rename,
                created: create,
            },
        ),
        Command::Push {
            force,
            dry_run,
            decisions: Decisions { rename, create },
        } => commands::push::run(
            &config,
            &PushArgs {
                force,
                dry_run,
                renames: rename,
                created: create,
            },
        ),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(f) => report(f, command),
    }
}

/// Every subcommand's name, as [`Command::name`] gives it.
const COMMANDS: [&str; 14] = [
    "generate",
    "apply",
    "down",
    "rebase",
    "import",
    "pull",
    "baseline",
    "status",
    "check",
    "lint",
    "diff",
    "push",
    "completions",
    "man",
];

impl Command {
    /// The subcommand's name, as typed.
    fn name(&self) -> &'static str {
        match self {
            Command::Generate { .. } => "generate",
            Command::Apply { .. } => "apply",
            Command::Down { .. } => "down",
            Command::Rebase { .. } => "rebase",
            Command::Import { .. } => "import",
            Command::Pull { .. } => "pull",
            Command::Report { .. } => "report",
            Command::Completions { .. } => "completions",
            Command::Man => "man",
            Command::Baseline { .. } => "baseline",
            Command::Status { .. } => "status",
            Command::Check { .. } => "check",
            Command::Lint { .. } => "lint",
            Command::Diff { .. } => "diff",
            Command::Push { .. } => "push",
        }
    }
}

/// Writes generated text to stdout; a closed pipe (`| head`) is not an error.
fn print_generated(text: &[u8]) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().write_all(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("db-migrate: could not write to stdout: {e}");
            ExitCode::from(1)
        }
    }
}

/// Prints a failure; with `--json`, also the final JSON object on stdout:
/// `{"event":"failed","command":...,"exit_code":N,"error":{"message":...,"help":...}}`.
fn report(failure: Failure, command: &str) -> ExitCode {
    anstream::eprintln!("{:?}", failure.report());
    if db_migrate::report::json() {
        let report = failure.report();
        let mut message = report.to_string();
        for related in report.related().into_iter().flatten() {
            message.push_str(&format!("\n{related}"));
        }
        let object = serde_json::json!({
            "event": "failed",
            "command": command,
            "exit_code": failure.exit_code(),
            "error": {
                "message": message,
                "help": report.help().map(|h| h.to_string()),
            },
        });
        println!("{object}");
    }
    ExitCode::from(failure.exit_code())
}
