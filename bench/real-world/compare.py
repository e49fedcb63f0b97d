#!/usr/bin/env python3
"""Real-world evaluation: db-migrate against drizzle-kit 0.31 on public Drizzle projects.

Usage
    python3 bench/real-world/compare.py [--relayout] [--bin PATH] [--dialect D] [NAME ...]

    NAME        projects to run (names from projects.tsv); all of them when omitted
    --dialect D only the projects of these dialects (comma-separated: postgresql,
                sqlite, turso, mysql), e.g. `--dialect mysql` for the MySQL subset
    --relayout  lay out the named projects anew from their GitHub snapshot (a
                project whose folder is missing is always laid out)
    --bin PATH  the db-migrate binary (default: $DB_MIGRATE_BIN, else
                $EVAL/bin/db-migrate, else target/release/db-migrate)
    --list      print the projects and exit
    --no-node-loader  when our static reader refuses a schema, the script also
                runs `db-migrate --loader node` (schema read through drizzle-kit's
                API, SQL still ours) to show whether the rest matches; this skips it

What it does, for each project of projects.tsv (one line per project: name,
GitHub repository, commit, folder of the drizzle.config inside the repository,
schema path(s), dialect, options, notes):

 1. drizzle-kit: `node $EVAL/node_modules/drizzle-kit/bin.cjs generate
    --config=drizzle.config.ts` in the project folder (clean environment,
    NO_COLOR=1, TSX_DISABLE_CACHE=1), then applies the SQL it wrote to a fresh
    PostgreSQL database with psql (ON_ERROR_STOP; statements are the chunks
    between `--> statement-breakpoint` markers, each sent as-is), to a fresh
    SQLite file with sqlite3, or (dialect mysql) to a fresh MySQL/MariaDB
    database, each chunk sent on its own with the `mariadb` client (`mysql` when
    there is no `mariadb`), stopping at the first that fails.
 2. db-migrate: copies the project to $EVAL/work/<name> (so node_modules
    still resolve through $EVAL/node_modules), runs `db-migrate generate init
    --migrations .dbm-migrations` and `db-migrate apply` against a second
    fresh database (--database-url postgres://... or sqlite:<file>; for mysql
    DATABASE_URL=mysql://<user>:<password>@<host>:<port>/<database> in the
    environment, which keeps the password off the command line).
 3. Compares the two databases. PostgreSQL: `pg_dump --schema-only --no-owner
    --no-privileges`, comments/SET lines/blank lines dropped, statements sorted,
    database names and our history table removed. SQLite: for each table (sorted)
    `pragma table_xinfo`, `index_list` + `index_info` (plus the SQL of
    expression/partial indexes), `foreign_key_list`, the CHECK clauses, and the
    normalized SQL of views and triggers. MySQL: for each table sorted by name
    `SHOW CREATE TABLE` with the `AUTO_INCREMENT=<n>` table option removed and its
    key and constraint lines in name order (MySQL lists them in the order they
    were made, which is not part of the table), then
    for each view `SHOW CREATE VIEW` with its DEFINER clause removed; the
    database's own name is replaced by <db>, and our history tables
    (db_migrate_history, db_migrate_lock, db_migrate_lease; drizzle-kit's
    __drizzle_migrations) are left out, as on the other dialects.
 4. Classifies: same | differs | ours-error (generate or apply refused) |
    ours-sql-rejected (our SQL failed to apply: apply reports a statement that
    failed, or a rollback; apply refusing before any SQL ran, e.g. a database URL it
    does not support, is ours-error) | ours-drift (`db-migrate check`
    right after apply finds drift) | kit-fails (drizzle-kit crashed
    or its SQL does not apply; the line says whether ours applies) | setup
    (harness problem). The detail of a failure of ours starts with the first
    line of db-migrate's stderr that reads as an error (else its first stderr
    line), which is what the one-line summary shows.

Where things are ($EVAL defaults to /work/eval; nothing is written in the repo)
    $EVAL/projects/<name>/   the laid-out project: the repository's code and config
                             files (.ts .tsx .js .mjs .cjs .json .yaml...) at the
                             pinned commit, read blob by blob from the snapshot,
                             node_modules/ with relative links to its workspace
                             packages, and drizzle.config.ts rewritten in <dir>
                             (out './.kit-out'; the original kept as *.orig)
    $EVAL/node_modules/      the shared npm pool, found by walking up; installed by
                             hand (packages the schemas import, found by running
                             drizzle-kit until no module is missing):
        npm install --prefix $EVAL --legacy-peer-deps drizzle-kit@0.31.11 \
          drizzle-orm@0.45.4 zod drizzle-zod drizzle-typebox drizzle-valibot valibot \
          @sinclair/typebox nanoid @paralleldrive/cuid2 uuid ulid ulidx @auth/core \
          @auth/drizzle-adapter next-auth @t3-oss/env-core @t3-oss/env-nextjs postgres pg \
          @neondatabase/serverless @libsql/client better-sqlite3 mysql2 typescript \
          @types/node dotenv ai effect elysia stripe dockerode @trpc/server toml \
          @faker-js/faker date-fns dayjs validator rambda jsonpath-plus filenamify \
          title-case tsee ofetch @corentinth/chisels fast-json-stable-stringify \
          rosetta-ai winston superjson ioredis @tanstack/query-core react react-dom \
          @mantine/core @mantine/hooks @js-temporal/polyfill@0.5.1 \
          tailwind-merge@3.7.3 uuidv7@1.2.1 oslo@1.2.1 @sindresorhus/slugify@2
    $EVAL/work/<name>/       the copy db-migrate runs in
    $EVAL/results/<name>/    kit.sql ours.sql kit.log ours.log kit.dump ours.dump
                             diff.txt status.json
    $EVAL/results/summary.md the table of every project's last status
    /work/.mirror/<owner>+<repo>/repo   the GitHub snapshots the layout reads ($MIRROR)

PostgreSQL: a throwaway cluster, reached through PGHOST (default /tmp),
PGPORT (default 55432) and PGUSER (default postgres); started with
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D $EVAL/pgdata -A trust -U postgres
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D $EVAL/pgdata \\
        -o "-p 55432 -k /tmp -c fsync=off" -l $EVAL/pg.log start
Databases are named k_<name> / o_<name> and dropped after each project; runs
take $EVAL/.compare.lock, so a second run waits for the first. Roles
are cluster-wide: every role that is not there when the script starts is dropped
before each side is applied, so both sides start from the same cluster.
A run with no postgresql project needs no PostgreSQL.

MySQL/MariaDB (dialect mysql): the server is $DB_MIGRATE_EVAL_MYSQL_URL,
    mysql://<user>:<password>@<host>:<port>   (no database; the port defaults to 3306)
a user that may create and drop databases. Running a mysql project without it
set stops the script with an error (the other dialects do not need it). The
databases are k_<name> / o_<name> (created with DEFAULT CHARACTER SET utf8mb4,
the server's default collation), dropped first and again after each project.
The script's MariaDB server is scripts/with-mariadb.sh, which exports
DB_MIGRATE_TEST_MYSQL_URL:
    scripts/with-mariadb.sh sh -c 'DB_MIGRATE_EVAL_MYSQL_URL=$DB_MIGRATE_TEST_MYSQL_URL \
        python3 bench/real-world/compare.py --dialect mysql'
or a server of your own (MariaDB 10.11 here; MySQL 8 works the same way):
    mariadb-install-db --user=mysql --datadir=$EVAL/mariadb/data \
        --auth-root-authentication-method=normal
    mariadbd --no-defaults --user=mysql --datadir=$EVAL/mariadb/data --port=53306 \
        --bind-address=127.0.0.1 --socket=/tmp/eval-mysqld.sock \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci &
    mariadb --no-defaults -S /tmp/eval-mysqld.sock -uroot -e "CREATE USER 'eval'@'127.0.0.1' \
        IDENTIFIED BY 'evalpw'; GRANT ALL ON *.* TO 'eval'@'127.0.0.1' WITH GRANT OPTION"
    DB_MIGRATE_EVAL_MYSQL_URL=mysql://eval:evalpw@127.0.0.1:53306 \
        python3 bench/real-world/compare.py --dialect mysql

Options column (`;`-separated): casing=snake_case, schemaFilter=a,b,
tablesFilter=a,b, roles=supabase|neon (drizzle.config entities.roles.provider),
ext=vector,postgis (created in both databases first), build=auto (bundle
src/index.ts of workspace packages that export only dist/ files, and
src/<x>.ts for each subpath export "./<x>" -> ./dist/<x>.(m|c)js, and each
src/<y>/**.ts of a pattern export "./<x>/*" -> ./dist/<y>/*.js, as their
build would), schemas=a,b (schemas the project creates outside drizzle-kit,
created in both databases first), stub=f(argtypes)->type|g()->setof uuid
(SQL functions the project defines in hand-written migrations, as stubs),
pre=supabase|supabase-roles|neon|timescale
(objects the schema expects to exist: auth schema/users/uid(), realtime.messages
and realtime.topic(), roles; same on
both sides), env=K=V,K=V (environment of both tools; drizzle-kit executes
the schema, and some modules validate process.env when imported),
include=path,path (only these paths of the repository are laid out).
"""
import argparse
import difflib
import fcntl
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EVAL = os.environ.get("EVAL", "/work/eval")
PROJECTS = os.path.join(EVAL, "projects")
WORK = os.path.join(EVAL, "work")
RESULTS = os.path.join(EVAL, "results")
POOL = os.path.join(EVAL, "node_modules")
MIRROR = os.environ.get("MIRROR", "/work/.mirror")
TSV = os.path.join(HERE, "projects.tsv")
NODE_LOADER = True
PGHOST = os.environ.get("PGHOST", "/tmp")
PGPORT = os.environ.get("PGPORT", "55432")
PGUSER = os.environ.get("PGUSER", "postgres")
MYSQL_URL = os.environ.get("DB_MIGRATE_EVAL_MYSQL_URL", "")
MYSQL = None  # (host, port, user, password, client) once a mysql project runs
KEEP_EXT = {".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx", ".json", ".yaml", ".yml"}
KIT_TIMEOUT = 300
OURS_TIMEOUT = 300

