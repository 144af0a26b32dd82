using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;

namespace DriftSentinel.Core.History;

/// <summary>A recorded scan run.</summary>
public sealed record HistoryRun
{
    public long Id { get; init; }
    public required string Profile { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required DateTimeOffset AsOf { get; init; }
    public required string Snapshot { get; init; }

    /// <summary>The worker's scan id: a run is recorded once per scan however often its evaluation job runs.</summary>
    public string? ScanKey { get; init; }
    public int Findings { get; init; }
    public int Active { get; init; }
    public int Gaps { get; init; }
    public IReadOnlyList<CoverageEntry> Coverage { get; init; } = [];
}

/// <summary>Filters of `findings list`.</summary>
public sealed record FindingQuery
{
    public string? Profile { get; init; }
    public FindingStatus? Status { get; init; }
    public Severity? MinimumSeverity { get; init; }
    public string? RuleId { get; init; }
    public string? Environment { get; init; }
    public DateTimeOffset? Since { get; init; }
}

/// <summary>A lifecycle notice waiting for (or being delivered to) one sink; <see cref="Attempts"/> counts failures so far.</summary>
public sealed record PendingDelivery(string Sink, long RunId, string Payload, int Attempts = 0, string? LastError = null);

/// <summary>What changed between two runs.</summary>
public sealed record RunDiff(IReadOnlyList<string> Appeared, IReadOnlyList<string> Resolved, IReadOnlyList<string> StillOpen);

/// <summary>DriftSentinel's own state: runs, finding lifecycles, triage decisions. SQLite or PostgreSQL.</summary>
public interface IHistoryStore : IDisposable
{
    /// <summary>Creates or upgrades the schema to the version this build needs.</summary>
    int Migrate();

    /// <summary>Records a run as started; with a <see cref="HistoryRun.ScanKey"/> already known, returns that run's id.</summary>
    long BeginRun(HistoryRun run);

    /// <summary>Every fingerprint's latest state across profiles (for lookups by fingerprint).</summary>
    IReadOnlyDictionary<string, FindingState> LoadStates();

    /// <summary>One profile's finding states: what its next run moves on.</summary>
    IReadOnlyDictionary<string, FindingState> LoadStates(string profile);

    IReadOnlyDictionary<string, TriageDecision> LoadTriage();

    /// <summary>
    /// In one transaction that excludes every other writer: loads the findings' states and triage, lets
    /// <paramref name="evolve"/> move them on, stores the result and marks the run finished. Returns null, and changes
    /// nothing, when the run was already finished (a second evaluation of the same scan).
    /// </summary>
    /// <remarks>
    /// <paramref name="deliveries"/> turns the update into one pending delivery per lifecycle sink, stored in the same
    /// transaction, so a run is never recorded without its notices (nor its notices queued twice).
    /// </remarks>
    LifecycleUpdate? CompleteRun(HistoryRun run, Func<IReadOnlyDictionary<string, FindingState>, IReadOnlyDictionary<string, TriageDecision>, LifecycleUpdate> evolve,
        Func<LifecycleUpdate, IReadOnlyList<PendingDelivery>>? deliveries = null);

    /// <summary>
    /// Claims up to <paramref name="limit"/> of a sink's undelivered notices that are due, oldest run first, for
    /// <paramref name="lease"/> (another worker skips them meanwhile; a crashed claimant's lease lapses).
    /// </summary>
    IReadOnlyList<PendingDelivery> ClaimDeliveries(string sink, DateTimeOffset now, TimeSpan lease, int limit);

    /// <summary>A sink's undelivered notices, due or not, oldest run first, without claiming them (plans, listings).</summary>
    IReadOnlyList<PendingDelivery> PendingDeliveries(string sink);

    /// <summary>Marks a claimed delivery delivered (<paramref name="failure"/> null) or failed, due again at <paramref name="retryAt"/>.</summary>
    void FinishDelivery(string sink, long runId, DateTimeOffset now, string? failure, DateTimeOffset? retryAt);

    /// <summary>Accepts a finding (replacing an earlier acceptance) and appends the decision to the triage log.</summary>
    void RecordTriage(TriageDecision decision);

    /// <summary>
    /// Withdraws a finding's acceptance, logging who and why; returns the acceptance withdrawn, or null (and changes
    /// nothing) when there was none, so a repeated command is harmless.
    /// </summary>
    TriageDecision? RemoveTriage(string fingerprint, string decidedBy, DateTimeOffset at, string? reason);

    /// <summary>Every triage decision in the order it was taken, for one fingerprint or all.</summary>
    IReadOnlyList<TriageLogEntry> TriageLog(string? fingerprint);

    IReadOnlyList<HistoryRun> ListRuns(int limit);

    /// <summary>One profile's runs, newest first.</summary>
    IReadOnlyList<HistoryRun> ListRuns(string profile, int limit);

    /// <summary>The profile's last finished run before run <paramref name="before"/>, if any.</summary>
    HistoryRun? PreviousRun(string profile, long before);

    IReadOnlyList<FindingState> ListFindings(FindingQuery query);

    RunDiff Diff(long fromRun, long toRun);

    /// <summary>
    /// Keeps a run's manifest (its SHA-256 and text) in the profile's chain. The first write wins: a repeated
    /// evaluation of the run changes nothing, and false says a manifest was already there.
    /// </summary>
    bool RecordManifest(long runId, string profile, string sha256, string manifest);

    /// <summary>The manifest of the profile's last finished run before <paramref name="before"/>; null when there is none or it has none.</summary>
    ManifestLink? PreviousManifest(string profile, long before);

    /// <summary>Every kept manifest, by run id.</summary>
    IReadOnlyList<StoredManifest> ListManifests();

    /// <summary>
    /// Open findings by severity for the profile's last <paramref name="limit"/> finished runs up to and including
    /// <paramref name="upToRun"/>, oldest first: the trend report.html draws.
    /// </summary>
    IReadOnlyList<RunTrendPoint> Trend(string profile, long upToRun, int limit);
}

/// <summary>One recorded run's open findings by severity.</summary>
public sealed record RunTrendPoint(long RunId, DateTimeOffset AsOf, IReadOnlyDictionary<Severity, int> Open)
{
    public int Total => Open.Values.Sum();
}

/// <summary>A run's manifest as the history store keeps it.</summary>
public sealed record StoredManifest(long RunId, string Profile, string Sha256, string Manifest);
