using Amazon.Runtime;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Aws.Collection.Sessions;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.FakeAws;

/// <summary>A clock that runs in real time from a chosen instant, and can be moved forward (the next night's scan).</summary>
public sealed class ShiftedClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _origin = System.GetTimestamp();
    private long _advancedTicks;

    public override DateTimeOffset GetUtcNow() => start + System.GetElapsedTime(_origin) + TimeSpan.FromTicks(Interlocked.Read(ref _advancedTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _advancedTicks, by.Ticks);
}

/// <summary>A fake organization built from a hand-made snapshot, and a collector pointed at it.</summary>
public sealed class LiveCollectionHarness : IDisposable
{
    public LiveCollectionHarness(string workFolder, string demoSnapshot, int accounts, DateTimeOffset anchor, int eventsPerRegion = 60)
    {
        WorkFolder = workFolder;
        HandMadeSnapshot = Path.Combine(workFolder, "hand-made");
        AccountIds = OrganizationSnapshotBuilder.Write(HandMadeSnapshot, demoSnapshot, accounts, ["us-east-1", "eu-west-1"], anchor, eventsPerRegion);
        Clock = new ShiftedClock(anchor);
        Data = FakeOrganizationData.FromSnapshot(HandMadeSnapshot);
        Server = new FakeAwsServer(Data, Clock.GetUtcNow);
    }

    public string WorkFolder { get; }
    public string HandMadeSnapshot { get; }
    public IReadOnlyList<string> AccountIds { get; }
    public ShiftedClock Clock { get; }
    public FakeOrganizationData Data { get; }
    public FakeAwsServer Server { get; }

    public static AWSCredentials BaseCredentials => new BasicAWSCredentials(FakeAwsServer.BaseAccessKey, FakeAwsServer.BaseSecretKey);

    /// <summary>Options that read every account of the fake through LookupEvents, with short waits.</summary>
    public AwsCollectionOptions Options() => new()
    {
        Accounts = [.. AccountIds],
        ExternalId = "drift-sentinel-test",
        Regions = ["us-east-1", "eu-west-1"],
        MaxParallelAccounts = 10,
        CloudTrail = new CloudTrailOptions { Lookback = TimeSpan.FromDays(6), LookupWindow = TimeSpan.FromDays(6) },
        CredentialReport = new CredentialReportOptions { PollInterval = TimeSpan.FromMilliseconds(50), MaxWait = TimeSpan.FromSeconds(3) },
        Retry = new RetrySettings { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
        RequestTimeout = TimeSpan.FromSeconds(10),
        Endpoints = new EndpointOptions { Sts = Server.Url, Iam = Server.Url, Ec2 = Server.Url, CloudTrail = Server.Url, Organizations = Server.Url, S3 = Server.Url },
    };

    /// <summary>Collects into a new folder under the work folder and returns it with the coverage and the new watermarks.</summary>
    public (string Snapshot, IReadOnlyList<CoverageEntry> Coverage, WatermarkState Watermarks, CollectionMetrics Metrics) Collect(AwsCollectionOptions options, WatermarkState? previous = null, string? name = null)
    {
        var snapshot = Path.Combine(WorkFolder, name ?? "collected-" + Guid.NewGuid().ToString("N")[..8]);
        var metrics = new CollectionMetrics();
        var coverage = new CoverageLog();
        using var clients = new AwsClients(options, BaseCredentials, new AwsRetryPolicy(options.Retry, metrics, Clock), Clock);
        using var collector = new AwsCollector(options, clients, metrics, Clock);
        var result = collector.CollectAsync(snapshot, previous ?? new WatermarkState(), coverage, CancellationToken.None).GetAwaiter().GetResult();
        new CollectionManifest { StartedAt = Clock.GetUtcNow(), FinishedAt = Clock.GetUtcNow(), Coverage = coverage.Entries }.Write(snapshot);
        return (snapshot, coverage.Entries, result.Watermarks, metrics);
    }

    public void Dispose() => Server.Dispose();
}
