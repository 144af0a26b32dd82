using System.Text.Json;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Io;

/// <summary>Streams the records of one JSON file (a bare array or an object holding the array) through a mapper, recording coverage.</summary>
public sealed class JsonFileActivityStream(
    string snapshotRoot,
    string path,
    string source,
    string scope,
    Func<JsonElement, SourceLocation, ActivityEvent?> map,
    params string[] arrayProperties) : IActivityStream
{
    public string Name => SnapshotFiles.Relative(snapshotRoot, path);

    public IEnumerable<ActivityEvent> Read(CoverageLog coverage)
    {
        var display = Name;
        long count = 0;
        var failures = new List<string>();
        foreach (var e in GuardedRecords.Read(Open(display), display, failures))
        {
            count++;
            yield return e;
        }

        if (failures.Count == 0)
        {
            coverage.Read(source, scope, count);
        }
        else
        {
            coverage.Failed(source, scope, count, failures[0]);
        }
    }

    /// <summary>Top-level properties that mark a file as a stream of records (JSON Lines) rather than one document.</summary>
    public IReadOnlyList<string> RecordProperties { get; init; } = [];

    private IEnumerable<ActivityEvent> Open(string display)
    {
        var values = false;
        if (RecordProperties.Count > 0)
        {
            using var peek = JsonRecordStream.Open(path);
            values = JsonRecordStream.StartsWithRecord(peek, [.. RecordProperties], arrayProperties);
        }

        using var stream = JsonRecordStream.Open(path);
        var records = values
            ? JsonRecordStream.ReadValues(stream, display, (el, i) => map(el, new SourceLocation(display, $"record {i}")))
            : JsonRecordStream.Read(stream, display, (el, i) => map(el, new SourceLocation(display, $"record {i}")), arrayProperties);
        foreach (var e in records)
        {
            yield return e;
        }
    }
}
