using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Baselines that would overflow, loop, hang or silently lose findings are refused with the line and key.</summary>
public class HostileBaselineTests
{
    private const string Head = "version: 1\norganization: X\n";

    private static BaselineException Refused(string yaml) => Assert.Throws<BaselineException>(() => BaselineLoader.Parse(yaml, "baseline.yaml"));

    [Theory]
    [InlineData("thresholds:\n  stale_after_days: 2147483647\n", "'thresholds.stale_after_days': must be between 1 and 3650")]
    [InlineData("thresholds:\n  deploy_match_window_minutes: 99999999\n", "'thresholds.deploy_match_window_minutes': must be between 1 and 10080")]
    [InlineData("thresholds:\n  access_key_max_age_days: 0\n", "'thresholds.access_key_max_age_days': must be between 1 and 3650")]
    [InlineData("thresholds:\n  max_elevation_hours: 1e308\n", "'thresholds.max_elevation_hours': '1e308' is not a number above 0 and at most 8760")]
    [InlineData("break_glass:\n  max_session_hours: 100000\n", "'break_glass.max_session_hours'")]
    public void Values_beyond_sane_bounds_are_refused(string yaml, string message)
    {
        var e = Refused(Head + "environments: []\n" + yaml);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("human_access:\n  aws_roles: [\"arn:aws:iam::1:role/[z-a]\"]\n", "bad pattern")]
    [InlineData("break_glass:\n  ticket_pattern: \"(?<=INC)-[0-9]+\"\n", "bad regular expression")]
    public void Patterns_that_cannot_run_are_refused(string yaml, string message)
    {
        var e = Refused(Head + "environments: []\n" + yaml);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catastrophic_ticket_pattern_matches_an_attacker_chosen_session_name_in_linear_time()
    {
        var yaml = BaselineYaml.Replace("ticket_pattern: \"INC-[0-9]+\"", "ticket_pattern: \"^(a+)+$\"", StringComparison.Ordinal);
        Assert.Contains("^(a+)+$", yaml, StringComparison.Ordinal);
        var session = new string('a', 60) + "!"; // exponential for a backtracking engine
        var started = System.Diagnostics.Stopwatch.StartNew();

        var findings = new RuleHarness(yaml)
            .Trail(Records.AssumeRole(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "bob"), "arn:aws:iam::111122223333:role/BreakGlass", session))
            .Run<BreakGlassWithoutJustificationCheck>();

        Assert.NotEmpty(findings); // no ticket in the name: a finding, not a timeout
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"{started.Elapsed}");
    }

    [Theory]
    [InlineData("  - {name: a, tier: production, aws_accounts: [\"111122223333\"]}\n  - {name: b, tier: non-production, aws_accounts: [\"111122223333\"]}\n", "AWS account '111122223333' is declared in a and b")]
    [InlineData("  - {name: a, tier: production, azure_subscriptions: [\"00000000-0000-0000-0000-00000000A001\"]}\n  - {name: b, tier: non-production, azure_subscriptions: [\"00000000-0000-0000-0000-00000000a001\"]}\n", "Azure subscription")]
    [InlineData("  - {name: a, tier: production, github_environments: [\"o/r:prod\"]}\n  - {name: b, tier: non-production, github_environments: [\"O/R:prod\"]}\n", "pipeline environment 'github:o/r:prod'")]
    [InlineData("  - {name: a, tier: production, promotes_to: a}\n", "promotion cannot be a cycle")]
    [InlineData("  - {name: a, tier: non-production, promotes_to: b}\n  - {name: b, tier: non-production, promotes_to: a}\n", "promotion cannot be a cycle")]
    public void Contradictions_are_errors(string environments, string message)
    {
        var e = Refused(Head + "environments:\n" + environments);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_the_parser_can_overflow_its_stack()
    {
        var e = Refused(Head + "environments: []\nexceptions: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        Assert.Contains("nesting deeper than 64 levels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_is_refused_in_linear_time()
    {
        // Nine levels of ten aliases: a billion strings if anything expanded it.
        var yaml = new System.Text.StringBuilder(Head + "environments: []\nx0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for (var i = 1; i < 9; i++)
        {
            yaml.Append($"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        yaml.Append("people: [*a8]\n");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var e = Refused(yaml.ToString());

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"{started.Elapsed}");
        Assert.Contains("unknown key", e.Message, StringComparison.Ordinal);
    }
}
