#!/usr/bin/env bash
# Runs a command with a MariaDB (MySQL-compatible) server at hand.
#
#   scripts/with-mariadb.sh <command> [args...]
#
# With DB_MIGRATE_TEST_MYSQL_URL set, the command runs against that server.
# Otherwise a throwaway MariaDB server is started in a temp dir:
#   - binaries from $MARIADB_BIN (a folder holding all four), else the PATH,
#     /usr/sbin and /usr/libexec (mariadbd, mariadb-install-db, mariadb,
#     mariadb-admin; the older mysqld/mysql_install_db/mysql/mysqladmin names too);
#   - no option files are read (--no-defaults): nothing from /etc/mysql, and
#     nothing is written outside the temp dir (data, socket, pid file, error log
#     and tmpdir all live in it);
#   - listening on a free port on 127.0.0.1 and on the Unix socket
#     <temp dir>/mysqld.sock; character set utf8mb4 (utf8mb4_general_ci);
#   - user dbm_secret / s3cr3t-pw from 127.0.0.1, ::1 and localhost, with ALL
#     PRIVILEGES ON *.* WITH GRANT OPTION (tests create a database each), real
#     password authentication over TCP; root@localhost (socket only) has none;
#   - it must answer within $MARIADB_START_TIMEOUT seconds (default 60).
# It exports
#   DB_MIGRATE_TEST_MYSQL_URL=mysql://dbm_secret:s3cr3t-pw@127.0.0.1:<port>
#   DB_MIGRATE_TEST_MYSQL_SOCKET=<temp dir>/mysqld.sock
# The server and the temp dir are always removed on exit (also on Ctrl-C or a
# failure); the exit code is the command's. Runs as root (the server then runs
# as `mysql`) or as a normal user. Composes with scripts/with-pg.sh:
#   scripts/with-pg.sh scripts/with-mariadb.sh scripts/test.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'with-mariadb: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -gt 0 ]] || die "usage: scripts/with-mariadb.sh <command> [args...]"

if [[ -n "${DB_MIGRATE_TEST_MYSQL_URL:-}" ]]; then
  # Show the server without its password.
  shown=$(printf '%s' "$DB_MIGRATE_TEST_MYSQL_URL" | sed -E 's#(://[^:/@]*:).*@#\1****@#; s#(password=)[^&[:space:]]*#\1****#g')
  log "using the MySQL/MariaDB server at $shown (DB_MIGRATE_TEST_MYSQL_URL)"
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi

started_at=$(date +%s.%N)

# --- locate the server binaries -------------------------------------------
install_hint="install MariaDB (apt-get install mariadb-server), set MARIADB_BIN, or set DB_MIGRATE_TEST_MYSQL_URL to a server to use"

# find_tool <name...>: the first of these programs found
find_tool() {
  local name dir
  for name in "$@"; do
    if [[ -n "${MARIADB_BIN:-}" ]]; then
      if [[ -x "$MARIADB_BIN/$name" ]]; then printf '%s\n' "$MARIADB_BIN/$name"; return 0; fi
      continue
    fi
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for dir in /usr/sbin /usr/libexec /usr/local/sbin /usr/local/bin /usr/bin; do
      if [[ -x "$dir/$name" ]]; then printf '%s\n' "$dir/$name"; return 0; fi
    done
  done
  return 1
}

if ! mariadbd=$(find_tool mariadbd); then
  # An older server named mysqld will do only when it is MariaDB.
  if ! mariadbd=$(find_tool mysqld) || ! "$mariadbd" --version 2>/dev/null | grep -q MariaDB; then
    die "no MariaDB server (mariadbd) found; $install_hint"
  fi
fi
install_db=$(find_tool mariadb-install-db mysql_install_db) || die "mariadb-install-db not found; $install_hint"
client=$(find_tool mariadb mysql) || die "the mariadb client not found; $install_hint"
admin=$(find_tool mariadb-admin mysqladmin) || die "mariadb-admin not found; $install_hint"

# --- the server runs as `mysql` when we are root -----------------------------
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  id -u mysql >/dev/null 2>&1 || die "running as root needs a 'mysql' system user to run the server (it comes with the mariadb-server package)"
  as_user=(--user=mysql)
  tmp_parent=/tmp # must be reachable by the mysql user
else
  tmp_parent=${TMPDIR:-/tmp}
fi

tmp=$(mktemp -d "$tmp_parent/dbm-mariadb.XXXXXX")
data="$tmp/data"
sock="$tmp/mysqld.sock"
server_log="$tmp/server.log"
server_pid=""

