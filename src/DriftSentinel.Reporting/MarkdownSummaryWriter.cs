using System.Text;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Reporting;

/// <summary>Writes summary.md: a few lines fit for a chat message or a pull-request comment.</summary>
internal static class MarkdownSummaryWriter
{
    public static string Render(ScanResult result, int top = 10, RunHistoryReport? history = null)
    {
        var sb = new StringBuilder();
        var active = result.Active.ToList();
        sb.Append("## DriftSentinel: ").Append(Md(result.Run.Organization)).Append(" as of ").AppendLine(ReportFormat.Time(result.Run.AsOf)).AppendLine();
        sb.Append("**").Append(active.Count).Append(" open findings**");
        sb.Append(" (").Append(string.Join(", ", Enum.GetValues<Severity>().Reverse().Select(s => $"{active.Count(f => f.Severity == s)} {s.ToText()}"))).Append(')');
        sb.Append(", ").Append(result.Findings.Count(f => f.IsSuppressed)).AppendLine(" suppressed by exceptions.").AppendLine();

        var gaps = result.Gaps.ToList();
        if (gaps.Count > 0)
        {
            sb.Append(":warning: **Coverage gaps** (").Append(gaps.Count).AppendLine("): findings may be missing for these sources.");
            foreach (var g in gaps.Take(top))
            {
                sb.Append("- ").Append(g.Status.ToText()).Append(' ').Append(Md(g.Source)).Append(' ').Append(Md(g.Scope)).Append(": ").AppendLine(Md(g.Detail ?? ""));
            }

            sb.AppendLine();
        }

        if (history is not null)
        {
            AppendChanges(history, sb, Md, top);
        }

        if (Core.Rules.RuleSelection.NotEvaluated(result.Catalogue, result.Run.RuleVersions) is { Count: > 0 } skipped)
        {
            sb.AppendLine($"**Not evaluated in this run:** {Md(string.Join(", ", skipped))}: their findings cannot appear here.").AppendLine();
        }

        if (result.ProductionChangeCounts.Count > 0)
        {
            sb.Append("Production changes: ");
            sb.AppendLine(string.Join(", ", result.ProductionChangeCounts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {ChangeText.Of(kv.Key)}")));
            sb.AppendLine();
        }

        sb.AppendLine("| Severity | Rule | Environment | Principal | Finding | Fingerprint |").AppendLine("|---|---|---|---|---|---|");
        foreach (var f in active.Take(top))
        {
            sb.Append("| ").Append(f.Severity.ToText()).Append(" | ").Append(f.RuleId).Append(" | ").Append(Md(f.Environment ?? "")).Append(" | ")
                .Append(Md(f.Principal ?? "")).Append(" | ").Append(Md(f.Message)).Append(" | `").Append(f.Fingerprint).AppendLine("` |");
        }

        if (active.Count > top)
        {
            sb.Append("\n…and ").Append(active.Count - top).AppendLine(" more in report.html / findings.csv.");
        }

        return sb.ToString();
    }

    /// <summary>
    /// Data as inert Markdown text: no line break may end a table row, and brackets, backticks and angle brackets are
    /// escaped, so a value can never become a link, an image (a remote fetch in a PR comment) or HTML.
    /// </summary>
    private static string Md(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\r' or '\n' or '\u2028' or '\u2029':
                    sb.Append(' ');
                    break;
                case '|' or '[' or ']' or '(' or ')' or '`' or '!' or '*' or '_' or '\\':
                    sb.Append('\\').Append(c);
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                default:
                    sb.Append(char.IsControl(c) ? ' ' : c);
                    break;
            }
        }

        return sb.ToString();
    }

    private static void AppendChanges(RunHistoryReport history, StringBuilder sb, Func<string, string> md, int top)
    {
        top = Math.Max(top, 25); // the changes are what a nightly reader comes for
        sb.Append("### ").AppendLine(history.Heading).AppendLine().AppendLine(history.CountsLine()).AppendLine();
        var changes = history.Changes.ToList();
        foreach (var (change, s) in changes.Take(top))
        {
            sb.Append("- **").Append(change).Append("** ").Append(s.RuleId).Append(' ').Append(md(s.Title)).Append(" (").Append(s.Fingerprint).AppendLine(")");
        }

        if (changes.Count > top)
        {
            sb.Append("- …and ").Append(changes.Count - top).AppendLine(" more in report.html.");
        }

        sb.AppendLine();
    }
}
