using DriftSentinel.Azure;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.GitHub;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Readers;

public class AzureReaderTests
{
    [Fact]
    public void Reads_custodian_role_assignments_and_names_them_from_definitions()
    {
        var inv = new AzureSubscriptionInventory("ea42f556-5106-4743-99b0-c129bfa71a47");
        AzureRbacReader.ReadDefinitions(TestPaths.Public("custodian-role-definitions.json"), "defs.json", inv);
        Assert.Equal(74, AzureRbacReader.ReadAssignments(TestPaths.Public("custodian-role-assignments.json"), "ra.json", inv));
        Assert.Contains(inv.Assignments, a => inv.ResolveRoleName(a.RoleDefinitionId, a.RoleName) == "Owner");
        Assert.All(inv.Assignments, a => Assert.False(string.IsNullOrEmpty(a.PrincipalId)));
        Assert.Contains(inv.Assignments, a => a.PrincipalType == "ServicePrincipal");
    }

    [Fact]
    public void Reads_pim_assignment_and_eligibility_instances()
    {
        var inv = new AzureSubscriptionInventory("dfa2a084-766f-4003-8ae1-c4aeb893a99f");
        AzureRbacReader.ReadScheduleInstances(TestPaths.Public("pim-GetRoleAssignmentScheduleInstancesByScope.json"), "i.json", inv);
        AzureRbacReader.ReadScheduleInstances(TestPaths.Public("pim-GetRoleEligibilityScheduleInstancesByScope.json"), "e.json", inv, eligibility: true);
        var active = Assert.Single(inv.PimInstances);
        Assert.Equal("Assigned", active.AssignmentType);
        Assert.Equal(8, Math.Round((active.End!.Value - active.Start!.Value).TotalHours));
        Assert.Equal("Eligible", Assert.Single(inv.PimEligibilities).AssignmentType);
    }

    [Fact]
    public void Rejects_a_file_that_is_neither_an_arm_list_nor_an_array()
    {
        using var t = new TempFolder();
        var f = t.Write("ra.json", """{"values":[]}""");
        var e = Assert.Throws<InputFormatException>(() => AzureRbacReader.ReadAssignments(f, "azure/x/role-assignments.json", new AzureSubscriptionInventory("x")));
        Assert.Contains("{\"value\":[...]}", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_an_activity_log_exported_one_event_per_line()
    {
        using var t = new TempFolder();
        const string sub = "00000000-0000-0000-0000-00000000a001";
        t.Copy(TestPaths.Public("plaso-azure-activity-log.jsonl"), $"azure/{sub}/activity-log.json");
        var input = new ScanInput();
        new AzureSnapshotReader().Read(t.Path, input);
        var events = input.Streams.Single().Read(input.Coverage).ToList();
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.Equal(Cloud.Azure, e.Cloud));
        Assert.Contains(events, e => e.Action == "Microsoft.Compute/disks/delete");
        Assert.Contains(input.Coverage.Entries, c => c.Source == "azure.activity-log" && c.Status == CoverageStatus.Read && c.Items == 4);
    }

    [Fact]
    public void Maps_az_cli_snake_case_activity_events()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"authorization":{"action":"Microsoft.Compute/disks/delete"},"caller":"12345678-0000-4000-8000-000000000000","claims":{"idtyp":"app"},
             "event_data_id":"587eda65","event_timestamp":"2022-02-09T03:00:00Z","operation_name":{"value":"Microsoft.Compute/disks/delete"},
             "resource_id":"/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg/providers/Microsoft.Compute/disks/d1","status":{"value":"Succeeded"}}
            """);
        var e = AzureActivityMapper.MapActivity(doc.RootElement, "fallback", new SourceLocation("a.json", "record 0"))!;
        Assert.Equal("00000000-0000-0000-0000-00000000a001", e.AccountId);
        Assert.Equal(PrincipalKind.Workload, e.Actor.Kind);
        Assert.Equal("587eda65", e.EventId);
        Assert.True(e.Succeeded);
    }
}

public class GitHubReaderTests
{
    [Fact]
    public void Finds_the_run_behind_a_deployment_status_url()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestPaths.Public("octokit-deployment-status-payload.json")));
        var status = doc.RootElement.GetProperty("deployment_status");
        Assert.Equal(123, GitHubSnapshotReader.RunIdOf("https://github.com/o/r/actions/runs/123/job/456"));
        Assert.Null(GitHubSnapshotReader.RunIdOf(status.GetProperty("url").GetString()));
    }

    [Fact]
    public void Reads_the_demo_repository_with_statuses_runs_and_approvals()
    {
        var input = new ScanInput();
        new GitHubSnapshotReader().Read(Path.Combine(TestPaths.RepositoryRoot, "demo", "snapshot"), input);
        var repo = input.Inventory.Project(PipelineProviders.GitHub, "example/payments")!;
        Assert.Equal(7, repo.Deployments.Count);
        Assert.All(repo.Deployments, d => Assert.NotNull(d.RunId));
        Assert.All(repo.Deployments, d => Assert.True(repo.Runs.ContainsKey(d.RunId!.Value)));
        Assert.Equal("bob-example", repo.Approvals[5002].Single().User);
        Assert.Contains(repo.Environments, e => e.Name == "production" && e.Reviewers.Count == 2);
        Assert.Contains(repo.Secrets, s => s.Environment == "production");
        Assert.DoesNotContain(input.Coverage.Entries, c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial);
    }
}
