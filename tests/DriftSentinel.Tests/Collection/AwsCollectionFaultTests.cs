using System.IO.Compression;
using System.Text.Json;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.FakeAws;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Collection;

public sealed class AwsCollectionFaultTests
{
    private static readonly DateTimeOffset DemoAsOf = DateTimeOffset.Parse("2026-11-20T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static string DemoSnapshot => Path.Combine(TestPaths.RepositoryRoot, "demo", "snapshot");

    [Theory]
    [InlineData(CredentialReportScenario.Fresh, 0)]
    [InlineData(CredentialReportScenario.NotPresent, 3)]
    [InlineData(CredentialReportScenario.Expired, 3)]
    [InlineData(CredentialReportScenario.Stale, 3)]
    public void Credential_report_is_reused_when_fresh_and_generated_and_awaited_otherwise(CredentialReportScenario scenario, int generations)
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 3, DemoAsOf);
        const string Account = "111122223333";
        org.Server.CredentialReports[Account] = scenario;
        var options = org.Options();
        options.Accounts = [Account];
        options.CloudTrail.Source = CloudTrailSource.None;

        var (snapshot, coverage, _, _) = org.Collect(options);

        var entry = Assert.Single(coverage, c => c.Source == "aws.iam.get-credential-report");
        Assert.Equal(CoverageStatus.Read, entry.Status);
        Assert.Equal(generations, org.Server.Requests.Count(r => r.Operation == "GenerateCredentialReport"));
        Assert.Equal(
            File.ReadAllText(Path.Combine(org.HandMadeSnapshot, "aws", Account, "iam", "credential-report.csv")),
            File.ReadAllText(Path.Combine(snapshot, "aws", Account, "iam", "credential-report.csv")));
        if (scenario is CredentialReportScenario.NotPresent or CredentialReportScenario.Expired)
        {
            Assert.Contains(org.Server.Requests, r => r.Operation == "GetCredentialReport" && r.Status == 404); // ReportInProgress while polling
        }
    }

    [Fact]
    public void Credential_report_that_never_completes_is_a_gap_after_the_bounded_wait()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 3, DemoAsOf);
        org.Server.CredentialReports["111122223333"] = CredentialReportScenario.NeverCompletes;
        var options = org.Options();
        options.Accounts = ["111122223333"];
        options.CloudTrail.Source = CloudTrailSource.None;
        options.CredentialReport.MaxWait = TimeSpan.FromMilliseconds(600);

        var (snapshot, coverage, _, _) = org.Collect(options);

        var entry = Assert.Single(coverage, c => c.Source == "aws.iam.get-credential-report");
        Assert.Equal(CoverageStatus.Failed, entry.Status);
        Assert.Contains("not ready within", entry.Detail, StringComparison.Ordinal);
        Assert.Contains("INPROGRESS", entry.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(snapshot, "aws", "111122223333", "iam", "credential-report.csv")));
        Assert.True(File.Exists(Path.Combine(snapshot, "aws", "111122223333", "iam", "authorization-details.json")));
    }

    [Fact]
    public void Authorization_details_follow_every_marker_and_merge_the_pages()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 3, DemoAsOf);
        org.Server.IamPageSize = 1;
        var options = org.Options();
        options.Accounts = ["111122223333"];
        options.CloudTrail.Source = CloudTrailSource.None;

        var (snapshot, coverage, _, _) = org.Collect(options);

        using var handMade = JsonDocument.Parse(File.ReadAllText(Path.Combine(org.HandMadeSnapshot, "aws", "111122223333", "iam", "authorization-details.json")));
        using var collected = JsonDocument.Parse(File.ReadAllText(Path.Combine(snapshot, "aws", "111122223333", "iam", "authorization-details.json")));
        var largest = 0;
        foreach (var list in new[] { "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies" })
        {
            var expected = handMade.RootElement.GetProperty(list).GetArrayLength();
            largest = Math.Max(largest, expected);
            Assert.Equal(expected, collected.RootElement.GetProperty(list).GetArrayLength());
        }

        Assert.Equal(largest, org.Server.Requests.Count(r => r.Operation == "GetAccountAuthorizationDetails"));
        Assert.Contains($"in {largest} page(s)", Assert.Single(coverage, c => c.Source == "aws.iam.get-account-authorization-details").Detail, StringComparison.Ordinal);

        // Policy documents come URL-encoded from the API and are written decoded, as the CLI prints them.
        var role = collected.RootElement.GetProperty("RoleDetailList")[0];
        Assert.Equal(JsonValueKind.Object, role.GetProperty("AssumeRolePolicyDocument").ValueKind);
    }

    [Fact]
    public void A_denied_account_and_a_region_that_times_out_become_gaps_and_the_rest_is_collected()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 5, DemoAsOf);
        org.Server.DeniedAccounts.Add("444455556666");
        org.Server.SlowRegions.Add("210000000000/eu-west-1");
        org.Server.SlowDelay = TimeSpan.FromSeconds(2);
        var options = org.Options();
        options.RequestTimeout = TimeSpan.FromMilliseconds(700);
        options.Retry = options.Retry with { MaxAttempts = 2 };

        var (snapshot, coverage, _, _) = org.Collect(options);

        var denied = Assert.Single(coverage, c => c.Status != CoverageStatus.Read && c.Scope == "444455556666");
        Assert.Equal("aws.sts.assume-role", denied.Source);
        Assert.Contains("AccessDenied", denied.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(snapshot, "aws", "444455556666")));

        var slow = Assert.Single(coverage, c => c.Status != CoverageStatus.Read && c.Scope == "210000000000/eu-west-1");
        Assert.Equal("aws.cloudtrail.lookup-events", slow.Source);
        Assert.Contains("timed out", slow.Detail, StringComparison.Ordinal);

        Assert.Equal(2, coverage.Count(c => c.Status != CoverageStatus.Read));
        Assert.Equal(4 + 4 + 7, coverage.Count(c => c.Status == CoverageStatus.Read)); // IAM and report for 4 accounts, 7 of 8 account-regions
        Assert.True(File.Exists(Path.Combine(snapshot, "aws", "210000000000", "cloudtrail", "lookup-events", "us-east-1.json")));
    }

    [Fact]
    public void Lookup_events_overlap_is_deduplicated_by_event_id_on_the_next_scan()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 4, DemoAsOf, eventsPerRegion: 10);
        var options = org.Options();
        options.Accounts = ["210000000000"];
        options.Regions = ["us-east-1"];
        options.CloudTrail.Overlap = TimeSpan.FromMinutes(15);

        var first = org.Collect(options);
        Assert.Equal(10, EventIds(first.Snapshot, "210000000000", "us-east-1").Count);

        // The next night: two new events, one of them delivered late (inside the overlap window).
        org.Clock.Advance(TimeSpan.FromHours(1));
        var now = org.Clock.GetUtcNow();
        var late = OrganizationSnapshotBuilder.Event("210000000000", "us-east-1", now.AddHours(-1).AddMinutes(-5), 1000);
        var fresh = OrganizationSnapshotBuilder.Event("210000000000", "us-east-1", now.AddMinutes(-10), 1001);
        org.Data.Accounts["210000000000"].Events.AddRange([late, fresh]);
        var overlapEvent = OrganizationSnapshotBuilder.Event("210000000000", "us-east-1", DemoAsOf.AddMinutes(-3), 1002);
        org.Data.Accounts["210000000000"].Events.Add(overlapEvent);
        var second = org.Collect(options, first.Watermarks);

        var ids = EventIds(second.Snapshot, "210000000000", "us-east-1");
        Assert.Equal(new[] { late.Id, fresh.Id, overlapEvent.Id }.Order(), ids.Order());
    }

    [Fact]
    public void Reads_trail_files_from_s3_and_the_next_scan_fetches_only_new_objects()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 5, DemoAsOf, eventsPerRegion: 30);
        var options = S3Options(org);

        var first = org.Collect(options);
        Assert.DoesNotContain(first.Coverage, c => c.Status != CoverageStatus.Read);
        var delivered = org.Server.DeliveredBy(org.Clock.GetUtcNow());
        Assert.Equal(delivered.Count, org.Server.ObjectGets.Count);
        Assert.Equal(delivered.Sum(d => d.Records), first.Coverage.Where(c => c.Source == "aws.s3.cloudtrail-logs").Sum(c => c.Items));

        org.Clock.Advance(TimeSpan.FromHours(2));
        var lateDelivered = org.Server.DeliveredBy(org.Clock.GetUtcNow()).Count - delivered.Count; // the last hour's files, delivered since
        var added = OrganizationSnapshotBuilder.Event("210000001001", "eu-west-1", org.Clock.GetUtcNow().AddMinutes(-30), 5000);
        org.Server.AddTrailObjects("210000001001", [added], deliveredAt: org.Clock.GetUtcNow().AddMinutes(-20));
        var getsBefore = org.Server.ObjectGets.Count;

        var second = org.Collect(options, first.Watermarks);

        Assert.Equal(1 + lateDelivered, org.Server.ObjectGets.Count - getsBefore);
        var files = Directory.EnumerateFiles(Path.Combine(second.Snapshot, "aws"), "*.json.gz", SearchOption.AllDirectories).ToList();
        Assert.Equal(1 + lateDelivered, files.Count);
        Assert.Contains(files, f => Gunzip(f).Contains(added.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void A_truncated_log_file_is_a_partial_gap_and_every_other_file_is_kept()
    {
        using var temp = new TempFolder();
        using var org = new LiveCollectionHarness(temp.Path, DemoSnapshot, accounts: 4, DemoAsOf, eventsPerRegion: 30);
        org.Server.ThrottleFirstCalls = 1;
        org.Server.ThrottledOperations.UnionWith(["GetObject", "ListObjectsV2"]);
        var victim = org.Server.ObjectKeys.First(k => k.Contains("/210000000000/CloudTrail/eu-west-1/", StringComparison.Ordinal));
        org.Server.TruncatedKeys.Add(victim);
        var options = S3Options(org);

        var (snapshot, coverage, watermarks, metrics) = org.Collect(options);

        var gap = Assert.Single(coverage, c => c.Status != CoverageStatus.Read);
        Assert.Equal(CoverageStatus.Partial, gap.Status);
        Assert.Equal("210000000000/eu-west-1", gap.Scope);
        Assert.Contains(victim, gap.Detail, StringComparison.Ordinal);
        Assert.True(metrics.Throttles > 0);
        var delivered = org.Server.DeliveredBy(org.Clock.GetUtcNow());
        var read = coverage.Where(c => c.Source == "aws.s3.cloudtrail-logs").Sum(c => c.Items);
        var lost = delivered.Single(d => d.Key == victim).Records;
        Assert.InRange(read, delivered.Sum(d => d.Records) - lost, delivered.Sum(d => d.Records) - 1);

        // The partial file is still valid JSON, so the scan reads what was before the fault.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(snapshot, "aws"), "*.json.gz", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(Gunzip(file));
            Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("Records").ValueKind);
        }

        // A corrupt object stays corrupt: the next scan does not fetch it again.
        var getsBefore = org.Server.ObjectGets.Count;
        org.Collect(options, watermarks);
        Assert.DoesNotContain(org.Server.ObjectGets.Skip(getsBefore), r => r.Path.EndsWith(victim, StringComparison.Ordinal));
    }

    private static AwsCollectionOptions S3Options(LiveCollectionHarness org)
    {
        var options = org.Options();
        options.CloudTrail.Source = CloudTrailSource.S3;
        options.CloudTrail.S3 = new TrailBucketOptions { Bucket = FakeAwsServer.Bucket, OrganizationId = FakeAwsServer.OrganizationId, Region = "us-east-1", MaxParallelDownloads = 4 };
        return options;
    }

    private static List<string> EventIds(string snapshot, string account, string region)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(snapshot, "aws", account, "cloudtrail", "lookup-events", region + ".json")));
        return doc.RootElement.GetProperty("Events").EnumerateArray().Select(e => e.GetProperty("EventId").GetString()!).ToList();
    }

    private static string Gunzip(string file)
    {
        using var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd();
    }
}
