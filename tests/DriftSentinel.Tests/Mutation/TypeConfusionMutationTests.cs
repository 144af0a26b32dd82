using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Values of the wrong kind anywhere in every JSON input: a gap or a tolerated value, never a crash.</summary>
public class TypeConfusionMutationTests
{
    private static readonly string[] Variants = ["string-to-number", "object-to-null", "object-to-array", "array-to-object", "records-to-strings", "records-to-empty-objects"];

    public static IEnumerable<object[]> Cases() =>
        DemoMutation.JsonFiles().SelectMany(f => Variants.Select(v => new object[] { f[0], v }));

    private static JsonNode? Mutate(JsonNode? node, string variant, int depth)
    {
        switch (node)
        {
            case JsonObject obj:
                if (depth > 0 && variant == "object-to-null")
                {
                    return null;
                }

                if (depth > 0 && variant == "object-to-array")
                {
                    return new JsonArray();
                }

                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    obj[key] = null;
                    obj[key] = Mutate(child, variant, depth + 1);
                }

                return obj;
            case JsonArray array:
                if (depth > 1 && variant == "array-to-object")
                {
                    return new JsonObject();
                }

                var items = array.ToList();
                array.Clear();
                foreach (var item in items)
                {
                    // The records of a file are the items of its top-level list (depth 0 or 1).
                    var replaced = depth <= 1 && variant == "records-to-strings" ? JsonValue.Create("not a record")
                        : depth <= 1 && variant == "records-to-empty-objects" ? new JsonObject()
                        : Mutate(item, variant, depth + 1);
                    array.Add(replaced);
                }

                return array;
            case JsonValue value when variant == "string-to-number" && value.GetValueKind() == JsonValueKind.String:
                return JsonValue.Create(12345);
            default:
                return node;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_value_of_the_wrong_kind_never_crashes_the_scan(string file, string variant)
    {
        using var t = new TempFolder();
        var (exit, _, stderr, outDir) = DemoMutation.Scan(t, file, path =>
        {
            var node = JsonNode.Parse(DemoMutation.ReadPlain(path));
            var mutated = Mutate(node, variant, 0);
            DemoMutation.WritePlain(path, Encoding.UTF8.GetBytes(mutated?.ToJsonString() ?? "null"));
        });

        Assert.True(exit is 0 or 1 or 2, $"exit {exit}: {stderr}");
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "findings.json")), stderr);
        if (variant is "records-to-strings")
        {
            // Records that are not records are counted: the file is never a clean read.
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
            var entries = doc.RootElement.GetProperty("coverage").EnumerateArray()
                .Where(c => c.TryGetProperty("detail", out var d) && d.GetString()!.Contains(file, StringComparison.Ordinal)).ToList();
            var items = JsonNode.Parse(DemoMutation.ReadPlain(Path.Combine(DemoMutation.DemoSnapshot, file)));
            var hadRecords = items is JsonArray { Count: > 0 } || (items is JsonObject o && o.Any(p => p.Value is JsonArray { Count: > 0 }));
            if (hadRecords)
            {
                Assert.True(entries.Count > 0 && entries.All(c => c.GetProperty("status").GetString() is "failed" or "partial"), $"{file}: {string.Join(" | ", entries.Select(e => e.GetRawText()))}");
            }
        }
    }
}
