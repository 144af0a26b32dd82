using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Worker;

namespace DriftSentinel.Bench;

/// <summary>
/// Live CI collection at organization scale: the demo's GitHub repository, GitLab project and Azure DevOps project
/// each copied N times (a hand-made snapshot of N repositories/projects per provider, every copy declared production),
/// served by the WireMock fakes with small pages and a few rate limits; `snapshot` collects all three twice (the
/// second run incremental, with conditional requests), and the collected and hand-made snapshots are scanned.
/// </summary>
internal static class PipelineCollectionBench
{
    private const string Token = "bench-ci-token";

    public static int Run(int perProvider)
    {
        var work = Path.Combine(Path.GetTempPath(), "ds-bench-ci-" + Guid.NewGuid().ToString("N")[..8]);
        var asOf = DateTimeOffset.Parse("2026-11-20T12:00:00Z", CultureInfo.InvariantCulture);
        var demo = DemoLocator.Find();
        var handMade = Path.Combine(work, "hand-made");
        var names = Enumerable.Range(1, perProvider).Select(i => i.ToString("D2", CultureInfo.InvariantCulture)).ToList();
        Copy(Path.Combine(demo, "snapshot", "github", "example"), Path.Combine(handMade, "github", "example"), "payments", names, _ => { });
        Copy(Path.Combine(demo, "snapshot", "gitlab"), Path.Combine(handMade, "gitlab"), Path.Combine("example", "platform", "api"), names, (folder, n) =>
        {
            var file = Path.Combine(folder, "project.json");
            var project = JsonNode.Parse(File.ReadAllText(file))!;
            project["id"] = 1000 + int.Parse(n, CultureInfo.InvariantCulture);
            project["path_with_namespace"] = $"example/platform/api-{n}";
            File.WriteAllText(file, project.ToJsonString());
        });
        Copy(Path.Combine(demo, "snapshot", "azure-devops", "example-org"), Path.Combine(handMade, "azure-devops", "example-org"), "billing", names, _ => { });
        var baselineText = File.ReadAllText(Path.Combine(demo, "baseline.yaml"));
        foreach (var env in new[] { "production", "staging" })
        {
            var added = string.Join(", ", names.SelectMany(n => new[] { $"\"github:example/payments-{n}:{env}\"", $"\"gitlab:example/platform/api-{n}:{env}\"", $"\"azure-devops:example-org/billing-{n}:{env}\"" }));
            baselineText = baselineText.Replace($"deploy_targets: [\"gitlab:example/platform/api:{env}\"", $"deploy_targets: [{added}, \"gitlab:example/platform/api:{env}\"", StringComparison.Ordinal);
        }

        File.WriteAllText(Path.Combine(work, "baseline.yaml"), baselineText);
        Environment.SetEnvironmentVariable("DS_BENCH_CI_TOKEN", Token);
        using var github = new FakeGitHubActions(handMade, Token, pageSize: 2) { RateLimited = 3, Now = () => asOf };
        using var gitlab = new FakeGitLab(handMade, Token, pageSize: 2) { RateLimited = 3 };
        using var ado = new FakeAzureDevOps(handMade, Token, pageSize: 2) { RateLimited = 3, Delayed = 3 };
        var config = Path.Combine(work, "driftsentinel.json");
        File.WriteAllText(config, $$"""
            { "DriftSentinel": { "StateDirectory": "state",
              "GitHub": { "ApiUrl": "{{github.Url}}", "TokenVariable": "DS_BENCH_CI_TOKEN", "Organizations": ["example"] },
              "GitLab": { "ApiUrl": "{{gitlab.ApiUrl}}", "TokenVariable": "DS_BENCH_CI_TOKEN", "Groups": ["example"] },
              "AzureDevOps": { "ApiUrl": "{{ado.Url}}", "Organization": "example-org", "Projects": ["billing", {{string.Join(", ", names.Select(n => $"\"billing-{n}\""))}}], "TokenVariable": "DS_BENCH_CI_TOKEN" } } }
            """);

        var baseline = BaselineLoader.Load(Path.Combine(work, "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var expected = Fingerprints(handMade, baseline, catalogue, asOf);
        var ok = true;
        foreach (var run in new[] { "first", "second" })
        {
            var before = (github.Requests.Count, gitlab.Requests.Count, ado.Requests.Count, github.NotModified + gitlab.NotModified + ado.NotModified);
            var stopwatch = Stopwatch.StartNew();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = DriftSentinel.Worker.Program.Run(["snapshot", "--config", config, "--out", Path.Combine(work, run)], stdout, stderr, new FixedBenchClock(asOf));
            stopwatch.Stop();
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(work, run, "collection.json")))!;
            var actual = Fingerprints(Path.Combine(work, run), baseline, catalogue, asOf);
            using var process = Process.GetCurrentProcess();
            Console.WriteLine($"{run} run ({perProvider} repositories/projects per provider): exit {exit}, wall {stopwatch.Elapsed.TotalSeconds:F1} s, " +
                $"requests GitHub {github.Requests.Count - before.Item1}, GitLab {gitlab.Requests.Count - before.Item2}, Azure DevOps {ado.Requests.Count - before.Item3}; " +
                $"304 answers {github.NotModified + gitlab.NotModified + ado.NotModified - before.Item4}; throttles waited out {manifest["metrics"]?["throttles"]} ({manifest["metrics"]?["waited_ms"]} ms); " +
                $"peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB (collector, fakes and scans in one process)");
            Console.WriteLine($"  findings: hand-made {expected.Count}, collected {actual.Count}, identical: {expected.SequenceEqual(actual)}");
            ok &= exit == 0 && expected.SequenceEqual(actual);
            if (exit != 0)
            {
                Console.WriteLine(stderr.ToString());
            }
        }

        Environment.SetEnvironmentVariable("DS_BENCH_CI_TOKEN", null);
        Directory.Delete(work, recursive: true);
        return ok ? 0 : 1;
    }

    private static List<string> Fingerprints(string snapshot, OrganizationBaseline baseline, RuleCatalogue catalogue, DateTimeOffset asOf) =>
        [.. ScanCommand.Scan(snapshot, baseline, catalogue, asOf, "bench").Findings.Where(f => f.Cloud is Core.Model.Cloud.GitHub or Core.Model.Cloud.GitLab or Core.Model.Cloud.AzureDevOps)
            .Select(f => $"{f.RuleId} {f.Fingerprint}").Order(StringComparer.Ordinal)];

    /// <summary>Copies the provider folder and then the one project N times as NAME-nn beside it.</summary>
    private static void Copy(string from, string to, string project, IReadOnlyList<string> names, Action<string, string> adjust)
    {
        CopyTree(from, to);
        foreach (var n in names)
        {
            var copy = Path.Combine(to, project + "-" + n);
            CopyTree(Path.Combine(from, project), copy);
            adjust(copy, n);
        }
    }

    private static void Copy(string from, string to, string project, IReadOnlyList<string> names, Action<string> adjust) =>
        Copy(from, to, project, names, (folder, _) => adjust(folder));

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>The scan's as-of as the collectors' clock (the fakes' data is dated around it).</summary>
    private sealed class FixedBenchClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
