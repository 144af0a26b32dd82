using System.Text.Json;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Trust;

/// <summary>Recorded triage counts in every output; exceptions and acceptances cannot be blanket passes.</summary>
public class TriageTests
{
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void An_accepted_finding_is_suppressed_in_every_output_and_in_fail_on()
    {
        using var t = new TempFolder();
        var db = Path.Combine(t.Path, "history.db");
        Assert.Equal(1, Run("scan", "--demo", "--out", Path.Combine(t.Path, "r1"), "--history", db, "--fail-on", "critical").Exit);
        using var first = JsonDocument.Parse(File.ReadAllText(Path.Combine(t.Path, "r1", "findings.json")));
        var critical = first.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() == "critical" && f.GetProperty("status").GetString() == "open")
            .Select(f => (Rule: f.GetProperty("rule_id").GetString()!, Fingerprint: f.GetProperty("fingerprint").GetString()!)).ToList();
        Assert.Equal(DemoExpectations.Findings.Count(f => f.Severity == "critical" && f.Status == "open"), critical.Count);

        // Every form the reports print is accepted: the full fingerprint, a unique prefix, RULE:fingerprint.
        for (var i = 0; i < critical.Count; i++)
        {
            var (rule, fp) = critical[i];
            var given = (i % 3) switch { 0 => fp, 1 => fp[..10], _ => $"{rule}:{fp}" };
            var accept = Run("findings", "accept", given, "--history", db, "--reason", "accepted for the test", "--until", "2027-01-31", "--by", "alice", "--ticket", "SEC-9");
            Assert.True(accept.Exit == 0, accept.Stderr);
        }

        var second = Run("scan", "--demo", "--out", Path.Combine(t.Path, "r2"), "--history", db, "--fail-on", "critical");