PRESETS = {
    # What a Supabase database has before any migration: the auth schema with
    # users, the helper functions, the API roles.
    "supabase": """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='anon') THEN CREATE ROLE anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='supabase_auth_admin') THEN CREATE ROLE supabase_auth_admin NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='postgres_role') THEN CREATE ROLE postgres_role NOLOGIN; END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (id uuid PRIMARY KEY, email text, raw_user_meta_data jsonb, created_at timestamptz);
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$ SELECT NULL::uuid $f$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $f$ SELECT NULL::text $f$;
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $f$ SELECT '{}'::jsonb $f$;
CREATE SCHEMA IF NOT EXISTS storage;
CREATE TABLE IF NOT EXISTS storage.objects (id uuid PRIMARY KEY, bucket_id text, name text, owner uuid);
CREATE TABLE IF NOT EXISTS storage.buckets (id text PRIMARY KEY, name text);
CREATE SCHEMA IF NOT EXISTS realtime;
CREATE TABLE IF NOT EXISTS realtime.messages (id bigserial PRIMARY KEY, topic text NOT NULL, extension text NOT NULL);
CREATE OR REPLACE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE AS $f$ SELECT NULL::text $f$;
CREATE SCHEMA IF NOT EXISTS extensions;
""",
    # Only Supabase's roles (for schemas that declare the auth tables themselves).
    "supabase-roles": """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='anon') THEN CREATE ROLE anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='supabase_auth_admin') THEN CREATE ROLE supabase_auth_admin NOLOGIN; END IF;
END $$;
""",
    # TimescaleDB's functions, as stubs (enough for views that call them).
    "timescale": """
CREATE OR REPLACE FUNCTION time_bucket(interval, timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $f$ SELECT $2 $f$;
CREATE OR REPLACE FUNCTION time_bucket(interval, timestamp) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $f$ SELECT $2 $f$;
CREATE OR REPLACE FUNCTION _ts_first_sfunc(anyelement, anyelement, timestamptz) RETURNS anyelement LANGUAGE sql IMMUTABLE AS $f$ SELECT coalesce($1, $2) $f$;
CREATE OR REPLACE AGGREGATE first(anyelement, timestamptz) (SFUNC = _ts_first_sfunc, STYPE = anyelement);
CREATE OR REPLACE AGGREGATE last(anyelement, timestamptz) (SFUNC = _ts_first_sfunc, STYPE = anyelement);
""",
    # Neon's RLS helpers (drizzle-orm/neon): roles and auth.user_id().
    "neon": """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='anonymous') THEN CREATE ROLE anonymous NOLOGIN; END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE OR REPLACE FUNCTION auth.user_id() RETURNS text LANGUAGE sql STABLE AS $f$ SELECT NULL::text $f$;
""",
}


