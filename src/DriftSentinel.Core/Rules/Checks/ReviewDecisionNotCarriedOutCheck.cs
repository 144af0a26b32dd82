using DriftSentinel.Core.Access;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>
/// DS-REV-001: an access review decided to revoke (or modify) an entitlement, its due date has passed, and the scan
/// still sees the entitlement (before the due date, an info finding tracks the remediation). Only presence is a finding: an entitlement the scan did not see is either removed or in
/// a scope not read, and the history store, not this rule, tells those apart.
/// </summary>
internal sealed class ReviewDecisionNotCarriedOutCheck : Rule
{
    public override string Id => "DS-REV-001";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        if (context.ReviewRemediations.Count == 0)
        {
            yield break;
        }

        var today = DateOnly.FromDateTime(context.AsOf.UtcDateTime);
        var held = context.Entitlements.GroupBy(e => ReviewItem.KeyOf(e.Cloud, e.Account, e.PrincipalId, e.Name, e.Scope))
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var item in context.ReviewRemediations.Where(i => i.NeedsRemediation && i.RemediationDue is not null))
        {
            if (!held.TryGetValue(item.ItemId, out var e))
            {
                continue;
            }

            // Before its due date the decision is tracked as an info finding, so a ticket route for DS-REV-001 opens the
            // remediation's ticket at once; it takes the rule's severity when overdue and resolves when carried out.
            var overdue = item.RemediationDue < today;

            var verb = item.Decision == ReviewDecision.Revoke ? "revoke" : "modify";
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(Id, item.CampaignId, item.ItemId),
                RuleId = Id,
                Title = context.Title(Id),
                Severity = overdue ? context.Severity(Id) : Severity.Info,
                Cloud = e.Cloud,
                Environment = e.Environment,
                Account = e.Account,
                Principal = e.PrincipalId,
                Resource = $"{e.Name} on {e.Scope}",
                FirstSeen = item.DecidedOn,
                LastSeen = context.AsOf,
                Message = $"{e.PrincipalName} still holds {e.Name} on {e.Scope}: access review {item.CampaignId} decided to {verb} it ({item.DecidedBy}, {item.DecidedOn:yyyy-MM-dd}: {item.Justification}), due {item.RemediationDue:yyyy-MM-dd}{(overdue ? "" : " (not yet due)")}",
                Evidence = [new EvidenceRef("review-decision", $"{item.CampaignId}#{item.ItemId}", $"{verb} by {item.DecidedBy} on {item.DecidedOn:yyyy-MM-dd}, due {item.RemediationDue:yyyy-MM-dd}"),
                    new EvidenceRef(e.Cloud == Cloud.Aws ? "iam-entitlement" : "role-assignment", e.Source, $"{e.Name} via {e.GrantedVia}")],
                Details = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    ["campaign"] = item.CampaignId ?? "",
                    ["decision"] = verb,
                    ["due"] = $"{item.RemediationDue:yyyy-MM-dd}",
                    ["reviewer"] = item.Reviewer ?? "",
                },
            };
        }
    }
}
