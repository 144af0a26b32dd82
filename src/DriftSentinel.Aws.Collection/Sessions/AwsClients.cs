using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using DriftSentinel.Aws.Collection.CloudTrail;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Iam;
using DriftSentinel.Aws.Collection.Organizations;

namespace DriftSentinel.Aws.Collection.Sessions;

/// <summary>
/// Builds the service clients for one collection: per-account sessions through STS AssumeRole (cached until shortly
/// before they expire), and the IAM, EC2, CloudTrail, Organizations and S3 clients on those sessions, with the
/// partition's endpoints or the configured overrides.
/// </summary>
internal sealed class AwsClients : IDisposable
{
    private readonly AwsCollectionOptions _options;
    private readonly TimeProvider _clock;
    private readonly AWSCredentials _baseCredentials;
    private readonly AwsHttpClient _http;
    private readonly HttpClient _httpClient;
    private readonly AmazonSecurityTokenServiceClient _sts;
    private readonly ConcurrentDictionary<string, AssumedRoleCredentials> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<AWSCredentials, AmazonS3Client> _s3 = new();

    public AwsClients(AwsCollectionOptions options, AWSCredentials baseCredentials, AwsRetryPolicy retry, TimeProvider clock, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _baseCredentials = baseCredentials;
        _clock = clock;
        Retry = retry;
        _httpClient = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _httpClient.Timeout = options.RequestTimeout;
        _http = new AwsHttpClient(_httpClient, retry, clock);
        var stsConfig = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 0, Timeout = options.RequestTimeout };
        if (options.Endpoints.Sts is { } sts)
        {
            stsConfig.ServiceURL = Expand(sts, options.EffectiveHomeRegion);
            stsConfig.AuthenticationRegion = options.EffectiveHomeRegion;
        }
        else
        {
            stsConfig.RegionEndpoint = RegionEndpoint.GetBySystemName(options.EffectiveHomeRegion);
        }

        _sts = new AmazonSecurityTokenServiceClient(baseCredentials, stsConfig);
    }

    public AwsRetryPolicy Retry { get; }

    private string DnsSuffix => _options.Partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";

    /// <summary>The session in <paramref name="account"/>; AssumeRole runs on first use and again before expiry.</summary>
    public AWSCredentials Session(string account) =>
        _sessions.GetOrAdd(account, a => new AssumedRoleCredentials(ct => AssumeAsync(_options.RoleArn(a), ct)));

    /// <summary>Credentials for an explicit role ARN (e.g. the Organizations role).</summary>
    public AWSCredentials SessionForRole(string roleArn) =>
        _sessions.GetOrAdd(roleArn, arn => new AssumedRoleCredentials(ct => AssumeAsync(arn, ct)));

    public AWSCredentials BaseCredentials => _baseCredentials;

    public IIamClient Iam(AWSCredentials session)
    {
        var (endpoint, region) = _options.Partition switch
        {
            "aws-us-gov" => ("https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
            "aws-cn" => ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
            _ => ("https://iam.amazonaws.com", "us-east-1"),
        };
        return new IamQueryClient(_http, new ServiceTarget(new Uri(_options.Endpoints.Iam is { } o ? Expand(o, region) : endpoint), "iam", region, session));
    }

    public IRegionsClient Regions(AWSCredentials session)
    {
        var region = _options.EffectiveHomeRegion;
        return new Ec2RegionsClient(_http, new ServiceTarget(new Uri(Expand(_options.Endpoints.Ec2 ?? $"https://ec2.{{region}}.{DnsSuffix}", region)), "ec2", region, session));
    }

    /// <summary>A CloudTrail client whose every request (retries too) first passes <paramref name="gate"/>.</summary>
    public ICloudTrailClient CloudTrail(AWSCredentials session, string region, Func<CancellationToken, Task>? gate = null) =>
        new CloudTrailJsonClient(_http, new ServiceTarget(new Uri(Expand(_options.Endpoints.CloudTrail ?? $"https://cloudtrail.{{region}}.{DnsSuffix}", region)), "cloudtrail", region, session, gate));

    public IOrganizationsClient Organizations(AWSCredentials session)
    {
        var region = _options.Partition switch { "aws-us-gov" => "us-gov-west-1", "aws-cn" => "cn-northwest-1", _ => "us-east-1" };
        return new OrganizationsJsonClient(_http, new ServiceTarget(new Uri(Expand(_options.Endpoints.Organizations ?? $"https://organizations.{{region}}.{DnsSuffix}", region)), "organizations", region, session));
    }

    public IAmazonS3 S3(AWSCredentials session, string region) =>
        _s3.GetOrAdd(session, s =>
        {
            var config = new AmazonS3Config { MaxErrorRetry = 0, Timeout = _options.RequestTimeout, ForcePathStyle = _options.Endpoints.S3 is not null };
            if (_options.Endpoints.S3 is { } url)
            {
                config.ServiceURL = Expand(url, region);
                config.AuthenticationRegion = region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }

            return new AmazonS3Client(s, config);
        });

    private async Task<(ImmutableCredentials Credentials, DateTime Expiration)> AssumeAsync(string roleArn, CancellationToken ct)
    {
        var response = await Retry.ExecuteAsync(c => _sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = "DriftSentinel",
            ExternalId = _options.ExternalId,
            DurationSeconds = (int)_options.SessionDuration.TotalSeconds,
        }, c), ct).ConfigureAwait(false);
        var c = response.Credentials;
        return (new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), c.Expiration?.ToUniversalTime() ?? _clock.GetUtcNow().UtcDateTime.AddMinutes(15));
    }

    private static string Expand(string template, string region) => template.Replace("{region}", region, StringComparison.Ordinal);

    public void Dispose()
    {
        _sts.Dispose();
        foreach (var s3 in _s3.Values)
        {
            s3.Dispose();
        }

        foreach (var s in _sessions.Values)
        {
            s.Dispose();
        }

        _httpClient.Dispose();
    }
}

/// <summary>An assumed-role session the SDK refreshes five minutes before it expires.</summary>
internal sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    private readonly Func<CancellationToken, Task<(ImmutableCredentials Credentials, DateTime Expiration)>> _assume;

    public AssumedRoleCredentials(Func<CancellationToken, Task<(ImmutableCredentials Credentials, DateTime Expiration)>> assume)
    {
        _assume = assume;
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var (credentials, expiration) = await _assume(CancellationToken.None).ConfigureAwait(false);
        return new CredentialsRefreshState(credentials, expiration);
    }
}
