using System.Globalization;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Access;

/// <summary>
/// After each recorded run: keeps the run's access review as the profile's latest (what `review start` opens a
/// campaign from), and checks every open revoke or modify decision against what the run saw. An entitlement gone from
/// a scope the run read completely is carried out, with the run as proof; one still there is pending, or overdue after
/// its due date (DS-REV-001 raised the finding); one whose scope was not read completely stays as it was: absence there
/// proves nothing.
/// </summary>
public static class ReviewVerifier
{
    public static void AfterRun(IReviewLedger ledger, ScanResult result, string profile, long runId)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(result);
        ledger.SaveLatestReview(profile, runId, result.Run.AsOf, ReviewItem.From(result));
        var held = result.Entitlements.Select(e => ReviewItem.KeyOf(e.Cloud, e.Account, e.PrincipalId, e.Name, e.Scope)).ToHashSet(StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(result.Run.AsOf.UtcDateTime);
        foreach (var item in ledger.OpenRemediations(profile))
        {
            if (held.Contains(item.ItemId))
            {
                var status = item.RemediationDue is { } due && due < today ? RemediationStatus.Overdue : RemediationStatus.Pending;
                if (status != item.Remediation)
                {
                    ledger.RecordRemediation(item.CampaignId!, item.ItemId, status, null, null);
                }

                continue;
            }

            if (!FindingLifecycle.CompletelyRead(item.Account, result.Coverage))
            {
                continue;
            }

            var read = result.Coverage.Where(c => c.Status == CoverageStatus.Read && (c.Scope == item.Account || c.Scope.StartsWith(item.Account + "/", StringComparison.Ordinal)))
                .Select(c => $"{c.Source} {c.Scope} ({c.Items.ToString(CultureInfo.InvariantCulture)} records)");
            var proof = $"absent from run #{runId.ToString(CultureInfo.InvariantCulture)} of {profile} as of {result.Run.AsOf.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}, which read {string.Join(", ", read)} completely";
            ledger.RecordRemediation(item.CampaignId!, item.ItemId, RemediationStatus.CarriedOut, result.Run.AsOf, proof);
        }
    }
}
