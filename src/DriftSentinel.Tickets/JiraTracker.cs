using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Tickets;

namespace DriftSentinel.Tickets;

/// <summary>
/// Jira Cloud (REST v3: Atlassian Document Format bodies, /rest/api/3/search/jql with nextPageToken) and Jira Data
/// Center (REST v2: plain-text bodies, /rest/api/2/search). Closing and reopening walk the workflow's transitions by
/// name (configurable, since workflows differ); Jira's error body is reported field by field.
/// </summary>
internal sealed class JiraTracker(HttpClient http, JiraTrackerOptions options) : ITicketTracker
{
    private bool Cloud => !options.DataCenter;

    private string Api => Cloud ? "rest/api/3" : "rest/api/2";

    public string Name => "jira";

    public TrackerTicket Create(string project, TicketContent content, CancellationToken cancellation)
    {
        var fields = Fields(content);
        fields["project"] = new JsonObject { ["key"] = project };
        fields["issuetype"] = new JsonObject { ["name"] = options.IssueType };
        using var response = Send(HttpMethod.Post, $"{Api}/issue", new JsonObject { ["fields"] = fields }, cancellation);
        var created = Expect(response, project, "create an issue", gone: false)!;
        var key = created["key"]!.GetValue<string>();
        return new TrackerTicket(key, Browse(key), true);
    }

    public TrackerTicket? Update(string project, string key, TicketContent content, CancellationToken cancellation)
    {
        using var response = Send(HttpMethod.Put, $"{Api}/issue/{key}", new JsonObject { ["fields"] = Fields(content) }, cancellation);
        return Expect(response, project, $"update {key}", gone: true) is null && response.StatusCode == HttpStatusCode.NotFound ? null : new TrackerTicket(key, Browse(key), true);
    }

