#!/usr/bin/env bash
# Issue 15's comparison: jq answering the scan's main questions over the same CloudTrail folder as
# duckdb-compare.mjs (events, distinct principals, console-login groups without MFA, deploy-role writes).
# One jq process per file on each core (xargs -P), each writing its partial answer to its own file (parallel writers
# of long lines would interleave on one pipe), combined by a last jq.
# Usage: bench/tools/jq-compare.sh FOLDER [processes]
set -euo pipefail
folder="${1:?usage: jq-compare.sh FOLDER [processes]}"
command -v jq >/dev/null || { echo "jq not found: the jq comparison is skipped"; exit 0; }
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
started=$(date +%s.%N)
find "$folder" -name '*.json.gz' -print0 | sort -z \
  | xargs -0 -P "${2:-2}" -I{} sh -c 'gzip -dc "$1" | jq -c "[.Records[] | {a: .userIdentity.arn, n: .eventName, m: .additionalEventData.MFAUsed, c: .recipientAccountId, r: .readOnly}]
      | {events: length, principals: ([.[].a | select(. != null)] | unique),
         nomfa: ([.[] | select(.n == \"ConsoleLogin\" and .m == \"No\") | [.c, .a]] | unique),
         deploys: ([.[] | select(.r == false and ((.a // \"\") | contains(\"assumed-role/github-deploy/\")))] | length)}" > "$2/$(basename "$1").out"' _ {} "$parts"
result=$(cat "$parts"/*.out | jq -s -c '{events: (map(.events) | add), principals: (map(.principals[]) | unique | length), nomfa: (map(.nomfa[]) | unique | length), deploys: (map(.deploys) | add)}')
ended=$(date +%s.%N)
echo "jq $(jq --version) (${2:-2} processes): $result in $(echo "$ended - $started" | bc) s"
