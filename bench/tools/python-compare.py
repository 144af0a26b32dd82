#!/usr/bin/env python3
"""Issue 15's comparison: Python's standard library (gzip + json, one thread) answering the scan's main questions over
the same CloudTrail folder as duckdb-compare.mjs: events, distinct principals, console-login groups without MFA
(DS-ACC-003's shape) and writes by the deploy role.
Usage: python3 bench/tools/python-compare.py FOLDER"""
import glob
import gzip
import json
import resource
import sys
import time

folder = sys.argv[1]
started = time.perf_counter()
events = 0
principals = set()
no_mfa = set()
deploys = 0
for path in sorted(glob.glob(f"{folder}/**/*.json.gz", recursive=True)):
    with gzip.open(path, "rb") as f:
        for r in json.load(f).get("Records", []):
            events += 1
            ui = r.get("userIdentity") or {}
            arn = ui.get("arn")
            principals.add(arn)
            if r.get("eventName") == "ConsoleLogin" and (r.get("additionalEventData") or {}).get("MFAUsed") == "No":
                no_mfa.add((r.get("recipientAccountId"), arn))
            if r.get("readOnly") is False and arn and "assumed-role/github-deploy/" in arn:
                deploys += 1
seconds = time.perf_counter() - started
principals.discard(None)
print(f"python {sys.version.split()[0]} (1 thread): {events} events, {len(principals)} principals, {len(no_mfa)} no-MFA login groups, "
      f"{deploys} deploy-role writes in {seconds:.2f} s ({events / seconds:,.0f} events/s), "
      f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
