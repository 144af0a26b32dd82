using System.Globalization;
using System.Text.Json;

namespace DriftSentinel.Core.Io;

/// <summary>Tolerant accessors for the JSON the clouds and their CLIs emit (camelCase or snake_case, strings or nulls).</summary>
public static class Json
{
    /// <summary>The first of the named properties that exists and is not null.</summary>
    public static JsonElement? Prop(this JsonElement e, params string[] names)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var name in names)
        {
            if (e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>
    /// Strings that could not be decoded as written (invalid UTF-8 bytes, a lone surrogate escape such as "\ud800") and
    /// were read with U+FFFD in their place, on this thread; readers report the count per file.
    /// </summary>
    [ThreadStatic]
    private static long t_repaired;

    public static long RepairedStrings => t_repaired;

    /// <summary>What a file's coverage detail says when <paramref name="repaired"/> of its strings were repaired; null for none.</summary>
    public static string? RepairNote(string display, long repaired) =>
        repaired == 0 ? null : $"{display}: {repaired} string(s) with invalid UTF-8 or a lone surrogate read with U+FFFD in their place";

    /// <summary>A string value, never throwing on bytes that are not valid UTF-8 or UTF-16: those become U+FFFD and are counted.</summary>
    public static string Text(this JsonElement e)
    {
        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException)
        {
            t_repaired++;
            return Repair(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(e));
        }
    }

    /// <summary>
    /// The current string token as text, or null when its bytes are not valid text (the caller then reads the record
    /// the general way, which repairs and counts them).
    /// </summary>
    public static string? TextOrNull(ref Utf8JsonReader reader, Utf8StringPool? pool = null)
    {
        if (!reader.ValueIsEscaped && pool is not null)
        {
            return pool.Get(reader.ValueSpan);
        }

        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Decodes a raw JSON string token (quotes included) leniently: invalid UTF-8 and lone surrogates become U+FFFD.</summary>
    public static string Repair(ReadOnlySpan<byte> raw)
    {
        if (raw.Length >= 2 && raw[0] == (byte)'"' && raw[^1] == (byte)'"')
        {
            raw = raw[1..^1];
        }

        var text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: false).GetString(raw);
        var sb = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '\\' || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }

            var next = text[++i];
            switch (next)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when i + 4 < text.Length && ushort.TryParse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                    sb.Append((char)code);
                    i += 4;
                    break;
                default: sb.Append(next); break;
            }
        }

        // A surrogate escape without its pair is not text: replace it.
        for (var i = 0; i < sb.Length; i++)
        {
            var c = sb[i];
            if (char.IsHighSurrogate(c) && (i + 1 >= sb.Length || !char.IsLowSurrogate(sb[i + 1])))
            {
                sb[i] = '\uFFFD';
            }
            else if (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(sb[i - 1])))
            {
                sb[i] = '\uFFFD';
            }
        }

        return sb.ToString();
    }

    public static string? Str(this JsonElement e, params string[] names)
    {
        var v = e.Prop(names);
        return v?.ValueKind switch
        {
            JsonValueKind.String => v.Value.Text(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.Value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>A nested value by path, e.g. Path(e, "userIdentity", "sessionContext", "sessionIssuer", "arn").</summary>
    public static JsonElement? Path(this JsonElement e, params string[] path)
    {
        JsonElement? cur = e;
        foreach (var p in path)
        {
            cur = cur?.Prop(p);
            if (cur is null)
            {
                return null;
            }
        }

        return cur;
    }

    public static string? PathStr(this JsonElement e, params string[] path)
    {
        var v = e.Path(path);
        return v?.ValueKind == JsonValueKind.String ? v.Value.Text() : v?.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? v.Value.GetRawText() : null;
    }

    /// <summary>A number (or numeric string) at a nested path, or null.</summary>
    public static long? PathLong(this JsonElement e, params string[] path) =>
        path.Length == 0 ? null : e.Path(path[..^1]) is { ValueKind: JsonValueKind.Object } parent ? parent.Long(path[^1]) : null;

    public static long? Long(this JsonElement e, params string[] names)
    {
        var v = e.Prop(names);
        if (v is null)
        {
            return null;
        }

        if (v.Value.ValueKind == JsonValueKind.Number && v.Value.TryGetInt64(out var n))
        {
            return n;
        }

        return v.Value.ValueKind == JsonValueKind.String && long.TryParse(v.Value.Text(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : null;
    }

    public static bool? Bool(this JsonElement e, params string[] names)
    {
        var v = e.Prop(names);
        return v?.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(v.Value.Text(), out var b) ? b : null,
            _ => null,
        };
    }

    public static DateTimeOffset? Time(this JsonElement e, params string[] names) => ParseTime(e.Str(names));

    /// <summary>Earliest and latest times a cloud record can carry: outside them a date is an error, not a time to compute with.</summary>
    public static readonly DateTimeOffset EarliestTime = new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset LatestTime = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// An ISO 8601 time (or what DateTimeOffset reads invariantly), in UTC; null when unparseable or outside
    /// 1990–2200, so year 1 or 9999 never reaches window arithmetic or passes for "after the as-of".
    /// </summary>
    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) && t >= EarliestTime && t < LatestTime ? t : null;

    /// <summary>A value's kind as a message says it: "a string", "an array", "null"…</summary>
    public static string KindText(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        JsonValueKind.Undefined => "missing",
        _ => "a boolean",
    };

    /// <summary>
    /// The items of a list of records, each of which must be an object: a string, number or array where a record
    /// belongs fails the file naming its position, instead of being read as an empty record.
    /// </summary>
    public static IEnumerable<JsonElement> Objects(IEnumerable<JsonElement> items, string displayName, string list)
    {
        var i = 0;
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InputFormatException(displayName, $"{list}[{i}]", $"is {KindText(item.ValueKind)}, expected an object");
            }

            i++;
            yield return item;
        }
    }

    /// <summary>
    /// The records of a REST list response: a bare array, or an object wrapping it under <paramref name="property"/>
    /// (GitHub's total_count + list, Azure DevOps' count + value).
    /// </summary>
    public static IEnumerable<JsonElement> ArrayOrList(JsonElement root, string property, string display) =>
        root.ValueKind switch
        {
            JsonValueKind.Array => Objects(root.EnumerateArray(), display, property),
            JsonValueKind.Object when root.Prop(property) is { ValueKind: JsonValueKind.Array } a => Objects(a.EnumerateArray(), display, property),
            _ => throw new InputFormatException(display, "line 1", $"expected a JSON array or an object with a '{property}' array"),
        };

    public static IEnumerable<JsonElement> Items(this JsonElement? e) =>
        e?.ValueKind == JsonValueKind.Array ? e.Value.EnumerateArray() : [];

    /// <summary>A string or array-of-strings value as a list (IAM policies allow both).</summary>
    public static IReadOnlyList<string> StringOrArray(this JsonElement? e) => e?.ValueKind switch
    {
        JsonValueKind.String => [e.Value.Text()],
        JsonValueKind.Array => e.Value.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.Text()).ToList(),
        _ => [],
    };

    /// <summary>Parses a whole (small) JSON file, or throws <see cref="InputFormatException"/> with line and byte.</summary>
    public static JsonDocument ParseFile(string path, string displayName)
    {
        try
        {
            using var stream = JsonRecordStream.Open(path, displayName);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InputFormatException(displayName, $"line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}", $"malformed JSON: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InputFormatException(displayName, "start", $"corrupt compressed data: {e.Message}", e);
        }
    }
}
