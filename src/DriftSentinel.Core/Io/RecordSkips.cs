namespace DriftSentinel.Core.Io;

/// <summary>
/// Counts the records of one file that a reader could not map, by reason, with the first position of each, so a file
/// whose records were dropped is reported as partial ("3 of 40 records skipped: …") and never as a clean read.
/// </summary>
public sealed class RecordSkips
{
    private readonly List<(string Reason, long Count, string First)> _reasons = [];

    public long Count { get; private set; }

    /// <summary>Records one skipped record at <paramref name="position"/> (e.g. "record 12") and why.</summary>
    public void Add(string position, string reason)
    {
        Count++;
        var i = _reasons.FindIndex(r => r.Reason == reason);
        if (i < 0)
        {
            // Reasons are few (one per mapping rule); cap them so a hostile file cannot grow this list.
            if (_reasons.Count < 8)
            {
                _reasons.Add((reason, 1, position));
            }

            return;
        }

        _reasons[i] = (reason, _reasons[i].Count + 1, _reasons[i].First);
    }

    /// <summary>"N of M records skipped: reason (n), first at record K; …", for a coverage entry.</summary>
    public string Describe(string display, long records) =>
        $"{display}: {Count} of {records} records skipped: "
        + string.Join("; ", _reasons.Select(r => _reasons.Count == 1 ? $"{r.Reason}, first at {r.First}" : $"{r.Reason} ({r.Count}), first at {r.First}"));
}
