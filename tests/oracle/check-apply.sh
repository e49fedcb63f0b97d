#!/usr/bin/env bash
# check-apply.sh: apply every fixture's expected.sql to a real database.
#
# Usage:
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres tests/oracle/check-apply.sh [fixture...]
#
# PostgreSQL fixtures (dialect in expected.snapshot.json) are applied with psql,
# statement by statement with ON_ERROR_STOP and no surrounding transaction (so
# CREATE INDEX CONCURRENTLY works), each into a fresh database that is dropped
# afterwards; roles the fixture creates are dropped too. The connection comes
# from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD); the user
# must be allowed to create databases and roles.
# SQLite fixtures are applied with sqlite3 to an in-memory database.
# MySQL fixtures are checked with `mariadb-show.sh --check` when
# DB_MIGRATE_TEST_MYSQL_URL (or _SOCKET) is set, and skipped otherwise.
#
# A line "extensions: a, b" in a fixture's expected.note lists extensions to
# create first; when the server does not have one of them the fixture is skipped.
# Fixtures without expected.sql (expected.error, or a note with
# "status: reference") are not applied.
#
# Prints one line per fixture and "N passed, N failed, N skipped"; exits 1 when
# a fixture failed.
set -uo pipefail

ORACLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES_DIR=$(cd "$ORACLE_DIR/../fixtures/drizzle" && pwd)
export PGDATABASE="${PGDATABASE:-postgres}"
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

passed=0 failed=0 skipped=0

json_field() { # file, node expression on the parsed JSON `s`
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$1" "$2"
}

drop_roles() { # snapshot
  local role
  for role in $(json_field "$1" 'Object.keys(s.roles || {}).join(" ")'); do
    "${PSQL[@]}" -d postgres -c "DROP ROLE IF EXISTS \"$role\"" >/dev/null 2>&1
  done
}

check_pg() {
  local fx="$1" name="$2" db ext available out
  db="oracle_check_$(echo "$name" | tr -c 'a-zA-Z0-9_\n' '_' | tr 'A-Z' 'a-z')"
  local exts=""
  if [[ -f "$fx/expected.note" ]]; then
    exts=$(sed -n 's/^extensions: *//p' "$fx/expected.note" | tr ',' ' ')
  fi
  for ext in $exts; do
    available=$("${PSQL[@]}" -d postgres -Atc "select count(*) from pg_available_extensions where name = '$ext'" 2>&1)
    if [[ "$available" != "1" ]]; then
      echo "skip $name (extension $ext is not available on this server)"
      skipped=$((skipped + 1))
      return
    fi
  done
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1
  drop_roles "$fx/expected.snapshot.json"
  if ! out=$("${PSQL[@]}" -d postgres -c "CREATE DATABASE \"$db\"" 2>&1); then
    echo "FAIL $name: cannot create database: $out"
    failed=$((failed + 1))
    return
  fi
  local ok=1
  for ext in $exts; do
    out=$("${PSQL[@]}" -d "$db" -c "CREATE EXTENSION IF NOT EXISTS \"$ext\"" 2>&1) || { ok=0; break; }
  done
  # What the fixture's platform provides first (prelude.sql).
  if [[ $ok == 1 && -f "$fx/prelude.sql" ]]; then
    out=$("${PSQL[@]}" -d "$db" -f "$fx/prelude.sql" 2>&1) || ok=0
  fi
  if [[ $ok == 1 ]]; then
    out=$("${PSQL[@]}" -d "$db" -f "$fx/expected.sql" 2>&1) || ok=0
  fi
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1
  drop_roles "$fx/expected.snapshot.json"
  if [[ $ok == 1 ]]; then
    echo "ok   $name (postgresql)"
    passed=$((passed + 1))
  else
    echo "FAIL $name (postgresql):"
    printf '%s\n' "$out" | sed 's/^/     /'
    failed=$((failed + 1))
  fi
}

check_sqlite() {
  local fx="$1" name="$2" out
  if out=$(sqlite3 -bail :memory: ".read $fx/expected.sql" 2>&1) && [[ -z "$out" ]]; then
    echo "ok   $name (sqlite)"
    passed=$((passed + 1))
  else
    echo "FAIL $name (sqlite):"
    printf '%s\n' "$out" | sed 's/^/     /'
    failed=$((failed + 1))
  fi
}

# MySQL fixtures: mariadb-show.sh --check, when a server is configured.
check_mysql() {
  local fx="$1" name="$2" out
  if [[ -z "${DB_MIGRATE_TEST_MYSQL_URL:-}${DB_MIGRATE_TEST_MYSQL_SOCKET:-}" ]]; then
    echo "skip $name (mysql: no DB_MIGRATE_TEST_MYSQL_URL; see mariadb-show.sh)"
    skipped=$((skipped + 1))
  elif out=$("$ORACLE_DIR/mariadb-show.sh" --check "$name" 2>&1); then
    echo "ok   $name (mysql)"
    passed=$((passed + 1))
  else
    echo "FAIL $name (mysql):"
    printf '%s\n' "$out" | sed 's/^/     /'
    failed=$((failed + 1))
  fi
}

fixtures=()
if [[ $# -gt 0 ]]; then
  for a in "$@"; do fixtures+=("$FIXTURES_DIR/${a%/}"); done
else
  for d in "$FIXTURES_DIR"/*/; do fixtures+=("${d%/}"); done
fi

for fx in "${fixtures[@]}"; do
  name=$(basename "$fx")
  if [[ ! -f "$fx/expected.sql" ]]; then
    continue
  fi
  case "$(json_field "$fx/expected.snapshot.json" 's.dialect')" in
    postgresql) check_pg "$fx" "$name" ;;
    sqlite) check_sqlite "$fx" "$name" ;;
    mysql) check_mysql "$fx" "$name" ;;
    *) echo "FAIL $name: unknown dialect"; failed=$((failed + 1)) ;;
  esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
