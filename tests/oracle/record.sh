#!/usr/bin/env bash
# record.sh: record what the pinned drizzle-kit generates for each fixture.
#
# Usage (from anywhere; needs `npm ci` in tests/oracle once, then works offline):
#   tests/oracle/record.sh                  # every fixture
#   tests/oracle/record.sh 07_indexes 26_sqlite_builders   # only these
#   tests/oracle/record.sh --kit1 [fixture...]   # drizzle-kit 1.x's snapshots (below)
#
# For every folder tests/fixtures/drizzle/<NN_name>/ it runs
# `drizzle-kit generate` with the fixture's own config file (drizzle.config.ts,
# .js, .mjs, .cjs, .mts or .json; `out` must be './.drizzle-out'), starting
# from an empty migrations folder, with the fixture folder as the working
# directory (so its .env and tsconfig.json are used) and a clean environment.
# Then, next to the fixture:
#
#   expected.sql             the generated migration, byte for byte (breakpoint
#                            markers kept; no trailing newline, as drizzle-kit writes it)
#   expected.snapshot.json   meta/0000_snapshot.json from the same run, with the
#                            random "id" replaced by 00000000-0000-0000-0000-000000000001
#                            and "prevId" by 00000000-0000-0000-0000-000000000000
#
# Hand-written files decide how a fixture is recorded:
#
#   expected.error           a compatible tool must refuse this schema. drizzle-kit's
#                            output, if any, goes to drizzle-kit.sql and
#                            drizzle-kit.snapshot.json (reference only); when it
#                            writes nothing, its console output goes to drizzle-kit.log.
#   expected.note            first line "status: expected": drizzle-kit's output is
#                            the expected output (expected.sql/.snapshot.json), the
#                            note says something about it (e.g. needs an extension).
#                            first line "status: reference": drizzle-kit's output is
#                            wrong; it is kept as drizzle-kit.sql/.snapshot.json only.
#                            A line "extensions: a, b" is for check-apply.sh.
#
# Outputs are replaced only once the new ones exist, and the previous ones are
# removed then (an interrupted run leaves the committed files alone). Only one
# run at a time (a lock in node_modules/).
#
# While drizzle-kit runs, the fixture gets a temporary node_modules/ (symlinks to
# this folder's drizzle-orm, drizzle-kit and other devDependencies, plus the
# fixture's own workspace packages from package.json "workspaces" or
# pnpm-workspace.yaml) and the ./.drizzle-out folder. Both are removed
# afterwards, also when the script is interrupted. The tsx cache is disabled, so
# nothing is written outside the fixture folders.
#
# With --kit1, the drizzle-kit 1.x release candidate pinned in kit1/ (`npm ci
# --prefix tests/oracle/kit1`) runs instead, on the fixtures with an expected
# result, and writes only `kit1.snapshot.json`: its snapshot (1.x layout
# <id>_fixture/snapshot.json) without the "footprints" list, with the random
# "id" replaced as above and "prevIds" by [the placeholder]. A fixture 1.x
# cannot read is listed as `skip` and keeps no kit1.snapshot.json.
#
# Exit status: 0 when every fixture was recorded as its files say, 1 otherwise.
set -euo pipefail

ORACLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$ORACLE_DIR/../.." && pwd)
FIXTURES_DIR="$REPO_DIR/tests/fixtures/drizzle"
KIT1=0
if [[ "${1:-}" == "--kit1" ]]; then
  KIT1=1
  shift
fi
KIT_MODULES="$ORACLE_DIR/node_modules"
[[ $KIT1 -eq 1 ]] && KIT_MODULES="$ORACLE_DIR/kit1/node_modules"
KIT="$KIT_MODULES/drizzle-kit/bin.cjs"
MARKER=".oracle-temporary"
ID_PLACEHOLDER="00000000-0000-0000-0000-000000000001"
PREV_PLACEHOLDER="00000000-0000-0000-0000-000000000000"

if [[ ! -f "$KIT" ]]; then
  echo "record.sh: $KIT not found; run 'npm ci --prefix ${KIT_MODULES%/node_modules}' first" >&2
  exit 1
fi

# One run at a time: two runs would share the fixtures' temporary folders.
exec 9>"$ORACLE_DIR/node_modules/.record.lock"
if ! flock -n 9; then
  echo "record.sh: another run is in progress" >&2
  exit 1
