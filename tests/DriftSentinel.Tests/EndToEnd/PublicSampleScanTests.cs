using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.EndToEnd;

/// <summary>A snapshot assembled from other projects' real records must scan with sensible findings and no crash.</summary>
public class PublicSampleScanTests
{
    [Fact]
    public void Scans_a_snapshot_assembled_from_public_samples()
    {
        using var t = new TempFolder();
        const string account = "143434273843";
        foreach (var f in Directory.EnumerateFiles(TestPaths.Fixture("public"), "stratus-*.json"))
        {
            t.Copy(f, $"snap/aws/{account}/cloudtrail/{Path.GetFileName(f)}");
        }

        t.Copy(TestPaths.Public("cloudsplaining-authz-details.json"), $"snap/aws/{account}/iam/authorization-details.json");
        t.Copy(TestPaths.Public("custodian-credential-report.csv"), $"snap/aws/{account}/iam/credential-report.csv");
        t.Copy(TestPaths.Public("custodian-role-assignments.json"), "snap/azure/ea42f556-5106-4743-99b0-c129bfa71a47/role-assignments.json");
        t.Copy(TestPaths.Public("custodian-role-definitions.json"), "snap/azure/ea42f556-5106-4743-99b0-c129bfa71a47/role-definitions.json");
        var baseline = BaselineLoader.Parse($$"""
            version: 1
            organization: Public samples
            environments:
              - name: prod
                tier: production
                aws_accounts: ["{{account}}", "958312252124", "562283505220", "266106314375", "847129010505"]
                azure_subscriptions: ["ea42f556-5106-4743-99b0-c129bfa71a47"]
            """, "b.yaml");

        var result = ScanCommand.Scan(Path.Combine(t.Path, "snap"), baseline, RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")),
            new DateTimeOffset(2024, 8, 3, 0, 0, 0, TimeSpan.Zero), "public");

        Assert.DoesNotContain(result.Coverage, c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial);
        Assert.True(result.Run.EventsRead >= 5);
        Assert.Contains(result.Findings, f => f.RuleId == "DS-LOG-001" && f.Message.Contains("StopLogging", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.RuleId == "DS-LOG-001" && f.Message.Contains("DeleteTrail", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.RuleId == "DS-ACC-003" && f.Message.Contains("without MFA", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.RuleId == "DS-ACC-001");
        Assert.Contains(result.Findings, f => f.RuleId == "DS-DEP-001" && f.Details["classification"] == "human or unknown out-of-band");
        Assert.Contains(result.Findings, f => f.RuleId == "DS-PRIV-002" && f.Cloud == Cloud.Azure);
        Assert.True(result.Entitlements.Count > 50);
    }
}
