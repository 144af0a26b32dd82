using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Sources;
using DriftSentinel.Http;

namespace DriftSentinel.AzureDevOps;

/// <summary>
/// Collects Azure Pipelines records into azure-devops/ORG/PROJECT/… as <see cref="AzureDevOpsSnapshotReader"/> reads
/// them: environments, their deployment records (merged into the window by watermark) and checks, the builds those
/// records name, approvals with their steps, variable groups (values dropped) and who may use them. Lists page with
/// x-ms-continuationtoken; 429 and a Retry-After on a delayed success are waited out.
/// </summary>
internal sealed class AzureDevOpsCollector(AzureDevOpsCollectionOptions options, LiveCollectionContext context, Func<string, string?> environment, HttpMessageHandler? transport)
{
    private const string Version = "api-version=7.1";
    private const string Preview = "api-version=7.1-preview.1";
    public Action Collect()
    {
        var token = RestCollectorSession.Token("Azure DevOps", options.TokenVariable, environment);
        using var session = new RestCollectorSession(options, context, "azure-devops", $"{options.ApiUrl.TrimEnd('/')}/{Uri.EscapeDataString(options.Organization)}", transport);
        session.Http.DefaultRequestHeaders.Authorization = options.TokenKind == "bearer"
            ? new AuthenticationHeaderValue("Bearer", token)
            : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(":" + token)));
        session.ForEachScopeAsync(options.Projects, p => $"{options.Organization}/{p}", "azure-devops", "Azure DevOps project",
            (project, ct) => ProjectAsync(session, project, ct)).GetAwaiter().GetResult();
        return session.Commit();
    }

    private static Uri Api(RestJsonClient client, string project, string path) => new(client.Http.BaseAddress!, $"{Uri.EscapeDataString(project)}/_apis/{path}");

    private static IAsyncEnumerable<JsonNode> List(RestJsonClient client, Uri url) =>
        client.ListAsync(url, RestPaging.NextContinuation, p => p["value"] as JsonArray, CancellationToken.None);

    private static JsonObject Wrapped(IReadOnlyCollection<JsonNode> items) => new() { ["count"] = items.Count, ["value"] = new JsonArray([.. items.Select(i => i.DeepClone())]) };

    private static DateTimeOffset? Time(JsonNode record) =>
        (record["startTime"] ?? record["queueTime"])?.GetValue<string>() is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v) ? v : null;

    private async Task ProjectAsync(RestCollectorSession session, string project, CancellationToken ct)
    {
        var client = session.Client;
        var scope = $"{options.Organization}/{project}";
        var folder = Path.Combine(context.SnapshotFolder, "azure-devops", options.Organization, project);
        var windowStart = session.WindowStart;
        var environments = new List<JsonNode>();
        await foreach (var e in List(client, Api(client, project, $"pipelines/environments?$top=100&{Version}")))
        {
            environments.Add(e);
        }

        var runIds = new SortedSet<long>();
        foreach (var env in environments)
        {
            var id = env["id"]!.ToString();
            var window = session.Window("azure-devops", options.Organization, project, $"environment-{id}.json");
            var since = session.Since(window, TimeSpan.FromHours(1));
            Uri? page = Api(client, project, $"pipelines/environments/{id}/environmentdeploymentrecords?top=100&{Version}");
            while (page is not null)
            {
                var result = await client.GetPageAsync(page, RestPaging.NextContinuation, ct).ConfigureAwait(false);
                var records = (result.Body["value"] as JsonArray ?? []).OfType<JsonNode>().ToList();
                foreach (var r in records.Where(r => Time(r) is not { } t || t >= since))
                {
                    window.Merge(r["id"]!.ToString(), r.DeepClone());
                }

                // Newest first: a page that reaches below the watermark ends what is new.
                page = records.Count > 0 && records.All(r => Time(r) is { } t && t < since) ? null : result.Next;
            }

            var kept = window.Window(windowStart, Time);
            foreach (var r in kept)
            {
                if (r["owner"]?["id"]?.GetValue<long>() is { } run)
                {
                    runIds.Add(run);
                }
            }

            SnapshotJson.Write(Path.Combine(folder, "environment-deployments", $"{id}.json"), Wrapped([.. kept.Reverse()]));
            var checks = await client.GetAsync(Api(client, project, $"pipelines/checks/configurations?resourceType=environment&resourceId={id}&$expand=settings&{Preview}"), ct).ConfigureAwait(false);
            SnapshotJson.Write(Path.Combine(folder, "checks", $"{id}.json"), checks);
            session.SaveOnCommit(window);
        }

        SnapshotJson.Write(Path.Combine(folder, "environments.json"), Wrapped(environments));
        var builds = new List<JsonNode>();
        foreach (var batch in runIds.Chunk(100))
        {
            await foreach (var b in List(client, Api(client, project, $"build/builds?buildIds={string.Join(',', batch)}&{Version}")))
            {
                builds.Add(b);
            }
        }

        SnapshotJson.Write(Path.Combine(folder, "builds.json"), Wrapped(builds));
        try
        {
            var approvals = new List<JsonNode>();
            await foreach (var a in List(client, Api(client, project, $"pipelines/approvals?$expand=steps&state=all&$top=100&{Preview}")))
            {
                if (a["pipeline"]?["owner"]?["id"]?.GetValue<long>() is { } run && runIds.Contains(run))
                {
                    approvals.Add(a);
                }
            }

            SnapshotJson.Write(Path.Combine(folder, "approvals.json"), Wrapped(approvals));
        }
        catch (RestFailureException e) when (e.Denied)
        {
            context.Coverage.Partial("azure-devops.approvals", scope, 0,
                $"Azure DevOps answered {(int)e.Status} for the approvals of {scope} (the Approvals API needs Azure DevOps Services or Server 2020+, and Build: read): approvals are unknown, not missing");
        }

        await VariableGroupsAsync(client, project, scope, folder, ct).ConfigureAwait(false);
    }

    private async Task VariableGroupsAsync(RestJsonClient client, string project, string scope, string folder, CancellationToken ct)
    {
        var groups = new List<JsonNode>();
        try
        {
            await foreach (var g in List(client, Api(client, project, $"distributedtask/variablegroups?{Version}")))
            {
                foreach (var (_, variable) in (g["variables"] as JsonObject ?? []).ToList())
                {
                    (variable as JsonObject)?.Remove("value"); // names and the secret flag only
                }

                groups.Add(g);
            }
        }
        catch (RestFailureException e) when (e.Denied)
        {
            context.Coverage.Failed("azure-devops.variable-groups", scope, 0, $"Azure DevOps refused the variable groups of {scope} ({(int)e.Status}: {e.Message}): the token needs Variable Groups: read");
            return;
        }

        SnapshotJson.Write(Path.Combine(folder, "variable-groups.json"), Wrapped(groups));
        foreach (var g in groups.Where(g => (g["variables"] as JsonObject ?? []).Any(v => v.Value?["isSecret"]?.GetValue<bool>() == true)))
        {
            var id = g["id"]!.ToString();
            try
            {
                SnapshotJson.Write(Path.Combine(folder, "pipeline-permissions", "variablegroup", $"{id}.json"),
                    await client.GetAsync(Api(client, project, $"pipelines/pipelinePermissions/variablegroup/{id}?{Preview}"), ct).ConfigureAwait(false));
            }
            catch (RestFailureException e) when (e.Denied)
            {
                context.Coverage.Failed("azure-devops.pipeline-permissions", $"{scope} variable group {g["name"]}", 0, $"who may use variable group {g["name"]} could not be read ({(int)e.Status}: {e.Message})");
            }
        }
    }
}
