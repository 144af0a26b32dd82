using System.Text.Json;
using System.Text.Json.Serialization;
using DriftSentinel.Aws.Collection.Http;

namespace DriftSentinel.Aws.Collection.CloudTrail;

/// <summary>LookupEvents request, as AWSSDK.CloudTrail shapes it (times are sent as epoch seconds).</summary>
internal sealed class LookupEventsRequest
{
    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTime? StartTime { get; set; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTime? EndTime { get; set; }

    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
}

/// <summary>One page of LookupEvents: each event carries the full record as the CloudTrailEvent JSON string.</summary>
internal sealed class LookupEventsResponse
{
    public List<LookupEvent> Events { get; set; } = [];
    public string? NextToken { get; set; }
}

/// <summary>One event of a LookupEvents page.</summary>
internal sealed class LookupEvent
{
    public string? EventId { get; set; }
    public string? EventName { get; set; }
    public string? EventSource { get; set; }
    public DateTime? EventTime { get; set; }
    public string? Username { get; set; }
    public string? CloudTrailEvent { get; set; }
}

/// <summary>The CloudTrail calls the collector makes, shaped like AWSSDK.CloudTrail's client.</summary>
internal interface ICloudTrailClient
{
    Task<LookupEventsResponse> LookupEventsAsync(LookupEventsRequest request, CancellationToken cancellationToken);
}

/// <summary>CloudTrail over JSON 1.1 (X-Amz-Target CloudTrail_20131101.*), SigV4 service "cloudtrail".</summary>
internal sealed class CloudTrailJsonClient(AwsHttpClient http, ServiceTarget target) : ICloudTrailClient
{
    private const string LookupEventsTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";

    public async Task<LookupEventsResponse> LookupEventsAsync(LookupEventsRequest request, CancellationToken cancellationToken)
    {
        using var doc = await http.JsonAsync(target, LookupEventsTarget, request, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var response = new LookupEventsResponse
        {
            NextToken = root.TryGetProperty("NextToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null,
        };
        if (root.TryGetProperty("Events", out var events) && events.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in events.EnumerateArray())
            {
                response.Events.Add(new LookupEvent
                {
                    EventId = StringOf(e, "EventId"),
                    EventName = StringOf(e, "EventName"),
                    EventSource = StringOf(e, "EventSource"),
                    EventTime = e.TryGetProperty("EventTime", out var t) && t.ValueKind == JsonValueKind.Number
                        ? DateTime.UnixEpoch.AddSeconds(t.GetDouble())
                        : null,
                    Username = StringOf(e, "Username"),
                    CloudTrailEvent = StringOf(e, "CloudTrailEvent"),
                });
            }
        }

        return response;
    }

    private static string? StringOf(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>AWS JSON protocols send timestamps as epoch seconds.</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTime?>
{
    public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? DateTime.UnixEpoch.AddSeconds(reader.GetDouble()) : null;

    public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v)
        {
            writer.WriteNumberValue((long)(v.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
