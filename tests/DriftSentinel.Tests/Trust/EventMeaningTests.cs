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
