using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.EndToEnd;

public class CliTests
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr, Clock);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Demo_scan_writes_five_reports_and_prints_the_summary_table()
    {
        using var t = new TempFolder();
        var (code, output, _) = Run("scan", "--demo", "--out", t.Path);
        Assert.Equal(0, code);
        Assert.Contains("DS-DEP-001", output, StringComparison.Ordinal);
        Assert.Contains("open findings", output, StringComparison.Ordinal);
        Assert.All(DriftSentinel.Worker.OutputModules.Reports().FileNames, f => Assert.True(File.Exists(Path.Combine(t.Path, f)), f));
    }

    [Fact]
    public void Threads_option_changes_nothing_in_the_reports()
    {
        using var one = new TempFolder();
        using var three = new TempFolder();
        Assert.Equal(0, Run("scan", "--demo", "--out", one.Path, "--threads", "1").Code);
        Assert.Equal(0, Run("scan", "--demo", "--out", three.Path, "--threads", "3").Code);
        Assert.All(DriftSentinel.Worker.OutputModules.Reports().FileNames,
            f => Assert.Equal(File.ReadAllText(Path.Combine(one.Path, f)), File.ReadAllText(Path.Combine(three.Path, f))));
    }

    [Fact]
    public void Fail_on_exits_1_when_findings_reach_the_threshold()
    {
        using var t = new TempFolder();
        Assert.Equal(1, Run("scan", "--demo", "--out", t.Path, "--fail-on", "critical").Code);
    }

    [Theory]
    [InlineData("scan", "--snapshot")]
    [InlineData("scan", "--fail-on", "severe", "--demo")]
    [InlineData("scan", "--no-such-option")]
    [InlineData("scan", "--snapshot", "/nonexistent/snapshot", "--baseline", "b.yaml")]
    [InlineData("scan", "--demo", "--as-of", "last tuesday")]
    [InlineData("scan", "--demo", "--threads", "0")]
    public void Bad_arguments_exit_2_with_a_message(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_baseline_exits_2_naming_file_line_and_key()
    {
        using var t = new TempFolder();
        var baseline = t.Write("baseline.yaml", "version: 1\norganization: X\nenvironments: []\nthresholds:\n  stale_days: 3\n");
        t.Write("snap/aws/.keep", "");
        var (code, _, err) = Run("scan", "--snapshot", Path.Combine(t.Path, "snap"), "--baseline", baseline, "--out", Path.Combine(t.Path, "out"));
        Assert.Equal(2, code);
        Assert.Contains("baseline.yaml:5:3: 'thresholds.stale_days': unknown key", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_input_exits_2_after_writing_reports_that_show_the_gap()
    {
        using var t = new TempFolder();
        var demo = DemoLocator.Find();
        CopyTree(Path.Combine(demo, "snapshot"), Path.Combine(t.Path, "snap"));
        File.WriteAllText(Path.Combine(t.Path, "snap", "azure", "00000000-0000-0000-0000-00000000a001", "activity-log.json"), "[{\"caller\": ");
        var outDir = Path.Combine(t.Path, "out");
        var (code, output, err) = Run("scan", "--snapshot", Path.Combine(t.Path, "snap"), "--baseline", Path.Combine(demo, "baseline.yaml"), "--out", outDir, "--as-of", "2026-11-20T12:00:00Z");
        Assert.Equal(2, code);
        Assert.Contains("azure/00000000-0000-0000-0000-00000000a001/activity-log.json", err, StringComparison.Ordinal);
        Assert.Contains("GAP failed azure.activity-log", output, StringComparison.Ordinal);
        var json = File.ReadAllText(Path.Combine(outDir, "findings.json"));
        Assert.Contains("\"status\": \"failed\"", json, StringComparison.Ordinal);
        // Everything read elsewhere is still evaluated.
        Assert.Contains("DS-LOG-001", json, StringComparison.Ordinal);
        Assert.Equal(0, Run("scan", "--snapshot", Path.Combine(t.Path, "snap"), "--baseline", Path.Combine(demo, "baseline.yaml"), "--out", outDir, "--allow-gaps").Code);
    }

    internal static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
