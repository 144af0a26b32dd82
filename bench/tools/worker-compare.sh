#!/usr/bin/env bash
# Issue 15's worker measurement: one scheduled scan of a generated multi-account folder by one or two
# `driftsentinel worker` processes sharing a PostgreSQL database; prints the times the state database recorded
# (scan start -> run recorded, when staging and the scope evaluations ended, the final job) and who did what.
#
# Usage: bench/tools/worker-compare.sh FOLDER one|two|one-pinned|two-pinned
#   FOLDER   made by `bench trail 400000 /tmp/ds-trail-acc400k accounts` (its baseline is written beside it)
#   pinned   each worker process gets one core (taskset): two single-core machines against one
# Environment: DS_WORKER_DLL (default src/DriftSentinel.Worker/bin/Release/net10.0/driftsentinel.dll, build with
# `dotnet build -c Release src/DriftSentinel.Worker`), DS_PG_PORT (55432; a PostgreSQL reachable as user postgres
# without a password on 127.0.0.1, e.g. `initdb -A trust -U postgres` + `pg_ctl -o "-p 55432" start`).
set -euo pipefail
folder="${1:?usage: worker-compare.sh FOLDER one|two|one-pinned|two-pinned}"
mode="${2:?usage: worker-compare.sh FOLDER one|two|one-pinned|two-pinned}"
dll="${DS_WORKER_DLL:-src/DriftSentinel.Worker/bin/Release/net10.0/driftsentinel.dll}"
port="${DS_PG_PORT:-55432}"
psql_bin=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | tail -1)
sql() { "$psql_bin" -At -h 127.0.0.1 -p "$port" -U postgres "$@"; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
sql -q -c "DROP DATABASE IF EXISTS ds_worker_compare WITH (FORCE)" -c "CREATE DATABASE ds_worker_compare" >/dev/null
for name in a b; do
  run_at_start=$([ "$name" = a ] && echo true || echo false)
  listen=$([ "$name" = a ] && echo 5191 || echo 5192)
  cat > "$work/$name.json" <<EOF
{ "DriftSentinel": {
    "StateDirectory": "$work/state-$name",
    "Worker": { "PostgreSql": "Host=127.0.0.1;Port=$port;Username=postgres;Database=ds_worker_compare", "WorkerCount": 1, "Listen": "http://127.0.0.1:$listen", "PollInterval": "00:00:01" },
    "Profiles": [ { "Name": "compare", "Cron": "0 0 1 1 *", "Snapshot": "$folder", "Baseline": "$folder-baseline.yaml", "Out": "$work/out", "RunAtStart": $run_at_start } ] } }
EOF
done

pin_a=""; pin_b=""
case "$mode" in *pinned) pin_a="taskset -c 0"; pin_b="taskset -c 1" ;; esac
if [[ "$mode" == two* ]]; then
  $pin_b dotnet "$dll" worker --config "$work/b.json" > "$work/b.log" 2>&1 &
  sleep 3 # the second worker is up and polling before the first one starts the scan
fi
$pin_a dotnet "$dll" worker --config "$work/a.json" > "$work/a.log" 2>&1 &
for _ in $(seq 1 1200); do
  [ "$(sql -d ds_worker_compare -c "SELECT COUNT(*) FROM scans WHERE status = 'Done'" 2>/dev/null || echo 0)" = 1 ] && break
  sleep 0.5
done

sql -d ds_worker_compare <<'EOF'
SELECT 'scan start -> run recorded ' || round(extract(epoch FROM (c.finished_at::timestamptz - c.created_at::timestamptz))::numeric, 2) || ' s; staging ended +'
    || round(extract(epoch FROM (max(s.finished_at::timestamptz) - c.created_at::timestamptz))::numeric, 2) || ' s, scope evaluations +'
    || round(extract(epoch FROM (max(s.partial_at::timestamptz) - c.created_at::timestamptz))::numeric, 2) || ' s, final job '
    || round(extract(epoch FROM (c.finished_at::timestamptz - max(s.partial_at::timestamptz)))::numeric, 2) || ' s'
FROM scan_scopes s JOIN scans c ON c.id = s.scan_id GROUP BY c.created_at, c.finished_at;
SELECT 'staged by ' || worker || ': ' || COUNT(*) FROM scan_scopes GROUP BY worker;
SELECT 'evaluated by ' || partial_worker || ': ' || COUNT(*) || ', partial states ' || MIN(partial_bytes) || '-' || MAX(partial_bytes) || ' bytes, total ' || SUM(partial_bytes)
FROM scan_scopes WHERE partial_worker IS NOT NULL GROUP BY partial_worker;
EOF
grep -h "final job assembled" "$work"/*.log | sed 's/^.*final job/final job/' || true
