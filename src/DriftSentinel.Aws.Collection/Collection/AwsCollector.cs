using Amazon.Runtime;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Sessions;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws.Collection.Collection;

/// <summary>What one collection wrote and what it learned about how far each trail source has been read.</summary>
internal sealed record AwsCollectionResult(IReadOnlyList<string> Accounts, WatermarkState Watermarks);

/// <summary>
/// Collects IAM and CloudTrail from every configured or discovered account into the snapshot layout
/// (aws/&lt;account&gt;/iam, aws/&lt;account&gt;/cloudtrail). An account, region or file that fails becomes a coverage
/// entry; the rest of the collection carries on.
/// </summary>
internal sealed class AwsCollector(AwsCollectionOptions options, AwsClients clients, CollectionMetrics metrics, TimeProvider clock, Action<string>? log = null) : IDisposable
{
    private readonly IamCollector _iam = new(options.CredentialReport, clock);
    private readonly LookupEventsCollector _lookup = new(options.CloudTrail, metrics);
    private readonly S3TrailCollector _s3 = new(options.CloudTrail, clients.Retry, metrics);
    private readonly RequestRateLimiter _lookupRate = new(options.CloudTrail.LookupEventsRequestsPerSecond, clock);

    public async Task<AwsCollectionResult> CollectAsync(string snapshotRoot, WatermarkState previous, CoverageLog coverage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(coverage);
        var until = clock.GetUtcNow();
        var accounts = await AccountsAsync(coverage, ct).ConfigureAwait(false);
        metrics.AccountsTotal = accounts.Count;
        var next = new WatermarkState { Sources = new Dictionary<string, SourceWatermark>(previous.Sources, StringComparer.Ordinal) };
        var gate = new Lock();

        AWSCredentials? bucketReader = null;
        if (options.CloudTrail.Source == CloudTrailSource.S3)
        {
            bucketReader = options.CloudTrail.S3.ReadFromAccount is { } logArchive ? clients.Session(logArchive) : clients.BaseCredentials;
        }

        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelAccounts, CancellationToken = ct }, async (account, c) =>
        {
            List<(string Key, SourceWatermark Mark)> marks;
            try
            {
                marks = await CollectAccountAsync(account, snapshotRoot, until, previous, bucketReader, coverage, c).ConfigureAwait(false);
            }
            catch (Exception e) when (!c.IsCancellationRequested)
            {
                // Whatever went wrong (a full disk, a response we do not understand), it costs this account, not the scan.
                coverage.Failed("aws.collect", account, 0, $"collection of account {account} stopped: {AwsErrors.Describe(e)}");
                marks = [];
            }

            lock (gate)
            {
                foreach (var (key, mark) in marks)
                {
                    next.Sources[key] = mark;
                }
            }

            metrics.CountAccountDone();
            log?.Invoke($"account {account} done ({metrics.AccountsDone}/{metrics.AccountsTotal})");
        }).ConfigureAwait(false);

        return new AwsCollectionResult(accounts, next);
    }

    private async Task<List<string>> AccountsAsync(CoverageLog coverage, CancellationToken ct)
    {
        var accounts = new SortedSet<string>(options.Accounts, StringComparer.Ordinal);
        if (options.DiscoverAccounts)
        {
            var credentials = options.OrganizationsRoleArn is { } arn ? clients.SessionForRole(arn) : clients.BaseCredentials;
            var organizations = clients.Organizations(credentials);
            var found = 0;
            try
            {
                string? token = null;
                do
                {
                    var page = await organizations.ListAccountsAsync(token, ct).ConfigureAwait(false);
                    foreach (var a in page.Accounts.Where(a => string.Equals(a.Status, "ACTIVE", StringComparison.OrdinalIgnoreCase)))
                    {
                        accounts.Add(a.Id);
                        found++;
                    }

                    token = page.NextToken;
                }
                while (!string.IsNullOrEmpty(token));
                coverage.Read("aws.organizations.list-accounts", "organization", found, $"{found} active account(s)");
            }
            catch (Exception e) when (IsServiceFault(e, ct))
            {
                coverage.Failed("aws.organizations.list-accounts", "organization", found,
                    $"ListAccounts failed: {AwsErrors.Describe(e)}; only the {options.Accounts.Count} configured account(s) were scanned");
            }
        }

        accounts.ExceptWith(options.ExcludeAccounts);
        return [.. accounts];
    }

    private async Task<List<(string Key, SourceWatermark Mark)>> CollectAccountAsync(string account, string snapshotRoot, DateTimeOffset until, WatermarkState previous, AWSCredentials? bucketReader, CoverageLog coverage, CancellationToken ct)
    {
        var marks = new List<(string, SourceWatermark)>();
        var session = clients.Session(account);
        try
        {
            await session.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            coverage.Failed("aws.sts.assume-role", account, 0, $"AssumeRole {options.RoleArn(account)} failed: {AwsErrors.Describe(InnerServiceError(e))}; nothing was collected from this account");
            return marks;
        }

        var accountFolder = Path.Combine(snapshotRoot, "aws", account);
        var iamFolder = Path.Combine(accountFolder, "iam");
        var iam = clients.Iam(session);
        await IamCollector.CollectAuthorizationDetailsAsync(iam, account, iamFolder, coverage, ct).ConfigureAwait(false);
        await _iam.CollectCredentialReportAsync(iam, account, iamFolder, coverage, ct).ConfigureAwait(false);

        if (options.CloudTrail.Source == CloudTrailSource.None)
        {
            coverage.Missing("aws.cloudtrail", account, "CloudTrail collection is switched off (CloudTrail:Source None)");
            return marks;
        }

        var regions = await RegionsAsync(session, account, coverage, ct).ConfigureAwait(false);
        var trailFolder = Path.Combine(accountFolder, "cloudtrail");
        var perRegion = await Task.WhenAll(regions.Select(async region =>
        {
            if (options.CloudTrail.Source == CloudTrailSource.LookupEvents)
            {
                var key = WatermarkState.Key(account, region, "lookup-events");
                var client = clients.CloudTrail(session, region, c => _lookupRate.WaitAsync($"{account}/{region}", c));
                var mark = await _lookup.CollectAsync(client, account, region, until, previous.Sources.GetValueOrDefault(key),
                    Path.Combine(trailFolder, "lookup-events", region + ".json"), coverage, ct).ConfigureAwait(false);
                return (key, mark);
            }
            else
            {
                var key = WatermarkState.Key(account, region, "s3");
                var s3 = clients.S3(bucketReader!, options.CloudTrail.S3.Region ?? options.EffectiveHomeRegion);
                var mark = await _s3.CollectAsync(s3, account, region, until, previous.Sources.GetValueOrDefault(key), trailFolder, coverage, ct).ConfigureAwait(false);
                return (key, mark);
            }
        })).ConfigureAwait(false);

        marks.AddRange(perRegion.Where(r => r.mark is not null).Select(r => (r.key, r.mark!)));
        return marks;
    }

    private async Task<IReadOnlyList<string>> RegionsAsync(AWSCredentials session, string account, CoverageLog coverage, CancellationToken ct)
    {
        if (options.Regions.Count > 0)
        {
            return options.Regions;
        }

        try
        {
            var enabled = await clients.Regions(session).DescribeRegionsAsync(ct).ConfigureAwait(false);
            return enabled.Select(r => r.RegionName).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            coverage.Failed("aws.ec2.describe-regions", account, 0, $"DescribeRegions failed: {AwsErrors.Describe(e)}; CloudTrail was read in {options.EffectiveHomeRegion} only");
            return [options.EffectiveHomeRegion];
        }
    }

    public void Dispose() => _s3.Dispose();

    private static bool IsServiceFault(Exception e, CancellationToken ct) =>
        e is AwsServiceException or AmazonServiceException or AmazonClientException or HttpRequestException or IOException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    private static Exception InnerServiceError(Exception e) =>
        e is AmazonClientException { InnerException: AmazonServiceException inner } ? inner : e;
}
