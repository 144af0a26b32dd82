using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Every time of every JSON input replaced by one nobody can compute with: skipped and counted, or refused, never a crash.</summary>
public partial class TimeMutationTests
{
    [GeneratedRegex(@"""(\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)""")]
    private static partial Regex IsoTime();

    private static readonly string[] Variants = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1700000000", "20/11/2026 10:00", "", "garbage"];

    public static IEnumerable<object[]> Cases() =>
        DemoMutation.JsonFiles().Select(f => (string)f[0])
            .Where(f => IsoTime().IsMatch(Encoding.UTF8.GetString(DemoMutation.ReadPlain(Path.Combine(DemoMutation.DemoSnapshot, f)))))
            .SelectMany(f => Variants.Select(v => new object[] { f, v }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_unusable_time_is_skipped_and_counted_or_refused_never_a_crash(string file, string variant)
    {
        using var t = new TempFolder();
        var (exit, _, stderr, outDir) = DemoMutation.Scan(t, file, path =>
        {
            var text = Encoding.UTF8.GetString(DemoMutation.ReadPlain(path));
            DemoMutation.WritePlain(path, Encoding.UTF8.GetBytes(IsoTime().Replace(text, $"\"{variant}\"")));
        });

        Assert.True(exit is 0 or 1 or 2, stderr);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        var coverage = doc.RootElement.GetProperty("coverage").EnumerateArray().ToList();

        // Audit records need their time: a trail file whose times are all unusable is never a clean read.
        // (A lookup-events file's own EventTime is not read: its record is the embedded CloudTrailEvent.)
        // (public-keys.json's times are the keys' validity, not audit records.)
        var trail = (file.Contains("/cloudtrail/", StringComparison.Ordinal) && !file.Contains("lookup-events", StringComparison.Ordinal) && !file.EndsWith("public-keys.json", StringComparison.Ordinal)) || file.EndsWith("activity-log.json", StringComparison.Ordinal) || file.EndsWith("sign-ins.json", StringComparison.Ordinal);
        if (trail)
        {
            Assert.Contains(coverage, c => c.GetProperty("status").GetString() is "failed" or "partial"
                && c.GetProperty("detail").GetString()!.Contains(file, StringComparison.Ordinal));
            Assert.Equal(2, exit);
        }

        // Nothing dated year 1 or 9999 reaches the rules.
        Assert.DoesNotContain("0001-01-01", File.ReadAllText(Path.Combine(outDir, "findings.csv")), StringComparison.Ordinal);
        Assert.DoesNotContain("9999-12-31", File.ReadAllText(Path.Combine(outDir, "findings.csv")), StringComparison.Ordinal);
    }
}
