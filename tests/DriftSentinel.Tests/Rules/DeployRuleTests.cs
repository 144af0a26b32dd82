using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.InventoryFiles;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Rules;

/// <summary>Writes GitHub REST responses for one repository.</summary>
internal static class Pipeline
{
    public static void Deployment(TempFolder t, List<string> deployments, long id, string env, string sha, string created, string done, long run, string state = "success")
    {
        deployments.Add($$"""
            {"url":"https://api.github.com/repos/example/payments/deployments/{{id}}","id":{{id}},"sha":"{{sha}}","ref":"main","task":"deploy","environment":"{{env}}",
             "creator":{"login":"github-actions[bot]","type":"Bot"},"created_at":"{{created}}","updated_at":"{{done}}"}
            """);
        t.Write($"github/example/payments/deployment-statuses/{id}.json", $$"""
            [{"id":{{id * 10}},"state":"{{state}}","creator":{"login":"github-actions[bot]"},"created_at":"{{done}}",
              "log_url":"https://github.com/example/payments/actions/runs/{{run}}/job/{{run * 10}}","target_url":"https://github.com/example/payments/actions/runs/{{run}}/job/{{run * 10}}"}]
            """);
    }

    public static string Run(long id, string sha, string actor, string email, string created) => $$"""
        {"id":{{id}},"name":"deploy","head_sha":"{{sha}}","event":"workflow_dispatch","status":"completed","conclusion":"success","created_at":"{{created}}","updated_at":"{{created}}",
         "actor":{"login":"{{actor}}"},"triggering_actor":{"login":"{{actor}}"},"head_commit":{"id":"{{sha}}","author":{"name":"x","email":"{{email}}"} } }
        """;

    public static string Approval(string env, string login) =>
        $$"""[{"environments":[{"name":"{{env}}"}],"state":"approved","comment":"ok","user":{"login":"{{login}}"} }]""";

    public static void Write(TempFolder t, List<string> deployments, params string[] runs)
    {
        t.Write("github/example/payments/deployments.json", "[" + string.Join(",", deployments) + "]");
        t.Write("github/example/payments/runs.json", $$"""{"total_count":{{runs.Length}},"workflow_runs":[{{string.Join(",", runs)}}]}""");
    }
}

public class OutOfBandDeployTests
{
    private const string Sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

    private static RuleHarness WithProdDeployment() => new RuleHarness().GitHub(t =>
    {
        var d = new List<string>();
        Pipeline.Deployment(t, d, 1, "production", Sha, "2026-11-17T10:00:00Z", "2026-11-17T10:08:00Z", 500);
        Pipeline.Write(t, d, Pipeline.Run(500, Sha, "alice-example", "alice@example.com", "2026-11-17T09:59:00Z"));
    });

