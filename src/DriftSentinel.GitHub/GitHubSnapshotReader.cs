using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitHub;

/// <summary>Reads DIR/github/&lt;owner&gt;/&lt;repo&gt;/… (GitHub REST responses) of a snapshot folder.</summary>
internal sealed partial class GitHubSnapshotReader : ISnapshotReader
{
    public void Read(string snapshotRoot, ScanInput input)
    {
        var dir = Path.Combine(snapshotRoot, "github");
        if (!Directory.Exists(dir))
        {
            input.Coverage.Missing("github", "*", "no github/ folder in the snapshot");
            return;
        }

        foreach (var ownerDir in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            var owner = Path.GetFileName(ownerDir);
            SnapshotFiles.Read(snapshotRoot, Path.Combine(ownerDir, "org-secrets.json"), "github.org-secrets", owner, input,
                (p, d) => ReadOrganizationSecrets(p, d, owner, input.Inventory), optional: true);
            foreach (var repoDir in Directory.EnumerateDirectories(ownerDir).Order(StringComparer.Ordinal))
            {
                ReadRepository(snapshotRoot, repoDir, $"{Path.GetFileName(ownerDir)}/{Path.GetFileName(repoDir)}", input);
            }
        }
    }

    private static void ReadRepository(string root, string dir, string repo, ScanInput input)
    {
        var inv = input.Inventory.Repository(PipelineProviders.GitHub, repo);
        SnapshotFiles.Read(root, Path.Combine(dir, "runs.json"), "github.runs", repo, input, (p, d) => ReadRuns(p, d, repo, inv));
        SnapshotFiles.Read(root, Path.Combine(dir, "deployments.json"), "github.deployments", repo, input, (p, d) => ReadDeployments(root, p, d, repo, inv, input));
        inv.EnvironmentsRead = SnapshotFiles.Read(root, Path.Combine(dir, "environments.json"), "github.environments", repo, input, (p, d) => ReadEnvironments(p, d, repo, inv));
        inv.HasSecrets = SnapshotFiles.Read(root, Path.Combine(dir, "secrets.json"), "github.secrets", repo, input, (p, d) => ReadSecrets(p, d, repo, null, inv));

        var approvals = Path.Combine(dir, "approvals");
        if (Directory.Exists(approvals))
        {
            foreach (var file in Directory.EnumerateFileSystemEntries(approvals, "*.json").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (!long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var runId))
                {
                    input.Coverage.Failed("github.approvals", repo, 0, $"{SnapshotFiles.Relative(root, file)}: file name is not a run id");
                    continue;
                }

                SnapshotFiles.Read(root, file, "github.approvals", $"{repo} run {runId}", input, (p, d) => ReadApprovals(p, d, runId, inv));
            }
        }

