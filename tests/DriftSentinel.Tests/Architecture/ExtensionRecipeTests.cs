using System.Diagnostics;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Architecture;

/// <summary>
/// docs/architecture.md's recipes, applied for real: tools/recipes/add-rule.sh and add-source.sh extend a scratch copy
/// of the tree by the recipe alone, then build it and show the extension working. Slow (a build each), so ./test.sh
/// runs them on their own after the main suite (trait Category=Recipe).
/// </summary>
[Trait("Category", "Recipe")]
public sealed class ExtensionRecipeTests
{
    private static async Task<(int Exit, string Output)> Recipe(string script)
    {
        using var scratch = new TempFolder();
        var start = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "tools", "recipes", script), Path.Combine(scratch.Path, "tree")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task A_rule_added_by_the_recipe_alone_builds_and_passes_its_examples_in_three_hand_written_files()
    {
        var (exit, output) = await Recipe("add-rule.sh");

        Assert.True(exit == 0, output);
        Assert.Contains("files touched by hand: 3", output, StringComparison.Ordinal);
        Assert.Contains("rules/examples/DS-LOG-099/expected.tsv", output, StringComparison.Ordinal);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0", output);
    }

    [Fact]
    public async Task A_snapshot_only_source_added_as_one_project_and_one_registration_line_is_read_and_judged()
    {
        var (exit, output) = await Recipe("add-source.sh");

        Assert.True(exit == 0, output);
        Assert.Contains("files touched: 4", output, StringComparison.Ordinal);
        Assert.Contains("log-analytics coverage read: 1; DS-LOG-001 on azure: 1", output, StringComparison.Ordinal);
    }
}
