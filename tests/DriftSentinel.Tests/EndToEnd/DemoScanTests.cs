using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.EndToEnd;

public class DemoScanTests
{
    // The demo's expected findings, as listed in docs/demo.md: rule, severity, status, principal, resource.
    private static readonly (string Rule, string Severity, string Status, string Principal, string Resource)[] Expected =
    [
        ("DS-ACC-004", "critical", "open", "arn:aws:iam::777788889999:root", "root user"),
        ("DS-ACC-004", "critical", "open", "arn:aws:iam::777788889999:root", "root access key 1"),
        ("DS-DEP-001", "critical", "open", "arn:aws:iam::111122223333:user/bob", "arn:aws:lambda:us-east-1:111122223333:function:payments-api"),
        ("DS-DEP-001", "critical", "open", "bob@example.com", "/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/payments/providers/Microsoft.Web/sites/payments-web"),
        ("DS-LOG-001", "critical", "open", "arn:aws:iam::111122223333:role/ops-admin", "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"),
        ("DS-LOG-001", "critical", "open", "bob@example.com", "/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/payments/providers/Microsoft.Web/sites/payments-web/providers/microsoft.insights/diagnosticSettings/send-to-law"),
        ("DS-ACC-001", "high", "open", "arn:aws:iam::111122223333:user/bob", "arn:aws:lambda:us-east-1:111122223333:function:payments-api"),
        ("DS-ACC-001", "high", "open", "arn:aws:iam::111122223333:user/bob", "console"),
        ("DS-ACC-001", "high", "suppressed", "arn:aws:iam::111122223333:user/oncall", "console"),
        ("DS-ACC-001", "high", "open", "bob@example.com", "/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/payments/providers/Microsoft.Web/sites/payments-web"),
        ("DS-ACC-002", "high", "open", "arn:aws:iam::111122223333:role/BreakGlass", "session dave-fixing-things"),
        ("DS-ACC-003", "high", "open", "carol@example.com", "Azure Portal"),
        ("DS-ACC-003", "high", "open", "arn:aws:iam::777788889999:user/erin", "console password"),
        ("DS-ACC-003", "high", "open", "arn:aws:iam::777788889999:user/erin", "console"),
        ("DS-DEP-001", "high", "open", "arn:aws:iam::111122223333:role/github-deploy", "payments-api"),
        ("DS-DEP-002", "high", "open", "alice-example", "example/payments:production@c3d4e5f60718"),
        ("DS-DEP-002", "high", "open", "carol-example", "example/payments:production@b2c3d4e5f607"),
        ("DS-PRIV-002", "high", "open", "a0000000-0000-4000-8000-0000000000d0", "role Owner"),
        ("DS-PRIV-002", "high", "open", "alice@example.com", "Owner on /subscriptions/00000000-0000-0000-0000-00000000a001"),
        ("DS-PRIV-002", "high", "open", "arn:aws:iam::111122223333:user/bob", "policy AdministratorAccess via group Admins"),
        ("DS-PRIV-002", "high", "open", "eve@example.com", "Contributor on /subscriptions/00000000-0000-0000-0000-00000000a001"),
        ("DS-SEP-001", "high", "open", "22222222-aaaa-4bbb-8ccc-000000000002", "shared-automation"),
        ("DS-SEP-001", "high", "open", "arn:aws:iam::777788889999:user/ci-shared", "access key AKIA…MPLE (sha256:1a5d44a2)"),
        ("DS-SEP-001", "high", "open", "example/payments", "secret SLACK_WEBHOOK_URL"),
        ("DS-SEP-002", "high", "open", "33333333-aaaa-4bbb-8ccc-000000000003", "/subscriptions/00000000-0000-0000-0000-00000000a001"),
        ("DS-SEP-002", "high", "open", "arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:role/staging-reader-bridge"),
        ("DS-CRED-001", "medium", "open (exception expired)", "arn:aws:iam::444455556666:user/legacy-batch", "access key 1"),
        ("DS-DEP-003", "medium", "open", "alice-example", "example/payments@d4e5f60718293a4b5c6d7e8f9012345678901234"),
        ("DS-PRIV-001", "medium", "open", "a0000000-0000-4000-8000-0000000000d0", "role Owner"),
        ("DS-PRIV-001", "medium", "open", "arn:aws:iam::111122223333:role/legacy-admin", "policy AdministratorAccess"),
        ("DS-ACC-002", "info", "open", "arn:aws:iam::111122223333:role/BreakGlass", "session INC-4521"),
        ("DS-ACC-002", "info", "open", "breakglass@example.com", "Owner on /subscriptions/00000000-0000-0000-0000-00000000a001"),
    ];

    private static readonly Lazy<DriftSentinel.Core.Engine.ScanResult> Demo = new(() =>
    {
        var demo = DemoLocator.Find();
        return ScanCommand.Scan(Path.Combine(demo, "snapshot"), BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")),
            RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")), DemoLocator.AsOf(demo), "demo");
    });

    [Fact]
    public void Demo_scan_produces_exactly_the_documented_findings()
    {
        var actual = Demo.Value.Findings.Select(f => (f.RuleId, f.Severity.ToText(), ReportFormat.Status(f), f.Principal ?? "", f.Resource ?? "")).ToList();
        Assert.Equal(Expected.Order(), actual.Order());
    }

    [Fact]
    public void Demo_fires_every_rule_in_the_catalogue()
    {
        var fired = Demo.Value.Active.Where(f => f.Severity > Severity.Info).Select(f => f.RuleId).ToHashSet();
        Assert.Equal(Demo.Value.Catalogue.Rules.Keys.Order(), fired.Order());
    }

    [Fact]
    public void Demo_reads_every_source_with_no_gap()
    {
        Assert.DoesNotContain(Demo.Value.Coverage, c => c.Status != CoverageStatus.Read);
        Assert.Contains(Demo.Value.Coverage, c => c.Source == "aws.cloudtrail" && c.Scope == "777788889999");
        Assert.Contains(Demo.Value.Coverage, c => c.Source == "entra.sign-ins");
    }

    [Fact]
    public void Demo_classifies_every_production_change()
    {
        var byClass = Demo.Value.ProductionChanges.GroupBy(c => c.Classification).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, byClass[ChangeClassification.ApprovedPipelineRun]);
        Assert.Equal(1, byClass[ChangeClassification.PipelineIdentityOutsideRun]);
        Assert.Equal(2, byClass[ChangeClassification.OutOfBand]);
        Assert.Equal(1, byClass[ChangeClassification.BreakGlass]);
    }

    [Fact]
    public void Sample_reports_are_up_to_date()
    {
        using var t = new TempFolder();
        ReportSet.WriteAll(Demo.Value, t.Path);
        var stale = ReportSet.FileNames
            .Where(name => !File.Exists(Path.Combine(TestPaths.RepositoryRoot, "sample-reports", name))
                           || File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "sample-reports", name)) != File.ReadAllText(Path.Combine(t.Path, name)))
            .ToList();
        Assert.True(stale.Count == 0,
            $"sample-reports/ is out of date ({string.Join(", ", stale)}); regenerate with: dotnet run --project src/DriftSentinel.Worker -- scan --demo --out sample-reports");
    }

    [Fact]
    public void No_credential_value_appears_in_any_output()
    {
        using var t = new TempFolder();
        ReportSet.WriteAll(Demo.Value, t.Path);
        foreach (var name in ReportSet.FileNames)
        {
            var text = File.ReadAllText(Path.Combine(t.Path, name));
            Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("AKIAI44QH8DHBEXAMPLE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sessionToken", text, StringComparison.Ordinal);
        }
    }
}
