using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.InventoryFiles;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Trust;

/// <summary>"Never used" only when the sources read cover the span; otherwise "unknown — observed N days".</summary>
public class EvidenceWindowTests
{
    private const string Dana = "0d0d0d0d-0000-4000-8000-00000000da7a";

    private const string ReadOnlyUser = """
        {"UserDetailList":[{"Path":"/","UserName":"ana","UserId":"AIDAEXAMPLEANA","Arn":"arn:aws:iam::111122223333:user/ana","CreateDate":"2024-02-01T00:00:00Z",
          "GroupList":[],"AttachedManagedPolicies":[{"PolicyName":"ReadOnlyAccess","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}],"UserPolicyList":[]}],
         "GroupDetailList":[],"RoleDetailList":[],"Policies":[]}
        """;

    private const string Header = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    private static Dictionary<string, string>[] AccessReview(ScanResult result)
    {
        var w = new StringWriter();
        CsvReportWriter.WriteAccessReview(result, w);
        var lines = w.ToString().TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        // The cells tested here hold no commas or quotes except the reasons, which are the last columns but four.
        return lines.Skip(1).Select(l =>
        {
            var cells = new List<string>();
            var cur = new System.Text.StringBuilder();
            var quoted = false;
            foreach (var ch in l)
            {
                if (ch == '"') { quoted = !quoted; continue; }
                if (ch == ',' && !quoted) { cells.Add(cur.ToString()); cur.Clear(); continue; }
                cur.Append(ch);
            }

            cells.Add(cur.ToString());
            return header.Zip(cells).ToDictionary(p => p.First, p => p.Second);
        }).ToArray();
    }

    private static RuleHarness TrailOfDays(RuleHarness h, int days)
    {
        // Four days of someone else's activity in the production trail, read completely.
        for (var d = days; d >= 1; d--)
        {
            h.Trail(Records.Call(Prod, AsOf.AddDays(-d).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), "ec2.amazonaws.com", "DescribeInstances", Records.IamUser(Prod, "ops"), true));
        }

