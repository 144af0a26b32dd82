namespace DriftSentinel.Reporting;

/// <summary>Neutralises spreadsheet formula injection: a cell starting with = + - @ tab, CR or LF is prefixed with an apostrophe.</summary>
public static class CsvSafety
{
    public static string Neutralise(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        return value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' ? "'" + value : value;
    }
}
