using System.Text.Json;
using DriftSentinel.Aws.Collection.CloudTrail;
using DriftSentinel.Aws.Collection.Collection;
using DriftSentinel.Aws.Collection.Http;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Collection;

public sealed class LookupEventsCollectorTests
{
    private static readonly DateTimeOffset Until = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_event_on_a_window_boundary_is_written_once()
    {
        var options = new CloudTrailOptions { Lookback = TimeSpan.FromHours(3), LookupWindow = TimeSpan.FromHours(1) };
        var boundary = Until.AddHours(-2); // the end of the first window and the start of the second
        var client = new WindowedCloudTrail([Event("on-boundary", boundary), Event("inside", Until.AddMinutes(-30))]);
        using var temp = new TempFolder();
        var output = Path.Combine(temp.Path, "us-east-1.json");
        var coverage = new CoverageLog();

        var mark = await new LookupEventsCollector(options, new CollectionMetrics()).CollectAsync(client, "111122223333", "us-east-1", Until, null, output, coverage, CancellationToken.None);

        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal(["inside", "on-boundary"], doc.RootElement.GetProperty("Events").EnumerateArray().Select(e => e.GetProperty("EventId").GetString()).Order());
        Assert.Equal(3, client.Requests.Count);
        Assert.Equal(Until, mark!.ReadUntil);
        Assert.Equal(2, Assert.Single(coverage.Entries).Items);
    }

    [Fact]
    public async Task A_failure_part_way_keeps_the_events_read_and_resumes_from_the_last_whole_window()
    {
        var options = new CloudTrailOptions { Lookback = TimeSpan.FromHours(3), LookupWindow = TimeSpan.FromHours(1) };
        var client = new WindowedCloudTrail([Event("early", Until.AddMinutes(-170)), Event("late", Until.AddMinutes(-10))]) { FailFromRequest = 3 };
        using var temp = new TempFolder();
        var coverage = new CoverageLog();

        var mark = await new LookupEventsCollector(options, new CollectionMetrics()).CollectAsync(client, "111122223333", "eu-west-1", Until, null, Path.Combine(temp.Path, "eu-west-1.json"), coverage, CancellationToken.None);

        var entry = Assert.Single(coverage.Entries);
        Assert.Equal(CoverageStatus.Partial, entry.Status);
        Assert.Contains("AccessDenied", entry.Detail, StringComparison.Ordinal);
        Assert.Equal(Until.AddHours(-1), mark!.ReadUntil);
    }

    private static LookupEvent Event(string id, DateTimeOffset time) => new()
    {
        EventId = id,
        EventName = "ConsoleLogin",
        EventTime = time.UtcDateTime,
        CloudTrailEvent = $$"""{"eventID":"{{id}}","eventTime":"{{time:yyyy-MM-ddTHH:mm:ssZ}}","eventName":"ConsoleLogin"}""",
    };

    /// <summary>Answers like LookupEvents: the events between StartTime and EndTime, both inclusive.</summary>
    private sealed class WindowedCloudTrail(IReadOnlyList<LookupEvent> events) : ICloudTrailClient
    {
        public List<LookupEventsRequest> Requests { get; } = [];

        public int FailFromRequest { get; init; } = int.MaxValue;

        public Task<LookupEventsResponse> LookupEventsAsync(LookupEventsRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            if (Requests.Count >= FailFromRequest)
            {
                throw new AwsServiceException("cloudtrail", "AccessDeniedException", System.Net.HttpStatusCode.BadRequest, "AccessDenied: the role lost cloudtrail:LookupEvents");
            }

            var page = new LookupEventsResponse();
            page.Events.AddRange(events.Where(e => e.EventTime >= request.StartTime && e.EventTime <= request.EndTime));
            return Task.FromResult(page);
        }
    }
}
