using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;

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

/// <summary>Runs every rule over a scan input: inventory first, then each event once through all rules.</summary>
public sealed class ScanEngine(RuleCatalogue catalogue, IReadOnlyList<Rule>? rules = null)
{
    private readonly IReadOnlyList<Rule> _rules = rules ?? Rule.All();

    private const int ReadAheadCapacity = 8192;

    /// <summary>
    /// Decompresses and parses on a second thread while the rules run on this one. One producer keeps the event order
    /// (and so the findings) identical to a sequential read; the bounded queue keeps memory flat.
    /// </summary>
    private static IEnumerable<ActivityEvent> ReadAhead(ScanInput input)
    {
        using var queue = new System.Collections.Concurrent.BlockingCollection<ActivityEvent>(ReadAheadCapacity);
        using var stop = new CancellationTokenSource();
        Exception? fault = null;
        var producer = new Thread(() =>
        {
            try
            {
                foreach (var stream in input.Streams)
                {
                    foreach (var e in stream.Read(input.Coverage))
                    {
                        queue.Add(e, stop.Token);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                fault = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        { IsBackground = true, Name = "driftsentinel-reader" };
        producer.Start();
        try
        {
            foreach (var e in queue.GetConsumingEnumerable())
            {
                yield return e;
            }
        }
        finally
        {
            stop.Cancel();
            producer.Join();
        }

        if (fault is not null)
        {
            throw new InvalidOperationException($"reading the audit trails failed: {fault.Message}", fault);
        }
    }

    public ScanResult Run(ScanInput input, OrganizationBaseline baseline, DateTimeOffset asOf, string snapshotName, ScanProgress? progress = null)
    {
        progress?.Plan(input.Streams.SelectMany(s => s.InputFiles()));
        ScanProgress.Current.Value = progress; // flows to the read-ahead thread, which counts the bytes it reads
        var uncatalogued = _rules.Where(r => !catalogue.Rules.ContainsKey(r.Id)).Select(r => r.Id).ToList();
        if (uncatalogued.Count > 0)
        {
            throw new InvalidDataException($"rule catalogue '{catalogue.Folder}' has no entry for {string.Join(", ", uncatalogued)} (expected {string.Join(", ", uncatalogued.Select(id => id + ".yaml"))})");
        }

        ExceptionPolicy.Validate(baseline, catalogue, asOf);
        var context = new RuleContext(baseline, input.Inventory, catalogue, asOf) { Coverage = input.Coverage };
        foreach (var rule in _rules)
        {
            rule.Begin(context);
        }

        long events = 0;
        long afterAsOf = 0;
        foreach (var e in ReadAhead(input))
        {
            // Events after the as-of time are not yet "known" to a reproducible scan; they are counted, not hidden.
            if (e.Time > asOf)
            {
                afterAsOf++;
                continue;
            }

            events++;
            context.Activity.Observe(e);
            foreach (var rule in _rules)
            {
                rule.Observe(e, context);
            }

            if ((events & 0x3FFF) == 0)
            {
                progress?.Evaluated(events);
            }
        }

        progress?.Evaluated(events);
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
}
