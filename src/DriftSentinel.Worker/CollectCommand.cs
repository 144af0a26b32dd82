using System.Diagnostics;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Azure.Core;
using Azure.Core.Pipeline;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Sessions;
using DriftSentinel.Azure.Collection;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Worker;

/// <summary>What live collection starts from; tests point it at fakes.</summary>
public sealed record LiveConnections
{
    /// <summary>Starting AWS credentials; the default is AWSSDK.Core's chain (environment, profile, SSO, web identity, instance metadata).</summary>
    public Func<AWSCredentials> AwsCredentials { get; init; } = () => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null);

    /// <summary>The Azure credential; the default follows DriftSentinel:Azure:Credential.</summary>
    public Func<AzureCollectionOptions, TokenCredential> AzureCredential { get; init; } = AzureCredentialFactory.Create;

    /// <summary>The HTTP transport of the ARM and Graph pipelines (null: Azure.Core's default).</summary>
    public HttpPipelineTransport? AzureTransport { get; init; }
}

/// <summary>Collects a snapshot straight from the clouds, as configured; used by `snapshot` and `scan --config`.</summary>
public sealed class CollectCommand(TextWriter stdout, TextWriter stderr, TimeProvider clock, LiveConnections? connections = null)
{
    private readonly LiveConnections _connections = connections ?? new LiveConnections();

    /// <summary>What a collection wrote; <see cref="Commit"/> keeps its watermarks once the caller has used the snapshot.</summary>
    public sealed record Outcome(CollectionManifest Manifest, Action Commit);

