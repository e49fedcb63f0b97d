#!/usr/bin/env python3
"""Measures db-migrate beside drizzle-kit and psql in one run.

Run it through bench/run.sh, which builds the release binary, installs the
pinned peers (bench/package.json) and starts a throwaway PostgreSQL.

    bench/run.sh [--quick]

Every figure is the median of several runs (wall time) and the peak RSS of
the process, measured with wait4(2). The table is printed and written to
bench/RESULTS.md.
"""
import argparse
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
OURS = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release", "db-migrate")
DRIZZLE_KIT = os.path.join(BENCH, "node_modules", ".bin", "drizzle-kit")
GEN = os.path.join(BENCH, "gen_schema.py")
SERVER = os.environ.get("DB_MIGRATE_TEST_PG_URL", "")


def db_url(name):
    """The server URL pointed at database `name`."""
    parts = urlsplit(SERVER)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def psql(sql, db="postgres"):
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db_url(db), "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def fresh_db(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return db_url(name)


def timed(cmd, cwd, env=None, ok=(0,)):
    """Runs a command; returns (seconds, peak RSS in MB)."""
    full_env = dict(os.environ)
    full_env.pop("DATABASE_URL", None)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.stderr.write(out.decode(errors="replace")[-3000:])
        raise SystemExit(f"bench: {' '.join(cmd)} exited with {code} in {cwd}")
    return seconds, usage.ru_maxrss / 1024.0


def measure(runs, prepare, cmd, cwd, env=None, ok=(0,)):
    """Median seconds and max RSS over `runs` runs, calling prepare() before each."""
    times, rss = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        t, m = timed(cmd, cwd, env, ok)
        times.append(t)
        rss.append(m)
    return statistics.median(times), max(rss)


def measure_alternating(runs, prepare, a, b, cwd, env=None):
    """Median seconds of commands `a` and `b`, run in turns so that a slow
    moment of the machine weighs on both alike."""
    times = ([], [])
    for _ in range(runs):
        for k, cmd in enumerate((a, b)):
            if prepare:
                prepare()
            times[k].append(timed(cmd, cwd, env)[0])
    return statistics.median(times[0]), statistics.median(times[1])


def project(tmp, name, tables, files=4):
    path = os.path.join(tmp, name)
    subprocess.run([sys.executable, GEN, path, str(tables), "--files", str(files)], check=True)
    os.symlink(os.path.join(BENCH, "node_modules"), os.path.join(path, "node_modules"))
    return path


def rm(*paths):
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)


class Results:
    def __init__(self):
        self.rows = []

    def add(self, figure, ours, peer, peer_name, unit="s"):
        self.rows.append((figure, ours, peer, peer_name, unit))
        print(f"  {figure}: ours {fmt(ours, unit)}, {peer_name} {fmt(peer, unit)}, {ratio(ours, peer)}", flush=True)

    def table(self):
        lines = [
            "| figure | db-migrate | peer | peer's figure | ratio (peer / ours) |",
            "|---|---:|---|---:|---:|",
        ]
        for figure, ours, peer, peer_name, unit in self.rows:
            lines.append(f"| {figure} | {fmt(ours, unit)} | {peer_name} | {fmt(peer, unit)} | {ratio(ours, peer)} |")
        return "\n".join(lines)


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "MB":
        return f"{v:.1f} MB"
    return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s"


def ratio(ours, peer):
    if not ours or not peer:
        return "n/a"
    return f"{peer / ours:.1f}x"


