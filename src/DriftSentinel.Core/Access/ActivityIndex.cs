using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Access;

/// <summary>
/// The last time each identity was seen acting in the audit trails. Fed by the engine for every event; its size
/// grows with the number of distinct identities, not events.
/// </summary>
public sealed class ActivityIndex
{
    // Fed case-sensitively (each event touches it two or three times: an ordinal hash is the cheaper one); asked
    // case-insensitively, through views folded once when the first question comes, after the stream.
    private readonly Dictionary<string, (DateTimeOffset Time, string Source, long Order)> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Name, long Order)> _names = new(StringComparer.Ordinal);
    private Dictionary<string, (DateTimeOffset Time, string Source, long Order)>? _lastFolded;
    private Dictionary<string, (string Name, long Order)>? _namesFolded;

    // The span of events read per trail (source, account): where the absence of an event means anything.
    private readonly Dictionary<(string Source, string Account), (DateTimeOffset First, DateTimeOffset Last)> _span = [];

    /// <summary>The name (UPN) a sign-in or Activity Log event gave an Entra object id, if any.</summary>
    public string? NameOf(string objectId) => NamesFolded.TryGetValue(objectId, out var n) ? n.Name : null;

    private Dictionary<string, (DateTimeOffset Time, string Source, long Order)> LastFolded => _lastFolded ??= Folded(_last, Later);

    private Dictionary<string, (string Name, long Order)> NamesFolded => _namesFolded ??= Folded(_names, FirstGiven);

    /// <summary>The case-insensitive view of a case-sensitive map: of keys equal but for case, the better value.</summary>
    private static Dictionary<string, T> Folded<T>(Dictionary<string, T> exact, Func<T, T, bool> better)
    {
        var folded = new Dictionary<string, T>(exact.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in exact)
        {
            if (!folded.TryGetValue(key, out var current) || better(value, current))
            {
                folded[key] = value;
            }
        }

        return folded;
    }

    // The name first given in read order.
    private static bool FirstGiven((string Name, long Order) name, (string Name, long Order) current) => name.Order < current.Order;

    // The latest time; of two at the same time, the first in read order.
    private static bool Later((DateTimeOffset Time, string Source, long Order) seen, (DateTimeOffset Time, string Source, long Order) cur) =>
        seen.Time > cur.Time || (seen.Time == cur.Time && seen.Order < cur.Order);

    public void Observe(ActivityEvent e)
    {
        _lastFolded = null;
        _namesFolded = null;
        var source = SourceOf(e.Cloud);
        // Every event passes here: one hash lookup, updated in place.
        ref var span = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_span, (source, e.AccountId.ToLowerInvariant()), out var exists);
        span = exists ? (e.Time < span.First ? e.Time : span.First, e.Time > span.Last ? e.Time : span.Last) : (e.Time, e.Time);

        if (!e.Succeeded)
        {
            return;
        }

        Touch(e.Actor.Id, (e.Time, source, e.ReadOrder));
        if (e.Actor.IssuerArn is not null)
        {
            Touch(e.Actor.IssuerArn, (e.Time, source, e.ReadOrder));
        }

        if (e.Actor.ObjectId is not null)
        {
            Touch(e.Actor.ObjectId, (e.Time, source, e.ReadOrder));
            if (!e.Actor.Id.Equals(e.Actor.ObjectId, StringComparison.OrdinalIgnoreCase))
            {
                Name(e.Actor.ObjectId, (e.Actor.Id, e.ReadOrder));
            }
        }
    }

    /// <summary>Folds another part of the same scan's index into this one: latest time, first name, widest span.</summary>
    public void Merge(ActivityIndex other)
    {
        _lastFolded = null;
        _namesFolded = null;
        foreach (var (key, seen) in other._last)
        {
            Touch(key, seen);
        }

        foreach (var (key, name) in other._names)
        {
            Name(key, name);
        }

        foreach (var (key, theirs) in other._span)
        {
            _span[key] = _span.TryGetValue(key, out var mine)
                ? (theirs.First < mine.First ? theirs.First : mine.First, theirs.Last > mine.Last ? theirs.Last : mine.Last)
                : theirs;
        }
    }

    /// <summary>Writes the index for another process to merge (a worker's scope evaluated apart).</summary>
    public void Write(Engine.PartialStateWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteAll(_last, static (w, kv) =>
        {
            w.Write(kv.Key);
            w.Write(kv.Value.Time);
            w.Write(kv.Value.Source);
            w.WriteOrder(kv.Value.Order);
        });
        writer.WriteAll(_names, static (w, kv) =>
        {
            w.Write(kv.Key);
            w.Write(kv.Value.Name);
            w.WriteOrder(kv.Value.Order);
        });
        writer.WriteAll(_span, static (w, kv) =>
        {
            w.Write(kv.Key.Source);
            w.Write(kv.Key.Account);
            w.Write(kv.Value.First);
            w.Write(kv.Value.Last);
        });
    }

    /// <summary>Folds what <see cref="Write"/> wrote into this index.</summary>
    public void Read(Engine.PartialStateReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var other = new ActivityIndex();
        foreach (var (key, time, source, order) in reader.ReadAll(static r => (r.ReadString(), r.ReadTime(), r.ReadString(), r.ReadOrder())))
        {
            other._last[key] = (time, source, order);
        }

        foreach (var (key, name, order) in reader.ReadAll(static r => (r.ReadString(), r.ReadString(), r.ReadOrder())))
        {
            other._names[key] = (name, order);
        }

        foreach (var (source, account, first, last) in reader.ReadAll(static r => (r.ReadString(), r.ReadString(), r.ReadTime(), r.ReadTime())))
        {
            other._span[(source, account)] = (first, last);
        }

        Merge(other);
    }

    private void Name(string objectId, (string Name, long Order) name)
    {
        if (!_names.TryGetValue(objectId, out var cur) || FirstGiven(name, cur))
        {
            _names[objectId] = name;
        }
    }

    /// <summary>The name a trail of this cloud goes by in last-used sources: cloudtrail, activity-log, entra-sign-in.</summary>
    public static string SourceOf(Cloud cloud) => cloud switch
    {
        Cloud.Aws => "cloudtrail",
        Cloud.Entra => "entra-sign-in",
        _ => "activity-log",
    };

    /// <summary>The first and last event read from one trail (e.g. "cloudtrail", account id), or null when it held none.</summary>
    public (DateTimeOffset First, DateTimeOffset Last)? Span(string source, string account) =>
        _span.TryGetValue((source, account.ToLowerInvariant()), out var s) ? s : null;

    /// <summary>The span of every account of one trail source.</summary>
    public IEnumerable<(string Account, DateTimeOffset First, DateTimeOffset Last)> Spans(string source) =>
        _span.Where(kv => kv.Key.Source == source).Select(kv => (kv.Key.Account, kv.Value.First, kv.Value.Last));

    private void Touch(string key, (DateTimeOffset Time, string Source, long Order) seen)
    {
        ref var cur = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_last, key, out var exists);
        if (!exists || Later(seen, cur))
        {
            cur = seen;
        }
    }

    /// <summary>The latest activity of any of the identity's names.</summary>
    public (DateTimeOffset Time, string Source)? LastSeen(params string?[] keys)
    {
        (DateTimeOffset, string)? best = null;
        foreach (var key in keys)
        {
            if (key is not null && LastFolded.TryGetValue(key, out var v) && (best is null || v.Time > best.Value.Item1))
            {
                best = (v.Time, v.Source);
            }
        }

        return best;
    }
}