    public TrackerTicket? SetState(string project, string key, TicketState state, string comment, CancellationToken cancellation)
    {
        using (var commented = Send(HttpMethod.Post, $"{Api}/issue/{key}/comment", new JsonObject { ["body"] = Text(comment) }, cancellation))
        {
            if (commented.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            Expect(commented, project, $"comment on {key}", gone: false);
        }

        using var listed = Send(HttpMethod.Get, $"{Api}/issue/{key}/transitions", null, cancellation);
        var transitions = Expect(listed, project, $"list the transitions of {key}", gone: true)?["transitions"]?.AsArray() ?? [];
        var path = state switch
        {
            TicketState.Open => options.ReopenTransitions,
            TicketState.Closed => options.CloseTransitions,
            _ => options.NotPlannedTransitions,
        };

        // The first configured name the issue's workflow offers now wins; none offered means it is already there or the
        // workflow lacks the path, which is said plainly rather than guessed.
        var transition = path.Select(name => transitions.FirstOrDefault(t => string.Equals((string?)t?["name"], name, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(t => t is not null)
            ?? throw new TrackerException($"Jira {key}: no transition named {string.Join(" or ", path.Select(p => $"'{p}'"))} is available (offered: {string.Join(", ", transitions.Select(t => $"'{t?["name"]}'"))}); set DriftSentinel:Tickets:Jira:{state switch { TicketState.Open => "ReopenTransitions", TicketState.Closed => "CloseTransitions", _ => "NotPlannedTransitions" }}");
        using var moved = Send(HttpMethod.Post, $"{Api}/issue/{key}/transitions", new JsonObject { ["transition"] = new JsonObject { ["id"] = transition["id"]!.DeepClone() } }, cancellation);
        Expect(moved, project, $"transition {key} to '{transition["name"]}'", gone: false);
        return new TrackerTicket(key, Browse(key), state == TicketState.Open);
    }

    public TrackerTicket? FindByLabel(string project, string label, CancellationToken cancellation)
    {
        // Search is eventually consistent in Jira Cloud: this only recovers a create whose answer was lost; the ledger
        // is what says whether a ticket exists.
        var jql = $"project = \"{project}\" AND labels = \"{label}\" ORDER BY created ASC";
        string? token = null;
        do
        {
            HttpResponseMessage response;
            if (Cloud)
            {
                var body = new JsonObject { ["jql"] = jql, ["fields"] = new JsonArray("status"), ["maxResults"] = 50 };
                if (token is not null)
                {
                    body["nextPageToken"] = token;
                }

                response = Send(HttpMethod.Post, $"{Api}/search/jql", body, cancellation);
            }
            else
            {
                response = Send(HttpMethod.Get, $"{Api}/search?jql={Uri.EscapeDataString(jql)}&fields=status&maxResults=50", null, cancellation);
            }

            using (response)
            {
                var page = Expect(response, project, $"search for {label}", gone: false)!;
                if (page["issues"]?.AsArray().FirstOrDefault() is { } issue)
                {
                    var key = issue["key"]!.GetValue<string>();
                    var done = (string?)issue["fields"]?["status"]?["statusCategory"]?["key"] == "done";
                    return new TrackerTicket(key, Browse(key), !done);
                }

                token = Cloud && page["isLast"]?.GetValue<bool>() != true ? (string?)page["nextPageToken"] : null;
            }
        }
        while (token is not null);

        return null;
    }

    private string Browse(string key) => $"{options.BaseUrl.TrimEnd('/')}/browse/{key}";

    private JsonObject Fields(TicketContent content)
    {
        var fields = new JsonObject
        {
            ["summary"] = content.Title.Length <= 254 ? content.Title : content.Title[..253] + "…",
            ["description"] = Text(content.Body),
            // Jira labels cannot hold spaces.
            ["labels"] = new JsonArray([.. content.Labels.Select(l => (JsonNode)l.Replace(' ', '-'))]),
        };
        // Jira has one assignee: the first (an account id on Cloud, a user name on Data Center).
        if (content.Assignees.Count > 0)
        {
            fields["assignee"] = Cloud ? new JsonObject { ["accountId"] = content.Assignees[0] } : new JsonObject { ["name"] = content.Assignees[0] };
        }

        if (content.Priority is { } priority && options.Priorities.TryGetValue(priority, out var name))
        {
            fields["priority"] = new JsonObject { ["name"] = name };
        }

        return fields;
    }

    /// <summary>Jira Cloud takes Atlassian Document Format (one paragraph per line); Data Center plain text.</summary>
    private JsonNode Text(string text)
    {
        if (!Cloud)
        {
            return text;
        }

        var paragraphs = new JsonArray();
        foreach (var line in text.Split('\n'))
        {
            paragraphs.Add(line.Length == 0
                ? new JsonObject { ["type"] = "paragraph", ["content"] = new JsonArray() }
                : new JsonObject { ["type"] = "paragraph", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = line }) });
        }

        return new JsonObject { ["type"] = "doc", ["version"] = 1, ["content"] = paragraphs };
    }

    private HttpResponseMessage Send(HttpMethod method, string path, JsonNode? body, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return http.SendAsync(request, cancellation).GetAwaiter().GetResult();
    }

    /// <summary>The JSON answer (null for 204, or for 404 when <paramref name="gone"/> allows it), else a clear error.</summary>
    private static JsonNode? Expect(HttpResponseMessage response, string project, string what, bool gone)
    {
        if (response.IsSuccessStatusCode)
        {
            var json = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            return json.Length == 0 ? null : JsonNode.Parse(json);
        }

        if (gone && response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var message = Message(response);
        var text = $"Jira {project}: could not {what}: {(int)response.StatusCode} {message}";
        throw (int)response.StatusCode is >= 500 or 429 ? new HttpRequestException(text, null, response.StatusCode) : new TrackerException(text);
    }

    /// <summary>Jira's error body: {"errorMessages": [...], "errors": {"field": "message"}}, each field named.</summary>
    private static string Message(HttpResponseMessage response)
    {
        try
        {
            using var stream = response.Content.ReadAsStream();
            var doc = JsonNode.Parse(stream);
            var parts = new List<string>();
            parts.AddRange(doc?["errorMessages"]?.AsArray().Select(m => (string?)m).OfType<string>() ?? []);
            parts.AddRange(doc?["errors"]?.AsObject().Select(kv => $"{kv.Key}: {(string?)kv.Value}") ?? []);
            return parts.Count > 0 ? string.Join("; ", parts) : response.ReasonPhrase ?? "";
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    /// <summary>The client: API token with the account's e-mail as basic auth (Cloud), or a bearer token (OAuth 2.0, Data Center PAT).</summary>
    public static HttpClient Client(JiraTrackerOptions options, string token, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = new HttpClient(handler) { BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = options.Email is { Length: > 0 } email
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{email}:{token}")))
            : new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }
}
