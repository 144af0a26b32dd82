using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Sources;
using DriftSentinel.Http;

namespace DriftSentinel.GitLab;

/// <summary>
/// Collects GitLab CI records into gitlab/&lt;namespace&gt;/… as <see cref="GitLabSnapshotReader"/> reads them: each
/// project's deployments (updated_after the watermark, merged into the window), protected environments and masked
/// variable names, and each group's variables along the project's namespace. Values are dropped before writing.
/// Protected environments and deployment approvals are Premium features: their absence is recorded, not guessed.
/// </summary>
internal sealed class GitLabCollector(GitLabCollectionOptions options, LiveCollectionContext context, Func<string, string?> environment, HttpMessageHandler? transport)
{
    public Action Collect()
    {
        var token = RestCollectorSession.Token("GitLab", options.TokenVariable, environment);
        using var session = new RestCollectorSession(options, context, "gitlab", options.ApiUrl, transport);
        if (options.TokenKind == "bearer")
        {
            session.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else
        {
            session.Http.DefaultRequestHeaders.Add("PRIVATE-TOKEN", token);
        }

        RunAsync(session).GetAwaiter().GetResult();
        return session.Commit();
    }

    private static Uri Api(RestJsonClient client, string path) => new(client.Http.BaseAddress!, path);

    private static string Id(string path) => Uri.EscapeDataString(path);

    /// <summary>GitLab pages with a Link header (keyset and offset) and x-next-page (offset, where totals vanish above 10,000).</summary>
    private static Uri? Next(HttpResponseMessage response, Uri current) => RestPaging.NextLink(response) ?? RestPaging.NextPageNumber(response, current);

    private static IAsyncEnumerable<JsonNode> List(RestJsonClient client, string path) => client.ListAsync(Api(client, path), Next, p => p as JsonArray, CancellationToken.None);

    private string Folder(string fullPath) => Path.Combine([context.SnapshotFolder, "gitlab", .. fullPath.Split('/')]);

    private async Task RunAsync(RestCollectorSession session)
    {
        var client = session.Client;
        var projects = new SortedSet<string>(options.Projects.Select(p => p.Trim('/')), StringComparer.OrdinalIgnoreCase);
        var groups = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in options.Groups.Select(g => g.Trim('/')))
        {
            try
            {
                groups.Add(group);
                await foreach (var sub in List(client, $"groups/{Id(group)}/descendant_groups?per_page=100"))
                {
                    groups.Add(sub["full_path"]!.GetValue<string>());
                }

                await foreach (var project in List(client, $"groups/{Id(group)}/projects?include_subgroups=true&archived=false&per_page=100"))
                {
                    projects.Add(project["path_with_namespace"]!.GetValue<string>());
                }
            }
            catch (RestFailureException e)
            {
                context.Coverage.Failed("gitlab", group, 0, $"GitLab group {group} could not be listed ({e.Message}); see docs/permissions.md");
            }
        }

        // Variables of every group above a project reach it: collect the whole namespace chain.
        foreach (var path in projects.Concat(groups).ToList())
        {
            var parts = path.Split('/');
            for (var i = 1; i < parts.Length; i++)
            {
                groups.Add(string.Join('/', parts[..i]));
            }
        }

        foreach (var group in groups)
        {
            await GroupAsync(client, group).ConfigureAwait(false);
        }

        await session.ForEachScopeAsync(projects, p => p, "gitlab", "GitLab project", (project, ct) => ProjectAsync(session, project, ct)).ConfigureAwait(false);
    }

    private async Task GroupAsync(RestJsonClient client, string group)
    {
        JsonNode info;
        try
        {
            info = await client.GetAsync(Api(client, $"groups/{Id(group)}"), CancellationToken.None).ConfigureAwait(false);
        }
        catch (RestFailureException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return; // a user's personal namespace, not a group
        }
        catch (RestFailureException e)
        {
            context.Coverage.Failed("gitlab.group", group, 0, $"GitLab group {group} could not be read ({e.Message})");
            return;
        }

        SnapshotJson.Write(Path.Combine(Folder(group), "group.json"), info);
        await VariablesAsync(client, $"groups/{Id(group)}/variables?per_page=100", Path.Combine(Folder(group), "variables.json"), "gitlab.group-variables", group,
            "group variables need the Owner role (or Maintainer on the group)").ConfigureAwait(false);
    }

    /// <summary>Variables with their values removed: the name, scope and masking are all a rule needs, and all we keep.</summary>
    private async Task VariablesAsync(RestJsonClient client, string path, string file, string source, string scope, string permission)
    {
        var list = new JsonArray();
        try
        {
            await foreach (var v in List(client, path))
            {
                v.AsObject().Remove("value");
                list.Add(v);
            }
        }
        catch (RestFailureException e) when (e.Denied)
        {
            context.Coverage.Failed(source, scope, 0, $"GitLab refused the variables of {scope} ({(int)e.Status}: {e.Message}): {permission}");
            return;
        }

        SnapshotJson.Write(file, list);
    }

    private static DateTimeOffset? Time(JsonNode record, string name) =>
        record[name]?.GetValue<string>() is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v) ? v : null;

    private async Task ProjectAsync(RestCollectorSession session, string project, CancellationToken ct)
    {
        var client = session.Client;
        var folder = Folder(project);
        var info = await client.GetAsync(Api(client, $"projects/{Id(project)}"), ct).ConfigureAwait(false);
        var id = info["id"]!.ToString();
        var windowStart = session.WindowStart;
        var window = session.Window(["gitlab", .. project.Split('/'), "deployments.json"]);
        var since = session.Since(window, TimeSpan.FromHours(1));
        await foreach (var d in List(client, $"projects/{id}/deployments?order_by=updated_at&sort=asc&per_page=100&updated_after={Uri.EscapeDataString(since.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}"))
        {
            var record = d;
            // Premium lists may leave approvals to the single-deployment answer: ask for it where the tier says there are some.
            if (record["approvals"] is null && record["pending_approval_count"] is not null)
            {
                record = await client.GetAsync(Api(client, $"projects/{id}/deployments/{d["id"]}"), ct).ConfigureAwait(false);
            }

            window.Merge(record["id"]!.ToString(), record);
        }

        var deployments = window.Window(windowStart, r => Time(r, "updated_at") ?? Time(r, "created_at"));
        SnapshotJson.Write(Path.Combine(folder, "project.json"), info);
        SnapshotJson.Write(Path.Combine(folder, "deployments.json"), new JsonArray([.. deployments.Select(d => d.DeepClone())]));
        try
        {
            var protectedEnvironments = new JsonArray();
            await foreach (var e in List(client, $"projects/{id}/protected_environments?per_page=100"))
            {
                protectedEnvironments.Add(e);
            }

            SnapshotJson.Write(Path.Combine(folder, "protected_environments.json"), protectedEnvironments);
        }
        catch (RestFailureException e) when (e.Denied)
        {
            context.Coverage.Partial("gitlab.protected-environments", project, 0,
                $"GitLab answered {(int)e.Status} for the protected environments of {project}: protected environments and deployment approvals are GitLab Premium features (or the token lacks the Maintainer role); environment protection is not judged");
        }

        await VariablesAsync(client, $"projects/{id}/variables?per_page=100", Path.Combine(folder, "variables.json"), "gitlab.variables", project,
            "project variables need the Maintainer role").ConfigureAwait(false);
        session.SaveOnCommit(window);
    }
}
