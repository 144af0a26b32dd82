using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker.Scheduling;

namespace DriftSentinel.Tests.Worker;

/// <summary>KeepRuns / KeepDays: the oldest run folders go, the newest always stays, and what remains still verifies.</summary>
public sealed class ReportRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(3, null, "run-000008,run-000009,run-000010")]
    [InlineData(null, 3, "run-000008,run-000009,run-000010")]
    [InlineData(2, 4, "run-000007,run-000008,run-000009,run-000010")]
    [InlineData(5, 1, "run-000006,run-000007,run-000008,run-000009,run-000010")]
    [InlineData(1, null, "run-000010")]
    public void Keeps_a_folder_when_either_rule_keeps_it_and_deletes_only_the_oldest(int? keepRuns, int? keepDays, string kept)
    {
        using var temp = new TempFolder();
        for (var id = 1; id <= 10; id++)
        {
            Directory.CreateDirectory(Path.Combine(temp.Path, $"run-{id:D6}"));
        }

        Directory.CreateDirectory(Path.Combine(temp.Path, "notes"));
        // Run N finished 10 - N days before now (plus an hour), so run 10 is the newest.
        DateTimeOffset? Finished(long id) => Now.AddDays(-(10 - id)).AddHours(-1);
        var deleted = ReportRetention.Prune(temp.Path, keepRuns, keepDays, Now, Finished);
        Assert.Equal(kept, string.Join(',', Directory.GetDirectories(temp.Path, "run-*").Select(Path.GetFileName).Order(StringComparer.Ordinal)));
        Assert.Equal(10 - kept.Split(',').Length, deleted.Count);
        Assert.True(Directory.Exists(Path.Combine(temp.Path, "notes")));
        Assert.Empty(ReportRetention.Prune(temp.Path, keepRuns, keepDays, Now, Finished));
    }

    [Fact]
    public void A_run_whose_finish_time_is_unknown_is_never_deleted_for_its_age()
    {
        using var temp = new TempFolder();
        foreach (var id in new[] { 1, 2, 3 })
        {
            Directory.CreateDirectory(Path.Combine(temp.Path, $"run-{id:D6}"));
        }

        ReportRetention.Prune(temp.Path, null, 1, Now, id => id == 1 ? null : Now.AddDays(-30));
        Assert.Equal(["run-000001", "run-000003"], Directory.GetDirectories(temp.Path).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void After_pruning_the_remaining_run_folders_and_the_history_still_verify()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        var profileDir = Path.Combine(temp.Path, "nightly");
        for (var run = 1; run <= 4; run++)
        {
            Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(profileDir, $"run-{run:D6}"), "--history", db, "--profile", "nightly").Exit);
        }

        using (var store = SqlHistoryStore.Open(db))
        {
            var deleted = ReportRetention.Prune(profileDir, 2, null, Now, ReportRetention.FinishTimes(store, "nightly"));
            Assert.Equal(2, deleted.Count);
        }

        var verify = Cli.Run("verify", profileDir, "--history", db);
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);
        Assert.Equal(["run-000003", "run-000004"], Directory.GetDirectories(profileDir).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray());
    }
}
