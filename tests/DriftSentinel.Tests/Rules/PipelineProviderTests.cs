using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Rules;

/// <summary>The deploy rules speak of pipeline providers: a GitLab project declared in deploy_targets is judged like a GitHub repository.</summary>
public sealed class PipelineProviderTests
{
    private const string Sha = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";

    private const string GitLabBaseline = """
        version: 1
        organization: Test Corp
        environments:
          - name: prod
            tier: production
            deploy_targets: ["gitlab:platform/payments:production"]
          - name: staging
            tier: non-production
            promotes_to: prod
            deploy_targets: ["gitlab:platform/payments:staging"]
        deployers:
          - name: payments-pipeline
            pipelines: ["gitlab:platform/payments"]
        people:
          - id: alice@example.com
            ci_users: ["gitlab:alice"]
        """;

    private static RuleHarness GitLabProject(string provider)
    {
        var h = new RuleHarness(GitLabBaseline);
        var project = h.Input.Inventory.Repository(provider, "platform/payments");
        var at = new DateTimeOffset(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
        project.Runs[77] = new PipelineRun
        {
            Id = 77,
            Provider = provider,
            Repository = "platform/payments",
            HeadSha = Sha,
            CreatedAt = at,
            Actor = "alice",
            TriggeringActor = "alice",
            HeadCommitAuthorEmail = "alice@example.com",
            Source = new SourceLocation("pipelines.json", "[0]"),
        };
        project.Deployments.Add(new PipelineDeployment
        {
            Id = 9001,
            Provider = provider,
            Repository = "platform/payments",
            Environment = "production",
            Sha = Sha,
            CreatedAt = at.AddMinutes(5),
            RunId = 77,
            TriggeredBy = "alice",
            Statuses = [new PipelineDeploymentStatus(1, "success", "alice", at.AddMinutes(9), null, null)],
            Source = new SourceLocation("deployments.json", "[0]"),
        });
        project.Approvals[77] = [new PipelineApproval(77, ["production"], "approved", "alice", "lgtm", new SourceLocation("approvals/77.json", "[0]"))];
        return h;
    }

    [Fact]
    public void A_gitlab_production_deployment_approved_only_by_its_trigger_is_self_approved()
    {
        var f = Assert.Single(GitLabProject(PipelineProviders.GitLab).Run<UnapprovedProductionDeployCheck>());
        Assert.Equal(Cloud.GitLab, f.Cloud);
        Assert.Equal("prod", f.Environment);
        Assert.Equal("gitlab:platform/payments", f.Account);
        Assert.Equal($"gitlab:platform/payments:production@{Sha[..12]}", f.Resource);
        Assert.Contains("approved only by alice, who triggered the run", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gitlab_commit_that_skipped_staging_is_an_unpromoted_artifact()
    {
        var f = Assert.Single(GitLabProject(PipelineProviders.GitLab).Run<UnpromotedArtifactCheck>());
        Assert.Equal(Cloud.GitLab, f.Cloud);
        Assert.Equal("alice", f.Principal);
    }

    [Fact]
    public void The_provider_is_part_of_the_declaration_a_github_repository_of_the_same_path_is_not_declared()
    {
        Assert.Empty(GitLabProject(PipelineProviders.GitHub).Run<UnapprovedProductionDeployCheck>());
        Assert.Empty(GitLabProject(PipelineProviders.GitHub).Run<UnpromotedArtifactCheck>());
    }

    [Fact]
    public void The_github_keys_are_aliases_the_provider_neutral_keys_give_the_demo_the_same_findings()
    {
        var demo = DemoLocator.Find();
        var aliased = File.ReadAllText(Path.Combine(demo, "baseline.yaml"));
        var neutral = aliased
            .Replace("github_environments: [\"example/payments:production\"]\n    deploy_targets: [", "deploy_targets: [\"github:example/payments:production\", ", StringComparison.Ordinal)
            .Replace("github_environments: [\"example/payments:staging\"]\n    deploy_targets: [", "deploy_targets: [\"github:example/payments:staging\", ", StringComparison.Ordinal)
            .Replace("github_repositories: [\"example/payments\"]", "pipelines: [\"github:example/payments\"]", StringComparison.Ordinal)
            .Replace("github: [\"alice-example\"]", "ci_users: [\"github:alice-example\"]", StringComparison.Ordinal)
            .Replace("github: [\"bob-example\"]\n    ci_users: [", "ci_users: [\"github:bob-example\", ", StringComparison.Ordinal)
            .Replace("github: [\"carol-example\"]", "ci_users: [\"github:carol-example\"]", StringComparison.Ordinal);
        Assert.DoesNotContain("github_", neutral, StringComparison.Ordinal);
        Assert.DoesNotContain("github: [", neutral, StringComparison.Ordinal);

        var catalogue = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));
        string[] Fingerprints(string yaml) => [.. ScanCommand.Scan(Path.Combine(demo, "snapshot"), BaselineLoader.Parse(yaml, "baseline.yaml"), catalogue, DemoLocator.AsOf(demo), "demo")
            .Findings.Select(f => $"{f.RuleId} {f.Fingerprint} {f.Principal} {f.Resource}").Order(StringComparer.Ordinal)];
        Assert.Equal(Fingerprints(aliased), Fingerprints(neutral));
    }

    [Theory]
    [InlineData("deploy_targets: [\"bitbucket:o/r:prod\"]", "environments[0].deploy_targets[0]")]
    [InlineData("deploy_targets: [\"gitlab:group/app\"]", "environments[0].deploy_targets[0]")]
    [InlineData("deploy_targets: [\"o/r:prod\"]", "environments[0].deploy_targets[0]")]
    public void A_deploy_target_without_provider_project_and_environment_is_an_error_naming_it(string line, string key)
    {
        var e = Assert.Throws<BaselineException>(() => BaselineLoader.Parse($"version: 1\norganization: x\nenvironments:\n  - name: prod\n    tier: production\n    {line}\n", "b.yaml"));
        Assert.Contains(e.Errors, x => x.Contains(key, StringComparison.Ordinal) && x.Contains("provider one of github, gitlab, azure-devops", StringComparison.Ordinal));
    }
}
