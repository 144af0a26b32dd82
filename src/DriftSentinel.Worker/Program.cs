using System.CommandLine;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Worker;

/// <summary>The driftsentinel command line.</summary>
public static class Program
{
#pragma warning disable RS0030 // the composition root is the one place that picks the real clock
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, TimeProvider.System);
#pragma warning restore RS0030

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock) => Run(args, stdout, stderr, clock, null);

    /// <summary>Runs the command line; <paramref name="sources"/> replaces the registered source modules (tests point them at fakes).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock, SourceRegistry? sources)
    {
        var snapshot = new Option<string?>("--snapshot") { Description = "Snapshot folder (aws/, azure/, entra/, github/ exports); see docs/snapshot-format.md" };
        var baseline = new Option<string?>("--baseline") { Description = "Baseline YAML declaring environments, deployers, break-glass, thresholds and exceptions" };
        var demo = new Option<bool>("--demo") { Description = "Scan the bundled demo organization (demo/snapshot with demo/baseline.yaml)" };
        var asOf = new Option<string?>("--as-of") { Description = "Evaluate as of this time (ISO 8601, default: now; the demo's own date with --demo)" };
        var output = new Option<string?>("--out") { Description = "Folder for findings.json, findings.csv, access-review.csv, report.html, summary.md (default driftsentinel-out, or DriftSentinel:Out with --config)" };
        var config = new Option<string?>("--config") { Description = "Collect live from the clouds as this JSON configuration says (see docs/configuration.md), then scan" };
        var sets = new Option<string[]>("--set") { Description = "Override a configuration key, e.g. --set Aws:Regions:0=eu-west-1 (repeatable)", AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };
        var full = new Option<bool>("--full") { Description = "Ignore the CloudTrail watermarks and read the whole configured lookback again" };
        var history = new Option<string?>("--history") { Description = "Record the run and each finding's lifecycle in this store: a SQLite file, or a PostgreSQL connection string (Host=...)" };
        var profile = new Option<string?>("--profile") { Description = "Name of the scan profile recorded with the run (default cli)" };
        var failOn = new Option<string?>("--fail-on") { Description = "Exit 1 when an unsuppressed finding at or above this severity exists (critical, high, medium, low, info)" };
        var allowGaps = new Option<bool>("--allow-gaps") { Description = "Do not exit 2 when an input file could not be read (it is still reported as a coverage gap)" };
        var rules = new Option<string?>("--rules") { Description = "Rule catalogue folder (default: rules/ beside the executable)" };
        var threads = new Option<int?>("--threads") { Description = "Read the audit trails on this many threads (default: the machine's cores); the result is the same for any number" };
        var signKey = new Option<string?>("--sign-key") { Description = "Sign manifest.json with this PEM private key (RSA or ECDSA, optionally with its X.509 certificate); default: DRIFTSENTINEL_SIGNING_KEY (PEM) or DRIFTSENTINEL_SIGNING_KEY_FILE" };
        var onlyRules = new Option<string[]>("--only-rules") { Description = "Evaluate only these rules: ids or prefixes ending in * (DS-DEP-*), comma-separated or repeated", DefaultValueFactory = _ => [] };
        var excludeRules = new Option<string[]>("--exclude-rules") { Description = "Do not evaluate these rules (same form as --only-rules); reports name them as not evaluated", DefaultValueFactory = _ => [] };
        var evidence = new Option<string[]>("--evidence") { Description = "Also write a compliance evidence pack under evidence/: soc2, iso27001, pci-dss or all (repeatable; see docs/reports.md)", DefaultValueFactory = _ => [] };
        var tickets = new Option<string?>("--tickets", "--sinks") { Description = "Lifecycle sinks for the recorded run as this JSON configuration says: its Tickets section keeps tickets (docs/tickets.md), its Notifications section posts to chat (docs/operations.md); needs --history" };

        var scan = new Command("scan", "Evaluate a snapshot against a baseline and write the reports");
        foreach (var o in new Option[] { snapshot, baseline, demo, asOf, output, failOn, allowGaps, rules, config, sets, full, history, profile, tickets, threads, signKey, evidence, onlyRules, excludeRules })
        {
            scan.Options.Add(o);
        }

        var snapshotConfig = new Option<string>("--config") { Description = "JSON configuration of what to collect (see docs/configuration.md)", Required = true };
        var snapshotOut = new Option<string>("--out") { Description = "Folder to write the snapshot to (must be empty or absent); scan it later with scan --snapshot", Required = true };
        var collect = new Command("snapshot", "Collect a snapshot live from AWS and Azure into the layout scan --snapshot reads");
        foreach (var o in new Option[] { snapshotConfig, snapshotOut, sets, full, allowGaps })
        {
            collect.Options.Add(o);
        }

        collect.SetAction(parse => RunSnapshot(stdout, stderr, clock, sources, parse.GetValue(snapshotConfig)!, parse.GetValue(snapshotOut)!, parse.GetValue(sets) ?? [], parse.GetValue(full), parse.GetValue(allowGaps)));

        var workerConfig = new Option<string?>("--config") { Description = "JSON configuration with Profiles and Worker sections (see docs/operations.md)" };
        var workerDemo = new Option<bool>("--demo") { Description = "Schedule the bundled demo: scanned at start and every minute, history in driftsentinel-state/history.db" };
        var exitAfter = new Option<int?>("--exit-after") { Description = "Stop after this process has recorded N scans (scripts, smoke tests)" };
        var worker = new Command("worker", "Run the scheduled worker: scan profiles on their cron schedules with Hangfire and keep finding history");
        foreach (var o in new Option[] { workerConfig, workerDemo, exitAfter, sets })
        {
            worker.Options.Add(o);
        }

        worker.SetAction(parse => Scheduling.WorkerCommand.Run(parse.GetValue(workerConfig), parse.GetValue(sets) ?? [], parse.GetValue(workerDemo), parse.GetValue(exitAfter), stdout, stderr, clock, sources));

        var healthUrl = new Option<string>("--url") { Description = "The worker's health address", DefaultValueFactory = _ => "http://127.0.0.1:5080/health" };
        var health = new Command("health", "Ask a running worker's /health (container health checks): exit 0 when it answers healthy or degraded, 2 otherwise");
        health.Options.Add(healthUrl);
        health.SetAction(parse => HealthProbe.Run(parse.GetValue(healthUrl)!, stdout, stderr));

        var docsOut = new Option<string?>("--out") { Description = "Write the page to this file, keeping its hand-written part (default: print it)" };
        var docsRules = new Option<string?>("--rules") { Description = "Rule catalogue folder (default: rules/ beside the executable)" };
        var docs = new Command("docs", "Render the rule catalogue page (docs/rules.md) from rules/*.yaml");
        docs.Options.Add(docsOut);
        docs.Options.Add(docsRules);
        docs.SetAction(parse => RunRulesDocs(stdout, stderr, parse.GetValue(docsRules), parse.GetValue(docsOut)));
        var rulesCommand = new Command("rules", "The rule catalogue");
        rulesCommand.Subcommands.Add(docs);

        var root = new RootCommand("DriftSentinel: does our cloud and delivery setup still match what we declared?");
        root.Subcommands.Add(rulesCommand);
        root.Subcommands.Add(scan);
        root.Subcommands.Add(collect);
        root.Subcommands.Add(worker);
        root.Subcommands.Add(health);
        root.Subcommands.Add(VerifyCommand.Build(stdout, stderr));
        root.Subcommands.Add(TicketCommands.Build(stdout, stderr, clock));
        root.Subcommands.Add(ReviewCommands.Build(stdout, stderr, clock));
        foreach (var command in HistoryCommands.Build(stdout, stderr, clock))
        {
            root.Subcommands.Add(command);
        }

        scan.SetAction(parse => new ScanCommand(stdout, stderr, clock) { Sources = sources ?? SourceModules.Default() }.Execute(new ScanOptions
        {
            Snapshot = parse.GetValue(snapshot),
            Baseline = parse.GetValue(baseline),
            Demo = parse.GetValue(demo),
            AsOf = parse.GetValue(asOf),
            Out = parse.GetValue(output),
            Config = parse.GetValue(config),
            Sets = parse.GetValue(sets) ?? [],
            Full = parse.GetValue(full),
            History = parse.GetValue(history),
            Profile = parse.GetValue(profile),
            FailOn = parse.GetValue(failOn),
            AllowGaps = parse.GetValue(allowGaps),
            Threads = parse.GetValue(threads),
            Rules = parse.GetValue(rules),
            Tickets = parse.GetValue(tickets),
            SignKey = parse.GetValue(signKey),
            Evidence = parse.GetValue(evidence) ?? [],
            OnlyRules = parse.GetValue(onlyRules) ?? [],
            ExcludeRules = parse.GetValue(excludeRules) ?? [],
        }));

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }

            stderr.WriteLine("Run 'driftsentinel scan --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Exit 1 means only "findings at or above --fail-on": anything unforeseen is one clear line and exit 2.
            stderr.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    private static int RunRulesDocs(TextWriter stdout, TextWriter stderr, string? rulesFolder, string? outFile)
    {
        try
        {
            var catalogue = Core.Rules.RuleCatalogue.Load(rulesFolder ?? Core.Rules.RuleCatalogue.LocateFolder());
            var page = Reporting.RuleCatalogueDocument.Render(catalogue, outFile is not null && File.Exists(outFile) ? File.ReadAllText(outFile) : null);
            if (outFile is null)
            {
                stdout.Write(page);
            }
            else
            {
                File.WriteAllText(outFile, page);
                stdout.WriteLine($"{outFile}: {catalogue.Rules.Count} rules");
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {ConsoleText.Safe(e.Message)}");
            return ExitCodes.Usage;
        }
    }

    private static int RunSnapshot(TextWriter stdout, TextWriter stderr, TimeProvider clock, SourceRegistry? sources, string configFile, string outDir, IReadOnlyList<string> sets, bool full, bool allowGaps)
    {
        try
        {
            var settings = LiveSettings.Load(configFile, sets, modules: sources);
            var outcome = new CollectCommand(stdout, stderr, clock).Collect(settings, outDir, full);
            outcome.Commit();
            var gaps = outcome.Manifest.Coverage.Count(c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial);
            stdout.WriteLine($"Snapshot written to {outDir}; scan it with: driftsentinel scan --snapshot {outDir} --baseline <baseline.yaml>");
            if (gaps > 0 && !allowGaps)
            {
                stderr.WriteLine($"{gaps} source(s) could not be collected completely; they are listed in {Path.Combine(outDir, "collection.json")} and will appear as coverage gaps (--allow-gaps to exit 0).");
                return ExitCodes.Usage;
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is UsageException or InvalidDataException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}

/// <summary>Process exit codes.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int FindingsAtOrAboveThreshold = 1;
    public const int Usage = 2;
}

/// <summary>Arguments of `scan`.</summary>
public sealed record ScanOptions
{
    /// <summary>A configuration file whose Tickets section keeps tickets for this run (with --history).</summary>
    public string? Tickets { get; init; }

    public string? Snapshot { get; init; }
    public string? Baseline { get; init; }
    public bool Demo { get; init; }
    public string? AsOf { get; init; }
    public string? Out { get; init; }
    public string? Config { get; init; }
    public IReadOnlyList<string> Sets { get; init; } = [];
    public bool Full { get; init; }
    public string? History { get; init; }
    public string? Profile { get; init; }
    public string? FailOn { get; init; }
    public bool AllowGaps { get; init; }
    public string? Rules { get; init; }

    /// <summary>Threads the trails are read on (null: the machine's cores).</summary>
    public int? Threads { get; init; }

    /// <summary>A PEM private key that signs the run's manifest (null: the environment's, if any).</summary>
    public string? SignKey { get; init; }

    /// <summary>Frameworks to write an evidence pack for (soc2, iso27001, pci-dss, all).</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    /// <summary>Rule ids or prefixes (DS-DEP-*) to evaluate alone; empty: every rule.</summary>
    public IReadOnlyList<string> OnlyRules { get; init; } = [];

    /// <summary>Rule ids or prefixes not to evaluate.</summary>
    public IReadOnlyList<string> ExcludeRules { get; init; } = [];
}
