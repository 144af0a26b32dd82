using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Findings;

/// <summary>
/// Folds many events into one finding per drift key, keeping first/last seen, a count and only a few evidence
/// references, so a rule's memory grows with the number of findings, not with the trail. Mergeable: the fixed fields
/// come from the key's first event in read order and the evidence is the first few in read order, so two accumulators
/// that saw different parts of a trail merge into what one would have built from all of it.
/// </summary>
internal sealed class EventFindingAccumulator
{
    private const int MaxEvidence = 5;
    private readonly Dictionary<FindingKey, Entry> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Adds an event to the finding identified by <paramref name="key"/>; <paramref name="seed"/> supplies the finding's fixed fields from its first event.</summary>
    public void Add(FindingKey key, ActivityEvent e, Func<FindingSeed> seed, string? evidenceDetail = null)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            entry = new Entry(seed(), e.ReadOrder);
            _entries[key] = entry;
        }
        else if (e.ReadOrder < entry.SeedOrder)
        {
            entry.Seed = seed();
            entry.SeedOrder = e.ReadOrder;
        }

        entry.See(e.Time);

        if (entry.Evidence.Wants(e.ReadOrder))
        {
            entry.Evidence.Add(e.ReadOrder, EventEvidence.Of(e, evidenceDetail));
        }
    }

    /// <summary>Folds another accumulator (another part of the same trail) into this one.</summary>
    public void Merge(EventFindingAccumulator other)
    {
        _entries.MergeWith(other._entries, static (mine, theirs) =>
        {
            if (theirs.SeedOrder < mine.SeedOrder)
            {
                mine.Seed = theirs.Seed;
                mine.SeedOrder = theirs.SeedOrder;
            }

            mine.Absorb(theirs);
            mine.Evidence.Merge(theirs.Evidence);
        });
    }

    /// <summary>Writes every finding's state for another process to merge (see <see cref="Engine.PartialStateWriter"/>).</summary>
    public void Write(Engine.PartialStateWriter w) => w.WriteAll(_entries, static (w, kv) =>
    {
        var (key, entry) = kv;
        w.Write(key.First);
        w.Write(key.Second);
        w.Write(key.Third);
        w.Write(key.Fourth);
        entry.Seed.Write(w);
        w.WriteOrder(entry.SeedOrder);
        entry.WriteSightings(w);
        entry.Evidence.Write(w);
    });

    /// <summary>Reads what <see cref="Write"/> wrote into this (empty) accumulator.</summary>
    public void Read(Engine.PartialStateReader r)
    {
        var count = r.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var key = new FindingKey(r.ReadNullableString(), r.ReadNullableString(), r.ReadNullableString(), r.ReadNullableString());
            var entry = new Entry(FindingSeed.Read(r), r.ReadOrder());
            entry.ReadSightings(r);
            entry.Evidence.Read(r);
            _entries[key] = entry;
        }
    }

    /// <summary>The findings, in key order (so the output does not depend on which part of the trail came first).</summary>
    public IEnumerable<Finding> Build(string ruleId, string title)
    {
        foreach (var entry in _entries.Values.OrderBy(x => x.SeedOrder))
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
                Evidence = entry.Evidence.Items,
                Occurrences = entry.Count,
                Details = s.Details ?? Finding.NoDetails,
            };
        }
    }

    private sealed class Entry(FindingSeed seed, long seedOrder) : Sightings
    {
        public FindingSeed Seed { get; set; } = seed;
        public long SeedOrder { get; set; } = seedOrder;
        public EvidenceSample Evidence { get; } = new(MaxEvidence);
    }
}

/// <summary>What tells one finding of a rule from another: up to four values, compared ordinally (a struct: no string built per event).</summary>
internal readonly record struct FindingKey(string? First, string? Second = null, string? Third = null, string? Fourth = null);

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

    public void Write(Engine.PartialStateWriter w)
    {
        w.WriteAll(Identity, static (w, x) => w.Write(x));
        w.Write((int)Severity);
        w.Write((int)Cloud);
        w.Write(Environment);
        w.Write(Account);
        w.Write(Principal);
        w.Write(Resource);
        w.Write(Message);
        w.Write(Details is not null);
        if (Details is not null)
        {
            w.WriteAll(Details, static (w, kv) =>
            {
                w.Write(kv.Key);
                w.Write(kv.Value);
            });
        }
    }

    public static FindingSeed Read(Engine.PartialStateReader r)
    {
        var identity = r.ReadAll(static r => r.ReadNullableString()).ToArray();
        var severity = (Severity)r.ReadInt32();
        var cloud = (Cloud)r.ReadInt32();
        var environment = r.ReadNullableString();
        var account = r.ReadNullableString();
        var principal = r.ReadNullableString();
        var resource = r.ReadNullableString();
        var message = r.ReadString();
        SortedDictionary<string, string>? details = null;
        if (r.ReadBoolean())
        {
            details = new(StringComparer.Ordinal);
            foreach (var (key, value) in r.ReadAll(static r => (r.ReadString(), r.ReadString())))
            {
                details[key] = value;
            }
        }

        return new FindingSeed
        {
            Identity = identity,
            Severity = severity,
            Cloud = cloud,
            Environment = environment,
            Account = account,
            Principal = principal,
            Resource = resource,
            Message = message,
            Details = details,
        };
    }
}
