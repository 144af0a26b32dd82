using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;

namespace DriftSentinel.Core.Output;

/// <summary>
/// One file output of a scan (findings.json, report.html…). Writers are registered in a <see cref="ReportSet"/>, which
/// writes them all into a staging folder and replaces the previous set whole.
/// </summary>
public interface IReportWriter
{
    /// <summary>The file's name in the report folder; unique within a set.</summary>
    string FileName { get; }

    /// <summary>Writes the report; <paramref name="history"/> is the recorded run (lifecycle columns), null without a history store.</summary>
    void Write(ScanResult result, RunHistoryReport? history, Stream output);
}

/// <summary>
/// A folder of outputs written with a report set (the compliance evidence packs): written into the set's staging folder
/// with the files, covered by the manifest, and replaced whole with them.
/// </summary>
public interface IReportBundle
{
    /// <summary>The folder's name in the report folder; unique within a set.</summary>
    string Folder { get; }

    /// <summary>Writes the bundle's files under <paramref name="folder"/> (created, empty).</summary>
    void Write(ScanResult result, RunHistoryReport? history, string folder);
}
