using System.CommandLine;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Worker;

/// <summary>The driftsentinel command line.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, TimeProvider.System);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock)
    {
        var snapshot = new Option<string?>("--snapshot") { Description = "Snapshot folder (aws/, azure/, entra/, github/ exports); see docs/snapshot-format.md" };
        var baseline = new Option<string?>("--baseline") { Description = "Baseline YAML declaring environments, deployers, break-glass, thresholds and exceptions" };
        var demo = new Option<bool>("--demo") { Description = "Scan the bundled demo organization (demo/snapshot with demo/baseline.yaml)" };
        var asOf = new Option<string?>("--as-of") { Description = "Evaluate as of this time (ISO 8601, default: now; the demo's own date with --demo)" };
        var output = new Option<string>("--out") { Description = "Folder for findings.json, findings.csv, access-review.csv, report.html, summary.md", DefaultValueFactory = _ => "driftsentinel-out" };
        var failOn = new Option<string?>("--fail-on") { Description = "Exit 1 when an unsuppressed finding at or above this severity exists (critical, high, medium, low, info)" };
        var allowGaps = new Option<bool>("--allow-gaps") { Description = "Do not exit 2 when an input file could not be read (it is still reported as a coverage gap)" };
        var rules = new Option<string?>("--rules") { Description = "Rule catalogue folder (default: rules/ beside the executable)" };

        var scan = new Command("scan", "Evaluate a snapshot against a baseline and write the reports");
        foreach (var o in new Option[] { snapshot, baseline, demo, asOf, output, failOn, allowGaps, rules })
        {
            scan.Options.Add(o);
        }

        var root = new RootCommand("DriftSentinel: does our cloud and delivery setup still match what we declared?");
        root.Subcommands.Add(scan);
        scan.SetAction(parse => new ScanCommand(stdout, stderr, clock).Execute(new ScanOptions
        {
            Snapshot = parse.GetValue(snapshot),
            Baseline = parse.GetValue(baseline),
            Demo = parse.GetValue(demo),
            AsOf = parse.GetValue(asOf),
            Out = parse.GetValue(output)!,
            FailOn = parse.GetValue(failOn),
            AllowGaps = parse.GetValue(allowGaps),
            Rules = parse.GetValue(rules),
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

        return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
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
    public string? Snapshot { get; init; }
    public string? Baseline { get; init; }
    public bool Demo { get; init; }
    public string? AsOf { get; init; }
    public required string Out { get; init; }
    public string? FailOn { get; init; }
    public bool AllowGaps { get; init; }
    public string? Rules { get; init; }
}
