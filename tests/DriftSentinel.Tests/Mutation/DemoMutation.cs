using System.IO.Compression;
using DriftSentinel.Tests.EndToEnd;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Mutation;

/// <summary>
/// Mutates one file of a copy of the demo snapshot and scans it in-process: the shared machinery of the mutation
/// suites, so a new reader's files are mutated as soon as the demo holds one.
/// </summary>
public static class DemoMutation
{
    public static string DemoSnapshot => Path.Combine(DemoLocator.Find(), "snapshot");

    /// <summary>Every JSON input of the demo snapshot (gzip or not), relative to the snapshot root.</summary>
    public static IEnumerable<object[]> JsonFiles() =>
        Directory.EnumerateFiles(DemoSnapshot, "*.json*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("CloudTrail-Digest", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(DemoSnapshot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { f });

    public static byte[] ReadPlain(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!path.EndsWith(".gz", StringComparison.Ordinal))
        {
            return bytes;
        }

        using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gz.CopyTo(plain);
        return plain.ToArray();
    }

    public static void WritePlain(string path, byte[] content)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal))
        {
            File.WriteAllBytes(path, content);
            return;
        }

        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(content);
    }

    /// <summary>Copies the demo snapshot, applies <paramref name="mutate"/> to one file, scans; the scan must not throw.</summary>
    public static (int Exit, string Stdout, string Stderr, string Out) Scan(TempFolder t, string relative, Action<string> mutate)
    {
        var snap = Path.Combine(t.Path, "snap");
        CliTests.CopyTree(DemoSnapshot, snap);
        mutate(Path.Combine(snap, relative));
        var outDir = Path.Combine(t.Path, "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Program.Run(["scan", "--snapshot", snap, "--baseline", Path.Combine(DemoLocator.Find(), "baseline.yaml"), "--out", outDir, "--as-of", "2026-11-20T12:00:00Z"],
            stdout, stderr, new FixedClock(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero)));
        return (exit, stdout.ToString(), stderr.ToString(), outDir);
    }
}
