using System.Text;
using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Core;

public class JsonRecordStreamTests
{
    private static List<string> Read(string json, params string[] props)
    {
        using var s = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return JsonRecordStream.Read(s, "f.json", (e, i) => $"{i}:{e.GetProperty("n").GetRawText()}", props).ToList();
    }

    [Fact]
    public void Reads_records_under_a_named_property_after_other_properties()
    {
        Assert.Equal(["0:1", "1:2"], Read("""{"meta":{"a":[1,2,{"b":"}"}]},"Records":[{"n":1},{"n":2}],"after":true}""", "Records"));
    }

    [Fact]
    public void Reads_a_top_level_array() => Assert.Equal(["0:\"x\""], Read("""[{"n":"x"}]"""));

    [Fact]
    public void Reads_records_larger_than_the_read_buffer()
    {
        var big = new string('a', 300_000);
        var json = "{\"Records\":[" + string.Join(",", Enumerable.Range(0, 5).Select(i => $"{{\"n\":{i},\"pad\":\"{big}\"}}")) + "]}";
        Assert.Equal(5, Read(json, "Records").Count);
    }

    [Fact]
    public void Streams_many_records_in_small_memory()
    {
        var sb = new StringBuilder("{\"Records\":[");
        for (var i = 0; i < 20_000; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append("{\"n\":").Append(i).Append(",\"eventName\":\"GetObject\"}");
        }

        var records = Read(sb.Append("]}").ToString(), "Records");
        Assert.Equal(20_000, records.Count);
        Assert.Equal("19999:19999", records[^1]);
    }

    [Fact]
    public void Malformed_json_names_the_record_and_line()
    {
        var e = Assert.Throws<InputFormatException>(() => Read("{\"Records\":[\n{\"n\":1},\n{\"n\":2,,}\n]}", "Records"));
        Assert.Equal("f.json", e.File);
        Assert.Contains("record 1", e.Position, StringComparison.Ordinal);
        Assert.Contains("line 3", e.Position, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_json_is_an_error()
    {
        var e = Assert.Throws<InputFormatException>(() => Read("{\"Records\":[{\"n\":1},{\"n\":", "Records"));
        Assert.Contains("record 1", e.Position, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_array_property_is_an_error_naming_what_was_expected()
    {
        var e = Assert.Throws<InputFormatException>(() => Read("{\"Other\":[]}", "Records", "Events"));
        Assert.Contains("Records or Events", e.Problem, StringComparison.Ordinal);
    }

    private static List<string> ReadValues(string json)
    {
        using var s = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return JsonRecordStream.ReadValues(s, "f.json", (e, i) => $"{i}:{e.GetProperty("n").GetRawText()}").ToList();
    }

    [Fact]
    public void Reads_json_lines_and_concatenated_values()
    {
        Assert.Equal(["0:1", "1:2", "2:3"], ReadValues("{\"n\":1}\n{\"n\":2}\r\n\n{\"n\":3}\n"));
        Assert.Equal(["0:1", "1:2"], ReadValues("{\"n\":1}{\"n\":2}"));
    }

    [Fact]
    public void Truncated_value_stream_is_an_error_after_the_complete_values()
    {
        using var s = new MemoryStream(Encoding.UTF8.GetBytes("{\"n\":1}\n{\"n\":"));
        var seen = new List<long>();
        var e = Assert.Throws<InputFormatException>(() =>
        {
            foreach (var x in JsonRecordStream.ReadValues(s, "f.json", (el, i) => (object)i))
            {
                seen.Add((long)x);
            }
        });
        Assert.Equal([0L], seen);
        Assert.Contains("record 1", e.Position, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"eventVersion\":\"1.08\",\"eventName\":\"X\"}\n{\"eventName\":\"Y\"}", true)]
    [InlineData("{\"Records\":[{\"eventName\":\"X\"}]}", false)]
    [InlineData("[{\"eventName\":\"X\"}]", false)]
    public void Tells_a_record_stream_from_a_document(string json, bool expected)
    {
        Assert.Equal(expected, JsonRecordStream.StartsWithRecord(Encoding.UTF8.GetBytes(json), complete: true, ["eventName", "eventVersion"], ["Records"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_larger_than_the_sniffed_first_mebibyte_is_read_whole_and_inflated_once(bool stream)
    {
        // 30,000 records of about 70 bytes: the framing is decided from the first MiB, which is replayed, not re-read.
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "big.json.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz, new UTF8Encoding(false)))
        {
            w.Write(stream ? "" : "{\"Records\":[");
            for (var i = 0; i < 30_000; i++)
            {
                w.Write(stream ? (i == 0 ? "" : "\n") : (i == 0 ? "" : ","));
                w.Write($"{{\"eventVersion\":\"1.08\",\"eventName\":\"E{i}\",\"pad\":\"{new string('x', 30)}\"}}");
            }

            w.Write(stream ? "" : "]}");
        }

        var names = JsonRecordStream.ReadFile(path, "big.json.gz", (e, _) => e.GetProperty("eventName").GetString(), ["eventName", "eventVersion"], "Records").ToList();
        Assert.Equal(30_000, names.Count);
        Assert.Equal(Enumerable.Range(0, 30_000).Select(i => $"E{i}"), names);
    }

    [Fact]
    public void Elements_are_real_json_values()
    {
        using var s = new MemoryStream(Encoding.UTF8.GetBytes("""{"value":[{"n":{"deep":[1,2]}}]}"""));
        var kinds = JsonRecordStream.Read(s, "f", (e, _) => e.GetProperty("n").GetProperty("deep").ValueKind.ToString(), "value").ToList();
        Assert.Equal([JsonValueKind.Array.ToString()], kinds);
    }
}
