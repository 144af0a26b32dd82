using System.Text.Json;
using AngleSharp.Html.Parser;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Reporting;

/// <summary>`--evidence`: a browsable pack per framework, one folder per control, covered by the run manifest.</summary>
public sealed class EvidencePackTests
{
    private static string DemoFolder => Path.Combine(TestPaths.RepositoryRoot, "demo");

    private static RuleCatalogue Catalogue => RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));

    [Fact]
    public void The_soc2_pack_of_the_demo_lists_every_control_with_its_status_and_every_link_resolves()
    {
        using var temp = new TempFolder();
        var outDir = Path.Combine(temp.Path, "out");
        var scan = Cli.Run("scan", "--demo", "--out", outDir, "--evidence", "soc2");
        Assert.True(scan.Exit == 0, scan.Stderr);

        var pack = Path.Combine(outDir, "evidence", "soc2");
        var index = new HtmlParser().ParseDocument(File.ReadAllText(Path.Combine(pack, "index.html")));
        var rows = index.QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToList()).ToList();
        var framework = Catalogue.Frameworks.Single(f => f.Slug == "soc2");
        Assert.Equal(framework.Controls.Select(c => c.Id), rows.Select(r => r[0]));
        Assert.Equal(EvidencePackWriter.Status.NotCovered, rows.Single(r => r[0] == "CC7.1")[2]); // no rule tests it: said so, not left out
        var integrity = rows.Single(r => r[0] == "CC7.2");
        Assert.Equal(EvidencePackWriter.Status.Findings, integrity[2]);
        Assert.Contains("DS-LOG-002", integrity[3], StringComparison.Ordinal);

        // Every link of the index and of each control page points at a file that exists.
        foreach (var page in Directory.EnumerateFiles(pack, "index.html", SearchOption.AllDirectories))
        {
            foreach (var href in new HtmlParser().ParseDocument(File.ReadAllText(page)).QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!))
            {
                Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, href))), $"{page}: {href}");
            }
        }

        // An access control carries the access review; its findings list the suppressed one with the exception's owner and expiry.
        Assert.True(File.Exists(Path.Combine(pack, "CC6.1", "access-review.csv")));
        Assert.False(File.Exists(Path.Combine(pack, "CC7.2", "access-review.csv")));
        var findings = File.ReadAllLines(Path.Combine(pack, "CC6.1", "findings.csv"));
        var suppressed = Assert.Single(findings, l => l.StartsWith("suppressed,", StringComparison.Ordinal));
        Assert.Matches(",20\\d\\d-\\d\\d-\\d\\d,", suppressed);
        using var control = JsonDocument.Parse(File.ReadAllText(Path.Combine(pack, "CC7.2", "control.json")));
        Assert.Equal("../../../manifest.json", control.RootElement.GetProperty("manifest").GetString());
        Assert.Equal(["DS-LOG-001", "DS-LOG-002"], control.RootElement.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()));

        // The manifest hashes the pack: an edited control file fails verification.
        var verified = Cli.Run("verify", outDir);
        Assert.True(verified.Exit == 0, verified.Stdout);
        File.AppendAllText(Path.Combine(pack, "CC6.1", "findings.csv"), "open,forged\n");
        Assert.Contains("FAIL evidence/soc2/CC6.1/findings.csv was altered", Cli.Run("verify", outDir).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void No_control_looks_clean_when_an_input_was_not_read()
    {
        var demo = ScanCommand.Scan(Path.Combine(DemoFolder, "snapshot"), BaselineLoader.Load(Path.Combine(DemoFolder, "baseline.yaml")), Catalogue, DemoLocator.AsOf(DemoFolder), "demo");
        ScanResult With(IReadOnlyList<CoverageEntry> coverage) => demo.With(findings: [], coverage: coverage);

        string Status(ScanResult result, string control)
        {
            using var temp = new TempFolder();
            new EvidencePackWriter(["iso27001"]).Write(result, null, temp.Path);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "iso27001", control, "control.json")));
            return doc.RootElement.GetProperty("status").GetString()!;
        }

        Assert.Equal(EvidencePackWriter.Status.Clean, Status(With(demo.Coverage), "A.8.15"));
        var unread = new CoverageEntry("aws.cloudtrail", "111122223333", CoverageStatus.Failed, 0, "aws/111122223333/cloudtrail/x.json.gz is not gzip");
        Assert.Equal(EvidencePackWriter.Status.Incomplete, Status(With([.. demo.Coverage, unread]), "A.8.15"));
    }

    [Fact]
    public void Every_control_a_rule_maps_is_listed_in_its_framework_and_an_unknown_framework_is_a_usage_error()
    {
        var catalogue = Catalogue;
        Assert.Equal(["iso27001", "pci-dss", "soc2"], catalogue.Frameworks.Select(f => f.Slug).Order(StringComparer.Ordinal));
        foreach (var (framework, controls) in catalogue.Compliance)
        {
            var listed = catalogue.Frameworks.Single(f => f.Framework == framework).Controls.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            Assert.All(controls.Keys, c => Assert.True(listed.Contains(c), $"{framework} {c} is mapped by a rule but not in rules/frameworks"));
        }

        var unknown = Cli.Run("scan", "--demo", "--out", Path.Combine(Path.GetTempPath(), $"ds-{Guid.NewGuid():N}"), "--evidence", "hipaa");
        Assert.Equal(ExitCodes.Usage, unknown.Exit);
        Assert.Contains("--evidence hipaa: no such framework; expected one of iso27001, pci-dss, soc2 or all", unknown.Stderr, StringComparison.Ordinal);
    }
}
