using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Core.Engine;

/// <summary>What a scan produced: run metadata, coverage, findings and the production change classification.</summary>
public sealed class ScanResult
{
    public required RunRecord Run { get; init; }
    public required IReadOnlyList<CoverageEntry> Coverage { get; init; }
    public required IReadOnlyList<Finding> Findings { get; init; }
    public required IReadOnlyList<ProductionChange> ProductionChanges { get; init; }

    /// <summary>All production changes by classification; <see cref="ProductionChanges"/> lists at most the first 10,000.</summary>
    public required IReadOnlyDictionary<ChangeClassification, long> ProductionChangeCounts { get; init; }
    public required OrganizationBaseline Baseline { get; init; }
    public required ScanInventory Inventory { get; init; }
    public required RuleCatalogue Catalogue { get; init; }

    /// <summary>Every principal × entitlement × scope, for the access review.</summary>
    public required IReadOnlyList<Access.Entitlement> Entitlements { get; init; }

    /// <summary>Findings that count: not suppressed by a live exception.</summary>
    public IEnumerable<Finding> Active => Findings.Where(f => !f.IsSuppressed);

    /// <summary>
    /// Coverage that makes the result incomplete: every failed or partial input, and every missing input of a scope
    /// the baseline declares. A missing input of an undeclared scope (an extra account's absent trail) is listed but
    /// does not count.
    /// </summary>
    public IEnumerable<CoverageEntry> Gaps => Coverage.Where(c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial
        || (c.Status == CoverageStatus.Missing && Baseline.DeclaresScope(c.Scope)));
}

/// <summary>Facts about one scan, written at the top of findings.json.</summary>
public sealed record RunRecord(
    DateTimeOffset AsOf,
    string Organization,
    string BaselineFile,
    string BaselineHash,
    string Snapshot,
    IReadOnlyList<string> InputsRead,
    long EventsRead,
    IReadOnlyDictionary<string, int> RuleVersions);

/// <summary>
/// Runs every rule over a scan input: inventory first, then each event once through all rules. The trail's parts
/// (its files) are read on every core, each thread with its own rule instances; their states are merged before the
/// rules complete, and every choice a rule makes by order goes by <see cref="ActivityEvent.ReadOrder"/>, so the result
/// is the same for any number of threads and any file order.
/// </summary>
public sealed class ScanEngine(RuleCatalogue catalogue, IReadOnlyList<Rule>? rules = null)
{
    private readonly IReadOnlyList<Rule> _rules = rules ?? Rule.All();

    /// <summary>Revoke and modify decisions to check against this scan's entitlements (DS-REV-001).</summary>
    public IReadOnlyList<Access.ReviewItem> ReviewRemediations { get; init; } = [];

    /// <summary>Threads that read and evaluate parts at once; defaults to the machine's cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The order threads take parts in, as a permutation of their indexes (tests shuffle it to prove the result does
    /// not depend on it); by default the parts' read order.
    /// </summary>
    internal Func<int, IReadOnlyList<int>>? TakeOrder { get; init; }

    /// <summary>One thread's share of a scan: its context (classifier caches, activity index) and its rule instances.</summary>
    private sealed class Partition(RuleContext context, IReadOnlyList<Rule> rules)
    {
        public RuleContext Context { get; } = context;
        public IReadOnlyList<Rule> Rules { get; } = rules;
        public long Events { get; set; }
        public long AfterAsOf { get; set; }
    }

    /// <summary>Whether every rule can write its state for another process (<see cref="EvaluatePartial"/>).</summary>
    public bool CanEvaluatePartially => _rules.All(r => r.CanPersist);

