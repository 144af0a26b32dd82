using System.Diagnostics;
using System.Globalization;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Worker;

namespace DriftSentinel.Bench;

/// <summary>
/// Runs `driftsentinel snapshot` as its own process (so its peak memory is its own) against a fake organization
/// served by WireMock in this process, then scans both the collected and the hand-made snapshot.
/// </summary>
internal static class LiveCollectionBench
{
    public static int Run(int accounts, int eventsPerRegion, string source)
    {
        var work = Path.Combine(Path.GetTempPath(), "ds-bench-live-" + Guid.NewGuid().ToString("N")[..8]);
        var anchor = DateTimeOffset.UtcNow;
        using var org = new LiveCollectionHarness(work, Path.Combine(FindRepository(), "demo", "snapshot"), accounts, anchor, eventsPerRegion);
        org.Server.ThrottleFirstCalls = 1;
        var s3 = source == "s3";

        // Reach back to the demo accounts' oldest event so both snapshots hold the same events.
        var lookback = anchor - org.Data.Accounts.Values.SelectMany(a => a.Events).Min(e => e.Time) + TimeSpan.FromHours(1);
        var config = Path.Combine(work, "driftsentinel.json");
        File.WriteAllText(config, $$"""
            {
              "DriftSentinel": {
                "StateDirectory": "state",
                "ProgressInterval": "00:00:05",
                "Aws": {
                  "Accounts": [{{string.Join(", ", org.AccountIds.Select(a => $"\"{a}\""))}}],
                  "ExternalId": "bench",
                  "MaxParallelAccounts": 8,
                  "CloudTrail": {
                    "Source": "{{(s3 ? "S3" : "LookupEvents")}}", "Lookback": "{{lookback.ToString("c", CultureInfo.InvariantCulture)}}",
                    "S3": { "Bucket": "{{FakeAwsServer.Bucket}}", "OrganizationId": "{{FakeAwsServer.OrganizationId}}", "Region": "us-east-1" }
                  },
                  "Endpoints": { "Sts": "{{org.Server.Url}}", "Iam": "{{org.Server.Url}}", "Ec2": "{{org.Server.Url}}", "CloudTrail": "{{org.Server.Url}}", "Organizations": "{{org.Server.Url}}", "S3": "{{org.Server.Url}}" }
                }
              }
            }
            """);
        var snapshot = Path.Combine(work, "collected");
        // The worker's own build output, with its own dependency set (not this process's).
        var cli = Path.Combine(FindRepository(), "src", "DriftSentinel.Worker", "bin", "Release", "net10.0", "driftsentinel.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cli, "snapshot", "--config", config, "--out", snapshot]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["AWS_ACCESS_KEY_ID"] = FakeAwsServer.BaseAccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = FakeAwsServer.BaseSecretKey;
        start.Environment["AWS_REGION"] = "us-east-1";

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peakKb = 0;
        while (!process.WaitForExit(50))
        {
            peakKb = Math.Max(peakKb, HighWaterMarkKb(process.Id));
        }

        stopwatch.Stop();
        Console.WriteLine(stdout.Result.Split('\n')[0]);
        Console.Error.Write(stderr.Result.Length > 2000 ? stderr.Result[..2000] : stderr.Result);
        Console.WriteLine($"exit {process.ExitCode}; {accounts} accounts x 2 regions via {(s3 ? "S3 log files" : "LookupEvents")}: wall {stopwatch.Elapsed.TotalSeconds:F1} s, peak RSS of the snapshot process {peakKb / 1024.0:F0} MiB");

        var requests = org.Server.Requests.ToList();
        Console.WriteLine($"requests answered by the fake: {requests.Count} ({requests.Count(r => r.Status is 400 or 503 && r.Operation != "?")} throttled), by operation: {string.Join(", ", requests.GroupBy(r => r.Operation).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}");
        var lookups = requests.Where(r => r.Operation == "LookupEvents").GroupBy(r => (r.Account, r.Region)).ToList();
        if (lookups.Count > 0)
        {
            var minGap = lookups.Where(g => g.Count() > 1)
                .Select(g => g.Select(r => r.ReceivedAt).Order().ToList())
                .SelectMany(t => t.Zip(t.Skip(1), (a, b) => (b - a).TotalMilliseconds)).DefaultIfEmpty(double.NaN).Min();
            Console.WriteLine($"LookupEvents: {lookups.Count} account-regions, closest two requests to one account-region {minGap:F0} ms apart");
        }

        var baseline = BaselineLoader.Load(Path.Combine(FindRepository(), "demo", "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var asOf = anchor.AddMinutes(1);
        var expected = ScanCommand.Scan(org.HandMadeSnapshot, baseline, catalogue, asOf, "hand-made").Findings.Select(f => $"{f.RuleId} {f.Fingerprint}").Order(StringComparer.Ordinal).ToList();
        var actual = ScanCommand.Scan(snapshot, baseline, catalogue, asOf, "collected").Findings.Select(f => $"{f.RuleId} {f.Fingerprint}").Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"findings: hand-made {expected.Count}, collected {actual.Count}, identical: {expected.SequenceEqual(actual)}");
        Directory.Delete(work, recursive: true);
        return process.ExitCode == 0 && (s3 || expected.SequenceEqual(actual)) ? 0 : 1;
    }

    private static long HighWaterMarkKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DriftSentinel.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository");
    }
}
