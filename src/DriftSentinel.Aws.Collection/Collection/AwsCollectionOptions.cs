using System.Text.RegularExpressions;
using DriftSentinel.Aws.Collection.Http;

namespace DriftSentinel.Aws.Collection.Collection;

/// <summary>Settings of live AWS collection (configuration section DriftSentinel:Aws). See docs/configuration.md.</summary>
public sealed class AwsCollectionOptions
{
    /// <summary>aws, aws-us-gov or aws-cn: decides ARNs and default endpoints.</summary>
    public string Partition { get; set; } = "aws";

    /// <summary>Region for STS, EC2 DescribeRegions and global services; default per partition.</summary>
    public string? HomeRegion { get; set; }

    /// <summary>Accounts to scan; with DiscoverAccounts, added to those discovered.</summary>
    public List<string> Accounts { get; set; } = [];

    /// <summary>List every ACTIVE account with Organizations ListAccounts (management or delegated-admin account).</summary>
    public bool DiscoverAccounts { get; set; }

    /// <summary>Role to assume for ListAccounts; empty to call it with the starting credentials.</summary>
    public string? OrganizationsRoleArn { get; set; }

    /// <summary>Accounts never scanned, e.g. suspended sandboxes.</summary>
    public List<string> ExcludeAccounts { get; set; } = [];

    /// <summary>The read-only role assumed in every account.</summary>
    public string RoleName { get; set; } = "DriftSentinelReadOnly";

    /// <summary>Role path, when the role is not at "/".</summary>
    public string RolePath { get; set; } = "/";

    /// <summary>The ExternalId the role's trust policy requires.</summary>
    public string? ExternalId { get; set; }

    public TimeSpan SessionDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Regions to read CloudTrail in; empty for every region enabled in each account.</summary>
    public List<string> Regions { get; set; } = [];

    public int MaxParallelAccounts { get; set; } = 8;

    public CloudTrailOptions CloudTrail { get; set; } = new();

    public CredentialReportOptions CredentialReport { get; set; } = new();

    public RetrySettings Retry { get; set; } = new();

    public EndpointOptions Endpoints { get; set; } = new();

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public string EffectiveHomeRegion => HomeRegion ?? Partition switch
    {
        "aws-us-gov" => "us-gov-west-1",
        "aws-cn" => "cn-north-1",
        _ => "us-east-1",
    };

    public string RoleArn(string account) => $"arn:{Partition}:iam::{account}:role{NormalisedPath}{RoleName}";

    private string NormalisedPath => "/" + RolePath.Trim('/') + (RolePath.Trim('/').Length > 0 ? "/" : string.Empty);

    /// <summary>Every problem with the settings, each naming its key under <paramref name="prefix"/>.</summary>
    public IReadOnlyList<string> Validate(string prefix)
    {
        var errors = new List<string>();
        if (Partition is not ("aws" or "aws-us-gov" or "aws-cn"))
        {
            errors.Add($"{prefix}:Partition: '{Partition}' is not a partition; expected aws, aws-us-gov or aws-cn");
        }

        for (var i = 0; i < Accounts.Count; i++)
        {
            if (!IsAccountId(Accounts[i]))
            {
                errors.Add($"{prefix}:Accounts:{i}: '{Accounts[i]}' is not a 12-digit account id");
            }
        }

        for (var i = 0; i < ExcludeAccounts.Count; i++)
        {
            if (!IsAccountId(ExcludeAccounts[i]))
            {
                errors.Add($"{prefix}:ExcludeAccounts:{i}: '{ExcludeAccounts[i]}' is not a 12-digit account id");
            }
        }

        if (Accounts.Count == 0 && !DiscoverAccounts)
        {
            errors.Add($"{prefix}:Accounts: no accounts to scan; list them or set {prefix}:DiscoverAccounts to true");
        }

        if (string.IsNullOrWhiteSpace(RoleName) || !Regex.IsMatch(RoleName, @"^[\w+=,.@-]{1,64}$"))
        {
            errors.Add($"{prefix}:RoleName: '{RoleName}' is not an IAM role name");
        }

        if (ExternalId is { Length: < 2 or > 1224 })
        {
            errors.Add($"{prefix}:ExternalId: must be 2 to 1224 characters");
        }

        if (SessionDuration < TimeSpan.FromMinutes(15) || SessionDuration > TimeSpan.FromHours(12))
        {
            errors.Add($"{prefix}:SessionDuration: {SessionDuration} is outside STS's 15 minutes to 12 hours");
        }

        for (var i = 0; i < Regions.Count; i++)
        {
            if (!Regex.IsMatch(Regions[i], "^[a-z]{2}(-[a-z]+)+-[0-9]+$"))
            {
                errors.Add($"{prefix}:Regions:{i}: '{Regions[i]}' is not a region name such as eu-west-1");
            }
        }

        if (MaxParallelAccounts is < 1 or > 64)
        {
            errors.Add($"{prefix}:MaxParallelAccounts: {MaxParallelAccounts} must be between 1 and 64");
        }

        errors.AddRange(CloudTrail.Validate($"{prefix}:CloudTrail"));
        errors.AddRange(CredentialReport.Validate($"{prefix}:CredentialReport"));
        if (Retry.MaxAttempts is < 1 or > 20)
        {
            errors.Add($"{prefix}:Retry:MaxAttempts: {Retry.MaxAttempts} must be between 1 and 20");
        }

        if (Retry.Budget < 0)
        {
            errors.Add($"{prefix}:Retry:Budget: must not be negative");
        }

        errors.AddRange(Endpoints.Validate($"{prefix}:Endpoints"));
        return errors;
    }

