using System.Diagnostics;
using System.Globalization;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Worker;

/// <summary>Runs one scan: load baseline and rules, read the snapshot, evaluate, write the reports, print a summary.</summary>
public sealed class ScanCommand(TextWriter stdout, TextWriter stderr, TimeProvider clock)
{
    /// <summary>The source modules that read and collect (tests point them at fakes).</summary>
    public SourceRegistry Sources { get; init; } = SourceModules.Default();

    /// <summary>Lifecycle sinks for `scan --history` (tests add fakes); default: those the configuration declares.</summary>
    public IReadOnlyList<IFindingLifecycleSink>? Sinks { get; init; }

    /// <summary>How often a progress line goes to stderr when it is not a terminal.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    public int Execute(ScanOptions options)
    {
        try
        {
            return ExecuteChecked(options);
        }
        catch (BaselineException e)
        {
            // One error per line, each made safe on its own (a key or value could hold a line break).
            stderr.WriteLine(string.Join(Environment.NewLine, e.Message.Split(Environment.NewLine).Select((line, i) => (i == 0 ? "error: " : "") + ConsoleText.Safe(line))));
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is UsageException or InvalidDataException or InputFormatException)
        {
            stderr.WriteLine($"error: {ConsoleText.Safe(e.Message)}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {ConsoleText.Safe(e.Message)}");
            return ExitCodes.Usage;
        }
    }

