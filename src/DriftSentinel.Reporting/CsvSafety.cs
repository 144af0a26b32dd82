namespace DriftSentinel.Reporting;

/// <summary>
/// Neutralises spreadsheet formula injection: a cell starting with = + - @ tab, CR or LF is prefixed with an
/// apostrophe, except a plain number (-3, -0.5), which no spreadsheet runs and a reader wants to see as a number. A
/// spreadsheet opened in another locale may split a cell on ; or tab, so a formula character right after , ; or tab
/// inside a cell gets an apostrophe too ("x;=cmd" is written "x;'=cmd").
/// </summary>
internal static class CsvSafety
{
    public static string Neutralise(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '-' or '+' && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) && !value.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        var text = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' ? "'" + value : value;
        if (text.AsSpan(1).IndexOfAny(",;\t") < 0)
        {
            return text;
        }

        var sb = new System.Text.StringBuilder(text.Length + 4);
        for (var i = 0; i < text.Length; i++)
        {
            sb.Append(text[i]);
            if (text[i] is ',' or ';' or '\t' && i + 1 < text.Length && text[i + 1] is '=' or '+' or '-' or '@')
            {
                sb.Append('\'');
            }
        }

        return sb.ToString();
    }
}
