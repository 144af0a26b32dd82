using System.Diagnostics;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Architecture;

/// <summary>
/// docs/architecture.md's rule recipe, applied for real: tools/recipes/add-rule.sh adds a rule to a scratch copy of the
/// tree by the recipe alone, then builds it and runs the rule's examples. Slow (a build), so ./test.sh runs it on its
/// own after the main suite (trait Category=Recipe).
/// </summary>
[Trait("Category", "Recipe")]
public sealed class ExtensionRecipeTests
{
    [Fact]
    public async Task A_rule_added_by_the_recipe_alone_builds_and_passes_its_examples_in_three_hand_written_files()
    {
        using var scratch = new TempFolder();
        var start = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "tools", "recipes", "add-rule.sh"), Path.Combine(scratch.Path, "tree")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("files touched by hand: 3", output, StringComparison.Ordinal);
        Assert.Contains("rules/examples/DS-LOG-099/expected.tsv", output, StringComparison.Ordinal);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0", output);
    }
}
