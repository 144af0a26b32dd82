using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.InventoryFiles;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Rules;

public class StalePrivilegedAccessTests
{
    private static string Roles(string lastUsed) => $$"""
        {"UserDetailList":[],"GroupDetailList":[],"Policies":[],
         "RoleDetailList":[
          {"Path":"/","RoleName":"legacy-admin","Arn":"arn:aws:iam::111122223333:role/legacy-admin","CreateDate":"2023-01-01T00:00:00Z",
           "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]},
           "RolePolicyList":[],"AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}],
           "RoleLastUsed":{"LastUsedDate":"{{lastUsed}}","Region":"us-east-1"} },
          {"Path":"/","RoleName":"BreakGlass","Arn":"arn:aws:iam::111122223333:role/BreakGlass","CreateDate":"2023-01-01T00:00:00Z",
           "AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},"RolePolicyList":[],
           "AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}],"RoleLastUsed":{} }]}
        """;

    [Fact]
    public void Flags_admin_role_unused_beyond_the_threshold_but_not_break_glass()
    {
        var findings = new RuleHarness().AuthorizationDetails(Prod, Roles("2026-03-01T00:00:00Z")).Run<StalePrivilegedAccessCheck>();
        var f = Assert.Single(findings);
        Assert.Equal("arn:aws:iam::111122223333:role/legacy-admin", f.Principal);
        Assert.Contains("RoleLastUsed", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trail_activity_counts_as_use()
    {
        var findings = new RuleHarness()
            .AuthorizationDetails(Prod, Roles("2026-03-01T00:00:00Z"))
            .Trail(Records.Call(Prod, "2026-11-10T00:00:00Z", "ec2.amazonaws.com", "DescribeInstances", Records.Role(Prod, "legacy-admin", "x"), true))
            .Run<StalePrivilegedAccessCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Entra_sign_in_by_the_assignments_object_id_counts_as_use()
    {
        var findings = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "0d0d0d0d-0000-4000-8000-000000000001", "User", Owner, "2025-01-01T00:00:00Z")}}]}""")
            .Event(SignIn("""
                {"id":"s1","createdDateTime":"2026-11-19T10:00:00Z","userPrincipalName":"dan@example.com","userId":"0d0d0d0d-0000-4000-8000-000000000001",
                 "appDisplayName":"Azure Portal","isInteractive":true,"authenticationRequirement":"multiFactorAuthentication","status":{"errorCode":0}}
                """))
            .Run<StalePrivilegedAccessCheck>();
        Assert.Empty(findings);
    }

    [Fact]
    public void Names_an_arm_assignment_principal_from_its_sign_ins()
    {
        var result = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "0d0d0d0d-0000-4000-8000-000000000002", "User", Reader, "2026-01-01T00:00:00Z")}}]}""")
            .Event(SignIn("""
                {"id":"s1","createdDateTime":"2026-11-19T10:00:00Z","userPrincipalName":"erin@example.com","userId":"0d0d0d0d-0000-4000-8000-000000000002",
                 "appDisplayName":"Azure Portal","isInteractive":true,"authenticationRequirement":"multiFactorAuthentication","status":{"errorCode":0}}
                """))
            .RunAll();
        var row = Assert.Single(result.Entitlements);
        Assert.Equal("erin@example.com", row.PrincipalName);
        Assert.Equal("entra-sign-in", row.LastUsedSource);
    }

    [Fact]
    public void Flags_azure_owner_never_used_and_older_than_threshold_when_the_activity_log_covers_it()
    {
        var harness = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "dan-id", "User", Owner, "2025-01-01T00:00:00Z")}},{{Assignment(SubProd, "a2", "ro-id", "User", Reader, "2025-01-01T00:00:00Z")}}]}""")
            .Event(AzureEvent(ActivityEvent(SubProd, "e1", "2026-08-01T00:00:00Z", "11111111-aaaa-4bbb-8ccc-000000000001", "app", "Microsoft.Web/sites/config/list/action")))
            .Event(AzureEvent(ActivityEvent(SubProd, "e2", "2026-11-20T09:00:00Z", "11111111-aaaa-4bbb-8ccc-000000000001", "app", "Microsoft.Web/sites/config/list/action")));
        harness.Input.Coverage.Read("azure.activity-log", SubProd, 2);

        var findings = harness.Run<StalePrivilegedAccessCheck>();

        Assert.Equal("dan-id", Assert.Single(findings).Principal);
        Assert.Empty(new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "dan-id", "User", Owner, "2025-01-01T00:00:00Z")}}]}""")
            .Run<StalePrivilegedAccessCheck>()); // nothing read that could show a use: unknown, not stale
    }
}

