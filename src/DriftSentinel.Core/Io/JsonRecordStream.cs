using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace DriftSentinel.Core.Io;

/// <summary>What a <see cref="DirectRecordParser{T}"/> made of a record.</summary>
public enum DirectParse
{
    /// <summary>Read to its end: the item (or null, for a record not wanted) is the result.</summary>
    Mapped,

    /// <summary>The record continues past the bytes read so far: try again with more.</summary>
    NeedMoreData,

    /// <summary>Not a shape the parser takes on: parse it as a document and map it the general way.</summary>
    Fallback,
}

/// <summary>
/// Maps one record straight from the reader, positioned on its opening brace, without building a document;
/// <paramref name="data"/> is the span the reader reads (token indexes are into it).
/// </summary>
public delegate DirectParse DirectRecordParser<T>(ref Utf8JsonReader reader, ReadOnlySpan<byte> data, long index, out T? item)
    where T : class;

/// <summary>
/// Streams the elements of a JSON array — top level, or under one of the named properties of the top-level object —
/// parsing one element at a time, so a file of millions of records is read in bounded memory.
/// </summary>
public static class JsonRecordStream
{
    private const int InitialBuffer = 64 * 1024;
    private const int MaxBuffer = 256 * 1024 * 1024;

    private enum Phase
    {
        Start,
        InObject,
        SkipValue,
        ExpectArray,
        InArray,
        Values,
        Done,
    }

    /// <summary>
    /// Opens a file as UTF-8 JSON text: gunzips names ending in .gz, drops a UTF-8 byte-order mark and transcodes
    /// UTF-16 (see <see cref="EncodedJsonStream"/>).
    /// </summary>
    public static Stream Open(string path, string? displayName = null) => Open(path, displayName, null);

