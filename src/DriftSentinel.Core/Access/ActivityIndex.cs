using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Access;

/// <summary>
/// The last time each identity was seen acting in the audit trails. Fed by the engine for every event; its size
/// grows with the number of distinct identities, not events.
/// </summary>
public sealed class ActivityIndex
{
    private readonly Dictionary<string, (DateTimeOffset Time, string Source)> _last = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name (UPN) a sign-in or Activity Log event gave an Entra object id, if any.</summary>
    public string? NameOf(string objectId) => _names.GetValueOrDefault(objectId);

    public void Observe(ActivityEvent e)
    {
        if (!e.Succeeded)
        {
            return;
        }

        var source = e.Cloud switch
        {
            Cloud.Aws => "cloudtrail",
            Cloud.Entra => "entra-sign-in",
            _ => "activity-log",
        };
        Touch(e.Actor.Id, e.Time, source);
        if (e.Actor.IssuerArn is not null)
        {
            Touch(e.Actor.IssuerArn, e.Time, source);
        }

        if (e.Actor.ObjectId is not null)
        {
            Touch(e.Actor.ObjectId, e.Time, source);
            if (!e.Actor.Id.Equals(e.Actor.ObjectId, StringComparison.OrdinalIgnoreCase))
            {
                _names.TryAdd(e.Actor.ObjectId, e.Actor.Id);
            }
        }
    }

    private void Touch(string key, DateTimeOffset time, string source)
    {
        if (!_last.TryGetValue(key, out var cur) || time > cur.Time)
        {
            _last[key] = (time, source);
        }
    }

    /// <summary>The latest activity of any of the identity's names.</summary>
    public (DateTimeOffset Time, string Source)? LastSeen(params string?[] keys)
    {
        (DateTimeOffset, string)? best = null;
        foreach (var key in keys)
        {
            if (key is not null && _last.TryGetValue(key, out var v) && (best is null || v.Time > best.Value.Item1))
            {
                best = v;
            }
        }

        return best;
    }
}
