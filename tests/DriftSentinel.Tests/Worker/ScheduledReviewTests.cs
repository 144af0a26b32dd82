using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;
using DriftSentinel.Worker.Scheduling;

namespace DriftSentinel.Tests.Worker;

/// <summary>ReviewEveryDays: a profile opens a campaign on a recorded run when none is recent, once, with its sheets beside the run folders.</summary>
public sealed class ScheduledReviewTests
{
    [Fact]
    public void Opens_a_campaign_when_due_writes_its_sheets_and_waits_the_interval_before_the_next()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        var outRoot = Path.Combine(temp.Path, "out");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(outRoot, "run-000001"), "--history", db, "--profile", "nightly").Exit);
        var profile = new ScanProfile { Name = "nightly", Baseline = "baseline.yaml", ReviewEveryDays = 90, ReviewFallbackReviewer = "secops" };
        using var store = SqlHistoryStore.Open(db);
        var now = new DateTimeOffset(2026, 11, 20, 13, 0, 0, TimeSpan.Zero);

        var (campaign, problem) = ScheduledReview.OpenIfDue(store, profile, outRoot, now);
        Assert.Null(problem);
        Assert.Equal("rv-nightly-run1", campaign!.Id);
        Assert.Equal("driftsentinel-worker", campaign.CreatedBy);
        Assert.True(File.Exists(Path.Combine(outRoot, "review-rv-nightly-run1", "all.csv")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(outRoot, "review-rv-nightly-run1", "by-reviewer")));

        // A later run within the interval opens nothing; after it, the next campaign takes the later run.
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(outRoot, "run-000002"), "--history", db, "--profile", "nightly").Exit);
        Assert.Equal((null, null), ScheduledReview.OpenIfDue(store, profile, outRoot, now.AddDays(30)));
        Assert.Equal("rv-nightly-run2", ScheduledReview.OpenIfDue(store, profile, outRoot, now.AddDays(91)).Campaign!.Id);
        Assert.Equal(2, store.Campaigns("nightly").Count);

        // The run folders still verify: the sheets live beside them, not in them.
        Assert.Equal(0, Cli.Run("verify", outRoot).Exit);
    }

    [Fact]
    public void Rows_without_an_owner_and_no_fallback_are_reported_not_opened()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r1"), "--history", db, "--profile", "nightly").Exit);
        using var store = SqlHistoryStore.Open(db);
        var (campaign, problem) = ScheduledReview.OpenIfDue(store, new ScanProfile { Name = "nightly", Baseline = "b.yaml", ReviewEveryDays = 30 }, temp.Path, DateTimeOffset.UnixEpoch.AddYears(57));
        Assert.Null(campaign);
        Assert.Contains("have no owner in the baseline", problem, StringComparison.Ordinal);
        Assert.Empty(store.Campaigns("nightly"));
    }
}
