using System.Globalization;
using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.AzureDevOps;

/// <summary>
/// Reads DIR/azure-devops/&lt;organization&gt;/&lt;project&gt;/… (Azure DevOps REST 7.1 responses): environments, their
/// deployment records and checks, builds, approvals with steps, variable groups and their pipeline permissions.
/// </summary>
internal sealed class AzureDevOpsSnapshotReader : ISnapshotReader
{
    public void Read(string snapshotRoot, ScanInput input)
    {
        var dir = Path.Combine(snapshotRoot, "azure-devops");
        if (!Directory.Exists(dir))
        {
            input.Coverage.Missing("azure-devops", "*", "no azure-devops/ folder in the snapshot");
            return;
        }

        foreach (var orgDir in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            foreach (var projectDir in Directory.EnumerateDirectories(orgDir).Order(StringComparer.Ordinal))
            {
                ReadProject(snapshotRoot, projectDir, $"{Path.GetFileName(orgDir)}/{Path.GetFileName(projectDir)}", input);
            }
        }
    }

    private static void ReadProject(string root, string dir, string project, ScanInput input)
    {
        var inv = input.Inventory.Repository(PipelineProviders.AzureDevOps, project);
        SnapshotFiles.Read(root, Path.Combine(dir, "builds.json"), "azure-devops.builds", project, input, (p, d) => ReadBuilds(p, d, project, inv));
        var environments = new Dictionary<long, string>();
        inv.EnvironmentsRead = SnapshotFiles.Read(root, Path.Combine(dir, "environments.json"), "azure-devops.environments", project, input, (p, d) =>
        {
            using var doc = Json.ParseFile(p, d);
            foreach (var (e, i) in Json.ArrayOrList(doc.RootElement, "value", d).Select((x, i) => (x, i)))
            {
                environments[e.Long("id") ?? throw new InputFormatException(d, $"value[{i}]", "required field 'id' is missing")] =
                    e.Str("name") ?? throw new InputFormatException(d, $"value[{i}]", "required field 'name' is missing");
            }

            return environments.Count;
        });

        foreach (var (id, name) in environments.OrderBy(e => e.Key))
        {
            var scope = $"{project}:{name}";
            var file = $"{id.ToString(CultureInfo.InvariantCulture)}.json";
            SnapshotFiles.Read(root, Path.Combine(dir, "environment-deployments", file), "azure-devops.deployments", scope, input,
                (p, d) => ReadDeployments(p, d, project, name, inv));
            var checksRead = SnapshotFiles.Read(root, Path.Combine(dir, "checks", file), "azure-devops.checks", scope, input,
                (p, d) => ReadChecks(p, d, project, name, inv));
            if (!checksRead)
            {
                inv.Environments.Add(new PipelineEnvironment(project, name, [], false, false) { ProtectionRead = false });
            }
        }

        if (!SnapshotFiles.Read(root, Path.Combine(dir, "approvals.json"), "azure-devops.approvals", project, input, (p, d) => ReadApprovals(p, d, inv)))
        {
            inv.ApprovalsUnavailable = $"azure-devops/{project}/approvals.json was not read: approvals of its runs are unknown";
        }

        var permissions = Path.Combine(dir, "pipeline-permissions", "variablegroup");
        inv.HasSecrets = SnapshotFiles.Read(root, Path.Combine(dir, "variable-groups.json"), "azure-devops.variable-groups", project, input,
            (p, d) => ReadVariableGroups(root, p, d, project, permissions, inv, input));
    }

    private static long ReadBuilds(string path, string display, string project, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (b, i) in Json.ArrayOrList(doc.RootElement, "value", display).Select((x, i) => (x, i)))
        {
            var id = b.Long("id") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'id' is missing");
            var person = b.PathStr("requestedFor", "uniqueName") ?? b.PathStr("requestedBy", "uniqueName");
            inv.Runs[id] = new PipelineRun
            {
                Id = id,
                Provider = PipelineProviders.AzureDevOps,
                Repository = project,
                Name = b.PathStr("definition", "name"),
                HeadSha = b.Str("sourceVersion") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'sourceVersion' is missing"),
                Event = b.Str("reason"),
                Status = b.Str("status"),
                Conclusion = b.Str("result"),
                Actor = person,
                TriggeringActor = person,
                CreatedAt = b.Time("queueTime") ?? b.Time("startTime") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'queueTime' is missing or not a time"),
                UpdatedAt = b.Time("finishTime"),
                Source = new SourceLocation(display, $"value[{i}] id {id}"),
            };
            n++;
        }

