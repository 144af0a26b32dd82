using System.Text;
using System.Text.Json;
using DriftSentinel.Core.Io;

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
        using var s = new MemoryStream(Encoding.UTF8.GetBytes(json));
        Assert.Equal(expected, JsonRecordStream.StartsWithRecord(s, ["eventName", "eventVersion"], ["Records"]));
    }

    [Fact]
    public void Elements_are_real_json_values()
    {
        using var s = new MemoryStream(Encoding.UTF8.GetBytes("""{"value":[{"n":{"deep":[1,2]}}]}"""));
        var kinds = JsonRecordStream.Read(s, "f", (e, _) => e.GetProperty("n").GetProperty("deep").ValueKind.ToString(), "value").ToList();
        Assert.Equal([JsonValueKind.Array.ToString()], kinds);
    }
}
