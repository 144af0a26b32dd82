namespace DriftSentinel.Core.Findings;

/// <summary>
/// The first few evidence references of a finding in the scan's read order (<see cref="Model.ActivityEvent.ReadOrder"/>):
/// what a one-thread read would have kept first, whichever thread saw which event. Two samples merge into the first
/// few of both.
/// </summary>
internal sealed class EvidenceSample(int capacity)
{
    private readonly List<(long Order, EvidenceRef Evidence)> _items = [];

    public IReadOnlyList<EvidenceRef> Items => [.. _items.Select(x => x.Evidence)];

    /// <summary>Whether an event at <paramref name="order"/> would be kept (so the reference is built only then).</summary>
    public bool Wants(long order) => _items.Count < capacity || order < _items[^1].Order;

    public void Add(long order, EvidenceRef evidence)
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

    public void Merge(EvidenceSample other)
    {
        foreach (var (order, evidence) in other._items)
        {
            Add(order, evidence);
        }
    }
}
