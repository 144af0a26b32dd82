using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Tests.History;

/// <summary>A finding drawn from several accounts (a key shared by production and staging) is resolved only when every one of them was read.</summary>
public sealed class CrossScopeLifecycleTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 18, 2, 0, 0, TimeSpan.Zero);

    private static readonly Finding SharedKey = new()
    {
        Fingerprint = "shared-key",
        RuleId = "DS-SEP-001",
        Title = "Shared credential across environments",
        Severity = Severity.High,
        Cloud = Cloud.Aws,
        Account = "777788889999",
        Principal = "arn:aws:iam::777788889999:user/ci-shared",
        Resource = "access key AKIA…MPLE",
        Message = "used in production and staging",
        DependsOn = ["111122223333", "444455556666"],
    };

    private static CoverageEntry Read(string scope) => new("aws.cloudtrail", scope, CoverageStatus.Read, 10, null);

    private static CoverageEntry Missing(string scope) => new("aws.cloudtrail", scope, CoverageStatus.Missing, 0, "trail not in the snapshot");

    private static Dictionary<string, FindingState> Open()
    {
        var first = FindingLifecycle.Apply(new Dictionary<string, FindingState>(), [SharedKey], [Read("777788889999"), Read("111122223333"), Read("444455556666")], new Dictionary<string, TriageDecision>(), 1, Day1);
        var state = Assert.Single(first.States);
        Assert.Equal("777788889999|111122223333|444455556666", state.Scope);
        Assert.Equal("777788889999", state.PrimaryScope);
        return new Dictionary<string, FindingState> { [state.Fingerprint] = state };
    }

    [Fact]
    public void A_shared_key_finding_is_not_resolved_when_only_another_involved_accounts_trail_is_missing()
    {
        var update = FindingLifecycle.Apply(Open(), [], [Read("777788889999"), Read("111122223333"), Missing("444455556666")], new Dictionary<string, TriageDecision>(), 2, Day1.AddDays(1));

        Assert.Empty(update.Resolved);
        Assert.Equal("shared-key", Assert.Single(update.NotVerified).Fingerprint);
    }

    [Fact]
    public void A_shared_key_finding_is_resolved_when_every_involved_account_was_read()
    {
        var update = FindingLifecycle.Apply(Open(), [], [Read("777788889999"), Read("111122223333"), Read("444455556666")], new Dictionary<string, TriageDecision>(), 2, Day1.AddDays(1));

        Assert.Equal("shared-key", Assert.Single(update.Resolved).Fingerprint);
        Assert.Empty(update.NotVerified);
    }
}
