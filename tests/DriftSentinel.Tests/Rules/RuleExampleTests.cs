using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Rules;

/// <summary>
/// Every rule carries its own examples (rules/examples/&lt;ID&gt;/{fires,quiet} beside a small baseline): the firing
/// example produces exactly the findings its expected.tsv lists, the quiet one none above info. One test for all rules,
/// driven by the catalogue, so a new rule is proven by its own files.
/// </summary>
public sealed class RuleExampleTests
{
    private static readonly string Examples = Path.Combine(TestPaths.RepositoryRoot, "rules", "examples");
    private static readonly RuleCatalogue Catalogue = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));

    public static TheoryData<string> RuleIds() => [.. Catalogue.Rules.Keys.Order(StringComparer.Ordinal)];

    private static List<DriftSentinel.Core.Findings.Finding> Run(string rule, string example)
    {
        var folder = Path.Combine(Examples, rule);
        var asOf = DateTimeOffset.Parse(File.ReadAllText(Path.Combine(Examples, "as-of.txt")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // A rule that checks access review decisions (DS-REV-001) takes them from {example}.decisions.json beside the snapshot.
        var decisions = Path.Combine(folder, $"{example}.decisions.json");
        var reviews = File.Exists(decisions) ? DriftSentinel.Core.Access.ReviewJson.ReadFile(decisions) : [];
        var result = ScanCommand.Scan(Path.Combine(folder, example), BaselineLoader.Load(Path.Combine(folder, "baseline.yaml")), Catalogue, asOf, $"{rule}/{example}", reviews: reviews);
        return [.. result.Findings.Where(f => f.RuleId == rule && f.Severity > Severity.Info)];
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Each_rule_fires_on_its_firing_example_exactly_as_expected(string rule)
    {
        var expectedFile = Path.Combine(Examples, rule, "expected.tsv");
        Assert.True(File.Exists(expectedFile), $"{rule} has no rules/examples/{rule}/expected.tsv (see docs/architecture.md, \"Adding a rule\")");
        var expected = File.ReadLines(expectedFile).Where(l => l.Length > 0 && !l.StartsWith('#')).Skip(1).Order(StringComparer.Ordinal).ToList();
        var actual = Run(rule, "fires").Select(f => string.Join('\t', f.Severity.ToText(), ReportFormat.Status(f), f.Principal ?? "", f.Resource ?? "")).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Each_rule_is_quiet_on_its_quiet_example(string rule)
    {
        Assert.True(Directory.Exists(Path.Combine(Examples, rule, "quiet")), $"{rule} has no rules/examples/{rule}/quiet/");
        Assert.Empty(Run(rule, "quiet"));
    }

    [Fact]
    public void Every_example_folder_belongs_to_a_catalogued_rule()
    {
        var folders = Directory.EnumerateDirectories(Examples).Select(Path.GetFileName).ToList();
        Assert.All(folders, f => Assert.Contains(f!, Catalogue.Rules.Keys));
    }
}
