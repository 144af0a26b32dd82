using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>
/// DS-PRIV-001: privileged entitlements unused for stale_after_days, or never used and older than that — only where the
/// sources read cover that span (a credential report, RoleLastUsed, a completely read trail long enough); absent
/// evidence is "unknown" in the access review, never a finding.
/// </summary>
internal sealed class StalePrivilegedAccessCheck : Rule
{
    public override string Id => "DS-PRIV-001";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var days = context.Baseline.Thresholds.StaleAfterDays;
        var cutoff = context.AsOf.AddDays(-days);
        var stale = context.Entitlements
            // An unused root user is the goal, not drift: DS-ACC-004 watches root.
            .Where(x => x.Privileged && x.AssignmentType != "eligible" && x.Kind != PrincipalKind.Root)
            // Break-glass identities are meant to sit unused; DS-ACC-002 watches their use.
            .Where(x => !context.Identities.IsBreakGlass(x.Cloud, x.PrincipalId, x.PrincipalName))
            .Where(x => x.LastUsed is { } used ? used < cutoff : x.Created is { } created && created < cutoff && x.EvidenceCovers(context.AsOf, days))
            .GroupBy(x => (x.Cloud, x.Account, x.PrincipalId));

        foreach (var g in stale)
        {
            var x = g.First();
            var grants = string.Join(", ", g.Select(e => e.Name).Distinct().Order(StringComparer.Ordinal));
            var age = x.LastUsed is { } used ? $"last used {used:yyyy-MM-dd} ({(int)(context.AsOf - used).TotalDays} days ago, {x.LastUsedSource})" : $"never used since it was created on {x.Created:yyyy-MM-dd} (evidence: {x.EvidenceWindow})";
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(Id, x.Cloud.ToText(), x.Account, x.PrincipalId),
                RuleId = Id,
                Title = context.Title(Id),
                Severity = context.Severity(Id),
                Cloud = x.Cloud,
                Environment = x.Environment,
                Account = x.Account,
                Principal = x.PrincipalId,
                Resource = grants,
                FirstSeen = x.Created,
                LastSeen = x.LastUsed,
                Message = $"{x.PrincipalName} holds privileged access ({grants}) but was {age}; the limit is {days} days",
                Evidence = g.Take(5).Select(e => new EvidenceRef(x.Cloud == Cloud.Aws ? "iam-entitlement" : "role-assignment", e.Source, $"{e.Name} via {e.GrantedVia}")).ToList(),
                Occurrences = g.Count(),
            };
        }
    }
}