fi

# Packages every fixture may import: the oracle's own direct dependencies.
mapfile -t ORACLE_PACKAGES < <(node -e '
  const p = require(process.argv[1]);
  for (const n of Object.keys({ ...p.dependencies, ...p.devDependencies }).sort()) console.log(n);
' "$ORACLE_DIR/package.json")

CURRENT=""
cleanup_fixture() {
  local fx="$1"
  [[ -n "$fx" ]] || return 0
  rm -rf "$fx/.drizzle-out"
  if [[ -e "$fx/node_modules/$MARKER" ]]; then
    rm -rf "$fx/node_modules"
  fi
}
trap 'cleanup_fixture "$CURRENT"' EXIT
trap 'exit 130' INT TERM HUP

# link <node_modules dir> <package name> <target dir>
link_package() {
  local nm="$1" name="$2" target="$3"
  mkdir -p "$(dirname "$nm/$name")"
  ln -s "$target" "$nm/$name"
}

prepare_fixture() {
  local fx="$1" nm="$1/node_modules"
  if [[ -e "$nm" && ! -e "$nm/$MARKER" ]]; then
    echo "record.sh: $nm exists and was not made by this script; remove it first" >&2
    return 1
  fi
  rm -rf "$nm" "$fx/.drizzle-out"
  mkdir -p "$nm"
  : >"$nm/$MARKER"
  local name dir
  for name in "${ORACLE_PACKAGES[@]}"; do
    if [[ -e "$KIT_MODULES/$name" ]]; then
      link_package "$nm" "$name" "$KIT_MODULES/$name"
    else
      link_package "$nm" "$name" "$ORACLE_DIR/node_modules/$name"
    fi
  done
  while IFS=$'\t' read -r name dir; do
    [[ -n "$name" ]] || continue
    rm -rf "${nm:?}/$name"
    link_package "$nm" "$name" "$fx/$dir"
  done < <(node "$ORACLE_DIR/workspaces.cjs" "$fx")
  # Published packages the fixture keeps in npm/, copied so that they live
  # inside node_modules as an install puts them.
  if [[ -d "$fx/npm" ]]; then
    cp -R "$fx/npm/." "$nm/"
  fi
}

find_config() {
  local fx="$1" c
  for c in drizzle.config.ts drizzle.config.js drizzle.config.mjs drizzle.config.cjs drizzle.config.mts drizzle.config.json; do
    if [[ -f "$fx/$c" ]]; then echo "$c"; return 0; fi
  done
  return 1
}

# Console output without colours and without machine-specific paths.
sanitize_log() {
  local fx="$1"
  sed -e $'s/\x1b\\[[0-9;?]*[A-Za-z]//g' \
      -e "s#$fx#<fixture>#g" \
      -e "s#$ORACLE_DIR#<oracle>#g"
}

normalize_snapshot() {
  sed -e "0,/^  \"id\": \"[^\"]*\",\$/s//  \"id\": \"$ID_PLACEHOLDER\",/" \
      -e "0,/^  \"prevId\": \"[^\"]*\",\$/s//  \"prevId\": \"$PREV_PLACEHOLDER\",/"
}

# drizzle-kit 1.x's snapshot without its footprints, ids replaced.
normalize_kit1_snapshot() {
  node -e '
    const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
    delete s.footprints;
    s.id = process.argv[1];
    s.prevIds = [process.argv[2]];
    process.stdout.write(JSON.stringify(s, null, 2) + "\n");
  ' "$ID_PLACEHOLDER" "$PREV_PLACEHOLDER"
}

record_kit1_fixture() {
  local fx="$1" name config
  name=$(basename "$fx")
  if [[ -f "$fx/expected.error" ]] || head -n 1 "$fx/expected.note" 2>/dev/null | grep -q reference; then
    return 0
  fi
  config=$(find_config "$fx") || { echo "FAIL $name: no drizzle.config.* file"; return 1; }
  CURRENT="$fx"
  prepare_fixture "$fx"
  local log snap
  log=$(cd "$fx" && env -i PATH="$PATH" HOME="${HOME:-/nonexistent}" TSX_DISABLE_CACHE=1 NO_COLOR=1 \
        node "$KIT" generate --config="$config" --name=fixture </dev/null 2>&1) || true
  snap=$(find "$fx/.drizzle-out" -mindepth 2 -maxdepth 2 -name snapshot.json 2>/dev/null | head -n 1)
  if [[ -n "$snap" ]]; then
    normalize_kit1_snapshot <"$snap" >"$fx/.drizzle-out/kit1.snapshot.json"
    mv "$fx/.drizzle-out/kit1.snapshot.json" "$fx/kit1.snapshot.json"
    echo "ok   $name -> kit1.snapshot.json"
  else
    rm -f "$fx/kit1.snapshot.json"
    echo "skip $name: drizzle-kit 1.x wrote no migration: $(printf '%s\n' "$log" | sanitize_log "$fx" | grep -v '^Reading config\|^No config' | head -n 1)"
  fi
  cleanup_fixture "$fx"
  CURRENT=""
}

record_fixture() {
  local fx="$1" name mode config log
  name=$(basename "$fx")
  if [[ $KIT1 -eq 1 ]]; then
    record_kit1_fixture "$fx"
    return
  fi
  mode=expected
  if [[ -f "$fx/expected.error" ]]; then
    mode=error
  elif [[ -f "$fx/expected.note" ]]; then
    case "$(head -n 1 "$fx/expected.note")" in
      "status: expected") mode=expected ;;
      "status: reference") mode=reference ;;
      *) echo "FAIL $name: expected.note must start with 'status: expected' or 'status: reference'"; return 1 ;;
    esac
  fi
  if ! config=$(find_config "$fx"); then
    echo "FAIL $name: no drizzle.config.* file"
    return 1
  fi

  CURRENT="$fx"
  prepare_fixture "$fx"
  # A clean environment: the fixture's .env is the only source of variables.
  log=$(cd "$fx" && env -i PATH="$PATH" HOME="${HOME:-/nonexistent}" TSX_DISABLE_CACHE=1 NO_COLOR=1 \
        node "$KIT" generate --config="$config" --name=fixture </dev/null 2>&1) || true

  local out="$fx/.drizzle-out" sql snap status=0
  sql=$(find "$out" -maxdepth 1 -name '*.sql' 2>/dev/null | sort)
  snap="$out/meta/0000_snapshot.json"
  # The previous outputs are replaced only once the new ones exist, so an
  # interrupted run leaves the committed files as they were.
  local stale=("$fx/expected.sql" "$fx/expected.snapshot.json"
               "$fx/drizzle-kit.sql" "$fx/drizzle-kit.snapshot.json" "$fx/drizzle-kit.log")
  if [[ $(printf '%s' "$sql" | grep -c .) -gt 1 ]]; then
    echo "FAIL $name: more than one migration was written"; status=1
  elif [[ -n "$sql" && -f "$snap" ]]; then
    local prefix=expected
    [[ "$mode" == expected ]] || prefix=drizzle-kit
    cp "$sql" "$out/result.sql"
    normalize_snapshot <"$snap" >"$out/result.snapshot.json"
    rm -f "${stale[@]}"
    mv "$out/result.sql" "$fx/$prefix.sql"
    mv "$out/result.snapshot.json" "$fx/$prefix.snapshot.json"
    echo "ok   $name ($mode) -> $prefix.sql"
  elif [[ "$mode" == error ]]; then
    mkdir -p "$out"
    printf '%s\n' "$log" | sanitize_log "$fx" >"$out/result.log"
    rm -f "${stale[@]}"
    mv "$out/result.log" "$fx/drizzle-kit.log"
    echo "ok   $name (error) -> drizzle-kit.log"
  else
    echo "FAIL $name: drizzle-kit wrote no migration:"
    printf '%s\n' "$log" | sanitize_log "$fx" | sed 's/^/     /'
    status=1
  fi
  cleanup_fixture "$fx"
  CURRENT=""
  return $status
}

fixtures=()
if [[ $# -gt 0 ]]; then
  for a in "$@"; do fixtures+=("$FIXTURES_DIR/${a%/}"); done
else
  for d in "$FIXTURES_DIR"/*/; do fixtures+=("${d%/}"); done
fi

failed=0
for fx in "${fixtures[@]}"; do
  if [[ ! -d "$fx" ]]; then echo "FAIL $(basename "$fx"): no such fixture"; failed=1; continue; fi
  record_fixture "$fx" || failed=1
done
exit $failed
