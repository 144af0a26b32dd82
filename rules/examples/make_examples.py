#!/usr/bin/env python3
"""Writes every rule's examples: rules/examples/<ID>/{fires,quiet}/ (snapshot folders) beside a small baseline.yaml.

Each example holds only what its rule needs to decide. `fires` must produce exactly the findings its `expect` lists
(written to expected.tsv) and at least one; `quiet` must produce none above info. RuleExampleTests runs them all
at the as-of in as-of.txt. Run from the repository root: python3 rules/examples/make_examples.py; the output is
committed, this script records how it was made.
"""
import os, shutil, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "demo", "tools"))
from snapshot_formats import (ADMIN, READONLY, ado_project, assume_role, console_login, cred_report, cred_row, event,  # noqa: E402
                              gitlab_deployment, gitlab_project, gitlab_user, iam_user, role, role_session, root_identity, set_root,
                              trail_file, trust, user, write)

PROD, STAGING = "111122223333", "444455556666"
AS_OF = "2026-11-20T12:00:00Z"

BASELINE = f"""# A two-account organization, enough for one rule's example. Keys are described in docs/configuration.md.
version: 1
organization: Example rule examples
environments:
  - name: prod
    tier: production
    aws_accounts: ["{PROD}"]
    github_environments: ["example/payments:production"]
    deploy_targets: ["gitlab:example/platform/api:production", "azure-devops:example-org/billing:production"]
  - name: staging
    tier: non-production
    promotes_to: prod
    aws_accounts: ["{STAGING}"]
    github_environments: ["example/payments:staging"]
deployers:
  - name: payments-pipeline
    aws_roles: ["arn:aws:iam::{PROD}:role/github-deploy", "arn:aws:iam::{STAGING}:role/github-deploy"]
    github_repositories: ["example/payments"]
break_glass:
  aws_roles: ["arn:aws:iam::{PROD}:role/BreakGlass"]
  ticket_pattern: "INC-[0-9]+"
  max_session_hours: 4
workloads:
  aws_roles: ["arn:aws:iam::*:user/ci-*"]
people:
  - id: alice@example.com
    github: ["alice-example"]
  - id: bob@example.com
    aws: ["arn:aws:iam::{PROD}:user/bob"]
    github: ["bob-example"]
privileged:
  aws_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"]
thresholds:
  stale_after_days: 90
  access_key_max_age_days: 90
"""

EXAMPLES = {}


def example(rule, case, expect=()):
    """Registers a function that writes one example folder; a firing example lists the findings it must produce
    (severity, status, principal, resource), written to expected.tsv beside it."""
    def register(fn):
        EXAMPLES[(rule, case)] = (fn, list(expect))
        return fn
    return register


def iam(account, users=(), roles=()):
    write(f"aws/{account}/iam/authorization-details.json", {"UserDetailList": list(users), "GroupDetailList": [], "RoleDetailList": list(roles), "Policies": []})


def trail(account, day, records):
    trail_file(account, day, records, gz=False)


bob = iam_user(PROD, "bob", "AKIAJBOB0000EXAMPLE1")
deployer = role_session(PROD, "github-deploy", "GitHubActions", "ASIAGHDEPLOYPROD0001")
LAMBDA = "lambda.amazonaws.com"


# DS-ACC-001 Direct production login: a person signs in to the production console as an IAM user.
@example("DS-ACC-001", "fires", expect=[('high', 'open', 'arn:aws:iam::111122223333:user/bob', 'console')])
def _():
    trail(PROD, "2026-11-18", [console_login(PROD, "2026-11-18T22:00:00Z", bob)])


@example("DS-ACC-001", "quiet")
def _():
    # The same person signs in to non-production: not a production login.
    trail(STAGING, "2026-11-18", [console_login(STAGING, "2026-11-18T22:00:00Z", iam_user(STAGING, "bob", "AKIAJBOB0000EXAMPLE2"))])


