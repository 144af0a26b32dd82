using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Sources;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;
using DriftSentinel.Worker.Scheduling;

namespace DriftSentinel.Tests.Architecture;

/// <summary>
/// A source is one module and one registration line: the CLI reads its folders, the worker stages them, the live
/// dispatch collects it and the configuration binds its section, all without naming it anywhere else.
/// </summary>
public sealed class SourceModuleTests
{
    private static string Demo => Path.Combine(TestPaths.RepositoryRoot, "demo");

    [Fact]
    public void Every_folder_of_the_demo_snapshot_is_owned_by_a_registered_module()
    {
        var owned = SourceModules.Default().SnapshotFolders.ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(Path.Combine(Demo, "snapshot")).Select(Path.GetFileName))
        {
            Assert.Contains(folder!, owned);
        }
    }

    [Fact]
    public void Every_scope_the_worker_stages_from_the_demo_is_read_by_the_cli()
    {
        using var t = new TempFolder();
        var settings = WorkerSettings(t, """ "Snapshot": "SNAP" """.Replace("SNAP", Path.Combine(Demo, "snapshot").Replace("\\", "/", StringComparison.Ordinal), StringComparison.Ordinal), SourceModules.Default());
        var scopes = ScopeStaging.Discover(settings.Profiles[0], settings);
        var input = SourceModules.Default().Read(Path.Combine(Demo, "snapshot"), BaselineLoader.Load(Path.Combine(Demo, "baseline.yaml")));
        var read = input.InputsRead.Concat(input.Streams.SelectMany(s => s.InputFiles()).Select(f => Path.GetRelativePath(Path.Combine(Demo, "snapshot"), f).Replace('\\', '/'))).ToList();

        Assert.Equal(Directory.EnumerateDirectories(Path.Combine(Demo, "snapshot")).SelectMany(Directory.EnumerateDirectories).Count(), scopes.Count);
        foreach (var scope in scopes)
        {
            Assert.True(read.Any(f => f.StartsWith(scope + "/", StringComparison.Ordinal)), $"the worker stages {scope} but the CLI read nothing under it");
        }
    }

    [Fact]
    public void A_registered_module_is_read_staged_collected_and_bound_with_no_other_wiring()
    {
        using var t = new TempFolder();
        var probe = new ProbeModule();
        var modules = SourceModules.Default().Add(probe);
        t.Write("snap/probe/scope-1/records.json", "[]");

        // The CLI reads the module's folder.
        var baseline = BaselineLoader.Load(Path.Combine(Demo, "baseline.yaml"));
        var result = ScanCommand.Scan(Path.Combine(t.Path, "snap"), baseline, RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")), RuleHarness.AsOf, "probe", sources: modules);
        Assert.Contains(result.Coverage, c => c.Source == "probe.records" && c.Scope == "scope-1" && c.Status == CoverageStatus.Read);
        Assert.Contains(result.Coverage, c => c.Source == "probe" && c.Scope == "declared-scope" && c.Status == CoverageStatus.Missing);

        // The worker stages it as a scope of its own.
        var snapshotSettings = WorkerSettings(t, $""" "Snapshot": "{Path.Combine(t.Path, "snap").Replace("\\", "/", StringComparison.Ordinal)}" """, modules);
        Assert.Contains("probe/scope-1", ScopeStaging.Discover(snapshotSettings.Profiles[0], snapshotSettings));

        // Its configuration section binds (unknown keys are errors), its validation runs, and a live profile dispatches to it.
        var live = WorkerSettings(t, string.Empty, modules, """ "Probe": { "Label": "x" } """);
        Assert.Equal(["live/probe"], ScopeStaging.Discover(live.Profiles[0], live));
        Assert.Equal("x", live.Options<ProbeOptions>()!.Label);
        var bad = Assert.Throws<UsageException>(() => WorkerSettings(t, string.Empty, modules, """ "Probe": { "Label": "none" } """));
        Assert.Contains("DriftSentinel:Probe:Label", bad.Message, StringComparison.Ordinal);
        var typo = Assert.Throws<UsageException>(() => WorkerSettings(t, string.Empty, modules, """ "Probe": { "Labl": "x" } """));
        Assert.Contains("Labl", typo.Message, StringComparison.Ordinal);

        var collected = new CollectCommand(TextWriter.Null, TextWriter.Null, TimeProvider.System).Collect(live.Only("probe"), Path.Combine(t.Path, "collected"), full: false);
        Assert.Contains(collected.Manifest.Coverage, c => c.Source == "probe.live" && c.Status == CoverageStatus.Read);
        Assert.True(File.Exists(Path.Combine(t.Path, "collected", "probe", "live", "records.json")));
        collected.Commit();
        Assert.Equal(1, probe.Commits);
    }

    private static LiveSettings WorkerSettings(TempFolder t, string snapshotLine, SourceRegistry modules, string sections = "")
    {
        var profile = "{ \"Name\": \"p\", \"Baseline\": \"b.yaml\"" + (snapshotLine.Length > 0 ? ", " + snapshotLine : string.Empty) + " }";
        File.Copy(Path.Combine(Demo, "baseline.yaml"), Path.Combine(t.Path, "b.yaml"), overwrite: true);
        var config = t.Write($"c-{Guid.NewGuid():N}.json", "{ \"DriftSentinel\": { \"Profiles\": [" + profile + "]" + (sections.Length > 0 ? ", " + sections : string.Empty) + " } }");
        return LiveSettings.Load(config, [], new Dictionary<string, string?>(), forWorker: true, modules: modules);
    }

    /// <summary>Settings of the probe's live collector.</summary>
    public sealed class ProbeOptions
    {
        public string Label { get; set; } = "default";
    }

    /// <summary>A source written only in this test: one folder, one reader, one collector, one declared scope.</summary>
    private sealed class ProbeModule : ISourceModule, ISnapshotReader
    {
        public int Commits { get; private set; }

        public string Name => "probe";

        public IReadOnlyList<string> SnapshotFolders { get; } = ["probe"];

        public ISnapshotReader Reader => this;

        public ILiveCollector? Collector => new ProbeCollector(this);

        public void Read(string snapshotRoot, ScanInput input)
        {
            foreach (var scope in Directory.Exists(Path.Combine(snapshotRoot, "probe")) ? Directory.EnumerateDirectories(Path.Combine(snapshotRoot, "probe")) : [])
            {
                input.Coverage.Read("probe.records", Path.GetFileName(scope), 0);
                input.InputsRead.Add($"probe/{Path.GetFileName(scope)}/records.json");
            }
        }

        public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
            input.Coverage.Missing("probe", "declared-scope", "declared but not in the snapshot");

        private sealed class ProbeCollector(ProbeModule module) : LiveCollector<ProbeOptions>
        {
            public override string Section => "Probe";

            protected override IEnumerable<string> Validate(ProbeOptions options, string prefix) =>
                options.Label == "none" ? [$"{prefix}:Label: must name something"] : [];

            protected override Action Collect(ProbeOptions options, LiveCollectionContext context)
            {
                var folder = Path.Combine(context.SnapshotFolder, "probe", "live");
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, "records.json"), "[]");
                context.Coverage.Read("probe.live", "live", 0);
                return () => module.Commits++;
            }
        }
    }
}
