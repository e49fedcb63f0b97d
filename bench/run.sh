#!/usr/bin/env bash
# Benchmarks db-migrate beside drizzle-kit and psql, measured in one run.
#
#   bench/run.sh            full run; writes bench/RESULTS.md
#   bench/run.sh --quick    smaller sizes and fewer runs, to try it out
#   bench/run.sh --only apply [--only inspect ...]   some sections; RESULTS.md untouched
#
# Builds the release binary, installs the pinned peers from
# bench/package.json (node_modules is not committed), starts a throwaway
# PostgreSQL (unless DB_MIGRATE_TEST_PG_URL is set) and runs bench/run.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --release --quiet
if [[ ! -x bench/node_modules/.bin/drizzle-kit ]]; then
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi
exec scripts/with-pg.sh python3 bench/run.py "$@"
