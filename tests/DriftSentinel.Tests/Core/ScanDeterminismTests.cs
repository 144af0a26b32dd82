using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Rules;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Core;

/// <summary>
/// The trail's files are read on several threads, each with its own rule state, then merged: the reports must be
/// byte-identical whatever the number of threads and whichever file a thread happens to take first.
/// </summary>
public class ScanDeterminismTests
{
    private static readonly string Demo = DemoLocator.Find();

    [Fact]
    public void Demo_reports_are_identical_on_one_thread_on_several_and_in_shuffled_file_order()
    {
        var snapshot = Path.Combine(Demo, "snapshot");
        var one = Reports(snapshot, threads: 1, shuffleSeed: null);
        Assert.Equal(one, Reports(snapshot, threads: 2, shuffleSeed: null));
        Assert.Equal(one, Reports(snapshot, threads: 4, shuffleSeed: 7));
        Assert.Equal(one, Reports(snapshot, threads: 1, shuffleSeed: 11));
    }

    [Fact]
    public void A_trail_cut_into_one_file_per_record_gives_the_same_reports_on_any_thread_count_and_order()
    {
        using var t = new TempFolder();
        CopyFolder(Path.Combine(Demo, "snapshot"), t.Path);
        var files = SplitIntoRecordFiles(t.Path);
        Assert.True(files > 20, $"expected the demo trail to split into many files, got {files}");

        var one = Reports(t.Path, threads: 1, shuffleSeed: null);
        Assert.Contains("DS-DEP-001", one["findings.json"], StringComparison.Ordinal);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            Assert.Equal(one, Reports(t.Path, threads: 3, shuffleSeed: seed));
        }

        Assert.Equal(one, Reports(t.Path, threads: 2, shuffleSeed: null));
        Assert.Equal(one, ReportsFromPartials(t.Path, leaveOut: null));
    }

    [Fact]
    public void Demo_reports_are_identical_when_each_scope_is_evaluated_apart_and_merged()
    {
        var snapshot = Path.Combine(Demo, "snapshot");
        var whole = Reports(snapshot, threads: 2, shuffleSeed: null);
        Assert.Equal(whole, ReportsFromPartials(snapshot, leaveOut: null));

        // A scope whose partial state is missing (its job failed) is read by the merging scan itself.
        Assert.Equal(whole, ReportsFromPartials(snapshot, leaveOut: "aws/444455556666"));
    }

    [Fact]
    public void A_partial_state_written_for_other_rules_is_ignored_and_its_streams_read_again()
    {
        var snapshot = Path.Combine(Demo, "snapshot");
        var baseline = BaselineLoader.Load(Path.Combine(Demo, "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));
        var fewer = new ScanEngine(catalogue, [.. Rule.All().Where(r => r.Id != "DS-DEP-001")]);
        using var state = new MemoryStream();
        fewer.EvaluatePartial(SourceModules.Default().Read(snapshot, baseline), baseline, DemoLocator.AsOf(Demo), _ => true, state);

        var engine = new ScanEngine(catalogue);
        var merged = engine.Run(SourceModules.Default().Read(snapshot, baseline), baseline, DemoLocator.AsOf(Demo), "demo", null, [state.ToArray()]);
        var plain = engine.Run(SourceModules.Default().Read(snapshot, baseline), baseline, DemoLocator.AsOf(Demo), "demo");
        Assert.Equal(plain.Findings.Select(f => f.Fingerprint), merged.Findings.Select(f => f.Fingerprint));
        Assert.Equal(plain.Run.EventsRead, merged.Run.EventsRead);
    }

    /// <summary>Each scope's streams evaluated apart (as a worker's scope job does) and the states merged by a final scan.</summary>
    private static Dictionary<string, string> ReportsFromPartials(string snapshot, string? leaveOut)
    {
        var baseline = BaselineLoader.Load(Path.Combine(Demo, "baseline.yaml"));
        var catalogue = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));
        var asOf = DemoLocator.AsOf(Demo);
        var scopes = SourceModules.Default().Read(snapshot, baseline).Streams
            .Select(s => string.Join('/', s.Name.Split('/').Take(2))).Distinct().Where(s => s != leaveOut).ToList();
        Assert.True(scopes.Count >= 3, $"expected the demo to have several scopes with activity, got {scopes.Count}");
        var states = new List<byte[]>();
        foreach (var scope in scopes)
        {
            using var state = new MemoryStream();
            var summary = new ScanEngine(catalogue) { Threads = 2 }.EvaluatePartial(
                SourceModules.Default().Read(snapshot, baseline), baseline, asOf, s => s.Name.StartsWith(scope + "/", StringComparison.Ordinal), state);
            Assert.NotEmpty(summary.Streams);
            Assert.Equal(state.Length, summary.StateBytes);
            states.Add(state.ToArray());
        }

        // Merged in reverse: the order the states arrive in must not matter either.
        states.Reverse();
        var result = new ScanEngine(catalogue) { Threads = 2 }.Run(SourceModules.Default().Read(snapshot, baseline), baseline, asOf, "demo", null, states);
        using var t = new TempFolder();
        OutputModules.Reports().WriteAll(result, t.Path);
        return OutputModules.Reports().FileNames.ToDictionary(n => n, n => File.ReadAllText(Path.Combine(t.Path, n)));
    }

    private static Dictionary<string, string> Reports(string snapshot, int threads, int? shuffleSeed)
    {
        var baseline = BaselineLoader.Load(Path.Combine(Demo, "baseline.yaml"));
        var engine = new ScanEngine(RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")))
        {
            Threads = threads,
            TakeOrder = shuffleSeed is { } seed ? count => Shuffled(count, seed) : null,
        };
        var result = engine.Run(SourceModules.Default().Read(snapshot, baseline), baseline, DemoLocator.AsOf(Demo), "demo");
        using var t = new TempFolder();
        OutputModules.Reports().WriteAll(result, t.Path);
        return OutputModules.Reports().FileNames.ToDictionary(n => n, n => File.ReadAllText(Path.Combine(t.Path, n)));
    }

    private static List<int> Shuffled(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return [.. order];
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    // Every S3-delivered log file becomes one file per record, named so the read order stays the same.
    private static int SplitIntoRecordFiles(string root)
    {
        var written = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*_CloudTrail_*.json.gz", SearchOption.AllDirectories).ToList())
        {
            JsonArray records;
            using (var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress))
            {
                records = JsonNode.Parse(gz)!["Records"]!.AsArray();
            }

            File.Delete(file);
            for (var i = 0; i < records.Count; i++)
            {
                var part = file.Replace(".json.gz", $"-{i:D4}.json.gz", StringComparison.Ordinal);
                using var output = new GZipStream(File.Create(part), CompressionLevel.Fastest);
                JsonSerializer.Serialize(output, new JsonObject { ["Records"] = new JsonArray(records[i]!.DeepClone()) });
                written++;
            }
        }

        return written;
    }
}

