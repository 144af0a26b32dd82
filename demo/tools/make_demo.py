#!/usr/bin/env python3
"""Writes the demo organization's snapshot (demo/snapshot) in the tools' real export formats.

The demo is fictional: documentation account ids (111122223333...), example.com names, 203.0.113.0/24 addresses.
Run from the repository root: python3 demo/tools/make_demo.py. The output is committed; this script records how.
"""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshot_formats import *  # noqa: E402,F401,F403 (the format helpers: event, console_login, user, role, cred_report…)
from snapshot_formats import set_root, uid, write  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "snapshot")
set_root(ROOT)
PROD, STAGING, DEV = "111122223333", "444455556666", "777788889999"
SUB_PROD, SUB_NONPROD = "00000000-0000-0000-0000-00000000a001", "00000000-0000-0000-0000-00000000b002"
TENANT = "00000000-0000-0000-0000-0000000e0001"
REPO = ("example", "payments")
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIB_ROLE = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


# ---------- CloudTrail ----------
CI_KEY = "AKIAIOSFODNN7EXAMPLE"          # the AWS documentation example key id
STAGING_APP_KEY = "AKIAI44QH8DHBEXAMPLE"
BOB_KEY = "AKIAJBOB0000EXAMPLE1"

ci = iam_user(DEV, "ci-shared", CI_KEY)
bob = iam_user(PROD, "bob", BOB_KEY)
oncall = iam_user(PROD, "oncall", "")
deploy_prod = role_session(PROD, "github-deploy", "GitHubActions", "ASIAGHDEPLOYPROD0001")
deploy_stg = role_session(STAGING, "github-deploy", "GitHubActions", "ASIAGHDEPLOYSTAG0001")
sso_ro = role_session(PROD, "AWSReservedSSO_ReadOnly_0123456789abcdef", "alice@example.com", "ASIASSOREADONLY00001", issuer_path="/aws-reserved/sso.amazonaws.com/")
ops = role_session(PROD, "ops-admin", "mallory", "ASIAOPSADMIN00000001")
bg_bad = role_session(PROD, "BreakGlass", "dave-fixing-things", "ASIABREAKGLASS000001")
bg_ok = role_session(PROD, "BreakGlass", "INC-4521", "ASIABREAKGLASS000002")

GH_PROVIDER = f"arn:aws:iam::{PROD}:oidc-provider/token.actions.githubusercontent.com"


def web_identity(time, subject, key, session="GitHubActions"):
    """AssumeRoleWithWebIdentity of the deploy role by a GitHub Actions job, as CloudTrail records it."""
    identity = {"type": "WebIdentityUser", "principalId": f"{GH_PROVIDER}:sts.amazonaws.com:{subject}", "userName": subject, "identityProvider": GH_PROVIDER}
    return event(PROD, time, "sts.amazonaws.com", "AssumeRoleWithWebIdentity", identity, True,
                 {"roleArn": f"arn:aws:iam::{PROD}:role/github-deploy", "roleSessionName": session, "durationSeconds": 3600},
                 {"credentials": {"accessKeyId": key, "sessionToken": "(redacted in demo)", "expiration": "Nov 20, 2026, 12:00:00 AM"},
                  "subjectFromWebIdentityToken": subject, "provider": GH_PROVIDER, "audience": "sts.amazonaws.com",
                  "assumedRoleUser": {"assumedRoleId": "AROAGHDEPLOY:" + session, "arn": f"arn:aws:sts::{PROD}:assumed-role/github-deploy/{session}"}},
                 {"userAgent": "aws-sdk-js/3.600.0"})


# Sessions the demo's deploys are tied to: the production run's own, a pull request's, a person's.
oidc_run = role_session(PROD, "github-deploy", "GitHubActions", "ASIAGHOIDCRUN1002001")
oidc_pr = role_session(PROD, "github-deploy", "GitHubActions", "ASIAGHOIDCPULLREQ001")
frank_deploy_key = "ASIA" + uid("frank-quickfix" + "2026-11-19T16:02:00Z")[:16].upper().replace("-", "Q")
frank_deploy = role_session(PROD, "github-deploy", "frank-quickfix", frank_deploy_key)