# ---------------------------------------------------------------- projects.tsv

def load_projects():
    projects = []
    with open(TSV, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            cols += [""] * (8 - len(cols))
            name, repo, commit, folder, schema, dialect, options, notes = cols[:8]
            opts = {}
            for item in filter(None, (o.strip() for o in options.split(";"))):
                k, _, v = item.partition("=")
                opts[k.strip()] = v.strip()
            projects.append(dict(name=name, repo=repo, commit=commit, dir=folder or ".",
                                 schema=[s for s in schema.split("|") if s], dialect=dialect,
                                 opts=opts, notes=notes))
    return projects


def proj_root(p):
    return os.path.join(PROJECTS, p["name"])


def proj_dir(p, root=None):
    return os.path.normpath(os.path.join(root or proj_root(p), p["dir"]))


# ---------------------------------------------------------------- layout

def config_text(p):
    o = p["opts"]
    lines = ["import { defineConfig } from 'drizzle-kit';", "", "export default defineConfig({",
             "  out: './.kit-out',", f"  dialect: {json.dumps(p['dialect'])},",
             f"  schema: {json.dumps(p['schema'] if len(p['schema']) != 1 else p['schema'][0])},"]
    if o.get("casing"):
        lines.append(f"  casing: {json.dumps(o['casing'])},")
    for key in ("schemaFilter", "tablesFilter"):
        if o.get(key):
            lines.append(f"  {key}: {json.dumps(o[key].split(','))},")
    if o.get("roles"):
        lines.append(f"  entities: {{ roles: {{ provider: {json.dumps(o['roles'])} }} }},")
    lines.append("});")
    return "\n".join(lines) + "\n"


def layout(p):
    """Materializes the project from its GitHub snapshot; returns a problem or None."""
    gitdir = os.path.join(MIRROR, p["repo"].replace("/", "+"), "repo")
    if not os.path.isdir(gitdir):
        return f"no snapshot at {gitdir} (fetch github:{p['repo']})"
    dest = proj_root(p)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    include = [s for s in p["opts"].get("include", "").split(",") if s]
    # code and configuration files only, read blob by blob (snapshots lack big files)
    ls = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "-r", "-l", "-z", p["commit"], "--", *include],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if ls.returncode != 0:
        return "git ls-tree: " + ls.stderr.decode(errors="replace").strip()
    wanted = []
    for entry in ls.stdout.decode(errors="replace").split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, sha, size = meta.split()
        if kind != "blob" or mode == "120000" or "node_modules/" in path:
            continue
        if os.path.splitext(path)[1] not in KEEP_EXT or (size.isdigit() and int(size) > 4_500_000):
            continue
        wanted.append((sha, path))
    batch = subprocess.run(["git", "--git-dir", gitdir, "cat-file", "--batch"],
                           input="".join(sha + "\n" for sha, _ in wanted).encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data, pos = batch.stdout, 0
    for sha, path in wanted:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].decode().split()
        pos = nl + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data[pos:pos + size])
        pos += size + 1
    # the config, rewritten to a known form
    cdir = proj_dir(p)
    os.makedirs(cdir, exist_ok=True)
    for old in glob.glob(os.path.join(cdir, "drizzle.config.*")):
        os.rename(old, old + ".orig")
    with open(os.path.join(cdir, "drizzle.config.ts"), "w") as f:
        f.write(config_text(p))
    # workspace packages resolvable as node would: node_modules/<name> -> package
    for pkg in glob.glob(os.path.join(dest, "**", "package.json"), recursive=True):
        try:
            with open(pkg, encoding="utf-8") as f:
                name = json.load(f).get("name")
        except Exception:
            continue
        pdir = os.path.dirname(pkg)
        if not name or pdir == dest:
            continue
        link = os.path.join(dest, "node_modules", name)
        if os.path.lexists(link):
            continue
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(pdir, os.path.dirname(link)), link)
    if p["opts"].get("build") == "auto":
        problem = build_workspace_packages(dest)
        if problem:
            return problem
    return None


def _targets(pkg):
    """The files a package.json points `.` at: (path, format)."""
    out = []
    esm_default = pkg.get("type") == "module"

    def add(t, cond=None):
        if isinstance(t, str) and t.startswith("./") and re.search(r"\.(c|m)?js$", t):
            fmt = "esm" if t.endswith(".mjs") or (cond == "import") or (t.endswith(".js") and esm_default
                                                                          and cond != "require") else "cjs"
            out.append((t, fmt))
        elif isinstance(t, dict):
            for k, v in t.items():
                add(v, k if k in ("import", "require") else cond)

    exp = pkg.get("exports")
    if isinstance(exp, dict) and "." in exp:
        add(exp["."])
    elif isinstance(exp, (str, dict)) and not (isinstance(exp, dict) and any(k.startswith(".") for k in exp)):
        add(exp)
    add(pkg.get("main"))
    add(pkg.get("module"), "import")
    return out


def _subpath_targets(pkg, pdir):
    """Subpath exports ("./x": "./dist/x.mjs") whose source src/x.ts exists: (path, format, source).
    A pattern export ("./x/*": "./dist/y/*.js") stands for every src/y/**.ts (tests and .d.ts aside)."""
    out = []
    exp = pkg.get("exports")
    if not isinstance(exp, dict):
        return out
    for key, val in exp.items():
        if key in (".", "./package.json") or not key.startswith("./"):
            continue
        sub = dict(name=pkg.get("name"), type=pkg.get("type"), exports={".": val})
        if "*" in key:
            for target, fmt in _targets(sub):
                m = re.fullmatch(r"\./dist/([^*]*)\*(\.(?:c|m)?js)", target)
                base = m and os.path.join(pdir, "src", m.group(1))
                if not m or not os.path.isdir(base):
                    continue
                for f in sorted(glob.glob(os.path.join(base, "**", "*.ts*"), recursive=True)):
                    rel = os.path.relpath(f, base)
                    if not re.search(r"\.tsx?$", rel) or re.search(r"\.(d|test|spec)\.tsx?$", rel):
                        continue
                    stem = re.sub(r"\.tsx?$", "", rel)
                    out.append((f"./dist/{m.group(1)}{stem}{m.group(2)}", fmt, os.path.relpath(f, pdir)))
            continue
        for target, fmt in _targets(sub):
            m = re.fullmatch(r"\./dist/(.+?)\.(?:c|m)?js", target)
            if not m:
                continue
            src = next((f"src/{m.group(1)}{e}" for e in (".ts", ".tsx", "/index.ts")
                        if os.path.exists(os.path.join(pdir, f"src/{m.group(1)}{e}"))), None)
            if src:
                out.append((target, fmt, src))
    return out


