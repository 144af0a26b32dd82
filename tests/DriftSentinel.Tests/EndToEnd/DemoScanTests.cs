using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.EndToEnd;

public class DemoScanTests
{
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
        Assert.Equal(DemoExpectations.Findings.Order(), actual.Order());
    }

    [Fact]
    public void Demo_fires_only_catalogued_rules_and_every_rule_it_documents()
    {
        // A new rule need not join the demo (its own examples prove it); what the demo shows must be real rules.
        var fired = Demo.Value.Findings.Select(f => f.RuleId).ToHashSet();
        Assert.Subset(Demo.Value.Catalogue.Rules.Keys.ToHashSet(), fired);
        Assert.Equal(DemoExpectations.Findings.Select(f => f.Rule).ToHashSet().Order(), fired.Order());
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
        Assert.Equal(2, byClass[ChangeClassification.PipelineIdentityOutsideRun]);
        Assert.Equal(3, byClass[ChangeClassification.OutOfBand]);
        Assert.Equal(1, byClass[ChangeClassification.BreakGlass]);

        // Four are tied to their run by the session that made them: the production run's own in AWS and in Azure (its
        // federated token), a pull request's workflow inside a release window, and a person who assumed the deploy
        // role inside another.
        var bySession = Demo.Value.ProductionChanges.Where(c => c.Link == "session").Select(c => c.Classification).Order().ToList();
        Assert.Equal([ChangeClassification.ApprovedPipelineRun, ChangeClassification.ApprovedPipelineRun, ChangeClassification.PipelineIdentityOutsideRun, ChangeClassification.OutOfBand], bySession);
    }

    [Fact]
    public void Sample_reports_are_up_to_date()
    {
        using var t = new TempFolder();
        OutputModules.Reports().WriteAll(Demo.Value, t.Path);
        var stale = OutputModules.Reports().FileNames
            .Where(name => !File.Exists(Path.Combine(TestPaths.RepositoryRoot, "sample-reports", name))
                           || File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "sample-reports", name)) != File.ReadAllText(Path.Combine(t.Path, name)))
            .ToList();
        Assert.True(stale.Count == 0,
            $"sample-reports/ is out of date ({string.Join(", ", stale)}); regenerate with: dotnet run --project src/DriftSentinel.Worker -- scan --demo --out sample-reports --evidence soc2");
    }

    [Fact]
    public void No_credential_value_appears_in_any_output()
    {
        using var t = new TempFolder();
        OutputModules.Reports().WriteAll(Demo.Value, t.Path);
        foreach (var name in OutputModules.Reports().FileNames)
        {
            var text = File.ReadAllText(Path.Combine(t.Path, name));
            Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("AKIAI44QH8DHBEXAMPLE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sessionToken", text, StringComparison.Ordinal);
        }
    }
}
