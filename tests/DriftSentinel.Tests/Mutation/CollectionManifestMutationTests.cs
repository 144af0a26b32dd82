using System.Diagnostics;
using System.Text.Json;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>A collection.json that is broken in content or in kind is a gap, never a crash or a hang.</summary>
public class CollectionManifestMutationTests
{
    private const string Good = """{"startedAt":"2026-11-20T11:00:00Z","finishedAt":"2026-11-20T12:00:00Z","coverage":[{"source":"aws.sts.assume-role","scope":"444455556666","status":"Failed","items":0,"detail":"AccessDenied"}]}""";

    public static IEnumerable<object[]> Cases() => new[]
    {
        "coverage-null", "coverage-missing", "entry-null", "entry-without-source", "status-unknown", "not-json", "fifo", "link-loop", "folder",
    }.Select(c => new object[] { c });

    private static void Write(string snapshot, string how)
    {
        var path = Path.Combine(snapshot, "collection.json");
        switch (how)
        {
            case "coverage-null": File.WriteAllText(path, Good.Replace("\"coverage\":[", "\"coverage\":null,\"x\":[", StringComparison.Ordinal)); break;
            case "coverage-missing": File.WriteAllText(path, """{"startedAt":"2026-11-20T11:00:00Z","finishedAt":"2026-11-20T12:00:00Z"}"""); break;
            case "entry-null": File.WriteAllText(path, Good.Replace("\"coverage\":[", "\"coverage\":[null,", StringComparison.Ordinal)); break;
            case "entry-without-source": File.WriteAllText(path, Good.Replace("\"source\":\"aws.sts.assume-role\",", "", StringComparison.Ordinal)); break;
            case "status-unknown": File.WriteAllText(path, Good.Replace("\"Failed\"", "\"Exploded\"", StringComparison.Ordinal)); break;
            case "not-json": File.WriteAllText(path, "{ collection"); break;
            case "fifo":
                using (var p = Process.Start("mkfifo", [path]))
                {
                    p.WaitForExit();
                }

                break;
            case "link-loop":
                File.CreateSymbolicLink(path, path + ".2");
                File.CreateSymbolicLink(path + ".2", path);
                break;
            case "folder": Directory.CreateDirectory(path); break;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_broken_collection_manifest_is_a_gap_never_a_crash_or_a_hang(string how)
    {
        using var t = new TempFolder();
        var scan = Task.Run(() => DemoMutation.Scan(t, "aws", aws => Write(Path.GetDirectoryName(aws)!, how)));
        Assert.True(await Task.WhenAny(scan, Task.Delay(TimeSpan.FromSeconds(60))) == scan, "the scan hung on collection.json");
        var (exit, _, stderr, outDir) = await scan;

        Assert.Equal(2, exit);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        Assert.Contains(doc.RootElement.GetProperty("coverage").EnumerateArray(), c =>
            c.GetProperty("source").GetString() == "collection" && c.GetProperty("status").GetString() == "failed");
    }
}
