using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace DriftSentinel.FakeAws;

/// <summary>
/// A stateful fake of GitHub's Issues REST API (api.github.com shapes, api-version 2022-11-28): create, update, close
/// and reopen with state_reason, comments, list by label (pull requests included, as GitHub does), and its faults:
/// 401 without the token, 404 for a deleted issue, 410 when issues are disabled, 403 secondary rate limits with
/// Retry-After, 429, and 503 for an outage.
/// </summary>
public sealed partial class FakeGitHubIssues : IDisposable
{
    private readonly WireMockServer _server;
    private readonly object _gate = new();
    private readonly Dictionary<string, List<JsonObject>> _issues = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _disabled = new(StringComparer.OrdinalIgnoreCase);
    private int _nextId = 9_000_000;

    public FakeGitHubIssues(string token, int port = 0)
    {
        Token = token;
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{port}"], StartAdminInterface = false });
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Handle));
    }

    public string Token { get; }

    public string Url => _server.Url!;

    /// <summary>Every request as "METHOD path", in order.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>While true, every request fails with 503 (a tracker outage).</summary>
    public bool Down { get; set; }

    /// <summary>The next N content-creating requests get a 403 secondary rate limit with Retry-After: 1.</summary>
    public int SecondaryLimits { get; set; }

    /// <summary>The next N requests get 429 with Retry-After: 1.</summary>
    public int TooManyRequests { get; set; }

    /// <summary>Called with "METHOD path → status" after each request (the runnable example prints it).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Called after an issue is created, before the answer is sent (a test kills the client here).</summary>
    public Action<JsonObject>? AfterCreate { get; set; }

    public IReadOnlyList<JsonObject> Issues(string repository)
    {
        lock (_gate)
        {
            return [.. _issues.GetValueOrDefault(repository) ?? []];
        }
    }

    public void DisableIssues(string repository) => _disabled.Add(repository);

    /// <summary>Transfers an issue to another repository: the old address answers 301 with the new one, as GitHub does.</summary>
    public void Transfer(string repository, long number, string to)
    {
        lock (_gate)
        {
            var issue = List(repository).Single(i => (long)i["number"]! == number);
            List(repository).Remove(issue);
            var moved = NewIssue(to, (string)issue["title"]!, (string)issue["body"]!, [], []);
            List(to).Add(moved);
            _moved[$"{repository}#{number}"] = $"/repos/{to}/issues/{moved["number"]}";
        }
    }

    private readonly Dictionary<string, string> _moved = new(StringComparer.OrdinalIgnoreCase);

    public void Delete(string repository, long number)
    {
        lock (_gate)
        {
            _issues.GetValueOrDefault(repository)?.RemoveAll(i => (long)i["number"]! == number);
        }
    }

    /// <summary>A pull request in the repository, carrying <paramref name="label"/>: the issues listing returns it too.</summary>
    public void AddPullRequest(string repository, string label)
    {
        lock (_gate)
        {
            var issue = NewIssue(repository, "A pull request", "", [label], []);
            issue["pull_request"] = new JsonObject { ["url"] = $"{Url}/repos/{repository}/pulls/{issue["number"]}" };
            List(repository).Add(issue);
        }
    }

    private List<JsonObject> List(string repository)
    {
        if (!_issues.TryGetValue(repository, out var list))
        {
            list = [];
            _issues[repository] = list;
        }

        return list;
    }

    private ResponseMessage Handle(IRequestMessage request)
    {
        var response = Answer(request);
        Log?.Invoke($"{request.Method} {request.AbsolutePath} -> {response.StatusCode}");
        return response;
    }

    private ResponseMessage Answer(IRequestMessage request)
    {
        var path = request.AbsolutePath;
        lock (_gate)
        {
            Requests.Add($"{request.Method} {path}");
            if (Down)
            {
                return Json(HttpStatusCode.ServiceUnavailable, new JsonObject { ["message"] = "Service Unavailable" });
            }

            if (request.Headers is null || !request.Headers.TryGetValue("Authorization", out var auth) || auth.FirstOrDefault() != $"Bearer {Token}")
            {
                return Json(HttpStatusCode.Unauthorized, new JsonObject { ["message"] = "Bad credentials", ["documentation_url"] = "https://docs.github.com/rest" });
            }

            if (TooManyRequests > 0)
            {
                TooManyRequests--;
                return Json((HttpStatusCode)429, new JsonObject { ["message"] = "Too Many Requests" }, ("Retry-After", "1"));
            }

            if (SecondaryLimits > 0 && request.Method != "GET")
            {
                SecondaryLimits--;
                return Json(HttpStatusCode.Forbidden, new JsonObject
                {
                    ["message"] = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    ["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                }, ("Retry-After", "1"));
            }

            var m = IssuePath().Match(path);
            if (!m.Success)
            {
                return Json(HttpStatusCode.NotFound, new JsonObject { ["message"] = "Not Found" });
            }

            var repo = $"{m.Groups["owner"].Value}/{m.Groups["repo"].Value}";
            if (_disabled.Contains(repo))
            {
                return Json(HttpStatusCode.Gone, new JsonObject { ["message"] = "Issues are disabled for this repo", ["documentation_url"] = "https://docs.github.com/v3/issues/" });
            }

            if (m.Groups["number"].Success && _moved.TryGetValue($"{repo}#{m.Groups["number"].Value}", out var location))
            {
                return Json(HttpStatusCode.MovedPermanently, new JsonObject { ["message"] = "Moved Permanently", ["url"] = Url + location }, ("Location", Url + location + m.Groups["comments"].Value));
            }

            var body = request.Body is { Length: > 0 } text ? JsonNode.Parse(text)!.AsObject() : [];
            var number = m.Groups["number"].Success ? long.Parse(m.Groups["number"].Value, CultureInfo.InvariantCulture) : (long?)null;
            var issue = number is { } n ? List(repo).FirstOrDefault(i => (long)i["number"]! == n) : null;
            switch (request.Method, number, m.Groups["comments"].Success)
            {
                case ("POST", null, false):
                    var labels = body["labels"]?.AsArray().Select(l => l!.GetValue<string>()).ToList() ?? [];
                    var assignees = body["assignees"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
                    var created = NewIssue(repo, body["title"]!.GetValue<string>(), body["body"]?.GetValue<string>() ?? "", labels, assignees);
                    List(repo).Add(created);
                    AfterCreate?.Invoke(created);
                    return Json(HttpStatusCode.Created, created);
                case ("GET", null, false):
                    var wanted = request.Query is not null && request.Query.TryGetValue("labels", out var l) ? l.FirstOrDefault() : null;
                    return Json(HttpStatusCode.OK, new JsonArray([.. List(repo)
                        .Where(i => wanted is null || i["labels"]!.AsArray().Any(l => (string?)l!["name"] == wanted))
                        .Select(i => (JsonNode)i.DeepClone())]));
                case (_, not null, _) when issue is null:
                    return Json(HttpStatusCode.NotFound, new JsonObject { ["message"] = "Not Found", ["documentation_url"] = "https://docs.github.com/rest/issues/issues#update-an-issue" });
                case ("POST", not null, true):
                    var comments = issue!["comments_list"] as JsonArray ?? [];
                    comments.Add(body["body"]!.GetValue<string>());
                    issue["comments_list"] = comments;
                    issue["comments"] = comments.Count;
                    return Json(HttpStatusCode.Created, new JsonObject { ["id"] = ++_nextId, ["body"] = body["body"]!.DeepClone(), ["html_url"] = $"{issue["html_url"]}#issuecomment-{_nextId}" });
                case ("PATCH", not null, false):
                    foreach (var (k, v) in body)
                    {
                        issue![k] = k == "labels" ? Labels(v!.AsArray().Select(l => l!.GetValue<string>())) : v?.DeepClone();
                    }

                    issue!["closed_at"] = (string?)issue["state"] == "closed" ? "2026-11-21T02:00:00Z" : null;
                    return Json(HttpStatusCode.OK, issue);
                default:
                    return Json(HttpStatusCode.NotFound, new JsonObject { ["message"] = "Not Found" });
            }
        }
    }

    private JsonObject NewIssue(string repo, string title, string body, IEnumerable<string> labels, IEnumerable<string> assignees)
    {
        var number = List(repo).Count == 0 ? 1 : List(repo).Max(i => (long)i["number"]!) + 1;
        return new JsonObject
        {
            ["id"] = ++_nextId,
            ["node_id"] = $"I_kwDO{_nextId}",
            ["url"] = $"{Url}/repos/{repo}/issues/{number}",
            ["html_url"] = $"https://github.com/{repo}/issues/{number}",
            ["number"] = number,
            ["state"] = "open",
            ["state_reason"] = null,
            ["title"] = title,
            ["body"] = body,
            ["user"] = new JsonObject { ["login"] = "driftsentinel-bot", ["id"] = 1, ["type"] = "Bot" },
            ["labels"] = Labels(labels),
            ["assignees"] = new JsonArray([.. assignees.Select(a => (JsonNode)new JsonObject { ["login"] = a })]),
            ["comments"] = 0,
            ["created_at"] = "2026-11-21T02:00:00Z",
            ["updated_at"] = "2026-11-21T02:00:00Z",
            ["closed_at"] = null,
        };
    }

    private static JsonArray Labels(IEnumerable<string> names) =>
        new([.. names.Select(n => (JsonNode)new JsonObject { ["name"] = n, ["color"] = "ededed", ["default"] = false })]);

    private static ResponseMessage Json(HttpStatusCode status, JsonNode body, params (string Name, string Value)[] headers) =>
        FakeJson.Response(status, body, [("Content-Type", "application/json; charset=utf-8"), ("X-GitHub-Api-Version-Selected", "2022-11-28"), ("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "4999"), .. headers]);

    [GeneratedRegex(@"^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)/issues(/(?<number>[0-9]+)(?<comments>/comments)?)?$")]
    private static partial Regex IssuePath();

    public void Dispose() => _server.Dispose();
}
