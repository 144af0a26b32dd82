using System.Text;

namespace DriftSentinel.Core.Io;

/// <summary>
/// Turns repeated UTF-8 values (event sources, names, regions, account ids, role ARNs) into one string each instead
/// of one per record: a fixed table of recent values by hash, so memory stays bounded whatever the trail holds.
/// Not thread-safe: one per reading thread (<see cref="ForThisThread"/>).
/// </summary>
public sealed class Utf8StringPool
{
    private const int Slots = 8192;

    /// <summary>Longer values are rarely repeated (and cost more to compare): they are decoded each time.</summary>
    private const int MaxPooledBytes = 128;

    [ThreadStatic]
    private static Utf8StringPool? t_pool;

    private readonly byte[]?[] _keys = new byte[]?[Slots];
    private readonly string?[] _values = new string?[Slots];

    public static Utf8StringPool ForThisThread => t_pool ??= new Utf8StringPool();

    /// <summary>The text of unescaped UTF-8 bytes, shared with earlier equal values; null when they are not valid UTF-8.</summary>
    public string? Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxPooledBytes)
        {
            return System.Text.Unicode.Utf8.IsValid(utf8) ? Encoding.UTF8.GetString(utf8) : null;
        }

        var hash = new HashCode();
        hash.AddBytes(utf8);
        var slot = hash.ToHashCode() & (Slots - 1);
        if (_keys[slot] is { } key && utf8.SequenceEqual(key))
        {
            return _values[slot];
        }

        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(utf8);
        _keys[slot] = utf8.ToArray();
        _values[slot] = text;
        return text;
    }
}