    private static Stream Open(string path, string? displayName, Engine.ScanProgress? progress)
    {
        Stream file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (progress is not null)
        {
            progress.FileOpened();
            file = new CountingReadStream(file, progress);
        }

        Stream raw = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return EncodedJsonStream.Utf8(raw, displayName ?? Path.GetFileName(path));
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the records of a file whatever its framing: an array (top level or under one of
    /// <paramref name="arrayProperties"/>), or a stream of records (JSON Lines, or values concatenated as Firehose
    /// delivers them), recognised by a .jsonl name or by a first object carrying one of <paramref name="recordProperties"/>.
    /// </summary>
    public static IEnumerable<T> ReadFile<T>(string path, string displayName, Func<JsonElement, long, T?> map, string[] recordProperties, params string[] arrayProperties)
        where T : class => ReadFile(path, displayName, null, map, recordProperties, arrayProperties);

    /// <summary>
    /// As above, first offering each record to <paramref name="direct"/>, which reads the common shape straight from
    /// the bytes; what it declines is parsed as a document and given to <paramref name="map"/>.
    /// </summary>
    public static IEnumerable<T> ReadFile<T>(string path, string displayName, DirectRecordParser<T>? direct, Func<JsonElement, long, T?> map, string[] recordProperties, params string[] arrayProperties)
        where T : class
    {
        var jsonLines = path.Contains(".jsonl", StringComparison.OrdinalIgnoreCase);
        var stream = Open(path, displayName, Engine.ScanProgress.Current.Value);
        var values = jsonLines;
        if (!jsonLines && recordProperties.Length > 0)
        {
            // The framing is decided from the first MiB, which is then replayed: each file is inflated once.
            var prefix = ArrayPool<byte>.Shared.Rent(SniffBytes);
            var length = 0;
            try
            {
                int n;
                while (length < SniffBytes && (n = stream.Read(prefix, length, SniffBytes - length)) > 0)
                {
                    length += n;
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // A corrupt or truncated member: read it again from the start so the full read reports where.
                ArrayPool<byte>.Shared.Return(prefix);
                stream.Dispose();
                stream = Open(path, displayName);
                length = -1;
            }

            if (length >= 0)
            {
                values = StartsWithRecord(prefix.AsSpan(0, length), length < SniffBytes, recordProperties, arrayProperties);
                stream = new PrefixedStream(prefix, length, stream);
            }
        }

        using (stream)
        {
            foreach (var item in Read(stream, displayName, direct, map, values, arrayProperties))
            {
                yield return item;
            }
        }
    }

    /// <summary>How much of a file decides its framing.</summary>
    private const int SniffBytes = 1 << 20;

    /// <summary>
    /// Maps each array element to a value (null to skip it). <paramref name="displayName"/> names the file in errors.
    /// Throws <see cref="InputFormatException"/> naming the record index, line and byte when the JSON is malformed or truncated.
    /// </summary>
    public static IEnumerable<T> Read<T>(Stream stream, string displayName, Func<JsonElement, long, T?> map, params string[] arrayProperties)
        where T : class => Read(stream, displayName, null, map, values: false, arrayProperties);

    /// <summary>
    /// Maps each top-level value of a stream of JSON values: JSON Lines, or values simply concatenated as Kinesis
    /// Firehose delivers them.
    /// </summary>
    public static IEnumerable<T> ReadValues<T>(Stream stream, string displayName, Func<JsonElement, long, T?> map)
        where T : class => Read(stream, displayName, null, map, values: true, []);

    /// <summary>
    /// True when the first top-level object is itself a record (it has one of <paramref name="recordProperties"/>
    /// before any of <paramref name="arrayProperties"/>), so the file is a stream of records, not one document.
    /// Looks at the bytes given (the first MiB of the file); <paramref name="complete"/> when they are the whole file.
    /// </summary>
    internal static bool StartsWithRecord(ReadOnlySpan<byte> head, bool complete, string[] recordProperties, string[] arrayProperties)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: complete, new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = SafeName(ref reader);
                if (arrayProperties.Contains(name))
                {
                    return false;
                }

                if (recordProperties.Contains(name))
                {
                    return true;
                }

                if (!reader.TrySkip())
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed: let the full read report where.
        }

        return false;
    }

    // A property name that is not valid text is not one of ours: treat it as unknown rather than fail the file.
    private static string? SafeName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static IEnumerable<T> Read<T>(Stream stream, string displayName, DirectRecordParser<T>? direct, Func<JsonElement, long, T?> map, bool values, string[] arrayProperties)
        where T : class
    {
        var buffer = new byte[InitialBuffer];
        var length = 0;
        var final = false;
        var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowMultipleValues = values });
        var phase = values ? Phase.Values : Phase.Start;
        long index = 0;
        var batch = new List<T>();

        while (true)
        {
            final = Fill(stream, displayName, buffer, ref length, final, index);
            var consumed = 0;
            InputFormatException? fault = null;
            try
            {
                consumed = Process(buffer.AsSpan(0, length), final, ref state, ref phase, ref index, batch, direct, map, arrayProperties);
            }
            catch (JsonException e)
            {
                fault = new InputFormatException(displayName, $"record {index}, line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}", $"malformed JSON: {e.Message}", e);
            }

            // Records parsed before a fault in the same buffer are delivered before the fault is raised.
            foreach (var item in batch)
            {
                yield return item;
            }

            batch.Clear();
            if (fault is not null)
            {
                throw fault;
            }

            if (phase == Phase.Done)
            {
                yield break;
            }

            if (final && phase == Phase.Values && buffer.AsSpan(consumed, length - consumed).Trim(" \t\r\n"u8).IsEmpty)
            {
                yield break;
            }

            if (final && (consumed == length || consumed == 0))
            {
                throw new InputFormatException(displayName, $"record {index}", phase == Phase.InObject
                    ? $"no array found; expected a top-level array or a property named {string.Join(" or ", arrayProperties)}"
                    : "unexpected end of data: the file is truncated");
            }

            if (consumed == 0 && length == buffer.Length)
            {
                if (buffer.Length >= MaxBuffer)
                {
                    throw new InputFormatException(displayName, $"record {index}", $"a single record is larger than {MaxBuffer / (1024 * 1024)} MiB");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }
            else
            {
                Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
                length -= consumed;
            }
        }
    }

