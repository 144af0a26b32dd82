using System.Text.Encodings.Web;
using System.Text.Json;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>Writes findings.json: run, coverage, production changes and findings.</summary>
internal static class JsonReportWriter
{
    public static void Write(ScanResult result, Stream output, RunHistoryReport? history = null)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();

        w.WriteStartObject("run");
        w.WriteString("as_of", ReportFormat.Time(result.Run.AsOf));
        w.WriteString("organization", result.Run.Organization);
        w.WriteString("snapshot", result.Run.Snapshot);
        w.WriteString("baseline", result.Run.BaselineFile);
        w.WriteString("baseline_sha256", result.Run.BaselineHash);
        w.WriteNumber("events_read", result.Run.EventsRead);
        w.WriteStartArray("inputs_read");
        foreach (var i in result.Run.InputsRead)
        {
            w.WriteStringValue(i);
        }

        w.WriteEndArray();
        w.WriteStartObject("rule_versions");
        foreach (var (id, v) in result.Run.RuleVersions.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(id, v);
        }

        w.WriteEndObject();
        w.WriteStartArray("rules_not_evaluated");
        foreach (var id in Core.Rules.RuleSelection.NotEvaluated(result.Catalogue, result.Run.RuleVersions))
        {
            w.WriteStringValue(id);
        }

        w.WriteEndArray();
        w.WriteStartObject("totals");
        w.WriteNumber("findings", result.Findings.Count);
        w.WriteNumber("open", result.Active.Count());
        w.WriteNumber("suppressed", result.Findings.Count(f => f.IsSuppressed));
        w.WriteNumber("coverage_gaps", result.Gaps.Count());
        foreach (var s in Enum.GetValues<Severity>().Reverse())
        {
            w.WriteNumber(s.ToText(), result.Active.Count(f => f.Severity == s));
        }