public class StandingElevationTests
{
    [Fact]
    public void Flags_iam_user_with_admin_through_a_group_in_prod()
    {
        var findings = new RuleHarness().AuthorizationDetails(Prod, """
            {"UserDetailList":[{"Path":"/","UserName":"bob","Arn":"arn:aws:iam::111122223333:user/bob","CreateDate":"2024-01-01T00:00:00Z","UserPolicyList":[],"GroupList":["Admins"],"AttachedManagedPolicies":[]},
                               {"Path":"/","UserName":"ro","Arn":"arn:aws:iam::111122223333:user/ro","CreateDate":"2024-01-01T00:00:00Z","UserPolicyList":[],"GroupList":[],"AttachedManagedPolicies":[{"PolicyName":"ReadOnlyAccess","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}]}],
             "GroupDetailList":[{"GroupName":"Admins","Arn":"arn:aws:iam::111122223333:group/Admins","GroupPolicyList":[],"AttachedManagedPolicies":[{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]}],
             "RoleDetailList":[],"Policies":[]}
            """).Run<StandingOrOverdueElevationCheck>();
        var f = Assert.Single(findings);
        Assert.Equal("arn:aws:iam::111122223333:user/bob", f.Principal);
        Assert.Contains("via group Admins", f.Resource, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_inline_star_policy_as_privileged()
    {
        var findings = new RuleHarness().AuthorizationDetails(Prod, """
            {"UserDetailList":[{"Path":"/","UserName":"eve","Arn":"arn:aws:iam::111122223333:user/eve","UserPolicyList":[{"PolicyName":"all","PolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}],"GroupList":[],"AttachedManagedPolicies":[]}],
             "GroupDetailList":[],"RoleDetailList":[],"Policies":[]}
            """).Run<StandingOrOverdueElevationCheck>();
        Assert.Equal("inline policy all", Assert.Single(findings).Resource);
    }

    [Fact]
    public void Flags_long_activation_and_expired_instance_but_not_a_short_one()
    {
        var findings = new RuleHarness().PimInstances(SubProd, $$"""
            {"value":[
              {{Pim(SubProd, "long", "u1", "alice@example.com", Owner, "Activated", "2026-11-20T06:00:00Z", "2026-11-20T18:00:00Z")}},
              {{Pim(SubProd, "expired", "u2", "eve@example.com", Contributor, "Assigned", "2026-10-01T00:00:00Z", "2026-11-18T00:00:00Z")}},
              {{Pim(SubProd, "short", "u3", "carol@example.com", Contributor, "Activated", "2026-11-20T11:00:00Z", "2026-11-20T13:00:00Z")}},
              {{Pim(SubProd, "reader", "u4", "dan@example.com", Reader, "Activated", "2026-11-20T00:00:00Z", "2026-11-20T23:00:00Z")}}]}
            """).Run<StandingOrOverdueElevationCheck>();
        Assert.Equal(["alice@example.com", "eve@example.com"], findings.Select(f => f.Principal!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Flags_standing_azure_owner_for_a_person_but_not_a_service_principal()
    {
        var findings = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", "dan-id", "User", Owner, "2026-11-01T00:00:00Z")}},{{Assignment(SubProd, "a2", "sp-id", "ServicePrincipal", Owner, "2026-11-01T00:00:00Z")}}]}""")
            .Run<StandingOrOverdueElevationCheck>();
        Assert.Equal("dan-id", Assert.Single(findings).Principal);
    }
}

public class OldOrUnusedAccessKeyTests
{
    private static string Row(string user, string rotated, string used) =>
        $"{user},arn:aws:iam::444455556666:user/{user},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,{rotated},{used},us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";

    [Fact]
    public void Flags_old_key_and_unused_key()
    {
        var findings = new RuleHarness().CredentialReport(Staging,
            Row("old", "2025-06-01T00:00:00+00:00", "2026-11-19T00:00:00+00:00"),
            Row("idle", "2026-10-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
            Row("never", "2026-01-01T00:00:00+00:00", "N/A"),
            Row("fine", "2026-10-01T00:00:00+00:00", "2026-11-19T00:00:00+00:00")).Run<OldOrUnusedAccessKeyCheck>();
        Assert.Equal(new[] { "old", "idle", "never" }.Order(StringComparer.Ordinal), findings.Select(f => f.Principal!.Split('/')[^1]).Order(StringComparer.Ordinal));
        Assert.Contains(findings, f => f.Message.Contains("never used", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rotated_key_is_a_different_finding()
    {
        var a = new RuleHarness().CredentialReport(Staging, Row("old", "2025-06-01T00:00:00+00:00", "2026-11-19T00:00:00+00:00")).Run<OldOrUnusedAccessKeyCheck>();
        var b = new RuleHarness().CredentialReport(Staging, Row("old", "2025-07-01T00:00:00+00:00", "2026-11-19T00:00:00+00:00")).Run<OldOrUnusedAccessKeyCheck>();
        var again = new RuleHarness().CredentialReport(Staging, Row("old", "2025-06-01T00:00:00+00:00", "2026-11-18T00:00:00+00:00")).Run<OldOrUnusedAccessKeyCheck>();
        Assert.NotEqual(a[0].Fingerprint, b[0].Fingerprint);
        Assert.Equal(a[0].Fingerprint, again[0].Fingerprint);
    }
}
