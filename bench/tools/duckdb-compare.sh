#!/usr/bin/env bash
# Issue 15's comparison: DuckDB's npm package answering the scan's questions over the same CloudTrail folder.
# Runs only where npm is present; installs @duckdb/node-api into a scratch folder (nothing is added to the repository).
# Usage: bench/tools/duckdb-compare.sh FOLDER [threads]   e.g. after: bench trail 1000000 /tmp/ds-trail-1m
set -euo pipefail
folder="${1:?usage: duckdb-compare.sh FOLDER [threads]}"
command -v npm >/dev/null || { echo "npm not found: the DuckDB comparison is skipped"; exit 0; }
work="${DS_DUCKDB_DIR:-/tmp/ds-duckdb}"
mkdir -p "$work"
[ -d "$work/node_modules/@duckdb/node-api" ] || npm install --silent --prefix "$work" @duckdb/node-api@1.5.6-r.1 >/dev/null
cp "$(dirname "$0")/duckdb-compare.mjs" "$work/"
node "$work/duckdb-compare.mjs" "$folder" "${2:-2}"
