using DriftSentinel.Core.Baseline;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Core;

public class BaselineLoaderTests
{
    private static BaselineException Invalid(string yaml) => Assert.Throws<BaselineException>(() => BaselineLoader.Parse(yaml, "b.yaml"));

    [Fact]
    public void Loads_the_demo_baseline_with_every_section()
    {
        var b = BaselineLoader.Load(Path.Combine(TestPaths.RepositoryRoot, "demo", "baseline.yaml"));
        Assert.Equal(3, b.Environments.Count);
        Assert.Equal("prod", b.EnvironmentOfAwsAccount("111122223333")!.Name);
        Assert.Equal("prod", b.Environments.Single(e => e.Name == "staging").PromotesTo);
        Assert.NotNull(b.AwsDeployer("arn:aws:iam::111122223333:role/github-deploy"));
        Assert.True(b.HumanAccess.MatchesAws("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123"));
        Assert.Equal(2, b.Exceptions.Count);
        Assert.Equal(64, b.Hash.Length);
    }

    [Fact]
    public void Unknown_key_is_an_error_naming_line_and_key()
    {
        var e = Invalid("""
            version: 1
            organization: X
            environments:
              - name: prod
                tier: production
                aws_acounts: ["111122223333"]
            """);
        var error = Assert.Single(e.Errors);
        Assert.StartsWith("b.yaml:6:", error, StringComparison.Ordinal);
        Assert.Contains("'environments[0].aws_acounts': unknown key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var e = Invalid("""
            version: 1
            environments:
              - name: prod
                tier: prodution
            thresholds:
              stale_after_days: ninety
            break_glass:
              ticket_pattern: "INC-[0-9"
              aws_roles: ["arn:aws:iam::1:role/[BreakGlass"]
            """);
        Assert.Contains(e.Errors, x => x.Contains("'organization': required key is missing", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("'prodution' is not a tier", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("'ninety' is not a whole number", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("bad regular expression", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("unclosed '['", StringComparison.Ordinal));
    }

    [Fact]
    public void Wrong_types_and_bad_ids_are_errors()
    {
        var e = Invalid("""
            version: 1
            organization: X
            environments:
              - name: prod
                tier: production
                aws_accounts: "111122223333"
                azure_subscriptions: ["not-a-guid"]
                github_environments: ["payments-production"]
                promotes_to: nowhere
            """);
        Assert.Contains(e.Errors, x => x.Contains("'environments[0].aws_accounts': expected a list", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("is not a subscription id", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("is not owner/repo:environment", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("unknown environment 'nowhere'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_expired_exception_loads_and_is_not_live()
    {
        var b = BaselineLoader.Parse("""
            version: 1
            organization: X
            environments: [{name: prod, tier: production}]
            exceptions:
              - rule: DS-ACC-001
                principal: "arn:aws:iam::111122223333:user/*"
                owner: secops@example.com
                reason: migration
                expires: 2026-10-31
            """, "b.yaml");
        var x = Assert.Single(b.Exceptions);
        Assert.False(x.IsLive(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(x.IsLive(new DateTimeOffset(2026, 10, 31, 23, 59, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Exception_without_owner_reason_or_scope_is_an_error()
    {
        var e = Invalid("""
            version: 1
            organization: X
            environments: [{name: prod, tier: production}]
            exceptions:
              - rule: ACC-1
                expires: 31/01/2027
            """);
        Assert.Contains(e.Errors, x => x.Contains("'exceptions[0].owner': required key is missing", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("is not a rule id", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("expected YYYY-MM-DD", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("must name a principal, resource or account", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_yaml_names_the_position()
    {
        var e = Invalid("version: 1\norganization: [unclosed\n");
        Assert.Matches(@"^b\.yaml:\d+:\d+: not valid YAML", Assert.Single(e.Errors));
    }
}

public class GlobTests
{
    [Theory]
    [InlineData("arn:aws:iam::*:role/AWSReservedSSO_ReadOnly_*", "arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_abc", true)]
    [InlineData("arn:aws:iam::111122223333:user/on?all", "arn:aws:iam::111122223333:user/oncall", true)]
    [InlineData("arn:aws:iam::111122223333:user/[ab]ob", "arn:aws:iam::111122223333:user/bob", true)]
    [InlineData("arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:user/bobby", false)]
    [InlineData("breakglass@example.com", "BreakGlass@Example.com", true)]
    public void Matches_shell_style_patterns(string pattern, string value, bool expected) =>
        Assert.Equal(expected, Glob.Parse(pattern).IsMatch(value));

    [Fact]
    public void Wildcard_patterns_are_matched_directly_exactly_as_their_regex_matches()
    {
        // Patterns of '*', '?' and letters against values over a small alphabet, so stars meet many near-misses.
        var random = new Random(42);
        const string alphabet = "aAbB:/-";
        var compared = 0;
        for (var i = 0; i < 4000; i++)
        {
            var pattern = new string([.. Enumerable.Range(0, random.Next(1, 9)).Select(_ => random.Next(5) switch { 0 => '*', 1 => '?', _ => alphabet[random.Next(alphabet.Length)] })]);
            if (string.IsNullOrWhiteSpace(pattern))
            {
                continue;
            }

            var glob = Glob.Parse(pattern);
            for (var j = 0; j < 5; j++)
            {
                var value = new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
                Assert.True(glob.RegexMatch(value) == glob.IsMatch(value), $"'{pattern}' vs '{value}'");
                compared++;
            }
        }

        Assert.True(compared > 15_000);
    }

    [Theory]
    [InlineData("role/[x")]
    [InlineData("role/x]")]
    [InlineData("[]")]
    [InlineData(" ")]
    public void Rejects_bad_patterns(string pattern) => Assert.False(Glob.TryParse(pattern, out _, out _));
}
