using DriftSentinel.Core.Output;
using DriftSentinel.History;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// What the jobs of this worker process share: the current configuration (replaced when the file changes), where
/// DriftSentinel's state lives, the clock, and how many scans this process has evaluated.
/// </summary>
public sealed class WorkerRuntime(LiveSettings settings, TimeProvider clock)
{
    private LiveSettings _settings = settings;
    private int _evaluated;

    public LiveSettings Settings => Volatile.Read(ref _settings);

    public TimeProvider Clock { get; } = clock;

    /// <summary>Where each recorded run's finding transitions go (tickets, notifications).</summary>
    public IReadOnlyList<IFindingLifecycleSink> Sinks { get; init; } = [];

    /// <summary>This worker's name in logs and the scan ledger.</summary>
    public string Name { get; } = settings.Worker.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The state database: the PostgreSQL connection string, or the embedded SQLite file.</summary>
    public string StateConnection { get; } = settings.Worker.PostgreSql is { Length: > 0 } pg
        ? pg
        : settings.Resolve(settings.Worker.HistoryFile ?? Path.Combine(settings.StateDirectory, "history.db"));

    public bool SharedDatabase => Settings.Worker.PostgreSql is { Length: > 0 };

    /// <summary>Scans this process evaluated and recorded.</summary>
    public int Evaluated => Volatile.Read(ref _evaluated);

    /// <summary>Raised after each scan this process records (the --exit-after count, tests).</summary>
    public event Action<int>? ScanRecorded;

    public void Replace(LiveSettings next) => Volatile.Write(ref _settings, next);

    public SqlHistoryStore OpenStore() => SqlHistoryStore.Open(StateConnection);

    public ScanProfile? Profile(string name) => Settings.Profiles.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    internal void OnRecorded()
    {
        var count = Interlocked.Increment(ref _evaluated);
        ScanRecorded?.Invoke(count);
    }
}
