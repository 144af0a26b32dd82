using System.Globalization;

namespace DriftSentinel.Core.History;

/// <summary>
/// What the history store knows about a run's findings, for the reports of a recorded run: each finding's lifecycle
/// (status across runs, first and last seen, times seen) and what changed since the profile's previous run.
/// </summary>
public sealed class RunHistoryReport
{
    private readonly Dictionary<string, FindingState> _states;

    /// <param name="recorded">The run as recorded.</param>
    /// <param name="trend">The profile's recent runs up to this one (<see cref="IHistoryStore.Trend"/>), for the report's trend.</param>
    public RunHistoryReport(RecordedRun recorded, IReadOnlyList<RunTrendPoint>? trend = null)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        Recorded = recorded;
        Trend = trend ?? [];
        _states = recorded.Update.States.Concat(recorded.Update.NotVerified).GroupBy(s => s.Fingerprint, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public RecordedRun Recorded { get; }

    /// <summary>Open findings by severity over the profile's recent runs, oldest first; empty when not loaded.</summary>
    public IReadOnlyList<RunTrendPoint> Trend { get; }

    /// <summary>The profile's access review campaigns as they stand after this run (the evidence pack's decisions and proof).</summary>
    public IReadOnlyList<Access.CampaignEvidence> Campaigns { get; init; } = [];

    /// <summary>How many recent runs the reports' trend covers.</summary>
    public const int TrendRuns = 90;

    public FindingState? Lifecycle(string fingerprint) => _states.GetValueOrDefault(fingerprint);

    /// <summary>The transitions worth a line each: what came back first (it was thought fixed or accepted), then what is new, then what was fixed.</summary>
    public IEnumerable<(string Change, FindingState State)> Changes =>
        Recorded.Update.Reopened.Select(s => ("reopened", s))
            .Concat(Recorded.Update.BackFromAcceptance.Select(s => ("exception expired", s)))
            .Concat(Recorded.Update.Appeared.OrderByDescending(s => s.Severity).Select(s => ("new", s)))
            .Concat(Recorded.Update.Resolved.Select(s => ("resolved", s)));

    public string Heading => Recorded.Previous is { } p
        ? $"Changes since run #{p.Id.ToString(CultureInfo.InvariantCulture)} ({p.AsOf.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)})"
        : "Changes since last run (first recorded run of this profile)";

    public string CountsLine()
    {
        var u = Recorded.Update;
        return $"Run #{Recorded.Run.Id.ToString(CultureInfo.InvariantCulture)} ({Recorded.Run.Profile}): {u.Appeared.Count} new, {u.Reopened.Count} reopened, {u.BackFromAcceptance.Count} back after an exception expired, {u.Resolved.Count} resolved, {u.NotVerified.Count} not verified (scope not read or rule not evaluated).";
    }

    /// <summary>The status as the reports write it.</summary>
    public static string Text(FindingStatus status) => status switch
    {
        FindingStatus.New => "new",
        FindingStatus.Open => "open",
        FindingStatus.Resolved => "resolved",
        FindingStatus.Reopened => "reopened",
        FindingStatus.Accepted => "accepted",
        _ => status.ToString(),
    };
}
