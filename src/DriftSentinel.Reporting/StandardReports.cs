using System.Text;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Output;

namespace DriftSentinel.Reporting;

/// <summary>Registration of the five standard outputs (docs/reports.md).</summary>
public static class StandardReports
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>findings.json, findings.csv, access-review.csv, report.html, summary.md, findings.ocsf.jsonl and findings.sarif, in that order.</summary>
    public static ReportSet AddStandardReports(this ReportSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set
            .Add(new Writer("findings.json", (r, h, s) => JsonReportWriter.Write(r, s, h)))
            .Add(new Writer("findings.csv", (r, h, s) => Text(s, w => CsvReportWriter.WriteFindings(r, w, h))))
            .Add(new Writer("access-review.csv", (r, _, s) => Text(s, w => CsvReportWriter.WriteAccessReview(r, w))))
            .Add(new Writer("report.html", (r, h, s) => Text(s, w => HtmlReportWriter.Write(r, w, h))))
            .Add(new Writer("summary.md", (r, h, s) => Text(s, w => w.Write(MarkdownSummaryWriter.Render(r, history: h)))))
            .Add(new Writer("findings.ocsf.jsonl", (r, h, s) => OcsfReportWriter.Write(r, s, h)))
            .Add(new Writer("findings.sarif", (r, _, s) => SarifReportWriter.Write(r, s)));
    }

    private static void Text(Stream output, Action<TextWriter> write)
    {
        using var writer = new StreamWriter(output, Utf8, leaveOpen: true);
        write(writer);
    }

    private sealed class Writer(string fileName, Action<ScanResult, RunHistoryReport?, Stream> write) : IReportWriter
    {
        public string FileName => fileName;

        public void Write(ScanResult result, RunHistoryReport? history, Stream output) => write(result, history, output);
    }
}
