using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DriftSentinel.Aws;
using DriftSentinel.Core.Io;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Readers;

/// <summary>
/// CloudTrail records are read straight from their bytes, and whatever that reader declines goes through the
/// document mapper: for every record of every real sample, both must give the same event, the same skips and the
/// same faults.
/// </summary>
public class CloudTrailDirectReaderTests
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    [Fact]
    public void Direct_reading_gives_the_document_mappers_events_for_every_public_and_demo_sample()
    {
        var roots = new List<string> { TestPaths.Fixture(""), Path.Combine(DriftSentinel.Worker.DemoLocator.Find(), "snapshot") };
        var shared = Path.GetFullPath(Path.Combine(TestPaths.RepositoryRoot, "..", "shared", "data"));
        if (Directory.Exists(shared))
        {
            roots.Add(shared);
        }

        long records = 0;
        var files = 0;
        var directBefore = CloudTrailRecordReader.t_direct;
        foreach (var file in roots.SelectMany(r => Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories))
                     .Where(f => (f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                                 && new FileInfo(f).Length < 8 << 20))
        {
            var (general, generalSkips, generalFault) = Read(file, direct: false);
            var (direct, directSkips, directFault) = Read(file, direct: true);
            Assert.True(generalFault == directFault, $"{file}: fault '{generalFault}' vs '{directFault}'");
            Assert.True(generalSkips == directSkips, $"{file}: skips '{generalSkips}' vs '{directSkips}'");
            Assert.Equal(general.Count, direct.Count);
            for (var i = 0; i < general.Count; i++)
            {
                Assert.True(general[i] == direct[i], $"{file} record {i}:\n{general[i]}\n{direct[i]}");
            }

            records += general.Count;
            files += general.Count > 0 ? 1 : 0;
        }

        Assert.True(records > 500 && files > 20, $"only {records} records in {files} files compared");
        var fast = CloudTrailRecordReader.t_direct - directBefore;
        Assert.True(fast > records / 2, $"only {fast} of {records} records were read straight from their bytes");
    }

    [Fact]
    public void Declined_shapes_are_read_the_general_way_with_their_tolerance()
    {
        using var t = new TempFolder();
        var lines = new[]
        {
            // lower-cased keys, an EventBridge envelope, a LookupEvents wrapper, a number where text belongs,
            // invalid UTF-8, escaped names, a record with no eventName, an odd time format
            """{"eventversion":"1.08","eventtime":"2026-11-20T10:00:00Z","eventname":"PutObject","eventsource":"s3.amazonaws.com","useridentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"}}""",
            """{"detail-type":"AWS API Call via CloudTrail","detail":{"eventTime":"2026-11-20T10:00:01Z","eventName":"RunInstances","eventSource":"ec2.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/b"}}}""",
            """{"EventId":"x","CloudTrailEvent":"{\"eventTime\":\"2026-11-20T10:00:02Z\",\"eventName\":\"ConsoleLogin\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/c\"},\"responseElements\":{\"ConsoleLogin\":\"Failure\"}}"}""",
            """{"eventTime":"2026-11-20T10:00:03Z","eventName":"GetObject","eventSource":42,"readOnly":"true","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/d"}}""",
            "{\"eventTime\":\"2026-11-20T10:00:04Z\",\"eventName\":\"PutObject\",\"userAgent\":\"bad \xff byte\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/e\"}}",
            """{"event\u0054ime":"2026-11-20T10:00:05Z","eventName":"PutObject","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/f"}}""",
            """{"eventTime":"2026-11-20T10:00:06Z","userIdentity":{"type":"IAMUser"}}""",
            """{"eventTime":"2026-11-20 10:00:07.250+00:00","eventName":"AssumeRoleWithWebIdentity","requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/deploy","durationSeconds":3600,"roleSessionName":"gh"},"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLE"},"subjectFromWebIdentityToken":"repo:o/r:environment:prod","provider":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"resources":[{"accountId":"1"},{"ARN":"arn:aws:iam::111122223333:role/deploy"}],"userIdentity":{"type":"WebIdentityUser","userName":"repo:o/r:environment:prod","identityProvider":"token.actions.githubusercontent.com"}}""",
        };
        var path = Path.Combine(t.Path, "mixed.jsonl");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(string.Join("\n", lines)));

        var (general, generalSkips, _) = Read(path, direct: false);
        var (direct, directSkips, _) = Read(path, direct: true);
        Assert.Equal(general, direct);
        Assert.Equal(generalSkips, directSkips);
        Assert.Equal(7, direct.Count);
        Assert.Contains("no eventName", directSkips, StringComparison.Ordinal);
        Assert.Contains("ASIAEXAMPLE", direct[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_split_across_read_buffers_is_read_whole()
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "big.json.gz");
        var records = Enumerable.Range(0, 3000).Select(i =>
            "{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-11-20T10:" + (i / 60 % 60).ToString("D2", System.Globalization.CultureInfo.InvariantCulture) + ":" + (i % 60).ToString("D2", System.Globalization.CultureInfo.InvariantCulture)
            + $"Z\",\"eventName\":\"PutObject\",\"eventSource\":\"s3.amazonaws.com\",\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"111122223333\",\"eventID\":\"id-{i}\","
            + $"\"userIdentity\":{{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::111122223333:assumed-role/App/s{i}\",\"accessKeyId\":\"ASIA{i}\",\"sessionContext\":{{\"sessionIssuer\":{{\"arn\":\"arn:aws:iam::111122223333:role/App\"}},\"attributes\":{{\"mfaAuthenticated\":\"false\"}}}}}},"
            + $"\"requestParameters\":{{\"bucketName\":\"b{i % 7}\",\"key\":\"{new string('k', i % 300)}\"}},\"responseElements\":null}}");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes("{\"Records\":[" + string.Join(",", records) + "]}"));
        }

        var (general, _, _) = Read(path, direct: false);
        var before = CloudTrailRecordReader.t_direct;
        var (direct, _, _) = Read(path, direct: true);
        Assert.Equal(3000, CloudTrailRecordReader.t_direct - before);
        Assert.Equal(3000, direct.Count);
        Assert.Equal(general, direct);
    }

    private static (List<string> Events, string Skips, string? Fault) Read(string file, bool direct)
    {
        var stream = new CloudTrailFolderStream(Path.GetDirectoryName(file)!, Path.GetDirectoryName(file)!, "000000000000");
        var skips = new RecordSkips();
        var events = new List<string>();
        string? fault = null;
        try
        {
            foreach (var e in stream.Open(file, "f", skips, direct))
            {
                events.Add(JsonSerializer.Serialize(e, Options));
            }
        }
        catch (Exception e) when (e is InputFormatException or InvalidDataException or IOException)
        {
            fault = e.Message;
        }

        return (events, skips.Describe("f", events.Count + skips.Count), fault);
    }
}
