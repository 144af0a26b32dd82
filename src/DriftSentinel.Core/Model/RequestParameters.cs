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

    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>The object's properties: strings as they are, other values as compact JSON; null for no object.</summary>
    public static IReadOnlyDictionary<string, string> From(JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } obj)
        {
            return None;
        }

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

            // Tolerant of invalid UTF-8 and lone surrogates, like every other string read (U+FFFD in their place).
            var text = p.Value.ValueKind == JsonValueKind.String
                ? p.Value.Text()
                : System.Text.Encoding.UTF8.GetString(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(p.Value));
            kept.TryAdd(p.Name, text.Length <= MaxValueLength ? text : string.Concat(text.AsSpan(0, MaxValueLength - 1), "…"));
        }

        return kept ?? None;
    }
}
