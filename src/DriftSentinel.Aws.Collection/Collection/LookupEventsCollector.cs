using System.Text.Json;
using DriftSentinel.Aws.Collection.CloudTrail;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws.Collection.Collection;

/// <summary>
/// Reads management events of one account and region through LookupEvents, window by window from the watermark
/// (less the overlap) to the collection time, and writes them as `aws cloudtrail lookup-events` output.
/// </summary>
internal sealed class LookupEventsCollector(CloudTrailOptions options, CollectionMetrics metrics)
{
    public const string Source = "aws.cloudtrail.lookup-events";

    /// <returns>The new watermark, or the old one when nothing could be read.</returns>
    public async Task<SourceWatermark?> CollectAsync(ICloudTrailClient client, string account, string region, DateTimeOffset until, SourceWatermark? previous, string outputFile, CoverageLog coverage, CancellationToken ct)
    {
        var scope = $"{account}/{region}";
        var from = previous is null ? until - options.Lookback : previous.ReadUntil - options.Overlap;
        var oldest = until - TimeSpan.FromDays(90);
        if (from < oldest)
        {
            from = oldest;
        }

        var alreadySeen = new HashSet<string>(previous?.SeenEventIds ?? [], StringComparer.Ordinal);
        var seenThisRun = new List<(string Id, DateTimeOffset Time)>();
        var readUntil = previous?.ReadUntil ?? from;
        long written = 0;
        long duplicates = 0;
        var pages = 0;
        string? failure = null;

        Directory.CreateDirectory(Path.GetDirectoryName(outputFile)!);
        await using (var file = File.Create(outputFile))
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteStartArray("Events");
            try
            {
                // Start and end times are both inclusive, so an event on a window boundary comes back in both windows.
                var onBoundary = new HashSet<string>(StringComparer.Ordinal);
                for (var windowStart = from; windowStart < until; windowStart += options.LookupWindow)
                {
                    var previousBoundary = onBoundary;
                    onBoundary = new HashSet<string>(StringComparer.Ordinal);
                    var windowEnd = windowStart + options.LookupWindow < until ? windowStart + options.LookupWindow : until;
                    string? token = null;
                    do
                    {
                        var page = await client.LookupEventsAsync(new LookupEventsRequest
                        {
                            StartTime = windowStart.UtcDateTime,
                            EndTime = windowEnd.UtcDateTime,
                            MaxResults = 50,
                            NextToken = token,
                        }, ct).ConfigureAwait(false);
                        pages++;
                        foreach (var e in page.Events)
                        {
                            if (e.CloudTrailEvent is null)
                            {
                                continue;
                            }

                            var time = e.EventTime is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : windowEnd;
                            if (e.EventId is { } id)
                            {
                                if (time >= windowEnd)
                                {
                                    onBoundary.Add(id);
                                }

                                if (time <= windowStart && previousBoundary.Contains(id))
                                {
                                    continue;
                                }

                                seenThisRun.Add((id, time));
                                if (alreadySeen.Contains(id))
                                {
                                    duplicates++;
                                    continue;
                                }
                            }

                            WriteEvent(json, e);
                            written++;
                        }

                        metrics.AddEvents(page.Events.Count);
                        token = page.NextToken;
                        await json.FlushAsync(ct).ConfigureAwait(false);
                    }
                    while (!string.IsNullOrEmpty(token));

                    readUntil = windowEnd;
                }
            }
            catch (Exception e) when (e is Http.AwsServiceException or Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                failure = $"LookupEvents failed after {pages} page(s) at {readUntil:yyyy-MM-ddTHH:mm:ssZ}: {AwsErrors.Describe(e)}; the events read were kept and the next scan resumes from there";
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var window = $"{from:yyyy-MM-ddTHH:mm:ssZ} to {until:yyyy-MM-ddTHH:mm:ssZ}";
        if (failure is null)
        {
            coverage.Read(Source, scope, written, $"{window}, {pages} page(s){(duplicates > 0 ? $", {duplicates} already read in the overlap" : string.Empty)}");
        }
        else
        {
            coverage.Failed(Source, scope, written, failure);
        }

        var keepFrom = readUntil - options.Overlap;
        return new SourceWatermark
        {
            ReadUntil = readUntil,
            // Ids read earlier than that are re-listed by the next overlap only if they fall inside it, and then they are in seenThisRun.
            SeenEventIds = seenThisRun.Where(s => s.Time >= keepFrom).Select(s => s.Id).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private static void WriteEvent(Utf8JsonWriter json, LookupEvent e)
    {
        json.WriteStartObject();
        WriteIfSet(json, "EventId", e.EventId);
        WriteIfSet(json, "EventName", e.EventName);
        if (e.EventTime is { } t)
        {
            json.WriteString("EventTime", new DateTimeOffset(t, TimeSpan.Zero));
        }

        WriteIfSet(json, "EventSource", e.EventSource);
        WriteIfSet(json, "Username", e.Username);
        json.WriteString("CloudTrailEvent", e.CloudTrailEvent);
        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
