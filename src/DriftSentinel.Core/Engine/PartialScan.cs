using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Core.Engine;

/// <summary>What evaluating part of a scan apart produced: the streams it read, their parts, events and the state's size.</summary>
public sealed record PartialScanSummary(IReadOnlyList<string> Streams, int Parts, long Events, long StateBytes);

/// <summary>
/// A partial state being merged into a scan: its header is read when opened (which streams it covers, with how many
/// parts, and their coverage), its body when merged, with every read order renumbered into the whole scan's.
/// </summary>
internal sealed class PartialScan : IDisposable
{
    private readonly PartialStateReader _reader;
    private readonly List<(string Name, int Parts)> _streams;
    private readonly List<CoverageEntry> _coverage;
    private readonly long[] _globalPart;
    private readonly Dictionary<string, int> _localBase = new(StringComparer.Ordinal);
    private bool _coverageRecorded;

    private readonly List<TrailIntegrity> _integrity;

    private PartialScan(PartialStateReader reader, List<(string, int)> streams, long events, long afterAsOf, List<CoverageEntry> coverage, List<TrailIntegrity> integrity)
    {
        _integrity = integrity;
        _reader = reader;
        _streams = streams;
        Events = events;
        AfterAsOf = afterAsOf;
        _coverage = coverage;
        var local = 0;
        foreach (var (name, parts) in streams)
        {
            _localBase[name] = local;
            local += parts;
        }

        _globalPart = new long[local];
    }

    public List<string> Streams => [.. _streams.Select(s => s.Name)];

    public long Events { get; }

    public long AfterAsOf { get; }

    /// <summary>Reads the header; null when the state was written by other rules or another format (it is then ignored).</summary>
    public static PartialScan? Open(byte[] state, IReadOnlyList<Rule> rules, RuleCatalogue catalogue)
    {
        var reader = new PartialStateReader(new MemoryStream(state, writable: false));
        try
        {
            if (reader.ReadInt32() != PartialFormatVersion)
            {
                reader.Dispose();
                return null;
            }

            var written = reader.ReadAll(static r => (Id: r.ReadString(), Version: r.ReadInt32()));
            if (written.Count != rules.Count || written.Where((w, i) => w.Id != rules[i].Id || w.Version != catalogue[rules[i].Id].Version).Any())
            {
                reader.Dispose();
                return null;
            }

            var streams = reader.ReadAll(static r => (r.ReadString(), r.ReadInt32()));
            var events = reader.ReadInt64();
            var afterAsOf = reader.ReadInt64();
            var coverage = reader.ReadAll(static r => new CoverageEntry(r.ReadString(), r.ReadString(), (CoverageStatus)r.ReadInt32(), r.ReadInt64(), r.ReadNullableString()));
            var integrity = reader.ReadAll(TrailIntegrity.Read);
            return new PartialScan(reader, streams, events, afterAsOf, coverage, integrity);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The version <see cref="ScanEngine.EvaluatePartial"/> writes; bumped whenever what a state holds changes.</summary>
    public const int PartialFormatVersion = 2;

    /// <summary>Whether every stream it covers is in the scan with the same number of parts.</summary>
    public bool Fits(IReadOnlyDictionary<string, int> partsOf) => _streams.All(s => partsOf.TryGetValue(s.Name, out var n) && n == s.Parts);

    /// <summary>Where a covered stream's first part sits among all the scan's parts.</summary>
    public void Place(string stream, int firstGlobalPart)
    {
        var local = _localBase[stream];
        var count = _streams.First(s => s.Name == stream).Parts;
        for (var i = 0; i < count; i++)
        {
            _globalPart[local + i] = firstGlobalPart + i;
        }
    }

    /// <summary>Records the covered streams' coverage when the first of them completes (they are adjacent in the scan's order).</summary>
    public Action RecordCoverageOnce(CoverageLog coverage) => () =>
    {
        if (!_coverageRecorded)
        {
            _coverageRecorded = true;
            _coverage.ForEach(coverage.Add);
            _integrity.ForEach(coverage.RecordIntegrity);
        }
    };

    /// <summary>Reads the body: the activity index and production changes into the context, each rule's state into the rule.</summary>
    public (long Events, long AfterAsOf) MergeInto(RuleContext context, IReadOnlyList<Rule> rules)
    {
        _reader.Renumber = order => (_globalPart[(int)(order >> 32)] << 32) | (order & 0xFFFF_FFFF);
        context.ReadState(_reader);
        foreach (var rule in rules)
        {
            var theirs = rule.NewPartition();
            theirs.ReadState(_reader);
            rule.Merge(theirs);
        }

        Dispose();
        return (Events, AfterAsOf);
    }

    public void Dispose() => _reader.Dispose();
}
