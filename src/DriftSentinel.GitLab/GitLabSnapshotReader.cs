using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitLab;

/// <summary>
/// Reads DIR/gitlab/&lt;namespace&gt;/…: a folder holding project.json is a project (deployments, protected
/// environments, variables), one holding group.json a group (its variables reach every project below it).
/// </summary>
internal sealed class GitLabSnapshotReader : ISnapshotReader
{
    public void Read(string snapshotRoot, ScanInput input)
    {
        var dir = Path.Combine(snapshotRoot, "gitlab");
        if (!Directory.Exists(dir))
        {
            input.Coverage.Missing("gitlab", "*", "no gitlab/ folder in the snapshot");
            return;
        }

        Walk(snapshotRoot, dir, input);
    }

    private static void Walk(string root, string dir, ScanInput input)
    {
        foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            var relative = SnapshotFiles.Relative(Path.Combine(root, "gitlab"), sub);
            if (SnapshotFiles.Present(Path.Combine(sub, "project.json")))
            {
                ReadProject(root, sub, relative, input);
                continue; // a project has no projects below it
            }

            if (SnapshotFiles.Present(Path.Combine(sub, "group.json")))
            {
                SnapshotFiles.Read(root, Path.Combine(sub, "group.json"), "gitlab.group", relative, input, (p, d) =>
                {
                    using var doc = Json.ParseFile(p, d);
                    return doc.RootElement.ValueKind == JsonValueKind.Object ? 1 : throw new InputFormatException(d, "line 1", "expected the group object of GET /groups/:id");
                });
                SnapshotFiles.Read(root, Path.Combine(sub, "variables.json"), "gitlab.group-variables", relative, input,
                    (p, d) => ReadGroupVariables(p, d, relative, input.Inventory), optional: true);
            }
            else if (Directory.EnumerateFiles(sub, "*.json").Any())
            {
                input.Coverage.Failed("gitlab", relative, 0, $"gitlab/{relative}/ holds JSON files but neither project.json nor group.json: it is not read");
            }

            Walk(root, sub, input);
        }
    }

    private static void ReadProject(string root, string dir, string folderPath, ScanInput input)
    {
        string path = folderPath;
        SnapshotFiles.Read(root, Path.Combine(dir, "project.json"), "gitlab.project", folderPath, input, (p, d) =>
        {
            using var doc = Json.ParseFile(p, d);
            path = doc.RootElement.Str("path_with_namespace") ?? throw new InputFormatException(d, "path_with_namespace", "required field is missing");
            return 1;
        });
        var inv = input.Inventory.Repository(PipelineProviders.GitLab, path);
        SnapshotFiles.Read(root, Path.Combine(dir, "deployments.json"), "gitlab.deployments", path, input, (p, d) => ReadDeployments(p, d, path, inv, input));
        inv.EnvironmentsRead = SnapshotFiles.Read(root, Path.Combine(dir, "protected_environments.json"), "gitlab.protected-environments", path, input,
            (p, d) => ReadProtectedEnvironments(p, d, path, inv));
        inv.HasSecrets = SnapshotFiles.Read(root, Path.Combine(dir, "variables.json"), "gitlab.variables", path, input, (p, d) => ReadProjectVariables(p, d, path, inv));
    }

    /// <summary>GitLab's deployment status as the deployment-status states the rules read.</summary>
    private static string StateOf(string? status) => status switch
    {
        "success" => "success",
        "failed" => "failure",
        "canceled" or "skipped" => "inactive",
        "blocked" => "waiting",
        "running" => "in_progress",
        _ => "queued",
    };

    private static long ReadDeployments(string path, string display, string project, PipelineRepositoryInventory inv, ScanInput input)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        var withoutApprovals = 0;
        foreach (var (d, i) in Json.ArrayOrList(doc.RootElement, "deployments", display).Select((x, i) => (x, i)))
        {
            var id = d.Long("id") ?? throw new InputFormatException(display, $"[{i}]", "required field 'id' is missing");
            var environment = d.PathStr("environment", "name") ?? throw new InputFormatException(display, $"[{i}].environment", "required field 'name' is missing");
            var created = d.Time("created_at") ?? throw new InputFormatException(display, $"[{i}]", "required field 'created_at' is missing or not a time");
            var job = d.Prop("deployable") is { ValueKind: JsonValueKind.Object } j ? j : (JsonElement?)null;
            var pipeline = job?.Prop("pipeline") is { ValueKind: JsonValueKind.Object } pl ? pl : (JsonElement?)null;
            var runId = pipeline?.Long("id");
            var sha = d.Str("sha") ?? throw new InputFormatException(display, $"[{i}]", "required field 'sha' is missing");
            var triggeredBy = job?.PathStr("user", "username") ?? d.PathStr("user", "username");
            var source = new SourceLocation(display, $"[{i}] id {id}");
            if (runId is { } rid && pipeline is { } p)
            {
                inv.Runs.TryAdd(rid, new PipelineRun
                {
                    Id = rid,
                    Provider = PipelineProviders.GitLab,
                    Repository = project,
                    Name = job?.Str("name"),
                    HeadSha = p.Str("sha") ?? sha,
                    Event = p.Str("source"),
                    Status = p.Str("status"),
                    Conclusion = p.Str("status"),
                    Actor = triggeredBy,
                    TriggeringActor = triggeredBy,
                    HeadCommitAuthorEmail = job?.PathStr("commit", "author_email"),
                    HeadCommitAuthorName = job?.PathStr("commit", "author_name"),
                    CreatedAt = p.Time("created_at") ?? job?.Time("created_at") ?? created,
                    UpdatedAt = p.Time("updated_at"),
                    Source = source,
                });
            }

            // Premium and Ultimate return approvals (possibly empty); Free returns no such field: unknown, not unapproved.
            if (d.Prop("approvals") is { ValueKind: JsonValueKind.Array } approvals)
            {
                if (runId is { } r)
                {
                    var list = inv.Approvals.TryGetValue(r, out var existing) ? existing : inv.Approvals[r] = [];
                    list.AddRange(approvals.EnumerateArray().Select((a, k) => new PipelineApproval(r, [environment], a.Str("status") ?? "unknown",
                        a.PathStr("user", "username"), a.Str("comment"), new SourceLocation(display, $"[{i}].approvals[{k}]"))
                    { DecidedAt = a.Time("created_at") }));
                }
            }
            else
            {
                withoutApprovals++;
            }

            var status = d.Str("status");
            var finished = d.Time("finished_at") ?? d.Time("updated_at") ?? created;
            inv.Deployments.Add(new PipelineDeployment
            {
                Id = id,
                Provider = PipelineProviders.GitLab,
                Repository = project,
                Environment = environment,
                Sha = sha,
                Ref = d.Str("ref"),
                Creator = d.PathStr("user", "username"),
                CreatedAt = created,
                Statuses = [new PipelineDeploymentStatus(id, StateOf(status), d.PathStr("user", "username"), finished, job?.Str("web_url"), null)],
                RunId = runId,
                TriggeredBy = triggeredBy,
                Source = source,
            });
            n++;
        }

        if (withoutApprovals > 0)
        {
            inv.ApprovalsUnavailable = $"{withoutApprovals} deployment(s) in {display} carry no approvals field (deployment approvals are a GitLab Premium feature): their approval is unknown";
            input.Coverage.Partial("gitlab.approvals", project, n - withoutApprovals, inv.ApprovalsUnavailable);
        }

        return n;
    }

    /// <summary>GET /projects/:id/protected_environments: only protected environments are listed.</summary>
    private static long ReadProtectedEnvironments(string path, string display, string project, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (e, i) in Json.ArrayOrList(doc.RootElement, "protected_environments", display).Select((x, i) => (x, i)))
        {
            var name = e.Str("name") ?? throw new InputFormatException(display, $"[{i}]", "required field 'name' is missing");
            var rules = e.Prop("approval_rules").Items().ToList();
            // required_approval_count is the older, environment-wide form; approval rules replaced it (GitLab 15.x+).
            var required = (int)(e.Long("required_approval_count") ?? 0) + rules.Sum(r => (int)(r.Long("required_approvals") ?? 0));
            inv.Environments.Add(new PipelineEnvironment(project, name, rules.Select(AccessName).ToList(), required > 0, PreventSelfReview: true)
            {
                RequiredApprovals = required,
                Source = new SourceLocation(display, $"[{i}]"),
            });
            n++;
        }

        return n;
    }

    private static string AccessName(JsonElement rule) =>
        rule.Long("user_id") is { } user ? $"user {user}"
        : rule.Long("group_id") is { } group ? $"group {group}"
        : rule.Str("access_level_description") ?? $"access level {rule.Long("access_level")}";

    /// <summary>
    /// A variable is read as a secret when GitLab masks (or hides) its value; plain variables are configuration.
    /// The export carries no values (the collector drops them); a value present in a hand-made file is ignored.
    /// </summary>
    private static IEnumerable<(JsonElement Variable, int Index, string Key, string? Scope)> SecretVariables(JsonElement root, string display) =>
        Json.ArrayOrList(root, "variables", display).Select((v, i) => (v, i))
            .Where(x => x.v.Bool("masked") == true || x.v.Bool("hidden") == true)
            .Select(x => (x.v, x.i, x.v.Str("key") ?? throw new InputFormatException(display, $"[{x.i}]", "required field 'key' is missing"),
                x.v.Str("environment_scope") is { } s && s != "*" ? s : null));

    private static long ReadProjectVariables(string path, string display, string project, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (_, i, key, scope) in SecretVariables(doc.RootElement, display))
        {
            inv.Secrets.Add(new PipelineSecret(project, key, scope, null, new SourceLocation(display, $"[{i}]")) { Kind = "masked variable" });
            n++;
        }

        return n;
    }

    private static long ReadGroupVariables(string path, string display, string group, ScanInventory inventory)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (_, i, key, scope) in SecretVariables(doc.RootElement, display))
        {
            inventory.SharedSecrets.Add(new PipelineSharedSecret(PipelineProviders.GitLab, group, key, PipelineSecretScope.Group, new SourceLocation(display, $"[{i}]"))
            {
                Environment = scope,
            });
            n++;
        }

        return n;
    }
}