    private static bool Fill(Stream stream, string displayName, byte[] buffer, ref int length, bool final, long index)
    {
        if (final)
        {
            return true;
        }

        try
        {
            while (length < buffer.Length)
            {
                var n = stream.Read(buffer, length, buffer.Length - length);
                if (n == 0)
                {
                    return true;
                }

                length += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InputFormatException(displayName, $"record {index}", $"corrupt compressed data: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new InputFormatException(displayName, $"record {index}", $"read error: {e.Message}", e);
        }

        return false;
    }

    private static int Process<T>(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, ref Phase phase, ref long index, List<T> batch, DirectRecordParser<T>? direct, Func<JsonElement, long, T?> map, string[] arrayProperties)
        where T : class
    {
        var reader = new Utf8JsonReader(data, final, state);
        while (phase != Phase.Done)
        {
            var save = reader;
            if (!reader.Read())
            {
                reader = save;
                break;
            }

            switch (phase)
            {
                case Phase.Start:
                    phase = reader.TokenType switch
                    {
                        JsonTokenType.StartArray => Phase.InArray,
                        JsonTokenType.StartObject => Phase.InObject,
                        _ => throw new JsonException($"expected a JSON object or array, found {reader.TokenType}", null, 0, 0),
                    };
                    break;
                case Phase.InObject:
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        // Consumed the whole object without finding the array: the caller reports it.
                        return data.Length;
                    }

                    var name = SafeName(ref reader);
                    phase = arrayProperties.Contains(name) ? Phase.ExpectArray : Phase.SkipValue;
                    break;
                case Phase.SkipValue:
                    if (!reader.TrySkip())
                    {
                        reader = save;
                        goto needMore;
                    }

                    phase = Phase.InObject;
                    break;
                case Phase.ExpectArray:
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new JsonException($"expected an array, found {reader.TokenType}");
                    }

                    phase = Phase.InArray;
                    break;
                case Phase.InArray or Phase.Values:
                    if (reader.TokenType == JsonTokenType.EndArray && phase == Phase.InArray)
                    {
                        phase = Phase.Done;
                        break;
                    }

                    if (phase == Phase.Values && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                    {
                        throw new JsonException($"expected a JSON object, found {reader.TokenType}");
                    }

                    if (direct is not null && reader.TokenType == JsonTokenType.StartObject)
                    {
                        var attempt = reader;
                        var outcome = direct(ref attempt, data, index, out var mapped);
                        if (outcome == DirectParse.NeedMoreData && !final)
                        {
                            reader = save;
                            goto needMore;
                        }

                        if (outcome == DirectParse.Mapped)
                        {
                            reader = attempt;
                            index++;
                            if (mapped is not null)
                            {
                                batch.Add(mapped);
                            }

                            break;
                        }
                    }

                    if (!JsonDocument.TryParseValue(ref reader, out var doc))
                    {
                        reader = save;
                        goto needMore;
                    }

                    using (doc)
                    {
                        var item = map(doc!.RootElement, index);
                        index++;
                        if (item is not null)
                        {
                            batch.Add(item);
                        }
                    }

                    break;
            }
        }

    needMore:
        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    /// <summary>Counts the bytes read from disk into the scan's progress (compressed bytes, as the ETA's total is).</summary>
    private sealed class CountingReadStream(Stream inner, Engine.ScanProgress progress) : ReadOnlyWrapperStream(inner)
    {
        public override int Read(Span<byte> buffer)
        {
            var n = Inner.Read(buffer);
            progress.Read(n);
            return n;
        }
    }
}

/// <summary>A stream that first replays bytes already read from another (pooled, returned on dispose), then continues it.</summary>
internal sealed class PrefixedStream(byte[] prefix, int length, Stream rest) : ReadOnlyWrapperStream(rest)
{
    private byte[]? _prefix = prefix;
    private int _offset;

    public override int Read(Span<byte> buffer)
    {
        if (_prefix is { } p && _offset < length)
        {
            var n = Math.Min(buffer.Length, length - _offset);
            p.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        return Inner.Read(buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _prefix is { } p)
        {
            _prefix = null;
            ArrayPool<byte>.Shared.Return(p);
        }

        base.Dispose(disposing);
    }
}
