using System.Text;
using DriftSentinel.Core.Engine;

namespace DriftSentinel.Reporting;

/// <summary>Writes the five outputs of a scan into one folder.</summary>
public static class ReportSet
{
    public static readonly string[] FileNames = ["findings.json", "findings.csv", "access-review.csv", "report.html", "summary.md"];

    private const string LockName = ".driftsentinel.lock";

    /// <summary>
    /// Creates the folder, proves it writable and takes its lock, so two scans writing one folder take turns. Waits up to
    /// <paramref name="wait"/> for another holder; throws <see cref="IOException"/> with the reason otherwise. The lock
    /// goes with the returned handle (and with the process, however it ends).
    /// </summary>
    public static IDisposable Lock(string folder, TimeSpan wait)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, LockName);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException($"the report folder '{folder}' is not writable: {e.Message}", e);
            }
            catch (IOException) when (File.Exists(path) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250); // another scan holds it
            }
            catch (IOException e)
            {
                throw new IOException(File.Exists(path)
                    ? $"another scan has been writing the report folder '{folder}' for more than {wait.TotalSeconds:0} s (lock {LockName}); try again when it has finished"
                    : $"the report folder '{folder}' is not writable: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Writes every report; with <paramref name="history"/> (a recorded run) they carry each finding's lifecycle and the
    /// changes since the last run. The five files are written to a staging folder beside them and only then renamed
    /// over the previous ones, so a full disk or a crash while writing leaves the previous complete set in place.
    /// </summary>
    public static void WriteAll(ScanResult result, string folder, RunHistoryReport? history = null)
    {
        Directory.CreateDirectory(folder);
        var staging = Path.Combine(folder, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            Write(result, staging, history);

            // Every rename must be possible before the first is made, so the set is replaced whole or not at all.
            foreach (var name in FileNames.Where(n => Directory.Exists(Path.Combine(folder, n))))
            {
                throw new IOException($"cannot replace {Path.Combine(folder, name)}: it is a folder");
            }

            foreach (var name in FileNames)
            {
                File.Move(Path.Combine(staging, name), Path.Combine(folder, name), overwrite: true);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover staging folder holds nothing the next scan needs.
            }
        }
    }

    private static void Write(ScanResult result, string folder, RunHistoryReport? history)
    {
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
