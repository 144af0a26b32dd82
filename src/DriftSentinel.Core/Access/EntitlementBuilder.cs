using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Core.Access;

/// <summary>Flattens IAM and Azure RBAC/PIM inventory into entitlements, with last use from the credential report, RoleLastUsed and the trails.</summary>
public sealed class EntitlementBuilder(OrganizationBaseline baseline, ScanInventory inventory, ActivityIndex activity, IdentityClassifier identities)
{
    private readonly IdentityClassifier _identities = identities;

    public IReadOnlyList<Entitlement> Build() => [.. Aws(), .. Azure()];

    /// <summary>Whether an attached managed policy grants privileged access per the baseline.</summary>
    public bool IsPrivileged(AwsAccountInventory account, AttachedPolicy policy) =>
        baseline.Privileged.AwsPolicies.Contains(policy.Arn, StringComparer.Ordinal)
        || (account.Policies.TryGetValue(policy.Arn, out var mp) && IsPrivileged(mp.DefaultDocument));

    public bool IsPrivileged(PolicyDocument doc) =>
        doc.Statements.Any(s => s.Allows && s.Actions.Any(a => baseline.Privileged.AwsActions.Contains(a, StringComparer.OrdinalIgnoreCase)));

    public bool IsPrivilegedAzureRole(AzureSubscriptionInventory sub, string roleDefinitionId, string roleName) =>
        baseline.Privileged.AzureRoles.Contains(roleName, StringComparer.OrdinalIgnoreCase)
        || (sub.Definitions.TryGetValue(AzureIds.LastSegment(roleDefinitionId), out var def) && def.Actions.Contains("*"));

    private IEnumerable<Entitlement> Aws()
    {
        foreach (var account in inventory.AwsAccounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal))
        {
            var env = baseline.EnvironmentOfAwsAccount(account.AccountId)?.Name;
            // A report can list an ARN twice (a user deleted and re-created); the later row is current.
            var report = account.CredentialReport.GroupBy(r => r.Arn, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

            foreach (var user in account.Users.OrderBy(u => u.Arn, StringComparer.Ordinal))
            {
                report.TryGetValue(user.Arn, out var row);
                var (lastUsed, lastSource) = Latest(
                    (row?.PasswordLastUsed, "credential-report password"),
                    (row?.AccessKeys.Max(k => k.LastUsed), "credential-report access key"),
                    Trail(user.Arn));
                var common = AwsPrincipal(account, env, user.Arn, user.Name, user.CreateDate ?? row?.UserCreationTime, lastUsed, lastSource, $"{account.AuthorizationDetailsFile} UserDetailList {user.Name}") with
                {
                    Mfa = row?.MfaActive,
                    CredentialCreated = row?.AccessKeys.Where(k => k.Active).Min(k => k.LastRotated),
                };

                foreach (var e in Policies(account, common, user.AttachedPolicies, user.InlinePolicies))
                {
                    yield return e;
                }

                // Credentials are entitlements a reviewer signs off too: who can sign in, who holds long-lived keys.
                if (row is { PasswordEnabled: true })
                {
                    yield return common with { Name = "console password", LastUsed = row.PasswordLastUsed, LastUsedSource = row.PasswordLastUsed is null ? null : "credential-report password" };
                }

                foreach (var key in row?.AccessKeys.Where(k => k.Active) ?? [])
                {
                    yield return common with
                    {
                        Name = $"access key {key.Slot}",
                        Created = key.LastRotated,
                        CredentialCreated = key.LastRotated,
                        LastUsed = key.LastUsed,
                        LastUsedSource = key.LastUsed is null ? null : "credential-report access key",
                        Source = $"{account.CredentialReportFile} line {row!.Line}",
                    };
                }

                foreach (var groupName in user.Groups)
                {
                    var group = account.FindGroup(groupName);
                    if (group is null)
                    {
                        continue;
                    }

                    foreach (var e in Policies(account, common with { GrantedVia = $"group {group.Name}" }, group.AttachedPolicies, group.InlinePolicies))
                    {
                        yield return e;
                    }
                }
            }

            foreach (var role in account.Roles.OrderBy(r => r.Arn, StringComparer.Ordinal))
            {
                // Service-linked roles are AWS's, not the organization's to review.
                if (role.Path.StartsWith("/aws-service-role/", StringComparison.Ordinal))
                {
                    continue;
                }

                var (lastUsed, lastSource) = Latest((role.LastUsed, "RoleLastUsed"), Trail(role.Arn));
                var common = AwsPrincipal(account, env, role.Arn, role.Name, role.CreateDate, lastUsed, lastSource, $"{account.AuthorizationDetailsFile} RoleDetailList {role.Name}");
                foreach (var e in Policies(account, common, role.AttachedPolicies, role.InlinePolicies))
                {
                    yield return e;
                }
            }

            var root = account.CredentialReport.FirstOrDefault(r => r.IsRoot);
            if (root is not null)
            {
                var (lastUsed, lastSource) = Latest(
                    (root.PasswordLastUsed, "credential-report password"),
                    (root.AccessKeys.Max(k => k.LastUsed), "credential-report access key"),
                    Trail(root.Arn));
                yield return new Entitlement
                {
                    Cloud = Cloud.Aws,
                    Account = account.AccountId,
                    Environment = env,
                    PrincipalId = root.Arn,
                    PrincipalName = "root",
                    Kind = PrincipalKind.Root,
                    Name = "root user (unrestricted)",
                    Scope = $"account {account.AccountId}",
                    Privileged = true,
                    AssignmentType = "standing",
                    GrantedVia = "direct",
                    Created = root.UserCreationTime,
                    LastUsed = lastUsed,
                    LastUsedSource = lastSource,
                    Mfa = root.MfaActive,
                    CredentialCreated = root.AccessKeys.Where(k => k.Active).Min(k => k.LastRotated),
                    Source = $"{account.CredentialReportFile} line {root.Line}",
                };
            }
        }
    }

