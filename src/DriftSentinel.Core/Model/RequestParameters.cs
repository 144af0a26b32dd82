using System.Collections;
using System.Runtime.InteropServices;
using System.Text.Json;
using DriftSentinel.Core.Io;

namespace DriftSentinel.Core.Model;

/// <summary>Turns a record's request parameters into the bounded dictionary an <see cref="ActivityEvent"/> carries.</summary>
public static class RequestParameters
{
    /// <summary>At most this many parameters are kept per event (the first, in the record's order).</summary>
    public const int MaxParameters = 32;

    /// <summary>A value longer than this is cut and ends in "…", so one huge policy document cannot hold memory.</summary>
    public const int MaxValueLength = 1024;

    /// <summary>Parameters up to this size are kept as their JSON bytes and parsed only if a rule reads them.</summary>
    private const int MaxDeferredBytes = 16 * 1024;

    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>The object's properties: strings as they are, other values as compact JSON; none for no object.</summary>
    /// <remarks>
    /// Most rules never read parameters, so a small object is kept as one copy of its UTF-8 bytes and parsed on first
    /// read (the 500,000-event benchmark allocates about 3 % more, where eager dictionaries cost 10 %); a larger one
    /// is bounded now, so a huge document is never held.
    /// </remarks>
    public static IReadOnlyDictionary<string, string> From(JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } obj)
        {
            return None;
        }

        var raw = JsonMarshal.GetRawUtf8Value(obj);
        if (raw.Length <= 2)
        {
            return None; // {}
        }

        return raw.Length <= MaxDeferredBytes ? new Deferred(raw.ToArray()) : Bounded(obj);
    }

    /// <summary>The same, from the raw JSON bytes of the parameters object (as a reader that never built a document has them).</summary>
    public static IReadOnlyDictionary<string, string> FromUtf8(ReadOnlySpan<byte> rawObject)
    {
        if (rawObject.Length <= 2)
        {
            return None;
        }

        if (rawObject.Length <= MaxDeferredBytes)
        {
            return new Deferred(rawObject.ToArray());
        }

        using var doc = JsonDocument.Parse(rawObject.ToArray());
        return Bounded(doc.RootElement);
    }

    private static IReadOnlyDictionary<string, string> Bounded(JsonElement obj)
    {
        Dictionary<string, string>? kept = null;
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            kept ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (kept.Count == MaxParameters)
            {
                break;
            }

            var text = p.Value.ValueKind == JsonValueKind.String ? TolerantString(p.Value) : Json.Repair(JsonMarshal.GetRawUtf8Value(p.Value));
            kept.TryAdd(p.Name, text.Length <= MaxValueLength ? text : string.Concat(text.AsSpan(0, MaxValueLength - 1), "…"));
        }

        return kept ?? None;
    }

    // Invalid UTF-8 and lone surrogates become U+FFFD, as in every other string read (not counted again here: the
    // record's own strings were counted when it was mapped).
    private static string TolerantString(JsonElement e)
    {
        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Json.Repair(JsonMarshal.GetRawUtf8Value(e));
        }
    }

    /// <summary>The parameters' JSON bytes, parsed into the bounded dictionary on first read.</summary>
    private sealed class Deferred(byte[] json) : IReadOnlyDictionary<string, string>
    {
        private IReadOnlyDictionary<string, string>? _parsed;

        private IReadOnlyDictionary<string, string> Parsed
        {
            get
            {
                if (_parsed is null)
                {
                    using var doc = JsonDocument.Parse(json);
                    Interlocked.CompareExchange(ref _parsed, Bounded(doc.RootElement), null);
                }

                return _parsed;
            }
        }

        public string this[string key] => Parsed[key];

        public IEnumerable<string> Keys => Parsed.Keys;

        public IEnumerable<string> Values => Parsed.Values;

        public int Count => Parsed.Count;

        public bool ContainsKey(string key) => Parsed.ContainsKey(key);

        public bool TryGetValue(string key, out string value) => Parsed.TryGetValue(key, out value!);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Parsed.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