# DS-ACC-002 Break-glass without justification: the break-glass role assumed with no ticket in the session name.
@example("DS-ACC-002", "fires", expect=[('high', 'open', 'arn:aws:iam::111122223333:role/BreakGlass', 'session dave-fixing-things')])
def _():
    trail(PROD, "2026-11-19", [assume_role(PROD, "2026-11-19T09:00:00Z", bob, f"arn:aws:iam::{PROD}:role/BreakGlass", "dave-fixing-things")])


@example("DS-ACC-002", "quiet")
def _():
    trail(PROD, "2026-11-19", [assume_role(PROD, "2026-11-19T09:00:00Z", bob, f"arn:aws:iam::{PROD}:role/BreakGlass", "INC-4521")])


# DS-ACC-003 Console access without MFA.
@example("DS-ACC-003", "fires", expect=[('high', 'open', 'arn:aws:iam::444455556666:user/erin', 'console')])
def _():
    trail(STAGING, "2026-11-18", [console_login(STAGING, "2026-11-18T08:00:00Z", iam_user(STAGING, "erin", ""), mfa="No")])


@example("DS-ACC-003", "quiet")
def _():
    trail(STAGING, "2026-11-18", [console_login(STAGING, "2026-11-18T08:00:00Z", iam_user(STAGING, "erin", ""), mfa="Yes")])


# DS-ACC-004 Root account use.
@example("DS-ACC-004", "fires", expect=[('critical', 'open', 'arn:aws:iam::444455556666:root', 'root user')])
def _():
    trail(STAGING, "2026-11-15", [event(STAGING, "2026-11-15T11:05:00Z", "iam.amazonaws.com", "CreateAccessKey", root_identity(STAGING), False, {}, None)])


@example("DS-ACC-004", "quiet")
def _():
    # The root user exists, with MFA, no keys and no use: nothing to report.
    cred_report(STAGING, [cred_row(STAGING, "", "2023-01-01T00:00:00+00:00", mfa=True, root=True)])


# DS-CRED-001 Old or unused access key.
@example("DS-CRED-001", "fires", expect=[('medium', 'open', 'arn:aws:iam::444455556666:user/ci-batch', 'access key 1')])
def _():
    cred_report(STAGING, [cred_row(STAGING, "ci-batch", "2023-01-01T09:00:00+00:00", k1=(True, "2025-06-01T09:00:00+00:00", "2026-11-19T15:00:00+00:00", ""))])


@example("DS-CRED-001", "quiet")
def _():
    cred_report(STAGING, [cred_row(STAGING, "ci-batch", "2023-01-01T09:00:00+00:00", k1=(True, "2026-10-01T09:00:00+00:00", "2026-11-19T15:00:00+00:00", ""))])


# DS-DEP-001 Out-of-band deploy: production code changed by a person, outside any pipeline.
@example("DS-DEP-001", "fires", expect=[('critical', 'open', 'arn:aws:iam::111122223333:user/bob', 'payments-api')])
def _():
    trail(PROD, "2026-11-18", [event(PROD, "2026-11-18T22:12:00Z", LAMBDA, "UpdateFunctionCode20150331v2", bob, False, {"functionName": "payments-api"}, None)])


@example("DS-DEP-001", "quiet")
def _():
    # A person reading production is not a change.
    trail(PROD, "2026-11-18", [event(PROD, "2026-11-18T22:12:00Z", LAMBDA, "GetFunction20150331v2", bob, True, {"functionName": "payments-api"}, None)])


