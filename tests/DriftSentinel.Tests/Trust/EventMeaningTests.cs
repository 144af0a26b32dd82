using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Trust;

/// <summary>Events mean what they say: failures are failures, people in shared roles are people, one drift one rule.</summary>
public class EventMeaningTests
{
    private static string Sso(string session) => Records.Role(Prod, "AWSReservedSSO_Admin_0123456789abcdef", session, "/aws-reserved/sso.amazonaws.com/");

    private static string PasswordUpdated(string identity, string result) =>
        Records.Call(Prod, "2026-11-18T10:00:00Z", "signin.amazonaws.com", "PasswordUpdated", identity, false)
            .Replace("\"responseElements\":null", $"\"responseElements\":{{\"PasswordUpdated\":\"{result}\"}}", StringComparison.Ordinal);

    [Fact]
    public void A_failed_root_password_update_is_not_root_use()
    {
        var findings = new RuleHarness().Trail(PasswordUpdated(Records.Root(Prod), "Failure")).Run<RootAccountUseCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void A_successful_root_password_update_is_root_use_and_not_also_a_direct_production_write()
    {
        var harness = new RuleHarness().Trail(PasswordUpdated(Records.Root(Prod), "Success"));
        var result = harness.RunAll();
        Assert.Single(result.Findings, f => f.RuleId == "DS-ACC-004");
        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-ACC-001");
    }

    [Fact]
    public void A_failed_password_update_by_a_user_is_not_a_production_write()
    {
        var findings = new RuleHarness().Trail(PasswordUpdated(Records.IamUser(Prod, "bob"), "Failure")).Run<DirectProductionLoginCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void People_acting_through_one_shared_sso_role_are_a_finding_each()
    {
        var findings = new RuleHarness()
            .Trail(Records.Call(Prod, "2026-11-18T10:00:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", Sso("alice@example.com"), false, """{"functionName":"payments-api"}"""))
            .Trail(Records.Call(Prod, "2026-11-18T11:00:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", Sso("mallory@example.com"), false, """{"functionName":"payments-api"}"""))
            .Trail(Records.Call(Prod, "2026-11-18T12:00:00Z", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", Sso("alice@example.com"), false, """{"functionName":"payments-api"}"""))
            .Run<DirectProductionLoginCheck>();

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Principal == "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com" && f.Occurrences == 2);
        Assert.Contains(findings, f => f.Principal!.EndsWith("/mallory@example.com", StringComparison.Ordinal) && f.Occurrences == 1);
        Assert.Equal(2, findings.Select(f => f.Fingerprint).Distinct().Count());
    }

    [Fact]
    public void Assuming_the_declared_break_glass_role_is_left_to_the_break_glass_rule()
    {
        // Pre-2014 records carry no readOnly field, so AssumeRole would otherwise look like a write.
        var record = Records.AssumeRole(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "bob"), "arn:aws:iam::111122223333:role/BreakGlass", "INC-77")
            .Replace("\"readOnly\":true,", "", StringComparison.Ordinal);
        var result = new RuleHarness().Trail(record).RunAll();
        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-ACC-001");
    }
}

public class EntraMfaEvidenceTests
{
    // A Graph v1.0 signIn as the collector used to read it: no authenticationRequirement, authenticationDetails or mfaDetail.
    private const string V1SignIn = """
        {"id":"66ea54eb-6301-4ee5-be62-ff5a759b0100","createdDateTime":"2026-11-18T09:00:00Z","userDisplayName":"Carol","userPrincipalName":"carol@example.com",
         "userId":"d7f0a2c4-0000-4000-8000-000000000c01","appId":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appDisplayName":"Azure Portal","ipAddress":"203.0.113.9",
         "clientAppUsed":"Browser","correlationId":"0f0e0d0c-0000-4000-8000-000000000001","conditionalAccessStatus":"notApplied","isInteractive":true,
         "resourceDisplayName":"Windows Azure Service Management API","resourceId":"797f4846-ba00-4fd7-ba43-dac1f8f63013",
         "status":{"errorCode":0,"failureReason":"Other.","additionalDetails":null},"location":{"city":"Redmond","countryOrRegion":"US"}}
        """;

    private static string Beta(string requirement) => V1SignIn.Replace("\"isInteractive\":true,", $"\"isInteractive\":true,\"authenticationRequirement\":\"{requirement}\",", StringComparison.Ordinal);

    [Fact]
    public void Sign_ins_that_cannot_say_whether_mfa_was_used_are_a_coverage_note_not_a_pass()
    {
        var harness = new RuleHarness().Event(InventoryFiles.SignIn(V1SignIn));
        var result = harness.RunAll();

        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-ACC-003");
        var note = Assert.Single(result.Coverage, c => c.Source == "entra.sign-ins.mfa");
        Assert.Equal(CoverageStatus.Partial, note.Status);
        Assert.Contains("1 of 1 interactive sign-ins do not say whether MFA was used", note.Detail, StringComparison.Ordinal);
        Assert.Contains(note, result.Gaps);
    }

    [Fact]
    public void A_single_factor_management_sign_in_from_a_beta_export_is_a_finding_and_no_note()
    {
        var result = new RuleHarness().Event(InventoryFiles.SignIn(Beta("singleFactorAuthentication"))).RunAll();

        Assert.Single(result.Findings, f => f.RuleId == "DS-ACC-003" && f.Principal == "carol@example.com");
        Assert.DoesNotContain(result.Coverage, c => c.Source == "entra.sign-ins.mfa");
    }

    [Fact]
    public void Mfa_is_read_from_authentication_details_when_the_requirement_is_absent()
    {
        var withDetails = V1SignIn.Replace("\"isInteractive\":true,", "\"isInteractive\":true,\"authenticationDetails\":[{\"authenticationStepDateTime\":\"2026-11-18T09:00:00Z\",\"authenticationMethod\":\"Password\",\"succeeded\":true,\"authenticationStepRequirement\":\"Primary authentication\"},{\"authenticationMethod\":\"Mobile app notification\",\"succeeded\":true,\"authenticationStepRequirement\":\"Multi-factor authentication\" ,\"authenticationStepResultDetail\":\"MFA successfully completed\"}],", StringComparison.Ordinal);
        Assert.True(InventoryFiles.SignIn(withDetails).MfaUsed);
    }
}