prod_events_17 = [
    # Approved pipeline deploy: deployment 1002 to production (10:00-10:08), by the session its run's job assumed.
    web_identity("2026-11-17T10:04:40Z", "repo:example/payments:environment:production", "ASIAGHOIDCRUN1002001"),
    event(PROD, "2026-11-17T10:05:12Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", oidc_run, False,
          {"functionName": "payments-api", "publish": True}, {"functionName": "payments-api", "version": "42"},
          {"userAgent": "aws-sdk-js/3.600.0", "resources": [{"accountId": PROD, "type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:us-east-1:{PROD}:function:payments-api"}]}),
    console_login(PROD, "2026-11-17T08:30:00Z", sso_ro),
    event(PROD, "2026-11-17T08:31:10Z", "cloudtrail.amazonaws.com", "GetTrailStatus", sso_ro, True, {"name": "org-trail"}, None),
    console_login(PROD, "2026-11-17T13:00:00Z", oncall),
    # The shared CI key assumes a role in production.
    assume_role(PROD, "2026-11-17T14:00:00Z", ci, f"arn:aws:iam::{PROD}:role/reporting-readonly", "nightly-report"),
]
prod_events_18 = [
    console_login(PROD, "2026-11-18T22:00:00Z", bob),
    event(PROD, "2026-11-18T22:10:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", bob, False,
          {"functionName": "payments-api"}, {"functionName": "payments-api", "version": "43"},
          {"resources": [{"accountId": PROD, "type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:us-east-1:{PROD}:function:payments-api"}]}),
    event(PROD, "2026-11-18T22:12:00Z", "s3.amazonaws.com", "PutBucketPolicy", bob, False, {"bucketName": "payments-exports"}, None),
    # Pipeline deploy for deployment 1003 (15:00-15:07).
    event(PROD, "2026-11-18T15:04:00Z", "ecs.amazonaws.com", "UpdateService", deploy_prod, False,
          {"cluster": "payments", "service": "payments-worker", "taskDefinition": "payments-worker:17"}, None),
    # Inside that release window, a pull request's workflow assumes the deploy role and changes production.
    web_identity("2026-11-18T15:05:00Z", "repo:example/payments:pull_request", "ASIAGHOIDCPULLREQ001"),
    event(PROD, "2026-11-18T15:05:30Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", oidc_pr, False,
          {"functionName": "payments-api"}, {"functionName": "payments-api", "version": "44"}),
    # Break-glass with a ticket, one hour.
    assume_role(PROD, "2026-11-18T02:00:00Z", iam_user(PROD, "frank", ""), f"arn:aws:iam::{PROD}:role/BreakGlass", "INC-4521", 3600),
    event(PROD, "2026-11-18T02:20:00Z", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", bg_ok, False,
          {"functionName": "payments-api", "timeout": 30}, None),
    event(PROD, "2026-11-18T02:55:00Z", "logs.amazonaws.com", "GetLogEvents", bg_ok, True, {"logGroupName": "/aws/lambda/payments-api"}, None),
]
prod_events_19 = [
    # Inside deployment 1005's window (16:00-16:06), frank assumes the deploy role himself and changes production.
    assume_role(PROD, "2026-11-19T16:02:00Z", iam_user(PROD, "frank", ""), f"arn:aws:iam::{PROD}:role/github-deploy", "frank-quickfix"),
    event(PROD, "2026-11-19T16:03:00Z", "ecs.amazonaws.com", "UpdateService", frank_deploy, False,
          {"cluster": "payments", "service": "payments-worker", "forceNewDeployment": True}, None),
    # Pipeline role used with no pipeline deployment anywhere near.
    event(PROD, "2026-11-19T03:00:00Z", "ecs.amazonaws.com", "UpdateService", deploy_prod, False,
          {"cluster": "payments", "service": "payments-api", "forceNewDeployment": True}, None),
    # Break-glass with no ticket, six hours.
    assume_role(PROD, "2026-11-19T09:00:00Z", iam_user(PROD, "dave", ""), f"arn:aws:iam::{PROD}:role/BreakGlass", "dave-fixing-things", 43200),
    event(PROD, "2026-11-19T09:05:00Z", "rds.amazonaws.com", "ModifyDBInstance", bg_bad, False, {"dBInstanceIdentifier": "payments-db"}, None),
    event(PROD, "2026-11-19T15:10:00Z", "rds.amazonaws.com", "RebootDBInstance", bg_bad, False, {"dBInstanceIdentifier": "payments-db"}, None),
    # Logging stopped.
    event(PROD, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "StopLogging", ops, False, {"name": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org-trail"}, None),
    event(PROD, "2026-11-19T23:01:00Z", "cloudtrail.amazonaws.com", "DescribeTrails", ops, True, {"trailNameList": []}, None),
    # A failed attempt is not tampering.
    event(PROD, "2026-11-19T23:05:00Z", "cloudtrail.amazonaws.com", "StopLogging", ci, False, {"name": "org-trail"}, None, error="AccessDenied"),
]
trail_file(PROD, "2026-11-17", prod_events_17, stamp="1000")
trail_file(PROD, "2026-11-18", prod_events_18, stamp="2215")
trail_file(PROD, "2026-11-19", prod_events_19, stamp="2310")
# CloudTrail's hourly digests (signed; DS-LOG-002) are written after this script by .NET, which can sign them:
#   dotnet run -c Release --project bench/DriftSentinel.Bench -- demo-digests demo/snapshot
# It also alters one delivered log file and deletes another, which the demo's DS-LOG-002 findings show.

alice_stg = iam_user(STAGING, "alice", "")
staging_events = [
    console_login(STAGING, "2026-11-16T08:00:00Z", alice_stg, mfa="Yes"),
    event(STAGING, "2026-11-16T09:03:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", deploy_stg, False, {"functionName": "payments-api"}, None),
    assume_role(STAGING, "2026-11-16T14:00:00Z", ci, f"arn:aws:iam::{STAGING}:role/reporting-readonly", "nightly-report"),
    event(STAGING, "2026-11-16T15:00:00Z", "s3.amazonaws.com", "PutObject", iam_user(STAGING, "staging-app", STAGING_APP_KEY), False, {"bucketName": "staging-uploads", "key": "a.csv"}, None),
    event(STAGING, "2026-11-19T15:00:00Z", "s3.amazonaws.com", "GetObject", iam_user(STAGING, "legacy-batch", "AKIALEGACYBATCH00001"), True, {"bucketName": "staging-batch", "key": "in.csv"}, None),
]
trail_file(STAGING, "2026-11-16", staging_events, stamp="1500")

erin = iam_user(DEV, "erin", "")
dev_events = [
    console_login(DEV, "2026-11-15T10:00:00Z", erin, mfa="No"),
    console_login(DEV, "2026-11-15T11:00:00Z", root_identity(DEV), mfa="Yes"),
    event(DEV, "2026-11-15T11:05:00Z", "iam.amazonaws.com", "CreateAccessKey", root_identity(DEV), False, {}, None),
    # lookup-events output is also accepted; the dev account's trail is in that form.
]
write(f"aws/{DEV}/cloudtrail/lookup-events-2026-11-15.json",
      {"Events": [{"EventId": r["eventID"], "EventName": r["eventName"], "ReadOnly": str(r["readOnly"]).lower(), "EventTime": r["eventTime"],
                   "EventSource": r["eventSource"], "Username": r["userIdentity"].get("userName", "root"), "Resources": [],
                   "CloudTrailEvent": json.dumps(r)} for r in dev_events]})


# ---------- IAM ----------


GH_OIDC = f"arn:aws:iam::{PROD}:oidc-provider/token.actions.githubusercontent.com"
write(f"aws/{PROD}/iam/authorization-details.json", {
    "UserDetailList": [
        user(PROD, "bob", "2024-03-01T09:00:00Z", groups=["Admins"]),
        user(PROD, "oncall", "2024-05-01T09:00:00Z", attached=[READONLY]),
        user(PROD, "frank", "2024-05-01T09:00:00Z"),
        user(PROD, "dave", "2024-05-01T09:00:00Z"),
    ],
    "GroupDetailList": [group(PROD, "Admins", [ADMIN])],
    "RoleDetailList": [
        role(PROD, "github-deploy", "2024-02-01T09:00:00Z", trust(federated=GH_OIDC), inline=[{"PolicyName": "deploy", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["lambda:UpdateFunctionCode", "ecs:UpdateService"], "Resource": "*"}]}}], last_used="2026-11-19T03:00:00Z"),
        role(PROD, "BreakGlass", "2024-02-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[ADMIN], last_used="2026-11-19T09:00:00Z"),
        role(PROD, "ops-admin", "2024-02-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[ADMIN], last_used="2026-11-19T23:00:00Z"),
        role(PROD, "legacy-admin", "2023-06-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[ADMIN], last_used="2026-03-01T10:00:00Z"),
        role(PROD, "staging-reader-bridge", "2025-09-01T09:00:00Z", trust(f"arn:aws:iam::{STAGING}:root"), attached=[READONLY], last_used="2026-11-10T10:00:00Z"),
        role(PROD, "reporting-readonly", "2025-01-01T09:00:00Z", trust(f"arn:aws:iam::{PROD}:root"), attached=[READONLY], last_used="2026-11-17T14:00:00Z"),
        role(PROD, "AWSReservedSSO_ReadOnly_0123456789abcdef", "2024-01-01T09:00:00Z", trust(federated=f"arn:aws:iam::{PROD}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"),
             attached=[READONLY], last_used="2026-11-17T08:30:00Z", path="/aws-reserved/sso.amazonaws.com/"),
    ],
    "Policies": [managed("AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess", ADMIN_DOC)],
})
write(f"aws/{STAGING}/iam/authorization-details.json", {
    "UserDetailList": [user(STAGING, "alice", "2024-03-01T09:00:00Z", attached=[READONLY]),
                       user(STAGING, "staging-app", "2025-01-01T09:00:00Z"),
                       user(STAGING, "legacy-batch", "2023-01-01T09:00:00Z")],
    "GroupDetailList": [],
    "RoleDetailList": [role(STAGING, "github-deploy", "2024-02-01T09:00:00Z", trust(federated=f"arn:aws:iam::{STAGING}:oidc-provider/token.actions.githubusercontent.com"), last_used="2026-11-16T09:03:00Z"),
                       role(STAGING, "reporting-readonly", "2025-01-01T09:00:00Z", trust(f"arn:aws:iam::{STAGING}:root"), attached=[READONLY], last_used="2026-11-16T14:00:00Z")],
    "Policies": [],
})
write(f"aws/{DEV}/iam/authorization-details.json", {
    "UserDetailList": [user(DEV, "ci-shared", "2025-06-01T09:00:00Z"), user(DEV, "erin", "2025-06-01T09:00:00Z", attached=[READONLY])],
    "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
})


cred_report(PROD, [
    cred_row(PROD, "", "2023-01-01T00:00:00+00:00", pw_used="2025-02-01T10:00:00+00:00", mfa=True, root=True),
    cred_row(PROD, "bob", "2024-03-01T09:00:00+00:00", pw=True, pw_used="2026-11-18T22:00:00+00:00", mfa=True,
             k1=(True, "2026-09-01T09:00:00+00:00", "2026-11-18T22:12:00+00:00", "")),
    cred_row(PROD, "oncall", "2024-05-01T09:00:00+00:00", pw=True, pw_used="2026-11-17T13:00:00+00:00", mfa=True),
    cred_row(PROD, "frank", "2024-05-01T09:00:00+00:00", pw=False),
    cred_row(PROD, "dave", "2024-05-01T09:00:00+00:00", pw=False),
])
cred_report(STAGING, [
    cred_row(STAGING, "", "2023-01-01T00:00:00+00:00", pw_used="N/A", mfa=True, root=True),
    cred_row(STAGING, "alice", "2024-03-01T09:00:00+00:00", pw=True, pw_used="2026-11-16T08:00:00+00:00", mfa=True),
    cred_row(STAGING, "staging-app", "2025-01-01T09:00:00+00:00", k1=(True, "2026-10-01T09:00:00+00:00", "2026-11-16T15:00:00+00:00", "")),
    cred_row(STAGING, "legacy-batch", "2023-01-01T09:00:00+00:00", k1=(True, "2025-06-01T09:00:00+00:00", "2026-11-19T15:00:00+00:00", "")),
])
cred_report(DEV, [
    cred_row(DEV, "", "2023-01-01T00:00:00+00:00", pw_used="2026-11-15T11:00:00+00:00", mfa=True, root=True,
             k1=(True, "2026-11-15T11:05:00+00:00", "N/A", "N/A")),
    cred_row(DEV, "ci-shared", "2025-06-01T09:00:00+00:00", k1=(True, "2026-09-01T09:00:00+00:00", "2026-11-17T14:00:00+00:00", "")),
    cred_row(DEV, "erin", "2025-06-01T09:00:00+00:00", pw=True, pw_used="2026-11-15T10:00:00+00:00", mfa=False),
])


# ---------- Azure ----------
def assignment(sub, name_seed, principal_id, ptype, role_guid, created, scope=None, principal_name=None):
    scope = scope or f"/subscriptions/{sub}"
    aid = uid("ra" + name_seed)
    props = {"roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}", "principalId": principal_id,
             "principalType": ptype, "scope": scope, "condition": None, "conditionVersion": None, "createdOn": created, "updatedOn": created,
             "createdBy": "f0000000-0000-4000-8000-00000000ad01", "updatedBy": "f0000000-0000-4000-8000-00000000ad01", "delegatedManagedIdentityResourceId": None, "description": None}
    return {"properties": props, "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{aid}", "type": "Microsoft.Authorization/roleAssignments", "name": aid}


P = {  # Entra object ids of the demo principals
    "bob": "a0000000-0000-4000-8000-0000000000b0", "dan": "a0000000-0000-4000-8000-0000000000d0", "alice": "a0000000-0000-4000-8000-0000000000a1",
    "carol": "a0000000-0000-4000-8000-0000000000c0", "eve": "a0000000-0000-4000-8000-0000000000e0", "breakglass": "a0000000-0000-4000-8000-0000000000bb",
    "deployer": "11111111-aaaa-4bbb-8ccc-000000000001", "shared": "22222222-aaaa-4bbb-8ccc-000000000002", "batch": "33333333-aaaa-4bbb-8ccc-000000000003",
    "prodmi": "44444444-aaaa-4bbb-8ccc-000000000004",
}
write(f"azure/{SUB_PROD}/role-assignments.json", {"value": [
    assignment(SUB_PROD, "dan-owner", P["dan"], "User", OWNER_ROLE, "2025-01-15T10:00:00.0000000Z"),
    assignment(SUB_PROD, "deployer-contrib", P["deployer"], "ServicePrincipal", CONTRIB_ROLE, "2024-06-01T10:00:00.0000000Z",
               scope=f"/subscriptions/{SUB_PROD}/resourceGroups/payments"),
    assignment(SUB_PROD, "shared-contrib", P["shared"], "ServicePrincipal", CONTRIB_ROLE, "2025-03-01T10:00:00.0000000Z"),
    assignment(SUB_PROD, "batch-reader", P["batch"], "ServicePrincipal", READER_ROLE, "2025-08-01T10:00:00.0000000Z"),
    assignment(SUB_PROD, "prodmi-reader", P["prodmi"], "ServicePrincipal", READER_ROLE, "2025-08-01T10:00:00.0000000Z"),
    assignment(SUB_PROD, "alice-owner-jit", P["alice"], "User", OWNER_ROLE, "2026-11-20T06:00:00.0000000Z"),
    assignment(SUB_PROD, "bob-reader", P["bob"], "User", READER_ROLE, "2024-03-01T10:00:00.0000000Z"),
]})
write(f"azure/{SUB_NONPROD}/role-assignments.json", [
    # az role assignment list output: flat, with principalName and roleDefinitionName.
    {"id": f"/subscriptions/{SUB_NONPROD}/providers/Microsoft.Authorization/roleAssignments/{uid('ra-shared-np')}", "name": uid("ra-shared-np"),
     "principalId": P["shared"], "principalName": "shared-automation", "principalType": "ServicePrincipal",
     "roleDefinitionId": f"/subscriptions/{SUB_NONPROD}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIB_ROLE}", "roleDefinitionName": "Contributor",
     "scope": f"/subscriptions/{SUB_NONPROD}", "type": "Microsoft.Authorization/roleAssignments", "createdOn": "2025-03-01T10:00:00.000000+00:00"},
    {"id": f"/subscriptions/{SUB_NONPROD}/providers/Microsoft.Authorization/roleAssignments/{uid('ra-alice-np')}", "name": uid("ra-alice-np"),
     "principalId": P["alice"], "principalName": "alice@example.com", "principalType": "User",
     "roleDefinitionId": f"/subscriptions/{SUB_NONPROD}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIB_ROLE}", "roleDefinitionName": "Contributor",
     "scope": f"/subscriptions/{SUB_NONPROD}", "type": "Microsoft.Authorization/roleAssignments", "createdOn": "2025-03-01T10:00:00.000000+00:00"},
])


def pim_instance(sub, seed, principal, email, ptype, role_guid, role_name, atype, start, end):
    scope = f"/subscriptions/{sub}"
    iid = uid("pim" + seed)
    return {"properties": {
        "originRoleAssignmentId": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uid('ra' + seed) if seed == 'alice-owner-jit' else uid('pimra' + seed)}",
        "assignmentType": atype, "scope": scope, "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
        "principalId": principal, "principalType": ptype, "status": "Accepted",
        "roleAssignmentScheduleId": f"{scope}/providers/Microsoft.Authorization/RoleAssignmentSchedules/{uid('sched' + seed)}",
        "startDateTime": start, "endDateTime": end, "memberType": "Direct", "createdOn": start,
        "expandedProperties": {"scope": {"id": scope, "displayName": "Example Prod", "type": "subscription"},
                               "roleDefinition": {"id": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}", "displayName": role_name, "type": "BuiltInRole"},
                               "principal": {"id": principal, "displayName": email.split("@")[0], "email": email, "type": ptype}}},
        "name": iid, "type": "Microsoft.Authorization/roleAssignmentScheduleInstances",
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{iid}"}


write(f"azure/{SUB_PROD}/role-assignment-schedule-instances.json", {"value": [
    pim_instance(SUB_PROD, "alice-owner-jit", P["alice"], "alice@example.com", "User", OWNER_ROLE, "Owner", "Activated", "2026-11-20T06:00:00Z", "2026-11-20T18:00:00Z"),
    pim_instance(SUB_PROD, "carol-contrib-jit", P["carol"], "carol@example.com", "User", CONTRIB_ROLE, "Contributor", "Activated", "2026-11-20T11:00:00Z", "2026-11-20T13:00:00Z"),
    pim_instance(SUB_PROD, "eve-contrib", P["eve"], "eve@example.com", "User", CONTRIB_ROLE, "Contributor", "Assigned", "2026-10-01T00:00:00Z", "2026-11-18T00:00:00Z"),
    pim_instance(SUB_PROD, "bg-owner", P["breakglass"], "breakglass@example.com", "User", OWNER_ROLE, "Owner", "Activated", "2026-11-20T01:00:00Z", "2026-11-20T03:00:00Z"),
]})
write(f"azure/{SUB_PROD}/role-assignment-schedule-requests.json", {"value": [
    {"properties": {"targetRoleAssignmentScheduleId": uid("schedbg-owner"), "scope": f"/subscriptions/{SUB_PROD}",
                    "roleDefinitionId": f"/subscriptions/{SUB_PROD}/providers/Microsoft.Authorization/roleDefinitions/{OWNER_ROLE}",
                    "principalId": P["breakglass"], "principalType": "User", "requestType": "SelfActivate", "status": "Provisioned",
                    "scheduleInfo": {"startDateTime": "2026-11-20T01:00:00Z", "expiration": {"type": "AfterDuration", "endDateTime": None, "duration": "PT2H"}},
                    "justification": "INC-4600 database failover", "ticketInfo": {"ticketNumber": "INC-4600", "ticketSystem": "ServiceNow"},
                    "createdOn": "2026-11-20T01:00:00Z", "requestorId": P["breakglass"]},
     "name": uid("req-bg"), "type": "Microsoft.Authorization/RoleAssignmentScheduleRequests",
     "id": f"/subscriptions/{SUB_PROD}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{uid('req-bg')}"},
]})
write(f"azure/{SUB_NONPROD}/role-assignment-schedule-instances.json", {"value": []})


def uti(seed):
    """The access token's unique id, as the Activity Log's uti claim and the sign-in's uniqueTokenIdentifier show it."""
    return uid("uti" + seed).replace("-", "")[:22]


def activity(sub, seed, time, caller, idtyp, operation, resource, status="Succeeded"):
    claims = {"aud": "https://management.core.windows.net/", "iss": f"https://sts.windows.net/{TENANT}/", "idtyp": idtyp,
              "http://schemas.microsoft.com/identity/claims/tenantid": TENANT, "uti": uti(seed)}
    if idtyp == "user":
        claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = caller
        claims["name"] = caller.split("@")[0]
        claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] = P.get(caller.split("@")[0], uid("oid" + caller))
    else:
        claims["appid"] = caller
        claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] = caller
    rid = f"/subscriptions/{sub}/resourceGroups/payments/providers/{resource}"
    return {"authorization": {"action": operation, "scope": rid}, "caller": caller, "channels": "Operation", "claims": claims,
            "correlationId": uid("corr" + seed), "description": "", "eventDataId": uid("ev" + seed),
            "eventName": {"value": "EndRequest", "localizedValue": "End request"}, "category": {"value": "Administrative", "localizedValue": "Administrative"},
            "eventTimestamp": time, "id": f"{rid}/events/{uid('ev' + seed)}/ticks/638672000000000000", "level": "Informational",
            "operationId": uid("op" + seed), "operationName": {"value": operation, "localizedValue": operation},
            "resourceGroupName": "payments", "resourceProviderName": {"value": operation.split("/")[0], "localizedValue": operation.split("/")[0]},
            "resourceType": {"value": "/".join(operation.split("/")[:-1]), "localizedValue": "/".join(operation.split("/")[:-1])},
            "resourceId": rid, "status": {"value": status, "localizedValue": status}, "subStatus": {"value": "OK", "localizedValue": "OK (HTTP Status Code: 200)"},
            "submissionTimestamp": time, "subscriptionId": sub, "tenantId": TENANT,
            "httpRequest": {"clientRequestId": uid("cr" + seed), "clientIpAddress": "203.0.113.80", "method": "PUT"}}


