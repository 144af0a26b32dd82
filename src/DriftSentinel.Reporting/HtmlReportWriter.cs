using System.Net;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>
/// Writes report.html: one self-contained page (inline CSS and script, no external assets). Findings are grouped
/// by rule in collapsible sections and filtered in the browser, so the page stays usable with tens of thousands.
/// </summary>
internal static class HtmlReportWriter
{
    private const int ChangeRowsShown = 1000;

    public static void Write(ScanResult result, TextWriter w, RunHistoryReport? history = null)
    {
        var active = result.Active.ToList();
        w.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        w.Write($"<title>DriftSentinel report: {E(result.Run.Organization)}</title><style>{Css}</style></head><body>\n");
        w.Write($"<header><h1>DriftSentinel: {E(result.Run.Organization)}</h1><p>As of {E(ReportFormat.Time(result.Run.AsOf))} · snapshot {E(result.Run.Snapshot)} · baseline {E(result.Run.BaselineFile)} (sha256 {E(result.Run.BaselineHash[..Math.Min(12, result.Run.BaselineHash.Length)])}) · {result.Run.EventsRead:N0} events read</p></header>\n");

        if (history is not null)
        {
            w.Write($"<section><h2>{E(history.Heading)}</h2><p>{E(history.CountsLine())}</p>");
            Table(w, null, ["change", "severity", "rule", "finding", "first seen", "times seen", "fingerprint"], history.Changes.Take(ChangeRowsShown)
                .Select(c => new[] { c.Change, c.State.Severity.ToText(), c.State.RuleId, c.State.Title, ReportFormat.Time(c.State.FirstSeen), c.State.TimesSeen.ToString(System.Globalization.CultureInfo.InvariantCulture), c.State.Fingerprint }),
                rowClass: r => r[0] == "resolved" ? null : "gap");
            w.Write("</section>\n");
        }

        w.Write("<section><h2>Totals</h2><div class=\"cards\">");
        foreach (var s in Enum.GetValues<Severity>().Reverse())
        {
            w.Write($"<div class=\"card sev-{s.ToText()}\"><b>{active.Count(f => f.Severity == s)}</b><span>{s.ToText()}</span></div>");
        }

        w.Write($"<div class=\"card\"><b>{result.Findings.Count(f => f.IsSuppressed)}</b><span>suppressed</span></div></div>\n");
        Table(w, "By environment", ["environment", "open", "critical", "high"], active.GroupBy(f => f.Environment ?? "(unmapped)").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new[] { g.Key, g.Count().ToString(), g.Count(f => f.Severity == Severity.Critical).ToString(), g.Count(f => f.Severity == Severity.High).ToString() }));
        Table(w, "By rule", ["rule", "title", "open", "suppressed"], result.Catalogue.Rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new[] { r.Id, r.Title, active.Count(f => f.RuleId == r.Id).ToString(), result.Findings.Count(f => f.RuleId == r.Id && f.IsSuppressed).ToString() }));
        w.Write("</section>\n");

        var gaps = result.Coverage.Where(c => c.Status != CoverageStatus.Read).ToList();
        var counted = result.Gaps.ToHashSet();
        w.Write($"<section><h2>Coverage</h2><p>{result.Coverage.Count(c => c.Status == CoverageStatus.Read)} sources read, {gaps.Count(g => g.Status is CoverageStatus.Failed or CoverageStatus.Partial)} failed or partial, {gaps.Count(g => g.Status == CoverageStatus.Missing)} missing ({gaps.Count(g => g.Status == CoverageStatus.Missing && counted.Contains(g))} of a declared scope). Findings cannot appear for what was not read.</p>");
        static string[] Row(CoverageEntry c) => [c.Status.ToText(), c.Source, c.Scope, c.Items.ToString(), c.Detail ?? ""];

        // Highlighted rows are exactly ScanResult.Gaps, remembered by row so the definition lives in one place.
        var gapRows = new HashSet<string[]>(ReferenceEqualityComparer.Instance);
        string[] GapRow(CoverageEntry c)
        {
            var row = Row(c);
            if (counted.Contains(c))
            {
                gapRows.Add(row);
            }

            return row;
        }

        string? GapClass(string[] row) => gapRows.Contains(row) ? "gap" : null;
        string[] headers = ["status", "source", "scope", "records", "detail"];
        if (gaps.Count > 0)
        {
            Table(w, null, headers, gaps.OrderBy(c => c.Status == CoverageStatus.Missing).ThenBy(c => c.Source, StringComparer.Ordinal).Select(GapRow),
                rowClass: GapClass);
        }

        w.Write($"<details><summary>All {result.Coverage.Count} sources</summary>");
        Table(w, null, headers, result.Coverage.Select(GapRow), rowClass: GapClass);
        w.Write("</details></section>\n");

        w.Write("<section><h2>Production changes</h2><p>Each deploy-class change in production and what justifies it.</p>");
        Table(w, null, ["classification", "changes"], result.ProductionChangeCounts.OrderBy(kv => kv.Key)
            .Select(kv => new[] { ChangeText.Of(kv.Key), kv.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) }));
        Table(w, null, ["time", "environment", "action", "principal", "resource", "classification", "justified by"], result.ProductionChanges.Take(ChangeRowsShown)
            .Select(c => new[] { ReportFormat.Time(c.Time), c.Environment, c.Action, c.Principal, c.Resource ?? "", ChangeText.Of(c.Classification), c.Justification ?? "" }),
            rowClass: r => r[5] is "approved pipeline run" ? null : "gap");
        var total = result.ProductionChangeCounts.Values.Sum();
        if (total > ChangeRowsShown)
        {
            w.Write($"<p>{total - ChangeRowsShown:N0} more; findings.json lists up to {Core.Rules.RuleContext.MaxProductionChangesKept:N0}.</p>");
        }

        w.Write("</section>\n");

        w.Write("<section><h2>Findings</h2><input id=\"filter\" type=\"search\" placeholder=\"Filter findings (text, rule, principal, severity)…\" aria-label=\"Filter findings\">");
        foreach (var group in result.Findings.GroupBy(f => f.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var def = result.Catalogue.Rules.GetValueOrDefault(group.Key);
            var open = group.Count(f => !f.IsSuppressed);
            w.Write($"<details class=\"rule\"{(group.Count() <= 200 ? " open" : "")}><summary><b>{E(group.Key)}</b> {E(def?.Title ?? "")} — {open} open, {group.Count() - open} suppressed</summary>");
            if (def is not null)
            {
                w.Write($"<p class=\"why\">{E(def.Remediation)}</p>");
            }

            w.Write("<table class=\"findings\"><colgroup><col style=\"width:6%\"><col style=\"width:10%\"><col style=\"width:9%\"><col style=\"width:15%\"><col style=\"width:25%\"><col style=\"width:10%\"><col style=\"width:25%\"></colgroup><thead><tr><th>severity</th><th>status</th><th>environment</th><th>principal</th><th>finding</th><th>seen</th><th>evidence</th></tr></thead><tbody>");
            foreach (var f in group)
            {
                WriteFinding(w, f, history?.Lifecycle(f.Fingerprint));
            }

            w.Write("</tbody></table></details>\n");
        }

        w.Write($"</section><footer>Generated by DriftSentinel from {result.Run.InputsRead.Count} input files.</footer><script>{Script}</script></body></html>\n");
    }

    private static void WriteFinding(TextWriter w, Finding f, Core.History.FindingState? lifecycle)
    {
        w.Write($"<tr class=\"sev-{f.Severity.ToText()}{(f.IsSuppressed ? " suppressed" : "")}\"><td>{f.Severity.ToText()}</td><td>{E(ReportFormat.Status(f))}");
        if (lifecycle is not null)
        {
            w.Write($"<div class=\"sub\">{E(RunHistoryReport.Text(lifecycle.Status))}{(lifecycle.AcceptanceExpired ? " · exception expired" : "")} · tracked since {E(ReportFormat.Time(lifecycle.FirstSeen))}, last seen {E(ReportFormat.Time(lifecycle.LastSeen))}, {lifecycle.TimesSeen} run(s)</div>");
        }

        if (f.Suppression is { } s)
        {
            w.Write(s.IsAcceptance
                ? $"<div class=\"exc\">accepted by {E(s.AcceptedBy!)} on {E(ReportFormat.Time(s.AcceptedAt))}: {E(s.Reason)}{(s.Ticket is null ? "" : $" ({E(s.Ticket)})")}, until {s.Expires:yyyy-MM-dd}</div>"
                : $"<div class=\"exc\">{E(s.Owner)}: {E(s.Reason)}{(s.Ticket is null ? "" : $" ({E(s.Ticket)})")}, {(s.Expired ? "expired" : "expires")} {s.Expires:yyyy-MM-dd}</div>");
        }

        w.Write($"</td><td>{E(f.Environment ?? "")}<div class=\"sub\">{E(f.Cloud.ToText())} {E(f.Account ?? "")}</div></td><td>{E(f.Principal ?? "")}</td>");
        w.Write($"<td>{E(f.Message)}{(f.Resource is null ? "" : $"<div class=\"sub\">{E(f.Resource)}</div>")}<div class=\"sub\">fingerprint {E(f.Fingerprint)}</div></td>");
        w.Write($"<td>{E(ReportFormat.Time(f.FirstSeen))}<br>{E(ReportFormat.Time(f.LastSeen))}</td><td><ul>");
        foreach (var (k, v) in f.Details)
        {
            w.Write($"<li><i>{E(k)}</i>: {E(v)}</li>");
        }

        foreach (var e in f.Evidence)
        {
            w.Write($"<li><i>{E(e.Kind)}</i> {E(e.Reference)}{(e.Detail is null ? "" : $" — {E(e.Detail)}")}</li>");
        }

        if (f.Occurrences > f.Evidence.Count)
        {
            w.Write($"<li>{f.Occurrences:N0} records in all</li>");
        }

        w.Write("</ul></td></tr>\n");
    }

    private static void Table(TextWriter w, string? title, string[] headers, IEnumerable<string[]> rows, Func<string[], string?>? rowClass = null)
    {
        if (title is not null)
        {
            w.Write($"<h3>{E(title)}</h3>");
        }

        w.Write("<table><thead><tr>");
        foreach (var h in headers)
        {
            w.Write($"<th>{E(h)}</th>");
        }

        w.Write("</tr></thead><tbody>");
        foreach (var r in rows)
        {
            var cls = rowClass?.Invoke(r);
            w.Write(cls is null ? "<tr>" : $"<tr class=\"{cls}\">");
            foreach (var c in r)
            {
                w.Write($"<td>{E(c)}</td>");
            }

            w.Write("</tr>");
        }

        w.Write("</tbody></table>\n");
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private const string Css = """
        body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1400px;padding:1rem 2rem;color:#1b1f24}
        h1{font-size:1.6rem;margin:.2rem 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
        table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word;word-break:break-word}th{white-space:nowrap}
        th{background:#f6f8fa}table.findings{table-layout:fixed}tr.gap td{background:#fff8c5}.sub{color:#57606a;font-size:12px}.exc{font-size:12px;color:#57606a}
        .cards{display:flex;gap:.8rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;min-width:6rem}
        .card b{display:block;font-size:1.6rem}.sev-critical td:first-child,.card.sev-critical b{color:#a40e26}.sev-high td:first-child,.card.sev-high b{color:#bc4c00}
        .sev-medium td:first-child,.card.sev-medium b{color:#9a6700}tr.suppressed{opacity:.6}details.rule{margin:.6rem 0}summary{cursor:pointer;font-size:1.05rem}
        ul{margin:0;padding-left:1rem}.why{color:#57606a}#filter{width:100%;padding:.4rem;font-size:1rem;margin:.5rem 0}footer{margin-top:2rem;color:#57606a}
        """;

    private const string Script = """
        (function(){var f=document.getElementById('filter');var t;f.addEventListener('input',function(){clearTimeout(t);t=setTimeout(function(){
        var q=f.value.toLowerCase();document.querySelectorAll('table.findings tbody tr').forEach(function(r){
        r.style.display=!q||r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
        if(q){document.querySelectorAll('details.rule').forEach(function(d){d.open=true;});}},150);});})();
        """;
}
