#!/usr/bin/env bash
# Builds the npm packages for this machine's platform into target/npm/:
#
#   target/npm/cli/                   @db-migrate-rs/cli: the launcher (bin: db-migrate)
#   target/npm/linux-x64-gnu/         @db-migrate-rs/linux-x64-gnu: the release binary
#   target/npm/*.tgz                  both, packed by `npm pack`
#
#   scripts/npm-pack.sh [--binary <path>] [--out <dir>]
#
# --binary packs that binary instead of building the release one (the test
# suite packs its own build); --out writes somewhere else than target/npm.
# The version is Cargo.toml's. The main package lists every platform package
# as an optionalDependency (npm installs the one whose os/cpu/libc match);
# the release workflow builds the others on their own runners.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary=""
out=target/npm
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "npm-pack: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
done
if [[ -z "$binary" ]]; then
  cargo build --release --quiet
  binary=target/release/db-migrate
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[[ -n "$version" ]] || { echo "npm-pack: no version in Cargo.toml" >&2; exit 1; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64-gnu; os=linux; cpu=x64; libc='"libc": ["glibc"],' ;;
  Linux-aarch64) platform=linux-arm64-gnu; os=linux; cpu=arm64; libc='"libc": ["glibc"],' ;;
  Darwin-x86_64) platform=darwin-x64; os=darwin; cpu=x64; libc='' ;;
  Darwin-arm64) platform=darwin-arm64; os=darwin; cpu=arm64; libc='' ;;
  *) echo "npm-pack: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

rm -rf "$out"
mkdir -p "$out/$platform/bin" "$out/cli/bin"

cp "$binary" "$out/$platform/bin/db-migrate"
cat > "$out/$platform/package.json" <<JSON
{
  "name": "@db-migrate-rs/$platform",
  "version": "$version",
  "description": "The db-migrate binary for $platform",
  "license": "MIT",
  "os": ["$os"],
  "cpu": ["$cpu"],
  $libc
  "files": ["bin"],
  "preferUnplugged": true
}
JSON

cp npm/launcher.cjs "$out/cli/bin/db-migrate.cjs"
chmod +x "$out/cli/bin/db-migrate.cjs"
cp README.md "$out/cli/README.md"
optional=""
for p in linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64 win32-x64; do
  optional+="    \"@db-migrate-rs/$p\": \"$version\","$'\n'
done
cat > "$out/cli/package.json" <<JSON
{
  "name": "@db-migrate-rs/cli",
  "version": "$version",
  "description": "Schema migrations for Drizzle ORM projects: generate, apply, status, check, push",
  "license": "MIT",
  "bin": { "db-migrate": "bin/db-migrate.cjs" },
  "files": ["bin", "README.md"],
  "engines": { "node": ">=18" },
  "optionalDependencies": {
${optional%,$'\n'}
  }
}
JSON

(cd "$out" && npm pack --silent "./$platform" "./cli" >/dev/null)
ls "$out"/*.tgz
