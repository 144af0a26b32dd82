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

    public static string? Str(this JsonElement e, params string[] names)
    {
        var v = e.Prop(names);
        return v?.ValueKind switch
        {
            JsonValueKind.String => v.Value.GetString(),
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
        return v?.ValueKind == JsonValueKind.String ? v.Value.GetString() : v?.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? v.Value.GetRawText() : null;
    }

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

        return v.Value.ValueKind == JsonValueKind.String && long.TryParse(v.Value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : null;
    }

    public static bool? Bool(this JsonElement e, params string[] names)
    {
        var v = e.Prop(names);
        return v?.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(v.Value.GetString(), out var b) ? b : null,
            _ => null,
        };
    }

    public static DateTimeOffset? Time(this JsonElement e, params string[] names) => ParseTime(e.Str(names));

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    public static IEnumerable<JsonElement> Items(this JsonElement? e) =>
        e?.ValueKind == JsonValueKind.Array ? e.Value.EnumerateArray() : [];

    /// <summary>A string or array-of-strings value as a list (IAM policies allow both).</summary>
    public static IReadOnlyList<string> StringOrArray(this JsonElement? e) => e?.ValueKind switch
    {
        JsonValueKind.String => [e.Value.GetString()!],
        JsonValueKind.Array => e.Value.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList(),
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