def build_workspace_packages(dest):
    """What the project's own `build` does for workspace packages that only
    export dist/ files: bundle src/index.ts to each missing target, and the
    source of each subpath export (npm dependencies left external)."""
    esbuild = os.path.join(POOL, ".bin", "esbuild")
    for pj in glob.glob(os.path.join(dest, "**", "package.json"), recursive=True):
        if "/node_modules/" in pj:
            continue
        pdir = os.path.dirname(pj)
        entry = next((e for e in ("src/index.ts", "src/index.tsx", "index.ts") if os.path.exists(os.path.join(pdir, e))), None)
        try:
            pkg = json.load(open(pj, encoding="utf-8"))
        except Exception:
            continue
        if not entry and not _subpath_targets(pkg, pdir):
            continue
        for target, fmt, src in [(t, f, entry) for t, f in (_targets(pkg) if entry else [])] + _subpath_targets(pkg, pdir):
            out = os.path.normpath(os.path.join(pdir, target))
            if os.path.exists(out):
                continue
            code, log, _ = run([esbuild, src, "--bundle", "--platform=node", f"--format={fmt}",
                                "--packages=external", f"--outfile={out}", "--log-level=error"], cwd=pdir)
            if code:
                return f"building {os.path.relpath(pdir, dest)}: {log[:500]}"
    return None


# ---------------------------------------------------------------- helpers

def run(cmd, cwd=None, env=None, timeout=None, input=None):
    t0 = time.time()
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=None if input else subprocess.DEVNULL)
        out = r.stdout.decode(errors="replace")
        code = r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + f"\n[timed out after {timeout}s]"
        code = -1
    return code, out, time.time() - t0


def run_split(cmd, cwd=None, env=None, timeout=None):
    """run(), with stderr kept apart: (code, stdout + stderr, stderr, seconds)."""
    t0 = time.time()
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err, code = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"), r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace") + f"\n[timed out after {timeout}s]"
        code = -1
    both = out + ("\n" if out and not out.endswith("\n") and err else "") + err
    return code, both, err, time.time() - t0


def clean_env(extra=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
           "PGOPTIONS": "-c client_min_messages=warning",
           "NO_COLOR": "1", "TSX_DISABLE_CACHE": "1", "LANG": "C.UTF-8"}
    env.update(extra or {})
    return env


def psql(sql, db="postgres", file=None):
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-d", db]
    cmd += ["-f", file] if file else ["-c", sql]
    return run(cmd, env=clean_env())


def db_name(prefix, p):
    return (prefix + "_" + re.sub(r"[^a-z0-9_]", "_", p["name"].lower()))[:60]


BASE_ROLES = None


def roles_now():
    code, out, _ = run(["psql", "-X", "-At", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-d", "postgres",
                        "-c", "select rolname from pg_roles"], env=clean_env())
    if code != 0:
        raise SystemExit("PostgreSQL not reachable: " + out)
    return set(out.split())


def reset_db(db):
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def drop_new_roles():
    for r in sorted(roles_now() - BASE_ROLES):
        psql(f'DROP ROLE IF EXISTS "{r}"')


def prepare_db(p, db):
    """Fresh database with the project's extensions and presets; returns an error or None."""
    reset_db(db)
    drop_new_roles()
    code, out, _ = psql(f'CREATE DATABASE "{db}"')
    if code:
        return out
    for ext in filter(None, p["opts"].get("ext", "").split(",")):
        code, out, _ = psql(f'CREATE EXTENSION IF NOT EXISTS "{ext}"', db)
        if code:
            return f"extension {ext}: {out}"
    for schema in filter(None, p["opts"].get("schemas", "").split(",")):
        code, out, _ = psql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"', db)
        if code:
            return f"schema {schema}: {out}"
    for stub in filter(None, p["opts"].get("stub", "").split("|")):
        m = re.fullmatch(r"([\w.]+)\(([^)]*)\)->(.+)", stub.strip())
        ret = m.group(3)
        body = f"SELECT NULL::{ret[6:]} WHERE false" if ret.startswith("setof ") else f"SELECT NULL::{ret}"
        code, out, _ = psql(f"CREATE OR REPLACE FUNCTION {m.group(1)}({m.group(2)}) RETURNS {ret} "
                            f"LANGUAGE sql IMMUTABLE AS $f$ {body} $f$", db)
        if code:
            return f"stub {stub}: {out}"
    for pre in filter(None, p["opts"].get("pre", "").split(",")):
        code, out, _ = psql(PRESETS[pre], db)
        if code:
            return f"preset {pre}: {out}"
    return None


def split_breakpoints(sql):
    return [s.strip() for s in sql.split("--> statement-breakpoint") if s.strip()]


def apply_pg(p, db, sql, path):
    """Each chunk between breakpoints sent on its own, stopping at the first error."""
    chunks = split_breakpoints(sql)
    with open(path, "w") as f:
        for c in chunks:
            f.write(c.rstrip().rstrip(";") + ";\n")
    code, out, _ = psql(None, db, file=path)
    return None if code == 0 else out.strip()


def apply_sqlite(dbfile, sql):
    if os.path.exists(dbfile):
        os.remove(dbfile)
    for i, c in enumerate(split_breakpoints(sql)):
        code, out, _ = run(["sqlite3", "-bail", dbfile], input=c.encode())
        if code != 0 or "Error" in out:
            return f"statement {i + 1}: {out.strip()}\n{c}"
    return None


# ---------------------------------------------------------------- MySQL / MariaDB

