namespace DriftSentinel.Core.Model;

/// <summary>What was read for one source and scope, and what was not: a report must never look clean because data was missing.</summary>
/// <param name="Source">e.g. aws.iam.authorization-details, aws.cloudtrail, github.deployments.</param>
/// <param name="Scope">Account, subscription, tenant or owner/repo.</param>
/// <param name="Status">Read, partial, missing or failed.</param>
/// <param name="Items">Records read.</param>
/// <param name="Detail">Why a source is missing or failed, naming the file and position.</param>
public sealed record CoverageEntry(string Source, string Scope, CoverageStatus Status, long Items, string? Detail);

/// <summary>Collects coverage entries while a snapshot is read.</summary>
public sealed class CoverageLog
{
    private readonly List<CoverageEntry> _entries = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<CoverageEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public void Add(CoverageEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    private readonly List<TrailIntegrity> _integrity = [];

    /// <summary>What each trail's integrity validation proved and contradicted (DS-LOG-002 reads it), in the order recorded.</summary>
    public IReadOnlyList<TrailIntegrity> Integrity
    {
        get
        {
            lock (_gate)
            {
                return [.. _integrity];
            }
        }
    }

    /// <summary>Records a trail's integrity validation (a reader does, once per trail, when it reads the trail).</summary>
    public void RecordIntegrity(TrailIntegrity integrity)
    {
        lock (_gate)
        {
            _integrity.Add(integrity);
        }
    }

    public void Read(string source, string scope, long items, string? detail = null) =>
        Add(new CoverageEntry(source, scope, CoverageStatus.Read, items, detail));

    public void Partial(string source, string scope, long items, string detail) =>
        Add(new CoverageEntry(source, scope, CoverageStatus.Partial, items, detail));

    public void Missing(string source, string scope, string detail) =>
        Add(new CoverageEntry(source, scope, CoverageStatus.Missing, 0, detail));

    public void Failed(string source, string scope, long items, string detail) =>
        Add(new CoverageEntry(source, scope, items > 0 ? CoverageStatus.Partial : CoverageStatus.Failed, items, detail));
}