write(f"azure/{SUB_PROD}/activity-log.json", [
    # This export reaches back 100 days (the diagnostic-settings archive keeps more than the Activity Log's 90), so
    # "never used" is a fact for this subscription's role assignments; the staging export below covers days only.
    activity(SUB_PROD, "deployer-config-list", "2026-08-12T09:15:00Z", P["deployer"], "app", "Microsoft.Web/sites/config/list/action", "Microsoft.Web/sites/payments-web"),
    activity(SUB_PROD, "deployer-web", "2026-11-17T10:06:30Z", P["deployer"], "app", "Microsoft.Web/sites/write", "Microsoft.Web/sites/payments-web"),
    activity(SUB_PROD, "deployer-web-start", "2026-11-17T10:06:00Z", P["deployer"], "app", "Microsoft.Web/sites/write", "Microsoft.Web/sites/payments-web", status="Started"),
    activity(SUB_PROD, "bob-web", "2026-11-18T21:40:00Z", "bob@example.com", "user", "Microsoft.Web/sites/write", "Microsoft.Web/sites/payments-web"),
    activity(SUB_PROD, "bob-diag", "2026-11-18T21:45:00Z", "bob@example.com", "user", "microsoft.insights/diagnosticSettings/delete",
             "Microsoft.Web/sites/payments-web/providers/microsoft.insights/diagnosticSettings/send-to-law"),
    activity(SUB_PROD, "alice-rg", "2026-11-20T07:00:00Z", "alice@example.com", "user", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/resourceGroups/payments"),
])
write(f"azure/{SUB_NONPROD}/activity-log.json", [
    activity(SUB_NONPROD, "alice-np-web", "2026-11-16T09:30:00Z", "alice@example.com", "user", "Microsoft.Web/sites/write", "Microsoft.Web/sites/payments-web-staging"),
    activity(SUB_NONPROD, "shared-np", "2026-11-16T12:00:00Z", P["shared"], "app", "Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts/stagingdata"),
])


# The deployer's token for its web-app write came from a workload identity federation sign-in: GitHub's OIDC token for
# the production environment of example/payments, exchanged through the app's federated credential.
FED_CREDENTIAL = uid("fic-payments-production")
write(f"entra/{TENANT}/federated-credentials.json", {"value": [
    {"id": FED_CREDENTIAL, "name": "payments-production", "issuer": "https://token.actions.githubusercontent.com",
     "subject": "repo:example/payments:environment:production", "description": "GitHub Actions, production environment",
     "audiences": ["api://AzureADTokenExchange"], "appId": "9a8b7c6d-0000-4000-8000-00000000dep1"}]})
write(f"entra/{TENANT}/service-principal-sign-ins.json", {"value": [
    {"id": uid("sp-signin-deployer-web"), "createdDateTime": "2026-11-17T10:05:58Z", "appId": "9a8b7c6d-0000-4000-8000-00000000dep1",
     "appDisplayName": "payments-deployer", "servicePrincipalId": P["deployer"], "servicePrincipalName": "payments-deployer",
     "ipAddress": "203.0.113.80", "resourceDisplayName": "Windows Azure Service Management API", "resourceId": "797f4846-ba00-4fd7-ba43-dac1f8f63013",
     "status": {"errorCode": 0, "failureReason": None, "additionalDetails": None}, "signInEventTypes": ["servicePrincipal"],
     "clientCredentialType": "federatedIdentityCredential", "federatedCredentialId": FED_CREDENTIAL,
     "servicePrincipalCredentialKeyId": None, "uniqueTokenIdentifier": uti("deployer-web"), "correlationId": uid("corr-sp-deployer-web")}]})


def signin(seed, time, upn, app, mfa, interactive=True, error=0):
    return {"id": uid("si" + seed), "createdDateTime": time, "userDisplayName": upn.split("@")[0].title(), "userPrincipalName": upn,
            "userId": P.get(upn.split("@")[0], uid("user" + upn)), "appId": uid("app" + app), "appDisplayName": app, "ipAddress": "203.0.113.90", "clientAppUsed": "Browser",
            "correlationId": uid("sic" + seed), "conditionalAccessStatus": "success" if mfa else "notApplied", "isInteractive": interactive,
            "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none", "riskEventTypes_v2": [],
            "resourceDisplayName": "Windows Azure Service Management API", "resourceId": "797f4846-ba00-4fd7-ba43-dac1f8f63013",
            "authenticationRequirement": "multiFactorAuthentication" if mfa else "singleFactorAuthentication",
            "status": {"errorCode": error, "failureReason": None if error == 0 else "Invalid username or password.", "additionalDetails": None},
            "deviceDetail": {"deviceId": "", "displayName": "", "operatingSystem": "Linux", "browser": "Firefox 132.0"},
            "location": {"city": "Example City", "state": "EX", "countryOrRegion": "US"}}


write(f"entra/{TENANT}/sign-ins.json", {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns", "value": [
    signin("bob1", "2026-11-18T21:35:00Z", "bob@example.com", "Azure Portal", True),
    signin("carol1", "2026-11-19T10:00:00Z", "carol@example.com", "Azure Portal", False),
    signin("carol2", "2026-11-19T10:02:00Z", "carol@example.com", "Microsoft Azure CLI", False),
    signin("alice1", "2026-11-20T06:55:00Z", "alice@example.com", "Azure Portal", True),
    signin("eve-fail", "2026-11-19T11:00:00Z", "eve@example.com", "Azure Portal", False, error=50126),
]})