        w.WriteEndObject();
        w.WriteStartObject("production_changes");
        foreach (var (c, n) in result.ProductionChangeCounts.OrderBy(kv => kv.Key))
        {
            w.WriteNumber(ChangeText.Of(c), n);
        }

        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("coverage");
        var gaps = result.Gaps.ToHashSet();
        foreach (var c in result.Coverage)
        {
            w.WriteStartObject();
            w.WriteString("source", c.Source);
            w.WriteString("scope", c.Scope);
            w.WriteString("status", c.Status.ToText());
            w.WriteBoolean("gap", gaps.Contains(c));
            w.WriteNumber("items", c.Items);
            if (c.Detail is not null)
            {
                w.WriteString("detail", c.Detail);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();

        // The catalogue's compliance mapping as data: every control, the rules that evidence it, and what is open.
        w.WriteStartArray("controls");
        var active = result.Active.GroupBy(f => f.RuleId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var (framework, controls) in result.Catalogue.Compliance)
        {
            foreach (var (control, rules) in controls)
            {
                w.WriteStartObject();
                w.WriteString("framework", framework);
                w.WriteString("control", control);
                w.WriteStartArray("rules");
                foreach (var rule in rules)
                {
                    w.WriteStringValue(rule);
                }

                w.WriteEndArray();
                w.WriteNumber("open_findings", rules.Sum(r => active.GetValueOrDefault(r)));
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();

        w.WriteStartArray("production_changes");
        foreach (var c in result.ProductionChanges)
        {
            w.WriteStartObject();
            w.WriteString("time", ReportFormat.Time(c.Time));
            w.WriteString("cloud", c.Cloud.ToText());
            w.WriteString("environment", c.Environment);
            w.WriteString("account", c.Account);
            w.WriteString("action", c.Action);
            w.WriteString("principal", c.Principal);
            w.WriteString("resource", c.Resource);
            w.WriteString("classification", ChangeText.Of(c.Classification));
            w.WriteString("justification", c.Justification);
            w.WriteString("event", c.EventReference);
            if (c.Link is not null)
            {
                w.WriteString("link", c.Link);
            }
            w.WriteEndObject();
        }

        w.WriteEndArray();

        if (history is not null)
        {
            WriteHistory(w, history);
        }

        w.WriteStartArray("findings");
        foreach (var f in result.Findings)
        {
            w.WriteStartObject();
            w.WriteString("fingerprint", f.Fingerprint);
            if (history?.Lifecycle(f.Fingerprint) is { } lifecycle)
            {
                w.WriteStartObject("history");
                w.WriteString("status", RunHistoryReport.Text(lifecycle.Status));
                w.WriteString("first_seen", ReportFormat.Time(lifecycle.FirstSeen));
                w.WriteString("last_seen", ReportFormat.Time(lifecycle.LastSeen));
                w.WriteNumber("times_seen", lifecycle.TimesSeen);
                w.WriteBoolean("exception_expired", lifecycle.AcceptanceExpired);
                w.WriteEndObject();
            }

            w.WriteString("rule_id", f.RuleId);
            w.WriteString("title", f.Title);
            w.WriteString("severity", f.Severity.ToText());
            w.WriteString("status", ReportFormat.Status(f));
            w.WriteString("environment", f.Environment);
            w.WriteString("cloud", f.Cloud.ToText());
            w.WriteString("account", f.Account);
            w.WriteString("principal", f.Principal);
            w.WriteString("resource", f.Resource);
            w.WriteString("first_seen", ReportFormat.Time(f.FirstSeen));
            w.WriteString("last_seen", ReportFormat.Time(f.LastSeen));
            w.WriteNumber("occurrences", f.Occurrences);
            w.WriteString("message", f.Message);
            w.WriteStartObject("details");
            foreach (var (k, v) in f.Details)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartArray("evidence");
            foreach (var e in f.Evidence)
            {
                w.WriteStartObject();
                w.WriteString("kind", e.Kind);
                w.WriteString("reference", e.Reference);
                if (e.Detail is not null)
                {
                    w.WriteString("detail", e.Detail);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("compliance");
            foreach (var (framework, control) in result.Catalogue.ControlsOf(f.RuleId))
            {
                w.WriteStringValue($"{framework} {control}");
            }

            w.WriteEndArray();
            if (result.Catalogue.Rules.TryGetValue(f.RuleId, out var rule) && rule.Remediation.Length > 0)
            {
                w.WriteString("remediation", rule.Remediation);
            }

            if (f.Suppression is { } s)
            {
                w.WriteStartObject("exception");
                w.WriteString("source", s.IsAcceptance ? "findings accept" : "baseline");
                w.WriteString("owner", s.Owner);
                w.WriteString("reason", s.Reason);
                w.WriteString("ticket", s.Ticket);
                w.WriteString("expires", s.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteBoolean("expired", s.Expired);
                if (s.IsAcceptance)
                {
                    w.WriteString("accepted_by", s.AcceptedBy);
                    w.WriteString("accepted_at", ReportFormat.Time(s.AcceptedAt));
                }
                else
                {
                    w.WriteNumber("baseline_line", s.BaselineLine);
                }
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteHistory(Utf8JsonWriter w, RunHistoryReport history)
    {
        var recorded = history.Recorded;
        w.WriteStartObject("history");
        w.WriteNumber("run_id", recorded.Run.Id);
        w.WriteString("profile", recorded.Run.Profile);
        if (recorded.Previous is { } previous)
        {
            w.WriteNumber("previous_run_id", previous.Id);
        }
        else
        {
            w.WriteNull("previous_run_id");
        }

        w.WriteStartArray("changes_since_last_run");
        foreach (var (change, state) in history.Changes)
        {
            w.WriteStartObject();
            w.WriteString("change", change);
            w.WriteString("fingerprint", state.Fingerprint);
            w.WriteString("rule_id", state.RuleId);
            w.WriteString("title", state.Title);
            w.WriteString("severity", state.Severity.ToText());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber("not_verified", recorded.Update.NotVerified.Count);
        w.WriteEndObject();
    }
}

/// <summary>Words for production change classifications.</summary>
public static class ChangeText
{
    public static string Of(Core.Rules.ChangeClassification c) => c switch
    {
        Core.Rules.ChangeClassification.ApprovedPipelineRun => "approved pipeline run",
        Core.Rules.ChangeClassification.PipelineIdentityOutsideRun => "pipeline identity outside any run",
        Core.Rules.ChangeClassification.OutOfBand => "human or unknown out-of-band",
        Core.Rules.ChangeClassification.BreakGlass => "break-glass",
        _ => c.ToString(),
    };
}
