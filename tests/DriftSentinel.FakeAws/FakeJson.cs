using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.Types;
using WireMock.Util;

namespace DriftSentinel.FakeAws;

/// <summary>A JSON answer of the ticket trackers' fakes, with the headers each service sends.</summary>
internal static class FakeJson
{
    public static ResponseMessage Response(HttpStatusCode status, JsonNode body, IEnumerable<(string Name, string Value)> headers)
    {
        var all = new Dictionary<string, WireMockList<string>>();
        foreach (var (name, value) in headers)
        {
            all[name] = new(value);
        }

        return new ResponseMessage
        {
            StatusCode = (int)status,
            Headers = all,
            BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
    }
}
