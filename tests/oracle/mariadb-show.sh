#!/usr/bin/env bash
# mariadb-show.sh: apply the MySQL fixtures' expected.sql to MariaDB and record
# what the server made of it.
#
# Usage (a server from scripts/with-mariadb.sh, or any MariaDB/MySQL server):
#   scripts/with-mariadb.sh tests/oracle/mariadb-show.sh            # every MySQL fixture
#   scripts/with-mariadb.sh tests/oracle/mariadb-show.sh 60_mysql_column_types
#   scripts/with-mariadb.sh tests/oracle/mariadb-show.sh --check    # compare, write nothing
#
# The connection: DB_MIGRATE_TEST_MYSQL_URL (mysql://user:password@host:port),
# through the Unix socket DB_MIGRATE_TEST_MYSQL_SOCKET instead of TCP when that
# is set too (with-mariadb.sh sets both). The user must be able to create and
# drop databases. No option files are read.
#
# For each fixture whose expected.snapshot.json has dialect "mysql" (fixtures
# without expected.sql are skipped), it creates a fresh database named
# oracle_<fixture> (utf8mb4, utf8mb4_general_ci), splits expected.sql on
# `--> statement-breakpoint` and runs each statement with the mariadb client, in
# order. A statement that fails is reported and the rest still run. Then it
# writes expected.mariadb.txt next to the fixture:
#
#   -- <fixture>: SHOW CREATE TABLE after expected.sql on MariaDB <major.minor>
#   -- failed: statement <n>: <server message>      (one line per failed statement)
#   -- table `<name>`
#   CREATE TABLE `<name>` (...) ENGINE=InnoDB ...;
#   -- view `<name>`
#   CREATE ... VIEW `<name>` AS ...;
#
# tables sorted by name, then views sorted by name; the table option
# AUTO_INCREMENT=<n> and a view's DEFINER=<user>@<host> (which depends on how the
# client connected) are left out. The database is dropped afterwards.
#
# A statement that fails must be explained in the fixture's expected.note, by a
# line "mariadb: statement <n> fails: <why>"; an unexplained failure, or an
# explained statement that now applies, makes the fixture FAIL.
#
# With --check nothing is written: the output is compared with the recorded
# expected.mariadb.txt and a difference is a failure.
#
# Prints one line per fixture and "N passed, N failed, N skipped"; exits 1 when
# a fixture failed.
set -uo pipefail

ORACLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES_DIR=$(cd "$ORACLE_DIR/../fixtures/drizzle" && pwd)

CHECK=0
if [[ "${1:-}" == "--check" ]]; then
  CHECK=1
  shift
fi

die() { echo "mariadb-show.sh: $*" >&2; exit 2; }

client=$(command -v mariadb || command -v mysql) ||
  die "the mariadb client is not installed (apt-get install mariadb-client)"

url=${DB_MIGRATE_TEST_MYSQL_URL:-}
sock=${DB_MIGRATE_TEST_MYSQL_SOCKET:-}
[[ -n "$url" || -n "$sock" ]] ||
  die "set DB_MIGRATE_TEST_MYSQL_URL (or run under scripts/with-mariadb.sh)"

# %XX escapes in the user name and password of the URL.
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

user=root password="" host=127.0.0.1 port=3306
if [[ -n "$url" ]]; then
  re='^mysql[a-z0-9+]*://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?(/[^?]*)?(\?.*)?$'
  [[ "$url" =~ $re ]] || die "DB_MIGRATE_TEST_MYSQL_URL is not a mysql:// URL"
  [[ -n "${BASH_REMATCH[2]}" ]] && user=$(urldecode "${BASH_REMATCH[2]}")
  password=$(urldecode "${BASH_REMATCH[4]}")
  [[ -n "${BASH_REMATCH[5]}" ]] && host=${BASH_REMATCH[5]}
  [[ -n "${BASH_REMATCH[7]}" ]] && port=${BASH_REMATCH[7]}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dbm-mariadb-show.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

# The client reads only this file: the password stays off the command line.
cnf="$work/client.cnf"
{
  echo "[client]"
  echo "user=$user"
  [[ -n "$password" ]] && echo "password=\"$password\""
  if [[ -n "$sock" ]]; then
    echo "protocol=socket"
    echo "socket=$sock"
  else
    echo "protocol=tcp"
    echo "host=$host"
    echo "port=$port"
  fi
} >"$cnf"
chmod 600 "$cnf"

sql() { "$client" --defaults-file="$cnf" --batch --skip-column-names --raw "$@"; }

server=$(sql -e 'SELECT VERSION()' 2>&1) || die "cannot connect: $server"
server_name=MySQL
[[ "$server" == *MariaDB* ]] && server_name=MariaDB
server_version=$(printf '%s' "$server" | grep -oE '^[0-9]+\.[0-9]+')

json_field() { # file, node expression on the parsed JSON `s`
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$1" "$2"
}

