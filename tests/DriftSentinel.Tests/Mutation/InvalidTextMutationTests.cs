using System.Text;
using System.Text.Json;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Invalid UTF-8 bytes and lone surrogate escapes inside every string of every JSON input: read, never a crash.</summary>
public class InvalidTextMutationTests
{
    // 0xC3 0x28 is an invalid two-byte sequence; "\ud800" an escaped high surrogate with no low one.
    private static readonly byte[] InvalidUtf8 = [0xC3, 0x28];
    private static readonly byte[] LoneSurrogate = Encoding.ASCII.GetBytes("\\ud800");

    /// <summary>
    /// Inserts <paramref name="bad"/> at the start of every string value that starts with a letter (after `": "` or
    /// `":"`): names, ARNs, actions, ids. Times and embedded JSON stay intact, since a record without a usable time is
    /// another class (skipped and counted), tested on its own.
    /// </summary>
    private static byte[] Poison(byte[] json, byte[] bad)
    {
        var output = new List<byte>(json.Length * 2);
        for (var i = 0; i < json.Length; i++)
        {
            output.Add(json[i]);
            // a colon, optional spaces, then an opening quote: a string value begins
            if (json[i] != (byte)':')
            {
                continue;
            }

            var j = i + 1;
            while (j < json.Length && json[j] == (byte)' ')
            {
                j++;
            }

            if (j + 1 < json.Length && json[j] == (byte)'"' && char.IsAsciiLetter((char)json[j + 1]))
            {
                for (var k = i + 1; k <= j; k++)
                {
                    output.Add(json[k]);
                }

                output.AddRange(bad);
                i = j;
            }
        }

        return [.. output];
    }

    public static IEnumerable<object[]> Cases() =>
        DemoMutation.JsonFiles().SelectMany(f => new[] { new[] { f[0], "invalid-utf8" }, new[] { f[0], "lone-surrogate" } });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_text_in_any_string_is_read_with_a_replacement_and_counted_never_a_crash(string file, string variant)
    {
        using var t = new TempFolder();
        var (exit, _, stderr, outDir) = DemoMutation.Scan(t, file, path =>
            DemoMutation.WritePlain(path, Poison(DemoMutation.ReadPlain(path), variant == "invalid-utf8" ? InvalidUtf8 : LoneSurrogate)));

        Assert.True(exit is 0 or 1 or 2, stderr);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        var scopeOf = file.Split('/');
        var failed = doc.RootElement.GetProperty("coverage").EnumerateArray()
            .Where(c => c.GetProperty("status").GetString() == "failed" && (c.TryGetProperty("detail", out var d) && d.GetString()!.Contains(file, StringComparison.Ordinal)))
            .Select(c => c.GetProperty("detail").GetString()).ToList();
        Assert.True(failed.Count == 0, $"{file} was not read: {string.Join(" | ", failed)}");
        Assert.True(scopeOf.Length > 1);
    }

    [Theory]
    [InlineData("azure/00000000-0000-0000-0000-00000000a001/activity-log.json")]
    [InlineData("aws/111122223333/iam/authorization-details.json")]
    [InlineData("aws/444455556666/cloudtrail/AWSLogs/444455556666/CloudTrail/us-east-1/2026/11/16/444455556666_CloudTrail_us-east-1_20261116T1500Z_0f548acc-0821-57.json.gz")]
    public void Replaced_strings_are_counted_in_the_files_coverage(string file)
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, file, path => DemoMutation.WritePlain(path, Poison(DemoMutation.ReadPlain(path), InvalidUtf8)));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        var note = doc.RootElement.GetProperty("coverage").EnumerateArray()
            .Select(c => c.TryGetProperty("detail", out var d) ? d.GetString()! : "")
            .Single(d => d.Contains(file, StringComparison.Ordinal));
        Assert.Matches(@"\d+ string\(s\) with invalid UTF-8 or a lone surrogate read with U\+FFFD in their place", note);
    }
}