    /// <summary>The fields every entitlement of one AWS principal shares.</summary>
    private Entitlement AwsPrincipal(AwsAccountInventory account, string? env, string arn, string name, DateTimeOffset? created, DateTimeOffset? lastUsed, string? lastSource, string source) => new()
    {
        Cloud = Cloud.Aws,
        Account = account.AccountId,
        Environment = env,
        PrincipalId = arn,
        PrincipalName = name,
        Kind = _identities.KindOfAwsArn(arn),
        Name = "",
        Scope = $"account {account.AccountId}",
        Privileged = false,
        AssignmentType = "standing",
        GrantedVia = "direct",
        Created = created,
        LastUsed = lastUsed,
        LastUsedSource = lastSource,
        Source = source,
    };

    private IEnumerable<Entitlement> Policies(AwsAccountInventory account, Entitlement common, IEnumerable<AttachedPolicy> attached, IEnumerable<InlinePolicy> inline) =>
        attached.Select(p => common with { Name = $"policy {p.Name}", Privileged = IsPrivileged(account, p) })
            .Concat(inline.Select(p => common with { Name = $"inline policy {p.Name}", Privileged = IsPrivileged(p.Document) }));

    private IEnumerable<Entitlement> Azure()
    {
        foreach (var sub in inventory.AzureSubscriptions.Values.OrderBy(s => s.SubscriptionId, StringComparer.Ordinal))
        {
            var env = baseline.EnvironmentOfSubscription(sub.SubscriptionId)?.Name;
            var activated = sub.PimInstances.Where(p => p.AssignmentType == "Activated" && p.OriginRoleAssignmentId is not null)
                .ToDictionary(p => p.OriginRoleAssignmentId!, StringComparer.OrdinalIgnoreCase);

            foreach (var a in sub.Assignments.OrderBy(a => a.Id, StringComparer.OrdinalIgnoreCase))
            {
                var role = sub.ResolveRoleName(a.RoleDefinitionId, a.RoleName);
                activated.TryGetValue(a.Id, out var jit);
                var (lastUsed, lastSource) = Latest(Trail(a.PrincipalId), Trail(a.PrincipalName ?? NameOf(a.PrincipalId)));
                yield return new Entitlement
                {
                    Cloud = Cloud.Azure,
                    Account = sub.SubscriptionId,
                    Environment = env,
                    PrincipalId = a.PrincipalId,
                    PrincipalName = a.PrincipalName ?? jit?.PrincipalName ?? NameOf(a.PrincipalId),
                    Kind = _identities.KindOfAzure(a.PrincipalId, a.PrincipalName ?? jit?.PrincipalName ?? NameOf(a.PrincipalId), a.PrincipalType),
                    Name = $"role {role}",
                    Scope = a.Scope,
                    Privileged = IsPrivilegedAzureRole(sub, a.RoleDefinitionId, role),
                    AssignmentType = jit is null ? "standing" : "active JIT",
                    GrantedVia = a.PrincipalType == "Group" ? "group" : IsInherited(a.Scope) ? "inherited" : "direct",
                    Created = a.CreatedOn,
                    LastUsed = lastUsed,
                    LastUsedSource = lastSource,
                    End = jit?.End,
                    Source = $"{a.Source} {a.Id}",
                };
            }

            var assignmentIds = sub.Assignments.Select(a => a.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var p in sub.PimInstances.Where(p => p.OriginRoleAssignmentId is null || !assignmentIds.Contains(p.OriginRoleAssignmentId))
                         .Select(p => (p, type: p.AssignmentType == "Activated" ? "active JIT" : "standing"))
                         .Concat(sub.PimEligibilities.Select(p => (p, type: "eligible"))))
            {
                var role = sub.ResolveRoleName(p.p.RoleDefinitionId, p.p.RoleName);
                var (lastUsed, lastSource) = Latest(Trail(p.p.PrincipalId), Trail(p.p.PrincipalName));
                yield return new Entitlement
                {
                    Cloud = Cloud.Azure,
                    Account = sub.SubscriptionId,
                    Environment = env,
                    PrincipalId = p.p.PrincipalId,
                    PrincipalName = p.p.PrincipalName ?? p.p.PrincipalId,
                    Kind = _identities.KindOfAzure(p.p.PrincipalId, p.p.PrincipalName, p.p.PrincipalType),
                    Name = $"role {role}",
                    Scope = p.p.Scope,
                    Privileged = IsPrivilegedAzureRole(sub, p.p.RoleDefinitionId, role),
                    AssignmentType = p.type,
                    GrantedVia = p.p.PrincipalType == "Group" ? "group" : IsInherited(p.p.Scope) ? "inherited" : "direct",
                    Created = p.p.Start,
                    LastUsed = lastUsed,
                    LastUsedSource = lastSource,
                    End = p.p.End,
                    Source = p.p.Source.ToString(),
                };
            }
        }
    }

    private string NameOf(string objectId) => inventory.PrincipalNames.GetValueOrDefault(objectId) ?? activity.NameOf(objectId) ?? objectId;

    private static bool IsInherited(string scope) =>
        scope == "/" || scope.StartsWith("/providers/Microsoft.Management/managementGroups", StringComparison.OrdinalIgnoreCase);

    private (DateTimeOffset?, string) Trail(string? key)
    {
        var seen = activity.LastSeen(key);
        return seen is null ? (null, "") : (seen.Value.Time, seen.Value.Source);
    }

    private static (DateTimeOffset?, string?) Latest(params (DateTimeOffset? Time, string Source)[] candidates)
    {
        var best = candidates.Where(c => c.Time is not null).OrderByDescending(c => c.Time).FirstOrDefault();
        return best.Time is null ? (null, null) : (best.Time, best.Source);
    }
}
