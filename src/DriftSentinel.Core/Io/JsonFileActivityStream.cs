using System.Text.Json;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Core.Io;

/// <summary>
/// Streams the records of one JSON file (a bare array, an object holding the array, or JSON Lines) through a mapper,
/// recording coverage: a record the mapper cannot map is counted, never silently dropped.
/// </summary>
public sealed class JsonFileActivityStream(
    string snapshotRoot,
    string path,
    string source,
    string scope,
    Func<JsonElement, SourceLocation, RecordSkips, ActivityEvent?> map,
    params string[] arrayProperties) : IActivityStream
{
    public string Name => SnapshotFiles.Relative(snapshotRoot, path);

    /// <summary>Top-level properties that mark a file as a stream of records (JSON Lines) rather than one document.</summary>
    public IReadOnlyList<string> RecordProperties { get; init; } = [];

    public IReadOnlyList<string> InputFiles() => [path];

    public IEnumerable<ActivityEvent> Read(CoverageLog coverage)
    {
        var display = Name;
        if (SnapshotFiles.Refuse(path, SnapshotFiles.MaxTrailFileBytes) is { } problem)
        {
            coverage.Failed(source, scope, 0, $"{display} {problem}");
            yield break;
        }

        long count = 0;
        var failures = new List<string>();
        var skips = new RecordSkips();
        var repairedBefore = Json.RepairedStrings;
        foreach (var e in GuardedRecords.Read(Open(display, skips), display, failures))
        {
            count++;
            yield return e;
        }

        var repairNote = Json.RepairNote(display, Json.RepairedStrings - repairedBefore);
        if (skips.Count > 0)
        {
            failures.Insert(0, skips.Describe(display, count + skips.Count));
        }

        if (failures.Count == 0)
        {
            coverage.Read(source, scope, count, repairNote);
        }
        else
        {
            coverage.Failed(source, scope, count, string.Join(" | ", failures));
        }
    }

    private IEnumerable<ActivityEvent> Open(string display, RecordSkips skips) =>
        JsonRecordStream.ReadFile(path, display, (el, i) => MapCounted(el, new SourceLocation(display, i), skips), [.. RecordProperties], arrayProperties);

    private ActivityEvent? MapCounted(JsonElement el, SourceLocation location, RecordSkips skips)
    {
        var before = skips.Count;
        var e = map(el, location, skips);
        if (e is null && skips.Count == before)
        {
            skips.Add(location.Position, "not a record this reader knows");
        }

        return e;
    }
}