    /// <summary>
    /// Reads and evaluates only the streams <paramref name="include"/> selects (a worker's scope) and writes what the
    /// rules and the activity index kept to <paramref name="destination"/>, for <c>Run</c> to merge instead of
    /// reading those streams again. The input must hold the whole scan's inventory: rules consult it as they observe.
    /// </summary>
    public PartialScanSummary EvaluatePartial(ScanInput input, OrganizationBaseline baseline, DateTimeOffset asOf, Func<IActivityStream, bool> include, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(include);
        ArgumentNullException.ThrowIfNull(destination);
        if (!CanEvaluatePartially)
        {
            throw new NotSupportedException($"rule(s) {string.Join(", ", _rules.Where(r => !r.CanPersist).Select(r => r.Id))} cannot write their state; evaluate the whole scan in one place");
        }

        // Coverage the rules write while they begin belongs to the whole scan, which begins them again; only what
        // reading the streams records travels with the partial state.
        var streamCoverage = new CoverageLog();
        var context = new RuleContext(baseline, input.Inventory, catalogue, asOf) { Coverage = new CoverageLog() };
        foreach (var rule in _rules)
        {
            rule.Begin(context);
        }

        var streams = input.Streams.Where(include).ToList();
        var parts = new List<Func<IEnumerable<ActivityEvent>>>();
        var completions = new List<Action>();
        var counts = new List<(string Name, int Parts)>();
        foreach (var stream in streams)
        {
            var streamParts = stream.Parts(streamCoverage);
            parts.AddRange(streamParts.Parts);
            completions.Add(streamParts.Complete);
            counts.Add((stream.Name, streamParts.Parts.Count));
        }

        var (events, afterAsOf) = EvaluateAll(context, parts, baseline, input.Inventory, asOf, progress: null);
        completions.ForEach(complete => complete());

        long size;
        var start = destination.CanSeek ? destination.Position : 0;
        using (var w = new PartialStateWriter(destination))
        {
            w.Write(PartialScan.PartialFormatVersion);
            w.WriteAll(_rules, (w, r) =>
            {
                w.Write(r.Id);
                w.Write(catalogue[r.Id].Version);
            });
            w.WriteAll(counts, static (w, s) =>
            {
                w.Write(s.Name);
                w.Write(s.Parts);
            });
            w.Write(events);
            w.Write(afterAsOf);
            w.WriteAll(streamCoverage.Entries, static (w, c) =>
            {
                w.Write(c.Source);
                w.Write(c.Scope);
                w.Write((int)c.Status);
                w.Write(c.Items);
                w.Write(c.Detail);
            });
            w.WriteAll(streamCoverage.Integrity, static (w, t) => t.Write(w));
            context.WriteState(w);
            foreach (var rule in _rules)
            {
                rule.WriteState(w);
            }
        }

        size = destination.CanSeek ? destination.Position - start : -1;
        return new PartialScanSummary([.. counts.Select(c => c.Name)], counts.Sum(c => c.Parts), events, size);
    }

    /// <summary>Whether <c>Run</c> would merge this partial state (same format, same rules and rule versions) rather than ignore it.</summary>
    public bool Accepts(byte[] state)
    {
        using var partial = PartialScan.Open(state, _rules, catalogue);
        return partial is not null;
    }

    public ScanResult Run(ScanInput input, OrganizationBaseline baseline, DateTimeOffset asOf, string snapshotName, ScanProgress? progress = null) =>
        Run(input, baseline, asOf, snapshotName, progress, partials: []);

    /// <summary>
    /// Scans as <see cref="Run(ScanInput, OrganizationBaseline, DateTimeOffset, string, ScanProgress?)"/>, except that the
    /// streams a partial state (from <see cref="EvaluatePartial"/>) covers are not read again: their state is merged.
    /// A partial that does not fit (another build's rules, a stream whose parts differ) is ignored and its streams read here.
    /// </summary>
    public ScanResult Run(ScanInput input, OrganizationBaseline baseline, DateTimeOffset asOf, string snapshotName, ScanProgress? progress, IReadOnlyList<byte[]> partials)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(partials);
        progress?.Plan(input.Streams.SelectMany(s => s.InputFiles()));
        ScanProgress.Current.Value = progress; // flows to the reading threads, which count the bytes they read
        var uncatalogued = _rules.Where(r => !catalogue.Rules.ContainsKey(r.Id)).Select(r => r.Id).ToList();
        if (uncatalogued.Count > 0)
        {
            throw new InvalidDataException($"rule catalogue '{catalogue.Folder}' has no entry for {string.Join(", ", uncatalogued)} (expected {string.Join(", ", uncatalogued.Select(id => id + ".yaml"))})");
        }

