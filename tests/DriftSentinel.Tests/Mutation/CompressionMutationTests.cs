using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Every .json.gz of the demo, broken in each way a download or a disk breaks it: a gap naming the file, never a crash.</summary>
public class CompressionMutationTests
{
    public static IEnumerable<object[]> Cases() =>
        DemoMutation.JsonFiles().Select(f => (string)f[0]).Where(f => f.EndsWith(".gz", StringComparison.Ordinal))
            .SelectMany(f => new[] { "not-gzip", "bad-crc", "random-bytes", "truncated", "empty" }.Select(m => new object[] { f, m }));

    private static void Break(string path, string how)
    {
        var bytes = File.ReadAllBytes(path);
        switch (how)
        {
            case "not-gzip":
                File.WriteAllBytes(path, DemoMutation.ReadPlain(path)); // plain JSON under a .gz name
                break;
            case "bad-crc":
                bytes[^8] ^= 0xFF; // the CRC-32 of the trailer
                File.WriteAllBytes(path, bytes);
                break;
            case "random-bytes":
                File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)((i * 7919) ^ (i >> 3))).ToArray());
                break;
            case "truncated":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_broken_gzip_is_a_gap_naming_the_file_never_a_crash(string file, string how)
    {
        using var t = new TempFolder();
        var (exit, stdout, stderr, outDir) = DemoMutation.Scan(t, file, path => Break(path, how));

        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.Contains(file, stdout, StringComparison.Ordinal); // listed as a GAP line
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        Assert.Contains(doc.RootElement.GetProperty("coverage").EnumerateArray(), c =>
            c.GetProperty("status").GetString() is "failed" or "partial" && c.GetProperty("detail").GetString()!.Contains(file, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_member_of_a_multi_member_gzip_is_read()
    {
        using var t = new TempFolder();
        var records = Enumerable.Range(0, 6).Select(i =>
            $$"""{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u{{i}}","accountId":"111122223333"},"eventTime":"2026-11-18T10:0{{i}}:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","readOnly":true,"eventID":"e{{i}}","recipientAccountId":"111122223333"}""").ToList();
        var path = Path.Combine(t.Path, "aws", "111122223333", "cloudtrail", "two-members.json.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = File.Create(path))
        {
            // Two gzip members, as `cat a.gz b.gz` or a Firehose delivery concatenates them, each a stream of records.
            foreach (var half in new[] { records.Take(3), records.Skip(3) })
            {
                using var gz = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
                gz.Write(Encoding.UTF8.GetBytes(string.Join("\n", half) + "\n"));
            }
        }

        var coverage = new DriftSentinel.Core.Model.CoverageLog();
        var events = new DriftSentinel.Aws.CloudTrailFolderStream(t.Path, Path.GetDirectoryName(path)!, "111122223333").Read(coverage).ToList();

        Assert.Equal(6, events.Count);
        Assert.Equal(DriftSentinel.Core.Model.CoverageStatus.Read, Assert.Single(coverage.Entries).Status);
    }
}
