using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace DriftSentinel.FakeAws;

/// <summary>
/// A stateful fake of Jira Cloud's REST v3 (issue create/edit, comments, transitions by workflow, /search/jql with
/// nextPageToken; the removed /rest/api/3/search answers 410) with its error body {"errorMessages":[],"errors":{}}, a
/// project that can require a custom field, 404 for a deleted issue and 429 with Retry-After.
/// </summary>
public sealed partial class FakeJira : IDisposable
{
    private readonly WireMockServer _server;
    private readonly object _gate = new();
    private readonly List<JsonObject> _issues = [];
    private int _next = 10_000;

    public FakeJira(string email, string token, params string[] projects)
    {
        // Cloud: an API token with the account's e-mail as basic auth; Data Center (no e-mail): a personal access token as bearer.
        Authorization = email.Length == 0 ? $"Bearer {token}" : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:{token}"));
        Projects = [.. projects];
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"], StartAdminInterface = false });
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Handle));
    }

    public string Url => _server.Url!;

    public HashSet<string> Projects { get; }

    public string Authorization { get; }

    /// <summary>A custom field every create must set (e.g. "customfield_10010": the project requires a team).</summary>
    public string? RequiredField { get; set; }

    /// <summary>The next N requests get 429 with Retry-After: 1.</summary>
    public int TooManyRequests { get; set; }

    /// <summary>The next create is stored but answered with 502, as when a proxy drops the answer.</summary>
    public bool LoseNextCreate { get; set; }

    /// <summary>Search pages of this size, to exercise nextPageToken.</summary>
    public int PageSize { get; set; } = 50;

    public List<string> Requests { get; } = [];

    public IReadOnlyList<JsonObject> Issues(string project)
    {
        lock (_gate)
        {
            return [.. _issues.Where(i => (string?)i["fields"]!["project"]!["key"] == project)];
        }
    }

    public static string Status(JsonObject issue) => (string)issue["fields"]!["status"]!["name"]!;

    private static JsonObject StatusOf(string name) => new()
    {
        ["name"] = name,
        ["statusCategory"] = new JsonObject { ["key"] = name == "To Do" ? "new" : "done", ["name"] = name == "To Do" ? "To Do" : "Done" },
    };

    private static readonly Dictionary<string, (string Id, string Name, string To)[]> Workflow = new()
    {
        ["To Do"] = [("21", "In Progress", "In Progress"), ("31", "Done", "Done"), ("41", "Won't Do", "Won't Do")],
        ["In Progress"] = [("31", "Done", "Done"), ("41", "Won't Do", "Won't Do")],
        ["Done"] = [("11", "Reopen", "To Do")],
        ["Won't Do"] = [("11", "Reopen", "To Do")],
    };

    private ResponseMessage Handle(IRequestMessage request)
    {
        lock (_gate)
        {
            // Data Center serves the same resources under REST v2 (and keeps GET /search); Cloud is v3 only.
            var v2 = request.AbsolutePath.StartsWith("/rest/api/2/", StringComparison.Ordinal);
            var path = v2 ? "/rest/api/3/" + request.AbsolutePath["/rest/api/2/".Length..] : request.AbsolutePath;
            Requests.Add($"{request.Method} {request.AbsolutePath}");
            if (request.Headers is null || !request.Headers.TryGetValue("Authorization", out var auth) || auth.FirstOrDefault() != Authorization)
            {
                return Json(HttpStatusCode.Unauthorized, Error(["Client must be authenticated to access this resource."]));
            }

            if (TooManyRequests > 0)
            {
                TooManyRequests--;
                return Json((HttpStatusCode)429, Error(["Rate limit exceeded."]), ("Retry-After", "1"));
            }

            var body = request.Body is { Length: > 0 } text ? JsonNode.Parse(text)!.AsObject() : [];
            if (path == "/rest/api/3/search" && v2)
            {
                var jql = request.Query is not null && request.Query.TryGetValue("jql", out var q) ? q.FirstOrDefault() ?? "" : "";
                var label = LabelClause().Match(jql) is { Success: true } lm ? lm.Groups[1].Value : null;
                var found = _issues.Where(i => label is null || i["fields"]!["labels"]!.AsArray().Any(l => (string?)l == label)).ToList();
                return Json(HttpStatusCode.OK, new JsonObject
                {
                    ["startAt"] = 0,
                    ["maxResults"] = 50,
                    ["total"] = found.Count,
                    ["issues"] = new JsonArray([.. found.Select(i => (JsonNode)new JsonObject { ["id"] = i["id"]!.DeepClone(), ["key"] = i["key"]!.DeepClone(), ["fields"] = new JsonObject { ["status"] = i["fields"]!["status"]!.DeepClone() } })]),
                });
            }

            if (path == "/rest/api/3/search")
            {
                return Json(HttpStatusCode.Gone, Error(["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."]));
            }

            if (path == "/rest/api/3/search/jql" && request.Method == "POST")
            {
                var label = LabelClause().Match((string?)body["jql"] ?? "") is { Success: true } m ? m.Groups[1].Value : null;
                var all = _issues.Where(i => label is null || i["fields"]!["labels"]!.AsArray().Any(l => (string?)l == label)).ToList();
                var start = body["nextPageToken"] is { } t ? int.Parse((string)t!, CultureInfo.InvariantCulture) : 0;
                var page = all.Skip(start).Take(PageSize).ToList();
                var last = start + page.Count >= all.Count;
                return Json(HttpStatusCode.OK, new JsonObject
                {
                    ["issues"] = new JsonArray([.. page.Select(i => (JsonNode)new JsonObject { ["id"] = i["id"]!.DeepClone(), ["key"] = i["key"]!.DeepClone(), ["fields"] = new JsonObject { ["status"] = i["fields"]!["status"]!.DeepClone() } })]),
                    ["nextPageToken"] = last ? null : (start + page.Count).ToString(CultureInfo.InvariantCulture),
                    ["isLast"] = last,
                });
            }

            if (path == "/rest/api/3/issue" && request.Method == "POST")
            {
                var fields = body["fields"]!.AsObject();
                var project = (string?)fields["project"]?["key"];
                if (project is null || !Projects.Contains(project))
                {
                    return Json(HttpStatusCode.BadRequest, Error([], ("project", "valid project is required")));
                }

                if (RequiredField is { } required && fields[required] is null)
                {
                    return Json(HttpStatusCode.BadRequest, Error([], (required, "Team is required.")));
                }

                var id = ++_next;
                var key = $"{project}-{_issues.Count(i => (string?)i["fields"]!["project"]!["key"] == project) + 1}";
                var stored = (JsonObject)fields.DeepClone();
                stored["status"] = StatusOf("To Do");
                stored["comments"] = new JsonArray();
                _issues.Add(new JsonObject { ["id"] = id.ToString(CultureInfo.InvariantCulture), ["key"] = key, ["fields"] = stored });
                if (LoseNextCreate)
                {
                    LoseNextCreate = false;
                    return Json(HttpStatusCode.BadGateway, Error(["Bad gateway"]));
                }

                return Json(HttpStatusCode.Created, new JsonObject { ["id"] = id.ToString(CultureInfo.InvariantCulture), ["key"] = key, ["self"] = $"{Url}/rest/api/3/issue/{id}" });
            }

            var im = IssuePath().Match(path);
            var issue = im.Success ? _issues.FirstOrDefault(i => (string?)i["key"] == im.Groups["key"].Value) : null;
            if (issue is null)
            {
                return Json(HttpStatusCode.NotFound, Error(["Issue does not exist or you do not have permission to see it."]));
            }

            var fieldsOf = issue["fields"]!.AsObject();
            switch (request.Method, im.Groups["rest"].Value)
            {
                case ("PUT", ""):
                    foreach (var (k, v) in body["fields"]!.AsObject())
                    {
                        fieldsOf[k] = v?.DeepClone();
                    }

                    return new ResponseMessage { StatusCode = 204 };
                case ("POST", "/comment"):
                    fieldsOf["comments"]!.AsArray().Add(body["body"]!.DeepClone());
                    return Json(HttpStatusCode.Created, new JsonObject { ["id"] = (++_next).ToString(CultureInfo.InvariantCulture), ["body"] = body["body"]!.DeepClone() });
                case ("GET", "/transitions"):
                    return Json(HttpStatusCode.OK, new JsonObject
                    {
                        ["expand"] = "transitions",
                        ["transitions"] = new JsonArray([.. Workflow[Status(issue)].Select(t => (JsonNode)new JsonObject { ["id"] = t.Id, ["name"] = t.Name, ["to"] = StatusOf(t.To), ["hasScreen"] = false })]),
                    });
                case ("POST", "/transitions"):
                    var chosen = Workflow[Status(issue)].FirstOrDefault(t => t.Id == (string?)body["transition"]?["id"]);
                    if (chosen.Id is null)
                    {
                        return Json(HttpStatusCode.BadRequest, Error(["Transition id '" + body["transition"]?["id"] + "' is not valid for this issue."]));
                    }

                    fieldsOf["status"] = StatusOf(chosen.To);
                    return new ResponseMessage { StatusCode = 204 };
                default:
                    return Json(HttpStatusCode.NotFound, Error(["Not found"]));
            }
        }
    }

    private static JsonObject Error(string[] messages, params (string Field, string Message)[] errors) => new()
    {
        ["errorMessages"] = new JsonArray([.. messages.Select(m => (JsonNode)m)]),
        ["errors"] = new JsonObject(errors.Select(e => KeyValuePair.Create(e.Field, (JsonNode?)e.Message))),
    };

    private static ResponseMessage Json(HttpStatusCode status, JsonNode body, params (string Name, string Value)[] headers) =>
        FakeJson.Response(status, body, [("Content-Type", "application/json;charset=UTF-8"), .. headers]);

    [GeneratedRegex(@"^/rest/api/3/issue/(?<key>[A-Z][A-Z0-9]*-[0-9]+)(?<rest>/comment|/transitions)?$")]
    private static partial Regex IssuePath();

    [GeneratedRegex("labels = \"([^\"]+)\"")]
    private static partial Regex LabelClause();

    public void Dispose() => _server.Dispose();
}
