namespace DriftSentinel.Core.Model;

/// <summary>One statement of an IAM policy, with the principal values of a trust policy flattened.</summary>
public sealed record PolicyStatement(
    string Effect,
    IReadOnlyList<string> Actions,
    IReadOnlyList<string> NotActions,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> Principals,
    bool HasConditions)
{
    public bool Allows => string.Equals(Effect, "Allow", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A parsed IAM policy document.</summary>
public sealed record PolicyDocument(IReadOnlyList<PolicyStatement> Statements)
{
    public static readonly PolicyDocument Empty = new([]);
}

/// <summary>A managed policy attached to a user, group or role.</summary>
public sealed record AttachedPolicy(string Arn, string Name);

/// <summary>An inline policy embedded in a user, group or role.</summary>
public sealed record InlinePolicy(string Name, PolicyDocument Document);

/// <summary>An IAM user from GetAccountAuthorizationDetails.</summary>
public sealed record IamUser(
    string Arn,
    string Name,
    DateTimeOffset? CreateDate,
    IReadOnlyList<AttachedPolicy> AttachedPolicies,
    IReadOnlyList<InlinePolicy> InlinePolicies,
    IReadOnlyList<string> Groups);

/// <summary>An IAM group.</summary>
public sealed record IamGroup(
    string Arn,
    string Name,
    DateTimeOffset? CreateDate,
    IReadOnlyList<AttachedPolicy> AttachedPolicies,
    IReadOnlyList<InlinePolicy> InlinePolicies);

/// <summary>An IAM role with its trust policy and RoleLastUsed.</summary>
public sealed record IamRole(
    string Arn,
    string Name,
    string Path,
    DateTimeOffset? CreateDate,
    PolicyDocument TrustPolicy,
    IReadOnlyList<AttachedPolicy> AttachedPolicies,
    IReadOnlyList<InlinePolicy> InlinePolicies,
    DateTimeOffset? LastUsed,
    string? LastUsedRegion)
{
    /// <summary>The export carried RoleLastUsed (even empty): IAM's own record of use over its tracking period.</summary>
    public bool LastUsedTracked { get; init; }
}

/// <summary>A managed policy and its default version's document.</summary>
public sealed record ManagedPolicy(string Arn, string Name, PolicyDocument DefaultDocument);

/// <summary>One row of the IAM credential report. Dates are null where the report says N/A, not_supported or no_information.</summary>
public sealed record CredentialReportRow
{
    public required string User { get; init; }
    public required string Arn { get; init; }
    public DateTimeOffset? UserCreationTime { get; init; }
    public bool PasswordEnabled { get; init; }
    public DateTimeOffset? PasswordLastUsed { get; init; }

    /// <summary>When the console password was last set: the password's own age.</summary>
    public DateTimeOffset? PasswordLastChanged { get; init; }
    public bool MfaActive { get; init; }
    public IReadOnlyList<AccessKeyState> AccessKeys { get; init; } = [];
    public bool IsRoot => User == "<root_account>";
    public int Line { get; init; }
}

/// <summary>Access key slot 1 or 2 of a credential-report row.</summary>
public sealed record AccessKeyState(int Slot, bool Active, DateTimeOffset? LastRotated, DateTimeOffset? LastUsed, string? LastUsedService);

/// <summary>Helpers for AWS ARNs.</summary>
internal static class AwsArn
{
    /// <summary>The 12-digit account in arn:partition:service:region:account:resource, or null.</summary>
    public static string? AccountOf(string? arn)
    {
        if (arn is null || !arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = arn.Split(':');
        return parts.Length > 4 && parts[4].Length == 12 ? parts[4] : null;
    }
}

/// <summary>What one AWS account's IAM export holds.</summary>
public sealed class AwsAccountInventory(string accountId)
{
    public string AccountId { get; } = accountId;
    public List<IamUser> Users { get; } = [];
    public List<IamGroup> Groups { get; } = [];
    public List<IamRole> Roles { get; } = [];
    public Dictionary<string, ManagedPolicy> Policies { get; } = new(StringComparer.Ordinal);
    public List<CredentialReportRow> CredentialReport { get; } = [];
    public bool HasAuthorizationDetails { get; set; }
    public bool HasCredentialReport { get; set; }
    public string? AuthorizationDetailsFile { get; set; }
    public string? CredentialReportFile { get; set; }

    public IamGroup? FindGroup(string name) => Groups.FirstOrDefault(g => g.Name == name);
}
