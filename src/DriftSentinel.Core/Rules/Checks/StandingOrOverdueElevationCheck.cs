using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-PRIV-002: humans holding production privilege permanently, elevations longer than allowed, and elevations past their end that still exist.</summary>
internal sealed class StandingOrOverdueElevationCheck : Rule
{
    public override string Id => "DS-PRIV-002";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        var severity = context.Severity(Id);
        var maxHours = context.Baseline.Thresholds.MaxElevationHours;
        var bg = context.Baseline.BreakGlass;

        // Standing privilege held by people in production, in AWS (IAM users) and Azure (assignments outside PIM).
        var standing = context.Entitlements
            .Where(x => x.Privileged && x.Kind == PrincipalKind.Human && x.AssignmentType == "standing")
            .Where(x => context.Baseline.EnvironmentByName(x.Environment ?? "")?.IsProduction == true)
            .Where(x => x.Cloud == Cloud.Azure ? !bg.IsAzure(x.PrincipalId, x.PrincipalName) : x.PrincipalId.Contains(":user/", StringComparison.Ordinal))
            .Where(x => x.Cloud == Cloud.Aws || x.End is null)
            .GroupBy(x => (x.Cloud, x.Account, x.PrincipalId));
        foreach (var g in standing)
        {
            var x = g.First();
            var grants = string.Join(", ", g.Select(e => e.GrantedVia == "direct" ? e.Name : $"{e.Name} via {e.GrantedVia}").Distinct().Order(StringComparer.Ordinal));
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(Id, "standing", x.Cloud.ToText(), x.Account, x.PrincipalId),
                RuleId = Id,
                Title = title,
                Severity = severity,
                Cloud = x.Cloud,
                Environment = x.Environment,
                Account = x.Account,
                Principal = x.PrincipalId,
                Resource = grants,
                FirstSeen = x.Created,
                LastSeen = x.LastUsed,
                Message = $"{x.PrincipalName} holds standing privileged access in production ({grants}) instead of just-in-time elevation",
                Evidence = g.Take(5).Select(e => new EvidenceRef(x.Cloud == Cloud.Aws ? "iam-entitlement" : "role-assignment", e.Source, e.Name)).ToList(),
                Occurrences = g.Count(),
            };
        }

        foreach (var sub in context.Inventory.AzureSubscriptions.Values.OrderBy(s => s.SubscriptionId, StringComparer.Ordinal))
        {
            var env = context.Baseline.EnvironmentOfSubscription(sub.SubscriptionId);
            foreach (var p in sub.PimInstances)
            {
                var role = sub.ResolveRoleName(p.RoleDefinitionId, p.RoleName);
                if (!context.Privilege.IsPrivilegedAzureRole(sub, p.RoleDefinitionId, role) || bg.IsAzure(p.PrincipalId, p.PrincipalName))
                {
                    continue;
                }

                string? problem = null;
                if (p.End is { } end && end < context.AsOf)
                {
                    problem = $"ended {end:yyyy-MM-dd HH:mm}Z but the assignment still exists";
                }
                else if (p.AssignmentType == "Activated" && p.Start is { } start && p.End is { } stop && (stop - start).TotalHours > maxHours)
                {
                    problem = $"activated for {(stop - start).TotalHours:0.#} h, longer than the {maxHours:0.#} h allowed";
                }
                else if (p.End is null && env?.IsProduction == true && context.Identities.KindOfAzure(p.PrincipalId, p.PrincipalName, p.PrincipalType) == PrincipalKind.Human)
                {
                    problem = "assigned with no end time";
                }

                if (problem is null)
                {
                    continue;
                }

                yield return new Finding
                {
                    Fingerprint = Finding.MakeFingerprint(Id, "pim", sub.SubscriptionId, p.Id),
                    RuleId = Id,
                    Title = title,
                    Severity = severity,
                    Cloud = Cloud.Azure,
                    Environment = env?.Name,
                    Account = sub.SubscriptionId,
                    Principal = p.PrincipalName ?? p.PrincipalId,
                    Resource = $"{role} on {p.Scope}",
                    FirstSeen = p.Start,
                    LastSeen = p.End,
                    Message = $"Elevation of {p.PrincipalName ?? p.PrincipalId} to {role} on {p.Scope} {problem}",
                    Evidence = [new EvidenceRef("pim-instance", p.Source.ToString(), $"{p.AssignmentType} {p.Start:yyyy-MM-ddTHH:mm}Z → {(p.End is null ? "no end" : $"{p.End:yyyy-MM-ddTHH:mm}Z")}")],
                };
            }
        }
    }
}
