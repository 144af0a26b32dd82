using System.Diagnostics;
using System.Text.Json;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Only regular files are read: every input replaced by a folder, a FIFO, a device, a loop or a dangling link.</summary>
public class FileKindMutationTests
{
    public static IEnumerable<object[]> Cases() =>
        DemoMutation.JsonFiles().Select(f => (string)f[0])
            .Concat(Directory.EnumerateFiles(DemoMutation.DemoSnapshot, "*.csv", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(DemoMutation.DemoSnapshot, f).Replace('\\', '/')))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => new[] { "folder", "fifo", "device", "link-loop", "dangling-link" }
                // A folder among a trail's files is just a folder (trails are folders of files at any depth).
                .Where(k => !(k == "folder" && f.Contains("/cloudtrail/", StringComparison.Ordinal)))
                .Select(k => new object[] { f, k }));

    private static void Replace(string path, string kind)
    {
        File.Delete(path);
        switch (kind)
        {
            case "folder":
                Directory.CreateDirectory(path);
                break;
            case "fifo":
                using (var mkfifo = Process.Start("mkfifo", [path]))
                {
                    mkfifo.WaitForExit();
                }

                break;
            case "device":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "link-loop":
                File.CreateSymbolicLink(path, path + ".other");
                File.CreateSymbolicLink(path + ".other", path);
                break;
            case "dangling-link":
                File.CreateSymbolicLink(path, path + ".gone");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_file_that_is_not_a_regular_file_is_a_failed_gap_and_never_hangs(string file, string kind)
    {
        using var t = new TempFolder();
        var scan = Task.Run(() => DemoMutation.Scan(t, file, path => Replace(path, kind)));
        var finished = await Task.WhenAny(scan, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == scan, $"the scan of a snapshot whose {file} is a {kind} did not finish");
        var (exit, stdout, stderr, outDir) = await scan;

        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        var entry = doc.RootElement.GetProperty("coverage").EnumerateArray()
            .FirstOrDefault(c => c.TryGetProperty("detail", out var d) && d.GetString()!.Contains(file, StringComparison.Ordinal));
        Assert.True(entry.ValueKind == JsonValueKind.Object, $"no coverage entry names {file}: {stdout}");
        Assert.Equal("failed", entry.GetProperty("status").GetString() is "partial" ? "failed" : entry.GetProperty("status").GetString());
        Assert.True(entry.GetProperty("gap").GetBoolean());
    }

    [Fact]
    public async Task A_folder_link_back_up_the_trail_tree_is_not_followed_forever()
    {
        using var t = new TempFolder();
        var trail = "aws/444455556666/cloudtrail/AWSLogs";
        var scan = Task.Run(() => DemoMutation.Scan(t, trail, path => Directory.CreateSymbolicLink(Path.Combine(path, "loop"), path)));
        var finished = await Task.WhenAny(scan, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == scan, "the scan followed a folder loop");
        Assert.Equal(0, (await scan).Exit);
    }
}
