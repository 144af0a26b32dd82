using System.Diagnostics;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Sessions;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Worker;

/// <summary>Collects a snapshot straight from the clouds, as configured; used by `snapshot` and `scan --config`.</summary>
public sealed class CollectCommand(TextWriter stdout, TextWriter stderr, TimeProvider clock)
{
    /// <summary>Starting credentials; the default is AWSSDK.Core's chain (environment, profile, SSO, web identity, instance metadata).</summary>
    public Func<AWSCredentials> BaseCredentials { get; init; } = () => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null);

    public static CollectCommand Create(TextWriter stdout, TextWriter stderr, TimeProvider clock, Func<AWSCredentials>? baseCredentials) =>
        baseCredentials is null ? new CollectCommand(stdout, stderr, clock) : new CollectCommand(stdout, stderr, clock) { BaseCredentials = baseCredentials };

    /// <summary>What a collection wrote, and the watermarks to keep once the caller has used the snapshot.</summary>
    public sealed record Outcome(CollectionManifest Manifest, WatermarkState Watermarks, IWatermarkStore Store);

    /// <summary>Collects into <paramref name="snapshotDir"/> (which must be empty or absent) and writes collection.json.</summary>
    public Outcome Collect(LiveSettings settings, string snapshotDir, bool full)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Directory.Exists(snapshotDir) && Directory.EnumerateFileSystemEntries(snapshotDir).Any())
        {
            throw new UsageException($"snapshot folder '{snapshotDir}' is not empty; collect into a new folder");
        }

        var aws = settings.Aws!;
        AWSCredentials baseCredentials;
        try
        {
            baseCredentials = BaseCredentials();
        }
        catch (AmazonClientException e)
        {
            throw new UsageException($"no AWS credentials: {e.Message} (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where instance or web identity credentials exist)");
        }

        var store = new FileWatermarkStore(Path.Combine(settings.Resolve(settings.StateDirectory), "aws-watermarks.json"));
        var previous = full ? new WatermarkState() : store.Load();
        var metrics = new CollectionMetrics();
        var coverage = new CoverageLog();
        var started = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var progress = TextWriter.Synchronized(stderr); // the progress timer writes from another thread
        using var clients = new AwsClients(aws, baseCredentials, new AwsRetryPolicy(aws.Retry, metrics, clock), clock);
        using var collector = new AwsCollector(aws, clients, metrics, clock, line => progress.WriteLine($"[{stopwatch.Elapsed:hh\\:mm\\:ss}] {line}"));
        using (clock.CreateTimer(_ => progress.WriteLine($"[{stopwatch.Elapsed:hh\\:mm\\:ss}] {metrics}"), null, settings.ProgressInterval, settings.ProgressInterval))
        {
            Directory.CreateDirectory(snapshotDir);
            var result = collector.CollectAsync(snapshotDir, previous, coverage, CancellationToken.None).GetAwaiter().GetResult();
            var manifest = new CollectionManifest
            {
                StartedAt = started,
                FinishedAt = clock.GetUtcNow(),
                Coverage = coverage.Entries.OrderBy(e => e.Scope, StringComparer.Ordinal).ThenBy(e => e.Source, StringComparer.Ordinal).ToList(),
                Metrics = new Dictionary<string, long>
                {
                    ["accounts"] = result.Accounts.Count,
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
            return new Outcome(manifest, result.Watermarks, store);
        }
    }

    private void PrintSummary(CollectionManifest manifest, TimeSpan elapsed, CollectionMetrics metrics)
    {
        stdout.WriteLine($"AWS collection: {metrics}, {elapsed.TotalSeconds:F1} s");
        foreach (var account in manifest.Coverage.GroupBy(e => e.Scope.Split('/')[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var read = account.Where(e => e.Status == CoverageStatus.Read).ToList();
            var trail = read.Where(e => e.Scope.Contains('/', StringComparison.Ordinal)).Select(e => $"{e.Scope.Split('/')[1]} {e.Items:N0}").ToList();
            stdout.WriteLine($"  {account.Key,-14} {string.Join("; ", read.Where(e => !e.Scope.Contains('/', StringComparison.Ordinal)).Select(e => $"{ShortName(e.Source)} {e.Items:N0}"))}{(trail.Count > 0 ? "; events " + string.Join(", ", trail) : string.Empty)}");
            foreach (var gap in account.Where(e => e.Status != CoverageStatus.Read))
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
        _ => source,
    };
}
