#!/usr/bin/env bash
# Runs a command with a PostgreSQL server at hand.
#
#   scripts/with-pg.sh <command> [args...]
#
# With DB_MIGRATE_TEST_PG_URL set, the command runs against that server.
# Otherwise a throwaway PostgreSQL cluster is started in a temp dir:
#   - binaries from $PG_BIN, else `pg_config --bindir`, else the newest
#     /usr/lib/postgresql/*/bin;
#   - listening on a free port on 127.0.0.1 and on a Unix socket in the temp dir;
#   - TLS on, with a throwaway CA (exported as DB_MIGRATE_TEST_PG_CA);
#   - role dbm_secret / s3cr3t-pw (superuser) must use scram-sha-256 over TCP,
#     everyone else is trusted.
# The cluster and the temp dir are always removed on exit; the exit code is
# the command's. scripts/test.sh (the test suite) and bench/run.sh use it. Runs as root (the server then runs as `postgres`) or as
# a normal user.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'with-pg: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -gt 0 ]] || die "usage: scripts/with-pg.sh <command> [args...]"

if [[ -n "${DB_MIGRATE_TEST_PG_URL:-}" ]]; then
  # Show the server without its password.
  shown=$(printf '%s' "$DB_MIGRATE_TEST_PG_URL" | sed -E 's#(://[^:/@]*:).*@#\1****@#; s#(password=)[^&[:space:]]*#\1****#g')
  log "using the PostgreSQL server at $shown (DB_MIGRATE_TEST_PG_URL)"
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi

started_at=$(date +%s.%N)

# --- locate the server binaries -------------------------------------------
find_pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/initdb" ]] || die "PG_BIN=$PG_BIN has no initdb"
    printf '%s\n' "$PG_BIN"
    return
  fi
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
      printf '%s\n' "$dir"
      return
    fi
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    printf '%s\n' "$dir"
    return
  fi
  die "no PostgreSQL server binaries found; install PostgreSQL (apt-get install postgresql), set PG_BIN, or set DB_MIGRATE_TEST_PG_URL"
}
pg_bin=$(find_pg_bin)

command -v openssl >/dev/null 2>&1 || die "openssl is needed to make the test TLS certificates"

# --- run server commands as `postgres` when we are root --------------------
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user to run the server (it comes with the postgresql package)"
  as_pg=(runuser -u postgres --)
  tmp_parent=/tmp # must be reachable by the postgres user
else
  tmp_parent=${TMPDIR:-/tmp}
fi

tmp=$(mktemp -d "$tmp_parent/dbm-pg.XXXXXX")
data="$tmp/data"
tls="$tmp/tls"
server_started=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $server_started -eq 1 ]]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- a throwaway CA and server certificate ---------------------------------
mkdir -p "$tls"
(
  cd "$tls"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout ca.key -out ca.crt -days 2 -subj "/CN=db-migrate test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout server.key -out server.csr -subj "/CN=localhost"
  printf '%s\n' \
    "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days 2 -extfile server.ext -out server.crt
  chmod 600 server.key ca.key
) >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; die "could not create the test certificates"; }
chmod 644 "$tls/ca.crt"

if [[ ${#as_pg[@]} -gt 0 ]]; then
  chown -R postgres:postgres "$tmp"
fi

# --- initdb ---------------------------------------------------------------
"${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }

cat >"$data/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER        ADDRESS        METHOD
local   all       all                        trust
host    all       dbm_secret  127.0.0.1/32   scram-sha-256
host    all       dbm_secret  ::1/128        scram-sha-256
host    all       all         127.0.0.1/32   trust
host    all       all         ::1/128        trust
EOF
if [[ ${#as_pg[@]} -gt 0 ]]; then
  chown postgres:postgres "$data/pg_hba.conf"
fi

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

port=""
for attempt in 1 2 3; do
  port=$(free_port)
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$tmp \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
     -c ssl=on -c ssl_cert_file=$tls/server.crt -c ssl_key_file=$tls/server.key \
     -c password_encryption=scram-sha-256" >/dev/null; then
    server_started=1
    break
  fi
  log "the server did not start on port $port (attempt $attempt):"
  tail -n 5 "$tmp/server.log" >&2 || true
done
[[ $server_started -eq 1 ]] || die "could not start PostgreSQL"

for _ in $(seq 1 100); do
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
  sleep 0.1
done
"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" || die "PostgreSQL is not accepting TCP connections on 127.0.0.1:$port"

"${as_pg[@]}" "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp" -p "$port" -U postgres -d postgres \
  -c "CREATE ROLE dbm_secret LOGIN SUPERUSER PASSWORD 's3cr3t-pw'" >/dev/null

export DB_MIGRATE_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export DB_MIGRATE_TEST_PG_CA="$tls/ca.crt"
export DB_MIGRATE_TEST_PG_SOCKET_DIR="$tmp"

version=$("$pg_bin/postgres" --version | awk '{print $3}')
elapsed=$(LC_ALL=C awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
log "PostgreSQL $version ready in ${elapsed}s at 127.0.0.1:$port (TLS on) and Unix socket $tmp"
log "  DB_MIGRATE_TEST_PG_URL=$DB_MIGRATE_TEST_PG_URL"
log "  DB_MIGRATE_TEST_PG_CA=$DB_MIGRATE_TEST_PG_CA"
log "  data dir $data, server log $tmp/server.log; all removed on exit"

set +e
"$@"
rc=$?
set -e
if [[ $rc -ne 0 && -s "$tmp/server.log" ]]; then
  log "the command failed; last lines of the server log:"
  tail -n 20 "$tmp/server.log" >&2 || true
fi
exit "$rc"
