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
    public void Rules_doc_is_generated_from_the_catalogue_and_not_stale()
    {
        var page = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "rules.md"));
        var fresh = DriftSentinel.Reporting.RuleCatalogueDocument.Render(Catalogue, page);

        // Regenerate with: dotnet run --project src/DriftSentinel.Worker -- rules docs --rules rules --out docs/rules.md
        Assert.True(fresh == page, "docs/rules.md is stale: regenerate it with `driftsentinel rules docs --out docs/rules.md`");
        Assert.All(Catalogue.Rules.Values, r => Assert.Contains($"## {r.Id}", page, StringComparison.Ordinal));
    }

    [Fact]
    public void Compliance_references_are_data_from_framework_to_control_to_rules()
    {
        var soc2 = Catalogue.Compliance["SOC 2"];
        Assert.Contains("DS-DEP-001", soc2["CC8.1"]);
        Assert.Equal(Catalogue.Rules.Values.Sum(r => r.Compliance.Distinct().Count()), Catalogue.Compliance.Values.Sum(c => c.Values.Sum(ids => ids.Count)));
        Assert.Equal(["A.5.3", "A.5.15"], Catalogue.Compliance["ISO 27001"].Keys.Take(2)); // numeric, not text, order
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
