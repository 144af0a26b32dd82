using System.Globalization;
using DriftSentinel.Core.Access;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>Writes findings.csv and access-review.csv, every cell neutralised against formula injection.</summary>
public static class CsvReportWriter
{
    /// <summary>One row per finding; a recorded run adds the lifecycle columns (history_status, first and last seen across runs, runs seen, exception_expired).</summary>
    public static void WriteFindings(ScanResult result, TextWriter output, RunHistoryReport? history = null)
    {
        using var csv = new CsvTableWriter(output);
        string?[] header = ["fingerprint", "rule_id", "title", "severity", "status", "environment", "cloud", "account", "principal", "resource",
            "first_seen", "last_seen", "occurrences", "message", "details", "evidence", "exception_owner", "exception_reason", "exception_ticket", "exception_expires"];
        string?[] historyHeader = ["history_status", "history_first_seen", "history_last_seen", "history_times_seen", "exception_expired"];
        Row(csv, history is null ? header : [.. header, .. historyHeader]);
        foreach (var f in result.Findings)
        {
            string?[] cells = [f.Fingerprint, f.RuleId, f.Title, f.Severity.ToText(), ReportFormat.Status(f), f.Environment, f.Cloud.ToText(), f.Account, f.Principal, f.Resource,
                ReportFormat.Time(f.FirstSeen), ReportFormat.Time(f.LastSeen), f.Occurrences.ToString(CultureInfo.InvariantCulture), f.Message, ReportFormat.Details(f), ReportFormat.Evidence(f),
                f.Suppression?.Owner, f.Suppression?.Reason, f.Suppression?.Ticket, f.Suppression?.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)];
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
        var stale = result.Baseline.Thresholds.StaleAfterDays;
        var asOf = ReportFormat.Time(result.Run.AsOf);
        var window = $"{ReportFormat.Time(result.Run.AsOf.AddDays(-stale))}/{asOf}";
        var findingsByPrincipal = result.Active
            .Where(f => f.Principal is not null)
            .GroupBy(f => (f.Account ?? "", f.Principal!.ToLowerInvariant()))
            .ToDictionary(g => g.Key, g => g.ToList());

        foreach (var e in result.Entitlements)
        {
            var days = e.LastUsed is { } used ? (int?)(result.Run.AsOf - used).TotalDays : null;
            var credentialAge = e.CredentialCreated is { } c ? (int?)(result.Run.AsOf - c).TotalDays : null;
            var related = findingsByPrincipal.GetValueOrDefault((e.Account, e.PrincipalId.ToLowerInvariant()))
                ?? findingsByPrincipal.GetValueOrDefault((e.Account, e.PrincipalName.ToLowerInvariant()))
                ?? [];
            var ids = string.Join(" ", related.Select(f => $"{f.RuleId}:{f.Fingerprint}").Distinct());
            var (recommendation, reason) = Recommend(e, days, stale, result.Run.AsOf, related);
            Row(csv, asOf, window, e.Cloud.ToText(), e.Environment, e.Account, e.PrincipalId, e.PrincipalName, e.Kind.ToText(), e.Name, e.Scope, e.Privileged ? "yes" : "no",
                e.AssignmentType, e.GrantedVia, ReportFormat.Time(e.Created), ReportFormat.Time(e.LastUsed), e.LastUsedSource, days?.ToString(CultureInfo.InvariantCulture),
                UsageEvidence(e, days, stale, result.Run.AsOf), e.Mfa is null ? "" : e.Mfa.Value ? "yes" : "no", credentialAge?.ToString(CultureInfo.InvariantCulture), ids, recommendation, reason, "", "", "", "");
        }
    }

    /// <summary>What the sources say about use: last used, never used (and over which span), or unknown.</summary>
    public static string UsageEvidence(Entitlement e, int? daysSinceUse, int staleDays, DateTimeOffset asOf) =>
        daysSinceUse is { } d ? $"used {d} days ago ({e.LastUsedSource})"
        : e.EvidenceCovers(asOf, staleDays) || e.EvidenceSinceCreation ? $"never used ({e.EvidenceWindow})"
        : e.UnknownUsage(asOf, staleDays);

    /// <summary>keep / review / revoke with the reason a reviewer needs; never revoke on evidence that does not cover the span.</summary>
    public static (string, string) Recommend(Entitlement e, int? daysSinceUse, int staleDays, DateTimeOffset asOf, IReadOnlyList<Core.Findings.Finding> findings)
    {
        var high = findings.Where(f => f.Severity >= Severity.High).Select(f => f.RuleId).Distinct().ToList();
        if (e.Kind == PrincipalKind.Root)
        {
            // The root user cannot be removed; what a reviewer can do is take its keys away and lock it down.
            return ("review", "root cannot be revoked: delete its access keys, keep MFA on it and its password in the break-glass safe"
                + (high.Count > 0 ? $"; open finding {string.Join(", ", high)}" : ""));
        }

        var neverUsedAndOld = daysSinceUse is null && e.Created is { } created && (asOf - created).TotalDays > staleDays;
        var unusedClaim = daysSinceUse > staleDays || neverUsedAndOld;
        var known = daysSinceUse is not null || e.EvidenceCovers(asOf, staleDays);
        if (e.Privileged && unusedClaim && known)
        {
            return ("revoke", daysSinceUse is null ? $"privileged and never used in {(int)(asOf - e.Created!.Value).TotalDays} days ({e.EvidenceWindow})" : $"privileged and unused for {daysSinceUse} days");
        }

        if (high.Count > 0)
        {
            return ("review", $"open finding {string.Join(", ", high)}" + (unusedClaim && !known ? $"; use {e.UnknownUsage(asOf, staleDays)}" : ""));
        }

        // A finding about this very credential (an old or unused key) is never "keep", whatever its severity.
        var own = findings.Where(f => f.Resource is not null && f.Resource.Equals(e.Name, StringComparison.OrdinalIgnoreCase)).Select(f => f.RuleId).Distinct().ToList();
        if (own.Count > 0)
        {
            return ("review", $"open finding {string.Join(", ", own)} on this {e.Name}");
        }

        if (unusedClaim && !known)
        {
            return ("review", e.UnknownUsage(asOf, staleDays));
        }

        if (unusedClaim)
        {
            return ("revoke", daysSinceUse is null ? $"never used ({e.EvidenceWindow})" : $"unused for {daysSinceUse} days");
        }

        if (e.AssignmentType == "active JIT")
        {
            return ("keep", $"time-bound activation{(e.End is { } end ? $" until {ReportFormat.Time(end)}" : "")}, {(daysSinceUse is null ? "not used during it" : "used during it")}");
        }

        if (e.Privileged && e.Kind == PrincipalKind.Human && e.AssignmentType == "standing")
        {
            return ("review", "standing privileged access held by a person");
        }

        if (daysSinceUse is null && e.AssignmentType != "eligible")
        {
            return ("review", e.EvidenceSince is null ? "no usage data: no source that records use was read"
                : e.EvidenceSinceCreation ? $"not used since it was created on {e.Created:yyyy-MM-dd} ({e.EvidenceWindow})"
                : $"no use seen in the {e.ObservedDays(asOf)} days observed ({e.EvidenceWindow})");
        }

        return ("keep", e.Privileged ? "privileged, in use" : "in use");
    }

    private static void Row(CsvTableWriter csv, params string?[] cells) => csv.WriteRow(cells);
}