stop_server() {
  [[ -n "$server_pid" ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # innodb_fast_shutdown=2: nothing to flush, a few tenths of a second.
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_server
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$data" "$tmp/tmp"
if [[ ${#as_user[@]} -gt 0 ]]; then
  chown -R mysql:mysql "$tmp"
fi

# Options for both the bootstrap and the server: small, no durability (the
# data is thrown away), nothing outside the temp dir. (The server alone gets
# innodb_fast_shutdown=2: the bootstrap must leave a data dir that opens.)
common_opts=(
  --datadir="$data"
  --tmpdir="$tmp/tmp"
  --character-set-server=utf8mb4
  --collation-server=utf8mb4_general_ci
  --innodb-buffer-pool-size=32M
  --innodb-log-file-size=16M
  --innodb-log-buffer-size=4M
  --innodb-flush-log-at-trx-commit=0
  --innodb-doublewrite=0
  --skip-name-resolve
)

# --- mariadb-install-db -----------------------------------------------------
"$install_db" --no-defaults "${as_user[@]}" --auth-root-authentication-method=normal \
  --skip-test-db "${common_opts[@]}" \
  >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; die "mariadb-install-db failed (log above)"; }

# --- pick a free port and start -------------------------------------------
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' && return
  fi
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return
    fi
  done
  die "could not find a free TCP port"
}

root_sql() {
  "$client" --no-defaults --protocol=socket --socket="$sock" -uroot --batch --skip-column-names "$@"
}

# wait_ready: 0 once the server answers, 1 if it exited, 2 on timeout
wait_ready() {
  local deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      return 1
    fi
    if [[ -S "$sock" ]] && "$admin" --no-defaults --protocol=socket --socket="$sock" -uroot \
      --connect-timeout=2 ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.05
  done
  return 2
}

start_timeout=${MARIADB_START_TIMEOUT:-60}
[[ $start_timeout =~ ^[1-9][0-9]*$ ]] || die "MARIADB_START_TIMEOUT must be a number of seconds"
port=""
ready=0
for attempt in 1 2 3; do
  port=$(free_port)
  "$mariadbd" --no-defaults "${as_user[@]}" "${common_opts[@]}" \
    --port="$port" --bind-address=127.0.0.1 --socket="$sock" \
    --pid-file="$tmp/mysqld.pid" --log-error="$server_log" \
    --max-connections=200 --skip-log-bin --performance-schema=OFF \
    --innodb-fast-shutdown=2 \
    >>"$tmp/server.out" 2>&1 &
  server_pid=$!
  status=0
  wait_ready || status=$?
  if [[ $status -eq 0 ]]; then
    ready=1
    break
  fi
  if [[ $status -eq 2 ]]; then
    log "MariaDB did not answer within ${start_timeout}s on port $port; last lines of its log $server_log (removed on exit):"
    tail -n 30 "$server_log" >&2 2>/dev/null || true
    stop_server
    die "could not start MariaDB (timed out)"
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  log "the server did not start on port $port (attempt $attempt); last lines of $server_log:"
  tail -n 5 "$server_log" >&2 2>/dev/null || true
  grep -q -i 'bind on tcp/ip port\|address already in use' "$server_log" 2>/dev/null || break
done
if [[ $ready -ne 1 ]]; then
  tail -n 30 "$tmp/server.out" >&2 2>/dev/null || true
  die "could not start MariaDB (see the log lines above)"
fi

root_sql >/dev/null <<'EOF' || die "could not create the dbm_secret user"
CREATE USER 'dbm_secret'@'127.0.0.1' IDENTIFIED BY 's3cr3t-pw';
CREATE USER 'dbm_secret'@'::1' IDENTIFIED BY 's3cr3t-pw';
CREATE USER 'dbm_secret'@'localhost' IDENTIFIED BY 's3cr3t-pw';
GRANT ALL PRIVILEGES ON *.* TO 'dbm_secret'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'dbm_secret'@'::1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'dbm_secret'@'localhost' WITH GRANT OPTION;
EOF

# root keeps only root@localhost (the socket): every TCP login needs a password.
root_sql -e "SELECT CONCAT('DROP USER ', QUOTE(user), '@', QUOTE(host), ';') FROM mysql.user
  WHERE user = 'root' AND host <> 'localhost'" | root_sql >/dev/null ||
  die "could not drop the root accounts reachable over TCP"

# Password authentication over TCP really works.
"$client" --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -udbm_secret -ps3cr3t-pw \
  -e 'SELECT 1' >/dev/null 2>&1 || die "dbm_secret cannot log in over TCP at 127.0.0.1:$port"

export DB_MIGRATE_TEST_MYSQL_URL="mysql://dbm_secret:s3cr3t-pw@127.0.0.1:$port"
export DB_MIGRATE_TEST_MYSQL_SOCKET="$sock"

version=$(root_sql -e 'SELECT VERSION()')
elapsed=$(LC_ALL=C awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
log "MariaDB $version ready in ${elapsed}s at 127.0.0.1:$port and Unix socket $sock"
log "  DB_MIGRATE_TEST_MYSQL_URL=mysql://dbm_secret:****@127.0.0.1:$port"
log "  DB_MIGRATE_TEST_MYSQL_SOCKET=$DB_MIGRATE_TEST_MYSQL_SOCKET"
log "  data dir $data, server log $server_log; all removed on exit"

set +e
"$@"
rc=$?
set -e
if [[ $rc -ne 0 && -s "$server_log" ]]; then
  log "the command failed; last lines of the server log:"
  tail -n 20 "$server_log" >&2 || true
fi
exit "$rc"