def bench_generate(tmp, res, sizes, runs, peer_runs):
    for n in sizes:
        p = project(tmp, f"gen{n}", n)
        mig, out = os.path.join(p, "migrations"), os.path.join(p, "drizzle")
        ours, ours_rss = measure(runs, lambda: rm(mig), [OURS, "generate", "init"], p)
        peer, peer_rss = measure(peer_runs, lambda: rm(out), [DRIZZLE_KIT, "generate"], p)
        res.add(f"generate, empty folder, {n} tables", ours, peer, "drizzle-kit generate")
        # Reading the schema alone: the whole DDL from an empty state, printed.
        ours_read, ours_read_rss = measure(runs, None, [OURS, "diff", "--from", "empty", "--to", "schema"], p, ok=(0, 1))
        peer_read, peer_read_rss = measure(peer_runs, None, [DRIZZLE_KIT, "export"], p)
        res.add(f"read the schema and print its DDL, {n} tables", ours_read, peer_read, "drizzle-kit export")
        res.add(f"peak memory of reading, {n} tables", ours_read_rss, peer_read_rss, "drizzle-kit export", "MB")
        res.add(f"peak memory of generate, {n} tables", ours_rss, peer_rss, "drizzle-kit generate", "MB")
        # No change since the last generate; and the CI gate without a database.
        ours, _ = measure(runs, None, [OURS, "generate", "again"], p)
        peer, _ = measure(peer_runs, None, [DRIZZLE_KIT, "generate"], p)
        res.add(f"generate with no changes, {n} tables", ours, peer, "drizzle-kit generate")
        ours, _ = measure(runs, None, [OURS, "check"], p)
        peer, _ = measure(peer_runs, None, [DRIZZLE_KIT, "check"], p)
        res.add(f"check without a database, {n} tables", ours, peer, "drizzle-kit check")


def bench_inspect(tmp, res, tables, runs):
    p = project(tmp, f"inspect{tables}", tables)
    url = fresh_db("bench_inspect")
    timed([OURS, "push"], p, {"DATABASE_URL": url})
    ours, ours_rss = measure(runs, None, [OURS, "diff", "--from", "db", "--to", "schema"], p, {"DATABASE_URL": url})
    out = os.path.join(p, "drizzle-pull")
    peer, peer_rss = measure(1, lambda: rm(out), [DRIZZLE_KIT, "pull", "--out", out, "--dialect", "postgresql", "--url", url], p)
    res.add(f"inspect a {tables}-table database", ours, peer, "drizzle-kit pull")
    res.add(f"peak memory of inspecting {tables} tables", ours_rss, peer_rss, "drizzle-kit pull", "MB")
    # pull: inspect, write the TypeScript schema, and read it back to check it.
    pulled = os.path.join(p, "pulled", "schema.ts")
    ours, ours_rss = measure(runs, None, [OURS, "pull", "--force", "--out", pulled], p, {"DATABASE_URL": url})
    res.add(f"pull a {tables}-table database (with read-back check)", ours, peer, "drizzle-kit pull")


def migration_sql(i):
    return (
        f'CREATE TABLE "m{i:04d}" (\n\t"id" integer PRIMARY KEY NOT NULL,\n\t"name" text NOT NULL,\n'
        f'\t"created_at" timestamp with time zone DEFAULT now() NOT NULL\n);\n'
    )


