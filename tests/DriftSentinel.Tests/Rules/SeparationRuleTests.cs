using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.InventoryFiles;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Rules;

public class SharedCredentialTests
{
    [Fact]
    public void Flags_long_term_key_used_in_prod_and_staging_without_printing_it()
    {
        var ci = Records.IamUser("777788889999", "ci-shared", "AKIAIOSFODNN7EXAMPLE");
        var findings = new RuleHarness()
            .Trail(Records.AssumeRole(Prod, "2026-11-18T10:00:00Z", ci, "arn:aws:iam::111122223333:role/report", "n"))
            .Trail(Records.AssumeRole(Staging, "2026-11-18T10:00:00Z", ci, "arn:aws:iam::444455556666:role/report", "n"))
            .Run<SharedCredentialAcrossEnvironmentsCheck>();
        var f = Assert.Single(findings);
        Assert.Equal("arn:aws:iam::777788889999:user/ci-shared", f.Principal);
        Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", f.Message + f.Resource, StringComparison.Ordinal);
        Assert.Contains("AKIA…MPLE", f.Resource, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignores_key_used_in_one_tier_and_temporary_keys()
    {
        var findings = new RuleHarness()
            .Trail(Records.Call(Staging, "2026-11-18T10:00:00Z", "s3.amazonaws.com", "PutObject", Records.IamUser(Staging, "app", "AKIAEXAMPLEAPP00001"), false))
            .Trail(Records.Call(Prod, "2026-11-18T10:00:00Z", "s3.amazonaws.com", "PutObject", Records.Role(Prod, "r", "s"), false))
            .Trail(Records.Call(Staging, "2026-11-18T10:00:00Z", "s3.amazonaws.com", "PutObject", Records.Role(Staging, "r", "s"), false))
            .Run<SharedCredentialAcrossEnvironmentsCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Flags_service_principal_with_roles_in_both_tiers()
    {
        var findings = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "sp-shared", "ServicePrincipal", Contributor)}},{{Assignment(SubProd, "a2", "sp-prod", "ServicePrincipal", Reader)}}]}""")
            .AzureAssignments(SubNonProd, $$"""{"value":[{{Assignment(SubNonProd, "a3", "sp-shared", "ServicePrincipal", Contributor)}}]}""")
            .Run<SharedCredentialAcrossEnvironmentsCheck>();
        Assert.Equal("sp-shared", Assert.Single(findings).Principal);
    }

    [Fact]
    public void Flags_repository_level_secret_in_a_repository_that_deploys_to_prod_but_not_environment_secrets()
    {
        var findings = new RuleHarness().GitHub(t =>
        {
            t.Write("github/example/payments/secrets.json", """{"total_count":1,"secrets":[{"name":"SLACK_WEBHOOK_URL","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}]}""");
            t.Write("github/example/payments/environment-secrets/production.json", """{"total_count":1,"secrets":[{"name":"DEPLOY_KEY","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}]}""");
        }).Run<SharedCredentialAcrossEnvironmentsCheck>();
        var f = Assert.Single(findings);
        Assert.Equal("secret SLACK_WEBHOOK_URL", f.Resource);
        Assert.Equal(Cloud.GitHub, f.Cloud);
    }
}

public class CrossEnvironmentTrustTests
{
    private static string Role(string name, string principal) => $$"""
        {"Path":"/","RoleName":"{{name}}","Arn":"arn:aws:iam::111122223333:role/{{name}}","CreateDate":"2025-01-01T00:00:00Z",
         "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{{principal}},"Action":"sts:AssumeRole"}]},
         "RolePolicyList":[],"AttachedManagedPolicies":[],"RoleLastUsed":{} }
        """;

    [Fact]
    public void Flags_prod_role_trusting_staging_account_and_wildcard()
    {
        var findings = new RuleHarness().AuthorizationDetails(Prod, $$"""
            {"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[
             {{Role("bridge", "{\"AWS\":\"arn:aws:iam::444455556666:root\"}")}},
             {{Role("open", "\"*\"")}},
             {{Role("local", "{\"AWS\":\"arn:aws:iam::111122223333:root\"}")}},
             {{Role("lambda", "{\"Service\":\"lambda.amazonaws.com\"}")}}]}
            """).Run<CrossEnvironmentTrustCheck>();
        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Principal == "*" && f.Severity == Severity.Critical);
        Assert.Contains(findings, f => f.Resource == "arn:aws:iam::111122223333:role/bridge");
    }

    [Fact]
    public void Flags_staging_identity_with_a_role_on_prod_scope()
    {
        var findings = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "staging-mi", "ServicePrincipal", Reader)}},{{Assignment(SubProd, "a2", "prod-mi", "ServicePrincipal", Reader)}}]}""")
            .Run<CrossEnvironmentTrustCheck>();
        Assert.Equal("staging-mi", Assert.Single(findings).Principal);
    }
}
