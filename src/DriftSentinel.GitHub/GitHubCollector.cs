using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Sources;
using DriftSentinel.Http;

namespace DriftSentinel.GitHub;

/// <summary>
/// Collects GitHub Actions records into github/OWNER/REPO/… as <see cref="GitHubSnapshotReader"/> reads them:
/// deployments (incremental by watermark, kept for the window), their statuses, the runs they link to and those
/// runs' approvals, environments with protection rules, repository, environment and organization secrets (names only).
/// Unchanged resources are confirmed with conditional requests; rate limits are waited out.
/// </summary>
internal sealed class GitHubCollector(GitHubCollectionOptions options, LiveCollectionContext context, Func<string, string?> environment, HttpMessageHandler? transport)
{
    public Action Collect()
    {
        using var session = new RestCollectorSession(options, context, "github", options.ApiUrl, transport);
        var http = session.Http;
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.App is null ? RestCollectorSession.Token("GitHub", options.TokenVariable, environment) : AppToken(http));
        RunAsync(session).GetAwaiter().GetResult();
        context.Log($"github: {session.Client.NotModified} answers confirmed unchanged by ETag");
        return session.Commit();
    }

    /// <summary>A GitHub App: a ten-minute JWT (RS256, issued a minute in the past for clock drift) buys an installation token.</summary>
    private string AppToken(HttpClient http)
    {
        var app = options.App!;
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(app.PrivateKeyFile));
        }
        catch (Exception e) when (e is IOException or ArgumentException or CryptographicException or UnauthorizedAccessException)
        {
            throw new SourceConfigurationException($"GitHub App private key {app.PrivateKeyFile} cannot be read: {e.Message}");
        }

        var now = context.Clock.GetUtcNow().ToUnixTimeSeconds();
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var unsigned = B64(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")) + "." +
            B64(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"iat\":{now - 60},\"exp\":{now + 540},\"iss\":\"{app.AppId}\"}}")));
        var jwt = unsigned + "." + B64(rsa.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"app/installations/{app.InstallationId}/access_tokens");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        using var response = http.Send(request);
        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        return response.IsSuccessStatusCode && JsonNode.Parse(body)?["token"]?.GetValue<string>() is { } token
            ? token
            : throw new SourceConfigurationException($"GitHub App installation {app.InstallationId}: no installation token ({(int)response.StatusCode} {response.StatusCode})");
    }

    private async Task RunAsync(RestCollectorSession session)
    {
        var client = session.Client;
        var explicitRepos = options.Repositories.Select(r => r.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var discovered = new List<string>();
        foreach (var org in options.Organizations)
        {
            try
            {
                await foreach (var repo in client.ListAsync(new Uri(client.Http.BaseAddress!, $"orgs/{Uri.EscapeDataString(org)}/repos?per_page=100&type=all"), (r, _) => RestPaging.NextLink(r), p => p as JsonArray, CancellationToken.None))
                {
                    if (repo["archived"]?.GetValue<bool>() != true && repo["full_name"]?.GetValue<string>() is { } name && !explicitRepos.Contains(name))
                    {
                        discovered.Add(name);
                    }
                }
            }
            catch (RestFailureException e)
            {
                context.Coverage.Failed("github", org, 0, $"the repositories of organization {org} could not be listed: {e.Message}");
            }
        }

        var owners = options.Organizations.Concat(explicitRepos.Select(r => r.Split('/')[0])).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var owner in owners)
        {
            await OrganizationSecretsAsync(client, owner).ConfigureAwait(false);
        }

        var all = explicitRepos.Select(r => (Name: r, Explicit: true)).Concat(discovered.Select(r => (Name: r, Explicit: false))).ToList();
        await session.ForEachScopeAsync(all, r => r.Name, "github", "GitHub repository",
            (repo, ct) => RepositoryAsync(session, repo.Name, repo.Explicit, ct)).ConfigureAwait(false);
    }

    private static Uri Api(RestJsonClient client, string path) => new(client.Http.BaseAddress!, path);

    private string Folder(string repo) => Path.Combine([context.SnapshotFolder, "github", .. repo.Split('/')]);

    private async Task OrganizationSecretsAsync(RestJsonClient client, string owner)
    {
        var secrets = new JsonArray();
        try
        {
            await foreach (var secret in client.ListAsync(Api(client, $"orgs/{Uri.EscapeDataString(owner)}/actions/secrets?per_page=100"), (r, _) => RestPaging.NextLink(r), p => p["secrets"] as JsonArray, CancellationToken.None))
            {
                if (secret["visibility"]?.GetValue<string>() == "selected" && secret["name"]?.GetValue<string>() is { } name)
                {
                    var repos = new JsonArray();
                    await foreach (var r in client.ListAsync(Api(client, $"orgs/{Uri.EscapeDataString(owner)}/actions/secrets/{Uri.EscapeDataString(name)}/repositories?per_page=100"),
                        (resp, _) => RestPaging.NextLink(resp), p => p["repositories"] as JsonArray, CancellationToken.None))
                    {
                        repos.Add(new JsonObject { ["id"] = r["id"]?.DeepClone(), ["name"] = r["name"]?.DeepClone(), ["full_name"] = r["full_name"]?.DeepClone() });
                    }

                    secret["selected_repositories"] = repos;
                }

                secrets.Add(secret);
            }
        }
        catch (RestFailureException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return; // a user account, not an organization: it has no organization secrets
        }
        catch (RestFailureException e)
        {
            context.Coverage.Failed("github.org-secrets", owner, 0, $"organization secrets of {owner} could not be read ({e.Message}); see docs/permissions.md");
            return;
        }

        SnapshotJson.Write(Path.Combine(context.SnapshotFolder, "github", owner, "org-secrets.json"), new JsonObject { ["total_count"] = secrets.Count, ["secrets"] = secrets });
    }

    private static DateTimeOffset? CreatedAt(JsonNode record) =>
        record["created_at"]?.GetValue<string>() is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v) ? v : null;

    private async Task RepositoryAsync(RestCollectorSession session, string repo, bool isExplicit, CancellationToken ct)
    {
        var client = session.Client;
        var windowStart = session.WindowStart;
        var window = session.Window(["github", .. repo.Split('/'), "deployments.json"]);
        // A day of overlap: a deployment created just before the last run may have been listed after it.
        var since = session.Since(window, TimeSpan.FromDays(1));
        Uri? page = Api(client, $"repos/{repo}/deployments?per_page=100");
        while (page is not null)
        {
            var result = await client.GetPageAsync(page, (r, _) => RestPaging.NextLink(r), ct).ConfigureAwait(false);
            var items = result.Body as JsonArray ?? throw new RestFailureException(System.Net.HttpStatusCode.OK, page.GetLeftPart(UriPartial.Path), "expected a list of deployments");
            var older = false;
            foreach (var d in items.ToList())
            {
                items.Remove(d);
                if (CreatedAt(d!) is { } created && created < since)
                {
                    older = true; // newest first: everything after this is already known
                    continue;
                }

                window.Merge(d!["id"]!.ToString(), d);
            }

            page = older ? null : result.Next;
        }

        var deployments = window.Window(windowStart, CreatedAt);
        if (deployments.Count == 0 && !isExplicit)
        {
            return; // found through its organization and never deployed: not a pipeline this baseline can declare
        }

        var folder = Folder(repo);
        var runIds = new SortedSet<long>();
        foreach (var d in deployments)
        {
            var id = d["id"]!.ToString();
            var statuses = await client.GetAsync(Api(client, $"repos/{repo}/deployments/{id}/statuses?per_page=100"), ct).ConfigureAwait(false);
            SnapshotJson.Write(Path.Combine(folder, "deployment-statuses", $"{id}.json"), statuses);
            foreach (var s in statuses as JsonArray ?? [])
            {
                if ((GitHubSnapshotReader.RunIdOf(s?["log_url"]?.GetValue<string>()) ?? GitHubSnapshotReader.RunIdOf(s?["target_url"]?.GetValue<string>())) is { } run)
                {
                    runIds.Add(run);
                }
            }
        }

        SnapshotJson.Write(Path.Combine(folder, "deployments.json"), new JsonArray([.. deployments.Reverse().Select(d => d.DeepClone())]));
        var runs = new JsonArray();
        foreach (var run in runIds)
        {
            try
            {
                runs.Add(await client.GetAsync(Api(client, $"repos/{repo}/actions/runs/{run}"), ct).ConfigureAwait(false));
                SnapshotJson.Write(Path.Combine(folder, "approvals", $"{run}.json"), await client.GetAsync(Api(client, $"repos/{repo}/actions/runs/{run}/approvals"), ct).ConfigureAwait(false));
            }
            catch (RestFailureException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
            {
                // Runs are deleted by retention: the deployment names a run that no longer exists; DS-DEP-002 says so.
                context.Coverage.Partial("github.runs", repo, runs.Count, $"run {run} linked from a deployment no longer exists (workflow run retention)");
            }
        }

        SnapshotJson.Write(Path.Combine(folder, "runs.json"), new JsonObject { ["total_count"] = runs.Count, ["workflow_runs"] = runs });
        await OptionalAsync(repo, "github.environments", "environments", async () =>
        {
            var environments = await client.GetAsync(Api(client, $"repos/{repo}/environments?per_page=100"), ct).ConfigureAwait(false);
            SnapshotJson.Write(Path.Combine(folder, "environments.json"), environments);
            foreach (var env in environments["environments"] as JsonArray ?? [])
            {
                var name = env!["name"]!.GetValue<string>();
                await OptionalAsync(repo, "github.environment-secrets", $"secrets of environment {name}", async () =>
                    SnapshotJson.Write(Path.Combine(folder, "environment-secrets", $"{name}.json"),
                        await client.GetAsync(Api(client, $"repos/{repo}/environments/{Uri.EscapeDataString(name)}/secrets?per_page=100"), ct).ConfigureAwait(false))).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        await OptionalAsync(repo, "github.secrets", "repository secrets", async () =>
            SnapshotJson.Write(Path.Combine(folder, "secrets.json"), await client.GetAsync(Api(client, $"repos/{repo}/actions/secrets?per_page=100"), ct).ConfigureAwait(false))).ConfigureAwait(false);
        session.SaveOnCommit(window);
    }

    /// <summary>One part of a repository the token or the plan may not allow: a coverage entry, and the rest goes on.</summary>
    private async Task OptionalAsync(string repo, string source, string what, Func<Task> read)
    {
        try
        {
            await read().ConfigureAwait(false);
        }
        catch (RestFailureException e) when (e.Denied)
        {
            context.Coverage.Failed(source, repo, 0, $"GitHub refused the {what} of {repo} ({(int)e.Status}: {e.Message}): the token lacks the read permission in docs/permissions.md, or the plan lacks the feature (environments on private repositories need GitHub Team or Enterprise)");
        }
    }
}
