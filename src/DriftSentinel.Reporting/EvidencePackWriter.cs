using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Reporting;

/// <summary>
/// The compliance evidence pack (`--evidence FRAMEWORK`): <c>evidence/SLUG/index.html</c> per framework, and one folder
/// per control with the rules that test it, their findings (open, suppressed with the exception's owner and expiry,
/// resolved since the previous run), the run's coverage, the access review for access controls, and a pointer to the run
/// manifest that hashes every file of the pack (docs/reports.md, "Evidence packs").
/// </summary>
public sealed class EvidencePackWriter(IReadOnlyList<string> slugs) : IReportBundle
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Folder => "evidence";

    /// <summary>What a control's evidence says, worst first: never "no open findings" when its sources were not all read.</summary>
    public static class Status
    {
        public const string Findings = "findings";
        public const string Incomplete = "incomplete: coverage gaps";
        public const string NotEvaluated = "incomplete: rules not evaluated";
        public const string Clean = "no open findings";
        public const string NotCovered = "not covered";
    }

    /// <summary>The frameworks `--evidence` names, or a usage message listing those the catalogue has.</summary>
    public static IReadOnlyList<ComplianceFramework> Select(RuleCatalogue catalogue, IReadOnlyList<string> slugs)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(slugs);
        if (slugs.Any(s => s.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            return catalogue.Frameworks;
        }

        return [.. slugs.Select(s => catalogue.Frameworks.FirstOrDefault(f => f.Slug.Equals(s, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"--evidence {s}: no such framework; expected one of {string.Join(", ", catalogue.Frameworks.Select(f => f.Slug))} or all"))];
    }

    public void Write(ScanResult result, RunHistoryReport? history, string folder)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var framework in Select(result.Catalogue, slugs))
        {
            WriteFramework(result, history, framework, Path.Combine(folder, framework.Slug));
        }
    }

    private sealed record ControlEvidence(ComplianceControl Control, IReadOnlyList<string> Rules, IReadOnlyList<Finding> Findings, IReadOnlyList<FindingState> Resolved, string Status, string Folder)
    {
        /// <summary>An access control of a run whose profile has access review campaigns: their decisions are part of its evidence.</summary>
        public bool WithDecisions { get; init; }
    }

    private static void WriteFramework(ScanResult result, RunHistoryReport? history, ComplianceFramework framework, string folder)
    {
        var mapped = result.Catalogue.Compliance.GetValueOrDefault(framework.Framework) ?? new Dictionary<string, IReadOnlyList<string>>();

        // Every listed control, then any a rule maps that the framework file does not list (shown, never dropped).
        var controls = framework.Controls
            .Concat(mapped.Keys.Where(id => framework.Controls.All(c => c.Id != id)).Select(id => new ComplianceControl { Id = id, Title = "(mapped by a rule; not in rules/frameworks)" }))
            .ToList();
        var gaps = result.Gaps.ToHashSet();
        var evidence = controls.Select(control =>
        {
            var rules = mapped.GetValueOrDefault(control.Id) ?? [];
            var findings = result.Findings.Where(f => rules.Contains(f.RuleId, StringComparer.Ordinal)).ToList();
            var resolved = history?.Recorded.Update.Resolved.Where(s => rules.Contains(s.RuleId, StringComparer.Ordinal)).ToList() ?? [];
            var status = rules.Count == 0 ? Status.NotCovered
                : findings.Any(f => !f.IsSuppressed) ? Status.Findings
                : rules.Any(r => !result.Run.RuleVersions.ContainsKey(r)) ? Status.NotEvaluated
                : gaps.Count > 0 ? Status.Incomplete
                : Status.Clean;
            return new ControlEvidence(control, rules, findings, resolved, status, FolderName(control.Id)) { WithDecisions = control.Access && history is { Campaigns.Count: > 0 } };
        }).ToList();

        // The same in every control's folder (each folder stands alone for an auditor): rendered once per pack.
        var coverage = Render(w => WriteCoverage(w, result, gaps));
        var accessReview = evidence.Any(e => e.Control.Access) ? Render(w => CsvReportWriter.WriteAccessReview(result, w)) : [];
        var campaigns = history?.Campaigns ?? [];
        var decisions = campaigns.Count > 0 && evidence.Any(e => e.Control.Access) ? Decisions(campaigns) : [];
        Directory.CreateDirectory(folder);
        foreach (var e in evidence)
        {
            var controlFolder = Path.Combine(folder, e.Folder);
            Directory.CreateDirectory(controlFolder);
            WriteControlJson(Path.Combine(controlFolder, "control.json"), result, history, framework, e, gaps.Count);
            Text(Path.Combine(controlFolder, "findings.csv"), w => WriteFindings(w, e));
            File.WriteAllBytes(Path.Combine(controlFolder, "coverage.csv"), coverage);
            if (e.Control.Access)
            {
                File.WriteAllBytes(Path.Combine(controlFolder, "access-review.csv"), accessReview);
                if (e.WithDecisions)
                {
                    File.WriteAllBytes(Path.Combine(controlFolder, ReviewDecisionsFile), decisions);
                }
            }

            Text(Path.Combine(controlFolder, "index.html"), w => WriteControlPage(w, result, framework, e));
        }

        Text(Path.Combine(folder, "index.html"), w => WriteIndex(w, result, history, framework, evidence, gaps.Count));
    }

    // A control id as a folder name: "CC6.1", "A.8.15" and "10.3.2" are already safe; anything else is made so.
    private static string FolderName(string id) => string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_'));

    private static void Text(string path, Action<TextWriter> write) => File.WriteAllBytes(path, Render(write));

    private static byte[] Render(Action<TextWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, Utf8, leaveOpen: true))
        {
            writer.NewLine = "\n";
            write(writer);
        }

        return buffer.ToArray();
    }

    private static void WriteFindings(TextWriter output, ControlEvidence e)
    {
        using var csv = new CsvTableWriter(output);
        csv.WriteRow("state", "fingerprint", "rule_id", "severity", "title", "environment", "cloud", "account", "principal", "resource", "first_seen", "last_seen", "message",
            "exception_owner", "exception_reason", "exception_expires", "exception_ticket", "resolved_at");
        foreach (var f in e.Findings.OrderBy(f => f.IsSuppressed).ThenByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal).ThenBy(f => f.Fingerprint, StringComparer.Ordinal))
        {
            var s = f.Suppression;
            csv.WriteRow(f.IsSuppressed ? "suppressed" : "open", f.Fingerprint, f.RuleId, f.Severity.ToText(), f.Title, f.Environment, f.Cloud.ToString().ToLowerInvariant(), f.Account, f.Principal, f.Resource,
                ReportFormat.Time(f.FirstSeen), ReportFormat.Time(f.LastSeen), f.Message,
                s?.AcceptedBy ?? s?.Owner, s?.Reason, s?.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), s?.Ticket, null);
        }

        foreach (var r in e.Resolved.OrderBy(r => r.RuleId, StringComparer.Ordinal).ThenBy(r => r.Fingerprint, StringComparer.Ordinal))
        {
            csv.WriteRow("resolved", r.Fingerprint, r.RuleId, r.Severity.ToText(), r.Title, r.Environment, null, r.PrimaryScope, null, null,
                ReportFormat.Time(r.FirstSeen), ReportFormat.Time(r.LastSeen), "not seen in a run that read its scope completely", null, null, null, null, ReportFormat.Time(r.ResolvedAt));
        }
    }

    private static void WriteCoverage(TextWriter output, ScanResult result, IReadOnlySet<CoverageEntry> gaps)
    {
        using var csv = new CsvTableWriter(output);
        csv.WriteRow("source", "scope", "status", "gap", "items", "detail");
        foreach (var c in result.Coverage)
        {
            csv.WriteRow(c.Source, c.Scope, c.Status.ToString().ToLowerInvariant(), gaps.Contains(c) ? "yes" : "no", c.Items.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Detail);
        }
    }

    private static void WriteControlJson(string path, ScanResult result, RunHistoryReport? history, ComplianceFramework framework, ControlEvidence e, int gaps)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("framework", framework.Name);
        w.WriteString("control", e.Control.Id);
        w.WriteString("title", e.Control.Title);
        w.WriteString("status", e.Status);
        w.WriteString("as_of", ReportFormat.Time(result.Run.AsOf));
        if (history is not null)
        {
            w.WriteNumber("run", history.Recorded.Run.Id);
            w.WriteString("profile", history.Recorded.Run.Profile);
        }

        w.WriteStartArray("rules");
        foreach (var id in e.Rules)
        {
            var rule = result.Catalogue.Rules.GetValueOrDefault(id);
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("title", rule?.Title);
            w.WriteNumber("version", rule?.Version ?? 0);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("findings");
        w.WriteNumber("open", e.Findings.Count(f => !f.IsSuppressed));
        w.WriteNumber("suppressed", e.Findings.Count(f => f.IsSuppressed));
        w.WriteNumber("resolved_since_previous_run", e.Resolved.Count);
        w.WriteEndObject();
        w.WriteNumber("coverage_gaps", gaps);
        w.WriteStartArray("files");
        foreach (var file in Files(e))
        {
            w.WriteStringValue(file);
        }

        w.WriteEndArray();

        // The manifest hashes every file of this folder; it sits at the top of the report folder.
        w.WriteString("manifest", $"../../../{RunManifest.FileName}");
        w.WriteEndObject();
    }

    private static IEnumerable<string> Files(ControlEvidence e) =>
        !e.Control.Access ? ["control.json", "findings.csv", "coverage.csv"]
        : e.WithDecisions ? ["control.json", "findings.csv", "coverage.csv", "access-review.csv", ReviewDecisionsFile]
        : ["control.json", "findings.csv", "coverage.csv", "access-review.csv"];

    /// <summary>The access review campaigns' decisions, who took them and when, and the proof of each removal.</summary>
    private const string ReviewDecisionsFile = "access-review-decisions.csv";

    private static byte[] Decisions(IReadOnlyList<Core.Access.CampaignEvidence> campaigns)
    {
        using var buffer = new MemoryStream();
        ReviewSheet.Write(campaigns.Select(c => (c.Campaign, (IEnumerable<Core.Access.ReviewItem>)c.Items)), buffer);
        return buffer.ToArray();
    }

    private static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    private const string Style = "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;width:100%}"
        + "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
        + ".findings{color:#a40000;font-weight:600}.incomplete{color:#8a5a00;font-weight:600}.clean{color:#1a6e1a}.not-covered{color:#666}</style>";

    private static string StatusClass(string status) => status switch
    {
        Status.Findings => "findings",
        Status.Incomplete or Status.NotEvaluated => "incomplete",
        Status.Clean => "clean",
        _ => "not-covered",
    };

    private static void WriteIndex(TextWriter w, ScanResult result, RunHistoryReport? history, ComplianceFramework framework, IReadOnlyList<ControlEvidence> evidence, int gapCount)
    {
        w.WriteLine($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{H(framework.Name)} — evidence</title>{Style}</head><body>");
        w.WriteLine($"<h1>{H(framework.Name)}: evidence from DriftSentinel</h1>");
        w.WriteLine($"<p>{H(result.Run.Organization)}, as of {H(ReportFormat.Time(result.Run.AsOf))}{(history is null ? "" : $", run #{history.Recorded.Run.Id} of profile {H(history.Recorded.Run.Profile)}")}. "
            + $"Every file of this pack is hashed in the run's <a href=\"../../{RunManifest.FileName}\">{RunManifest.FileName}</a>; check it with <code>driftsentinel verify</code>.</p>");
        w.WriteLine(gapCount == 0
            ? "<p>Every declared input was read completely.</p>"
            : $"<p class=\"incomplete\">{gapCount} input(s) were missing or not read completely: no control can be shown as clean (see each control's coverage.csv).</p>");
        w.WriteLine("<table><thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Rules</th><th>Open</th><th>Suppressed</th><th>Resolved since previous run</th><th>Evidence files</th></tr></thead><tbody>");
        foreach (var e in evidence)
        {
            w.WriteLine($"<tr><td><a href=\"{H(e.Folder)}/index.html\">{H(e.Control.Id)}</a></td><td>{H(e.Control.Title)}</td><td class=\"{StatusClass(e.Status)}\">{H(e.Status)}</td>"
                + $"<td>{(e.Rules.Count == 0 ? "none" : string.Join(", ", e.Rules.Select(H)))}</td><td>{e.Findings.Count(f => !f.IsSuppressed)}</td><td>{e.Findings.Count(f => f.IsSuppressed)}</td><td>{e.Resolved.Count}</td>"
                + $"<td>{string.Join(" ", Files(e).Select(f => $"<a href=\"{H(e.Folder)}/{f}\">{f}</a>"))}</td></tr>");
        }

        w.WriteLine("</tbody></table>");
        w.WriteLine("<p>Status: <b>findings</b> — open findings of a rule that tests the control; <b>incomplete</b> — none open, but some input was not read or a rule that tests the control was not evaluated, so absence proves nothing; "
            + "<b>no open findings</b> — every input read and nothing open; <b>not covered</b> — no DriftSentinel rule tests this control: other evidence is needed.</p>");
        w.WriteLine("</body></html>");
    }

    private static void WriteControlPage(TextWriter w, ScanResult result, ComplianceFramework framework, ControlEvidence e)
    {
        w.WriteLine($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{H(framework.Framework)} {H(e.Control.Id)}</title>{Style}</head><body>");
        w.WriteLine($"<p><a href=\"../index.html\">{H(framework.Name)}</a></p><h1>{H(e.Control.Id)}: {H(e.Control.Title)}</h1>");
        w.WriteLine($"<p>Status: <span class=\"{StatusClass(e.Status)}\">{H(e.Status)}</span>, as of {H(ReportFormat.Time(result.Run.AsOf))}.</p>");
        w.WriteLine("<h2>Rules that test it</h2>");
        if (e.Rules.Count == 0)
        {
            w.WriteLine("<p>none: DriftSentinel produces no evidence for this control.</p>");
        }
        else
        {
            w.WriteLine("<ul>");
            foreach (var id in e.Rules)
            {
                var rule = result.Catalogue.Rules.GetValueOrDefault(id);
                w.WriteLine($"<li><b>{H(id)}</b> {H(rule?.Title)} (version {rule?.Version ?? 0}): {H(rule?.Description.Trim())}</li>");
            }

            w.WriteLine("</ul>");
        }

        w.WriteLine("<h2>Findings</h2>");
        var rows = e.Findings.OrderBy(f => f.IsSuppressed).ThenByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal).ToList();
        if (rows.Count == 0 && e.Resolved.Count == 0)
        {
            w.WriteLine("<p>none</p>");
        }
        else
        {
            w.WriteLine("<table><thead><tr><th>State</th><th>Severity</th><th>Rule</th><th>Where</th><th>Message</th><th>Exception</th></tr></thead><tbody>");
            foreach (var f in rows)
            {
                var s = f.Suppression;
                w.WriteLine($"<tr><td>{(f.IsSuppressed ? "suppressed" : "open")}</td><td>{H(f.Severity.ToText())}</td><td>{H(f.RuleId)}</td><td>{H(string.Join(" ", new[] { f.Environment, f.Account, f.Principal ?? f.Resource }.Where(x => x is not null)))}</td>"
                    + $"<td>{H(f.Message)}</td><td>{(s is null ? "" : H(ReportFormat.Exception(s)))}</td></tr>");
            }

            foreach (var r in e.Resolved)
            {
                w.WriteLine($"<tr><td>resolved {H(ReportFormat.Time(r.ResolvedAt))}</td><td>{H(r.Severity.ToText())}</td><td>{H(r.RuleId)}</td><td>{H(r.Environment)} {H(r.PrimaryScope)}</td><td>{H(r.Title)}</td><td></td></tr>");
            }

            w.WriteLine("</tbody></table>");
        }

        w.WriteLine("<h2>Evidence files</h2><ul>");
        foreach (var file in Files(e))
        {
            w.WriteLine($"<li><a href=\"{file}\">{file}</a></li>");
        }

        w.WriteLine($"<li><a href=\"../../../{RunManifest.FileName}\">{RunManifest.FileName}</a> (SHA-256 of every file above)</li></ul>");
        w.WriteLine("</body></html>");
    }
}
