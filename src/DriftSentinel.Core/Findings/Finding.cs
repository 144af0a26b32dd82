using System.Security.Cryptography;
using System.Text;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Findings;

/// <summary>A reference back to the source record that shows a finding is real.</summary>
/// <param name="Kind">cloudtrail-event, activity-log-event, sign-in, credential-report, iam-policy, role-assignment, pim-instance, deployment, workflow-run, approval, secret.</param>
/// <param name="Reference">File and record position, plus the record's own id.</param>
/// <param name="Detail">A short description of what the record shows.</param>
public sealed record EvidenceRef(string Kind, string Reference, string? Detail = null);

/// <summary>
/// What suppresses a finding: a baseline exception (by line) or a recorded triage acceptance (`findings accept`, with
/// who decided and when). An expired one is recorded but does not suppress.
/// </summary>
public sealed record Suppression(string Owner, string Reason, string? Ticket, DateOnly Expires, bool Expired, int BaselineLine)
{
    /// <summary>Who accepted the finding with `findings accept`; null for a baseline exception.</summary>
    public string? AcceptedBy { get; init; }

    public DateTimeOffset? AcceptedAt { get; init; }

    public bool IsAcceptance => AcceptedBy is not null;
}

/// <summary>One drift: what rule, where, who, when, and the evidence.</summary>
public sealed class Finding
{
    public required string Fingerprint { get; init; }
    public required string RuleId { get; init; }
    public required string Title { get; init; }
    public required Severity Severity { get; init; }
    public required Cloud Cloud { get; init; }
    public string? Environment { get; init; }
    public string? Account { get; init; }

    /// <summary>
    /// Further scopes (accounts, subscriptions, projects) whose data this finding is drawn from — every account a shared
    /// key was used in: finding history resolves it only after a run that read each of them completely.
    /// </summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];
    public string? Principal { get; init; }
    public string? Resource { get; init; }
    public DateTimeOffset? FirstSeen { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    public required string Message { get; init; }
    public IReadOnlyList<EvidenceRef> Evidence { get; init; } = [];

    /// <summary>How many source records support the finding; evidence lists at most a few of them.</summary>
    public long Occurrences { get; init; } = 1;

    /// <summary>Rule-specific facts (e.g. the production change classification), shown with the evidence.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = NoDetails;

    /// <summary>One shared empty set of details: tens of thousands of findings need not each carry their own.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoDetails = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public Suppression? Suppression { get; set; }

    public bool IsSuppressed => Suppression is { Expired: false };

    /// <summary>Stable across scans for the same drift: a hash of the rule id and the parts that identify the drift.</summary>
    public static string MakeFingerprint(string ruleId, params string?[] identity)
    {
        var text = ruleId + "\n" + string.Join("\n", identity.Select(p => p?.ToLowerInvariant() ?? ""));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
    }
}
