namespace DriftSentinel.Core.Access;

/// <summary>Opening a campaign on a profile's latest recorded access review: one rule for `review start` and the worker.</summary>
public static class ReviewCampaigns
{
    /// <summary>The campaign id for a profile's run: starting it again finds the same campaign.</summary>
    public static string IdOf(string profile, long runId) => $"rv-{profile}-run{runId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Opens (or finds) the campaign on the profile's latest access review, each row's reviewer the baseline's owner of
    /// its account or environment, else <paramref name="fallbackReviewer"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No run of the profile was recorded, or rows have no reviewer.</exception>
    public static (ReviewCampaign Campaign, bool Created, int Rows) Open(IReviewLedger ledger, string profile, string? name, int days, int remediationDays, string? fallbackReviewer,
        string openedBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var latest = ledger.LatestReview(profile)
            ?? throw new InvalidOperationException($"no recorded run of profile {profile} has an access review: scan with --history (and --profile {profile}) first");
        var unowned = latest.Items.Where(i => i.Owners.Count == 0).ToList();
        if (unowned.Count > 0 && string.IsNullOrWhiteSpace(fallbackReviewer))
        {
            throw new InvalidOperationException($"{unowned.Count} row(s) have no owner in the baseline (environments: {string.Join(", ", unowned.Select(i => i.Environment ?? "(unmapped)").Distinct().Order(StringComparer.Ordinal))}); declare owners or give a fallback reviewer");
        }

        var campaign = new ReviewCampaign
        {
            Id = IdOf(profile, latest.RunId),
            Profile = profile,
            Name = name ?? $"Access review {profile} as of {latest.AsOf:yyyy-MM-dd}",
            RunId = latest.RunId,
            AsOf = latest.AsOf,
            StartedAt = now,
            EndsAt = now.AddDays(days),
            RemediationDays = remediationDays,
            CreatedBy = openedBy,
        };
        var items = latest.Items.Select(i => i with { Reviewer = i.Owners.Count > 0 ? i.Owners[0] : fallbackReviewer }).ToList();
        return ledger.CreateCampaign(campaign, items) ? (campaign, true, items.Count) : (ledger.Campaign(campaign.Id)!, false, items.Count);
    }

    /// <summary>True when a profile that opens campaigns every <paramref name="everyDays"/> days is due one.</summary>
    public static bool Due(IReviewLedger ledger, string profile, int everyDays, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var last = ledger.Campaigns(profile).MaxBy(c => c.StartedAt);
        return last is null || last.StartedAt <= now.AddDays(-everyDays);
    }
}
