using System.Globalization;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Access;

/// <summary>What an access reviewer is advised to do with an entitlement.</summary>
public enum ReviewRecommendation
{
    Keep,
    Review,
    Revoke,
}

/// <summary>One entitlement of the access review with its evidence and recommendation.</summary>
public sealed record AccessReviewRow(
    Entitlement Entitlement,
    int? DaysSinceUse,
    int? CredentialAgeDays,
    string UsageEvidence,
    IReadOnlyList<string> OpenFindingIds,
    ReviewRecommendation Recommendation,
    string Reason);

/// <summary>
/// The access review: every entitlement of a scan with what the sources say about its use, the open findings on its
/// principal, and keep / review / revoke with the reason. One place, so every output (CSV, HTML, tickets, campaigns)
/// recommends the same thing.
/// </summary>
public static class AccessReview
{
    public static IReadOnlyList<AccessReviewRow> Rows(ScanResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var stale = result.Baseline.Thresholds.StaleAfterDays;
        var asOf = result.Run.AsOf;
        var findingsByPrincipal = result.Active
            .Where(f => f.Principal is not null)
            .GroupBy(f => (f.Account ?? "", f.Principal!.ToLowerInvariant()))
            .ToDictionary(g => g.Key, g => g.ToList());
        var rows = new List<AccessReviewRow>(result.Entitlements.Count);
        foreach (var e in result.Entitlements)
        {
            var days = e.LastUsed is { } used ? (int?)(asOf - used).TotalDays : null;
            var credentialAge = e.CredentialCreated is { } c ? (int?)(asOf - c).TotalDays : null;
            var related = findingsByPrincipal.GetValueOrDefault((e.Account, e.PrincipalId.ToLowerInvariant()))
                ?? findingsByPrincipal.GetValueOrDefault((e.Account, e.PrincipalName.ToLowerInvariant()))
                ?? [];
            var (recommendation, reason) = Recommend(e, days, stale, asOf, related);
            rows.Add(new AccessReviewRow(e, days, credentialAge, UsageEvidence(e, days, stale, asOf),
                related.Select(f => $"{f.RuleId}:{f.Fingerprint}").Distinct().ToList(), recommendation, reason));
        }

        return rows;
    }

    /// <summary>keep, review or revoke, as written in the reports.</summary>
    public static string ToText(this ReviewRecommendation recommendation) => recommendation.ToString().ToLowerInvariant();

    /// <summary>What the sources say about use: last used, never used (and over which span), or unknown.</summary>
    internal static string UsageEvidence(Entitlement e, int? daysSinceUse, int staleDays, DateTimeOffset asOf) =>
        daysSinceUse is { } d ? $"used {d} days ago ({e.LastUsedSource})"
        : e.EvidenceCovers(asOf, staleDays) || e.EvidenceSinceCreation ? $"never used ({e.EvidenceWindow})"
        : e.UnknownUsage(asOf, staleDays);

    /// <summary>Keep / review / revoke with the reason a reviewer needs; never revoke on evidence that does not cover the span.</summary>
    public static (ReviewRecommendation, string) Recommend(Entitlement e, int? daysSinceUse, int staleDays, DateTimeOffset asOf, IReadOnlyList<Finding> findings)
    {
        var high = findings.Where(f => f.Severity >= Severity.High).Select(f => f.RuleId).Distinct().ToList();
        if (e.Kind == PrincipalKind.Root)
        {
            // The root user cannot be removed; what a reviewer can do is take its keys away and lock it down.
            return (ReviewRecommendation.Review, "root cannot be revoked: delete its access keys, keep MFA on it and its password in the break-glass safe"
                + (high.Count > 0 ? $"; open finding {string.Join(", ", high)}" : ""));
        }

        var neverUsedAndOld = daysSinceUse is null && e.Created is { } created && (asOf - created).TotalDays > staleDays;
        var unusedClaim = daysSinceUse > staleDays || neverUsedAndOld;
        var known = daysSinceUse is not null || e.EvidenceCovers(asOf, staleDays);
        if (e.Privileged && unusedClaim && known)
        {
            return (ReviewRecommendation.Revoke, daysSinceUse is null ? $"privileged and never used in {(int)(asOf - e.Created!.Value).TotalDays} days ({e.EvidenceWindow})" : $"privileged and unused for {daysSinceUse} days");
        }

        if (high.Count > 0)
        {
            return (ReviewRecommendation.Review, $"open finding {string.Join(", ", high)}" + (unusedClaim && !known ? $"; use {e.UnknownUsage(asOf, staleDays)}" : ""));
        }

        // A finding about this very credential (an old or unused key) is never "keep", whatever its severity.
        var own = findings.Where(f => f.Resource is not null && f.Resource.Equals(e.Name, StringComparison.OrdinalIgnoreCase)).Select(f => f.RuleId).Distinct().ToList();
        if (own.Count > 0)
        {
            return (ReviewRecommendation.Review, $"open finding {string.Join(", ", own)} on this {e.Name}");
        }

        if (unusedClaim && !known)
        {
            return (ReviewRecommendation.Review, e.UnknownUsage(asOf, staleDays));
        }

        if (unusedClaim)
        {
            return (ReviewRecommendation.Revoke, daysSinceUse is null ? $"never used ({e.EvidenceWindow})" : $"unused for {daysSinceUse} days");
        }

        if (e.AssignmentType == "active JIT")
        {
            return (ReviewRecommendation.Keep, $"time-bound activation{(e.End is { } end ? $" until {end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}" : "")}, {(daysSinceUse is null ? "not used during it" : "used during it")}");
        }

        if (e.Privileged && e.Kind == PrincipalKind.Human && e.AssignmentType == "standing")
        {
            return (ReviewRecommendation.Review, "standing privileged access held by a person");
        }

        if (daysSinceUse is null && e.AssignmentType != "eligible")
        {
            return (ReviewRecommendation.Review, e.EvidenceSince is null ? "no usage data: no source that records use was read"
                : e.EvidenceSinceCreation ? $"not used since it was created on {e.Created:yyyy-MM-dd} ({e.EvidenceWindow})"
                : $"no use seen in the {e.ObservedDays(asOf)} days observed ({e.EvidenceWindow})");
        }

        return (ReviewRecommendation.Keep, e.Privileged ? "privileged, in use" : "in use");
    }

}
