using DriftSentinel.Core.Access;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// A profile with ReviewEveryDays opens an access review campaign on a recorded run when none was started within that
/// many days, and writes its sheets to <c>OUT/review-CAMPAIGN/</c>, beside the run folders (a run folder's manifest
/// covers exactly its reports).
/// </summary>
public static class ScheduledReview
{
    /// <summary>The campaign opened, or null with why not (not due, or a reason to log); safe to repeat.</summary>
    public static (ReviewCampaign? Campaign, string? Problem) OpenIfDue(IReviewLedger ledger, ScanProfile profile, string outRoot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.ReviewEveryDays is not { } every || !ReviewCampaigns.Due(ledger, profile.Name, every, now))
        {
            return (null, null);
        }

        try
        {
            var (campaign, created, _) = ReviewCampaigns.Open(ledger, profile.Name, null, profile.ReviewDays, profile.ReviewRemediationDays, profile.ReviewFallbackReviewer, "driftsentinel-worker", now);
            if (!created)
            {
                return (null, null);
            }

            ReviewCommands.Export(ledger, campaign, Path.Combine(outRoot, $"review-{campaign.Id}"), TextWriter.Null);
            return (campaign, null);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }
}