def mysql_server():
    """The server of $DB_MIGRATE_EVAL_MYSQL_URL: (host, port, user, password, client)."""
    if not MYSQL_URL:
        raise SystemExit("dialect mysql needs a MySQL/MariaDB server: set DB_MIGRATE_EVAL_MYSQL_URL="
                         "mysql://<user>:<password>@<host>:<port> (a user that may create and drop "
                         "databases), e.g. scripts/with-mariadb.sh sh -c 'DB_MIGRATE_EVAL_MYSQL_URL="
                         "$DB_MIGRATE_TEST_MYSQL_URL python3 bench/real-world/compare.py --dialect mysql'")
    u = urllib.parse.urlsplit(MYSQL_URL)
    if u.scheme not in ("mysql", "mariadb") or not u.hostname:
        raise SystemExit(f"DB_MIGRATE_EVAL_MYSQL_URL is not a mysql://user:password@host:port URL: {u.scheme}://"
                         f"{u.hostname or ''}...")
    try:
        port = str(u.port or 3306)
    except ValueError:
        raise SystemExit("DB_MIGRATE_EVAL_MYSQL_URL: the port is not a number")
    client = shutil.which("mariadb") or shutil.which("mysql")
    if not client:
        raise SystemExit("dialect mysql needs the `mariadb` (or `mysql`) command-line client on the PATH")
    return (u.hostname, port, urllib.parse.unquote(u.username or "root"), urllib.parse.unquote(u.password or ""),
            client)


def mysql_url(db):
    host, port, user, pw, _ = MYSQL
    q = lambda v: urllib.parse.quote(v, safe="")
    return f"mysql://{q(user)}{':' + q(pw) if pw else ''}@{host}:{port}/{db}"


def mysql_exec(sql, db=None):
    """Sends `sql` to the server with the client: (code, stdout, stderr). Rows come as
    tab-separated raw text (--batch --raw --skip-column-names); the password goes in
    MYSQL_PWD, not on the command line."""
    host, port, user, pw, client = MYSQL
    cmd = [client, "--no-defaults", "--protocol=tcp", "-h", host, "-P", port, "-u", user,
           "--batch", "--raw", "--skip-column-names", "--default-character-set=utf8mb4"]
    if db:
        cmd += ["-D", db]
    env = clean_env({"MYSQL_PWD": pw} if pw else None)
    try:
        r = subprocess.run(cmd, env=env, input=sql.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=KIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return -1, "", f"[timed out after {KIT_TIMEOUT}s]"
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def mysql_ident(name):
    return "`" + name.replace("`", "``") + "`"


def mysql_reset_db(db):
    mysql_exec(f"DROP DATABASE IF EXISTS {mysql_ident(db)}")


def mysql_prepare_db(p, db):
    """A fresh, empty database; returns an error or None."""
    code, _, err = mysql_exec(f"DROP DATABASE IF EXISTS {mysql_ident(db)}; "
                              f"CREATE DATABASE {mysql_ident(db)} DEFAULT CHARACTER SET utf8mb4")
    return (err.strip() or f"exit {code}") if code else None


def apply_mysql(db, sql, path):
    """Each chunk between breakpoints sent on its own, stopping at the first error."""
    chunks = split_breakpoints(sql)
    with open(path, "w") as f:
        for c in chunks:
            f.write(c.rstrip().rstrip(";") + ";\n")
    for i, c in enumerate(chunks):
        code, _, err = mysql_exec(c, db)
        if code != 0:
            # the client echoes the statement between dashes; the ERROR line is the news
            msg = "\n".join(l for l in err.splitlines() if l.startswith("ERROR")) or err.strip() or f"exit {code}"
            return f"statement {i + 1}: {msg}\n{c}"
    return None


def sort_keys(ddl):
    """The key and constraint lines of a SHOW CREATE TABLE in name order: MySQL lists
    them in the order they were made, which is not part of the table."""
    lines = ddl.split("\n")
    columns = [l for l in lines if not re.match(r"\s+(PRIMARY KEY|UNIQUE KEY|KEY|FULLTEXT|SPATIAL|CONSTRAINT)\b", l)]
    keys = sorted(l.rstrip(",") for l in lines if l not in columns)
    head, tail = columns[:-1], columns[-1:]
    body = [l.rstrip(",") for l in head[1:]] + keys
    return "\n".join(head[:1] + [l + "," for l in body[:-1]] + body[-1:] + tail)


def dump_mysql(db):
    """SHOW CREATE TABLE of every table sorted by name (AUTO_INCREMENT=<n> removed), then
    SHOW CREATE VIEW of every view (DEFINER removed); history tables left out.
    Returns (dump, error)."""
    code, out, err = mysql_exec("SELECT table_name, table_type FROM information_schema.tables "
                                "WHERE table_schema = DATABASE()", db)
    if code:
        return None, err.strip()
    rows = [line.split("\t") for line in out.splitlines() if line.strip()]
    views = sorted(r[0] for r in rows if len(r) > 1 and r[1] == "VIEW" and not HISTORY.search(r[0]))
    tables = sorted(r[0] for r in rows if len(r) > 1 and r[1] != "VIEW" and not HISTORY.search(r[0]))
    own = re.compile(rf"`{re.escape(db)}`\.")
    parts = []
    for t in tables:
        code, out, err = mysql_exec(f"SHOW CREATE TABLE {mysql_ident(t)}", db)
        if code:
            return None, f"SHOW CREATE TABLE {t}: {err.strip()}"
        ddl = out.rstrip("\n").split("\t", 1)[-1]
        ddl = re.sub(r" AUTO_INCREMENT=\d+", "", ddl)
        parts.append(own.sub("`<db>`.", sort_keys(ddl)) + ";")
    for v in views:
        code, out, err = mysql_exec(f"SHOW CREATE VIEW {mysql_ident(v)}", db)
        if code:
            return None, f"SHOW CREATE VIEW {v}: {err.strip()}"
        cols = out.rstrip("\n").split("\t")
        ddl = "\t".join(cols[1:-2]) if len(cols) >= 4 else cols[-1]
        ddl = re.sub(r" DEFINER=(`[^`]*`|\S+)@(`[^`]*`|\S+)", "", ddl)
        parts.append(own.sub("`<db>`.", ddl) + ";")
    return "\n".join(parts) + "\n", None


# ---------------------------------------------------------------- dumps

HISTORY = re.compile(r"db_migrate_history|__drizzle_migrations|db_migrate_lock|db_migrate_lease", re.I)


def dump_pg(db):
    code, out, _ = run(["pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-h", PGHOST, "-p", PGPORT,
                        "-U", PGUSER, db], env=clean_env())
    if code:
        return None, out
    lines = []
    for line in out.splitlines():
        s = line.rstrip()
        if not s.strip() or s.startswith("--") or s.startswith("SET ") or s.startswith("\\restrict") \
                or s.startswith("\\unrestrict") or s.startswith("SELECT pg_catalog.set_config"):
            continue
        lines.append(s)
    stmts, cur = [], []
    for s in lines:
        cur.append(s)
        if s.endswith(";") and not _open_dollar("\n".join(cur)):
            stmts.append("\n".join(cur))
            cur = []
    if cur:
        stmts.append("\n".join(cur))
    stmts = [re.sub(rf'\b[ko]_{re.escape(db[2:])}\b', "<db>", s) for s in stmts if not HISTORY.search(s)]
    # the schema of our history table, if it made one just for itself
    stmts = [s for s in stmts if not re.fullmatch(r"CREATE SCHEMA db_migrate;", s)]
    return "\n".join(sorted(stmts)) + "\n", None


def _open_dollar(text):
    return len(re.findall(r"\$[A-Za-z_]*\$", text)) % 2 == 1


def _norm_sql(s):
    s = re.sub(r"\s+", " ", s or "").strip()
    return s.replace("`", '"')


def _checks(sql):
    out, i = [], 0
    while True:
        m = re.search(r"(CONSTRAINT\s+\S+\s+)?CHECK\s*\(", sql[i:], re.I)
        if not m:
            return out
        start = i + m.start()
        j, depth = i + m.end(), 1
        while j < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[j], 0)
            j += 1
        out.append(_norm_sql(sql[start:j]))
        i = j


