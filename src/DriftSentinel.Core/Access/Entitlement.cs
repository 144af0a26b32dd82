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
}
