using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Tests.Mutation;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Readers;

/// <summary>
/// The GitLab and Azure DevOps readers over the demo's real-format project exports, changed the way a tier, a
/// permission or a hand export changes them: what cannot be known stays unknown and says why.
/// </summary>
public sealed class GitLabAndAzureDevOpsReaderTests
{
    private const string GitLabProject = "gitlab/example/platform/api";
    private const string AdoProject = "azure-devops/example-org/billing";

    private static JsonDocument Findings(string outDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));

    private static List<(string Rule, string Principal, string Resource, string Message)> Rows(JsonDocument doc) =>
        [.. doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => (f.GetProperty("rule_id").GetString()!, f.GetProperty("principal").GetString() ?? "",
            f.GetProperty("resource").GetString()!, f.GetProperty("message").GetString()!))];

    private static List<JsonElement> Coverage(JsonDocument doc, string source) =>
        [.. doc.RootElement.GetProperty("coverage").EnumerateArray().Where(c => c.GetProperty("source").GetString() == source)];

    private static void EditJson(string path, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }

    [Fact]
    public void A_gitlab_tier_without_deployment_approvals_leaves_approval_unknown_not_unapproved()
    {
        using var t = new TempFolder();
        var (exit, _, stderr, outDir) = DemoMutation.Scan(t, $"{GitLabProject}/deployments.json", path => EditJson(path, n =>
        {
            foreach (var d in n.AsArray())
            {
                d!.AsObject().Remove("approvals");
                d.AsObject().Remove("pending_approval_count");
            }
        }));

        Assert.True(exit == 2, stderr); // a gap: the reports are written and the exit says not everything was read
        using var doc = Findings(outDir);
        var gitlab = Rows(doc).Where(r => r.Rule == "DS-DEP-002" && r.Resource.StartsWith("gitlab:", StringComparison.Ordinal)).ToList();
        // Only the deployment no job made is still reported: that needs no approval data to be wrong.
        Assert.Equal(["gitlab:example/platform/api:production@f60718293a4b"], gitlab.Select(r => r.Resource));
        var note = Assert.Single(Coverage(doc, "gitlab.approvals"));
        Assert.Equal("partial", note.GetProperty("status").GetString());
        Assert.Contains("Premium", note.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_gitlab_approvals_list_on_a_premium_tier_is_an_unapproved_production_deploy()
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"{GitLabProject}/deployments.json", path => EditJson(path, n =>
        {
            foreach (var d in n.AsArray())
            {
                d!["approvals"] = new JsonArray();
            }
        }));

        using var doc = Findings(outDir);
        Assert.Contains(Rows(doc), r => r.Rule == "DS-DEP-002" && r.Resource == "gitlab:example/platform/api:production@e5f60718293a" && r.Message.Contains("has no approval", StringComparison.Ordinal));
        Assert.Empty(Coverage(doc, "gitlab.approvals"));
    }

    [Fact]
    public void A_gitlab_production_environment_that_is_not_protected_is_reported_and_an_unread_list_is_a_gap()
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"{GitLabProject}/protected_environments.json", path => EditJson(path, n => n.AsArray().Clear()));
        using (var doc = Findings(outDir))
        {
            var finding = Assert.Single(Rows(doc), r => r.Rule == "DS-DEP-004" && r.Principal == "gitlab:example/platform/api");
            Assert.Contains("not a protected environment", finding.Message, StringComparison.Ordinal);
        }

        using var t2 = new TempFolder();
        var (_, _, _, out2) = DemoMutation.Scan(t2, $"{GitLabProject}/protected_environments.json", File.Delete);
        using var doc2 = Findings(out2);
        Assert.DoesNotContain(Rows(doc2), r => r.Rule == "DS-DEP-004" && r.Principal.StartsWith("gitlab:", StringComparison.Ordinal));
        Assert.Equal("missing", Assert.Single(Coverage(doc2, "gitlab.protected-environments")).GetProperty("status").GetString());
    }

    [Fact]
    public void Variable_values_in_a_hand_made_export_never_reach_a_report()
    {
        using var t = new TempFolder();
        const string Value = "sk_live_5ecr3tValueThatMustNotLeak";
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"{GitLabProject}/variables.json", path => EditJson(path, n =>
        {
            foreach (var v in n.AsArray())
            {
                v!["value"] = Value;
            }
        }));

        Assert.Contains(Rows(Findings(outDir)), r => r.Resource == "secret STRIPE_SECRET_KEY");
        foreach (var file in Directory.EnumerateFiles(outDir))
        {
            Assert.DoesNotContain(Value, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_azure_devops_environment_whose_checks_were_not_read_is_not_judged_and_says_so()
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"{AdoProject}/checks/12.json", File.Delete);
        using var doc = Findings(outDir);
        Assert.DoesNotContain(Rows(doc), r => r.Rule == "DS-DEP-004" && r.Principal.StartsWith("azure-devops:", StringComparison.Ordinal));
        Assert.Contains(Coverage(doc, "azure-devops.checks"), c => c.GetProperty("status").GetString() == "missing"
            && c.GetProperty("scope").GetString() == "example-org/billing:production");
    }

    [Fact]
    public void A_variable_group_granted_to_named_pipelines_is_scoped_and_one_open_to_all_is_not()
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"{AdoProject}/pipeline-permissions/variablegroup/1.json", path => EditJson(path, n =>
        {
            n["allPipelines"] = null;
            n["pipelines"] = new JsonArray(new JsonObject { ["id"] = 4, ["authorized"] = true });
        }));
        using var doc = Findings(outDir);
        Assert.DoesNotContain(Rows(doc), r => r.Rule == "DS-SEP-001" && r.Principal.StartsWith("azure-devops:", StringComparison.Ordinal));

        // The demo as shipped: billing-shared is open to every pipeline; billing-prod is granted to the deploy pipeline only.
        using var t2 = new TempFolder();
        var (_, _, _, out2) = DemoMutation.Scan(t2, $"{AdoProject}/builds.json", _ => { });
        var ado = Rows(Findings(out2)).Where(r => r.Rule == "DS-SEP-001" && r.Principal.StartsWith("azure-devops:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["secret billing-shared"], ado.Select(r => r.Resource));
        Assert.Contains("STORAGE_ACCOUNT_KEY", ado[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_azure_devops_deployment_whose_run_was_not_exported_is_unknown_to_promotion_and_named_by_approval()
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"{AdoProject}/builds.json", path => EditJson(path, n => n["value"]!.AsArray().Clear()));
        var ado = Rows(Findings(outDir)).Where(r => r.Principal.Contains("example-org", StringComparison.Ordinal) || r.Resource.Contains("example-org", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(ado, r => r.Rule == "DS-DEP-003");
        Assert.Contains(ado, r => r.Rule == "DS-DEP-002" && r.Message.Contains("links to run 7102, which is not in the export", StringComparison.Ordinal));
    }

    [Fact]
    public void A_github_organization_secret_reaching_a_production_repository_is_reported_once_and_a_selected_one_elsewhere_is_not()
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, "github/example/org-secrets.json", path => File.WriteAllText(path, """
            {"total_count": 2, "secrets": [
              {"name": "NPM_TOKEN", "created_at": "2025-01-10T10:00:00Z", "updated_at": "2025-01-10T10:00:00Z", "visibility": "all"},
              {"name": "DOCS_DEPLOY_KEY", "created_at": "2025-01-10T10:00:00Z", "updated_at": "2025-01-10T10:00:00Z", "visibility": "selected",
               "selected_repositories_url": "https://api.github.com/orgs/example/actions/secrets/DOCS_DEPLOY_KEY/repositories",
               "selected_repositories": [{"id": 1, "name": "docs", "full_name": "example/docs"}]}]}
            """));
        var org = Rows(Findings(outDir)).Where(r => r.Rule == "DS-SEP-001" && r.Principal == "example").ToList();
        var finding = Assert.Single(org);
        Assert.Equal("secret NPM_TOKEN", finding.Resource);
        Assert.Contains("example/payments", finding.Message, StringComparison.Ordinal);
    }
}
