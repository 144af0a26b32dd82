using System.Text.Json;
using System.Text.Json.Serialization;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Core.Collection;

/// <summary>
/// collection.json at the root of a collected snapshot: when it was collected and what could not be (an account
/// that denied AssumeRole has no folder at all, so only this file can say it is missing).
/// </summary>
public sealed record CollectionManifest
{
    public const string FileName = "collection.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required IReadOnlyList<CoverageEntry> Coverage { get; init; }

    /// <summary>Counters of the run (requests, throttles, events...), for the record.</summary>
    public IReadOnlyDictionary<string, long> Metrics { get; init; } = new Dictionary<string, long>();

    public void Write(string snapshotRoot)
    {
        Directory.CreateDirectory(snapshotRoot);
        File.WriteAllText(Path.Combine(snapshotRoot, FileName), JsonSerializer.Serialize(this, Options));
    }

    /// <summary>The manifest of a snapshot, or null when it was exported by hand.</summary>
    public static CollectionManifest? Read(string snapshotRoot) => ReadFile(Path.Combine(snapshotRoot, FileName));

    /// <summary>A manifest file under any name (the worker's per-scope parts), or null when it does not exist.</summary>
    public static CollectionManifest? ReadFile(string path)
    {
        if (!Io.SnapshotFiles.Present(path))
        {
            return null;
        }

        // A FIFO, a device or a looping link is refused before it is opened.
        if (Io.SnapshotFiles.Refuse(path, Io.SnapshotFiles.MaxDocumentBytes) is { } problem)
        {
            throw new InputFormatException(FileName, "file", problem);
        }

        CollectionManifest manifest;
        try
        {
            using var stream = Io.JsonRecordStream.Open(path, FileName);
            manifest = JsonSerializer.Deserialize<CollectionManifest>(stream, Options)
                ?? throw new InputFormatException(FileName, "root", "expected an object");
        }
        catch (JsonException e)
        {
            throw new InputFormatException(FileName, $"line {e.LineNumber + 1}", e.Message, e);
        }

        // Deserialization leaves what the file lacks as null: every entry must say what it covers.
        if (manifest.Coverage is null)
        {
            throw new InputFormatException(FileName, "coverage", "missing; expected the list of what was and was not collected");
        }

        for (var i = 0; i < manifest.Coverage.Count; i++)
        {
            if (manifest.Coverage[i] is not { Source: not null, Scope: not null } entry || !Enum.IsDefined(entry.Status))
            {
                throw new InputFormatException(FileName, $"coverage[{i}]", "expected an entry with source, scope and status");
            }
        }

        return manifest;
    }
}

/// <summary>Adds the collection's own coverage entries (what the live collector could not read) to a scan.</summary>
internal sealed class CollectionManifestReader : ISnapshotReader
{
    public void Read(string snapshotRoot, ScanInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CollectionManifest? manifest;
        try
        {
            manifest = CollectionManifest.Read(snapshotRoot);
        }
        catch (InputFormatException e)
        {
            input.Coverage.Failed("collection", "*", 0, e.Message);
            return;
        }

        if (manifest is null)
        {
            return;
        }

        input.InputsRead.Add(CollectionManifest.FileName);
        foreach (var entry in manifest.Coverage)
        {
            input.Coverage.Add(entry);
        }
    }
}
