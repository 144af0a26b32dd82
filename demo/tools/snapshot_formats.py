"""Snapshot files in the tools' real export formats (CloudTrail, IAM, credential report), shared by the demo
(make_demo.py) and the rule examples (rules/examples/make_examples.py). Everything is deterministic: ids are uuid5 of
what a record is, gzip has mtime 0.
"""
import csv, gzip, io, json, os, uuid

ROOT = "."


def set_root(path):
    """Where write() puts files (a snapshot folder)."""
    global ROOT
    ROOT = path
    _seen.clear()


_seen = {}


def uid(tag):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"driftsentinel-demo/{tag}"))


def write(path, data, gz=False):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, indent=2) + "\n"
    if gz:
        with open(full, "wb") as f:
            # mtime=0 keeps the gzip bytes reproducible
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
                g.write(text.encode())
    else:
        with open(full, "w", newline="\n") as f:
            f.write(text)


def iam_user(account, name, key):
    return {"type": "IAMUser", "principalId": "AIDA" + uid(name)[:16].upper().replace("-", "X"), "arn": f"arn:aws:iam::{account}:user/{name}",
            "accountId": account, "accessKeyId": key, "userName": name}


def role_session(account, role, session, key, path="/", mfa="false", issuer_path=None):
    arn_path = (issuer_path or path)
    return {"type": "AssumedRole", "principalId": "AROA" + uid(role)[:16].upper().replace("-", "X") + ":" + session,
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}", "accountId": account, "accessKeyId": key,
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA" + uid(role)[:16].upper().replace("-", "X"),
                                                 "arn": f"arn:aws:iam::{account}:role{arn_path}{role}", "accountId": account, "userName": role},
                               "attributes": {"creationDate": "2026-11-01T00:00:00Z", "mfaAuthenticated": mfa}}}


def root_identity(account):
    return {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root", "accountId": account, "accessKeyId": ""}


def event_key(account, time, name, identity, request):
    """An event's id comes from what it is, not where it sits in this file: adding an event never renames another."""
    base = f"{account}/{time}/{name}/{identity.get('arn', '')}/{json.dumps(request, sort_keys=True)}"
    _seen[base] = _seen.get(base, 0) + 1
    return base if _seen[base] == 1 else f"{base}#{_seen[base]}"


def event(account, time, source, name, identity, read_only, request=None, response=None, extra=None, error=None, region="us-east-1"):
    key = event_key(account, time, name, identity, request)
    r = {"eventVersion": "1.08", "userIdentity": identity, "eventTime": time, "eventSource": source, "eventName": name,
         "awsRegion": region, "sourceIPAddress": "203.0.113.%d" % (10 + int(uid("ip" + key)[:8], 16) % 200),
         "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64" if name != "ConsoleLogin" else "Mozilla/5.0 (X11; Linux x86_64)",
         "requestParameters": request, "responseElements": response, "requestID": uid("req" + key), "eventID": uid("evt" + key),
         "readOnly": read_only, "eventType": "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall", "managementEvent": True,
         "recipientAccountId": account, "eventCategory": "Management"}
    if error:
        r["errorCode"], r["errorMessage"] = error, "User is not authorized to perform this operation"
    if extra:
        r.update(extra)
    return r


def console_login(account, time, identity, mfa="Yes", result="Success"):
    identity = dict(identity)
    identity.pop("accessKeyId", None)
    return event(account, time, "signin.amazonaws.com", "ConsoleLogin", identity, False, None, {"ConsoleLogin": result},
                 {"additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": mfa}}, region="us-east-1")


def assume_role(account, time, identity, role_arn, session, duration=3600):
    return event(account, time, "sts.amazonaws.com", "AssumeRole", identity, True,
                 {"roleArn": role_arn, "roleSessionName": session, "durationSeconds": duration},
                 {"credentials": {"accessKeyId": "ASIA" + uid(session + time)[:16].upper().replace("-", "Q"), "sessionToken": "(redacted in demo)",
                                  "expiration": "Nov 20, 2026, 12:00:00 AM"},
                  "assumedRoleUser": {"assumedRoleId": "AROAEXAMPLE:" + session, "arn": role_arn.replace(":iam:", ":sts:").replace(":role/", ":assumed-role/") + "/" + session}})


def trail_file(account, day, records, gz=True, stamp="0000"):
    y, m, d = day.split("-")
    name = f"{account}_CloudTrail_us-east-1_{y}{m}{d}T{stamp}Z_{uid(account + day + stamp)[:16]}.json" + (".gz" if gz else "")
    write(f"aws/{account}/cloudtrail/AWSLogs/{account}/CloudTrail/us-east-1/{y}/{m}/{d}/{name}", {"Records": records}, gz=gz)