        Assert.Equal(0, second.Exit);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(t.Path, "r2", "findings.json"))).RootElement;
        var accepted = json.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("status").GetString() == "accepted").ToList();
        Assert.Equal(critical.Count, accepted.Count);
        var exception = accepted[0].GetProperty("exception");
        Assert.Equal("findings accept", exception.GetProperty("source").GetString());
        Assert.Equal("alice", exception.GetProperty("accepted_by").GetString());
        Assert.Equal("SEC-9", exception.GetProperty("ticket").GetString());
        Assert.Equal("2027-01-31", exception.GetProperty("expires").GetString());
        Assert.Equal(0, json.GetProperty("run").GetProperty("totals").GetProperty("critical").GetInt32());
        Assert.Equal(critical.Count, File.ReadAllLines(Path.Combine(t.Path, "r2", "findings.csv")).Count(l => l.Contains(",critical,accepted,", StringComparison.Ordinal)));
        Assert.Contains("accepted by alice, until 2027-01-31: accepted for the test (SEC-9) · accepted on 2026-11-22T08:00:00Z", HtmlReportData.DetailText(File.ReadAllText(Path.Combine(t.Path, "r2", "report.html"))), StringComparison.Ordinal);
        Assert.DoesNotContain("| critical |", File.ReadAllText(Path.Combine(t.Path, "r2", "summary.md")), StringComparison.Ordinal);
        Assert.DoesNotContain(critical[0].Fingerprint, File.ReadAllText(Path.Combine(t.Path, "r2", "access-review.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void Access_review_finding_ids_are_what_findings_accept_takes()
    {
        using var t = new TempFolder();
        var db = Path.Combine(t.Path, "history.db");
        Run("scan", "--demo", "--out", Path.Combine(t.Path, "r1"), "--history", db);
        var id = File.ReadAllLines(Path.Combine(t.Path, "r1", "access-review.csv")).Skip(1)
            .SelectMany(l => l.Split(',')).First(c => c.StartsWith("DS-", StringComparison.Ordinal) && c.Contains(':', StringComparison.Ordinal)).Split(' ')[0];
        Assert.Equal(24, id.Split(':')[1].Length);
        Assert.Equal(0, Run("findings", "accept", id, "--history", db, "--reason", "reviewed", "--until", "2027-01-31", "--by", "bob").Exit);
    }

    [Theory]
    [InlineData("--reason", "   ", "--until", "2027-01-31", "--by", "alice", "--reason must say why")]
    [InlineData("--reason", "ok", "--until", "2028-06-01", "--by", "alice", "more than 365 days away")]
    [InlineData("--reason", "ok", "--until", "2027-01-31", "--by", "alice", "too short")]
    public void Acceptances_without_a_reason_too_long_or_too_vague_are_refused(string o1, string v1, string o2, string v2, string o3, string v3, string message)
    {
        using var t = new TempFolder();
        var db = Path.Combine(t.Path, "history.db");
        Run("scan", "--demo", "--out", Path.Combine(t.Path, "r1"), "--history", db);
        var fingerprint = message == "too short" ? "abc" : Run("findings", "list", "--history", db).Stdout.Split('\n')[1].Split(' ')[0];

        var (exit, _, err) = Run("findings", "accept", fingerprint, "--history", db, o1, v1, o2, v2, o3, v3);

        Assert.Equal(2, exit);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Who_decides_comes_from_by_or_the_configured_identity_and_is_never_unknown()
    {
        Assert.Equal("carol", TriageIdentity.Decider(null, name => name == "DRIFTSENTINEL_USER" ? "carol" : "root"));
        Assert.Equal("dave", TriageIdentity.Decider("dave", _ => "root"));
        Assert.Equal("erin", TriageIdentity.Decider(" ", name => name == "USERNAME" ? "erin" : null));
        var e = Assert.Throws<UsageException>(() => TriageIdentity.Decider(null, _ => null));
        Assert.Contains("--by is required", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    principal: \"*\"\n", 5, "blanket pass")]
    [InlineData("    principal: \"**\"\n    resource: \"*\"\n", 5, "blanket pass")]
    [InlineData("    principal: \"arn:aws:iam::111122223333:user/bob\"\n    reason: \"  \"\n", 7, "'exceptions[0].reason': expected a non-empty text value")]
    public void Blanket_or_unexplained_exceptions_are_refused_with_line_and_key(string fields, int line, string message)
    {
        using var t = new TempFolder();
        var reason = fields.Contains("reason:", StringComparison.Ordinal) ? "" : "    reason: temporary\n";
        var baseline = t.Write("baseline.yaml", "version: 1\norganization: X\nenvironments: []\nexceptions:\n  - rule: DS-ACC-001\n" + fields + "    owner: secops@example.com\n" + reason + "    expires: 2027-01-31\n");
        t.Write("snap/aws/.keep", "");

        var (exit, _, err) = Run("scan", "--snapshot", Path.Combine(t.Path, "snap"), "--baseline", baseline, "--out", Path.Combine(t.Path, "out"));

        Assert.Equal(2, exit);
        Assert.Contains($"baseline.yaml:{line}:", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DS-ACC-099", "2027-01-31", "'exceptions[0].rule': no rule DS-ACC-099 in the catalogue")]
    [InlineData("DS-ACC-001", "2031-01-31", "'exceptions[0].expires': 2031-01-31 is more than thresholds.max_exception_days (365)")]
    public void Exceptions_for_unknown_rules_or_beyond_the_maximum_duration_are_refused(string rule, string expires, string message)
    {
        using var t = new TempFolder();
        var baseline = t.Write("baseline.yaml", $"version: 1\norganization: X\nenvironments: []\nexceptions:\n  - rule: {rule}\n    principal: \"arn:aws:iam::111122223333:user/bob\"\n    owner: secops@example.com\n    reason: temporary\n    expires: {expires}\n");
        t.Write("snap/aws/.keep", "");

        var (exit, _, err) = Run("scan", "--snapshot", Path.Combine(t.Path, "snap"), "--baseline", baseline, "--out", Path.Combine(t.Path, "out"), "--as-of", "2026-11-20T00:00:00Z");

        Assert.Equal(2, exit);
        Assert.Contains("baseline.yaml:5: " + message, err, StringComparison.Ordinal);
    }
}