def dump_sqlite(dbfile):
    con = sqlite3.connect(dbfile)
    out = []
    rows = con.execute("select type, name, tbl_name, sql from sqlite_master order by type, name").fetchall()
    tables = [r[1] for r in rows if r[0] == "table" and not r[1].startswith("sqlite_") and not HISTORY.search(r[1])]
    sqls = {r[1]: r[3] for r in rows}
    for t in sorted(tables):
        out.append(f"TABLE {t}")
        for c in con.execute(f'pragma table_xinfo("{t}")'):
            out.append(f"  col {c[1]} type={c[2]} notnull={c[3]} default={c[4]} pk={c[5]} hidden={c[6]}")
        for ix in sorted(con.execute(f'pragma index_list("{t}")'), key=lambda r: r[1]):
            cols = [f"{r[2]}" for r in con.execute(f'pragma index_xinfo("{ix[1]}")') if r[5]]
            name = ix[1] if not ix[1].startswith("sqlite_autoindex_") else "<auto>"
            line = f"  index {name} unique={ix[2]} origin={ix[3]} partial={ix[4]} cols={cols}"
            if ix[4] or "None" in str(cols):
                line += " sql=" + _norm_sql(sqls.get(ix[1]))
            out.append(line)
        for fk in sorted(con.execute(f'pragma foreign_key_list("{t}")'), key=lambda r: (r[2], r[3], r[4])):
            out.append(f"  fk {fk[3]} -> {fk[2]}.{fk[4]} on_update={fk[5]} on_delete={fk[6]} match={fk[7]}")
        for ck in _checks(sqls.get(t) or ""):
            out.append(f"  {ck}")
    for r in rows:
        if r[0] in ("view", "trigger"):
            out.append(f"{r[0].upper()} {r[1]}: {_norm_sql(r[3])}")
    con.close()
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- one project

def first_error(log, n=12):
    lines = [l for l in log.splitlines() if l.strip()]
    idx = next((i for i, l in enumerate(lines) if re.search(r"error|Error|ERROR|refus|cannot|unsupported|failed|×", l)), 0)
    return "\n".join(lines[idx:idx + n])


def unwrap_report(text):
    """db-migrate's reports wrap long lines at 80 columns, continuing them with `│`;
    joined back, the first line says the whole message."""
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*│ ?(.*)$", line)
        if m and out and m.group(1).strip():
            prev = out[-1].rstrip()
            out[-1] = prev + ("" if prev.endswith(("-", "/")) else " ") + m.group(1).strip()
        else:
            out.append(line)
    return "\n".join(out)


