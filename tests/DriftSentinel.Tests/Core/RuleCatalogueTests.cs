using DriftSentinel.Core.Rules;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Core;

public class RuleCatalogueTests
{
    private static readonly RuleCatalogue Catalogue = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));

    [Fact]
    public void Every_rule_class_has_a_catalogue_entry_and_every_entry_a_class()
    {
        Assert.Equal(Catalogue.Rules.Keys.Order(StringComparer.Ordinal), Rule.All().Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.NotEmpty(Catalogue.Rules);
    }

    [Fact]
    public void Every_entry_explains_itself_and_cites_controls()
    {
        Assert.All(Catalogue.Rules.Values, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Description), r.Id);
            Assert.False(string.IsNullOrWhiteSpace(r.Rationale), r.Id);
            Assert.False(string.IsNullOrWhiteSpace(r.Remediation), r.Id);
            Assert.Contains(r.Compliance, c => c.StartsWith("SOC 2", StringComparison.Ordinal));
            Assert.Contains(r.Compliance, c => c.StartsWith("ISO 27001", StringComparison.Ordinal));
            Assert.Contains(r.Compliance, c => c.StartsWith("PCI DSS", StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Rules_doc_lists_every_rule_with_its_title_and_severity()
    {
        var doc = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "rules.md"));
        Assert.All(Catalogue.Rules.Values, r =>
        {
            Assert.Contains($"## {r.Id}", doc, StringComparison.Ordinal);
            Assert.Contains($"| {r.Title} | {r.Severity} |", doc, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", true)]
    [InlineData("lambda.amazonaws.com", "UpdateFunctionCode", true)]
    [InlineData("lambda.amazonaws.com", "UpdateFunctionCodeSigningConfig", false)]
    [InlineData("ecs.amazonaws.com", "UpdateService", true)]
    [InlineData("s3.amazonaws.com", "PutObject", false)]
    public void Deploy_catalogue_matches_versioned_lambda_names(string source, string name, bool expected) =>
        Assert.Equal(expected, Catalogue.DeployActions.IsAwsDeploy(source, name));

    [Fact]
    public void Catalogue_rejects_an_entry_whose_id_does_not_match_its_file()
    {
        using var t = new TempFolder();
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "rules", "deploy-actions.yaml"), Path.Combine(t.Path, "deploy-actions.yaml"));
        t.Write("DS-ACC-001.yaml", File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "rules", "DS-ACC-002.yaml")));
        var e = Assert.Throws<InvalidDataException>(() => RuleCatalogue.Load(t.Path));
        Assert.Contains("does not match the file name", e.Message, StringComparison.Ordinal);
    }
}
