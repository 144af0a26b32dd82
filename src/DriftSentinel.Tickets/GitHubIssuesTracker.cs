using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Tickets;

namespace DriftSentinel.Tickets;

/// <summary>
/// GitHub Issues over REST (api-version 2022-11-28): create, update, comment, close as completed or not_planned,
/// reopen, and list by label (the listing endpoint, not search, which lags). Retries and rate limits are the
/// <see cref="TrackerHttp"/> pipeline's; what a retry cannot fix is a <see cref="TrackerException"/>.
/// </summary>
internal sealed class GitHubIssuesTracker(HttpClient http) : ITicketTracker
{
    /// <summary>GitHub's body limit is 65,536 characters.</summary>
    private const int MaxBody = 60_000;

    public string Name => "github";

    public TrackerTicket Create(string project, TicketContent content, CancellationToken cancellation)
    {
        var body = new JsonObject
        {
            ["title"] = content.Title,
            ["body"] = Body(content),
            ["labels"] = new JsonArray([.. content.Labels.Select(l => (JsonNode)l)]),
        };
        if (content.Assignees.Count > 0)
        {
            body["assignees"] = new JsonArray([.. content.Assignees.Select(a => (JsonNode)a)]);
        }

        using var response = Send(HttpMethod.Post, $"repos/{project}/issues", body, cancellation);
        return Ticket(Expect(response, project, "create an issue")!);
    }

    public TrackerTicket? Update(string project, string key, TicketContent content, CancellationToken cancellation)
    {
        var body = new JsonObject
        {
            ["title"] = content.Title,
            ["body"] = Body(content),
            ["labels"] = new JsonArray([.. content.Labels.Select(l => (JsonNode)l)]),
        };
        using var response = Send(HttpMethod.Patch, $"repos/{project}/issues/{key}", body, cancellation);
        return Expect(response, project, $"update issue #{key}") is { } issue ? Ticket(issue) : null;
    }

    public TrackerTicket? SetState(string project, string key, TicketState state, string comment, CancellationToken cancellation)
    {
        using (var commented = Send(HttpMethod.Post, $"repos/{project}/issues/{key}/comments", new JsonObject { ["body"] = comment }, cancellation))
        {
            if (Expect(commented, project, $"comment on issue #{key}") is null)
            {
                return null;
            }
        }

        var body = state switch
        {
            TicketState.Open => new JsonObject { ["state"] = "open", ["state_reason"] = "reopened" },
            TicketState.Closed => new JsonObject { ["state"] = "closed", ["state_reason"] = "completed" },
            _ => new JsonObject { ["state"] = "closed", ["state_reason"] = "not_planned" },
        };
        using var response = Send(HttpMethod.Patch, $"repos/{project}/issues/{key}", body, cancellation);
        return Expect(response, project, $"set the state of issue #{key}") is { } issue ? Ticket(issue) : null;
    }

    public TrackerTicket? FindByLabel(string project, string label, CancellationToken cancellation)
    {
        using var response = Send(HttpMethod.Get, $"repos/{project}/issues?labels={Uri.EscapeDataString(label)}&state=all&per_page=100", null, cancellation);
        var list = Expect(response, project, $"list issues labelled {label}");

        // The issues listing returns pull requests too; they carry a "pull_request" member.
        return list?.AsArray().Where(i => i?["pull_request"] is null).Select(i => Ticket(i!)).FirstOrDefault();
    }

    private static string Body(TicketContent content) => content.Body.Length <= MaxBody ? content.Body : content.Body[..MaxBody] + "\n\n…(cut: see the report)";

    private HttpResponseMessage Send(HttpMethod method, string path, JsonNode? body, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        // Async underneath: the resilience handler's retries and delays run on the async path.
        return http.SendAsync(request, cancellation).GetAwaiter().GetResult();
    }

    /// <summary>The response's JSON, null when the issue is gone (404, or moved out of reach), or a clear error.</summary>
    private static JsonNode? Expect(HttpResponseMessage response, string project, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            using var stream = response.Content.ReadAsStream();
            return JsonNode.Parse(stream);
        }

        var message = Message(response);
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.MovedPermanently when what.Contains('#', StringComparison.Ordinal) => null,
            HttpStatusCode.Gone => throw new TrackerException($"GitHub {project}: could not {what}: 410 {message} (are issues enabled on the repository?)"),
            HttpStatusCode.Unauthorized => throw new TrackerException($"GitHub {project}: could not {what}: 401 {message} (check the token's variable and its expiry)"),
            HttpStatusCode.NotFound => throw new TrackerException($"GitHub {project}: could not {what}: 404 {message} (no such repository, or the token cannot see it)"),
            _ => throw new HttpRequestException($"GitHub {project}: could not {what}: {(int)response.StatusCode} {message}", null, response.StatusCode),
        };
    }

    private static string Message(HttpResponseMessage response)
    {
        try
        {
            using var stream = response.Content.ReadAsStream();
            var doc = JsonNode.Parse(stream);
            var errors = doc?["errors"]?.AsArray().Select(e => e?["message"]?.GetValue<string>() ?? e?["code"]?.GetValue<string>()).OfType<string>().ToList() ?? [];
            return (doc?["message"]?.GetValue<string>() ?? response.ReasonPhrase ?? "") + (errors.Count > 0 ? ": " + string.Join("; ", errors) : "");
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    private static TrackerTicket Ticket(JsonNode issue) => new(
        issue["number"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture),
        issue["html_url"]?.GetValue<string>() ?? "",
        issue["state"]?.GetValue<string>() != "closed");

    /// <summary>The client for one GitHub API address: token from the environment, GitHub's media type and version.</summary>
    public static HttpClient Client(GitHubTrackerOptions options, string token, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = new HttpClient(handler) { BaseAddress = new Uri(options.ApiUrl.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("DriftSentinel", "1.0"));
        return http;
    }
}