def run_project(p, binary, relayout):
    res = os.path.join(RESULTS, p["name"])
    shutil.rmtree(res, ignore_errors=True)
    os.makedirs(res)
    status = {"name": p["name"], "repo": p["repo"], "dialect": p["dialect"]}

    def finish(kind, detail=""):
        status["status"] = kind
        status["detail"] = detail
        with open(os.path.join(res, "status.json"), "w") as f:
            json.dump(status, f, indent=1)
        return status

    def write(name, text):
        with open(os.path.join(res, name), "w") as f:
            f.write(text)

    if relayout or not os.path.isdir(proj_root(p)):
        problem = layout(p)
        if problem:
            return finish("setup", problem)
    cdir = proj_dir(p)
    if not os.path.exists(os.path.join(cdir, "drizzle.config.ts")):
        return finish("setup", f"no drizzle.config.ts in {cdir}")
    sqlite_side = p["dialect"] in ("sqlite", "turso")
    mysql_side = p["dialect"] == "mysql"
    # the server side of PostgreSQL and MySQL: fresh database, kit's SQL, dump, drop
    if mysql_side:
        prepare, dump, reset = (lambda db: mysql_prepare_db(p, db)), dump_mysql, mysql_reset_db
        apply_kit = apply_mysql
        dump_label = "SHOW CREATE"
    else:
        prepare, dump, reset = (lambda db: prepare_db(p, db)), dump_pg, reset_db
        apply_kit = lambda db, sql, path: apply_pg(p, db, sql, path)
        dump_label = "pg_dump"

    def server_done(db):
        reset(db)
        if not mysql_side:
            drop_new_roles()

    # ---- drizzle-kit
    shutil.rmtree(os.path.join(cdir, ".kit-out"), ignore_errors=True)
    kit_env = clean_env(dict(kv.split("=", 1) for kv in filter(None, p["opts"].get("env", "").split(","))))
    code, log, secs = run(["node", os.path.join(POOL, "drizzle-kit", "bin.cjs"), "generate",
                           "--config=drizzle.config.ts"], cwd=cdir, env=kit_env, timeout=KIT_TIMEOUT)
    write("kit.log", log)
    status["kit_secs"] = round(secs, 1)
    kit_sql = "".join(open(f).read() for f in sorted(glob.glob(os.path.join(cdir, ".kit-out", "*.sql"))))
    write("kit.sql", kit_sql)
    kit_problem = None
    if code != 0 or not kit_sql.strip():
        kit_problem = "drizzle-kit generate failed: " + first_error(log, 8)
    shutil.rmtree(os.path.join(cdir, ".kit-out"), ignore_errors=True)

    kdb, odb = db_name("k", p), db_name("o", p)
    kfile, ofile = os.path.join(res, "kit.db"), os.path.join(res, "ours.db")
    kit_dump = None
    if not kit_problem:
        if sqlite_side:
            err = apply_sqlite(kfile, kit_sql)
            if not err:
                kit_dump = dump_sqlite(kfile)
        else:
            err = prepare(kdb)
            if err:
                return finish("setup", "kit database: " + err)
            err = apply_kit(kdb, kit_sql, os.path.join(res, "kit.applied.sql"))
            if not err:
                kit_dump, derr = dump(kdb)
                err = derr
            reset(kdb)
        if err:
            kit_problem = "drizzle-kit SQL does not apply: " + err[:1500]
        else:
            write("kit.dump", kit_dump)

    # ---- db-migrate (a failure is described by its stderr: the first line that reads
    # as an error, else the first line)
    def ours_error(err, log, n):
        return first_error(unwrap_report(err), n) if err.strip() else first_error(log, n)

    wdir = os.path.join(WORK, p["name"])
    shutil.rmtree(wdir, ignore_errors=True)
    shutil.copytree(proj_root(p), wdir, symlinks=True)
    ocdir = proj_dir(p, wdir)
    if sqlite_side:
        url = "sqlite:" + ofile
        if os.path.exists(ofile):
            os.remove(ofile)
    elif mysql_side:
        url = mysql_url(odb)
    else:
        url = f"postgres://{PGUSER}@127.0.0.1:{PGPORT}/{odb}"
    oenv = kit_env
    # the database for apply/check: --database-url, or for MySQL DATABASE_URL in the
    # environment (the URL holds the password, kept off the command line)
    if mysql_side:
        url_args, aenv = [], dict(oenv, DATABASE_URL=url)
    else:
        url_args, aenv = ["--database-url", url], oenv
    code, glog, gerr, secs = run_split([binary, "-C", ocdir, "generate", "init", "--migrations", ".dbm-migrations"],
                                       env=oenv, timeout=OURS_TIMEOUT)
    status["ours_secs"] = round(secs, 2)
    ours_sql = ""
    for f in sorted(glob.glob(os.path.join(ocdir, ".dbm-migrations", "*", "migration.sql"))):
        ours_sql += f"-- {os.path.basename(os.path.dirname(f))}\n" + open(f).read() + "\n"
    write("ours.sql", ours_sql)
    olog = f"$ db-migrate generate init (exit {code})\n{glog}\n"
    ours_problem, ours_dump = None, None
    gen_failed = code != 0 or not ours_sql.strip()
    if gen_failed:
        write("ours.log", olog)
        ours_problem = ("ours-error", ours_error(gerr, glog, 12) or f"exit {code}, no migration written")
    else:
        if not sqlite_side:
            err = prepare(odb)
            if err:
                return finish("setup", "ours database: " + err)
        code, alog, aerr, _ = run_split([binary, "-C", ocdir, "apply", "--migrations", ".dbm-migrations",
                                         *url_args], env=aenv, timeout=OURS_TIMEOUT)
        olog += f"$ db-migrate apply (exit {code})\n{alog}\n"
        write("ours.log", olog)
        if code == 0:
            # Right after apply, the database is what the migrations built:
            # `check` must find no drift (a false drift is a bug of ours).
            ccode, clog, cerr, _ = run_split([binary, "-C", ocdir, "check", "--migrations", ".dbm-migrations",
                                              *url_args], env=aenv, timeout=OURS_TIMEOUT)
            olog += f"$ db-migrate check (exit {ccode})\n{clog}\n"
            write("ours.log", olog)
            if ccode != 0:
                ours_problem = ("ours-drift", ours_error(cerr, clog, 12) or f"check exited {ccode}")
        if code != 0:
            # a statement the server refused is reported as "<migration> failed at <file> line L,
            # column C (statement N of M)..." or ends "rolled back"; anything else is apply
            # refusing before any SQL ran (URL, connection, lint, edited migrations): ours-error
            sql_failed = re.search(r"failed at \S+ line \d+, column \d+ \(statement \d+ of \d+\)|rolled back",
                                   unwrap_report(alog))
            ours_problem = ("ours-sql-rejected" if sql_failed else "ours-error",
                            ours_error(aerr, alog, 12) or f"apply exited {code}")
        elif sqlite_side:
            ours_dump = dump_sqlite(ofile)
        else:
            ours_dump, derr = dump(odb)
            if derr:
                ours_problem = ("setup", f"{dump_label}: " + derr)
        if not sqlite_side:
            server_done(odb)
    if ours_dump is not None:
        write("ours.dump", ours_dump)

    # ---- when the static reader refused: does the rest match? (--loader node reads the
    # schema through drizzle-kit's API; generation and SQL are still ours)
    if ours_problem and ours_problem[0] == "ours-error" and gen_failed and kit_dump is not None and NODE_LOADER:
        code, nlog, nerr, _ = run_split([binary, "-C", ocdir, "--loader", "node", "generate", "init",
                                         "--migrations", ".dbm-node"], env=oenv, timeout=OURS_TIMEOUT)
        nsql = "".join(open(f).read() for f in sorted(glob.glob(os.path.join(ocdir, ".dbm-node", "*", "migration.sql"))))
        write("node.sql", nsql)
        verdict = None
        if code or not nsql.strip():
            verdict = "error: " + ours_error(nerr, nlog, 4)
        else:
            if sqlite_side:
                if os.path.exists(ofile):
                    os.remove(ofile)
            else:
                err = prepare(odb)
                if err:
                    verdict = "setup: " + err
            if not verdict:
                code, alog, aerr, _ = run_split([binary, "-C", ocdir, "apply", "--migrations", ".dbm-node",
                                                 *url_args], env=aenv, timeout=OURS_TIMEOUT)
                if code:
                    verdict = "sql-rejected: " + ours_error(aerr, alog, 6)
                else:
                    ndump = dump_sqlite(ofile) if sqlite_side else dump(odb)[0]
                    write("node.dump", ndump or "")
                    if ndump == kit_dump:
                        verdict = "same"
                    else:
                        verdict = "differs"
                        write("node.diff.txt", "".join(difflib.unified_diff(
                            kit_dump.splitlines(True), (ndump or "").splitlines(True), "drizzle-kit",
                            "db-migrate --loader node", n=1)))
            if not sqlite_side:
                server_done(odb)
        status["node_loader"] = verdict
        ours_problem = (ours_problem[0], ours_problem[1] + f"\n[with --loader node: {verdict}]")

    # ---- verdict
    if kit_problem:
        ours_says = "ours applies" if ours_dump is not None else f"ours: {ours_problem[0]}: {ours_problem[1][:300]}"
        return finish("kit-fails", f"{kit_problem}\n[{ours_says}]")
    if ours_problem:
        return finish(*ours_problem)
    if kit_dump == ours_dump:
        write("diff.txt", "")
        return finish("same")
    diff = "".join(difflib.unified_diff(kit_dump.splitlines(True), ours_dump.splitlines(True),
                                        "drizzle-kit", "db-migrate", n=1))
    write("diff.txt", diff)
    return finish("differs", diff)


