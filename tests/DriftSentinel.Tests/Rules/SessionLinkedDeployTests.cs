using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Rules;

/// <summary>
/// A production change by the deploy role is tied to a run by the session that made it: CloudTrail's
/// AssumeRoleWithWebIdentity records the OIDC subject and the temporary key the session's changes carry.
/// </summary>
public sealed class SessionLinkedDeployTests
{
    private const string Sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    private const string DeployRole = "arn:aws:iam::111122223333:role/github-deploy";

    // What sts:AssumeRole answered bob: the temporary key his session's changes then carry.
    private const string BobsSession = """{"credentials":{"accessKeyId":"ASIABOBSESSION000001","sessionToken":"redacted"},"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/github-deploy/bob-hotfix"}}""";

    // A production deployment of example/payments running 10:00–10:08 (a release window).
    private static RuleHarness Release() => new RuleHarness().GitHub(t =>
    {
        var d = new List<string>();
        Pipeline.Deployment(t, d, 1, "production", Sha, "2026-11-17T10:00:00Z", "2026-11-17T10:08:00Z", 500);
        Pipeline.Write(t, d, Pipeline.Run(500, Sha, "alice-example", "alice@example.com", "2026-11-17T09:59:00Z"));
    });

    /// <summary>AssumeRoleWithWebIdentity as CloudTrail records it (the IAM user guide's example, GitHub's provider and subject).</summary>
    private static string WebIdentity(string time, string subject, string issuedKey, string session = "GitHubActions") => $$"""
        {"eventVersion":"1.08","userIdentity":{"type":"WebIdentityUser","principalId":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:{{subject}}",
         "userName":"{{subject}}","identityProvider":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
         "eventTime":"{{time}}","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7",
         "userAgent":"aws-sdk-js/3.0","requestParameters":{"roleArn":"{{DeployRole}}","roleSessionName":"{{session}}","durationSeconds":3600},
         "responseElements":{"credentials":{"accessKeyId":"{{issuedKey}}","sessionToken":"redacted","expiration":"Nov 17, 2026, 11:00:00 AM"},
           "subjectFromWebIdentityToken":"{{subject}}","assumedRoleUser":{"assumedRoleId":"AROAEXAMPLE:{{session}}","arn":"arn:aws:sts::111122223333:assumed-role/github-deploy/{{session}}"},
           "provider":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com","audience":"sts.amazonaws.com"},
         "eventID":"00000000-0000-4000-8000-{{Math.Abs(subject.GetHashCode(StringComparison.Ordinal)) % 1000000000000:D12}}","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,
         "recipientAccountId":"111122223333","eventCategory":"Management"}
        """;

    /// <summary>The deploy role's session changing the production function with the key it was issued.</summary>
    private static string DeployWith(string time, string key, string session = "GitHubActions") =>
        Records.Call(Prod, time, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2",
            Records.Role(Prod, "github-deploy", session).Replace("ASIAEXAMPLE0000001", key, StringComparison.Ordinal), false, """{"functionName":"payments-api"}""");

    [Fact]
    public void A_change_by_the_session_of_the_production_environments_run_is_an_approved_run_linked_by_session()
    {
        var result = Release()
            .Trail(WebIdentity("2026-11-17T10:01:00Z", "repo:example/payments:environment:production", "ASIAGOODSESSION00001"))
            .Trail(DeployWith("2026-11-17T10:05:00Z", "ASIAGOODSESSION00001"))
            .RunAll();
        var change = Assert.Single(result.ProductionChanges);
        Assert.Equal((ChangeClassification.ApprovedPipelineRun, "session"), (change.Classification, change.Link));
        Assert.Contains("session of repo:example/payments:environment:production", change.Justification, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-DEP-001");
    }

    [Fact]
    public void The_deploy_role_assumed_from_a_pull_request_subject_is_out_of_band_even_inside_the_release_window()
    {
        var f = Assert.Single(Release()
            .Trail(WebIdentity("2026-11-17T10:02:00Z", "repo:example/payments:pull_request", "ASIAPRSESSION0000001"))
            .Trail(DeployWith("2026-11-17T10:04:00Z", "ASIAPRSESSION0000001"))
            .Run<OutOfBandDeployCheck>());
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(("human or unknown out-of-band", "session"), (f.Details["classification"], f.Details["link"]));
        Assert.Contains("pipeline subject 'repo:example/payments:pull_request', which is not a declared deploy target of prod", f.Message, StringComparison.Ordinal);
        Assert.StartsWith("repo:example/payments:pull_request (", f.Details["session"], StringComparison.Ordinal);
        Assert.Contains("eventId=", f.Details["session"], StringComparison.Ordinal); // the AssumeRoleWithWebIdentity record
    }

    [Fact]
    public void A_github_branch_subject_is_no_environments_job_and_is_out_of_band()
    {
        var f = Assert.Single(Release()
            .Trail(WebIdentity("2026-11-17T10:02:00Z", "repo:example/payments:ref:refs/heads/main", "ASIABRANCHSESSION001"))
            .Trail(DeployWith("2026-11-17T10:04:00Z", "ASIABRANCHSESSION001"))
            .Run<OutOfBandDeployCheck>());
        Assert.Equal((Severity.Critical, "session"), (f.Severity, f.Details["link"]));
        Assert.Contains("'repo:example/payments:ref:refs/heads/main', which is not a declared deploy target of prod", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_person_assuming_the_deploy_role_during_a_release_is_a_pipeline_identity_outside_any_run()
    {
        var f = Assert.Single(Release()
            .Trail(Records.AssumeRole(Prod, "2026-11-17T10:03:00Z", Records.IamUser(Prod, "bob"), DeployRole, "bob-hotfix").Replace("\"responseElements\":null", "\"responseElements\":" + BobsSession, StringComparison.Ordinal))
            .Trail(DeployWith("2026-11-17T10:04:00Z", "ASIABOBSESSION000001", "bob-hotfix"))
            .Run<OutOfBandDeployCheck>());
        Assert.Equal(Severity.High, f.Severity);
        Assert.Equal(("pipeline identity outside any run", "session"), (f.Details["classification"], f.Details["link"]));
        Assert.Contains("its session was assumed by arn:aws:iam::111122223333:user/bob, not by a pipeline", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_session_record_the_time_window_decides_and_says_so()
    {
        var result = Release().Trail(DeployWith("2026-11-17T10:05:00Z", "ASIAUNSEENSESSION001")).RunAll();
        var change = Assert.Single(result.ProductionChanges);
        Assert.Equal((ChangeClassification.ApprovedPipelineRun, "time-window"), (change.Classification, change.Link));
    }

    [Theory]
    [InlineData("repo:example/payments:environment:production", "github", "example/payments", "production", null, false)]
    [InlineData("repo:example/payments:ref:refs/heads/main", "github", "example/payments", null, "refs/heads/main", false)]
    [InlineData("repo:example/payments:pull_request", "github", "example/payments", null, null, true)]
    [InlineData("project_path:platform/payments:ref_type:branch:ref:main", "gitlab", "platform/payments", null, "main", false)]
    public void Pipeline_subjects_are_read_for_github_and_gitlab(string subject, string provider, string project, string? environment, string? gitRef, bool pullRequest)
    {
        var s = PipelineSubject.Parse(null, subject)!;
        Assert.Equal((provider, project, environment, gitRef, pullRequest), (s.Provider, s.Project, s.Environment, s.Ref, s.PullRequest));
    }
}
