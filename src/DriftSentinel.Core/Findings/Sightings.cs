namespace DriftSentinel.Core.Findings;

/// <summary>
/// How often and over what time something was seen in the trail: the part of a finding's, session's or credential's
/// state that merges the same way everywhere (counts add, first is the earliest, last the latest).
/// </summary>
internal abstract class Sightings
{
    public long Count { get; private set; }
    public DateTimeOffset? First { get; private set; }
    public DateTimeOffset? Last { get; private set; }

    public void See(DateTimeOffset time)
    {
        Count++;
        First = First is null || time < First ? time : First;
        Last = Last is null || time > Last ? time : Last;
    }

    /// <summary>Writes the sightings for another process (see <see cref="Engine.PartialStateWriter"/>).</summary>
    public void WriteSightings(Engine.PartialStateWriter w)
    {
        w.Write(Count);
        w.Write(First);
        w.Write(Last);
    }

    /// <summary>Reads what <see cref="WriteSightings"/> wrote into a fresh instance.</summary>
    public void ReadSightings(Engine.PartialStateReader r)
    {
        Count = r.ReadInt64();
        First = r.ReadNullableTime();
        Last = r.ReadNullableTime();
    }

    /// <summary>Adds what another part of the trail saw of the same thing.</summary>
    public void Absorb(Sightings other)
    {
        Count += other.Count;
        First = First is null || (other.First is not null && other.First < First) ? other.First : First;
        Last = Last is null || (other.Last is not null && other.Last > Last) ? other.Last : Last;
    }
}

/// <summary>Merging one partition's keyed state into another's, the same way for every rule.</summary>
internal static class PartitionMerge
{
    /// <summary>Takes over what only <paramref name="theirs"/> holds and folds what both hold with <paramref name="combine"/>(mine, theirs).</summary>
    public static void MergeWith<TKey, TValue>(this Dictionary<TKey, TValue> mine, Dictionary<TKey, TValue> theirs, Action<TValue, TValue> combine)
        where TKey : notnull
    {
        foreach (var (key, value) in theirs)
        {
            if (mine.TryGetValue(key, out var existing))
            {
                combine(existing, value);
            }
            else
            {
                mine[key] = value;
            }
        }
    }
}
