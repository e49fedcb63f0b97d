#!/usr/bin/env bash
# import-survey.sh: `db-migrate import drizzle-kit --dry-run` over every drizzle-kit
# migrations folder (0.x: a `meta/_journal.json`; 1.x: `<YYYYMMDDHHMMSS>_<name>/migration.sql`)
# of the projects in projects.tsv, read
# from their GitHub snapshots at the pinned commit ($MIRROR, default
# /work/.mirror/<owner>+<name>/repo) into $OUT (default /tmp/import-survey), outside
# the repository. Each gets a one-table schema of its journal's dialect (the
# survey is about reading the folder). Prints how many folders read and, for
# the others, the first lines of the error.
#
#   bench/real-world/import-survey.sh [--bin path/to/db-migrate]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=target/debug/db-migrate
[[ "${1:-}" == "--bin" ]] && BIN="$2"
BIN=$(realpath "$BIN")
MIRROR=${MIRROR:-/work/.mirror}
OUT=${OUT:-/tmp/import-survey}
rm -rf "$OUT" && mkdir -p "$OUT"
ok=0; n=0; fails=""
while IFS=$'\t' read -r name repo commit rest; do
  [[ "$name" =~ ^# ]] && continue
  m=$MIRROR/${repo/\//+}/repo; [ -d "$m" ] || continue
  files=$(git --git-dir=$m ls-tree -r --name-only $commit 2>/dev/null | grep -v node_modules)
  # Each folder with the file that names its dialect: the journal, or 1.x's first snapshot.
  folders=$( { echo "$files" | grep "meta/_journal.json$"
               echo "$files" | grep -E "/[0-9]{14}_[^/]+/snapshot.json$" | sort | awk -F/ '{d=$0; sub("/[^/]+/snapshot.json$","",d); if (!(d in seen)) {seen[d]=1; print}}'; } )
  for j in $folders; do
    d=$(dirname $(dirname $j)); w=$OUT/$name/$(echo $d | tr / _); mkdir -p $w/src $w/shared
    git --git-dir=$m archive $commit "$d" 2>/dev/null | tar -x -C $w/src 2>/dev/null
    dialect=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1])).get('dialect',''))" $w/src/$j)
    if [[ "$dialect" == sqlite || "$dialect" == turso ]]; then
      printf 'import { sqliteTable, integer } from "drizzle-orm/sqlite-core";\nexport const x = sqliteTable("x", { id: integer("id") });\n' > $w/shared/schema.ts
    else
      printf 'import { pgTable, integer } from "drizzle-orm/pg-core";\nexport const x = pgTable("x", { id: integer("id") });\n' > $w/shared/schema.ts
    fi
    n=$((n+1))
    out=$("$BIN" -C $w import drizzle-kit --from src/$d --dry-run 2>&1)
    if echo "$out" | grep -q "would import"; then ok=$((ok+1)); else fails="$fails\n== $name $d ($dialect): $(echo "$out" | grep -E '×|│' | head -3 | tr '\n' ' ')"; fi
  done
done < bench/real-world/projects.tsv
echo "$ok / $n folders read"; echo -e "$fails"