    private int ExecuteChecked(ScanOptions options)
    {
        string snapshotDir;
        string baselineFile;
        var settingsForSinks = options.Tickets is { } tickets ? LiveSettings.Load(tickets, [], modules: Sources, requireSources: false) : new LiveSettings();
        DateTimeOffset asOf;
        var outDir = options.Out ?? "driftsentinel-out";
        if (options.Tickets is { } ticketConfig && options.History is null)
        {
            throw new UsageException("--tickets (--sinks) acts on the history store's lifecycle (tickets, chat notifications); add --history STORE");
        }

        CollectCommand.Outcome? collected = null;
        if (options.Config is not null || options.Sets.Count > 0)
        {
            if (options.Demo || options.Snapshot is not null)
            {
                throw new UsageException("--config collects a live snapshot; do not combine it with --demo or --snapshot");
            }

            var settings = LiveSettings.Load(options.Config, options.Sets, modules: Sources);
            settingsForSinks = settings;
            outDir = options.Out ?? settings.Resolve(settings.Out);
            baselineFile = options.Baseline ?? (settings.Baseline is { } b ? settings.Resolve(b) : throw new UsageException("no baseline: set DriftSentinel:Baseline in the configuration or pass --baseline FILE"));
            BaselineLoader.Load(baselineFile); // a bad baseline fails before minutes of collection
            snapshotDir = Path.Combine(outDir, "snapshot");
            if (Directory.Exists(snapshotDir))
            {
                Directory.Delete(snapshotDir, recursive: true); // our own previous collection; the reports beside it are rewritten too
            }

            collected = new CollectCommand(stdout, stderr, clock).Collect(settings, snapshotDir, options.Full);
            asOf = collected.Manifest.FinishedAt;
        }
        else if (options.Demo)
        {
            if (options.Snapshot is not null || options.Baseline is not null)
            {
                throw new UsageException("--demo scans the bundled demo; do not combine it with --snapshot or --baseline");
            }

            var demoDir = DemoLocator.Find();
            snapshotDir = Path.Combine(demoDir, "snapshot");
            baselineFile = Path.Combine(demoDir, "baseline.yaml");
            asOf = options.AsOf is null ? DemoLocator.AsOf(demoDir) : ParseAsOf(options.AsOf);
        }
        else
        {
            snapshotDir = options.Snapshot ?? throw new UsageException("--snapshot DIR is required (or --demo)");
            baselineFile = options.Baseline ?? throw new UsageException("--baseline FILE is required (or --demo)");
            asOf = options.AsOf is null ? clock.GetUtcNow() : ParseAsOf(options.AsOf);
        }

        if (!Directory.Exists(snapshotDir))
        {
            throw new UsageException($"snapshot folder '{snapshotDir}' does not exist");
        }

        if (File.Exists(outDir))
        {
            throw new UsageException($"--out '{outDir}' is a file; expected a folder for the reports");
        }

        if (options.History is { } historyPath && DriftSentinel.History.SqlHistoryStore.SqliteFile(historyPath) is { } historyFile && Directory.Exists(historyFile))
        {
            throw new UsageException($"--history '{historyFile}' is a folder; expected a SQLite file or a PostgreSQL connection string");
        }

        Severity? failOn = null;
        if (options.FailOn is not null)
        {
            failOn = EnumText.TryParseSeverity(options.FailOn, out var s) ? s : throw new UsageException($"--fail-on '{options.FailOn}' is not a severity; expected critical, high, medium, low or info");
        }

        // A folder the reports cannot be written to is found now, not after minutes of reading; another scan writing the
        // same folder is waited for (the lock is released when this process ends, however it ends).
        using var outLock = ReportSet.Lock(outDir, TimeSpan.FromSeconds(30));

        var stopwatch = Stopwatch.StartNew();
        var baseline = BaselineLoader.Load(baselineFile);
        var threads = options.Threads is < 1 ? throw new UsageException($"--threads {options.Threads} is not a number of threads; expected 1 or more") : options.Threads;
        var catalogue = RuleCatalogue.Load(options.Rules ?? RuleCatalogue.LocateFolder());
        var lifecycleSinks = options.History is null ? [] : Sinks ?? OutputModules.LifecycleSinks(settingsForSinks, clock, catalogue);
        using var signer = SigningKeys.Resolve(options.SignKey, Environment.GetEnvironmentVariable);
        IReadOnlyList<Rule> rules;
        try
        {
            Reporting.EvidencePackWriter.Select(catalogue, options.Evidence); // an unknown framework fails before the scan
            rules = RuleSelection.Select(Rule.All(), RuleSelection.Patterns(options.OnlyRules), RuleSelection.Patterns(options.ExcludeRules));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        // One connection to the history store serves the whole command: it gives the scan the open access review
        // remediations (DS-REV-001), then records the run and keeps its manifest. A store that fails (corrupt, locked,
        // read-only, newer, unreachable) costs the lifecycle columns and that check, never the reports.
        DriftSentinel.History.SqlHistoryStore? store = null;
        string? historyError = null;
        IReadOnlyList<Core.Access.ReviewItem> reviews = [];
        if (options.History is { } historyStore)
        {
            try
            {
                store = DriftSentinel.History.SqlHistoryStore.Open(historyStore);
                store.Migrate();
                reviews = store.OpenRemediations(options.Profile ?? "cli");
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                store?.Dispose();
                store = null;
                historyError = $"the history store could not record this run ({e.GetType().Name}: {e.Message}); the reports were written without lifecycle columns, and no access review decision (DS-REV-001) was checked";
            }
        }

        using var historyConnection = store;

        var progress = new ScanProgress();
        var result = ScanProgressDisplay.Run(stderr, progress, ProgressInterval, () =>
            Scan(snapshotDir, baseline, catalogue, asOf, options.Demo ? "demo" : Path.GetFileName(Path.GetFullPath(snapshotDir).TrimEnd(Path.DirectorySeparatorChar)), progress, Sources, threads, rules: rules, reviews: reviews));
        if (RuleSelection.NotEvaluated(catalogue, result.Run.RuleVersions) is { Count: > 0 } skipped)
        {
            stderr.WriteLine($"note: {skipped.Count} rule(s) not evaluated ({string.Join(", ", skipped)}): their findings cannot appear, and a recorded run carries earlier ones over instead of resolving them");
        }
        RunHistoryReport? history = null;
        IReadOnlyList<DeliveryOutcome> deliveries = [];
        Dictionary<string, string> sinkSummaries = [];
        ManifestLink? previousManifest = null;
        if (store is not null)
        {
            // Recorded before the reports are written, so they carry each finding's lifecycle and the changes since the
            // last run.
            try
            {
                var sinks = new LifecycleDispatcher(lifecycleSinks, clock);
                var recorded = Core.History.HistoryRecorder.Record(store, result, options.Profile ?? "cli", snapshotDir, clock.GetUtcNow() - stopwatch.Elapsed, clock.GetUtcNow(), sinks: sinks)!;
                history = new RunHistoryReport(recorded, store.Trend(recorded.Run.Profile, recorded.Run.Id, RunHistoryReport.TrendRuns))
                {
                    Campaigns = Core.Access.CampaignEvidence.Of(store, recorded.Run.Profile),
                };
                previousManifest = store.PreviousManifest(history.Recorded.Run.Profile, history.Recorded.Run.Id);
                deliveries = sinks.DeliverPending(store, CancellationToken.None);
                sinkSummaries = sinks.Sinks.Where(s => s.Summary is not null).ToDictionary(s => s.Name, s => s.Summary!, StringComparer.Ordinal);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                historyError = $"the history store could not record this run ({e.GetType().Name}: {e.Message}); the reports were written without lifecycle columns";
            }
        }

        var manifest = OutputModules.Reports(options.Evidence).WriteAll(result, outDir, history, new ManifestContext
        {
            Profile = history?.Recorded.Run.Profile,
            RunId = history?.Recorded.Run.Id,
            Recorded = history is null ? null : (history.Recorded.Run.Findings, history.Recorded.Run.Active, history.Recorded.Run.Gaps),
            Previous = previousManifest,
            SnapshotRoot = snapshotDir,
            Signer = signer,
        });
        if (history is not null && store is not null)
        {
            try
            {
                store.RecordManifest(history.Recorded.Run.Id, history.Recorded.Run.Profile, manifest.Sha256, System.Text.Encoding.UTF8.GetString(manifest.Bytes));
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                historyError = $"the history store could not keep this run's manifest ({e.GetType().Name}: {e.Message}); the reports were written, but `verify --history` will report the run";
            }
        }

        stopwatch.Stop();

        // Only now that the reports exist may the next scan skip what this one read.
        collected?.Commit();
        ConsoleSummary.Print(stdout, result, outDir, stopwatch.Elapsed);
        if (history is not null)
        {
            stdout.WriteLine($"History: {history.CountsLine()}");
        }

        // A sink that failed keeps its notice for the next run; the scan's outcome does not depend on a tracker.
        foreach (var d in deliveries)
        {
            if (d.Delivered)
            {
                stdout.WriteLine($"Sink {d.Sink}: run #{d.RunId} delivered{(sinkSummaries.GetValueOrDefault(d.Sink) is { } summary ? $" ({summary})" : "")}");
            }
            else
            {
                stderr.WriteLine($"warning: lifecycle sink {ConsoleText.Safe(d.Sink)} failed run #{d.RunId} (attempt {d.Attempts}): {ConsoleText.Safe(d.Error ?? "")}; kept for a retry after {d.NextAttempt:yyyy-MM-ddTHH:mm:ssZ}");
            }
        }

        if (historyError is not null)
        {
            stderr.WriteLine($"error: {ConsoleText.Safe(historyError)}");
            return ExitCodes.Usage;
        }

        var gaps = result.Gaps.ToList();
        if (gaps.Count > 0 && !options.AllowGaps)
        {
            foreach (var g in gaps)
            {
                stderr.WriteLine($"error: {ConsoleText.Safe(g.Detail)}");
            }

            stderr.WriteLine($"{gaps.Count} input(s) missing or not read completely; the reports were written and list them as coverage gaps (--allow-gaps to exit 0).");
            return ExitCodes.Usage;
        }

        if (failOn is { } threshold && result.Active.Any(f => f.Severity >= threshold))
        {
            stderr.WriteLine($"{result.Active.Count(f => f.Severity >= threshold)} unsuppressed finding(s) at or above {threshold.ToText()}.");
            return ExitCodes.FindingsAtOrAboveThreshold;
        }

        return ExitCodes.Ok;
    }

    /// <summary>Reads a snapshot with every registered source module and evaluates it. Used by the CLI, tests and benchmarks.</summary>
    public static ScanResult Scan(string snapshotDir, OrganizationBaseline baseline, RuleCatalogue catalogue, DateTimeOffset asOf, string snapshotName, ScanProgress? progress = null, SourceRegistry? sources = null, int? threads = null,
        IReadOnlyList<byte[]>? partials = null, IReadOnlyList<Rule>? rules = null, IReadOnlyList<Core.Access.ReviewItem>? reviews = null) =>
        new ScanEngine(catalogue, rules) { Threads = threads ?? Environment.ProcessorCount, ReviewRemediations = reviews ?? [] }.Run((sources ?? SourceModules.Default()).Read(snapshotDir, baseline), baseline, asOf, snapshotName, progress, partials ?? []);

    private static DateTimeOffset ParseAsOf(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new UsageException($"--as-of '{text}' is not a time; expected ISO 8601 such as 2026-11-20T00:00:00Z");
}

/// <summary>A command-line mistake: exit 2 with the message.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Finds the bundled demo organization beside the executable or above the working directory.</summary>
public static class DemoLocator
{
    public static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "demo");
                if (File.Exists(Path.Combine(candidate, "baseline.yaml")) && Directory.Exists(Path.Combine(candidate, "snapshot")))
                {
                    return candidate;
                }
            }
        }

        throw new UsageException("the bundled demo was not found (expected demo/baseline.yaml and demo/snapshot beside the executable)");
    }

    /// <summary>The demo is evaluated at a fixed time so its findings and sample reports are reproducible.</summary>
    public static DateTimeOffset AsOf(string demoDir) =>
        DateTimeOffset.Parse(File.ReadAllText(Path.Combine(demoDir, "as-of.txt")).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