def trust(*principals, service=None, federated=None):
    stmts = []
    for p in principals:
        stmts.append({"Effect": "Allow", "Principal": {"AWS": p}, "Action": "sts:AssumeRole"})
    if service:
        stmts.append({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})
    if federated:
        stmts.append({"Effect": "Allow", "Principal": {"Federated": federated}, "Action": "sts:AssumeRoleWithWebIdentity",
                      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:example/payments:environment:production"}}})
    return {"Version": "2012-10-17", "Statement": stmts}


ADMIN = {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}


READONLY = {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}


def user(account, name, created, groups=(), attached=(), inline=()):
    return {"Path": "/", "UserName": name, "UserId": "AIDA" + uid(account + name)[:16].upper().replace("-", "X"), "Arn": f"arn:aws:iam::{account}:user/{name}",
            "CreateDate": created, "UserPolicyList": list(inline), "GroupList": list(groups), "AttachedManagedPolicies": list(attached), "Tags": []}


def role(account, name, created, trust_doc, attached=(), inline=(), last_used=None, path="/"):
    r = {"Path": path, "RoleName": name, "RoleId": "AROA" + uid(account + name)[:16].upper().replace("-", "X"), "Arn": f"arn:aws:iam::{account}:role{path}{name}",
         "CreateDate": created, "AssumeRolePolicyDocument": trust_doc, "InstanceProfileList": [], "RolePolicyList": list(inline),
         "AttachedManagedPolicies": list(attached), "Tags": [], "RoleLastUsed": {}}
    if last_used:
        r["RoleLastUsed"] = {"LastUsedDate": last_used, "Region": "us-east-1"}
    return r


def group(account, name, attached=()):
    return {"Path": "/", "GroupName": name, "GroupId": "AGPA" + uid(account + name)[:16].upper().replace("-", "X"), "Arn": f"arn:aws:iam::{account}:group/{name}",
            "CreateDate": "2024-01-10T09:00:00Z", "GroupPolicyList": [], "AttachedManagedPolicies": list(attached)}


def managed(name, arn, doc):
    return {"PolicyName": name, "PolicyId": "ANPA" + uid(arn)[:16].upper().replace("-", "X"), "Arn": arn, "Path": "/", "DefaultVersionId": "v1",
            "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True, "CreateDate": "2024-01-10T09:00:00Z", "UpdateDate": "2024-01-10T09:00:00Z",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": "2024-01-10T09:00:00Z"}]}


ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


HEADER = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed", "password_next_rotation", "mfa_active",
          "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
          "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
          "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]


def cred_row(account, name, created, pw=False, pw_used="N/A", mfa=False, k1=None, root=False):
    k1 = k1 or (False, "N/A", "N/A", "N/A")
    return [("<root_account>" if root else name), (f"arn:aws:iam::{account}:root" if root else f"arn:aws:iam::{account}:user/{name}"), created,
            ("not_supported" if root else str(pw).lower()), pw_used, ("not_supported" if root else ("2024-03-01T09:00:00+00:00" if pw else "N/A")),
            ("not_supported" if root else "N/A"), str(mfa).lower(),
            str(k1[0]).lower(), k1[1], k1[2], ("us-east-1" if k1[2] != "N/A" else "N/A"), ("s3" if k1[2] != "N/A" else "N/A"),
            "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"]