# ---------- GitHub ----------
def gh_user(login, uid_n):
    return {"login": login, "id": uid_n, "node_id": f"MDQ6VXNlcj{uid_n}", "avatar_url": f"https://avatars.githubusercontent.com/u/{uid_n}?v=4",
            "url": f"https://api.github.com/users/{login}", "html_url": f"https://github.com/{login}", "type": "User", "site_admin": False}


USERS = {"alice-example": gh_user("alice-example", 9000001), "bob-example": gh_user("bob-example", 9000002),
         "carol-example": gh_user("carol-example", 9000003), "github-actions[bot]": {**gh_user("github-actions[bot]", 41898282), "type": "Bot"}}
API = "https://api.github.com/repos/example/payments"
SHAS = {"a": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "b": "b2c3d4e5f60718293a4b5c6d7e8f901234567890",
        "c": "c3d4e5f60718293a4b5c6d7e8f90123456789012", "d": "d4e5f60718293a4b5c6d7e8f9012345678901234"}
# id, environment, sha, created, success time, run id, creator
DEPLOYS = [
    (1001, "staging", "a", "2026-11-16T09:00:00Z", "2026-11-16T09:06:00Z", 5001),
    (1002, "production", "a", "2026-11-17T10:00:00Z", "2026-11-17T10:08:00Z", 5002),
    (1004, "staging", "b", "2026-11-18T14:00:00Z", "2026-11-18T14:05:00Z", 5004),
    (1003, "production", "b", "2026-11-18T15:00:00Z", "2026-11-18T15:07:00Z", 5003),
    (1007, "staging", "c", "2026-11-19T15:00:00Z", "2026-11-19T15:04:00Z", 5007),
    (1005, "production", "c", "2026-11-19T16:00:00Z", "2026-11-19T16:06:00Z", 5005),
    (1006, "production", "d", "2026-11-20T09:00:00Z", "2026-11-20T09:05:00Z", 5006),
]
deployments = []
for (did, env, sha, created, done, run) in DEPLOYS:
    deployments.append({"url": f"{API}/deployments/{did}", "id": did, "node_id": f"DE_kwDOdemo{did}", "task": "deploy", "original_environment": env,
                        "environment": env, "description": None, "created_at": created, "updated_at": done, "statuses_url": f"{API}/deployments/{did}/statuses",
                        "repository_url": API, "creator": USERS["github-actions[bot]"], "sha": SHAS[sha], "ref": "main", "payload": {},
                        "transient_environment": False, "production_environment": env == "production", "performed_via_github_app": None})
    job = run * 10 + 1
    write(f"github/example/payments/deployment-statuses/{did}.json", [
        {"url": f"{API}/deployments/{did}/statuses/{did * 10 + 2}", "id": did * 10 + 2, "node_id": f"DES_demo{did}2", "state": "success",
         "creator": USERS["github-actions[bot]"], "description": "", "environment": env, "target_url": f"https://github.com/example/payments/actions/runs/{run}/job/{job}",
         "created_at": done, "updated_at": done, "deployment_url": f"{API}/deployments/{did}", "repository_url": API, "environment_url": "",
         "log_url": f"https://github.com/example/payments/actions/runs/{run}/job/{job}", "performed_via_github_app": None},
        {"url": f"{API}/deployments/{did}/statuses/{did * 10 + 1}", "id": did * 10 + 1, "node_id": f"DES_demo{did}1", "state": "in_progress",
         "creator": USERS["github-actions[bot]"], "description": "", "environment": env, "target_url": f"https://github.com/example/payments/actions/runs/{run}/job/{job}",
         "created_at": created, "updated_at": created, "deployment_url": f"{API}/deployments/{did}", "repository_url": API, "environment_url": "",
         "log_url": f"https://github.com/example/payments/actions/runs/{run}/job/{job}", "performed_via_github_app": None},
    ])
