#!/usr/bin/env python3
"""Assembles a snapshot and baseline from ../shared/data (public real-format samples nobody on this team wrote), for
measuring coverage, findings and access-review recommendations on data the demo generator did not shape.

Usage (from the repository root): python3 bench/tools/shared_snapshot.py OUT_DIR
then: driftsentinel scan --snapshot OUT_DIR/snapshot --baseline OUT_DIR/baseline.yaml --as-of 2026-11-20T12:00:00Z --allow-gaps
Nothing is copied into the project: the files are read from ../shared/data each time.
"""
import json, os, shutil, sys

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(ROOT, "..", ".."))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))
FIXTURES = os.path.join(REPO, "tests", "DriftSentinel.Tests", "fixtures", "public")
PROD, STAGING, ABSENT = "012345678901", "644160558196", "222222222222"
SUB, TENANT = "ea42f556-5106-4743-99b0-c129bfa71a47", "00000000-0000-0000-0000-0000000e0002"


def copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


def jsonl_logs(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["log"] for line in f if line.strip()]


def main(out):
    snap = os.path.join(out, "snapshot")
    shutil.rmtree(out, ignore_errors=True)
    # AWS, production account: authorization details, and trails from four projects (one with lower-cased keys,
    # redacted times and sign-in style failures).
    copy(os.path.join(FIXTURES, "cloudsplaining-authz-details.json"), f"{snap}/aws/{PROD}/iam/authorization-details.json")
    copy(os.path.join(SHARED, "panther-analysis-tests", "aws_cloudtrail_rules.Records.json"), f"{snap}/aws/{PROD}/cloudtrail/panther.json")
    stratus = os.path.join(SHARED, "stratus-red-team-detonation-logs")
    for name in sorted(os.listdir(stratus)):
        if name.endswith(".json"):
            copy(os.path.join(stratus, name), f"{snap}/aws/{PROD}/cloudtrail/stratus/{name}")
    examples = os.path.join(SHARED, "aws-cloudtrail-userguide-examples", "extracted")
    for name in sorted(os.listdir(examples)):
        if "console-sign-in" in name:
            copy(os.path.join(examples, name), f"{snap}/aws/{PROD}/cloudtrail/userguide/{name}")
    # AWS, staging account: a credential report, a JSON Lines trail and a SIEM export in its own wrapper.
    copy(os.path.join(FIXTURES, "custodian-credential-report.csv"), f"{snap}/aws/{STAGING}/iam/credential-report.csv")
    copy(os.path.join(FIXTURES, "otrf-ec2-proxy-s3-exfiltration.json"), f"{snap}/aws/{STAGING}/cloudtrail/otrf.jsonl")
    copy(os.path.join(SHARED, "cribl-cloudtrail-sample-2022", "data", "samples", "zyNWSr.json"), f"{snap}/aws/{STAGING}/cloudtrail/cribl.json")
    # Azure: Cloud Custodian's recorded assignments and definitions, a PIM example, the Activity Log as diagnostic
    # settings export it (Panther's test logs), and Entra sign-ins from the extractor suite (UTF-8 with a BOM).
    copy(os.path.join(FIXTURES, "custodian-role-assignments.json"), f"{snap}/azure/{SUB}/role-assignments.json")
    copy(os.path.join(FIXTURES, "custodian-role-definitions.json"), f"{snap}/azure/{SUB}/role-definitions.json")
    copy(os.path.join(FIXTURES, "pim-GetRoleAssignmentScheduleInstancesByScope.json"), f"{snap}/azure/{SUB}/role-assignment-schedule-instances.json")
    records = jsonl_logs(os.path.join(SHARED, "panther-analysis-tests", "azure_activity_rules.tests.jsonl"))
    with open(f"{snap}/azure/{SUB}/activity-log.json", "w", encoding="utf-8") as f:
        json.dump({"records": records}, f)
    sign_ins = os.path.join(SHARED, "entra-extractor-suite-output", "Output", "EntraID", "20250502-SignInLogs", "servicePrincipal")
    copy(os.path.join(sign_ins, sorted(os.listdir(sign_ins))[0]), f"{snap}/entra/{TENANT}/sign-ins.json")
    with open(os.path.join(out, "baseline.yaml"), "w", encoding="utf-8") as f:
        f.write(f"""version: 1
organization: shared samples
environments:
  - name: prod
    tier: production
    aws_accounts: ["{PROD}", "{ABSENT}"]
    azure_subscriptions: ["{SUB}"]
    github_environments: ["PyGithub/PyGithub:production"]
  - name: staging
    tier: non-production
    aws_accounts: ["{STAGING}"]
""")
    print(f"snapshot and baseline written to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ds-shared")