public class RuleMergeabilityTests
{
    [Fact]
    public void Every_rule_that_keeps_state_from_events_says_how_to_merge_it()
    {
        Assert.All(Rule.All(), r => Assert.True(r.CanMerge, $"{r.Id} overrides Observe but not Merge: a scan on several threads would lose what the other threads saw"));
    }

    [Fact]
    public void Every_rule_that_keeps_state_from_events_can_write_it_for_another_worker()
    {
        Assert.All(Rule.All(), r => Assert.True(r.CanPersist, $"{r.Id} overrides Observe but not WriteState/ReadState: a worker's scope job could not hand its state on"));
    }
}

public class ParallelScanFaultTests
{
    /// <summary>A stream whose second part throws something no reader turns into coverage (a bug, not bad input).</summary>
    private sealed class FaultyStream : DriftSentinel.Core.Sources.IActivityStream
    {
        public string Name => "faulty";

        public IEnumerable<DriftSentinel.Core.Model.ActivityEvent> Read(DriftSentinel.Core.Model.CoverageLog coverage) => [];

        public DriftSentinel.Core.Sources.ActivityParts Parts(DriftSentinel.Core.Model.CoverageLog coverage) =>
            new([.. Enumerable.Range(0, 8).Select(i => (Func<IEnumerable<DriftSentinel.Core.Model.ActivityEvent>>)(() => i == 1 ? throw new InvalidOperationException("part 1 broke") : []))], () => { });
    }

    [Fact]
    public void A_fault_on_one_thread_stops_the_scan_with_its_message_instead_of_hanging()
    {
        var baseline = BaselineLoader.Parse("version: 1\norganization: X\nenvironments: []\n", "b.yaml");
        var input = new DriftSentinel.Core.Model.ScanInput();
        input.Streams.Add(new FaultyStream());
        var engine = new ScanEngine(RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"))) { Threads = 2 };

        var e = Assert.Throws<InvalidOperationException>(() => engine.Run(input, baseline, DateTimeOffset.UnixEpoch, "x"));
        Assert.Contains("part 1 broke", e.Message, StringComparison.Ordinal);
    }
}
