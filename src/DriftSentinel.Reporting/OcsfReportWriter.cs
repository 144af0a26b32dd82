using System.Text.Encodings.Web;
using System.Text.Json;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>
/// findings.ocsf.jsonl: one OCSF 1.5.0 Detection Finding (class 2004) per finding, one JSON object per line, for a
/// SIEM or Security Lake. <c>finding_info.uid</c> is the fingerprint, so a consumer updates one finding across runs;
/// status and activity follow the lifecycle (docs/reports.md, "OCSF").
/// </summary>
internal static class OcsfReportWriter
{
    public const string Version = "1.5.0";
    private const int ClassUid = 2004;
    private const int CategoryUid = 2;

    private enum Activity
    {
        Create = 1,
        Update = 2,
        Close = 3,
    }

    private enum Status
    {
        New = 1,
        InProgress = 2,
        Suppressed = 3,
        Resolved = 4,
    }

    public static void Write(ScanResult result, Stream output, RunHistoryReport? history)
    {
        var options = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var time = result.Run.AsOf.ToUnixTimeMilliseconds();
        foreach (var f in result.Findings.OrderByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal).ThenBy(f => f.Fingerprint, StringComparer.Ordinal))
        {
            var state = history?.Lifecycle(f.Fingerprint);
            var (activity, status) = f.IsSuppressed
                ? (state is null || state.TimesSeen > 1 ? Activity.Update : Activity.Create, Status.Suppressed)
                : state?.Status switch
                {
                    FindingStatus.Open => (Activity.Update, Status.InProgress),
                    FindingStatus.Reopened => (Activity.Create, Status.InProgress),
                    _ => (Activity.Create, Status.New),
                };
            Line(output, options, w => Event(w, result, f.RuleId, f.Title, f.Severity, f.Fingerprint, activity, status, time, f, state));
        }

        // Findings this run resolved: a Close, so a consumer that expires unrefreshed findings sees the fix, not silence.
        foreach (var resolved in history?.Recorded.Update.Resolved ?? [])
        {
            Line(output, options, w => Event(w, result, resolved.RuleId, resolved.Title, resolved.Severity, resolved.Fingerprint, Activity.Close, Status.Resolved, time, null, resolved));
        }
    }

    private static void Line(Stream output, JsonWriterOptions options, Action<Utf8JsonWriter> write)
    {
        using (var w = new Utf8JsonWriter(output, options))
        {
            write(w);
        }

        output.WriteByte((byte)'\n');
    }

    private static void Event(Utf8JsonWriter w, ScanResult result, string ruleId, string title, Severity severity, string fingerprint, Activity activity, Status status, long time, Finding? f, FindingState? state)
    {
        var rule = result.Catalogue.Rules.GetValueOrDefault(ruleId);
        w.WriteStartObject();
        w.WriteNumber("activity_id", (int)activity);
        w.WriteString("activity_name", activity.ToString());
        w.WriteNumber("category_uid", CategoryUid);
        w.WriteString("category_name", "Findings");
        w.WriteNumber("class_uid", ClassUid);
        w.WriteString("class_name", "Detection Finding");
        w.WriteNumber("type_uid", (ClassUid * 100) + (int)activity);
        w.WriteString("type_name", $"Detection Finding: {activity}");
        w.WriteNumber("severity_id", SeverityId(severity));
        w.WriteString("severity", Caption(severity));
        w.WriteNumber("status_id", (int)status);
        w.WriteString("status", status == Status.InProgress ? "In Progress" : status.ToString());
        if (f?.Suppression is { } s)
        {
            w.WriteString("status_detail", ReportFormat.Exception(s));
        }

        w.WriteNumber("time", time);
        w.WriteString("message", f?.Message ?? $"{title}: resolved (not seen in a run that read its scope completely)");
        if (f is not null)
        {
            w.WriteNumber("count", f.Occurrences);
        }

        w.WriteStartObject("metadata");
        w.WriteString("version", Version);
        w.WriteStartObject("product");
        w.WriteString("name", "DriftSentinel");
        w.WriteString("vendor_name", "DriftSentinel");
        w.WriteEndObject();
        w.WriteString("log_name", "findings");
        w.WriteString("log_provider", "DriftSentinel");
        if (f is not null)
        {
            w.WriteStartArray("profiles");
            w.WriteStringValue("cloud");
            w.WriteEndArray();
        }

        w.WriteEndObject();

        w.WriteStartObject("finding_info");
        w.WriteString("uid", fingerprint);
        w.WriteString("title", title);
        if (rule is not null)
        {
            w.WriteString("desc", rule.Description.Trim());
        }

        w.WriteStartArray("types");
        w.WriteStringValue(ruleId);
        w.WriteEndArray();
        w.WriteStartObject("analytic");
        w.WriteString("uid", ruleId);
        w.WriteString("name", title);
        w.WriteNumber("type_id", 1);
        w.WriteString("type", "Rule");
        if (rule is not null)
        {
            w.WriteString("version", rule.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        w.WriteEndObject();
        var first = state?.FirstSeen ?? f?.FirstSeen;
        var last = state?.LastSeen ?? f?.LastSeen;
        if (first is { } firstSeen)
        {
            w.WriteNumber("first_seen_time", firstSeen.ToUnixTimeMilliseconds());
        }

        if (last is { } lastSeen)
        {
            w.WriteNumber("last_seen_time", lastSeen.ToUnixTimeMilliseconds());
        }

        w.WriteEndObject();

        if (f is not null)
        {
            w.WriteStartObject("cloud");
            w.WriteString("provider", f.Cloud switch
            {
                Cloud.Aws => "AWS",
                Cloud.Azure or Cloud.Entra => "Azure",
                Cloud.GitHub => "GitHub",
                Cloud.GitLab => "GitLab",
                _ => "Azure DevOps",
            });
            if (f.Account is { } account)
            {
                w.WriteStartObject("account");
                w.WriteString("uid", account);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            if (f.Resource is { } resource)
            {
                w.WriteStartArray("resources");
                w.WriteStartObject();
                w.WriteString("uid", resource);
                w.WriteEndObject();
                w.WriteEndArray();
            }
        }

        if (rule is { Remediation.Length: > 0 })
        {
            w.WriteStartObject("remediation");
            w.WriteString("desc", rule.Remediation.Trim());
            w.WriteEndObject();
        }

        // What OCSF has no attribute for: the baseline's environment, the principal, the compliance references.
        w.WriteStartObject("unmapped");
        if ((f?.Environment ?? state?.Environment) is { } environment)
        {
            w.WriteString("environment", environment);
        }

        if (f?.Principal is { } principal)
        {
            w.WriteString("principal", principal);
        }

        w.WriteStartArray("compliance");
        foreach (var c in rule?.Compliance ?? [])
        {
            w.WriteStringValue(c);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static int SeverityId(Severity s) => s switch
    {
        Severity.Info => 1,
        Severity.Low => 2,
        Severity.Medium => 3,
        Severity.High => 4,
        _ => 5,
    };

    private static string Caption(Severity s) => s switch
    {
        Severity.Info => "Informational",
        _ => s.ToString(),
    };
}
