using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Tests.Support;
using DriftSentinel.Tests.Worker;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Tickets;

/// <summary>What the ticket tests share: a copy of the demo snapshot, a history store, a stopped clock, the CLI.</summary>
public abstract class TicketTestBase : IDisposable
{
    protected TicketTestBase() => WorkerTestSupport.CopyDemoSnapshot(Snapshot);

    protected TempFolder Temp { get; } = new();

    /// <summary>
    /// Leaves a CloudTrail log file in place with no records: the account is still read completely, so what was drawn
    /// from its events resolves (a deleted file would be a gap, and a gap resolves nothing).
    /// </summary>
    protected static void EmptyTrail(string path)
    {
        using var file = File.Create(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
        gzip.Write("{\"Records\":[]}"u8);
    }

    protected FixedClock Clock { get; } = new(new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero));

    protected string Snapshot => Path.Combine(Temp.Path, "snapshot");

    protected string History => Path.Combine(Temp.Path, "history.db");

    /// <summary>Writes a configuration file holding this Tickets section.</summary>
    protected string WriteConfig(string name, JsonObject tickets)
    {
        var path = Path.Combine(Temp.Path, name);
        File.WriteAllText(path, new JsonObject { ["DriftSentinel"] = new JsonObject { ["Tickets"] = tickets } }.ToJsonString());
        return path;
    }

    protected (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr, Clock);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`scan` of the snapshot copy with the history and the tickets configuration.</summary>
    protected string[] ScanArgs(string outName, string config, string profile = "nightly", string asOf = "2026-11-20T12:00:00Z", string? baseline = null) =>
        ["scan", "--snapshot", Snapshot, "--baseline", baseline ?? Path.Combine(WorkerTestSupport.Demo, "baseline.yaml"), "--as-of", asOf,
            "--out", Path.Combine(Temp.Path, outName), "--history", History, "--profile", profile, "--tickets", config, "--allow-gaps"];

    /// <summary>The unsuppressed findings of a run's findings.json.</summary>
    protected List<JsonElement> OpenFindings(string outName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Temp.Path, outName, "findings.json")));
        return [.. doc.RootElement.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("status").GetString()!.StartsWith("open", StringComparison.Ordinal)).Select(f => f.Clone())];
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Temp.Dispose();
        }
    }
}
