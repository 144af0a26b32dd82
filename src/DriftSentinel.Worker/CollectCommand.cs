using System.Diagnostics;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Worker;

/// <summary>Collects a snapshot straight from the sources, as configured; used by `snapshot`, `scan --config` and the worker's live scopes.</summary>
public sealed class CollectCommand(TextWriter stdout, TextWriter stderr, TimeProvider clock)
{
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
            var context = new LiveCollectionContext(snapshotDir, settings.Resolve(settings.StateDirectory), full, metrics, coverage, clock, Log);
            foreach (var module in settings.Modules.Modules)
            {
                if (module.Collector is { } collector && settings.Sources.TryGetValue(module.Name, out var options))
                {
                    try
                    {
                        commits.Add(collector.Collect(options, context));
                    }
                    catch (SourceConfigurationException e)
                    {
                        throw new UsageException(e.Message);
                    }
                }
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