# DS-LOG-001 Audit trail tampering.
@example("DS-LOG-001", "fires", expect=[('critical', 'open', 'arn:aws:iam::111122223333:role/ops-admin', 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail')])
def _():
    trail(PROD, "2026-11-19", [event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "StopLogging",
                                     role_session(PROD, "ops-admin", "ops", "ASIAOPSADMIN00000001"), False,
                                     {"name": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org-trail"}, None)])


@example("DS-LOG-001", "quiet")
def _():
    trail(PROD, "2026-11-19", [event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "StartLogging",
                                     role_session(PROD, "ops-admin", "ops", "ASIAOPSADMIN00000001"), False,
                                     {"name": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org-trail"}, None)])


# DS-LOG-002 Audit trail integrity: a trail updated with log file validation turned off (the digest checks are tested
# in CloudTrailIntegrityTests, with digests signed there: these examples are written without an RSA key).
@example("DS-LOG-002", "fires", expect=[('critical', 'open', 'arn:aws:iam::111122223333:role/ops-admin', 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail')])
def _():
    trail(PROD, "2026-11-19", [event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "UpdateTrail",
                                     role_session(PROD, "ops-admin", "ops", "ASIAOPSADMIN00000001"), False,
                                     {"name": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org-trail", "enableLogFileValidation": False}, None)])


@example("DS-LOG-002", "quiet")
def _():
    trail(PROD, "2026-11-19", [event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "UpdateTrail",
                                     role_session(PROD, "ops-admin", "ops", "ASIAOPSADMIN00000001"), False,
                                     {"name": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org-trail", "enableLogFileValidation": True}, None)])


# DS-PRIV-001 Stale privileged access: an admin role last used eight months ago.
@example("DS-PRIV-001", "fires", expect=[('medium', 'open', 'arn:aws:iam::111122223333:role/legacy-admin', 'policy AdministratorAccess')])
def _():
    iam(PROD, roles=[role(PROD, "legacy-admin", "2023-06-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[ADMIN], last_used="2026-03-01T10:00:00Z")])


@example("DS-PRIV-001", "quiet")
def _():
    iam(PROD, roles=[role(PROD, "legacy-admin", "2023-06-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[ADMIN], last_used="2026-11-19T10:00:00Z")])


# DS-PRIV-002 Standing privileged access: a person's IAM user holds AdministratorAccess in production.
@example("DS-PRIV-002", "fires", expect=[('high', 'open', 'arn:aws:iam::111122223333:user/bob', 'policy AdministratorAccess')])
def _():
    iam(PROD, users=[user(PROD, "bob", "2024-03-01T09:00:00Z", attached=[ADMIN])])


@example("DS-PRIV-002", "quiet")
def _():
    iam(PROD, users=[user(PROD, "bob", "2024-03-01T09:00:00Z", attached=[READONLY])])


# DS-SEP-001 Shared credential across environments: one long-term key used in production and staging.
@example("DS-SEP-001", "fires", expect=[('high', 'open', 'arn:aws:iam::111122223333:user/ci-shared', 'access key AKIA…MPLE (sha256:1a5d44a2)')])
def _():
    key = "AKIAIOSFODNN7EXAMPLE"
    trail(PROD, "2026-11-17", [event(PROD, "2026-11-17T14:00:00Z", "s3.amazonaws.com", "ListBuckets", iam_user(PROD, "ci-shared", key), True, {}, None)])
    trail(STAGING, "2026-11-17", [event(STAGING, "2026-11-17T14:05:00Z", "s3.amazonaws.com", "ListBuckets", iam_user(STAGING, "ci-shared", key), True, {}, None)])


@example("DS-SEP-001", "quiet")
def _():
    trail(PROD, "2026-11-17", [event(PROD, "2026-11-17T14:00:00Z", "s3.amazonaws.com", "ListBuckets", iam_user(PROD, "ci-shared", "AKIAIOSFODNN7EXAMPLE"), True, {}, None)])
    trail(STAGING, "2026-11-17", [event(STAGING, "2026-11-17T14:05:00Z", "s3.amazonaws.com", "ListBuckets", iam_user(STAGING, "ci-shared", "AKIAI44QH8DHBEXAMPLE"), True, {}, None)])


# DS-SEP-002 Cross-environment trust: a production role that staging can assume.
@example("DS-SEP-002", "fires", expect=[('high', 'open', 'arn:aws:iam::444455556666:root', 'arn:aws:iam::111122223333:role/staging-reader-bridge')])
def _():
    iam(PROD, roles=[role(PROD, "staging-reader-bridge", "2025-09-01T09:00:00Z", trust(f"arn:aws:iam::{STAGING}:root"), attached=[READONLY], last_used="2026-11-10T10:00:00Z")])


@example("DS-SEP-002", "quiet")
def _():
    iam(PROD, roles=[role(PROD, "reporting-readonly", "2025-01-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[READONLY], last_used="2026-11-17T14:00:00Z")])


# ---------- GitHub Actions (REST response shapes) ----------
# (GitLab and Azure DevOps examples follow the GitHub ones.)
API = "https://api.github.com/repos/example/payments"
SHA = {"a": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "b": "b2c3d4e5f60718293a4b5c6d7e8f901234567890"}


def gh_user(login, n):
    return {"login": login, "id": n, "node_id": f"MDQ6VXNlcj{n}", "url": f"https://api.github.com/users/{login}", "type": "User", "site_admin": False}


ALICE, BOB, BOT = gh_user("alice-example", 9000001), gh_user("bob-example", 9000002), {**gh_user("github-actions[bot]", 41898282), "type": "Bot"}


def pipeline(deploys, approvals):
    """deploys: (deployment id, environment, sha key, created, run id, actor); approvals: run id -> [(environment, approver)]."""
    repo = "github/example/payments"
    deployments, runs = [], []
    for (did, env, sha, created, run, actor) in deploys:
        deployments.append({"url": f"{API}/deployments/{did}", "id": did, "task": "deploy", "environment": env, "original_environment": env, "created_at": created,
                            "updated_at": created, "creator": BOT, "sha": SHA[sha], "ref": "main", "payload": {}, "production_environment": env == "production"})
        write(f"{repo}/deployment-statuses/{did}.json", [{"id": did * 10 + 1, "state": "success", "creator": BOT, "environment": env, "created_at": created,
                                                          "log_url": f"https://github.com/example/payments/actions/runs/{run}/job/{run * 10 + 1}",
                                                          "target_url": f"https://github.com/example/payments/actions/runs/{run}/job/{run * 10 + 1}"}])
        runs.append({"id": run, "name": "deploy", "head_branch": "main", "head_sha": SHA[sha], "event": "workflow_dispatch", "status": "completed", "conclusion": "success",
                     "created_at": created, "updated_at": created, "actor": actor, "triggering_actor": actor,
                     "head_commit": {"id": SHA[sha], "author": {"name": actor["login"], "email": actor["login"].replace("-example", "") + "@example.com"}}})
    write(f"{repo}/deployments.json", deployments)
    write(f"{repo}/runs.json", {"total_count": len(runs), "workflow_runs": runs})
    for run, given in approvals.items():
        write(f"{repo}/approvals/{run}.json", [{"environments": [{"id": 8001, "name": env}], "state": "approved", "comment": "ok", "user": who} for env, who in given])
    write(f"{repo}/environments.json", {"total_count": 2, "environments": [
        {"id": 8001, "name": "production", "can_admins_bypass": False, "protection_rules": [
            {"id": 9001, "type": "required_reviewers", "prevent_self_review": True, "reviewers": [{"type": "User", "reviewer": BOB}]}]},
        {"id": 8002, "name": "staging", "protection_rules": []}]})


# DS-DEP-002 Unapproved production deploy.
@example("DS-DEP-002", "fires", expect=[('high', 'open', 'alice-example', 'example/payments:production@a1b2c3d4e5f6')])
def _():
    pipeline([(1001, "staging", "a", "2026-11-16T09:00:00Z", 5001, ALICE), (1002, "production", "a", "2026-11-17T10:00:00Z", 5002, ALICE)], {})


@example("DS-DEP-002", "quiet")
def _():
    pipeline([(1001, "staging", "a", "2026-11-16T09:00:00Z", 5001, ALICE), (1002, "production", "a", "2026-11-17T10:00:00Z", 5002, ALICE)],
             {5002: [("production", BOB)]})


# DS-DEP-003 Unpromoted artifact: production runs a commit staging never ran.
@example("DS-DEP-003", "fires", expect=[('medium', 'open', 'alice-example', 'example/payments@b2c3d4e5f60718293a4b5c6d7e8f901234567890')])
def _():
    pipeline([(1001, "staging", "a", "2026-11-16T09:00:00Z", 5001, ALICE), (1002, "production", "b", "2026-11-17T10:00:00Z", 5002, ALICE)],
             {5002: [("production", BOB)]})


@example("DS-DEP-003", "quiet")
def _():
    pipeline([(1001, "staging", "b", "2026-11-16T09:00:00Z", 5001, ALICE), (1002, "production", "b", "2026-11-17T10:00:00Z", 5002, ALICE)],
             {5002: [("production", BOB)]})


# DS-DEP-004 Unprotected production environment: one per provider.
def gh_environments(production):
    write("github/example/payments/environments.json", {"total_count": 1, "environments": [{"id": 8001, "name": "production", **production}]})


GL_API = "example/platform/api"


@example("DS-DEP-004", "fires", expect=[('high', 'open', 'azure-devops:example-org/billing', 'azure-devops:example-org/billing:production'),
                                        ('high', 'open', 'example/payments', 'example/payments:production'),
                                        ('high', 'open', 'gitlab:example/platform/api', 'gitlab:example/platform/api:production')])
def _():
    # GitHub: reviewers required, but administrators may bypass and any branch may deploy.
    gh_environments({"can_admins_bypass": True, "deployment_branch_policy": None, "protection_rules": [
        {"id": 9001, "type": "required_reviewers", "prevent_self_review": True, "reviewers": [{"type": "User", "reviewer": BOB}]}]})
    # GitLab: only staging is protected; production is open to every developer.
    gitlab_project(GL_API, 42, [], protected=[("staging", 0)])
    # Azure DevOps: an Approval check the requester may satisfy, no branch control.
    ado_project("example-org", "billing", [(1, "production", ["approval-self"], [])], [])


@example("DS-DEP-004", "quiet")
def _():
    gh_environments({"can_admins_bypass": False, "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False}, "protection_rules": [
        {"id": 9001, "type": "required_reviewers", "prevent_self_review": True, "reviewers": [{"type": "User", "reviewer": BOB}]}]})
    gitlab_project(GL_API, 42, [], protected=[("production", 1)])
    ado_project("example-org", "billing", [(1, "production", ["approval", "branch"], [])], [])


def main():
    only = set(sys.argv[1:])
    for (rule, case), (write_example, expect) in sorted(EXAMPLES.items()):
        if only and rule not in only:
            continue
        folder = os.path.join(HERE, rule)
        target = os.path.join(folder, case)
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.makedirs(target)
        set_root(target)
        write_example()
        with open(os.path.join(folder, "baseline.yaml"), "w", newline="\n") as f:
            f.write(BASELINE)
        if case == "fires":
            with open(os.path.join(folder, "expected.tsv"), "w", newline="\n") as f:
                f.write("# The findings of this rule (above info) the firing example must produce; from make_examples.py.\n")
                f.write("severity\tstatus\tprincipal\tresource\n")
                f.writelines("\t".join(row) + "\n" for row in expect)
    with open(os.path.join(HERE, "as-of.txt"), "w", newline="\n") as f:
        f.write(AS_OF + "\n")
    print(f"{len(EXAMPLES)} examples written under", HERE)


if __name__ == "__main__":
    main()