        ExceptionPolicy.Validate(baseline, catalogue, asOf);
        var context = new RuleContext(baseline, input.Inventory, catalogue, asOf) { Coverage = input.Coverage, ReviewRemediations = ReviewRemediations };
        foreach (var rule in _rules)
        {
            rule.Begin(context);
        }

        var states = partials.Select(p => PartialScan.Open(p, _rules, catalogue)).OfType<PartialScan>().ToList();
        var claimed = new Dictionary<string, PartialScan>(StringComparer.Ordinal);
        var parts = new List<Func<IEnumerable<ActivityEvent>>>();
        var evaluated = new List<int>();
        var completions = new List<Action>();
        var streamParts = input.Streams.Select(s => (Stream: s, Parts: s.Parts(input.Coverage))).ToList();
        var partsOf = streamParts.ToDictionary(s => s.Stream.Name, s => s.Parts.Parts.Count, StringComparer.Ordinal);
        foreach (var state in states.Where(s => s.Fits(partsOf)))
        {
            state.Streams.ForEach(name => claimed[name] = state);
        }

        foreach (var (stream, own) in streamParts)
        {
            if (claimed.TryGetValue(stream.Name, out var state))
            {
                // Read elsewhere: its parts keep their places in the read order; its coverage comes with the state.
                state.Place(stream.Name, parts.Count);
                completions.Add(state.RecordCoverageOnce(input.Coverage));
            }
            else
            {
                evaluated.AddRange(Enumerable.Range(parts.Count, own.Parts.Count));
                completions.Add(own.Complete);
            }

            parts.AddRange(own.Parts);
        }

        var (events, afterAsOf) = EvaluateAll(context, parts, baseline, input.Inventory, asOf, progress, evaluated);
        foreach (var state in claimed.Values.Distinct())
        {
            (var e, var a) = state.MergeInto(context, _rules);
            events += e;
            afterAsOf += a;
        }

        foreach (var complete in completions)
        {
            complete();
        }

        ScanProgress.Current.Value = null;
        if (afterAsOf > 0)
        {
            input.Coverage.Read("engine.after-as-of", "*", afterAsOf, $"{afterAsOf:N0} event(s) dated after the as-of {asOf:yyyy-MM-ddTHH:mm:ssZ} were read but not evaluated");
        }

        var findings = _rules.SelectMany(r => r.Complete(context)).ToList();
        ExceptionMatcher.Apply(findings, baseline.Exceptions, asOf);

        // One finding per fingerprint: two paths to the same drift must not double-count it.
        var unique = findings
            .GroupBy(f => f.Fingerprint)
            .Select(g => g.First())
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ThenBy(f => f.Environment, StringComparer.Ordinal)
            .ThenBy(f => f.Principal, StringComparer.Ordinal)
            .ThenBy(f => f.Fingerprint, StringComparer.Ordinal)
            .ToList();

        var run = new RunRecord(
            asOf,
            baseline.Organization,
            Path.GetFileName(baseline.SourceFile),
            baseline.Hash,
            snapshotName,
            input.InputsRead.Order(StringComparer.Ordinal).ToList(),
            events,
            _rules.ToDictionary(r => r.Id, r => catalogue[r.Id].Version));