    private static string Deploy(string time, string identity) => Records.Call(Prod, time, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", identity, false, """{"functionName":"payments-api"}""");

    [Fact]
    public void Classifies_pipeline_deploy_inside_its_run_as_approved_and_raises_nothing()
    {
        var h = WithProdDeployment().Trail(Deploy("2026-11-17T10:05:00Z", Records.Role(Prod, "github-deploy", "GitHubActions")));
        var result = h.RunAll();
        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-DEP-001");
        var change = Assert.Single(result.ProductionChanges);
        Assert.Equal(ChangeClassification.ApprovedPipelineRun, change.Classification);
        Assert.Equal("example/payments deployment 1 (run 500, no approval: see DS-DEP-002)", change.Justification);
    }

    [Fact]
    public void Flags_deployer_identity_outside_any_run()
    {
        var findings = WithProdDeployment().Trail(Deploy("2026-11-19T03:00:00Z", Records.Role(Prod, "github-deploy", "GitHubActions"))).Run<OutOfBandDeployCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.High, f.Severity);
        Assert.Equal("pipeline identity outside any run", f.Details["classification"]);
    }

    [Fact]
    public void Flags_human_change_as_critical_out_of_band()
    {
        var findings = WithProdDeployment().Trail(Deploy("2026-11-17T10:05:00Z", Records.IamUser(Prod, "bob"))).Run<OutOfBandDeployCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal("human or unknown out-of-band", f.Details["classification"]);
    }

    [Fact]
    public void Ignores_staging_changes_failed_calls_and_non_deploy_actions()
    {
        var findings = WithProdDeployment()
            .Trail(Records.Call(Staging, "2026-11-17T10:05:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", Records.IamUser(Staging, "bob"), false))
            .Trail(Records.Call(Prod, "2026-11-17T10:05:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", Records.IamUser(Prod, "bob"), false, error: "AccessDenied"))
            .Trail(Records.Call(Prod, "2026-11-17T10:05:00Z", "lambda.amazonaws.com", "GetFunction20150331v2", Records.IamUser(Prod, "bob"), true))
            .Run<OutOfBandDeployCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Classifies_azure_web_app_write_by_declared_deployer_sp_and_flags_a_user()
    {
        var h = WithProdDeployment()
            .Event(AzureEvent(ActivityEvent(SubProd, "e1", "2026-11-17T10:06:00Z", "deployer-sp", "app", "Microsoft.Web/sites/write")))
            .Event(AzureEvent(ActivityEvent(SubProd, "e2", "2026-11-18T10:06:00Z", "bob@example.com", "user", "Microsoft.Web/sites/write")));
        var result = h.RunAll();
        Assert.Equal(
            [ChangeClassification.ApprovedPipelineRun, ChangeClassification.OutOfBand],
            result.ProductionChanges.Select(c => c.Classification));
        Assert.Single(result.Findings, f => f.RuleId == "DS-DEP-001");
    }

    [Fact]
    public void Classifies_break_glass_change_without_raising_it()
    {
        var result = WithProdDeployment().Trail(Deploy("2026-11-18T02:00:00Z", Records.Role(Prod, "BreakGlass", "INC-9"))).RunAll();
        Assert.Equal(ChangeClassification.BreakGlass, Assert.Single(result.ProductionChanges).Classification);
        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-DEP-001");
    }
}

public class UnapprovedDeployTests
{
    private const string A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    private const string B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890";
    private const string C = "c3d4e5f60718293a4b5c6d7e8f90123456789012";

    private static RuleHarness Scenario() => new RuleHarness().GitHub(t =>
    {
        var d = new List<string>();
        Pipeline.Deployment(t, d, 1, "production", A, "2026-11-17T10:00:00Z", "2026-11-17T10:05:00Z", 501);
        Pipeline.Deployment(t, d, 2, "production", B, "2026-11-18T10:00:00Z", "2026-11-18T10:05:00Z", 502);
        Pipeline.Deployment(t, d, 3, "production", C, "2026-11-19T10:00:00Z", "2026-11-19T10:05:00Z", 503);
        Pipeline.Deployment(t, d, 4, "staging", C, "2026-11-19T09:00:00Z", "2026-11-19T09:05:00Z", 504);
        Pipeline.Write(t, d,
            Pipeline.Run(501, A, "alice-example", "alice@example.com", "2026-11-17T10:00:00Z"),
            Pipeline.Run(502, B, "alice-example", "alice@example.com", "2026-11-18T10:00:00Z"),
            Pipeline.Run(503, C, "carol-example", "bob@example.com", "2026-11-19T10:00:00Z"),
            Pipeline.Run(504, C, "carol-example", "bob@example.com", "2026-11-19T09:00:00Z"));
        t.Write("github/example/payments/approvals/501.json", Pipeline.Approval("production", "bob-example"));
        t.Write("github/example/payments/approvals/502.json", Pipeline.Approval("production", "alice-example"));
        t.Write("github/example/payments/approvals/503.json", Pipeline.Approval("production", "bob-example"));
    });

    [Fact]
    public void Flags_self_approved_and_author_approved_deploys_not_independent_ones()
    {
        var findings = Scenario().Run<UnapprovedProductionDeployCheck>();
        Assert.Equal(["example/payments:production@b2c3d4e5f607", "example/payments:production@c3d4e5f60718"], findings.Select(f => f.Resource!).Order(StringComparer.Ordinal));
        Assert.Contains(findings, f => f.Message.Contains("who triggered the run", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Message.Contains("who authored the commit", StringComparison.Ordinal));
    }

    [Fact]
    public void Flags_production_deploy_with_no_approval_at_all()
    {
        var findings = new RuleHarness().GitHub(t =>
        {
            var d = new List<string>();
            Pipeline.Deployment(t, d, 9, "production", A, "2026-11-17T10:00:00Z", "2026-11-17T10:05:00Z", 509);
            Pipeline.Write(t, d, Pipeline.Run(509, A, "alice-example", "alice@example.com", "2026-11-17T10:00:00Z"));
        }).Run<UnapprovedProductionDeployCheck>();
        Assert.Contains("has no approval", Assert.Single(findings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_unpromoted_commits_only()
    {
        var findings = Scenario().Run<UnpromotedArtifactCheck>();
        Assert.Equal(2, findings.Count);
        Assert.DoesNotContain(findings, f => f.Resource!.Contains(C, StringComparison.Ordinal));
    }
}

public class AuditTrailTamperingTests
{
    [Fact]
    public void Flags_stop_logging_and_azure_diagnostic_deletion()
    {
        var findings = new RuleHarness()
            .Trail(Records.Call(Prod, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "StopLogging", Records.Role(Prod, "ops", "m"), false, """{"name":"org-trail"}"""))
            .Trail(Records.Call(Staging, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "DeleteTrail", Records.Role(Staging, "ops", "m"), false, """{"name":"t"}"""))
            .Event(AzureEvent(ActivityEvent(SubProd, "e1", "2026-11-18T10:00:00Z", "bob@example.com", "user", "microsoft.insights/diagnosticSettings/delete")))
            .Run<AuditTrailTamperingCheck>();
        Assert.Equal(3, findings.Count);
        Assert.Equal(Severity.High, findings.Single(f => f.Account == Staging).Severity);
        Assert.Equal(2, findings.Count(f => f.Severity == Severity.Critical));
    }

    [Fact]
    public void Ignores_denied_attempts_and_reads()
    {
        var findings = new RuleHarness()
            .Trail(Records.Call(Prod, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "StopLogging", Records.Role(Prod, "ops", "m"), false, """{"name":"org-trail"}""", error: "AccessDenied"))
            .Trail(Records.Call(Prod, "2026-11-19T23:00:00Z", "cloudtrail.amazonaws.com", "DescribeTrails", Records.Role(Prod, "ops", "m"), true))
            .Run<AuditTrailTamperingCheck>();
        Assert.Empty(findings);
    }
}
