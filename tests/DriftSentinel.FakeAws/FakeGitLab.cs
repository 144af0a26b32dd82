using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using WireMock;

namespace DriftSentinel.FakeAws;

/// <summary>
/// GitLab's REST v4 over a snapshot's gitlab/ folder (projects are folders holding project.json, groups folders holding
/// group.json): group descendants, projects and variables, project deployments (updated_after, order_by updated_at),
/// protected environments and variables. Offset paging with x-next-page and no Link header; a rate limit is 429 with
/// Retry-After and RateLimit-* headers; PRIVATE-TOKEN or Bearer authentication.
/// </summary>
public sealed class FakeGitLab : FakeCiServer
{
    private readonly string _token;
    private readonly Dictionary<string, string> _projectsById = new(StringComparer.Ordinal);

    public FakeGitLab(string snapshotRoot, string token, int pageSize = 20)
        : base(snapshotRoot, pageSize)
    {
        _token = token;
        foreach (var file in Directory.Exists(Path.Combine(Root, "gitlab")) ? Directory.EnumerateFiles(Path.Combine(Root, "gitlab"), "project.json", SearchOption.AllDirectories) : [])
        {
            var project = JsonNode.Parse(System.IO.File.ReadAllText(file))!;
            _projectsById[project["id"]!.ToString()] = project["path_with_namespace"]!.GetValue<string>();
        }
    }

    public string ApiUrl => Url + "/api/v4";

    protected override bool Authorized(IRequestMessage request) =>
        request.Headers is { } h && ((h.TryGetValue("PRIVATE-TOKEN", out var p) && p.Contains(_token)) || (h.TryGetValue("Authorization", out var a) && a.Contains($"Bearer {_token}")));

    protected override ResponseMessage RateLimit() =>
        Json(HttpStatusCode.TooManyRequests, new JsonObject { ["message"] = "Retry later" },
            ("Retry-After", "1"), ("RateLimit-Limit", "600"), ("RateLimit-Observed", "600"), ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

    protected override (JsonNode Body, List<(string, string)> Headers) Page(JsonArray all, int offset, FakeAnswer answer, IRequestMessage request)
    {
        var page = (offset / PageSize) + 1;
        var headers = new List<(string, string)>
        {
            ("x-page", page.ToString(CultureInfo.InvariantCulture)), ("x-per-page", PageSize.ToString(CultureInfo.InvariantCulture)),
            ("x-next-page", offset + PageSize < all.Count ? (page + 1).ToString(CultureInfo.InvariantCulture) : ""),
            ("x-total", all.Count.ToString(CultureInfo.InvariantCulture)),
        };
        return (new JsonArray([.. all.Skip(offset).Take(PageSize).Select(n => n!.DeepClone())]), headers);
    }

    private string Folder(string fullPath) => Path.Combine([Root, "gitlab", .. fullPath.Split('/')]);

    private IEnumerable<string> Below(string group, string marker) =>
        Directory.Exists(Folder(group))
            ? Directory.EnumerateFiles(Folder(group), marker, SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Path.Combine(Root, "gitlab"), Path.GetDirectoryName(f)!).Replace('\\', '/'))
                .Where(p => !p.Equals(group, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            : [];

    protected override FakeAnswer? Route(string path, IRequestMessage request)
    {
        var raw = request.AbsolutePath;
        if (!raw.StartsWith("/api/v4/", StringComparison.Ordinal))
        {
            return null;
        }

        // An encoded full path (group%2Fsub%2Fproject) may arrive decoded: the longest known path after the resource wins.
        var segments = Uri.UnescapeDataString(raw["/api/v4/".Length..]).Split('/');
        if (segments is ["projects", _, ..] && _projectsById.Values.Where(v => string.Join('/', segments[1..]).StartsWith(v, StringComparison.Ordinal)).MaxBy(v => v.Length) is { } known)
        {
            segments = ["projects", known, .. segments[(1 + known.Split('/').Length)..]];
        }
        else if (segments is ["groups", _, ..])
        {
            var tail = segments[1..];
            var length = Enumerable.Range(1, tail.Length).Where(n => System.IO.File.Exists(Path.Combine(Folder(string.Join('/', tail[..n])), "group.json"))).DefaultIfEmpty(1).Max();
            segments = ["groups", string.Join('/', tail[..length]), .. tail[length..]];
        }

        switch (segments)
        {
            case ["groups", var g] when System.IO.File.Exists(Path.Combine(Folder(g), "group.json")):
                return FakeAnswer.Object(File(["gitlab", .. g.Split('/'), "group.json"])!);
            case ["groups", var g, "descendant_groups"]:
                return FakeAnswer.List(Below(g, "group.json").Select(p => (JsonNode)new JsonObject { ["id"] = Math.Abs(p.GetHashCode(StringComparison.Ordinal)), ["full_path"] = p }));
            case ["groups", var g, "projects"]:
                return FakeAnswer.List(Below(g, "project.json").Select(p => File(["gitlab", .. p.Split('/'), "project.json"])!));
            case ["groups", var g, "variables"] when System.IO.File.Exists(Path.Combine(Folder(g), "group.json")):
                return FakeAnswer.List(((File(["gitlab", .. g.Split('/'), "variables.json"]) as JsonArray) ?? []).OfType<JsonNode>());
            case ["projects", var p, .. var rest]:
                var project = _projectsById.GetValueOrDefault(p) ?? (_projectsById.ContainsValue(p) ? p : null);
                return project is null ? null : ProjectRoute(project, rest, request);
            default:
                return null;
        }
    }

    private FakeAnswer? ProjectRoute(string project, string[] rest, IRequestMessage request)
    {
        string[] folder = ["gitlab", .. project.Split('/')];
        switch (rest)
        {
            case []:
                return FakeAnswer.Object(File([.. folder, "project.json"])!);
            case ["deployments"]:
                var after = DateTimeOffset.TryParse(Query(request, "updated_after"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var a) ? a : DateTimeOffset.MinValue;
                return FakeAnswer.List(((File([.. folder, "deployments.json"]) as JsonArray) ?? []).OfType<JsonNode>()
                    .Where(d => DateTimeOffset.Parse((string)d["updated_at"]!, CultureInfo.InvariantCulture) > after)
                    .OrderBy(d => (string?)d["updated_at"], StringComparer.Ordinal));
            case ["deployments", var id]:
                return ((File([.. folder, "deployments.json"]) as JsonArray) ?? []).FirstOrDefault(d => d?["id"]?.ToString() == id) is { } one ? FakeAnswer.Object(one.DeepClone()) : null;
            case ["protected_environments"]:
                return File([.. folder, "protected_environments.json"]) is JsonArray pe ? FakeAnswer.List(pe.OfType<JsonNode>()) : null;
            case ["variables"]:
                return FakeAnswer.List(((File([.. folder, "variables.json"]) as JsonArray) ?? []).OfType<JsonNode>());
            default:
                return null;
        }
    }
}
