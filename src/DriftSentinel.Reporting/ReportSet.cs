using System.Text;
using DriftSentinel.Core.Engine;

namespace DriftSentinel.Reporting;

/// <summary>Writes the five outputs of a scan into one folder.</summary>
public static class ReportSet
{
    public static readonly string[] FileNames = ["findings.json", "findings.csv", "access-review.csv", "report.html", "summary.md"];

    /// <summary>Writes every report; with <paramref name="history"/> (a recorded run) they carry each finding's lifecycle and the changes since the last run.</summary>
    public static void WriteAll(ScanResult result, string folder, RunHistoryReport? history = null)
    {
        Directory.CreateDirectory(folder);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        using (var json = File.Create(Path.Combine(folder, "findings.json")))
        {
            JsonReportWriter.Write(result, json, history);
        }

        using (var w = new StreamWriter(Path.Combine(folder, "findings.csv"), false, utf8))
        {
            CsvReportWriter.WriteFindings(result, w, history);
        }

        using (var w = new StreamWriter(Path.Combine(folder, "access-review.csv"), false, utf8))
        {
            CsvReportWriter.WriteAccessReview(result, w);
        }

        using (var w = new StreamWriter(Path.Combine(folder, "report.html"), false, utf8))
        {
            HtmlReportWriter.Write(result, w, history);
        }

        File.WriteAllText(Path.Combine(folder, "summary.md"), MarkdownSummaryWriter.Render(result, history: history), utf8);
    }
}