        return new ScanResult
        {
            Run = run,
            Coverage = input.Coverage.Entries.OrderBy(c => c.Source, StringComparer.Ordinal).ThenBy(c => c.Scope, StringComparer.Ordinal).ToList(),
            Findings = unique,
            ProductionChanges = context.ProductionChanges.OrderBy(c => c.Time).ThenBy(c => c.EventReference, StringComparer.Ordinal).ToList(),
            Baseline = baseline,
            Inventory = input.Inventory,
            Catalogue = catalogue,
            Entitlements = context.Entitlements,
            ProductionChangeCounts = context.ProductionChangeCounts.ToDictionary(),
        };
    }

    /// <summary>
    /// Reads the parts (those listed in <paramref name="only"/>, or all) on <see cref="Threads"/> threads, each with its
    /// own context and rule instances, and merges every thread's state into <paramref name="context"/> and the rules.
    /// </summary>
    private (long Events, long AfterAsOf) EvaluateAll(RuleContext context, List<Func<IEnumerable<ActivityEvent>>> parts, OrganizationBaseline baseline, ScanInventory inventory,
        DateTimeOffset asOf, ScanProgress? progress, IReadOnlyList<int>? only = null)
    {
        var selected = only ?? Enumerable.Range(0, parts.Count).ToList();

        // A rule whose state cannot be merged (one written outside this assembly without Merge) is run on one thread.
        var threads = _rules.All(r => r.CanMerge) ? Math.Clamp(Threads, 1, Math.Max(1, selected.Count)) : 1;
        var partitions = new Partition[threads];
        partitions[0] = new Partition(context, _rules);
        for (var k = 1; k < threads; k++)
        {
            var own = new RuleContext(baseline, inventory, catalogue, asOf) { Coverage = context.Coverage };
            var forked = _rules.Select(r => r.NewPartition()).ToList();
            foreach (var rule in forked)
            {
                rule.Begin(own);
            }

            partitions[k] = new Partition(own, forked);
        }

        var takeOrder = TakeOrder?.Invoke(selected.Count) ?? Enumerable.Range(0, selected.Count).ToList();
        Evaluate(parts, [.. takeOrder.Select(i => selected[i])], partitions, asOf, progress);
        for (var k = 1; k < threads; k++)
        {
            context.Merge(partitions[k].Context);
            for (var r = 0; r < _rules.Count; r++)
            {
                _rules[r].Merge(partitions[k].Rules[r]);
            }
        }

        var totals = (partitions.Sum(p => p.Events), partitions.Sum(p => p.AfterAsOf));
        if (threads > 1)
        {
            // The other threads' state was merged into this one's and is garbage now: one compacting collection
            // returns it before Complete builds the findings, which is where a scan with many findings peaks
            // (136,000 findings: peak 595 -> 504 MiB, time unchanged; docs/performance.md).
            Array.Clear(partitions);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        return totals;
    }

    /// <summary>Each thread takes the next unread part until none is left; a fault stops the others and is raised here.</summary>
    private static void Evaluate(List<Func<IEnumerable<ActivityEvent>>> parts, IReadOnlyList<int> takeOrder, Partition[] partitions, DateTimeOffset asOf, ScanProgress? progress)
    {
        var next = -1;
        Exception? fault = null;
        void Work(Partition partition)
        {
            try
            {
                int i;
                while (Volatile.Read(ref fault) is null && (i = Interlocked.Increment(ref next)) < takeOrder.Count)
                {
                    var part = takeOrder[i];
                    EvaluatePart(parts[part](), (long)part << 32, partition, asOf, progress);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref fault, e, null);
            }
        }

        var helpers = partitions.Skip(1)
            .Select(p => new Thread(() => Work(p)) { IsBackground = true, Name = "driftsentinel-scan" })
            .ToList();
        helpers.ForEach(t => t.Start());
        Work(partitions[0]);
        helpers.ForEach(t => t.Join());
        if (fault is not null)
        {
            throw new InvalidOperationException($"scanning the audit trails failed: {fault.Message}", fault);
        }
    }

    private static void EvaluatePart(IEnumerable<ActivityEvent> part, long order, Partition partition, DateTimeOffset asOf, ScanProgress? progress)
    {
        var context = partition.Context;
        var rules = partition.Rules;
        long counted = 0;
        foreach (var e in part)
        {
            e.ReadOrder = order++;

            // Events after the as-of time are not yet "known" to a reproducible scan; they are counted, not hidden.
            if (e.Time > asOf)
            {
                partition.AfterAsOf++;
                continue;
            }

            context.Activity.Observe(e);
            for (var r = 0; r < rules.Count; r++)
            {
                rules[r].Observe(e, context);
            }

            if ((++counted & 0x3FFF) == 0)
            {
                progress?.AddEvaluated(0x4000);
            }
        }

        partition.Events += counted;
        progress?.AddEvaluated(counted & 0x3FFF);
    }
}
