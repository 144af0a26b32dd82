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

        // The hand-made Activity Log reaches back 100 days (a diagnostic-settings archive); live collection reads at most
        // the service's 90-day retention, so it cannot show 90 days without use: that Owner is "unknown", not stale.
        static bool NeedsLongEvidence(DriftSentinel.Core.Findings.Finding f) => f.RuleId == "DS-PRIV-001" && f.Cloud == Cloud.Azure;
        Assert.Contains(expected.Findings, NeedsLongEvidence);
        Assert.DoesNotContain(actual.Findings, NeedsLongEvidence);
        Assert.Equal(
            expected.Findings.Where(f => !NeedsLongEvidence(f)).Select(f => $"{f.RuleId} {f.Fingerprint} {f.Title}").Order(StringComparer.Ordinal),
            actual.Findings.Select(f => $"{f.RuleId} {f.Fingerprint} {f.Title}").Order(StringComparer.Ordinal));

        // Service-principal sign-ins and federated credentials are collected too: the deployer's Azure change is tied to
        // its run by the token that made it, as in the hand-made snapshot.
        static string Change(DriftSentinel.Core.Rules.ProductionChange c) => $"{c.Time:O} {c.Principal} {c.Classification} {c.Link}";
        var handMadeChanges = expected.ProductionChanges.Where(c => c.Cloud == Cloud.Azure).Select(Change).ToList();
        Assert.Contains(handMadeChanges, c => c.EndsWith(" session", StringComparison.Ordinal));
        Assert.Equal(handMadeChanges, actual.ProductionChanges.Where(c => c.Cloud == Cloud.Azure).Select(Change));
        Assert.Contains(coverage, c => c.Source == "entra.graph.federated-credentials" && c.Items == 1);
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
    public void Pauses_when_arm_says_few_reads_remain()
    {
        using var temp = new TempFolder();
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 2, DemoAsOf);
        tenant.Server.RemainingReads = 10;
        var options = tenant.Options();
        options.Subscriptions = ["00000000-0000-0000-0000-00000000a001"];
        options.SignIns.Enabled = false;
        options.ArmLowWaterPause = TimeSpan.FromMilliseconds(300);

        var (_, coverage, _, metrics) = tenant.Collect(options);

        Assert.DoesNotContain(coverage, c => c.Status != CoverageStatus.Read);
        var arm = tenant.Server.Requests.Where(r => r.Api == "arm").Select(r => r.ReceivedAt).Order().ToList();
        Assert.True(arm.Count >= 6);
        Assert.All(arm.Zip(arm.Skip(1), (a, b) => (b - a).TotalMilliseconds), gap => Assert.True(gap >= 280, $"{gap:F0} ms"));
        Assert.True(metrics.Waited >= TimeSpan.FromMilliseconds(300 * (arm.Count - 1)));
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

        var times = tenant.Server.Requests.Where(r => r.Path == "/beta/auditLogs/signIns").Select(r => r.ReceivedAt).Order().ToList();
        Assert.Equal(6, times.Count); // five pages of user sign-ins, one of service-principal sign-ins, all under the same gate
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

    [Fact]
    public void Real_arm_role_assignments_and_pim_examples_give_the_same_access_review_collected_or_exported()
    {
        using var temp = new TempFolder();
        const string Subscription = "ea42f556-5106-4743-99b0-c129bfa71a47"; // the subscription of Cloud Custodian's recorded responses
        var handMade = Path.Combine(temp.Path, "public-hand-made");
        var folder = Directory.CreateDirectory(Path.Combine(handMade, "azure", Subscription)).FullName;
        File.Copy(TestPaths.Public("custodian-role-assignments.json"), Path.Combine(folder, "role-assignments.json"));
        File.Copy(TestPaths.Public("custodian-role-definitions.json"), Path.Combine(folder, "role-definitions.json"));
        File.Copy(TestPaths.Public("pim-GetRoleAssignmentScheduleInstancesByScope.json"), Path.Combine(folder, "role-assignment-schedule-instances.json"));
        File.Copy(TestPaths.Public("pim-GetRoleEligibilityScheduleInstancesByScope.json"), Path.Combine(folder, "role-eligibility-schedule-instances.json"));
        File.WriteAllText(Path.Combine(folder, "activity-log.json"), "[]");
        using var server = new FakeAzureServer(handMade) { PageSize = 10 };
        using var tenant = new AzureTenantHarness(temp.Path, DemoSnapshot, subscriptions: 2, DemoAsOf);
        var options = tenant.Options();
        options.Subscriptions = [Subscription];
        options.SignIns.Enabled = false;
        options.Endpoints = new DriftSentinel.Azure.Collection.AzureEndpointOptions { ResourceManager = server.Url, Graph = server.Url };

        var collected = CollectFrom(server, tenant, options);

        var assignments = collected.Coverage.Single(c => c.Source == "azure.arm.role-assignments");
        Assert.Equal(74, assignments.Items);
        Assert.Contains("8 page(s)", assignments.Detail, StringComparison.Ordinal);
        var baseline = BaselineLoader.Load(Path.Combine(TestPaths.RepositoryRoot, "demo", "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        static IEnumerable<string> Rows(ScanResultView r) => r.Entitlements.Select(e => $"{e.PrincipalId} {e.Name} {e.Scope} {e.Privileged}").Order(StringComparer.Ordinal);
        var expected = new ScanResultView(ScanCommand.Scan(handMade, baseline, catalogue, DemoAsOf, "exported").Entitlements.Where(e => e.Cloud == Cloud.Azure).ToList());
        var actual = new ScanResultView(ScanCommand.Scan(collected.Snapshot, baseline, catalogue, DemoAsOf, "collected").Entitlements.Where(e => e.Cloud == Cloud.Azure).ToList());
        Assert.True(expected.Entitlements.Count >= 74, $"{expected.Entitlements.Count} entitlements");
        Assert.Equal(Rows(expected), Rows(actual));
    }

    private sealed record ScanResultView(IReadOnlyList<DriftSentinel.Core.Access.Entitlement> Entitlements);

    private static (string Snapshot, IReadOnlyList<CoverageEntry> Coverage) CollectFrom(FakeAzureServer server, AzureTenantHarness tenant, DriftSentinel.Azure.Collection.AzureCollectionOptions options)
    {
        var snapshot = Path.Combine(tenant.WorkFolder, "collected-public");
        var metrics = new CollectionMetrics();
        var coverage = new CoverageLog();
        var transport = new global::Azure.Core.Pipeline.HttpClientTransport(server.TrustingHandler());
        var observer = new DriftSentinel.Azure.Collection.ThrottleObserverPolicy(metrics, tenant.Clock, 0, TimeSpan.Zero, null);
        var arm = new DriftSentinel.Azure.Collection.AzureRestClient(DriftSentinel.Azure.Collection.AzureRestClient.Pipeline(tenant.Credential, "https://management.azure.com/.default", options, observer, transport), new Uri(server.Url));
        var graph = new DriftSentinel.Azure.Collection.AzureRestClient(DriftSentinel.Azure.Collection.AzureRestClient.Pipeline(tenant.Credential, "https://graph.microsoft.com/.default", options, observer, transport), new Uri(server.Url));
        new DriftSentinel.Azure.Collection.AzureCollector(options, new DriftSentinel.Azure.Collection.AzureClients(arm, graph), metrics, tenant.Clock).CollectAsync(snapshot, new WatermarkState(), coverage, CancellationToken.None).GetAwaiter().GetResult();
        return (snapshot, coverage.Entries);
    }

    private static string AzureWatermarkKey(string subscription) => DriftSentinel.Azure.Collection.AzureCollector.ActivityKey(subscription);
}
