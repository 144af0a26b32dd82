using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Access;

/// <summary>One principal × entitlement × scope: a row of the access review and the unit the privilege rules judge.</summary>
public sealed record Entitlement
{
    public required Cloud Cloud { get; init; }
    public required string Account { get; init; }
    public string? Environment { get; init; }
    public required string PrincipalId { get; init; }
    public required string PrincipalName { get; init; }
    public required PrincipalKind Kind { get; init; }
    public required string Name { get; init; }
    public required string Scope { get; init; }
    public required bool Privileged { get; init; }

    /// <summary>standing, eligible or active JIT.</summary>
    public required string AssignmentType { get; init; }

    /// <summary>direct, group:&lt;name&gt; or inherited.</summary>
    public required string GrantedVia { get; init; }

    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? LastUsed { get; init; }
    public string? LastUsedSource { get; init; }
    public bool? Mfa { get; init; }

    /// <summary>When the principal's oldest active credential was created or rotated (AWS access keys).</summary>
    public DateTimeOffset? CredentialCreated { get; init; }

    public DateTimeOffset? End { get; init; }
    public required string Source { get; init; }

    /// <summary>
    /// The earliest time from which the sources read (credential report, RoleLastUsed, a completely read trail) would
    /// show a use of this entitlement; null when no source could show one. <see cref="DateTimeOffset.MinValue"/> means
    /// the whole life of the credential.
    /// </summary>
    public DateTimeOffset? EvidenceSince { get; init; }

    /// <summary>The sources behind <see cref="EvidenceSince"/> and the span each covers, for the reviewer.</summary>
    public string EvidenceWindow { get; init; } = "";

    /// <summary>True when the evidence covers the last <paramref name="days"/> days, so "unused that long" is a fact.</summary>
    public bool EvidenceCovers(DateTimeOffset asOf, int days) => EvidenceSince is { } since && since <= asOf.AddDays(-days);

    /// <summary>True when the evidence reaches back to the entitlement's creation: "never used" is then its whole life.</summary>
    public bool EvidenceSinceCreation => Created is { } created && EvidenceSince <= created;

    /// <summary>How many days before <paramref name="asOf"/> the evidence reaches (0 when nothing could show a use).</summary>
    public int ObservedDays(DateTimeOffset asOf) =>
        EvidenceSince is { } since ? since == DateTimeOffset.MinValue ? int.MaxValue : (int)Math.Max(0, (asOf - since).TotalDays) : 0;

    /// <summary>"unknown — observed N days (…)" when the evidence is shorter than <paramref name="days"/>.</summary>
    public string UnknownUsage(DateTimeOffset asOf, int days) =>
        $"unknown — observed {ObservedDays(asOf)} days{(EvidenceWindow.Length == 0 ? " (no source that records use was read)" : $" ({EvidenceWindow})")}, fewer than the {days} days needed to call it unused";
}