        return n;
    }

    private static string StateOf(string? result) => result switch
    {
        "succeeded" or "succeededWithIssues" => "success",
        "failed" => "failure",
        "canceled" or "skipped" => "inactive",
        _ => "in_progress",
    };

    /// <summary>GET _apis/pipelines/environments/{id}/environmentdeploymentrecords: the run (owner) and stage that deployed.</summary>
    private static long ReadDeployments(string path, string display, string project, string environment, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (r, i) in Json.ArrayOrList(doc.RootElement, "value", display).Select((x, i) => (x, i)))
        {
            var id = r.Long("id") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'id' is missing");
            var runId = r.PathLong("owner", "id");
            var run = runId is { } rid ? inv.Runs.GetValueOrDefault(rid) : null;
            var started = r.Time("startTime") ?? r.Time("queueTime") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'startTime' is missing or not a time");
            var finished = r.Time("finishTime");
            inv.Deployments.Add(new PipelineDeployment
            {
                Id = id,
                Provider = PipelineProviders.AzureDevOps,
                Repository = project,
                Environment = environment,
                // The record names the run, not the commit: the commit is the run's (empty when the run was not exported).
                Sha = run?.HeadSha ?? "",
                Ref = r.Str("stageName"),
                Creator = run?.TriggeringActor,
                CreatedAt = started,
                Statuses = finished is { } f ? [new PipelineDeploymentStatus(id, StateOf(r.Str("result")), null, f, null, null)] : [],
                RunId = runId,
                TriggeredBy = run?.TriggeringActor,
                Source = new SourceLocation(display, $"value[{i}] id {id}"),
            });
            n++;
        }

        return n;
    }

    /// <summary>GET _apis/pipelines/checks/configurations?resourceType=environment&amp;resourceId={id}&amp;$expand=settings.</summary>
    private static long ReadChecks(string path, string display, string project, string environment, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        var checks = Json.ArrayOrList(doc.RootElement, "value", display).ToList();
        var approvals = checks.Where(c => c.PathStr("type", "name") == "Approval").ToList();
        var approvers = approvals.SelectMany(c => c.Path("settings", "approvers").Items())
            .Select(a => a.Str("uniqueName") ?? a.Str("displayName") ?? a.Str("id") ?? "").Where(x => x.Length > 0).Distinct().ToList();
        var branchControl = checks.Any(c => c.PathStr("type", "name") == "Branch control"
            || c.PathStr("settings", "definitionRef", "name") == "evaluatebranchProtection");
        // minRequiredApprovers 0 means every listed approver must approve.
        var required = approvals.Select(c => (int)(c.PathLong("settings", "minRequiredApprovers") ?? 0) is var m && m > 0 ? m : c.Path("settings", "approvers").Items().Count()).DefaultIfEmpty(0).Max();
        inv.Environments.Add(new PipelineEnvironment(project, environment, approvers, approvals.Count > 0 && approvers.Count > 0,
            approvals.Count > 0 && approvals.All(c => c.Path("settings")?.Bool("requesterCannotBeApprover") == true))
        {
            BranchPolicy = branchControl ? "branch control check" : null,
            RequiredApprovals = required,
            Source = new SourceLocation(display, $"{checks.Count} check configuration(s)"),
        });
        return checks.Count;
    }

    /// <summary>GET _apis/pipelines/approvals?$expand=steps: each step's actual approver becomes an approval of the run's environments.</summary>
    private static long ReadApprovals(string path, string display, PipelineRepositoryInventory inv)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (a, i) in Json.ArrayOrList(doc.RootElement, "value", display).Select((x, i) => (x, i)))
        {
            if (a.PathLong("pipeline", "owner", "id") is not { } runId)
            {
                throw new InputFormatException(display, $"value[{i}].pipeline.owner", "required field 'id' (the run the approval gated) is missing");
            }

            // An approval gates a stage of the run; the environments are those the run's records deployed to.
            var environments = inv.Deployments.Where(d => d.RunId == runId).Select(d => d.Environment).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var list = inv.Approvals.TryGetValue(runId, out var existing) ? existing : inv.Approvals[runId] = [];
            foreach (var (s, k) in a.Prop("steps").Items().Select((x, k) => (x, k)))
            {
                list.Add(new PipelineApproval(runId, environments, s.Str("status") ?? "unknown",
                    s.PathStr("actualApprover", "uniqueName") ?? s.PathStr("assignedApprover", "uniqueName"), s.Str("comment"),
                    new SourceLocation(display, $"value[{i}].steps[{k}]"))
                { DecidedAt = s.Time("lastModifiedOn") });
                n++;
            }
        }

        return n;
    }

    private static long ReadVariableGroups(string root, string path, string display, string project, string permissionsDir, PipelineRepositoryInventory inv, ScanInput input)
    {
        using var doc = Json.ParseFile(path, display);
        long n = 0;
        foreach (var (g, i) in Json.ArrayOrList(doc.RootElement, "value", display).Select((x, i) => (x, i)))
        {
            var id = g.Long("id") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'id' is missing");
            var name = g.Str("name") ?? throw new InputFormatException(display, $"value[{i}]", "required field 'name' is missing");
            var secrets = g.Prop("variables") is { ValueKind: JsonValueKind.Object } vars
                ? vars.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.Object && v.Value.Bool("isSecret") == true).Select(v => v.Name).Order(StringComparer.Ordinal).ToList()
                : [];
            if (secrets.Count == 0)
            {
                continue; // configuration only
            }

            // Who may use the group decides its reach; unread, it is not judged (the coverage entry says so).
            bool? open = null;
            SnapshotFiles.Read(root, Path.Combine(permissionsDir, $"{id.ToString(CultureInfo.InvariantCulture)}.json"), "azure-devops.pipeline-permissions", $"{project} variable group {name}", input, (p, d) =>
            {
                using var perm = Json.ParseFile(p, d);
                open = perm.RootElement.Path("allPipelines")?.Bool("authorized") == true;
                return Json.Objects(perm.RootElement.Prop("pipelines").Items(), d, "pipelines").Count();
            });
            if (open is null)
            {
                continue;
            }

            inv.Secrets.Add(new PipelineSecret(project, name, null, g.Time("modifiedOn"), new SourceLocation(display, $"value[{i}] id {id}"))
            {
                Scope = open.Value ? PipelineSecretScope.Project : PipelineSecretScope.Pipeline,
                Kind = "variable group",
                Contents = $"secret variables: {string.Join(", ", secrets)}",
            });
            n++;
        }

        return n;
    }
}