def cred_report(account, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    write(f"aws/{account}/iam/credential-report.csv", buf.getvalue())


# ---------- GitLab REST v4 (project folders hold project.json; values of variables are never exported) ----------
def gitlab_user(username, n):
    return {"id": n, "username": username, "name": username.title(), "state": "active", "locked": False,
            "avatar_url": f"https://gitlab.example.com/uploads/-/system/user/avatar/{n}/avatar.png", "web_url": f"https://gitlab.example.com/{username}"}


def gitlab_deployment(project_id, did, env, sha, created, finished, user, author_email, pipeline_id=None, status="success", approvals=None):
    """One deployment as GET /projects/:id/deployments/:deployment_id returns it; pipeline_id None = no deployable job;
    approvals None = a Free-tier response (no approvals field at all)."""
    d = {"id": did, "iid": did % 1000, "ref": "main", "sha": sha, "created_at": created, "updated_at": finished, "finished_at": finished, "status": status,
         "user": user, "environment": {"id": project_id * 10 + (1 if env == "production" else 2), "name": env, "slug": env, "external_url": None, "tier": env},
         "deployable": None}
    if pipeline_id is not None:
        d["deployable"] = {"id": pipeline_id * 10 + 1, "status": status, "stage": "deploy", "name": f"deploy-{env}", "ref": "main", "tag": False, "coverage": None,
                           "allow_failure": False, "created_at": created, "started_at": created, "finished_at": finished, "duration": 61.2, "queued_duration": 0.8,
                           "user": user, "commit": {"id": sha, "short_id": sha[:8], "created_at": created, "title": "Release", "message": "Release\n",
                                                    "author_name": author_email.split("@")[0].title(), "author_email": author_email,
                                                    "authored_date": created, "committer_name": "GitLab", "committer_email": "noreply@gitlab.example.com", "committed_date": created},
                           "pipeline": {"id": pipeline_id, "iid": pipeline_id % 1000, "project_id": project_id, "sha": sha, "ref": "main", "status": status, "source": "push",
                                        "created_at": created, "updated_at": finished, "web_url": f"https://gitlab.example.com/-/pipelines/{pipeline_id}"},
                           "web_url": f"https://gitlab.example.com/-/jobs/{pipeline_id * 10 + 1}", "artifacts": [], "runner": None}
    if approvals is not None:
        d["pending_approval_count"] = 0
        d["approvals"] = [{"user": who, "status": "approved", "created_at": finished, "comment": "ok"} for who in approvals]
    return d


def gitlab_project(path, project_id, deployments, protected=None, variables=()):
    """protected: None leaves protected_environments.json out (a Free tier), else a list of
    (name, required approvals); variables: (key, environment_scope, masked)."""
    ns = path.rsplit("/", 1)[0]
    write(f"gitlab/{path}/project.json", {"id": project_id, "name": path.rsplit("/", 1)[1], "path": path.rsplit("/", 1)[1], "path_with_namespace": path,
                                          "namespace": {"id": project_id + 100, "name": ns.split("/")[-1], "path": ns.split("/")[-1], "kind": "group", "full_path": ns},
                                          "default_branch": "main", "visibility": "private", "web_url": f"https://gitlab.example.com/{path}"})
    write(f"gitlab/{path}/deployments.json", deployments)
    if protected is not None:
        write(f"gitlab/{path}/protected_environments.json", [
            {"name": name, "deploy_access_levels": [{"id": 1, "access_level": 40, "access_level_description": "Maintainers", "user_id": None, "group_id": None, "group_inheritance_type": 0}],
             "required_approval_count": 0,
             "approval_rules": [{"id": 1, "user_id": None, "group_id": 77, "access_level": None, "access_level_description": "release-managers", "required_approvals": required, "group_inheritance_type": 0}] if required else []}
            for name, required in protected])
    write(f"gitlab/{path}/variables.json", [{"variable_type": "env_var", "key": key, "protected": True, "masked": masked, "hidden": False, "raw": False,
                                             "environment_scope": scope, "description": None} for key, scope, masked in variables])


def gitlab_group(path, group_id, variables=()):
    write(f"gitlab/{path}/group.json", {"id": group_id, "name": path.split("/")[-1], "path": path.split("/")[-1], "full_path": path, "visibility": "private",
                                        "web_url": f"https://gitlab.example.com/groups/{path}"})
    write(f"gitlab/{path}/variables.json", [{"variable_type": "env_var", "key": key, "protected": False, "masked": masked, "hidden": False, "raw": False,
                                             "environment_scope": scope, "description": None} for key, scope, masked in variables])


# ---------- Azure DevOps REST 7.1 (count/value lists; variable values are never exported) ----------
def ado_identity(unique_name):
    return {"displayName": unique_name.split("@")[0].title(), "id": uid("ado-" + unique_name), "uniqueName": unique_name, "descriptor": "aad." + uid("d-" + unique_name)[:12]}


def ado_project(org, project, environments, builds, approvals=(), variable_groups=()):
    """environments: (id, name, checks, deployments) with checks a list of "approval" / "approval-self" / "branch"
    (None = checks file left out) and deployments (record id, run id, start, finish, result);
    builds: (run id, sha, requested for, queued); approvals: (run id, approver); variable_groups: (id, name, secret names, open to all)."""
    base = f"azure-devops/{org}/{project}"
    link = f"https://dev.azure.com/{org}/{project}"
    write(f"{base}/environments.json", {"count": len(environments), "value": [
        {"id": eid, "name": name, "description": "", "createdBy": ado_identity("admin@example.com"), "createdOn": "2025-01-10T09:00:00Z",
         "lastModifiedBy": ado_identity("admin@example.com"), "lastModifiedOn": "2025-01-10T09:00:00Z", "project": {"id": uid(project), "name": project}}
        for eid, name, _, _ in environments]})
    for eid, name, checks, deployments in environments:
        write(f"{base}/environment-deployments/{eid}.json", {"count": len(deployments), "value": [
            {"id": rid, "environmentId": eid, "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7", "requestIdentifier": uid(f"req-{rid}"), "planType": "Build",
             "scopeId": uid(project), "definition": {"id": 4, "name": f"{project}-deploy", "_links": {"web": {"href": f"{link}/_build/definition?definitionId=4"}}},
             "owner": {"id": run, "name": f"2026.{run}", "_links": {"web": {"href": f"{link}/_build/results?buildId={run}"}}},
             "stageName": name.title(), "jobName": "Deploy", "stageAttempt": 1, "jobAttempt": 1, "queueTime": start, "startTime": start, "finishTime": finish, "result": result}
            for rid, run, start, finish, result in deployments]})
        if checks is None:
            continue
        configs = []
        for k, kind in enumerate(checks):
            common = {"id": eid * 100 + k, "timeout": 43200, "createdBy": ado_identity("admin@example.com"), "createdOn": "2025-01-10T09:00:00Z",
                      "resource": {"type": "environment", "id": str(eid), "name": name}, "url": f"{link}/_apis/pipelines/checks/configurations/{eid * 100 + k}"}
            if kind.startswith("approval"):
                configs.append({**common, "type": {"id": "8c6f20a7-a545-4486-9777-f762fafe0d4d", "name": "Approval"},
                                "settings": {"approvers": [ado_identity("bob@example.com")], "executionOrder": "anyOrder", "minRequiredApprovers": 1, "instructions": "",
                                             "blockedApprovers": [], "requesterCannotBeApprover": kind == "approval"}})
            else:
                configs.append({**common, "type": {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"},
                                "settings": {"definitionRef": {"id": "86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b", "name": "evaluatebranchProtection", "version": "0.0.1"},
                                             "displayName": "Branch control", "inputs": {"allowedBranches": "refs/heads/main", "ensureProtectionOfBranch": "true"}}})
        write(f"{base}/checks/{eid}.json", {"count": len(configs), "value": configs})
    write(f"{base}/builds.json", {"count": len(builds), "value": [
        {"id": run, "buildNumber": f"2026.{run}", "status": "completed", "result": "succeeded", "queueTime": queued, "startTime": queued, "finishTime": queued,
         "definition": {"id": 4, "name": f"{project}-deploy"}, "sourceBranch": "refs/heads/main", "sourceVersion": sha, "reason": "individualCI",
         "requestedFor": ado_identity(who), "requestedBy": ado_identity(who), "project": {"id": uid(project), "name": project}}
        for run, sha, who, queued in builds]})
    write(f"{base}/approvals.json", {"count": len(approvals), "value": [
        {"id": uid(f"approval-{run}-{who}"), "steps": [{"assignedApprover": ado_identity(who), "actualApprover": ado_identity(who), "status": "approved", "comment": "ok",
                                                         "initiatedOn": "2026-11-17T10:00:00Z", "lastModifiedOn": "2026-11-17T10:05:00Z", "order": 1}],
         "status": "approved", "createdOn": "2026-11-17T10:00:00Z", "lastModifiedOn": "2026-11-17T10:05:00Z", "executionOrder": "anyOrder", "minRequiredApprovers": 1,
         "blockedApprovers": [], "pipeline": {"id": "4", "name": f"{project}-deploy", "owner": {"id": run, "name": f"2026.{run}"}}}
        for run, who in approvals]})
    write(f"{base}/variable-groups.json", {"count": len(variable_groups), "value": [
        {"variables": {**{s: {"isSecret": True, "value": None} for s in secrets}, "REGION": {"value": None}}, "id": gid, "type": "Vsts", "name": gname,
         "createdBy": ado_identity("admin@example.com"), "createdOn": "2025-01-10T09:00:00Z", "modifiedBy": ado_identity("admin@example.com"), "modifiedOn": "2025-06-01T09:00:00Z"}
        for gid, gname, secrets, _ in variable_groups]})
    for gid, _, _, open_to_all in variable_groups:
        write(f"{base}/pipeline-permissions/variablegroup/{gid}.json", {"resource": {"type": "variablegroup", "id": str(gid)}, "pipelines": [] if open_to_all else [{"id": 4, "authorized": True}],
                                                                        "allPipelines": {"authorized": True, "authorizedBy": ado_identity("admin@example.com"), "authorizedOn": "2025-01-10T09:00:00Z"} if open_to_all else None})
