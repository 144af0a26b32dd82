using System.Diagnostics;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Worker;

namespace DriftSentinel.Bench;

/// <summary>
/// Collects a fake Azure tenant (the demo's two subscriptions plus generated ones, served over HTTPS by WireMock in
/// this process, every first call of each kind answered 429 with Retry-After: 1), then scans the collected and the
/// hand-made snapshot. The peak working set includes the fake server: both run in this process.
/// </summary>
internal static class LiveAzureBench
{
    public static int Run(int subscriptions)
    {
        var work = Path.Combine(Path.GetTempPath(), "ds-bench-azure-" + Guid.NewGuid().ToString("N")[..8]);
        var asOf = DateTimeOffset.Parse("2026-11-20T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var repository = FindRepository();
        using var tenant = new AzureTenantHarness(work, Path.Combine(repository, "demo", "snapshot"), subscriptions, asOf);
        tenant.Server.TooManyRequestsFirst = 1;
        tenant.Server.PageSize = 100;
        var options = tenant.Options();
        options.Retry.Delay = TimeSpan.FromSeconds(0.8);
        options.SignIns.RequestsPer10Seconds = 4;

        var stopwatch = Stopwatch.StartNew();
        var (snapshot, coverage, _, metrics) = tenant.Collect(options);
        stopwatch.Stop();
        using var process = Process.GetCurrentProcess();
        var requests = tenant.Server.Requests.ToList();
        Console.WriteLine($"{subscriptions} subscriptions + sign-ins: wall {stopwatch.Elapsed.TotalSeconds:F1} s, {requests.Count} requests ({requests.Count(r => r.Status == 429)} answered 429, all retried), {coverage.Count(c => c.Status != Core.Model.CoverageStatus.Read)} gaps, peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB (scanner and fake)");
        Console.WriteLine($"metrics: {metrics}");
        var baseline = BaselineLoader.Load(Path.Combine(repository, "demo", "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var expected = ScanCommand.Scan(tenant.HandMadeSnapshot, baseline, catalogue, asOf, "hand-made").Findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal).ToList();
        var actual = ScanCommand.Scan(snapshot, baseline, catalogue, asOf, "collected").Findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"findings: hand-made {expected.Count}, collected {actual.Count}, identical: {expected.SequenceEqual(actual)}");
        Directory.Delete(work, recursive: true);
        return expected.SequenceEqual(actual) ? 0 : 1;
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