    /// <summary>Collects into <paramref name="snapshotDir"/> (which must be empty or absent) and writes collection.json.</summary>
    public Outcome Collect(LiveSettings settings, string snapshotDir, bool full)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Directory.Exists(snapshotDir) && Directory.EnumerateFileSystemEntries(snapshotDir).Any())
        {
            throw new UsageException($"snapshot folder '{snapshotDir}' is not empty; collect into a new folder");
        }

        var metrics = new CollectionMetrics();
        var coverage = new CoverageLog();
        var started = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var progress = TextWriter.Synchronized(stderr); // the progress timer writes from another thread
        void Log(string line) => progress.WriteLine($"[{stopwatch.Elapsed:hh\\:mm\\:ss}] {line}");
        var commits = new List<Action>();
        Directory.CreateDirectory(snapshotDir);
        using (clock.CreateTimer(_ => Log(metrics.ToString()), null, settings.ProgressInterval, settings.ProgressInterval))
        {
            if (settings.Aws is { } aws)
            {
                commits.Add(CollectAws(settings, aws, snapshotDir, full, metrics, coverage, Log));
            }

            if (settings.Azure is { } azure)
            {
                commits.Add(CollectAzure(settings, azure, snapshotDir, full, metrics, coverage, Log));
            }
        }

        var manifest = new CollectionManifest
        {
            StartedAt = started,
            FinishedAt = clock.GetUtcNow(),
            Coverage = coverage.Entries.OrderBy(e => e.Scope, StringComparer.Ordinal).ThenBy(e => e.Source, StringComparer.Ordinal).ToList(),
            Metrics = new Dictionary<string, long>
            {
                ["accounts_and_subscriptions"] = metrics.AccountsTotal,
                ["requests"] = metrics.Requests,
                ["throttles"] = metrics.Throttles,
                ["transient_faults"] = metrics.TransientFaults,
                ["waited_ms"] = (long)metrics.Waited.TotalMilliseconds,
                ["events"] = metrics.Events,
                ["log_files"] = metrics.ObjectsRead,
                ["log_bytes"] = metrics.BytesRead,
            },
        };
        manifest.Write(snapshotDir);
        stopwatch.Stop();
        PrintSummary(manifest, stopwatch.Elapsed, metrics);
        return new Outcome(manifest, () => commits.ForEach(c => c()));
    }

    private Action CollectAws(LiveSettings settings, AwsCollectionOptions aws, string snapshotDir, bool full, CollectionMetrics metrics, CoverageLog coverage, Action<string> log)
    {
        AWSCredentials baseCredentials;
        try
        {
            baseCredentials = _connections.AwsCredentials();
        }
        catch (AmazonClientException e)
        {
            throw new UsageException($"no AWS credentials: {e.Message} (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where instance or web identity credentials exist)");
        }

        var store = new FileWatermarkStore(Path.Combine(settings.Resolve(settings.StateDirectory), "aws-watermarks.json"));
        var previous = full ? new WatermarkState() : store.Load();
        using var clients = new AwsClients(aws, baseCredentials, new AwsRetryPolicy(aws.Retry, metrics, clock), clock);
        using var collector = new AwsCollector(aws, clients, metrics, clock, log);
        var result = collector.CollectAsync(snapshotDir, previous, coverage, CancellationToken.None).GetAwaiter().GetResult();
        return () => store.Save(result.Watermarks);
    }

    private Action CollectAzure(LiveSettings settings, AzureCollectionOptions azure, string snapshotDir, bool full, CollectionMetrics metrics, CoverageLog coverage, Action<string> log)
    {
        TokenCredential credential;
        try
        {
            credential = _connections.AzureCredential(azure);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"no Azure credential: {e.Message}");
        }

        var store = new FileWatermarkStore(Path.Combine(settings.Resolve(settings.StateDirectory), "azure-watermarks.json"));
        var previous = full ? new WatermarkState() : store.Load();
        var arm = new Uri(azure.Endpoints.ResourceManager);
        var graph = new Uri(azure.Endpoints.Graph);
        var graphRate = new RequestRateLimiter(azure.SignIns.RequestsPer10Seconds / 10, clock);
        var armPipeline = AzureRestClient.Pipeline(credential, new Uri(arm, "/.default").ToString(), azure,
            new ThrottleObserverPolicy(metrics, clock, azure.ArmReadsLowWater, azure.ArmLowWaterPause, null), _connections.AzureTransport);
        var graphPipeline = AzureRestClient.Pipeline(credential, new Uri(graph, "/.default").ToString(), azure,
            new ThrottleObserverPolicy(metrics, clock, -1, TimeSpan.Zero, AzureRestClient.SignInGate(graphRate)), _connections.AzureTransport);
        var collector = new AzureCollector(azure, new AzureClients(new AzureRestClient(armPipeline, arm), new AzureRestClient(graphPipeline, graph)), metrics, clock, log);
        var next = collector.CollectAsync(snapshotDir, previous, coverage, CancellationToken.None).GetAwaiter().GetResult();
        return () => store.Save(next);
    }

    private void PrintSummary(CollectionManifest manifest, TimeSpan elapsed, CollectionMetrics metrics)
    {
        stdout.WriteLine($"Collection: {metrics}, {elapsed.TotalSeconds:F1} s");
        foreach (var scope in manifest.Coverage.GroupBy(e => e.Scope.Split('/')[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var read = scope.Where(e => e.Status == CoverageStatus.Read).ToList();
            var regional = read.Where(e => e.Scope.Contains('/', StringComparison.Ordinal)).Select(e => $"{e.Scope.Split('/')[1]} {e.Items:N0}").ToList();
            stdout.WriteLine($"  {scope.Key,-36} {string.Join("; ", read.Where(e => !e.Scope.Contains('/', StringComparison.Ordinal)).Select(e => $"{ShortName(e.Source)} {e.Items:N0}"))}{(regional.Count > 0 ? "; events " + string.Join(", ", regional) : string.Empty)}");
            foreach (var gap in scope.Where(e => e.Status != CoverageStatus.Read))
            {
                stdout.WriteLine($"    NOT COLLECTED ({gap.Status.ToString().ToLowerInvariant()}) {gap.Source} {gap.Scope}: {gap.Detail}");
            }
        }
    }

    private static string ShortName(string source) => source switch
    {
        "aws.iam.get-account-authorization-details" => "iam",
        "aws.iam.get-credential-report" => "credential-report rows",
        "aws.organizations.list-accounts" => "accounts",
        "azure.arm.subscriptions" => "subscriptions",
        _ => source.Split('.')[^1],
    };
}
