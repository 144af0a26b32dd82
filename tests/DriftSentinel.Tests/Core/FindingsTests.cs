using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Tests.Core;

public class FindingsTests
{
    private static Finding Make(string principal) => new()
    {
        Fingerprint = Finding.MakeFingerprint("DS-ACC-001", "111122223333", principal),
        RuleId = "DS-ACC-001",
        Title = "t",
        Severity = Severity.High,
        Cloud = Cloud.Aws,
        Account = "111122223333",
        Principal = principal,
        Message = "m",
    };

    private static FindingException Exception(string principal, string expires) => new()
    {
        Rule = "DS-ACC-001",
        Principal = Glob.Parse(principal),
        Owner = "secops@example.com",
        Reason = "r",
        Expires = DateOnly.Parse(expires, System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public void Fingerprint_is_stable_and_distinguishes_drifts()
    {
        Assert.Equal(Finding.MakeFingerprint("DS-X-001", "a", "b"), Finding.MakeFingerprint("DS-X-001", "A", "b"));
        Assert.NotEqual(Finding.MakeFingerprint("DS-X-001", "a", "b"), Finding.MakeFingerprint("DS-X-001", "ab", ""));
        Assert.NotEqual(Finding.MakeFingerprint("DS-X-001", "a"), Finding.MakeFingerprint("DS-X-002", "a"));
    }

    [Fact]
    public void Live_exception_suppresses_and_expired_one_only_annotates()
    {
        var asOf = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        var live = Make("arn:aws:iam::111122223333:user/oncall");
        var expired = Make("arn:aws:iam::111122223333:user/legacy");
        var other = Make("arn:aws:iam::111122223333:user/bob");
        ExceptionMatcher.Apply([live, expired, other], [Exception("*:user/oncall", "2027-01-31"), Exception("*:user/legacy", "2026-10-31")], asOf);
        Assert.True(live.IsSuppressed);
        Assert.False(expired.IsSuppressed);
        Assert.True(expired.Suppression!.Expired);
        Assert.Null(other.Suppression);
    }

    [Fact]
    public void Redaction_never_returns_the_credential()
    {
        var shown = Redaction.Credential("AKIAIOSFODNN7EXAMPLE");
        Assert.DoesNotContain("IOSFODNN7", shown, StringComparison.Ordinal);
        Assert.StartsWith("AKIA…MPLE (sha256:", shown, StringComparison.Ordinal);
        Assert.NotEqual(shown, Redaction.Credential("AKIAIOSFODNN8EXAMPLE"));
    }
}