# show_fixture <fixture dir> <name> <output file>: 0 when the failures are
# exactly the ones expected.note explains.
show_fixture() {
  local fx="$1" name="$2" out="$3" db chunks n=0 msg status=0
  db="oracle_$(printf '%s' "$name" | tr -c 'a-zA-Z0-9_' '_' | tr 'A-Z' 'a-z')"
  sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" ||
    { echo "     cannot create the database $db"; return 1; }

  chunks="$work/$name"
  rm -rf "$chunks"
  mkdir -p "$chunks"
  awk -v dir="$chunks" 'BEGIN { RS = "--> statement-breakpoint" }
    { n++; printf "%s", $0 > sprintf("%s/%04d.sql", dir, n); close(sprintf("%s/%04d.sql", dir, n)) }' \
    "$fx/expected.sql"

  local failures=() expected_fail=()
  if [[ -f "$fx/expected.note" ]]; then
    mapfile -t expected_fail < <(sed -n 's/^mariadb: statement \([0-9][0-9]*\) fails:.*/\1/p' "$fx/expected.note")
  fi
  local f
  for f in "$chunks"/*.sql; do
    n=$((n + 1))
    if ! msg=$(sql --database="$db" <"$f" 2>&1); then
      # The client echoes the statement around its error; keep the error.
      msg=$(printf '%s\n' "$msg" | sed -n '/^ERROR /,$p' | tr '\n\t' '  ' |
        sed -E 's/^(ERROR [0-9]+ \([0-9A-Z]+\)) at line [0-9]+:/\1:/; s/  +/ /g; s/ $//')
      [[ -n "$msg" ]] || msg="the client failed"
      failures+=("$n")
      printf -- '-- failed: statement %d: %s\n' "$n" "$msg" >>"$work/failed.txt"
      if [[ " ${expected_fail[*]} " != *" $n "* ]]; then
        echo "     statement $n fails and expected.note does not say why:"
        sed 's/^/       /' "$f"
        echo
        echo "       $msg"
        status=1
      fi
    fi
  done
  for n in "${expected_fail[@]}"; do
    if [[ " ${failures[*]} " != *" $n "* ]]; then
      echo "     statement $n applies, but expected.note says it fails"
      status=1
    fi
  done

  {
    printf -- '-- %s: SHOW CREATE TABLE after expected.sql on %s %s\n' "$name" "$server_name" "$server_version"
    [[ -f "$work/failed.txt" ]] && cat "$work/failed.txt"
    local kind tbl create
    while IFS=$'\t' read -r tbl kind; do
      [[ -n "$tbl" ]] || continue
      if [[ "$kind" == "VIEW" ]]; then
        # View, Create View, character_set_client, collation_connection
        create=$(sql --database="$db" -e "SHOW CREATE VIEW \`$tbl\`" |
          sed -E $'1s/^[^\t]*\t//; $s/\t[^\t]*\t[^\t]*$//; s/ DEFINER=`[^`]*`@`[^`]*`//')
        printf -- '-- view `%s`\n%s;\n' "$tbl" "$create"
      else
        # Table, Create Table
        create=$(sql --database="$db" -e "SHOW CREATE TABLE \`$tbl\`" |
          sed -E $'1s/^[^\t]*\t//; s/ AUTO_INCREMENT=[0-9]+//')
        printf -- '-- table `%s`\n%s;\n' "$tbl" "$create"
      fi
    done < <(sql --database="$db" -e "SELECT table_name, IF(table_type = 'VIEW', 'VIEW', 'TABLE') FROM information_schema.tables
      WHERE table_schema = DATABASE() ORDER BY table_type = 'VIEW', CAST(table_name AS BINARY)")
  } >"$out.body"
  rm -f "$work/failed.txt"

  sql -e "DROP DATABASE IF EXISTS \`$db\`" || true
  mv "$out.body" "$out"
  return $status
}

fixtures=()
if [[ $# -gt 0 ]]; then
  for a in "$@"; do fixtures+=("$FIXTURES_DIR/${a%/}"); done
else
  for d in "$FIXTURES_DIR"/*/; do fixtures+=("${d%/}"); done
fi

passed=0 failed=0 skipped=0
for fx in "${fixtures[@]}"; do
  name=$(basename "$fx")
  if [[ ! -d "$fx" ]]; then
    echo "FAIL $name: no such fixture"
    failed=$((failed + 1))
    continue
  fi
  [[ -f "$fx/expected.snapshot.json" ]] || continue
  [[ "$(json_field "$fx/expected.snapshot.json" 's.dialect')" == mysql ]] || continue
  if [[ ! -f "$fx/expected.sql" ]]; then
    echo "skip $name (no expected.sql)"
    skipped=$((skipped + 1))
    continue
  fi
  result="$work/$name.txt"
  ok=1
  show_fixture "$fx" "$name" "$result" || ok=0
  if [[ $CHECK -eq 1 ]]; then
    if [[ ! -f "$fx/expected.mariadb.txt" ]]; then
      echo "     no expected.mariadb.txt recorded"
      ok=0
    elif ! diff -u "$fx/expected.mariadb.txt" "$result" >"$work/diff"; then
      echo "     differs from expected.mariadb.txt:"
      sed 's/^/       /' "$work/diff"
      ok=0
    fi
  elif [[ -s "$result" ]]; then
    cp "$result" "$fx/expected.mariadb.txt.tmp" && mv "$fx/expected.mariadb.txt.tmp" "$fx/expected.mariadb.txt"
  fi
  if [[ $ok -eq 1 ]]; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
