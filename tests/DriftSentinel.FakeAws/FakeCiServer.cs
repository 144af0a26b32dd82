using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace DriftSentinel.FakeAws;

/// <summary>What one fake route answers: a single object, or a list the fake pages the provider's way.</summary>
public sealed record FakeAnswer(JsonNode? Single, JsonArray? Items = null, Func<JsonArray, JsonNode>? Wrap = null)
{
    public static FakeAnswer Object(JsonNode node) => new(node);

    public static FakeAnswer List(IEnumerable<JsonNode> items, Func<JsonArray, JsonNode>? wrap = null) => new(null, new JsonArray([.. items.Select(i => i.DeepClone())]), wrap);
}

/// <summary>
/// The common part of the CI fakes (GitHub Actions, GitLab, Azure DevOps): serves the files of a snapshot folder at
/// the API paths that produce them, pages lists the provider's way with a small page size, answers conditional
/// requests with 304, and injects the faults the collectors must survive — rate limits, forbidden scopes, missing
/// tier features — counting every request.
/// </summary>
public abstract class FakeCiServer : IDisposable
{
    private readonly WireMockServer _server;
    private readonly Lock _gate = new();
    private int _rateLimited;

    protected FakeCiServer(string snapshotRoot, int pageSize)
    {
        Root = snapshotRoot;
        PageSize = pageSize;
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"], StartAdminInterface = false });
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Handle));
    }

    /// <summary>The snapshot folder whose files are served.</summary>
    public string Root { get; }

    public int PageSize { get; }

    public string Url => _server.Url!;

    /// <summary>Every request as "METHOD path?query → status", in order.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>The next N requests get the provider's rate-limit answer.</summary>
    public int RateLimited
    {
        get => Volatile.Read(ref _rateLimited);
        set => Volatile.Write(ref _rateLimited, value);
    }

    /// <summary>Path prefixes answered 403 (the token may not read them).</summary>
    public List<string> Forbidden { get; } = [];

    /// <summary>Path prefixes answered 404 (a feature the tier or plan lacks, or a deleted object).</summary>
    public List<string> Missing { get; } = [];

    /// <summary>How many answers were 304 Not Modified.</summary>
    public int NotModified { get; private set; }

    /// <summary>How many answers were throttles.</summary>
    public int Throttled { get; private set; }

    /// <summary>The JSON of a snapshot file, or null when it does not exist.</summary>
    protected JsonNode? File(params string[] parts)
    {
        var path = Path.Combine([Root, .. parts]);
        return System.IO.File.Exists(path) ? JsonNode.Parse(System.IO.File.ReadAllText(path)) : null;
    }

    /// <summary>The sub-folders of a snapshot folder.</summary>
    protected IEnumerable<string> Folders(params string[] parts)
    {
        var path = Path.Combine([Root, .. parts]);
        return Directory.Exists(path) ? Directory.EnumerateDirectories(path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal) : [];
    }

    protected abstract bool Authorized(IRequestMessage request);

    /// <summary>The answer for a GET path (query excluded), or null for 404.</summary>
    protected abstract FakeAnswer? Route(string path, IRequestMessage request);

    protected abstract ResponseMessage RateLimit();

    /// <summary>Headers a provider adds to a successful answer (Azure DevOps' Retry-After on a delayed request).</summary>
    protected virtual IEnumerable<(string, string)> SuccessHeaders() => [];

    /// <summary>A page of a list: the body and the headers that say where the next page is.</summary>
    protected abstract (JsonNode Body, List<(string, string)> Headers) Page(JsonArray all, int offset, FakeAnswer answer, IRequestMessage request);

    /// <summary>The query value, or null.</summary>
    protected static string? Query(IRequestMessage request, string name) =>
        request.Query is { } q && q.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    protected static ResponseMessage Json(HttpStatusCode status, JsonNode body, params (string, string)[] headers) => FakeJson.Response(status, body, headers);

    private ResponseMessage Handle(IRequestMessage request)
    {
        var response = Answer(request);
        lock (_gate)
        {
            Requests.Add($"{request.Method} {request.Path}{(string.IsNullOrEmpty(request.RawQuery) ? "" : "?" + request.RawQuery.TrimStart('?'))} → {response.StatusCode}");
        }

        return response;
    }

    private ResponseMessage Answer(IRequestMessage request)
    {
        if (!Authorized(request))
        {
            return Json(HttpStatusCode.Unauthorized, new JsonObject { ["message"] = "Bad credentials" });
        }

        if (Interlocked.Decrement(ref _rateLimited) >= 0)
        {
            lock (_gate)
            {
                Throttled++;
            }

            return RateLimit();
        }

        Interlocked.Exchange(ref _rateLimited, 0);
        var path = request.Path;
        if (Forbidden.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
        {
            return Json(HttpStatusCode.Forbidden, new JsonObject { ["message"] = "Resource not accessible by integration" });
        }

        if (Missing.Any(p => path.StartsWith(p, StringComparison.Ordinal)) || Route(path, request) is not { } answer)
        {
            return Json(HttpStatusCode.NotFound, new JsonObject { ["message"] = "Not Found" });
        }

        JsonNode body;
        var headers = new List<(string, string)>();
        if (answer.Items is { } items)
        {
            var offset = int.TryParse(Query(request, "page"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? (p - 1) * PageSize
                : int.TryParse(Query(request, "continuationToken"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
            (body, headers) = Page(items, offset, answer, request);
        }
        else
        {
            body = answer.Single!;
        }

        var etag = "\"" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.ToJsonString())))[..20] + "\"";
        if (request.Headers is { } h && h.TryGetValue("If-None-Match", out var sent) && sent.Contains(etag))
        {
            lock (_gate)
            {
                NotModified++;
            }

            return new ResponseMessage { StatusCode = 304, Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["ETag"] = new(etag) } };
        }

        headers.Add(("ETag", etag));
        headers.AddRange(SuccessHeaders());
        return Json(HttpStatusCode.OK, body, [.. headers]);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _server.Stop();
            _server.Dispose();
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
