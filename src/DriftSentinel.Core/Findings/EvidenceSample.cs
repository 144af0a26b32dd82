namespace DriftSentinel.Core.Findings;

/// <summary>
/// The first few evidence references of a finding in the scan's read order (<see cref="Model.ActivityEvent.ReadOrder"/>):
/// what a one-thread read would have kept first, whichever thread saw which event. Two samples merge into the first
/// few of both.
/// </summary>
internal sealed class EvidenceSample(int capacity)
{
    private readonly List<(long Order, EventEvidence Evidence)> _items = [];

    /// <summary>The references, written out as they are read (a report reads each once): a finding holds a few fields per reference, not its text.</summary>
    public IReadOnlyList<EvidenceRef> Items => new EventEvidenceList([.. _items.Select(x => x.Evidence)]);

    /// <summary>Whether an event at <paramref name="order"/> would be kept (so the reference is built only then).</summary>
    public bool Wants(long order) => _items.Count < capacity || order < _items[^1].Order;

    public void Add(long order, EventEvidence evidence)
    {
        if (!Wants(order))
        {
            return;
        }

        // Events mostly come in read order: appending is the common case.
        var at = _items.Count;
        while (at > 0 && _items[at - 1].Order > order)
        {
            at--;
        }

        _items.Insert(at, (order, evidence));
        if (_items.Count > capacity)
        {
            _items.RemoveAt(_items.Count - 1);
        }
    }

    public void Write(Engine.PartialStateWriter w) => w.WriteAll(_items, static (w, x) =>
    {
        w.WriteOrder(x.Order);
        x.Evidence.Write(w);
    });

    /// <summary>Reads what <see cref="Write"/> wrote into this (empty) sample.</summary>
    public void Read(Engine.PartialStateReader r) => _items.AddRange(r.ReadAll(static r => (r.ReadOrder(), EventEvidence.Read(r))));

    public void Merge(EvidenceSample other)
    {
        foreach (var (order, evidence) in other._items)
        {
            Add(order, evidence);
        }
    }
}

/// <summary>
/// What an event's evidence reference is made of, kept instead of its text: the strings are the event's own (shared),
/// so a finding's evidence costs a few fields, not a few hundred characters each, until the report writes it.
/// </summary>
internal readonly record struct EventEvidence(Model.Cloud Cloud, Model.SourceLocation Source, string EventId, DateTimeOffset Time, string Action, string ActorId, string? Detail)
{
    public static EventEvidence Of(Model.ActivityEvent e, string? detail = null) => new(e.Cloud, e.Source, e.EventId, e.Time, e.Action, e.Actor.Id, detail);

    public void Write(Engine.PartialStateWriter w)
    {
        w.Write((int)Cloud);
        w.Write(Source);
        w.Write(EventId);
        w.Write(Time);
        w.Write(Action);
        w.Write(ActorId);
        w.Write(Detail);
    }

    public static EventEvidence Read(Engine.PartialStateReader r) =>
        new((Model.Cloud)r.ReadInt32(), r.ReadSource(), r.ReadString(), r.ReadTime(), r.ReadString(), r.ReadString(), r.ReadNullableString());

    public EvidenceRef ToRef()
    {
        var kind = Cloud switch
        {
            Model.Cloud.Aws => "cloudtrail-event",
            Model.Cloud.Entra => "sign-in",
            _ => "activity-log-event",
        };
        return new EvidenceRef(kind, $"{Source} eventId={EventId}", Detail ?? $"{Time:yyyy-MM-ddTHH:mm:ssZ} {Action} by {ActorId}");
    }
}

/// <summary>Evidence references made from <see cref="EventEvidence"/> when read, so tens of thousands of findings do not each hold their evidence's text.</summary>
internal sealed class EventEvidenceList(EventEvidence[] items) : IReadOnlyList<EvidenceRef>
{
    public EvidenceRef this[int index] => items[index].ToRef();

    public int Count => items.Length;

    public IEnumerator<EvidenceRef> GetEnumerator()
    {
        foreach (var item in items)
        {
            yield return item.ToRef();
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