def bench_apply(tmp, res, count, runs, peer_runs):
    p = os.path.join(tmp, "apply")
    os.makedirs(os.path.join(p, "migrations"))
    os.makedirs(os.path.join(p, "drizzle", "meta"))
    entries, floor = [], []
    for i in range(count):
        sql = migration_sql(i)
        mid = f"20250101{i:06d}_table_{i}"
        os.makedirs(os.path.join(p, "migrations", mid))
        with open(os.path.join(p, "migrations", mid, "migration.sql"), "w") as f:
            f.write(sql)
        tag = f"{i:04d}_table_{i}"
        with open(os.path.join(p, "drizzle", tag + ".sql"), "w") as f:
            f.write(sql)
        entries.append({"idx": i, "version": "7", "when": 1735689600000 + i, "tag": tag, "breakpoints": True})
        digest = hashlib.sha256(sql.encode()).hexdigest()
        floor.append(f"BEGIN;\n{sql}INSERT INTO history (id, checksum, applied_at) VALUES ('{mid}', '{digest}', now());\nCOMMIT;\n")
    import json

    with open(os.path.join(p, "drizzle", "meta", "_journal.json"), "w") as f:
        json.dump({"version": "7", "dialect": "postgresql", "entries": entries}, f)
    with open(os.path.join(p, "drizzle.config.ts"), "w") as f:
        f.write(
            'import { defineConfig } from "drizzle-kit";\n'
            'export default defineConfig({ dialect: "postgresql", out: "./drizzle", dbCredentials: { url: process.env.DATABASE_URL! } });\n'
        )
    os.symlink(os.path.join(BENCH, "node_modules"), os.path.join(p, "node_modules"))
    with open(os.path.join(p, "floor.sql"), "w") as f:
        f.write("CREATE TABLE history (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL);\n")
        f.write("".join(floor))

    url = db_url("bench_apply")

    def reset():
        fresh_db("bench_apply")
        rm(os.path.join(p, "migrations", "applied"))

    psql_floor = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f", "floor.sql"]
    ours, floor_t = measure_alternating(runs, reset, [OURS, "apply"], psql_floor, p, {"DATABASE_URL": url})
    peer, _ = measure(peer_runs, reset, [DRIZZLE_KIT, "migrate"], p, {"DATABASE_URL": url})
    res.add(f"apply {count} one-table migrations", ours, peer, "drizzle-kit migrate (one transaction for all)")
    res.add(f"apply {count} one-table migrations", ours, floor_t, "psql floor (a transaction and a history row per file)")


def bench_floor(tmp, res, runs, peer_runs):
    """Starting the process and doing nothing: the floor of every command."""
    ours, _ = measure(runs, None, [OURS, "--version"], tmp)
    peer, _ = measure(peer_runs, None, [DRIZZLE_KIT, "--version"], BENCH)
    res.add("start and print the version (the process floor)", ours, peer, "drizzle-kit --version")


def bench_growth(tmp, res, counts, runs):
    """check, generate, status and apply over a growing history: a 20-table
    schema whose migrations add a table and drop it again, so only the
    history grows. status and apply run on a database the history is applied
    to, with nothing pending."""
    p = project(tmp, "growth", 20, files=1)
    url = db_url("bench_growth")
    fresh_db("bench_growth")
    part = os.path.join(p, "shared", "schema", "part0.ts")
    with open(part) as f:
        base = f.read()
    extra = "export const extra = pgTable('extra', { id: integer('id').primaryKey() });\n"
    subprocess.run([OURS, "generate", "init"], cwd=p, check=True, capture_output=True)
    made = 1
    for count in counts:
        while made < count:
            with open(part, "w") as f:
                f.write(base + (extra if made % 2 else ""))
            subprocess.run([OURS, "generate", f"step{made}"], cwd=p, check=True, capture_output=True)
            made += 1
        timed([OURS, "apply"], p, {"DATABASE_URL": url})
        os.sync()  # the files just written are not being flushed while measured
        check, _ = measure(runs, None, [OURS, "check"], p)
        generate, _ = measure(runs, None, [OURS, "generate", "nothing"], p)
        status, _ = measure(runs, None, [OURS, "status"], p, {"DATABASE_URL": url})
        apply, _ = measure(runs, None, [OURS, "apply"], p, {"DATABASE_URL": url})
        res.add(f"check without a database, {count} migrations of 20 tables", check, None, "(growth)")
        res.add(f"generate with no changes, {count} migrations of 20 tables", generate, None, "(growth)")
        res.add(f"status, nothing pending, {count} migrations of 20 tables", status, None, "(growth)")
        res.add(f"apply, nothing pending, {count} migrations of 20 tables", apply, None, "(growth)")


def bench_schema_growth(tmp, res, sizes, runs):
    """generate from an empty folder as the schema grows."""
    for n in sizes:
        p = project(tmp, f"big{n}", n)
        mig = os.path.join(p, "migrations")
        ours, rss = measure(runs, lambda: rm(mig), [OURS, "generate", "init"], p)
        res.add(f"generate, empty folder, {n} tables", ours, None, "(growth)")
        res.add(f"peak memory of generate, {n} tables", rss, None, "(growth)", "MB")
        rm(p)


