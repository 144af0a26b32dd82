#!/usr/bin/env bash
# The whole test suite on a machine that has only the .NET SDK: installs what the tests need (PostgreSQL for the
# multi-worker history store; Chromium for report.html's browser tests; python3 to read the results), starts a
# throwaway PostgreSQL cluster on a free port, runs every test, stops the cluster, and ends with "N passed, N failed"
# from the real results.
# Usage: ./test.sh [extra dotnet test arguments]
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install .NET SDK 10 first" >&2
  exit 1
fi

need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
{ [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; } || need_apt+=(postgresql)
chromium_bin="${DRIFTSENTINEL_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium_bin" ] || need_apt+=(chromium)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "error: ${need_apt[*]} missing and not root: apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null \
    || { echo "error: could not install ${need_apt[*]}" >&2; exit 1; }
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

pg_dir="$(mktemp -d /tmp/ds-test-pg.XXXXXX)"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_pg() { if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
as_pg "$pg_bin/initdb -D $pg_dir/data -A trust -U postgres --no-sync >/dev/null" || { echo "error: initdb failed" >&2; exit 1; }
as_pg "$pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -w -o '-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' start >/dev/null" \
  || { echo "error: PostgreSQL did not start:" >&2; cat "$pg_dir/log" >&2; exit 1; }
trap 'as_pg "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null 2>&1"; rm -rf "$pg_dir"' EXIT
export DRIFTSENTINEL_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=false"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port for the tests"

# A --filter of the caller narrows every step (AND with the step's own category); other arguments go to dotnet test.
user_filter=""
pass_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --filter) user_filter="${2:-}"; shift 2 ;;
    --filter=*) user_filter="${1#--filter=}"; shift ;;
    *) pass_args+=("$1"); shift ;;
  esac
done
step_filter() { if [ -n "$user_filter" ]; then printf '(%s)&(%s)' "$1" "$user_filter"; else printf '%s' "$1"; fi; }

dotnet --version
dotnet restore DriftSentinel.sln || exit 1
results="$(pwd)/TestResults"
rm -rf "$results"
dotnet test DriftSentinel.sln --no-restore --filter "$(step_filter 'Category!=Recipe&Category!=Browser')" --logger "trx;LogFileName=results.trx" --results-directory "$results" ${pass_args[@]+"${pass_args[@]}"}
status=$?

# report.html in headless Chromium, alone on the machine so its timings are the page's; the detailed console logger
# prints them (first screen and every filter at 50,000 findings).
echo "Browser tests: $("$chromium_bin" --version 2>/dev/null)"
dotnet test tests/DriftSentinel.Tests --no-build --filter "$(step_filter 'Category=Browser')" --logger "trx;LogFileName=browser.trx" --logger "console;verbosity=detailed" --results-directory "$results" ${pass_args[@]+"${pass_args[@]}"} \
  | grep -vE '^\s*$|^\[xUnit.net [0-9:.]+\] {4,}' 
browser_status=${PIPESTATUS[0]}

# The extension recipe builds a scratch copy of the tree: run alone, so it never competes with the timed worker tests.
dotnet test tests/DriftSentinel.Tests --no-build --filter "$(step_filter 'Category=Recipe')" --logger "trx;LogFileName=recipe.trx" --results-directory "$results" ${pass_args[@]+"${pass_args[@]}"}
recipe_status=$?

if [ -z "$(find "$results" -name '*.trx' | head -n 1)" ]; then
  echo "error: no test results were written" >&2
  echo "0 passed, 0 failed"
  exit 1
fi

python3 - "$results" "$status" "$recipe_status" "$browser_status" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for trx in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    c = ET.parse(trx).getroot().find('{*}ResultSummary/{*}Counters')
    passed += int(c.get('passed', 0))
    failed += int(c.get('failed', 0)) + int(c.get('error', 0)) + int(c.get('timeout', 0)) + int(c.get('aborted', 0))
    skipped += int(c.get('notExecuted', 0))
line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
print(line)
sys.exit(0 if failed == 0 and passed > 0 and sys.argv[2:5] == ["0", "0", "0"] else 1)
PY
