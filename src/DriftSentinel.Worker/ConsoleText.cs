using System.Globalization;
using System.Text;

namespace DriftSentinel.Worker;

/// <summary>
/// Makes text from the scanned data safe to print on one console line: control characters (a line break in a file
/// name could forge a "GAP none" line), terminal escapes and bidirectional overrides are shown as \xNN / \uNNNN.
/// </summary>
public static class ConsoleText
{
    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var unsafeChar = char.IsControl(c) || c is '\u2028' or '\u2029' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
            if (!unsafeChar)
            {
                sb?.Append(c);
                continue;
            }

            sb ??= new StringBuilder(text, 0, i, text.Length + 16);
            sb.Append(c <= '\u00FF' ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
        }

        return sb?.ToString() ?? text;
    }
}