        h.Input.Coverage.Read("aws.cloudtrail", Prod, days, $"{days} files");
        return h;
    }

    [Fact]
    public void Without_the_credential_report_a_short_trail_makes_use_unknown_not_revoke()
    {
        var result = TrailOfDays(new RuleHarness().AuthorizationDetails(Prod, ReadOnlyUser), 4).RunAll();

        var row = Assert.Single(AccessReview(result), r => r["principal_name"] == "ana");
        Assert.Equal("review", row["recommendation"]);
        Assert.StartsWith("unknown — observed 4 days (cloudtrail since 2026-11-16)", row["recommendation_reason"], StringComparison.Ordinal);
        Assert.StartsWith("unknown — observed 4 days", row["usage_evidence"], StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_credential_report_the_same_user_is_in_use_and_never_used_is_a_fact()
    {
        var used = TrailOfDays(new RuleHarness().AuthorizationDetails(Prod, ReadOnlyUser), 4)
            .CredentialReport(Prod, "ana,arn:aws:iam::111122223333:user/ana,2024-02-01T00:00:00+00:00,true,2026-11-10T09:00:00+00:00,2025-06-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .RunAll();
        var neverUsed = TrailOfDays(new RuleHarness().AuthorizationDetails(Prod, ReadOnlyUser), 4)
            .CredentialReport(Prod, "ana,arn:aws:iam::111122223333:user/ana,2024-02-01T00:00:00+00:00,true,N/A,2025-06-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .RunAll();

        Assert.Equal("keep", AccessReview(used).Single(r => r["entitlement"] == "policy ReadOnlyAccess")["recommendation"]);
        var row = AccessReview(neverUsed).Single(r => r["entitlement"] == "policy ReadOnlyAccess");
        Assert.Equal("revoke", row["recommendation"]);
        Assert.Contains("credential report (whole life, since 2024-02-01)", row["usage_evidence"], StringComparison.Ordinal);
    }

    private static RuleHarness AzureOwner(int activityLogDays, CoverageStatus status = CoverageStatus.Read, int endsDaysBefore = 0)
    {
        var h = new RuleHarness().AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", Dana, "User", Owner, "2025-01-01T00:00:00Z")}}]}""");
        foreach (var (seed, days) in new[] { ("e1", activityLogDays), ("e2", endsDaysBefore) })
        {
            h.Event(AzureEvent(ActivityEvent(SubProd, seed, AsOf.AddDays(-days).AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                "11111111-aaaa-4bbb-8ccc-000000000001", "app", "Microsoft.Web/sites/config/list/action")));
        }

        h.Input.Coverage.Add(new CoverageEntry("azure.activity-log", SubProd, status, 1, status == CoverageStatus.Read ? null : "activity-log.json: record 7: truncated"));
        return h;
    }

    [Fact]
    public void An_azure_owner_unseen_in_four_days_of_log_is_unknown_and_no_stale_finding()
    {
        var result = AzureOwner(4).RunAll();

        Assert.True(!result.Findings.Any(f => f.RuleId == "DS-PRIV-001"), string.Join("\n", result.Findings.Select(f => f.RuleId + " " + f.Message)));
        var row = AccessReview(result).Single(r => r["principal_id"] == Dana);
        Assert.Equal("review", row["recommendation"]);
        Assert.Contains("unknown — observed 4 days (activity-log since 2026-11-16)", row["recommendation_reason"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_azure_owner_unseen_in_a_hundred_days_of_log_is_stale()
    {
        var result = AzureOwner(100).RunAll();

        var f = Assert.Single(result.Findings, f => f.RuleId == "DS-PRIV-001");
        Assert.Contains("evidence: activity-log since 2026-08-12", f.Message, StringComparison.Ordinal);
        Assert.Equal("revoke", AccessReview(result).Single(r => r["principal_id"] == Dana)["recommendation"]);
    }

    [Fact]
    public void A_long_activity_log_that_ended_weeks_before_the_as_of_is_no_evidence_of_recent_absence()
    {
        var result = AzureOwner(200, endsDaysBefore: 30).RunAll();

        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-PRIV-001");
        Assert.Equal("review", AccessReview(result).Single(r => r["principal_id"] == Dana)["recommendation"]);
    }

    [Fact]
    public void A_partially_read_activity_log_is_no_evidence_of_absence()
    {
        var result = AzureOwner(100, CoverageStatus.Partial).RunAll();

        Assert.DoesNotContain(result.Findings, f => f.RuleId == "DS-PRIV-001");
        Assert.Contains("unknown — observed 0 days (no source that records use was read)", AccessReview(result).Single(r => r["principal_id"] == Dana)["recommendation_reason"], StringComparison.Ordinal);
    }

    [Fact]
    public void Root_is_never_recommended_for_revocation()
    {
        var result = new RuleHarness().CredentialReport(Prod, "<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A").RunAll();

        var row = AccessReview(result).Single(r => r["principal_type"] == "root");
        Assert.Equal("review", row["recommendation"]);
        Assert.StartsWith("root cannot be revoked", row["recommendation_reason"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_with_an_open_old_key_finding_is_not_keep_and_the_password_has_its_own_age()
    {
        var result = new RuleHarness()
            .CredentialReport(Prod, "ana,arn:aws:iam::111122223333:user/ana,2024-02-01T00:00:00+00:00,true,2026-11-19T09:00:00+00:00,2026-10-01T00:00:00+00:00,N/A,true,true,2025-01-01T00:00:00+00:00,2026-11-19T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
            .AuthorizationDetails(Prod, ReadOnlyUser)
            .RunAll();
        Assert.Contains(result.Findings, f => f.RuleId == "DS-CRED-001" && f.Resource == "access key 1");

        var rows = AccessReview(result);
        var key = rows.Single(r => r["entitlement"] == "access key 1");
        Assert.Equal("review", key["recommendation"]);
        Assert.Contains("DS-CRED-001", key["recommendation_reason"], StringComparison.Ordinal);
        Assert.Equal("688", key["credential_age_days"]);
        Assert.Equal("50", rows.Single(r => r["entitlement"] == "console password")["credential_age_days"]); // password_last_changed, not the key's age
        Assert.Equal("", rows.Single(r => r["entitlement"] == "policy ReadOnlyAccess")["credential_age_days"]);
    }

    [Fact]
    public void A_jit_activation_is_not_shown_as_used_before_it_began()
    {
        var result = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[]}""")
            .PimInstances(SubProd, $$"""{"value":[{{Pim(SubProd, "p1", Dana, "dana@example.com", Contributor, "Activated", "2026-11-20T08:00:00Z", "2026-11-20T16:00:00Z")}}]}""")
            .Event(AzureEvent(ActivityEvent(SubProd, "e1", "2026-11-19T10:00:00Z", "dana@example.com", "user", "Microsoft.Resources/subscriptions/resourceGroups/read")))
            .RunAll();

        var row = AccessReview(result).Single(r => r["assignment_type"] == "active JIT");
        Assert.Equal("", row["last_used"]);
        Assert.StartsWith("keep", row["recommendation"], StringComparison.Ordinal);
        Assert.Contains("not used during it", row["recommendation_reason"], StringComparison.Ordinal);
    }

    [Fact]
    public void Names_an_arm_assignment_principal_from_a_diagnostic_settings_activity_record()
    {
        // ARM's assignment list carries no name; the diagnostic export's identity.claims carry the UPN and object id.
        var record = """
            {"time":"2026-11-19T10:00:00.0000000Z","resourceId":"/SUBSCRIPTIONS/SUBSCRIPTION/RESOURCEGROUPS/PAYMENTS","operationName":"MICROSOFT.RESOURCES/DEPLOYMENTS/VALIDATE/ACTION",
             "category":"Administrative","resultType":"Success","resultSignature":"Succeeded.","callerIpAddress":"203.0.113.7","correlationId":"c0",
             "identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"dana@example.com","http://schemas.microsoft.com/identity/claims/objectidentifier":"OBJECT","idtyp":"user"}}}
            """.Replace("SUBSCRIPTION", SubProd.ToUpperInvariant(), StringComparison.Ordinal).Replace("OBJECT", Dana, StringComparison.Ordinal);
        var result = new RuleHarness()
            .AzureAssignments(SubProd, $$"""{"value":[{{Assignment(SubProd, "a1", Dana, "User", Reader, "2026-01-01T00:00:00Z")}}]}""")
            .Event(AzureEvent(record))
            .RunAll();

        var row = AccessReview(result).Single(r => r["principal_id"] == Dana);
        Assert.Equal("dana@example.com", row["principal_name"]);
        Assert.Equal("activity-log", row["last_used_source"]);
    }
}
