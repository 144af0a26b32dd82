using System.Globalization;
using System.Text.Json;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>
/// `findings list --format csv|json`: the history store's findings with their lifecycle, principal and any
/// acceptance, for spreadsheets and scripts. CSV cells are neutralised like every other CSV DriftSentinel writes.
/// </summary>
public static class FindingListWriter
{
    private static readonly string[] Columns =
        ["fingerprint", "profile", "status", "severity", "rule_id", "title", "environment", "scope", "principal", "first_seen", "last_seen", "times_seen",
         "resolved_at", "exception_expired", "accepted_by", "accepted_until", "acceptance_reason", "acceptance_ticket"];

    public static void WriteCsv(IReadOnlyList<FindingState> findings, IReadOnlyDictionary<string, TriageDecision> triage, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(triage);
        using var csv = new CsvTableWriter(output);
        csv.WriteRow(Columns);
        foreach (var f in findings)
        {
            var a = Acceptance(f, triage);
            csv.WriteRow(f.Fingerprint, f.Profile, Status(f), f.Severity.ToText(), f.RuleId, f.Title, f.Environment, f.Scope, f.Principal, ReportFormat.Time(f.FirstSeen),
                ReportFormat.Time(f.LastSeen), f.TimesSeen.ToString(CultureInfo.InvariantCulture), ReportFormat.Time(f.ResolvedAt), f.AcceptanceExpired ? "yes" : "no",
                a?.DecidedBy, a is null ? null : a.Until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), a?.Reason, a?.Ticket);
        }
    }

    public static void WriteJson(IReadOnlyList<FindingState> findings, IReadOnlyDictionary<string, TriageDecision> triage, Stream output)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(triage);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("count", findings.Count);
        w.WriteStartArray("findings");
        foreach (var f in findings)
        {
            w.WriteStartObject();
            w.WriteString("fingerprint", f.Fingerprint);
            w.WriteString("profile", f.Profile);
            w.WriteString("status", Status(f));
            w.WriteString("severity", f.Severity.ToText());
            w.WriteString("rule_id", f.RuleId);
            w.WriteString("title", f.Title);
            w.WriteString("environment", f.Environment);
            w.WriteString("scope", f.Scope);
            w.WriteString("principal", f.Principal);
            w.WriteString("first_seen", ReportFormat.Time(f.FirstSeen));
            w.WriteString("last_seen", ReportFormat.Time(f.LastSeen));
            w.WriteNumber("times_seen", f.TimesSeen);
            if (f.ResolvedAt is { } resolved)
            {
                w.WriteString("resolved_at", ReportFormat.Time(resolved));
            }
            else
            {
                w.WriteNull("resolved_at");
            }

            w.WriteBoolean("exception_expired", f.AcceptanceExpired);
            if (Acceptance(f, triage) is { } a)
            {
                w.WriteStartObject("acceptance");
                w.WriteString("accepted_by", a.DecidedBy);
                w.WriteString("accepted_at", ReportFormat.Time(a.DecidedAt));
                w.WriteString("until", a.Until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.WriteString("reason", a.Reason);
                w.WriteString("ticket", a.Ticket);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("acceptance");
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Status(FindingState f) => RunHistoryReport.Text(f.Status);

    /// <summary>The acceptance in force for a finding the history marks accepted.</summary>
    private static TriageDecision? Acceptance(FindingState f, IReadOnlyDictionary<string, TriageDecision> triage) =>
        f.Status == FindingStatus.Accepted && triage.TryGetValue(f.Fingerprint, out var d) ? d : null;
}