# ---------------------------------------------------------------- summary

ORDER = ["same", "differs", "ours-error", "ours-sql-rejected", "ours-drift", "kit-fails", "setup"]


def write_summary(projects):
    rows = []
    for p in projects:
        path = os.path.join(RESULTS, p["name"], "status.json")
        if os.path.exists(path):
            with open(path) as f:
                rows.append(json.load(f))
    counts = {k: sum(1 for r in rows if r["status"] == k) for k in ORDER}
    out = ["# Real-world comparison: db-migrate vs drizzle-kit 0.31", "",
           f"{time.strftime('%Y-%m-%d %H:%M')} — " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
           f" (of {len(rows)})", "", "| project | repo | dialect | status | kit s | ours s |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['name']} | {r['repo']} | {r['dialect']} | {r['status']} | {r.get('kit_secs', '')} | "
                   f"{r.get('ours_secs', '')} |")
    out.append("")
    for r in rows:
        if r["status"] != "same":
            out += [f"## {r['name']} — {r['status']}", "", "```", r["detail"][:4000].rstrip(), "```", ""]
    with open(os.path.join(RESULTS, "summary.md"), "w") as f:
        f.write("\n".join(out))
    return counts


def main():
    global BASE_ROLES, NODE_LOADER, MYSQL
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--bin")
    ap.add_argument("--relayout", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--no-node-loader", action="store_true")
    ap.add_argument("--dialect", help="only projects of these dialects (comma-separated)")
    a = ap.parse_args()
    NODE_LOADER = not a.no_node_loader
    projects = load_projects()
    if a.list:
        for p in projects:
            print(f"{p['name']:24} {p['dialect']:10} {p['repo']}")
        return
    binary = a.bin or os.environ.get("DB_MIGRATE_BIN")
    if not binary:
        for cand in (os.path.join(EVAL, "bin", "db-migrate"), os.path.join(REPO, "target", "release", "db-migrate")):
            if os.path.exists(cand):
                binary = cand
                break
    if not binary or not os.path.exists(binary):
        raise SystemExit("no db-migrate binary: pass --bin or set DB_MIGRATE_BIN")
    binary = os.path.abspath(binary)
    unknown = set(a.names) - {p["name"] for p in projects}
    if unknown:
        raise SystemExit("unknown project(s): " + ", ".join(sorted(unknown)))
    chosen = [p for p in projects if not a.names or p["name"] in a.names]
    if a.dialect:
        wanted = {d.strip() for d in a.dialect.split(",") if d.strip()}
        known = {p["dialect"] for p in projects}
        if wanted - known:
            raise SystemExit("unknown dialect(s): " + ", ".join(sorted(wanted - known)) +
                             " (projects.tsv has " + ", ".join(sorted(known)) + ")")
        chosen = [p for p in chosen if p["dialect"] in wanted]
    dialects = {p["dialect"] for p in chosen}
    if "mysql" in dialects:
        MYSQL = mysql_server()
        code, out, err = mysql_exec("SELECT VERSION()")
        if code:
            raise SystemExit(f"MySQL/MariaDB at {MYSQL[0]}:{MYSQL[1]} (DB_MIGRATE_EVAL_MYSQL_URL) not reachable: "
                             + (err.strip() or f"exit {code}"))
        print(f"mysql: {out.strip()} at {MYSQL[0]}:{MYSQL[1]}", flush=True)
    os.makedirs(RESULTS, exist_ok=True)
    os.makedirs(WORK, exist_ok=True)
    # one run at a time: runs share the databases, the roles and $EVAL/work
    lock = open(os.path.join(EVAL, ".compare.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("another compare.py run is under way; waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    if dialects & {"postgresql"}:
        BASE_ROLES = roles_now()
    print(f"db-migrate: {binary}", flush=True)
    for p in chosen:
        try:
            st = run_project(p, binary, a.relayout)
        except Exception as e:  # a harness bug: report it as setup and go on
            st = {"status": "setup", "detail": f"harness: {e!r}"}
            os.makedirs(os.path.join(RESULTS, p["name"]), exist_ok=True)
            with open(os.path.join(RESULTS, p["name"], "status.json"), "w") as f:
                json.dump(dict(name=p["name"], repo=p["repo"], dialect=p["dialect"], **st), f)
        first = (st.get("detail") or "").strip().splitlines()
        extra = ""
        if st["status"] != "same" and first:
            extra = " — " + (first[0] if st["status"] != "differs" else f"{len(first)} diff lines")
        print(f"{p['name']:24} {st['status']:18}{extra[:160]}", flush=True)
        write_summary(projects)
    counts = write_summary(projects)
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f"  (summary: {RESULTS}/summary.md)")


if __name__ == "__main__":
    main()
