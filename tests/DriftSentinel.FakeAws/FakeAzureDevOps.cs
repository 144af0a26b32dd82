using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using WireMock;

namespace DriftSentinel.FakeAws;

/// <summary>
/// Azure DevOps REST (7.1) over a snapshot's azure-devops/ORG/PROJECT/ folder: environments, their deployment records
/// (newest first) and checks, builds by id, approvals with steps, variable groups and their pipeline permissions.
/// Lists are {count, value} and page with x-ms-continuationtoken; a rate limit is 429 with Retry-After and
/// X-RateLimit-*; a delayed request is a 200 carrying Retry-After; PAT basic authentication.
/// </summary>
public sealed class FakeAzureDevOps(string snapshotRoot, string token, int pageSize = 50) : FakeCiServer(snapshotRoot, pageSize)
{
    private int _delayed;

    /// <summary>The next N successful answers say the request was delayed (Retry-After: 1 on a 200).</summary>
    public int Delayed
    {
        get => Volatile.Read(ref _delayed);
        set => Volatile.Write(ref _delayed, value);
    }

    protected override bool Authorized(IRequestMessage request) =>
        request.Headers is { } h && h.TryGetValue("Authorization", out var a) && a.Contains("Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes(":" + token)));

    protected override ResponseMessage RateLimit() =>
        Json(HttpStatusCode.TooManyRequests, new JsonObject { ["message"] = "Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'.", ["typeKey"] = "RequestBlockedException" },
            ("Retry-After", "1"), ("X-RateLimit-Resource", "Core"), ("X-RateLimit-Delay", "0.5"), ("X-RateLimit-Limit", "200"), ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

    protected override IEnumerable<(string, string)> SuccessHeaders() =>
        Interlocked.Decrement(ref _delayed) >= 0 ? [("Retry-After", "1"), ("X-RateLimit-Resource", "Core"), ("X-RateLimit-Delay", "1.2")] : Reset();

    private IEnumerable<(string, string)> Reset()
    {
        Interlocked.Exchange(ref _delayed, 0);
        return [];
    }

    protected override (JsonNode Body, List<(string, string)> Headers) Page(JsonArray all, int offset, FakeAnswer answer, IRequestMessage request)
    {
        var page = new JsonArray([.. all.Skip(offset).Take(PageSize).Select(n => n!.DeepClone())]);
        var headers = new List<(string, string)>();
        if (offset + PageSize < all.Count)
        {
            headers.Add(("x-ms-continuationtoken", (offset + PageSize).ToString(CultureInfo.InvariantCulture)));
        }

        return (new JsonObject { ["count"] = page.Count, ["value"] = page }, headers);
    }

    private IEnumerable<JsonNode> Values(string[] folder, string file) => (File([.. folder, file])?["value"] as JsonArray ?? []).OfType<JsonNode>();

    protected override FakeAnswer? Route(string path, IRequestMessage request)
    {
        var segments = request.AbsolutePath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (segments is not [var org, var project, "_apis", .. var rest] || !Directory.Exists(Path.Combine(Root, "azure-devops", org, project)))
        {
            return null;
        }

        string[] folder = ["azure-devops", org, project];
        switch (rest)
        {
            case ["pipelines", "environments"]:
                return FakeAnswer.List(Values(folder, "environments.json"));
            case ["pipelines", "environments", var id, "environmentdeploymentrecords"]:
                return FakeAnswer.List(Values(folder, Path.Combine("environment-deployments", $"{id}.json")).OrderByDescending(r => (string?)r["startTime"], StringComparer.Ordinal));
            case ["pipelines", "checks", "configurations"]:
                return FakeAnswer.Object(File([.. folder, "checks", $"{Query(request, "resourceId")}.json"]) ?? new JsonObject { ["count"] = 0, ["value"] = new JsonArray() });
            case ["build", "builds"]:
                // WireMock splits a comma-separated query value into several values: join them back.
                var ids = (request.Query is { } q && q.TryGetValue("buildIds", out var v) ? string.Join(',', v) : "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                return FakeAnswer.List(Values(folder, "builds.json").Where(b => ids.Contains(b["id"]!.ToString())));
            case ["pipelines", "approvals"]:
                return FakeAnswer.List(Values(folder, "approvals.json"));
            case ["distributedtask", "variablegroups"]:
                return FakeAnswer.List(Values(folder, "variable-groups.json"));
            case ["pipelines", "pipelinePermissions", "variablegroup", var id]:
                return File([.. folder, "pipeline-permissions", "variablegroup", $"{id}.json"]) is { } perm ? FakeAnswer.Object(perm) : null;
            default:
                return null;
        }
    }
}
