using System.Text.RegularExpressions;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Collection;

public sealed class AwsOrganizationCollectionTests
{
    private static readonly DateTimeOffset DemoAsOf = DateTimeOffset.Parse("2026-11-20T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static string DemoSnapshot => Path.Combine(TestPaths.RepositoryRoot, "demo", "snapshot");

    [Fact]
    public void Collects_twenty_accounts_in_two_regions_through_throttling_and_scans_to_the_hand_made_snapshots_findings()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 20, DemoAsOf);
        org.Server.ThrottleFirstCalls = 1; // every operation is throttled once per account and region, then succeeds

        var (snapshot, coverage, _, metrics) = org.Collect(org.Options());

        Assert.DoesNotContain(coverage, c => c.Status != CoverageStatus.Read);
        Assert.Equal(20, coverage.Count(c => c.Source == "aws.iam.get-account-authorization-details"));
        Assert.Equal(40, coverage.Count(c => c.Source == "aws.cloudtrail.lookup-events"));
        // Authorization details and credential report per account, LookupEvents per account and region, AssumeRole once.
        Assert.Equal((20 * 2) + 40 + 1, metrics.Throttles);
        Assert.DoesNotContain(org.Server.Requests, r => r.Status == 403);
        Assert.Equal(20, org.Server.Requests.Count(r => r.Operation == "AssumeRole" && r.Status == 200)); // one session per account, reused

        var baseline = BaselineLoader.Load(Path.Combine(TestPaths.RepositoryRoot, "demo", "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var expected = ScanCommand.Scan(org.HandMadeSnapshot, baseline, catalogue, DemoAsOf, "hand-made");
        var actual = ScanCommand.Scan(snapshot, baseline, catalogue, DemoAsOf, "collected");
        Assert.NotEmpty(expected.Active);
        Assert.Equal(
            // Less DS-LOG-002 on the hand-made trail's deliberately altered and deleted files: the fake serves the logs as
            // they are now, and collection does not fetch CloudTrail's digests yet (issue 16's next step).
            expected.Findings.Where(f => f.RuleId != "DS-LOG-002").Select(f => $"{f.RuleId} {f.Fingerprint} {f.Title}").Order(StringComparer.Ordinal),
            actual.Findings.Select(f => $"{f.RuleId} {f.Fingerprint} {f.Title}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Never_sends_more_than_one_lookup_events_request_per_second_per_account_and_region()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 6, DemoAsOf, eventsPerRegion: 120);
        org.Server.ThrottleFirstCalls = 1;
        org.Server.ThrottledOperations.Add("LookupEvents");

        org.Collect(org.Options());

        // The times WireMock logged, grouped by the account (from the session key) and region (from the SigV4 scope).
        var lookups = org.Server.Server.LogEntries
            .Where(e => e.RequestMessage.Headers!.TryGetValue("X-Amz-Target", out var t) && t[0].EndsWith("LookupEvents", StringComparison.Ordinal))
            .Select(e => (Scope: Regex.Match(e.RequestMessage.Headers!["Authorization"][0], "Credential=(\\w+)/\\d+/([a-z0-9-]+)/").Groups.Values.Skip(1).Select(g => g.Value).Aggregate((a, b) => a + "/" + b), e.RequestMessage.DateTime))
            .GroupBy(e => e.Scope[4..16] + e.Scope[20..])
            .ToList();
        Assert.Equal(12, lookups.Count);
        foreach (var scope in lookups)
        {
            var times = scope.Select(e => e.DateTime).Order().ToList();
            Assert.True(times.Count >= (scope.Key.StartsWith("21", StringComparison.Ordinal) ? 4 : 2), $"{scope.Key}: {times.Count} requests");
            var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
            Assert.True(gaps.Min() >= 950, $"{scope.Key}: requests {gaps.Min():F0} ms apart");
        }
    }

    [Fact]
    public void Signs_every_request_with_the_service_and_region_it_calls()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 3, DemoAsOf);
        var options = org.Options();
        options.Regions = [];
        options.DiscoverAccounts = true;
        options.Accounts = [];

        org.Collect(options);

        var expected = new Dictionary<string, string>
        {
            ["AssumeRole"] = "us-east-1/sts",
            ["ListAccounts"] = "us-east-1/organizations",
            ["GetAccountAuthorizationDetails"] = "us-east-1/iam",
            ["GetCredentialReport"] = "us-east-1/iam",
            ["DescribeRegions"] = "us-east-1/ec2",
        };
        Assert.All(org.Server.Requests, r =>
        {
            Assert.Equal(200, r.Status);
            var m = Regex.Match(r.Authorization, "^AWS4-HMAC-SHA256 Credential=\\w{20}/\\d{8}/(?<scope>[a-z0-9-]+/[a-z0-9]+)/aws4_request, ?SignedHeaders=(?<signed>[a-z0-9;-]+), ?Signature=[0-9a-f]{64}$");
            Assert.True(m.Success, r.Authorization);
            if (expected.TryGetValue(r.Operation, out var scope))
            {
                Assert.Equal(scope, m.Groups["scope"].Value);
            }
            else if (r.Operation == "LookupEvents")
            {
                Assert.Equal($"{r.Region}/cloudtrail", m.Groups["scope"].Value);
            }

            var signed = m.Groups["signed"].Value.Split(';');
            Assert.Contains("host", signed);
            Assert.Contains("x-amz-date", signed);
            if (r.Operation is not ("AssumeRole" or "ListAccounts"))
            {
                Assert.Contains("x-amz-security-token", signed);
            }

            if (r.Operation == "LookupEvents")
            {
                Assert.Contains("x-amz-target", signed);
            }
        });
        Assert.Contains(org.Server.Requests, r => r.Operation == "LookupEvents" && r.Region == "eu-west-1");
    }
}
