using System.Security.Cryptography;
using System.Text;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Access;

/// <summary>A reviewer's decision on an entitlement.</summary>
public enum ReviewDecision
{
    Keep,
    Revoke,
    Modify,
}

/// <summary>Whether a revoke or modify decision has been carried out, as the runs after it have seen.</summary>
public enum RemediationStatus
{
    /// <summary>No decision yet, or keep.</summary>
    None,

    /// <summary>Decided; the entitlement was still there at the last run, and the due date has not passed.</summary>
    Pending,

    /// <summary>A run that read the entitlement's scope completely no longer saw it.</summary>
    CarriedOut,

    /// <summary>Still there after its due date (DS-REV-001).</summary>
    Overdue,
}

/// <summary>An access review campaign: the access review of one recorded run, to be decided by its reviewers.</summary>
public sealed record ReviewCampaign
{
    public required string Id { get; init; }
    public required string Profile { get; init; }
    public required string Name { get; init; }

    /// <summary>The recorded run whose access review this is.</summary>
    public required long RunId { get; init; }
    public required DateTimeOffset AsOf { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When reviewers should have decided.</summary>
    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>Days after a revoke or modify decision within which it must be carried out.</summary>
    public required int RemediationDays { get; init; }
    public required string CreatedBy { get; init; }
}

/// <summary>
/// One row of a campaign (or of a profile's latest access review, before a campaign takes it): the entitlement with
/// its recommendation and evidence window, the reviewer, and once imported the decision and its remediation.
/// </summary>
public sealed record ReviewItem
{
    /// <summary>Stable across runs for the same grant: <see cref="KeyOf"/>.</summary>
    public required string ItemId { get; init; }
    public required Cloud Cloud { get; init; }
    public string? Environment { get; init; }
    public required string Account { get; init; }
    public required string PrincipalId { get; init; }
    public required string PrincipalName { get; init; }
    public required string PrincipalType { get; init; }
    public required string Entitlement { get; init; }
    public required string Scope { get; init; }
    public bool Privileged { get; init; }
    public string AssignmentType { get; init; } = "";
    public DateTimeOffset? LastUsed { get; init; }
    public required string Recommendation { get; init; }
    public required string RecommendationReason { get; init; }
    public string EvidenceWindow { get; init; } = "";

    /// <summary>The baseline's owners of the environment or account (tracker:id), most specific first.</summary>
    public IReadOnlyList<string> Owners { get; init; } = [];
    public string? Reviewer { get; init; }
    public ReviewDecision? Decision { get; init; }
    public string? Justification { get; init; }
    public string? DecidedBy { get; init; }
    public DateTimeOffset? DecidedOn { get; init; }

    /// <summary>When it was imported, which is when DriftSentinel learned of the decision.</summary>
    public DateTimeOffset? RecordedAt { get; init; }
    public DateOnly? RemediationDue { get; init; }
    public RemediationStatus Remediation { get; init; }

    /// <summary>When a run first saw it carried out, and what that run read (the proof of removal).</summary>
    public DateTimeOffset? CarriedOutAt { get; init; }
    public string? Proof { get; init; }

    /// <summary>The campaign it belongs to (null in a profile's latest access review).</summary>
    public string? CampaignId { get; init; }

    public bool NeedsRemediation => Decision is ReviewDecision.Revoke or ReviewDecision.Modify && Remediation != RemediationStatus.CarriedOut;

    /// <summary>The id of a grant: cloud, account, principal, entitlement and scope.</summary>
    public static string KeyOf(Cloud cloud, string account, string principalId, string entitlement, string scope) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', cloud.ToText(), account, principalId.ToLowerInvariant(), entitlement, scope))))[..16];

    public bool Is(Entitlement e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return KeyOf(e.Cloud, e.Account, e.PrincipalId, e.Name, e.Scope) == ItemId;
    }

    /// <summary>The access review of a scan as review items, each with the baseline's owners of its environment or account.</summary>
    public static IReadOnlyList<ReviewItem> From(ScanResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. AccessReview.Rows(result).Select(r => Item(r, result)).DistinctBy(i => i.ItemId)];
    }

