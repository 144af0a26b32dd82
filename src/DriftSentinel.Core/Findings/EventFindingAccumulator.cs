using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Findings;

/// <summary>
/// Folds many events into one finding per drift key, keeping first/last seen, a count and only a few evidence
/// references, so a rule's memory grows with the number of findings, not with the trail.
/// </summary>
internal sealed class EventFindingAccumulator
{
    private const int MaxEvidence = 5;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>Adds an event to the finding identified by <paramref name="key"/>; <paramref name="seed"/> supplies the finding's fixed fields the first time.</summary>
    public void Add(string key, ActivityEvent e, Func<FindingSeed> seed, string? evidenceDetail = null)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            entry = new Entry(seed());
            _entries[key] = entry;
        }

        entry.Count++;
        if (entry.First is null || e.Time < entry.First)
        {
            entry.First = e.Time;
        }

        if (entry.Last is null || e.Time > entry.Last)
        {
            entry.Last = e.Time;
        }

        if (entry.Evidence.Count < MaxEvidence)
        {
            entry.Evidence.Add(Evidence(e, evidenceDetail));
        }
    }

    public static EvidenceRef Evidence(ActivityEvent e, string? detail = null)
    {
        var kind = e.Cloud switch
        {
            Cloud.Aws => "cloudtrail-event",
            Cloud.Entra => "sign-in",
            _ => "activity-log-event",
        };
        return new EvidenceRef(kind, $"{e.Source} eventId={e.EventId}", detail ?? $"{e.Time:yyyy-MM-ddTHH:mm:ssZ} {e.Action} by {e.Actor.Id}");
    }

    public IEnumerable<Finding> Build(string ruleId, string title)
    {
        foreach (var entry in _entries.Values)
        {
            var s = entry.Seed;
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(ruleId, s.Identity),
                RuleId = ruleId,
                Title = title,
                Severity = s.Severity,
                Cloud = s.Cloud,
                Environment = s.Environment,
                Account = s.Account,
                Principal = s.Principal,
                Resource = s.Resource,
                FirstSeen = entry.First,
                LastSeen = entry.Last,
                Message = entry.Count > 1 ? $"{s.Message} ({entry.Count} events)" : s.Message,
                Evidence = entry.Evidence,
                Occurrences = entry.Count,
                Details = s.Details ?? new SortedDictionary<string, string>(StringComparer.Ordinal),
            };
        }
    }

    private sealed class Entry(FindingSeed seed)
    {
        public FindingSeed Seed { get; } = seed;
        public long Count { get; set; }
        public DateTimeOffset? First { get; set; }
        public DateTimeOffset? Last { get; set; }
        public List<EvidenceRef> Evidence { get; } = [];
    }
}

/// <summary>The fixed fields of a finding built from events.</summary>
internal sealed record FindingSeed
{
    public required string?[] Identity { get; init; }
    public required Severity Severity { get; init; }
    public required Cloud Cloud { get; init; }
    public string? Environment { get; init; }
    public string? Account { get; init; }
    public string? Principal { get; init; }
    public string? Resource { get; init; }
    public required string Message { get; init; }
    public SortedDictionary<string, string>? Details { get; init; }
}
