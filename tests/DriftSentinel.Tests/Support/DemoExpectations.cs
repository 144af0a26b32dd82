namespace DriftSentinel.Tests.Support;

/// <summary>The demo's expected findings, read from demo/expected-findings.tsv (the one list tests and docs/demo.md use).</summary>
public static class DemoExpectations
{
    private static readonly Lazy<IReadOnlyList<(string Rule, string Severity, string Status, string Principal, string Resource)>> Rows = new(() =>
        [.. File.ReadLines(Path.Combine(TestPaths.RepositoryRoot, "demo", "expected-findings.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Skip(1)
            .Select(l => l.Split('\t'))
            .Select(c => (c[0], c[1], c[2], c[3], c[4]))]);

    public static IReadOnlyList<(string Rule, string Severity, string Status, string Principal, string Resource)> Findings => Rows.Value;

    public static int FindingCount => Findings.Count;

    /// <summary>Findings not suppressed (open, including open after an exception expired).</summary>
    public static int OpenCount => Findings.Count(f => f.Status.StartsWith("open", StringComparison.Ordinal));
}
