using System.Text.Json;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Collection;

public sealed class AzureTenantCollectionTests
{
    private static readonly DateTimeOffset DemoAsOf = DateTimeOffset.Parse("2026-11-20T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static string DemoSnapshot => Path.Combine(TestPaths.RepositoryRoot, "demo", "snapshot");

    [Fact]
    public void Collects_ten_subscriptions_through_429s_and_scans_to_the_hand_made_snapshots_findings()
    {
        using var temp = new TempFolder();
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 10, DemoAsOf);
        tenant.Server.TooManyRequestsFirst = 1; // the first call of every kind answers 429 with Retry-After: 1

        var (snapshot, coverage, _, metrics) = tenant.Collect(tenant.Options());

        Assert.DoesNotContain(coverage, c => c.Status != CoverageStatus.Read);
        Assert.Equal(10, coverage.Count(c => c.Source == "azure.arm.role-assignments"));
        Assert.Equal(10, coverage.Count(c => c.Source == "azure.arm.activity-log"));
        Assert.Contains(coverage, c => c.Source == "entra.graph.sign-ins" && c.Items == 5 && c.Detail!.Contains("3 page(s)", StringComparison.Ordinal));
        Assert.True(metrics.Throttles >= 8, $"429s absorbed: {metrics.Throttles}");
        Assert.DoesNotContain(tenant.Server.Requests, r => r.Status is 401 or 403);

        var baseline = BaselineLoader.Load(Path.Combine(TestPaths.RepositoryRoot, "demo", "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var expected = ScanCommand.Scan(tenant.HandMadeSnapshot, baseline, catalogue, DemoAsOf, "hand-made");
        var actual = ScanCommand.Scan(snapshot, baseline, catalogue, DemoAsOf, "collected");
        Assert.NotEmpty(expected.Active);
        Assert.Equal(
            expected.Findings.Select(f => $"{f.RuleId} {f.Fingerprint} {f.Title}").Order(StringComparer.Ordinal),
            actual.Findings.Select(f => $"{f.RuleId} {f.Fingerprint} {f.Title}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Honours_retry_after_on_429()
    {
        using var temp = new TempFolder();
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 2, DemoAsOf);
        tenant.Server.TooManyRequestsFirst = 1;
        var options = tenant.Options();
        options.Subscriptions = ["00000000-0000-0000-0000-00000000a001"];
        options.SignIns.Enabled = false;

        tenant.Collect(options);

        var calls = tenant.Server.Requests.Where(r => r.Path.EndsWith("/roleDefinitions", StringComparison.Ordinal)).OrderBy(r => r.ReceivedAt).ToList();
        Assert.Equal([429, 200], calls.Select(c => c.Status));
        Assert.True((calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds >= 950, $"retried after {(calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void A_forbidden_subscription_and_a_tenant_without_p1_are_gaps_and_the_rest_is_collected()
    {
        using var temp = new TempFolder();
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 4, DemoAsOf);
        tenant.Server.ForbiddenSubscriptions.Add("00000000-0000-0000-0000-00000000b002");
        tenant.Server.TenantHasP1 = false;

        var (snapshot, coverage, _, _) = tenant.Collect(tenant.Options());

        var forbidden = Assert.Single(coverage, c => c.Scope == "00000000-0000-0000-0000-00000000b002");
        Assert.Equal(CoverageStatus.Failed, forbidden.Status);
        Assert.Contains("AuthorizationFailed (HTTP 403)", forbidden.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(snapshot, "azure", "00000000-0000-0000-0000-00000000b002")));
        var signIns = Assert.Single(coverage, c => c.Source == "entra.graph.sign-ins");
        Assert.Equal(CoverageStatus.Failed, signIns.Status);
        Assert.Contains("no Entra ID P1 licence", signIns.Detail, StringComparison.Ordinal);
        Assert.Equal(3, coverage.Count(c => c.Source == "azure.arm.role-assignments" && c.Status == CoverageStatus.Read));
        Assert.True(File.Exists(Path.Combine(snapshot, "azure", "00000000-0000-0000-0000-00000000a001", "activity-log.json")));
    }

    [Fact]
    public void Reads_sign_in_logs_no_faster_than_graph_allows()
    {
        using var temp = new TempFolder();
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 2, DemoAsOf);
        tenant.Server.PageSize = 1;
        var options = tenant.Options();
        options.Subscriptions = ["00000000-0000-0000-0000-00000000a001"];

        tenant.Collect(options);

        var times = tenant.Server.Requests.Where(r => r.Path == "/v1.0/auditLogs/signIns").Select(r => r.ReceivedAt).Order().ToList();
        Assert.Equal(5, times.Count);
        for (var i = 0; i + 5 < times.Count + 1; i++)
        {
            // Never more than 5 requests in any 10 seconds (here spaced at 10/5 s plus the margin).
            Assert.True(i + 1 >= times.Count || (times[i + 1] - times[i]).TotalMilliseconds >= 1950);
        }
    }

    [Fact]
    public void The_next_scan_reads_only_activity_log_events_it_has_not_read()
    {
        using var temp = new TempFolder();
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 3, DemoAsOf);
        var options = tenant.Options();
        options.Subscriptions = ["00000000-0000-0000-0000-0000000c0002"];
        options.SignIns.Enabled = false;

        var first = tenant.Collect(options);
        Assert.Equal(7, first.Coverage.Single(c => c.Source == "azure.arm.activity-log").Items);

        tenant.Clock.Advance(TimeSpan.FromHours(1));
        var second = tenant.Collect(options, first.Watermarks);

        var entry = second.Coverage.Single(c => c.Source == "azure.arm.activity-log");
        Assert.Equal(0, entry.Items);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(second.Snapshot, "azure", "00000000-0000-0000-0000-0000000c0002", "activity-log.json")));
        Assert.Empty(doc.RootElement.GetProperty("value").EnumerateArray());
        Assert.True(second.Watermarks.Sources[AzureWatermarkKey("00000000-0000-0000-0000-0000000c0002")].ReadUntil > first.Watermarks.Sources[AzureWatermarkKey("00000000-0000-0000-0000-0000000c0002")].ReadUntil);
    }

    private static string AzureWatermarkKey(string subscription) => DriftSentinel.Azure.Collection.AzureCollector.ActivityKey(subscription);
}
