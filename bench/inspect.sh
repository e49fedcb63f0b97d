#!/usr/bin/env bash
# Inspection speed on a large PostgreSQL database, beside drizzle-kit.
#
#   bench/inspect.sh [tables]          (default 500)
#
# Builds a database of <tables> tables from bench/gen_schema.py (created with
# db-migrate's own SQL from `diff --from empty --to schema`), then times:
#   - `db-migrate diff --from db --to schema` (release build): reading the
#     schema files, inspecting the database and comparing; the median of 5 runs;
#   - `drizzle-kit pull` on the same database, once (the pinned drizzle-kit of
#     tests/oracle; `npm ci --prefix tests/oracle` first).
# The server is $BENCH_PG_URL, else $DB_MIGRATE_TEST_PG_URL (an admin URL;
# a database dbm_bench_inspect is created there and dropped at the end).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
tables=${1:-500}
admin_url=${BENCH_PG_URL:-${DB_MIGRATE_TEST_PG_URL:-}}
[[ -n "$admin_url" ]] || { echo "set BENCH_PG_URL or DB_MIGRATE_TEST_PG_URL to a PostgreSQL admin URL" >&2; exit 2; }
command -v psql >/dev/null || { echo "psql is needed" >&2; exit 2; }

db=dbm_bench_inspect
# The same server URL with the bench database in place of the admin one.
db_url=$(python3 - "$admin_url" "$db" <<'EOF'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, p.fragment)))
EOF
)

target=${CARGO_TARGET_DIR:-$root/target}
echo "building db-migrate (release)..." >&2
cargo build --release --quiet
bin="$target/release/db-migrate"

work=$(mktemp -d)
cleanup() {
  psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 bench/gen_schema.py "$work/project" "$tables" --dialect pg >/dev/null
psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
psql "$admin_url" -qAtc "CREATE DATABASE $db" >/dev/null
(cd "$work/project" && "$bin" diff --from empty --to schema >"$work/schema.sql" 2>/dev/null) || [[ -s "$work/schema.sql" ]]
psql "$db_url" -q -v ON_ERROR_STOP=1 -f "$work/schema.sql" >/dev/null
count=$(psql "$db_url" -qAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
echo "database: $count tables" >&2

# db-migrate: 5 runs, median.
times=()
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  (cd "$work/project" && DATABASE_URL="$db_url" "$bin" diff --from db --to schema >/dev/null 2>&1) || {
    echo "db-migrate found differences on a database it built:" >&2
    (cd "$work/project" && DATABASE_URL="$db_url" "$bin" diff --from db --to schema | head -n 20) >&2
    exit 1
  }
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "db-migrate diff --from db --to schema: ${median}s (median of ${times[*]})"

# drizzle-kit pull, once.
dk="$root/tests/oracle/node_modules/.bin/drizzle-kit"
if [[ -x "$dk" ]]; then
  start=$(date +%s.%N)
  (cd "$work" && "$dk" pull --dialect postgresql --url "$db_url" --out "$work/pulled" >"$work/pull.log" 2>&1) || {
    echo "drizzle-kit pull failed:" >&2
    tail -n 20 "$work/pull.log" >&2
    exit 1
  }
  end=$(date +%s.%N)
  pull=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  echo "drizzle-kit pull: ${pull}s"
  awk -v a="$pull" -v b="$median" 'BEGIN { printf "db-migrate is %.0fx faster\n", a / b }'
else
  echo "drizzle-kit pull: skipped (run npm ci --prefix tests/oracle)"
fi
