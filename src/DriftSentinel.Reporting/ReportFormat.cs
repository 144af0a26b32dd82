using DriftSentinel.Core.Findings;

namespace DriftSentinel.Reporting;

/// <summary>Formatting shared by the report writers.</summary>
public static class ReportFormat
{
    public static string Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) ?? "";

    public static string Status(Finding f) => f.Suppression switch
    {
        null => "open",
        { Expired: true } => "open (exception expired)",
        { IsAcceptance: true } => "accepted",
        _ => "suppressed",
    };

    /// <summary>A baseline exception or acceptance in one line: who, until when (or that it expired), why.</summary>
    public static string Exception(Suppression s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var day = s.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var until = s.Expired ? $"expired {day}" : $"until {day}";
        return s.IsAcceptance ? $"accepted by {s.AcceptedBy}, {until}: {s.Reason}" : $"baseline exception owned by {s.Owner}, {until}: {s.Reason}";
    }

    public static string Evidence(Finding f) => string.Join(" | ", f.Evidence.Select(e => $"{e.Kind}: {e.Reference}{(e.Detail is null ? "" : $" ({e.Detail})")}"));

    public static string Details(Finding f) => string.Join("; ", f.Details.Select(kv => $"{kv.Key}={kv.Value}"));
}