    private static ReviewItem Item(AccessReviewRow r, ScanResult result)
    {
        var e = r.Entitlement;
        return new ReviewItem
        {
            ItemId = KeyOf(e.Cloud, e.Account, e.PrincipalId, e.Name, e.Scope),
            Cloud = e.Cloud,
            Environment = e.Environment,
            Account = e.Account,
            PrincipalId = e.PrincipalId,
            PrincipalName = e.PrincipalName,
            PrincipalType = e.Kind.ToText(),
            Entitlement = e.Name,
            Scope = e.Scope,
            Privileged = e.Privileged,
            AssignmentType = e.AssignmentType,
            LastUsed = e.LastUsed,
            Recommendation = r.Recommendation.ToText(),
            RecommendationReason = r.Reason,
            EvidenceWindow = e.EvidenceWindow,
            Owners = result.Baseline.OwnersOf(e.Environment, e.Account),
        };
    }
}

/// <summary>
/// Access review campaigns and their decisions, kept in the state database (docs/reports.md, "Access review
/// campaigns"). Every write is safe to repeat.
/// </summary>
public interface IReviewLedger
{
    /// <summary>Replaces the profile's latest access review with a run's, unless a later run's is already kept.</summary>
    void SaveLatestReview(string profile, long runId, DateTimeOffset asOf, IReadOnlyList<ReviewItem> items);

    /// <summary>The profile's latest access review: its run, as-of and rows; null when no run of the profile was recorded.</summary>
    (long RunId, DateTimeOffset AsOf, IReadOnlyList<ReviewItem> Items)? LatestReview(string profile);

    /// <summary>Creates a campaign with its items; false (and nothing written) when one with that id exists.</summary>
    bool CreateCampaign(ReviewCampaign campaign, IReadOnlyList<ReviewItem> items);

    ReviewCampaign? Campaign(string id);

    IReadOnlyList<ReviewCampaign> Campaigns(string? profile);

    IReadOnlyList<ReviewItem> CampaignItems(string campaignId);

    /// <summary>Stores imported decisions (each item's decision fields) in one transaction.</summary>
    void RecordDecisions(string campaignId, IReadOnlyList<ReviewItem> decided);

    /// <summary>Revoke and modify decisions of the profile's campaigns not yet carried out.</summary>
    IReadOnlyList<ReviewItem> OpenRemediations(string profile);

    /// <summary>Moves an item's remediation on; an item already carried out keeps its first proof.</summary>
    void RecordRemediation(string campaignId, string itemId, RemediationStatus status, DateTimeOffset? carriedOutAt, string? proof);
}

/// <summary>A campaign with its items as they stand: decisions, remediation and proof (evidence packs).</summary>
public sealed record CampaignEvidence(ReviewCampaign Campaign, IReadOnlyList<ReviewItem> Items)
{
    /// <summary>Every campaign of a profile, oldest first, with its items.</summary>
    public static IReadOnlyList<CampaignEvidence> Of(IReviewLedger ledger, string profile)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return [.. ledger.Campaigns(profile).Select(c => new CampaignEvidence(c, ledger.CampaignItems(c.Id)))];
    }
}

/// <summary>Review items as JSON: how the history store keeps them and how rule examples give DS-REV-001 its decisions.</summary>
public static class ReviewJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write(ReviewItem item) => System.Text.Json.JsonSerializer.Serialize(item, Options);

    public static ReviewItem Read(string json) => System.Text.Json.JsonSerializer.Deserialize<ReviewItem>(json, Options)
        ?? throw new System.Text.Json.JsonException("a review item is null");

    /// <summary>A file holding a JSON array of review items.</summary>
    public static IReadOnlyList<ReviewItem> ReadFile(string path)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<ReviewItem>>(File.ReadAllText(path), Options) ?? [];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: not a JSON array of review items ({e.Message})", e);
        }
    }
}
