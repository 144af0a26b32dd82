using System.Text.Json;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Rules;
using DriftSentinel.History;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;
using NJsonSchema;

namespace DriftSentinel.Tests.Reporting;

/// <summary>
/// findings.sarif and findings.ocsf.jsonl validate against their published schemas (fixtures/schemas, with their
/// licences): SARIF 2.1.0 (OASIS, errata 01) and OCSF 1.5.0's Detection Finding from its compiled export.
/// </summary>
public sealed class OutputSchemaTests
{
    private static readonly string Schemas = Path.Combine(TestPaths.RepositoryRoot, "tests", "DriftSentinel.Tests", "fixtures", "schemas");

    private static string DemoFolder => Path.Combine(TestPaths.RepositoryRoot, "demo");

    private static ScanResult Demo() =>
        ScanCommand.Scan(Path.Combine(DemoFolder, "snapshot"), BaselineLoader.Load(Path.Combine(DemoFolder, "baseline.yaml")), RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")), DemoLocator.AsOf(DemoFolder), "demo");

    [Fact]
    public async Task The_demo_sarif_validates_against_the_sarif_2_1_0_schema_with_one_result_per_open_finding()
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(Schemas, "sarif", "sarif-schema-2.1.0.json"));
        var result = Demo();
        var sarif = Write(s => SarifReportWriter.Write(result, s));
        Assert.Empty(schema.Validate(sarif));

        using var doc = JsonDocument.Parse(sarif);
        var run = doc.RootElement.GetProperty("runs")[0];
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(result.Active.Count(), results.Count);
        Assert.Equal(result.Catalogue.Rules.Count, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
        Assert.Equal(
            result.Active.Select(f => f.Fingerprint).Order(StringComparer.Ordinal),
            results.Select(r => r.GetProperty("partialFingerprints").GetProperty(SarifReportWriter.FingerprintKey).GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal("error", results[0].GetProperty("level").GetString()); // most severe first
        Assert.Equal(sarif, Write(s => SarifReportWriter.Write(Demo(), s))); // stable across runs
        Assert.NotEmpty(schema.Validate(sarif.Replace("\"level\": \"error\"", "\"level\": \"fatal\"", StringComparison.Ordinal))); // the schema has teeth
    }

    [Fact]
    public async Task A_sarif_file_over_the_result_limit_keeps_the_most_severe_and_says_what_it_left_out()
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(Schemas, "sarif", "sarif-schema-2.1.0.json"));
        var result = Demo();
        var sarif = Write(s => SarifReportWriter.Write(result, s, maxResults: 5));
        Assert.Empty(schema.Validate(sarif));
        using var doc = JsonDocument.Parse(sarif);
        var run = doc.RootElement.GetProperty("runs")[0];
        var kept = run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("level").GetString()).ToList();
        Assert.Equal(5, kept.Count);
        Assert.All(kept, l => Assert.Equal("error", l));
        var note = run.GetProperty("invocations")[0].GetProperty("toolExecutionNotifications")[0].GetProperty("message").GetProperty("text").GetString();
        Assert.StartsWith($"{result.Active.Count() - 5} of {result.Active.Count()} open finding(s) are not in this file", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_ocsf_detection_finding_validates_and_follows_the_lifecycle_between_runs()
    {
        var withCloud = await JsonSchema.FromJsonAsync(OcsfJsonSchema.Build(Path.Combine(Schemas, "ocsf", "detection_finding-1.5.0.json"), ["cloud"]));
        var plain = await JsonSchema.FromJsonAsync(OcsfJsonSchema.Build(Path.Combine(Schemas, "ocsf", "detection_finding-1.5.0.json"), []));

        // Run 1 records every demo finding; run 2 no longer sees one (its scope read completely): it is resolved.
        using var temp = new TempFolder();
        using var store = SqlHistoryStore.Open(Path.Combine(temp.Path, "history.db"));
        store.Migrate();
        var first = Demo();
        var firstRun = new RunHistoryReport(HistoryRecorder.Record(store, first, "nightly", "demo", Cli.Now, Cli.Now)!);
        var gone = first.Active.First(f => f.RuleId == "DS-CRED-001");
        var second = Demo();
        second = second.With(findings: [.. second.Findings.Where(f => f.Fingerprint != gone.Fingerprint)]);
        var secondRun = new RunHistoryReport(HistoryRecorder.Record(store, second, "nightly", "demo", Cli.Now.AddDays(1), Cli.Now.AddDays(1))!);

        var events = new List<JsonElement>();
        foreach (var (result, history) in new[] { (first, (RunHistoryReport?)null), (first, firstRun), (second, secondRun) })
        {
            var lines = Write(s => OcsfReportWriter.Write(result, s, history)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines)
            {
                using var doc = JsonDocument.Parse(line);
                var profiles = doc.RootElement.GetProperty("metadata").TryGetProperty("profiles", out var p) ? p.EnumerateArray().Select(x => x.GetString()).ToList() : [];
                var errors = (profiles.Contains("cloud") ? withCloud : plain).Validate(line);
                Assert.True(errors.Count == 0, $"{string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}"))} in {line}");
                events.Add(doc.RootElement.Clone());
            }
        }

        // The schema has teeth: a missing uid, an id outside its enumeration and an attribute OCSF does not define are refused.
        var sample = events[0].GetRawText();
        Assert.NotEmpty(withCloud.Validate(sample.Replace($"\"uid\":\"{Uid(events[0])}\",", "", StringComparison.Ordinal)));
        Assert.NotEmpty(withCloud.Validate(sample.Replace("\"status_id\":1", "\"status_id\":7", StringComparison.Ordinal)));
        Assert.NotEmpty(withCloud.Validate(sample.Replace("\"count\":", "\"occurrences\":", StringComparison.Ordinal)));
        Assert.NotEmpty(plain.Validate(sample)); // "cloud" belongs to the cloud profile, which the plain schema lacks

        var runs = events.Chunk(first.Findings.Count).ToList();
        Assert.All(events, e => Assert.Equal(2004, e.GetProperty("class_uid").GetInt32()));
        Assert.Equal(first.Findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), runs[0].Select(Uid).Order(StringComparer.Ordinal));
        Assert.All(runs[1].Where(e => e.GetProperty("status_id").GetInt32() != 3), e => Assert.Equal((1, 1), (e.GetProperty("activity_id").GetInt32(), e.GetProperty("status_id").GetInt32()))); // Create, New
        Assert.Contains(runs[1], e => e.GetProperty("status").GetString() == "Suppressed"); // the demo's excepted finding

        // Run 2: still open → Update / In Progress; the one not seen → Close / Resolved, with the same uid.
        var last = events.Skip(2 * first.Findings.Count).ToList();
        Assert.All(last.Where(e => Uid(e) != gone.Fingerprint && e.GetProperty("status_id").GetInt32() != 3), e => Assert.Equal((2, 2), (e.GetProperty("activity_id").GetInt32(), e.GetProperty("status_id").GetInt32())));
        var closed = Assert.Single(last, e => Uid(e) == gone.Fingerprint);
        Assert.Equal((3, 4, 200403L), (closed.GetProperty("activity_id").GetInt32(), closed.GetProperty("status_id").GetInt32(), closed.GetProperty("type_uid").GetInt64()));
    }

    private static string Uid(JsonElement e) => e.GetProperty("finding_info").GetProperty("uid").GetString()!;

    private static string Write(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
