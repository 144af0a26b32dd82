using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.InventoryFiles;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Rules;

public class DirectProductionLoginTests
{
    [Fact]
    public void Flags_console_login_to_prod_by_non_breakglass_user()
    {
        var findings = new RuleHarness().Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "bob"))).Run<DirectProductionLoginCheck>();
        var f = Assert.Single(findings);
        Assert.Equal("arn:aws:iam::111122223333:user/bob", f.Principal);
        Assert.Equal("prod", f.Environment);
        Assert.Contains("signed in to the console", f.Message, StringComparison.Ordinal);
        Assert.Contains("test.json#record 0", f.Evidence[0].Reference, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignores_console_login_in_staging_and_allowed_sso_role_in_prod()
    {
        var findings = new RuleHarness()
            .Trail(Records.ConsoleLogin(Staging, "2026-11-18T10:00:00Z", Records.IamUser(Staging, "alice")))
            .Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.Role(Prod, "AWSReservedSSO_ReadOnly_abc", "alice@example.com", "/aws-reserved/sso.amazonaws.com/")))
            .Run<DirectProductionLoginCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Ignores_break_glass_session_and_failed_login()
    {
        var findings = new RuleHarness()
            .Trail(Records.Call(Prod, "2026-11-18T10:00:00Z", "rds.amazonaws.com", "RebootDBInstance", Records.Role(Prod, "BreakGlass", "INC-1"), false))
            .Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "bob"), result: "Failure"))
            .Run<DirectProductionLoginCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Flags_human_write_in_prod_and_folds_repeats_into_one_finding()
    {
        var bob = Records.IamUser(Prod, "bob", "AKIAEXAMPLEBOB00001");
        var findings = new RuleHarness()
            .Trail(Records.Call(Prod, "2026-11-18T10:00:00Z", "s3.amazonaws.com", "PutBucketPolicy", bob, false, """{"bucketName":"b"}"""))
            .Trail(Records.Call(Prod, "2026-11-18T11:00:00Z", "s3.amazonaws.com", "PutBucketPolicy", bob, false, """{"bucketName":"b"}"""))
            .Trail(Records.Call(Prod, "2026-11-18T12:00:00Z", "s3.amazonaws.com", "GetBucketPolicy", bob, true, """{"bucketName":"b"}"""))
            .Run<DirectProductionLoginCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(2, f.Occurrences);
        Assert.Equal(DateTimeOffset.Parse("2026-11-18T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), f.FirstSeen);
        Assert.Equal(DateTimeOffset.Parse("2026-11-18T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture), f.LastSeen);
    }

    [Fact]
    public void Treats_an_iam_user_with_keys_but_no_console_password_as_a_workload()
    {
        const string Row = "{0},arn:aws:iam::111122223333:user/{0},2025-01-01T00:00:00+00:00,{1},N/A,N/A,N/A,false,true,2026-11-01T00:00:00+00:00,2026-11-18T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
        var findings = new RuleHarness()
            .CredentialReport(Prod, Row.Replace("{0}", "batch", StringComparison.Ordinal).Replace("{1}", "false", StringComparison.Ordinal),
                                    Row.Replace("{0}", "carol", StringComparison.Ordinal).Replace("{1}", "true", StringComparison.Ordinal))
            .Trail(Records.Call(Prod, "2026-11-18T10:00:00Z", "s3.amazonaws.com", "PutObject", Records.IamUser(Prod, "batch", "AKIAEXAMPLEBATCH001"), false))
            .Trail(Records.Call(Prod, "2026-11-18T10:00:00Z", "s3.amazonaws.com", "PutObject", Records.IamUser(Prod, "carol", "AKIAEXAMPLECAROL001"), false))
            .Run<DirectProductionLoginCheck>();
        Assert.Equal("arn:aws:iam::111122223333:user/carol", Assert.Single(findings).Principal);
    }

    [Fact]
    public void Flags_azure_user_write_in_prod_subscription_but_not_service_principal()
    {
        var findings = new RuleHarness()
            .Event(AzureEvent(ActivityEvent(SubProd, "e1", "2026-11-18T10:00:00Z", "bob@example.com", "user", "Microsoft.Web/sites/write")))
            .Event(AzureEvent(ActivityEvent(SubProd, "e2", "2026-11-18T10:00:00Z", "9f0c0000-0000-4000-8000-000000000001", "app", "Microsoft.Web/sites/write")))
            .Event(AzureEvent(ActivityEvent(SubNonProd, "e3", "2026-11-18T10:00:00Z", "bob@example.com", "user", "Microsoft.Web/sites/write")))
            .Run<DirectProductionLoginCheck>();
        var f = Assert.Single(findings);
        Assert.Equal("bob@example.com", f.Principal);
        Assert.Equal(Cloud.Azure, f.Cloud);
    }
}

public class BreakGlassTests
{
    private const string BreakGlassArn = "arn:aws:iam::111122223333:role/BreakGlass";

    [Fact]
    public void Flags_break_glass_session_without_ticket()
    {
        var findings = new RuleHarness()
            .Trail(Records.AssumeRole(Prod, "2026-11-18T09:00:00Z", Records.IamUser(Prod, "dave"), BreakGlassArn, "dave-fixing"))
            .Trail(Records.Call(Prod, "2026-11-18T09:30:00Z", "rds.amazonaws.com", "RebootDBInstance", Records.Role(Prod, "BreakGlass", "dave-fixing"), false))
            .Run<BreakGlassWithoutJustificationCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.High, f.Severity);
        Assert.Equal("no", f.Details["justified"]);
    }

    [Fact]
    public void Flags_ticketed_session_longer_than_allowed()
    {
        var findings = new RuleHarness()
            .Trail(Records.AssumeRole(Prod, "2026-11-18T09:00:00Z", Records.IamUser(Prod, "dave"), BreakGlassArn, "INC-77", duration: 43200))
            .Run<BreakGlassWithoutJustificationCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.High, f.Severity);
        Assert.Contains("longer than the 4 h allowed", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_justified_use_as_info_evidence()
    {
        var findings = new RuleHarness()
            .Trail(Records.AssumeRole(Prod, "2026-11-18T09:00:00Z", Records.IamUser(Prod, "frank"), BreakGlassArn, "INC-4521"))
            .Trail(Records.Call(Prod, "2026-11-18T09:40:00Z", "rds.amazonaws.com", "RebootDBInstance", Records.Role(Prod, "BreakGlass", "INC-4521"), false))
            .Run<BreakGlassWithoutJustificationCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal("INC-4521", f.Details["ticket"]);
    }

    [Fact]
    public void Judges_azure_pim_activation_of_break_glass_account()
    {
        var findings = new RuleHarness()
            .PimInstances(SubProd, $$"""{"value":[{{Pim(SubProd, "i1", "bg-id", "breakglass@example.com", Owner, "Activated", "2026-11-19T01:00:00Z", null)}}]}""")
            .Run<BreakGlassWithoutJustificationCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.High, f.Severity);
        Assert.Contains("no end time", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignores_roles_that_are_not_break_glass()
    {
        var findings = new RuleHarness()
            .Trail(Records.AssumeRole(Prod, "2026-11-18T09:00:00Z", Records.IamUser(Prod, "dave"), "arn:aws:iam::111122223333:role/ops", "dave"))
            .Run<BreakGlassWithoutJustificationCheck>();
        Assert.Empty(findings);
    }
}

public class ConsoleWithoutMfaTests
{
    [Fact]
    public void Flags_console_login_without_mfa_and_password_user_without_device()
    {
        var findings = new RuleHarness()
            .Trail(Records.ConsoleLogin(Staging, "2026-11-18T10:00:00Z", Records.IamUser(Staging, "erin"), mfa: "No"))
            .CredentialReport(Staging, "erin,arn:aws:iam::444455556666:user/erin,2025-01-01T00:00:00+00:00,true,2026-11-18T10:00:00+00:00,2025-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .Run<ConsoleAccessWithoutMfaCheck>();
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal("arn:aws:iam::444455556666:user/erin", f.Principal));
        Assert.Contains(findings, f => f.Evidence[0].Kind == "credential-report" && f.Evidence[0].Reference.EndsWith("line 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Ignores_mfa_logins_and_users_with_mfa_or_no_password()
    {
        var findings = new RuleHarness()
            .Trail(Records.ConsoleLogin(Staging, "2026-11-18T10:00:00Z", Records.IamUser(Staging, "alice"), mfa: "Yes"))
            .CredentialReport(Staging,
                "alice,arn:aws:iam::444455556666:user/alice,2025-01-01T00:00:00+00:00,true,2026-11-18T10:00:00+00:00,2025-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
                "app,arn:aws:iam::444455556666:user/app,2025-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-11-01T00:00:00+00:00,2026-11-18T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .Run<ConsoleAccessWithoutMfaCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Flags_single_factor_entra_sign_in_to_azure_portal_only()
    {
        const string signIn = """
            {"id":"s1","createdDateTime":"2026-11-19T10:00:00Z","userPrincipalName":"carol@example.com","appDisplayName":"{0}","isInteractive":true,
             "resourceDisplayName":"{1}","authenticationRequirement":"{2}","status":{"errorCode":0}}
            """;
        string S(string app, string res, string req) => signIn.Replace("{0}", app, StringComparison.Ordinal).Replace("{1}", res, StringComparison.Ordinal).Replace("{2}", req, StringComparison.Ordinal);
        var findings = new RuleHarness()
            .Event(SignIn(S("Azure Portal", "Windows Azure Service Management API", "singleFactorAuthentication")))
            .Event(SignIn(S("Azure Portal", "Windows Azure Service Management API", "multiFactorAuthentication")))
            .Event(SignIn(S("Office 365 Exchange Online", "Office 365 Exchange Online", "singleFactorAuthentication")))
            .Run<ConsoleAccessWithoutMfaCheck>();
        var f = Assert.Single(findings);
        Assert.Equal(Cloud.Entra, f.Cloud);
    }
}

public class RootAccountUseTests
{
    [Fact]
    public void Flags_root_sign_in_and_active_root_key()
    {
        var findings = new RuleHarness()
            .Trail(Records.ConsoleLogin(Staging, "2026-11-18T10:00:00Z", Records.Root(Staging)))
            .CredentialReport(Staging, "<root_account>,arn:aws:iam::444455556666:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-18T10:00:00+00:00,not_supported,not_supported,true,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .Run<RootAccountUseCheck>();
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal(Severity.Critical, f.Severity));
        Assert.Contains(findings, f => f.Resource == "root access key 1");
    }

    [Fact]
    public void Ignores_root_unused_within_the_window_and_without_keys()
    {
        var findings = new RuleHarness()
            .CredentialReport(Staging, "<root_account>,arn:aws:iam::444455556666:root,2020-01-01T00:00:00+00:00,not_supported,2025-01-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .Run<RootAccountUseCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Flags_recent_root_password_use_from_the_credential_report()
    {
        var findings = new RuleHarness()
            .CredentialReport(Staging, "<root_account>,arn:aws:iam::444455556666:root,2020-01-01T00:00:00+00:00,not_supported,2026-10-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .Run<RootAccountUseCheck>();
        Assert.Equal("root password", Assert.Single(findings).Resource);
    }
}