deployments.sort(key=lambda d: d["created_at"], reverse=True)
write("github/example/payments/deployments.json", deployments)

# run id -> triggering login, commit author e-mail
RUNS = {5001: ("alice-example", "alice@example.com", "a"), 5002: ("alice-example", "alice@example.com", "a"),
        5004: ("carol-example", "carol@example.com", "b"), 5003: ("carol-example", "carol@example.com", "b"),
        5007: ("alice-example", "alice@example.com", "c"), 5005: ("alice-example", "alice@example.com", "c"),
        5006: ("alice-example", "alice@example.com", "d")}
runs = []
for (did, env, sha, created, done, run) in DEPLOYS:
    actor, email, s = RUNS[run]
    runs.append({"id": run, "name": "deploy", "node_id": f"WFR_demo{run}", "head_branch": "main", "head_sha": SHAS[s], "path": ".github/workflows/deploy.yml",
                 "display_title": f"Deploy {env}", "run_number": run - 5000, "event": "push" if env == "staging" else "workflow_dispatch",
                 "status": "completed", "conclusion": "success", "workflow_id": 7001, "url": f"{API}/actions/runs/{run}",
                 "html_url": f"https://github.com/example/payments/actions/runs/{run}", "created_at": created, "updated_at": done, "run_attempt": 1,
                 "run_started_at": created, "actor": USERS[actor], "triggering_actor": USERS[actor],
                 "head_commit": {"id": SHAS[s], "tree_id": SHAS[s][::-1], "message": "Change payments", "timestamp": created,
                                 "author": {"name": email.split("@")[0].title(), "email": email}, "committer": {"name": "GitHub", "email": "noreply@github.com"}}})
