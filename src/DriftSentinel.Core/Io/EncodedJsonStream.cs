using System.Text;

namespace DriftSentinel.Core.Io;

/// <summary>
/// Opens JSON text whatever byte-order mark it starts with: UTF-8 with or without a BOM is passed through (BOM
/// dropped), UTF-16 with a BOM (what Windows PowerShell 5.1's <c>&gt;</c> writes) is transcoded to UTF-8, and UTF-32 is
/// refused with an error naming the encoding.
/// </summary>
internal static class EncodedJsonStream
{
    /// <summary>Wraps <paramref name="raw"/> so it reads as UTF-8 without a BOM.</summary>
    public static Stream Utf8(Stream raw, string displayName)
    {
        var head = new byte[4];
        var n = 0;
        int read;
        try
        {
            while (n < head.Length && (read = raw.Read(head, n, head.Length - n)) > 0)
            {
                n += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InputFormatException(displayName, "start", $"corrupt compressed data: {e.Message}", e);
        }

        var prefix = head.AsSpan(0, n);
        if (prefix.StartsWith(new byte[] { 0xFF, 0xFE, 0, 0 }) || prefix.StartsWith(new byte[] { 0, 0, 0xFE, 0xFF }))
        {
            throw new InputFormatException(displayName, "start", "the file is UTF-32 (byte-order mark found); expected UTF-8 JSON, or UTF-16 with a byte-order mark");
        }

        if (prefix.StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }))
        {
            return new PrefixedStream(head[3..n], raw);
        }

        if (prefix.StartsWith(new byte[] { 0xFF, 0xFE }))
        {
            return Encoding.CreateTranscodingStream(new PrefixedStream(head[2..n], raw), Encoding.Unicode, Encoding.UTF8);
        }

        if (prefix.StartsWith(new byte[] { 0xFE, 0xFF }))
        {
            return Encoding.CreateTranscodingStream(new PrefixedStream(head[2..n], raw), Encoding.BigEndianUnicode, Encoding.UTF8);
        }

        return new PrefixedStream(head[..n], raw);
    }

    /// <summary>A read-only stream that first returns a few already-read bytes, then the rest of the inner stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : ReadOnlyWrapperStream(inner)
    {
        private int _offset;

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _offset);
                prefix.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }

            return Inner.Read(buffer);
        }
    }
}
