using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.History;

public sealed class HistoryCliTests
{
    [Fact]
    public void Two_demo_scans_keep_history_and_the_cli_lists_accepts_and_diffs()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "state", "history.db");

        var first = Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r1"), "--history", db, "--profile", "nightly");
        Assert.Equal(0, first.Exit);
        Assert.Contains($"History: Run #1 (nightly): {DemoExpectations.OpenCount} new, 0 reopened, 0 back after an exception expired, 0 resolved", first.Stdout, StringComparison.Ordinal); // and the one under a baseline exception, accepted

        var second = Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r2"), "--history", db, "--profile", "nightly");
        Assert.Contains("History: Run #2 (nightly): 0 new, 0 reopened, 0 back after an exception expired, 0 resolved", second.Stdout, StringComparison.Ordinal);

        // The reports of a recorded run carry the lifecycle columns and the changes since the previous run.
        var csv = File.ReadAllLines(Path.Combine(temp.Path, "r2", "findings.csv"));
        Assert.EndsWith("history_status,history_first_seen,history_last_seen,history_times_seen,exception_expired", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv.Skip(1), l => l.EndsWith(",open,2026-11-20T12:00:00Z,2026-11-20T12:00:00Z,2,no", StringComparison.Ordinal));
        Assert.Contains("### Changes since run #1", File.ReadAllText(Path.Combine(temp.Path, "r2", "summary.md")), StringComparison.Ordinal);
        Assert.Contains("<p>Changes since run #1", File.ReadAllText(Path.Combine(temp.Path, "r2", "report.html")), StringComparison.Ordinal);

        var list = Run("findings", "list", "--history", db, "--severity", "critical");
        Assert.Equal(0, list.Exit);
        var rows = list.Stdout.Split('\n').Skip(1).Where(l => l.Contains("  open  ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains("critical", r, StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Contains("   2  ", r, StringComparison.Ordinal)); // seen twice

        var fingerprint = rows[0].Split(' ')[0];
        var accept = Run("findings", "accept", fingerprint, "--history", db, "--reason", "break-glass drill", "--until", "2027-01-31", "--by", "alice", "--ticket", "SEC-7");
        Assert.True(accept.Exit == 0, accept.Stderr);
        var third = Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r3"), "--history", db);
        Assert.Equal(0, third.Exit);
        Assert.Contains(fingerprint, Run("findings", "list", "--history", db, "--status", "accepted").Stdout, StringComparison.Ordinal);

        var runs = Run("runs", "list", "--history", db);
        Assert.Contains("#3", runs.Stdout, StringComparison.Ordinal);
        Assert.Contains("nightly", runs.Stdout, StringComparison.Ordinal);
        var diff = Run("runs", "diff", "1", "2", "--history", db);
        Assert.Contains("appeared (0):", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains($"still open: {DemoExpectations.FindingCount}", diff.Stdout, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, Run("findings", "accept", "nosuchfingerprint", "--history", db, "--reason", "x", "--until", "2027-01-01").Exit);
    }

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args) => Cli.Run(args);
}
