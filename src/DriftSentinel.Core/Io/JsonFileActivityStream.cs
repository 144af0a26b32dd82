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

    /// <summary>Top-level properties that mark a file as a stream of records (JSON Lines) rather than one document.</summary>
    public IReadOnlyList<string> RecordProperties { get; init; } = [];

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

    private IEnumerable<ActivityEvent> Open(string display) =>
        JsonRecordStream.ReadFile(path, display, (el, i) => map(el, new SourceLocation(display, $"record {i}")), [.. RecordProperties], arrayProperties);
}
