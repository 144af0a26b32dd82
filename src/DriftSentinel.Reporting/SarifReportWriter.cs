using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>
/// findings.sarif: SARIF 2.1.0 for CI code-scanning views (GitHub code scanning, Azure DevOps). The rules come from the
/// catalogue; one result per open finding, most severe first, with the fingerprint as a stable partial fingerprint; at
/// most <see cref="MaxResults"/> (GitHub's limit per run), the rest named in a notification (docs/reports.md, "SARIF").
/// </summary>
internal static class SarifReportWriter
{
    /// <summary>GitHub code scanning accepts at most 25,000 results per run (and 10 MB gzipped per upload).</summary>
    public const int MaxResults = 25_000;

    public const string FingerprintKey = "driftsentinelFingerprint/v1";

    public static void Write(ScanResult result, Stream output, int maxResults = MaxResults)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var open = result.Active.OrderByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal).ThenBy(f => f.Fingerprint, StringComparer.Ordinal).ToList();
        var rules = result.Catalogue.Rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var ruleIndex = rules.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        w.WriteStartObject();
        w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", "DriftSentinel");
        w.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            var severity = rule.DefaultSeverity;
            w.WriteStartObject();
            w.WriteString("id", rule.Id);
            w.WriteString("name", PascalName(rule.Title));
            Text(w, "shortDescription", rule.Title);
            Text(w, "fullDescription", rule.Description.Trim());
            w.WriteStartObject("help");
            w.WriteString("text", rule.Remediation.Trim());
            w.WriteString("markdown", $"**Why it matters.** {rule.Rationale.Trim()}\n\n**Remediation.** {rule.Remediation.Trim()}");
            w.WriteEndObject();
            w.WriteStartObject("defaultConfiguration");
            w.WriteString("level", Level(severity));
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteStartArray("tags");
            w.WriteStringValue("security");
            foreach (var c in rule.Compliance)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
            if (SecuritySeverity(severity) is { } score)
            {
                w.WriteString("security-severity", score);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        // The category code scanning keys its alerts by: one per organization and snapshot.
        w.WriteStartObject("automationDetails");
        w.WriteString("id", $"driftsentinel/{result.Run.Snapshot}/");
        w.WriteEndObject();

        w.WriteStartArray("invocations");
        w.WriteStartObject();
        w.WriteBoolean("executionSuccessful", true);
        w.WriteString("endTimeUtc", ReportFormat.Time(result.Run.AsOf));
        w.WriteStartArray("toolExecutionNotifications");
        if (open.Count > maxResults)
        {
            Notification(w, "warning", $"{open.Count - maxResults:N0} of {open.Count:N0} open finding(s) are not in this file: code scanning accepts at most {maxResults:N0} results per run. The least severe were left out; findings.json and findings.csv hold every finding.");
        }

        foreach (var gap in result.Gaps)
        {
            // A code-scanning view must not look clean because a source was not read.
            Notification(w, "error", $"coverage gap: {gap.Source} {gap.Scope} {gap.Status.ToString().ToLowerInvariant()}: {gap.Detail}");
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartArray("results");
        foreach (var f in open.Take(maxResults))
        {
            Result(w, f, ruleIndex.TryGetValue(f.RuleId, out var index) ? index : -1, result.Run.BaselineFile);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Result(Utf8JsonWriter w, Finding f, int ruleIndex, string baselineFile)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", f.RuleId);
        if (ruleIndex >= 0)
        {
            w.WriteNumber("ruleIndex", ruleIndex);
        }

        w.WriteString("level", Level(f.Severity));
        Text(w, "message", f.Message);

        // Code scanning shows a result at a file: the baseline the setup drifted from; the cloud object is its logical location.
        w.WriteStartArray("locations");
        w.WriteStartObject();
        w.WriteStartObject("physicalLocation");
        w.WriteStartObject("artifactLocation");
        w.WriteString("uri", baselineFile);
        w.WriteEndObject();
        w.WriteStartObject("region");
        w.WriteNumber("startLine", 1);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("logicalLocations");
        w.WriteStartObject();
        w.WriteString("fullyQualifiedName", string.Join("/", new[] { f.Cloud.ToString().ToLowerInvariant(), f.Account, f.Resource ?? f.Principal }.Where(p => !string.IsNullOrEmpty(p))));
        w.WriteString("kind", f.Resource is not null ? "resource" : "principal");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartObject("partialFingerprints");
        w.WriteString(FingerprintKey, f.Fingerprint);
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteString("severity", f.Severity.ToText());
        if (f.Environment is { } environment)
        {
            w.WriteString("environment", environment);
        }

        if (f.Principal is { } principal)
        {
            w.WriteString("principal", principal);
        }

        if (f.FirstSeen is { } first)
        {
            w.WriteString("firstSeen", ReportFormat.Time(first));
        }

        if (f.LastSeen is { } last)
        {
            w.WriteString("lastSeen", ReportFormat.Time(last));
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Notification(Utf8JsonWriter w, string level, string text)
    {
        w.WriteStartObject();
        w.WriteString("level", level);
        Text(w, "message", text);
        w.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static string Level(Severity s) => s switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    // GitHub reads security-severity as a CVSS-like score: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
    private static string? SecuritySeverity(Severity s) => s switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "2.0",
        _ => null,
    };

    private static string PascalName(string title) =>
        string.Concat(title.Split([' ', '-', '/', '(', ')', ',', '.', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Select(word => char.ToUpper(word[0], CultureInfo.InvariantCulture) + word[1..]));
}
