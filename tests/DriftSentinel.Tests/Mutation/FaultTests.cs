using System.Diagnostics;
using System.Text.Json;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>A full disk, a broken history store or a second scan never costs a report.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class FaultTests
{
    private static (int Exit, string Stdout, string Stderr) Demo(string outDir, params string[] extra) =>
        Cli.Run(["scan", "--demo", "--out", outDir, .. extra]);

    private static void AssertCompleteReportSet(string outDir)
    {
        foreach (var name in DriftSentinel.Worker.OutputModules.Reports().FileNames)
        {
            Assert.True(File.Exists(Path.Combine(outDir, name)), name);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        Assert.Equal(DemoExpectations.FindingCount, doc.RootElement.GetProperty("findings").GetArrayLength());
        Assert.EndsWith("</html>\n", File.ReadAllText(Path.Combine(outDir, "report.html")), StringComparison.Ordinal);
    }

    private static int Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.WaitForExit();
        return p.ExitCode;
    }

    [Fact]
    public void A_full_disk_leaves_the_previous_complete_report_set_in_place()
    {
        using var t = new TempFolder();
        var outDir = Path.Combine(t.Path, "reports");
        Directory.CreateDirectory(outDir);
        // Room for one report set and half of another: the second scan runs out of space while writing (sized from the
        // demo's sample reports, so the test follows the reports as they grow).
        var oneSet = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "sample-reports")).Sum(f => new FileInfo(f).Length);
        var root = Environment.UserName == "root" && Run("mount", "-t", "tmpfs", "-o", $"size={oneSet * 3 / 2 / 1024}k", "tmpfs", outDir) == 0;
        try
        {
            Assert.Equal(0, Demo(outDir).Exit);
            var before = File.ReadAllText(Path.Combine(outDir, "findings.json"));
            if (!root)
            {
                // Without root no small file system can be mounted: a folder that refuses new files stands in.
                File.SetUnixFileMode(outDir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }

            var (exit, _, stderr) = Demo(outDir, "--as-of", "2026-11-21T12:00:00Z");

            Assert.Equal(2, exit);
            Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllText(Path.Combine(outDir, "findings.json")));
            AssertCompleteReportSet(outDir);
            Assert.Empty(Directory.EnumerateDirectories(outDir, ".staging-*"));
        }
        finally
        {
            if (root)
            {
                Run("umount", outDir);
            }
            else
            {
                File.SetUnixFileMode(outDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    public static IEnumerable<object[]> BrokenStores() => new[] { "corrupt", "newer-schema", "a-folder-inside" }.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(BrokenStores))]
    public void A_broken_history_store_exits_2_and_the_reports_are_still_written(string how)
    {
        using var t = new TempFolder();
        var db = Path.Combine(t.Path, "history.db");
        switch (how)
        {
            case "corrupt":
                File.WriteAllBytes(db, Enumerable.Range(0, 8192).Select(i => (byte)(i * 31)).ToArray());
                break;
            case "newer-schema":
                using (var store = SqlHistoryStore.Open(db))
                {
                    store.Migrate();
                }

                using (var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
                {
                    sqlite.Open();
                    using var command = sqlite.CreateCommand();
                    command.CommandText = "INSERT INTO schema_version (version) VALUES (99)";
                    command.ExecuteNonQuery();
                }

                break;
            case "a-folder-inside":
                db = Path.Combine(t.Path, "state.db", "history.db");
                Directory.CreateDirectory(Path.Combine(t.Path, "state.db"));
                File.WriteAllText(Path.Combine(t.Path, "state.db", "history.db-journal"), "garbage");
                Directory.CreateDirectory(db + "-wal");
                break;
        }

        var outDir = Path.Combine(t.Path, "out");
        var (exit, _, stderr) = Demo(outDir, "--history", db);

        Assert.Equal(2, exit);
        Assert.Contains("the history store could not record this run", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // a message, not a stack trace
        AssertCompleteReportSet(outDir);
    }

    [Fact]
    public async Task Two_scans_writing_one_folder_take_turns_and_leave_a_complete_set()
    {
        using var t = new TempFolder();
        var outDir = Path.Combine(t.Path, "out");

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Demo(outDir).Exit)));

        Assert.All(results, exit => Assert.Equal(0, exit));
        AssertCompleteReportSet(outDir);
        Assert.False(File.Exists(Path.Combine(outDir, ".driftsentinel.lock")));
    }

    [Fact]
    public void A_worker_whose_state_database_is_corrupt_refuses_to_start_with_one_line()
    {
        using var t = new TempFolder();
        var config = Worker.WorkerTestSupport.WriteConfig(t.Path, Path.Combine(Worker.WorkerTestSupport.Demo, "snapshot"), null, ("nightly", "0 2 * * *", "UTC"));
        Directory.CreateDirectory(Path.Combine(t.Path, "state"));
        File.WriteAllBytes(Path.Combine(t.Path, "state", "history.db"), Enumerable.Range(0, 8192).Select(i => (byte)(i * 13)).ToArray());

        var (exit, _, stderr) = Cli.Run("worker", "--config", config);

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: the state database ", line, StringComparison.Ordinal);
        Assert.Contains("cannot be used", line, StringComparison.Ordinal);
    }
}
