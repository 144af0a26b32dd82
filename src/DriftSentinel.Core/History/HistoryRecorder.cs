using DriftSentinel.Core.Engine;

namespace DriftSentinel.Core.History;

/// <summary>A run as recorded and what it changed.</summary>
public sealed record RecordedRun(HistoryRun Run, LifecycleUpdate Update, HistoryRun? Previous);

/// <summary>Records a finished scan in the history store and moves every finding's lifecycle on by one run.</summary>
public static class HistoryRecorder
{
    /// <summary>Returns null when <paramref name="scanKey"/> names a scan that is already recorded.</summary>
    /// <remarks>With <paramref name="sinks"/>, the run's lifecycle notice is queued for each sink in the same transaction.</remarks>
    public static RecordedRun? Record(IHistoryStore store, ScanResult result, string profile, string snapshot, DateTimeOffset startedAt, DateTimeOffset finishedAt, string? scanKey = null,
        Output.LifecycleDispatcher? sinks = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(result);
        // Accepted findings are suppressed before anything is counted or written.
        TriageSuppression.Apply(result.Findings, store.LoadTriage(), result.Run.AsOf);
        var run = new HistoryRun { Profile = profile, StartedAt = startedAt, AsOf = result.Run.AsOf, Snapshot = snapshot, ScanKey = scanKey };
        run = run with { Id = store.BeginRun(run) };
        var previous = store.PreviousRun(profile, run.Id);
        run = run with
        {
            FinishedAt = finishedAt,
            Findings = result.Findings.Count,
            Gaps = result.Gaps.Count(),
            Coverage = result.Coverage,
        };
        var id = run.Id;
        var update = store.CompleteRun(run, (states, triage) => FindingLifecycle.Apply(states, result.Findings, result.Coverage, triage, id, result.Run.AsOf, result.Run.RuleVersions.Keys.ToHashSet(StringComparer.Ordinal)),
            sinks?.Deliveries(result, profile, () => id));
        if (update is null)
        {
            return null;
        }

        run = run with { Active = ActiveCount(update) };
        if (store is Access.IReviewLedger reviews)
        {
            Access.ReviewVerifier.AfterRun(reviews, result, profile, run.Id);
        }

        return new RecordedRun(run, update, previous);
    }

    /// <summary>Findings this run leaves open: seen and not accepted.</summary>
    public static int ActiveCount(LifecycleUpdate update) =>
        update.States.Count(s => s.Status is FindingStatus.New or FindingStatus.Open or FindingStatus.Reopened);
}
