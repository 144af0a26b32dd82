using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Core.Access;

/// <summary>
/// Flattens IAM and Azure RBAC/PIM inventory into entitlements, with last use from the credential report, RoleLastUsed
/// and the trails, and the window each of those sources covers (so "never used" is claimed only where it was looked for).
/// </summary>
public sealed class EntitlementBuilder(OrganizationBaseline baseline, ScanInventory inventory, ActivityIndex activity, IdentityClassifier identities, CoverageLog coverage, DateTimeOffset asOf)
{
    /// <summary>IAM's RoleLastUsed covers the trailing 400 days (AWS IAM documentation, "Tracking period").</summary>
    public const int RoleLastUsedTrackingDays = 400;

    /// <summary>A trail counts as reaching the as-of when its last event is at most this many days before it (a quiet day).</summary>
    public const int TrailTailDays = 1;

    private readonly IdentityClassifier _identities = identities;
    // Taken when entitlements are first built (after the trails were read), not when the builder is made.
    private IReadOnlyList<CoverageEntry>? _coverage;

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
            var trail = TrailWindow("cloudtrail", "aws.cloudtrail", account.AccountId); // one account, one trail span
            // A report can list an ARN twice (a user deleted and re-created); the later row is current.
            var report = account.CredentialReport.GroupBy(r => r.Arn, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

            foreach (var user in account.Users.OrderBy(u => u.Arn, StringComparer.Ordinal))
            {
                report.TryGetValue(user.Arn, out var row);
                var (lastUsed, lastSource) = Latest(
                    (row?.PasswordLastUsed, "credential-report password"),
                    (row?.AccessKeys.Max(k => k.LastUsed), "credential-report access key"),
                    Trail(user.Arn));
                var created = user.CreateDate ?? row?.UserCreationTime;
                var (since, window) = Evidence(
                    row is not null && account.HasCredentialReport ? Whole(created, "credential report") : default,
                    trail);
                var common = AwsPrincipal(account, env, user.Arn, user.Name, created, lastUsed, lastSource, $"{account.AuthorizationDetailsFile} UserDetailList {user.Name}") with
                {
                    Mfa = row?.MfaActive,
                    EvidenceSince = since,
                    EvidenceWindow = window,
                };

                foreach (var e in Policies(account, common, user.AttachedPolicies, user.InlinePolicies))
                {
                    yield return e;
                }

                // Credentials are entitlements a reviewer signs off too: who can sign in, who holds long-lived keys.
                if (row is { PasswordEnabled: true })
                {
                    yield return common with
                    {
                        Name = "console password",
                        LastUsed = row.PasswordLastUsed,
                        LastUsedSource = row.PasswordLastUsed is null ? null : "credential-report password",
                        CredentialCreated = row.PasswordLastChanged ?? row.UserCreationTime,
                    };
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
                var (since, window) = Evidence(
                    role.LastUsedTracked ? Tracked(role.CreateDate, RoleLastUsedTrackingDays, "RoleLastUsed") : default,
                    trail);
                var common = AwsPrincipal(account, env, role.Arn, role.Name, role.CreateDate, lastUsed, lastSource, $"{account.AuthorizationDetailsFile} RoleDetailList {role.Name}") with
                {
                    EvidenceSince = since,
                    EvidenceWindow = window,
                };
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
                    CredentialCreated = root.PasswordLastChanged,
                    Source = $"{account.CredentialReportFile} line {root.Line}",
                    EvidenceSince = DateTimeOffset.MinValue,
                    EvidenceWindow = "credential report (whole life)",
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
            var (since, window) = AzureEvidence(sub.SubscriptionId); // the same for every assignment of the subscription
            var activated = sub.PimInstances.Where(p => p.AssignmentType == "Activated" && p.OriginRoleAssignmentId is not null)
                .ToDictionary(p => p.OriginRoleAssignmentId!, StringComparer.OrdinalIgnoreCase);

            foreach (var a in sub.Assignments.OrderBy(a => a.Id, StringComparer.OrdinalIgnoreCase))
            {
                var role = sub.ResolveRoleName(a.RoleDefinitionId, a.RoleName);
                activated.TryGetValue(a.Id, out var jit);
                var (lastUsed, lastSource) = Latest(Trail(a.PrincipalId), Trail(a.PrincipalName ?? NameOf(a.PrincipalId)));
                if (jit is not null && lastUsed < jit.Start)
                {
                    // A use before this activation began belongs to an earlier one, not to this grant.
                    (lastUsed, lastSource) = (null, null);
                }

                yield return new Entitlement
                {
                    EvidenceSince = since,
                    EvidenceWindow = window,
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
                if (p.type == "active JIT" && lastUsed < p.p.Start)
                {
                    (lastUsed, lastSource) = (null, null);
                }

                yield return new Entitlement
                {
                    EvidenceSince = since,
                    EvidenceWindow = window,
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

    /// <summary>A service-side record of use over the credential's whole life (the credential report).</summary>
    private static (DateTimeOffset? Since, string Text) Whole(DateTimeOffset? created, string source) =>
        (created ?? DateTimeOffset.MinValue, created is { } c ? $"{source} (whole life, since {c:yyyy-MM-dd})" : $"{source} (whole life)");

    /// <summary>A service-side record of use over a trailing tracking period (RoleLastUsed: 400 days).</summary>
    private (DateTimeOffset? Since, string Text) Tracked(DateTimeOffset? created, int days, string source)
    {
        var start = asOf.AddDays(-days);
        return created is { } c && c > start ? (c, $"{source} (since creation {c:yyyy-MM-dd})") : (start, $"{source} (last {days} days)");
    }

    /// <summary>
    /// A trail covers from its first event read to the as-of, when it was read completely and reaches the as-of (its last
    /// event within <see cref="TrailTailDays"/>): a trail that ended months ago says nothing about the months since.
    /// </summary>
    private (DateTimeOffset? Since, string? Text) TrailWindow(string source, string coverageSource, string scope) =>
        CompletelyRead(coverageSource, scope) && activity.Span(source, scope) is { } span ? Window(source, span.First, span.Last) : NoWindow;

    // Typed, so that a conditional never turns "no window" into default(DateTimeOffset), which would cover all time.
    private static readonly (DateTimeOffset? Since, string? Text) NoWindow = (null, null);

    private (DateTimeOffset? Since, string? Text) Window(string source, DateTimeOffset first, DateTimeOffset last) =>
        last >= asOf.AddDays(-TrailTailDays) ? ((DateTimeOffset?)first, $"{source} since {first:yyyy-MM-dd}") : NoWindow;

    private (DateTimeOffset? Since, string Text) AzureEvidence(string subscription)
    {
        var activityLog = TrailWindow("activity-log", "azure.activity-log", subscription);
        var signIns = activity.Spans("entra-sign-in").Where(t => CompletelyRead("entra.sign-ins", t.Account))
            .Select(t => Window("entra-sign-in", t.First, t.Last)).Where(w => w.Since is not null).OrderBy(w => w.Since).FirstOrDefault();
        return Evidence(activityLog, signIns);
    }

    private bool CompletelyRead(string source, string scope)
    {
        _coverage ??= coverage.Entries;
        var mine = _coverage.Where(c => (c.Source == source || c.Source.StartsWith(source + ".", StringComparison.Ordinal)) && c.Scope.Equals(scope, StringComparison.OrdinalIgnoreCase)).ToList();
        return mine.Count > 0 && mine.All(c => c.Status == CoverageStatus.Read);
    }

    /// <summary>The earliest window of the sources that apply, and all of them named.</summary>
    private static (DateTimeOffset? Since, string Text) Evidence(params (DateTimeOffset? Since, string? Text)[] sources)
    {
        var applying = sources.Where(s => s.Since is not null).ToList();
        return applying.Count == 0 ? (null, "") : (applying.Min(s => s.Since), string.Join("; ", applying.Select(s => s.Text)));
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