        var envSecrets = Path.Combine(dir, "environment-secrets");
        if (Directory.Exists(envSecrets))
        {
            foreach (var file in Directory.EnumerateFileSystemEntries(envSecrets, "*.json").Order(StringComparer.Ordinal))
            {
                var env = Path.GetFileNameWithoutExtension(file);
                SnapshotFiles.Read(root, file, "github.environment-secrets", $"{repo}:{env}", input, (p, d) => ReadSecrets(p, d, repo, env, inv));
            }
        }
    }

    private static long ReadRuns(string path, string display, string repo, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (r, i) in Json.ArrayOrList(doc.RootElement, "workflow_runs", display).Select((x, i) => (x, i)))
        {
            var id = r.Long("id") ?? throw new InputFormatException(display, $"workflow_runs[{i}]", "required field 'id' is missing");
            inv.Runs[id] = new PipelineRun
            {
                Id = id,
                Repository = repo,
                Name = r.Str("name"),
                HeadSha = r.Str("head_sha") ?? throw new InputFormatException(display, $"workflow_runs[{i}]", "required field 'head_sha' is missing"),
                Event = r.Str("event"),
                Status = r.Str("status"),
                Conclusion = r.Str("conclusion"),
                Actor = r.PathStr("actor", "login"),
                TriggeringActor = r.PathStr("triggering_actor", "login"),
                HeadCommitAuthorEmail = r.PathStr("head_commit", "author", "email"),
                HeadCommitAuthorName = r.PathStr("head_commit", "author", "name"),
                CreatedAt = r.Time("created_at") ?? throw new InputFormatException(display, $"workflow_runs[{i}]", "required field 'created_at' is missing or not a time"),
                UpdatedAt = r.Time("updated_at"),
                Source = new SourceLocation(display, $"workflow_runs[{i}] id {id}"),
            };
            n++;
        }

        return n;
    }

    private static long ReadDeployments(string root, string path, string display, string repo, PipelineRepositoryInventory inv, ScanInput input)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        var statusDir = Path.Combine(Path.GetDirectoryName(path)!, "deployment-statuses");
        foreach (var (d, i) in Json.ArrayOrList(doc.RootElement, "deployments", display).Select((x, i) => (x, i)))
        {
            var id = d.Long("id") ?? throw new InputFormatException(display, $"[{i}]", "required field 'id' is missing");
            var statuses = new List<PipelineDeploymentStatus>();
            var statusFile = Path.Combine(statusDir, $"{id}.json");
            SnapshotFiles.Read(root, statusFile, "github.deployment-statuses", $"{repo} deployment {id}", input, (p, sd) =>
            {
                using var sdoc = Json.ParseFile(p, sd);
                var read = new List<PipelineDeploymentStatus>();
                foreach (var (s, j) in Json.ArrayOrList(sdoc.RootElement, "statuses", sd).Select((x, j) => (x, j)))
                {
                    read.Add(new PipelineDeploymentStatus(
                        s.Long("id") ?? 0,
                        s.Str("state") ?? "unknown",
                        s.PathStr("creator", "login"),
                        // A status without a usable time cannot say when a deployment finished: the file fails, whole.
                        s.Time("created_at") ?? throw new InputFormatException(sd, $"[{j}]", "required field 'created_at' is missing or not a time between 1990 and 2200"),
                        s.Str("log_url"),
                        s.Str("target_url")));
                }

                statuses.AddRange(read);
                return statuses.Count;
            });

            var runId = statuses.Select(s => RunIdOf(s.LogUrl) ?? RunIdOf(s.TargetUrl)).FirstOrDefault(x => x is not null);
            var run = runId is { } r && inv.Runs.TryGetValue(r, out var found) ? found : null;
            inv.Deployments.Add(new PipelineDeployment
            {
                Id = id,
                Provider = PipelineProviders.GitHub,
                Repository = repo,
                Environment = d.Str("environment") ?? "",
                Sha = d.Str("sha") ?? throw new InputFormatException(display, $"[{i}]", "required field 'sha' is missing"),
                Ref = d.Str("ref"),
                Creator = d.PathStr("creator", "login"),
                CreatedAt = d.Time("created_at") ?? throw new InputFormatException(display, $"[{i}]", "required field 'created_at' is missing or not a time"),
                Statuses = statuses,
                RunId = runId,
                TriggeredBy = run?.TriggeringActor ?? run?.Actor,
                Source = new SourceLocation(display, $"[{i}] id {id}"),
            });
            n++;
        }

        return n;
    }

    /// <summary>The run id in https://github.com/o/r/actions/runs/123/job/456 (or .../runs/123).</summary>
    public static long? RunIdOf(string? url)
    {
        if (url is null)
        {
            return null;
        }

        var m = RunUrl().Match(url);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static long ReadApprovals(string path, string display, long runId, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        var list = new List<PipelineApproval>();
        foreach (var (a, i) in Json.ArrayOrList(doc.RootElement, "approvals", display).Select((x, i) => (x, i)))
        {
            list.Add(new PipelineApproval(
                runId,
                a.Prop("environments").Items().Select(e => e.Str("name") ?? "").Where(x => x.Length > 0).ToList(),
                a.Str("state") ?? "unknown",
                a.PathStr("user", "login"),
                a.Str("comment"),
                new SourceLocation(display, $"[{i}]")));
        }

        inv.Approvals[runId] = list;
        return list.Count;
    }

    private static long ReadEnvironments(string path, string display, string repo, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var e in Json.ArrayOrList(doc.RootElement, "environments", display))
        {
            var rules = e.Prop("protection_rules").Items().ToList();
            var reviewerRule = rules.FirstOrDefault(r => r.Str("type") == "required_reviewers");
            var reviewers = reviewerRule.ValueKind == JsonValueKind.Undefined
                ? []
                : reviewerRule.Prop("reviewers").Items().Select(r => r.PathStr("reviewer", "login") ?? r.PathStr("reviewer", "slug") ?? "").Where(x => x.Length > 0).ToList();
            var branchPolicy = e.Prop("deployment_branch_policy");
            inv.Environments.Add(new PipelineEnvironment(repo, e.Str("name") ?? "", reviewers, reviewerRule.ValueKind != JsonValueKind.Undefined,
                reviewerRule.ValueKind != JsonValueKind.Undefined && reviewerRule.Bool("prevent_self_review") == true)
            {
                AdminBypass = e.Bool("can_admins_bypass"),
                BranchPolicy = branchPolicy?.Bool("protected_branches") == true ? "protected branches" : branchPolicy?.Bool("custom_branch_policies") == true ? "custom" : null,
                Source = new SourceLocation(display, $"environments[{n}]"),
            });
            n++;
        }

        return n;
    }

    private static long ReadSecrets(string path, string display, string repo, string? environment, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (s, i) in Json.ArrayOrList(doc.RootElement, "secrets", display).Select((x, i) => (x, i)))
        {
            // Names and dates only: the API never returns values, and we would not keep one if it did.
            inv.Secrets.Add(new PipelineSecret(repo, s.Str("name") ?? "", environment, s.Time("updated_at"), new SourceLocation(display, $"secrets[{i}]")));
            n++;
        }

        return n;
    }

    /// <summary>
    /// GET /orgs/{org}/actions/secrets, each secret with visibility "selected" carrying the full names from
    /// GET /orgs/{org}/actions/secrets/{name}/repositories as <c>selected_repositories</c> (the collector adds them).
    /// </summary>
    private static long ReadOrganizationSecrets(string path, string display, string owner, ScanInventory inventory)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (s, i) in Json.ArrayOrList(doc.RootElement, "secrets", display).Select((x, i) => (x, i)))
        {
            var name = s.Str("name") ?? throw new InputFormatException(display, $"secrets[{i}]", "required field 'name' is missing");
            var visibility = s.Str("visibility") ?? throw new InputFormatException(display, $"secrets[{i}]", "required field 'visibility' (all, private or selected) is missing");
            if (visibility is not ("all" or "private" or "selected"))
            {
                throw new InputFormatException(display, $"secrets[{i}].visibility", $"expected all, private or selected, not '{visibility}'");
            }

            var selected = s.Prop("selected_repositories");
            if (visibility == "selected" && selected is not { ValueKind: JsonValueKind.Array })
            {
                throw new InputFormatException(display, $"secrets[{i}]", $"visibility is selected but no selected_repositories array lists who can read {name} (GET /orgs/{owner}/actions/secrets/{name}/repositories)");
            }

            inventory.SharedSecrets.Add(new PipelineSharedSecret(PipelineProviders.GitHub, owner, name, PipelineSecretScope.Organization, new SourceLocation(display, $"secrets[{i}]"))
            {
                Visibility = visibility,
                SelectedProjects = selected.Items().Select(r => r.Str("full_name") ?? "").Where(x => x.Length > 0).ToList(),
                UpdatedAt = s.Time("updated_at"),
            });
            n++;
        }

        return n;
    }

    [GeneratedRegex(@"/actions/runs/([0-9]+)")]
    private static partial Regex RunUrl();
}