    public static bool IsAccountId(string text) => text.Length == 12 && text.All(char.IsAsciiDigit);
}

/// <summary>Where CloudTrail events come from, how far back the first scan reads, and the overlap of later ones.</summary>
public sealed class CloudTrailOptions
{
    /// <summary>LookupEvents (API, management events, 90 days), S3 (the trail's log files) or None.</summary>
    public CloudTrailSource Source { get; set; } = CloudTrailSource.LookupEvents;

    /// <summary>How far back a source with no watermark starts.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Re-read this much before the watermark; duplicates are dropped by eventID (LookupEvents) or object key (S3).</summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>LookupEvents is limited to 2 requests per second per account and region; we stay at 1.</summary>
    public double LookupEventsRequestsPerSecond { get; set; } = 1;

    /// <summary>Length of the time windows a LookupEvents range is split into; the watermark advances window by window.</summary>
    public TimeSpan LookupWindow { get; set; } = TimeSpan.FromDays(1);

    public TrailBucketOptions S3 { get; set; } = new();

    internal IEnumerable<string> Validate(string prefix)
    {
        if (Lookback <= TimeSpan.Zero || (Source == CloudTrailSource.LookupEvents && Lookback > TimeSpan.FromDays(90)))
        {
            yield return $"{prefix}:Lookback: {Lookback} must be positive (and at most 90 days for LookupEvents)";
        }

        if (Overlap < TimeSpan.Zero || Overlap > TimeSpan.FromDays(1))
        {
            yield return $"{prefix}:Overlap: {Overlap} must be between 0 and 1 day";
        }

        if (LookupEventsRequestsPerSecond is <= 0 or > 2)
        {
            yield return $"{prefix}:LookupEventsRequestsPerSecond: {LookupEventsRequestsPerSecond} must be above 0 and at most 2 (the service limit)";
        }

        if (LookupWindow < TimeSpan.FromMinutes(5))
        {
            yield return $"{prefix}:LookupWindow: {LookupWindow} must be at least 5 minutes";
        }

        if (Source == CloudTrailSource.S3)
        {
            foreach (var e in S3.Validate($"{prefix}:S3"))
            {
                yield return e;
            }
        }
    }
}

/// <summary>Which CloudTrail path to read.</summary>
public enum CloudTrailSource
{
    None,
    LookupEvents,
    S3,
}

/// <summary>The bucket a trail delivers to: AWSLogs/[o-org-id/]account/CloudTrail/region/YYYY/MM/DD/.</summary>
public sealed class TrailBucketOptions
{
    public string? Bucket { get; set; }

    /// <summary>The trail's S3 key prefix, if it has one.</summary>
    public string? Prefix { get; set; }

    /// <summary>Set for an organization trail: its files sit under AWSLogs/o-xxxx/.</summary>
    public string? OrganizationId { get; set; }

    public string? Region { get; set; }

    /// <summary>Account (e.g. log archive) whose role reads the bucket; empty for the starting credentials.</summary>
    public string? ReadFromAccount { get; set; }

    public int MaxParallelDownloads { get; set; } = 16;

    internal IEnumerable<string> Validate(string prefix)
    {
        if (string.IsNullOrWhiteSpace(Bucket) || !Regex.IsMatch(Bucket, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))
        {
            yield return $"{prefix}:Bucket: '{Bucket}' is not a bucket name (required when CloudTrail:Source is S3)";
        }

        if (OrganizationId is not null && !Regex.IsMatch(OrganizationId, "^o-[a-z0-9]{10,32}$"))
        {
            yield return $"{prefix}:OrganizationId: '{OrganizationId}' is not an organization id such as o-a1b2c3d4e5";
        }

        if (ReadFromAccount is not null && !AwsCollectionOptions.IsAccountId(ReadFromAccount))
        {
            yield return $"{prefix}:ReadFromAccount: '{ReadFromAccount}' is not a 12-digit account id";
        }

        if (MaxParallelDownloads is < 1 or > 64)
        {
            yield return $"{prefix}:MaxParallelDownloads: {MaxParallelDownloads} must be between 1 and 64";
        }
    }
}

/// <summary>How the credential report is obtained.</summary>
public sealed class CredentialReportOptions
{
    /// <summary>A report younger than this is reused instead of generating a new one.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(4);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Give up (and report the gap) when the report is not ready within this.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(2);

    internal IEnumerable<string> Validate(string prefix)
    {
        if (MaxAge <= TimeSpan.Zero)
        {
            yield return $"{prefix}:MaxAge: must be positive";
        }

        if (PollInterval <= TimeSpan.Zero || MaxWait < PollInterval)
        {
            yield return $"{prefix}:PollInterval/MaxWait: PollInterval must be positive and MaxWait at least PollInterval";
        }
    }
}

/// <summary>Endpoint overrides (tests, VPC endpoints, GovCloud or China); "{region}" is replaced by the region.</summary>
public sealed class EndpointOptions
{
    public string? Sts { get; set; }
    public string? Iam { get; set; }
    public string? Ec2 { get; set; }
    public string? CloudTrail { get; set; }
    public string? Organizations { get; set; }
    public string? S3 { get; set; }

    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var (name, value) in new[] { ("Sts", Sts), ("Iam", Iam), ("Ec2", Ec2), ("CloudTrail", CloudTrail), ("Organizations", Organizations), ("S3", S3) })
        {
            if (value is not null && !Uri.TryCreate(value.Replace("{region}", "us-east-1", StringComparison.Ordinal), UriKind.Absolute, out _))
            {
                yield return $"{prefix}:{name}: '{value}' is not an absolute URL";
            }
        }
    }
}
