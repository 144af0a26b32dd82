using DriftSentinel.Core.History;
using DriftSentinel.Core.Output;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.History;

/// <summary>Lifecycle sinks receive every recorded run's transitions; one failing sink costs nothing but its own delivery.</summary>
public sealed class LifecycleSinkTests
{
    private static (int Code, string Out, string Err) Scan(TempFolder t, FixedClock clock, IReadOnlyList<IFindingLifecycleSink> sinks, string outName)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = new ScanCommand(stdout, stderr, clock) { Sinks = sinks }.Execute(new ScanOptions
        {
            Demo = true,
            Out = Path.Combine(t.Path, outName),
            History = Path.Combine(t.Path, "history.db"),
            Profile = "nightly",
        });
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void A_failing_sink_keeps_its_notice_for_the_next_run_while_the_others_and_the_reports_go_on()
    {
        using var t = new TempFolder();
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero));
        var recording = new RecordingSink("chat");
        var flaky = new RecordingSink("tickets") { FailuresLeft = 1 };

        var first = Scan(t, clock, [flaky, recording], "r1");
        var reference = new ScanCommand(TextWriter.Null, TextWriter.Null, clock).Execute(new ScanOptions { Demo = true, Out = Path.Combine(t.Path, "plain") });
        Assert.Equal(reference, first.Code); // a tracker's outage never changes the scan's exit code
        Assert.True(File.Exists(Path.Combine(t.Path, "r1", "findings.json")));
        Assert.Contains("warning: lifecycle sink tickets failed run #1 (attempt 1): HttpRequestException: 503 Service Unavailable", first.Err, StringComparison.Ordinal);
        var notice = Assert.Single(recording.Notices);
        var demoFindings = DemoExpectations.FindingCount;
        Assert.Equal(demoFindings, notice.Transitions.Count);
        Assert.Equal(demoFindings - 1, notice.Transitions.Count(x => x.Change == LifecycleChange.New));
        Assert.Equal(1, notice.Transitions.Count(x => x.Change == LifecycleChange.Accepted)); // the demo's excepted finding
        Assert.All(notice.Transitions, x => Assert.False(string.IsNullOrEmpty(x.Finding.Message)));
        Assert.Empty(flaky.Notices);

        // The next run, after the backoff: the failed notice first, then the new one, in run order; chat gets run 2 only.
        clock.Advance(TimeSpan.FromDays(1));
        var second = Scan(t, clock, [flaky, recording], "r2");
        Assert.DoesNotContain("warning:", second.Err, StringComparison.Ordinal);
        Assert.Equal([1L, 2L], flaky.Notices.Select(n => n.RunId));
        Assert.Equal([1L, 2L], recording.Notices.Select(n => n.RunId));
        Assert.All(recording.Notices[1].Transitions.Where(x => x.Change != LifecycleChange.Accepted), x => Assert.Equal(LifecycleChange.StillOpen, x.Change));
        Assert.Contains("Sink tickets: run #1 delivered", second.Out, StringComparison.Ordinal);
    }

    private sealed class RecordingSink(string name) : IFindingLifecycleSink
    {
        public List<LifecycleNotice> Notices { get; } = [];

        public int FailuresLeft { get; set; }

        public string Name => name;

        public void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation)
        {
            if (FailuresLeft-- > 0)
            {
                throw new HttpRequestException("503 Service Unavailable");
            }

            Notices.Add(notice);
        }
    }
}
