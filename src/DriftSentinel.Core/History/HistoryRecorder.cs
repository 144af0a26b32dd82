using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.History;

/// <summary>Records a finished scan in the history store and moves every finding's lifecycle on by one run.</summary>
public static class HistoryRecorder
{
    public static (HistoryRun Run, LifecycleUpdate Update) Record(IHistoryStore store, ScanResult result, string profile, string snapshot, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(result);
        var run = new HistoryRun { Profile = profile, StartedAt = startedAt, AsOf = result.Run.AsOf, Snapshot = snapshot };
        run = run with { Id = store.BeginRun(run) };
        var update = FindingLifecycle.Apply(store.LoadStates(), result.Findings, result.Coverage, store.LoadTriage(), run.Id, result.Run.AsOf);
        run = run with
        {
            FinishedAt = finishedAt,
            Findings = result.Findings.Count,
            Active = update.States.Count(s => s.Status is FindingStatus.New or FindingStatus.Open or FindingStatus.Reopened),
            Gaps = result.Coverage.Count(c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial),
            Coverage = result.Coverage,
        };
        store.CompleteRun(run, update);
        return (run, update);
    }
}