runs.sort(key=lambda r: r["created_at"], reverse=True)
write("github/example/payments/runs.json", {"total_count": len(runs), "workflow_runs": runs})


def approval(env, login, state="approved", comment="Looks good"):
    return {"environments": [{"id": 8000 + (1 if env == "production" else 2), "node_id": "EN_demo", "name": env, "url": f"{API}/environments/{env}",
                              "html_url": f"https://github.com/example/payments/deployments/activity_log?environments_filter={env}",
                              "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}],
            "state": state, "comment": comment, "user": USERS[login]}


write("github/example/payments/approvals/5002.json", [approval("production", "bob-example")])
write("github/example/payments/approvals/5003.json", [approval("production", "carol-example", comment="shipping my fix")])
write("github/example/payments/approvals/5006.json", [approval("production", "bob-example")])
write("github/example/payments/approvals/5005.json", [])
write("github/example/payments/environments.json", {"total_count": 2, "environments": [
    {"id": 8001, "node_id": "EN_demo1", "name": "production", "url": f"{API}/environments/production", "html_url": "https://github.com/example/payments/deployments/activity_log?environments_filter=production",
     "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "can_admins_bypass": True,
     "protection_rules": [{"id": 9001, "node_id": "GA_demo1", "prevent_self_review": False, "type": "required_reviewers",
                           "reviewers": [{"type": "User", "reviewer": USERS["bob-example"]}, {"type": "User", "reviewer": USERS["carol-example"]}]}],
     "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False}},
    {"id": 8002, "node_id": "EN_demo2", "name": "staging", "url": f"{API}/environments/staging", "html_url": "https://github.com/example/payments/deployments/activity_log?environments_filter=staging",
     "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "can_admins_bypass": True, "protection_rules": [], "deployment_branch_policy": None},
]})
write("github/example/payments/secrets.json", {"total_count": 1, "secrets": [
    {"name": "SLACK_WEBHOOK_URL", "created_at": "2025-02-01T10:00:00Z", "updated_at": "2025-02-01T10:00:00Z"}]})
write("github/example/payments/environment-secrets/production.json", {"total_count": 1, "secrets": [
    {"name": "PAYMENTS_SIGNING_KEY", "created_at": "2025-02-01T10:00:00Z", "updated_at": "2026-06-01T10:00:00Z"}]})

# ---------- GitLab: example/platform/api (Premium: protected environments and deployment approvals) ----------
GL = {"dana": gitlab_user("dana", 301), "bob": gitlab_user("bob", 302), "erin": gitlab_user("erin", 303)}
GL_SHA = {"e": "e5f60718293a4b5c6d7e8f90123456789012345a", "f": "f60718293a4b5c6d7e8f90123456789012345ab1"}
gitlab_group("example", 100, variables=[("SENTRY_DSN", "*", False)])
gitlab_group("example/platform", 101, variables=[("REGISTRY_PUSH_TOKEN", "*", True), ("PROD_DB_URL", "production", True)])
gitlab_project("example/platform/api", 42, [
    gitlab_deployment(42, 4101, "staging", GL_SHA["e"], "2026-11-17T08:00:00Z", "2026-11-17T08:04:00Z", GL["dana"], "dana@example.com", 3101, approvals=[]),
    # approved by bob, who neither triggered it nor wrote the commit
    gitlab_deployment(42, 4102, "production", GL_SHA["e"], "2026-11-17T11:00:00Z", "2026-11-17T11:06:00Z", GL["dana"], "dana@example.com", 3102, approvals=[GL["bob"]]),
    # recorded through the API (POST /deployments) with no job behind it: no approval rule could apply
    gitlab_deployment(42, 4103, "production", GL_SHA["f"], "2026-11-19T22:10:00Z", "2026-11-19T22:10:30Z", GL["erin"], "erin@example.com", None, approvals=[]),
], protected=[("production", 1)], variables=[("STRIPE_SECRET_KEY", "*", True), ("DB_PASSWORD", "production", True), ("LOG_LEVEL", "*", False)])

# ---------- Azure DevOps: example-org/billing ----------
ADO_SHA = {"g": "0718293a4b5c6d7e8f90123456789012345ab1c2"}
ado_project("example-org", "billing", [
    (11, "staging", ["branch"], [(2101, 7101, "2026-11-18T09:00:00Z", "2026-11-18T09:05:00Z", "succeeded")]),
    # an Approval check, but no Branch control: any branch's run may deploy
    (12, "production", ["approval-self"], [(2102, 7102, "2026-11-18T13:00:00Z", "2026-11-18T13:09:00Z", "succeeded")]),
], [(7101, ADO_SHA["g"], "erin@example.com", "2026-11-18T08:58:00Z"), (7102, ADO_SHA["g"], "erin@example.com", "2026-11-18T12:50:00Z")],
    # erin queued run 7102 and approved its production stage herself (the check did not forbid it at the time)
    approvals=[(7102, "erin@example.com")],
    variable_groups=[(1, "billing-shared", ["STORAGE_ACCOUNT_KEY"], True), (2, "billing-prod", ["SQL_ADMIN_PASSWORD"], False)])
print("demo snapshot written to", os.path.abspath(ROOT))
