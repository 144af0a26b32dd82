using DriftSentinel.Core.Engine;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Trust;

public class ScanProgressTests
{
    [Fact]
    public void A_scan_whose_stderr_is_not_a_terminal_writes_quiet_progress_lines_with_files_events_rate_and_eta()
    {
        using var t = new TempFolder();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var command = new ScanCommand(stdout, stderr, new FixedClock(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero))) { ProgressInterval = TimeSpan.FromMilliseconds(1) };

        var exit = command.Execute(new ScanOptions { Demo = true, Out = t.Path });

        Assert.Equal(0, exit);
        var lines = stderr.ToString().Split('\n').Where(l => l.StartsWith("progress: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(@"^progress: files \d+/\d+, [\d,]+ events, [\d,]+ events/s, \d+% of \d+ MiB, ETA (\?|\d+:\d\d:\d\d)\r?$", l));
        // The closing line has the totals: every event the demo's trails hold.
        var demo = DemoLocator.Find();
        var events = ScanCommand.Scan(Path.Combine(demo, "snapshot"), DriftSentinel.Core.Baseline.BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")),
            DriftSentinel.Core.Rules.RuleCatalogue.Load(DriftSentinel.Core.Rules.RuleCatalogue.LocateFolder()), DemoLocator.AsOf(demo), "demo").Run.EventsRead;
        Assert.StartsWith($"progress: files 9/9, {events:N0} events", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stderr.ToString()); // no terminal control codes in a log
        Assert.DoesNotContain("progress:", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_every_byte_and_file_of_the_trails_and_estimates_from_bytes()
    {
        var demo = DemoLocator.Find();
        var progress = new ScanProgress();
        var result = ScanCommand.Scan(Path.Combine(demo, "snapshot"), DriftSentinel.Core.Baseline.BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")),
            DriftSentinel.Core.Rules.RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")), DemoLocator.AsOf(demo), "demo", progress);

        Assert.Equal(9, progress.FilesTotal); // 5 CloudTrail files, 2 Activity Logs, the user and the service-principal sign-in logs
        Assert.Equal(progress.FilesTotal, progress.FilesOpened);
        Assert.Equal(progress.BytesTotal, progress.BytesRead);
        Assert.Equal(result.Run.EventsRead, progress.Events);
        Assert.Equal(0, progress.EtaSeconds(TimeSpan.FromSeconds(2)));
        Assert.Contains("100% of", progress.Line(TimeSpan.FromSeconds(2)), StringComparison.Ordinal);
    }
}
