#!/usr/bin/env bash
# The project's one test command: every test, against a real PostgreSQL
# (a throwaway cluster unless DB_MIGRATE_TEST_PG_URL is set; see
# scripts/with-pg.sh), a real MariaDB (a throwaway server unless
# DB_MIGRATE_TEST_MYSQL_URL is set; see scripts/with-mariadb.sh) and real
# SQLite files.
#
#   scripts/test.sh [test-runner args...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if cargo nextest --version >/dev/null 2>&1; then
  runner=(cargo nextest run --no-fail-fast)
else
  runner=(cargo test --no-fail-fast)
fi
exec scripts/with-pg.sh scripts/with-mariadb.sh "${runner[@]}" "$@"
