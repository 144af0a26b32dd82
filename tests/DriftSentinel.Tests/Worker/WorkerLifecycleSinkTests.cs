using DriftSentinel.Core.History;
using DriftSentinel.Core.Output;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker.Scheduling;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace DriftSentinel.Tests.Worker;

/// <summary>The scheduled worker hands each recorded run to the lifecycle sinks, once, whatever a failing sink does.</summary>
public sealed class WorkerLifecycleSinkTests
{
    [Fact]
    public async Task A_worker_scan_reaches_every_sink_once_and_a_failing_sink_neither_stops_the_others_nor_the_run()
    {
        using var temp = new TempFolder();
        var snapshot = Path.Combine(temp.Path, "snapshot");
        WorkerTestSupport.CopyDemoSnapshot(snapshot);
        var config = WorkerTestSupport.WriteConfig(temp.Path, snapshot, null, ("nightly", "0 2 * * *", "UTC"));
        var chat = new RecordingSink("chat");
        var broken = new BrokenSink();
        await using var app = WorkerCommand.Prepare(config, [], demo: false, exitAfter: null, TimeProvider.System, null, TextWriter.Null, [broken, chat]);
        await app.StartAsync();
        var runtime = app.Services.GetRequiredService<WorkerRuntime>();
        var jobs = app.Services.GetRequiredService<IBackgroundJobClient>();

        jobs.Enqueue<ScanJobs>(j => j.Start("nightly", CancellationToken.None));
        await WorkerTestSupport.Until(() => runtime.Evaluated >= 1 && chat.Notices.Count >= 1, TimeSpan.FromSeconds(60), "the scan and its delivery");
        using var store = SqlHistoryStore.Open(runtime.StateConnection);
        var run = store.ListRuns(1)[0];
        var notice = Assert.Single(chat.Notices);
        Assert.Equal((run.Id, "nightly"), (notice.RunId, notice.Profile));
        Assert.Equal(DemoExpectations.OpenCount, notice.Transitions.Count(t => t.Change == LifecycleChange.New));
        Assert.True(broken.Attempts >= 1);

        // Hangfire runs the evaluation again (at least once): the run is not recorded twice and no sink hears of it again.
        var scanId = new ScanLedger(store).ListScans("nightly").Single().Id;
        jobs.Enqueue<ScanJobs>(j => j.Evaluate(scanId, "nightly", CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(chat.Notices);
        Assert.Single(store.ListRuns(10));

        // The broken sink's notice waits for it (due after its backoff), held on its own row.
        var pending = store.ClaimDeliveries("tickets", DateTimeOffset.UtcNow.AddHours(7), TimeSpan.FromMinutes(1), 10);
        Assert.Equal(run.Id, Assert.Single(pending).RunId);
        Assert.Contains("ticket tracker returned 503", pending[0].LastError, StringComparison.Ordinal);
        await app.StopAsync();
    }

    private sealed class RecordingSink(string name) : IFindingLifecycleSink
    {
        public List<LifecycleNotice> Notices { get; } = [];

        public string Name => name;

        public void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation)
        {
            lock (Notices)
            {
                Notices.Add(notice);
            }
        }
    }

    private sealed class BrokenSink : IFindingLifecycleSink
    {
        public int Attempts { get; private set; }

        public string Name => "tickets";

        public void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation)
        {
            Attempts++;
            throw new HttpRequestException("ticket tracker returned 503");
        }
    }
}