def bench_push(tmp, res, tables, runs, peer_runs):
    p = project(tmp, f"push{tables}", tables)
    url = db_url("bench_push")
    ours, _ = measure(runs, lambda: fresh_db("bench_push"), [OURS, "push"], p, {"DATABASE_URL": url})
    peer, _ = measure(peer_runs, lambda: fresh_db("bench_push"), [DRIZZLE_KIT, "push", "--force"], p, {"DATABASE_URL": url})
    res.add(f"push {tables} tables to an empty database", ours, peer, "drizzle-kit push")


SECTIONS = ("floor", "generate", "inspect", "apply", "push", "growth", "schema-growth")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer runs and smaller sizes, to try the script")
    ap.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable); RESULTS.md is not written")
    args = ap.parse_args()
    if not SERVER:
        raise SystemExit("bench: DB_MIGRATE_TEST_PG_URL is not set; run bench/run.sh")
    for path in (OURS, DRIZZLE_KIT):
        if not os.path.exists(path):
            raise SystemExit(f"bench: {path} is missing; run bench/run.sh")
    runs, peer_runs = (3, 1) if args.quick else (7, 3)
    sizes = (10, 200) if args.quick else (10, 200, 1000)
    res = Results()
    started = time.time()
    wanted = set(args.only or SECTIONS)
    with tempfile.TemporaryDirectory(prefix="dbm-bench-") as tmp:
        if "floor" in wanted:
            print("process floor", flush=True)
            bench_floor(tmp, res, runs, peer_runs)
        if "generate" in wanted:
            print("generate and check", flush=True)
            bench_generate(tmp, res, sizes, runs, peer_runs)
        if "inspect" in wanted:
            print("inspection", flush=True)
            bench_inspect(tmp, res, 50 if args.quick else 500, runs)
        if "apply" in wanted:
            print("apply", flush=True)
            bench_apply(tmp, res, 20 if args.quick else 200, runs, peer_runs)
        if "push" in wanted:
            print("push", flush=True)
            bench_push(tmp, res, 20 if args.quick else 200, runs, peer_runs)
        if "growth" in wanted:
            print("growth of the history", flush=True)
            bench_growth(tmp, res, (25, 50) if args.quick else (250, 500, 1000, 2000), runs)
        if "schema-growth" in wanted:
            print("growth of the schema", flush=True)
            bench_schema_growth(tmp, res, (500, 1000) if args.quick else (1250, 2500, 3750, 5000), runs)
    for db in ("bench_inspect", "bench_apply", "bench_push", "bench_growth"):
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    version = subprocess.run([OURS, "--version"], capture_output=True, text=True).stdout.strip()
    peer_version = subprocess.run([DRIZZLE_KIT, "--version"], capture_output=True, text=True, cwd=BENCH).stdout.strip().replace("\n", ", ")
    server = subprocess.run(["psql", "-X", "-At", SERVER, "-c", "SHOW server_version"], capture_output=True, text=True).stdout.strip()
    header = (
        f"# Benchmark results\n\n"
        f"Measured by `bench/run.sh{' --quick' if args.quick else ''}` on {time.strftime('%Y-%m-%d')} "
        f"({platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}); {version} (release build), "
        f"{peer_version}, PostgreSQL {server} (fsync off). Medians of {runs} runs for db-migrate and psql, "
        f"{peer_runs} for drizzle-kit (1 for `pull`); memory is peak RSS. Ratio = peer's time / ours.\n\n"
    )
    text = header + res.table() + "\n"
    print()
    print(text)
    if not args.quick and not args.only:
        with open(os.path.join(BENCH, "RESULTS.md"), "w") as f:
            f.write(text)
    print(f"bench: done in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
