#!/usr/bin/env python3
"""Times the static Drizzle reader against drizzle-kit on generated schemas.

    bench/reader.py [--tables 200,1000] [--runs 7] [--files 1] [--no-build] [--no-drizzle-kit]

For each size, bench/gen_schema.py writes a project; then

  - db-migrate: `db-migrate diff --from empty --to schema` (release build):
    reads drizzle.config.ts and the schema, diffs against nothing and prints
    the SQL;
  - drizzle-kit: `drizzle-kit export` (the pinned one in tests/oracle, which
    `npm ci --prefix tests/oracle` installs) on the same files: it loads the
    schema with Node and prints the SQL.

Each is run --runs times; the table shows the median wall time and the
largest peak RSS (from wait4). Build and project set-up are not timed.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = os.path.join(ROOT, "tests", "oracle", "node_modules")


def run(argv, cwd, env=None):
    """Runs a command; returns (seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        err = proc.stderr.read()
        proc.stderr.close()
    else:
        err = b""
    # ru_maxrss is in KiB on Linux.
    return elapsed, usage.ru_maxrss / 1024.0, proc.returncode, err


def measure(argv, cwd, runs, ok_codes, env=None):
    times, peaks = [], []
    for _ in range(runs):
        seconds, rss, code, err = run(argv, cwd, env)
        if code not in ok_codes:
            sys.stderr.write(err.decode(errors="replace"))
            raise SystemExit(f"{' '.join(argv)} exited with {code}")
        times.append(seconds)
        peaks.append(rss)
    return statistics.median(times), max(peaks)


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tables", default="200,1000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-drizzle-kit", action="store_true")
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(target_dir(), "release", "db-migrate")
    kit = os.path.join(ORACLE, "drizzle-kit", "bin.cjs")
    with_kit = not args.no_drizzle_kit
    if with_kit and not os.path.isfile(kit):
        sys.stderr.write("drizzle-kit is not installed: run `npm ci --prefix tests/oracle` (or pass --no-drizzle-kit)\n")
        with_kit = False

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["NO_COLOR"] = "1"
    env["TSX_DISABLE_CACHE"] = "1"
    rows = []
    for n in [int(x) for x in args.tables.split(",") if x.strip()]:
        work = tempfile.mkdtemp(prefix=f"dbm-bench-{n}-")
        try:
            subprocess.run(
                [sys.executable, os.path.join(ROOT, "bench", "gen_schema.py"), work, str(n), "--files", str(args.files)],
                check=True,
            )
            ours = measure([binary, "diff", "--from", "empty", "--to", "schema"], work, args.runs, {0, 1}, env)
            kit_result = None
            if with_kit:
                modules = os.path.join(work, "node_modules")
                os.makedirs(modules, exist_ok=True)
                for package in ("drizzle-orm", "drizzle-kit"):
                    os.symlink(os.path.join(ORACLE, package), os.path.join(modules, package))
                kit_result = measure(
                    ["node", kit, "export", "--config", "drizzle.config.ts"], work, args.runs, {0}, env
                )
            rows.append((n, ours, kit_result))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{'tables':>6}  {'db-migrate':>12}  {'peak RSS':>9}  {'drizzle-kit':>12}  {'peak RSS':>9}  {'speed-up':>8}")
    for n, (t, rss), kit_result in rows:
        if kit_result:
            kt, krss = kit_result
            print(f"{n:>6}  {t * 1000:>9.1f} ms  {rss:>6.1f} MiB  {kt * 1000:>9.1f} ms  {krss:>6.1f} MiB  {kt / t:>7.0f}x")
        else:
            print(f"{n:>6}  {t * 1000:>9.1f} ms  {rss:>6.1f} MiB  {'-':>12}  {'-':>9}  {'-':>8}")
    print(f"median of {args.runs} runs; commands: `db-migrate diff --from empty --to schema`, "
          "`drizzle-kit export --config drizzle.config.ts`")


if __name__ == "__main__":
    main()
