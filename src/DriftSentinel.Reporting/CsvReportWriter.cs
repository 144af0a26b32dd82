using System.Globalization;
using DriftSentinel.Core.Access;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>Writes findings.csv and access-review.csv, every cell neutralised against formula injection.</summary>
internal static class CsvReportWriter
{
    /// <summary>One row per finding; a recorded run adds the lifecycle columns (history_status, first and last seen across runs, runs seen, exception_expired).</summary>
    public static void WriteFindings(ScanResult result, TextWriter output, RunHistoryReport? history = null)
    {
        using var csv = new CsvTableWriter(output);
        string?[] header = ["fingerprint", "rule_id", "title", "severity", "status", "environment", "cloud", "account", "principal", "resource",
            "first_seen", "last_seen", "occurrences", "message", "details", "evidence", "exception_owner", "exception_reason", "exception_ticket", "exception_expires", "compliance", "remediation"];
        string?[] historyHeader = ["history_status", "history_first_seen", "history_last_seen", "history_times_seen", "exception_expired"];
        Row(csv, history is null ? header : [.. header, .. historyHeader]);
        foreach (var f in result.Findings)
        {
            string?[] cells = [f.Fingerprint, f.RuleId, f.Title, f.Severity.ToText(), ReportFormat.Status(f), f.Environment, f.Cloud.ToText(), f.Account, f.Principal, f.Resource,
                ReportFormat.Time(f.FirstSeen), ReportFormat.Time(f.LastSeen), f.Occurrences.ToString(CultureInfo.InvariantCulture), f.Message, ReportFormat.Details(f), ReportFormat.Evidence(f),
                f.Suppression?.Owner, f.Suppression?.Reason, f.Suppression?.Ticket, f.Suppression?.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                string.Join("; ", result.Catalogue.ControlsOf(f.RuleId).Select(c => $"{c.Framework} {c.Control}")), result.Catalogue.Rules.TryGetValue(f.RuleId, out var rule) ? rule.Remediation : null];
            if (history?.Lifecycle(f.Fingerprint) is { } s)
            {
                cells = [.. cells, RunHistoryReport.Text(s.Status), ReportFormat.Time(s.FirstSeen), ReportFormat.Time(s.LastSeen), s.TimesSeen.ToString(CultureInfo.InvariantCulture), s.AcceptanceExpired ? "yes" : "no"];
            }
            else if (history is not null)
            {
                cells = [.. cells, "", "", "", "", ""];
            }

            Row(csv, cells);
        }
    }

    public static void WriteAccessReview(ScanResult result, TextWriter output)
    {
        using var csv = new CsvTableWriter(output);
        Row(csv, "as_of", "review_window", "cloud", "environment", "account", "principal_id", "principal_name", "principal_type", "entitlement", "scope", "privileged", "assignment_type",
            "granted_via", "created", "last_used", "last_used_source", "days_since_last_use", "usage_evidence", "mfa", "credential_age_days", "open_finding_ids",
            "recommendation", "recommendation_reason", "decision", "reviewer", "decided_on", "justification");
        var asOf = ReportFormat.Time(result.Run.AsOf);
        var window = $"{ReportFormat.Time(result.Run.AsOf.AddDays(-result.Baseline.Thresholds.StaleAfterDays))}/{asOf}";
        foreach (var r in AccessReview.Rows(result))
        {
            var e = r.Entitlement;
            Row(csv, asOf, window, e.Cloud.ToText(), e.Environment, e.Account, e.PrincipalId, e.PrincipalName, e.Kind.ToText(), e.Name, e.Scope, e.Privileged ? "yes" : "no",
                e.AssignmentType, e.GrantedVia, ReportFormat.Time(e.Created), ReportFormat.Time(e.LastUsed), e.LastUsedSource, r.DaysSinceUse?.ToString(CultureInfo.InvariantCulture),
                r.UsageEvidence, e.Mfa is null ? "" : e.Mfa.Value ? "yes" : "no", r.CredentialAgeDays?.ToString(CultureInfo.InvariantCulture), string.Join(" ", r.OpenFindingIds),
                r.Recommendation.ToText(), r.Reason, "", "", "", "");
        }
    }

    private static void Row(CsvTableWriter csv, params string?[] cells) => csv.WriteRow(cells);
}
