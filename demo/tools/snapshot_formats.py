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
