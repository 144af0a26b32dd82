using DriftSentinel.Tests.EndToEnd;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Trust;

/// <summary>Every failure exits 2 with one clear line; exit 1 means only "findings at or above --fail-on".</summary>
public class ExitCodeTests
{
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args) => Cli.Run(args);

    private static void AssertOneClearLine(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_rules_folder_exits_2()
    {
        using var t = new TempFolder();
        var (exit, _, err) = Run("scan", "--demo", "--out", Path.Combine(t.Path, "out"), "--rules", Path.Combine(t.Path, "no-rules"));
        Assert.Equal(2, exit);
        AssertOneClearLine(err, "rule catalogue folder");
    }

    [Fact]
    public void A_rules_folder_missing_one_rule_file_exits_2_naming_it()
    {
        using var t = new TempFolder();
        CliTests.CopyTree(Path.Combine(TestPaths.RepositoryRoot, "rules"), Path.Combine(t.Path, "rules"));
        File.Delete(Path.Combine(t.Path, "rules", "DS-LOG-001.yaml"));

        var (exit, _, err) = Run("scan", "--demo", "--out", Path.Combine(t.Path, "out"), "--rules", Path.Combine(t.Path, "rules"));

        Assert.Equal(2, exit);
        AssertOneClearLine(err, "no entry for DS-LOG-001 (expected DS-LOG-001.yaml)");
    }

    [Fact]
    public void Out_pointing_at_a_file_exits_2()
    {
        using var t = new TempFolder();
        var file = t.Write("reports", "not a folder");
        var (exit, _, err) = Run("scan", "--demo", "--out", file);
        Assert.Equal(2, exit);
        AssertOneClearLine(err, "is a file; expected a folder");
    }

    [Theory]
    [InlineData("findings", "list")]
    [InlineData("runs", "list")]
    public void Read_commands_never_create_a_history_database(string command, string sub)
    {
        using var t = new TempFolder();
        var db = Path.Combine(t.Path, "typo", "histroy.db");

        var (exit, _, err) = Run(command, sub, "--history", db);

        Assert.Equal(2, exit);
        AssertOneClearLine(err, "no history database at");
        Assert.False(File.Exists(db));
        Assert.False(Directory.Exists(Path.GetDirectoryName(db)));
    }

    [Fact]
    public void Runs_diff_with_an_unknown_run_exits_2()
    {
        using var t = new TempFolder();
        var db = Path.Combine(t.Path, "history.db");
        Run("scan", "--demo", "--out", Path.Combine(t.Path, "r1"), "--history", db);

        var (exit, _, err) = Run("runs", "diff", "1", "7", "--history", db);

        Assert.Equal(2, exit);
        AssertOneClearLine(err, "no finished run #7");
    }
}
