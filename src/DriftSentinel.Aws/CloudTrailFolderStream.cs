using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Aws;

/// <summary>
/// Streams every CloudTrail record under a folder: S3-delivered log files ({"Records":[...]}, .json or .json.gz)
/// LookupEvents output ({"Events":[{"CloudTrailEvent":"..."}]}), JSON Lines or concatenated records (SIEM, lake and
/// Firehose exports) and EventBridge events. Digest files are skipped. A file that cannot be
/// read becomes a coverage entry naming it and the position; records before the fault are kept.
/// </summary>
internal sealed class CloudTrailFolderStream(string snapshotRoot, string folder, string accountId) : IActivityStream
{
    private static readonly string[] Extensions = [".json", ".json.gz", ".jsonl", ".jsonl.gz"];

    // A first line holding one of these is a record on its own: the file is JSON Lines.
    private static readonly string[] RecordProperties = ["eventName", "EventName", "detail-type", "eventVersion", "eventTime"];

    private static readonly string[] ArrayProperties = ["Records", "Events"];

    public string Name => $"aws/{accountId}/cloudtrail";

    private IReadOnlyList<string>? _files;

    /// <summary>The trail's files, listed once per scan (the reader, the run record and progress all ask).</summary>
    public IReadOnlyList<string> Files() => _files ??=
        // Linked folders are not descended into (a link back up would loop); linked files are listed and checked.
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.None })
            .Where(f => Extensions.Any(x => f.EndsWith(x, StringComparison.OrdinalIgnoreCase))
                        && !f.Contains("CloudTrail-Digest", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

    public IReadOnlyList<string> InputFiles() => Files();

    public IEnumerable<ActivityEvent> Read(CoverageLog coverage)
    {
        long total = 0;
        var files = Files();
        var failures = new List<string>();
        var notes = new List<string>();
        foreach (var file in files)
        {
            var display = Path.GetRelativePath(snapshotRoot, file).Replace('\\', '/');
            if (SnapshotFiles.Refuse(file, SnapshotFiles.MaxTrailFileBytes) is { } problem)
            {
                failures.Add($"{display} {problem}");
                continue;
            }

            var skips = new RecordSkips();
            var repairedBefore = Json.RepairedStrings;
            long inFile = 0;
            foreach (var e in GuardedRecords.Read(Open(file, display, skips), display, failures))
            {
                total++;
                inFile++;
                yield return e;
            }

            if (skips.Count > 0)
            {
                failures.Add(skips.Describe(display, inFile + skips.Count));
            }

            if (Json.RepairNote(display, Json.RepairedStrings - repairedBefore) is { } note)
            {
                notes.Add(note);
            }
        }

        if (files.Count == 0)
        {
            coverage.Missing("aws.cloudtrail", accountId, $"no CloudTrail files under {Path.GetRelativePath(snapshotRoot, folder)}");
        }
        else if (failures.Count == 0)
        {
            coverage.Read("aws.cloudtrail", accountId, total, (files.Count == 1 ? "1 file" : $"{files.Count} files") + string.Concat(notes.Take(3).Select(n => "; " + n)));
        }
        else
        {
            foreach (var failure in failures)
            {
                coverage.Failed("aws.cloudtrail", accountId, total, failure);
            }
        }
    }

    private IEnumerable<ActivityEvent> Open(string file, string display, RecordSkips skips) =>
        JsonRecordStream.ReadFile(file, display, (el, i) => MapElement(el, i, display, skips), RecordProperties, ArrayProperties);

    private ActivityEvent? MapElement(JsonElement el, long index, string display, RecordSkips skips)
    {
        var source = new SourceLocation(display, $"record {index}");

        // EventBridge delivers the CloudTrail record under "detail".
        if (el.Str("detail-type") is not null && el.Prop("detail") is { ValueKind: JsonValueKind.Object } detail)
        {
            return CloudTrailRecordMapper.Map(detail, accountId, source, skips);
        }

        // lookup-events wraps each record as a JSON string; some tools re-export it already parsed.
        switch (el.Prop("CloudTrailEvent"))
        {
            case null:
                break;
            case { ValueKind: JsonValueKind.Object } parsed:
                return CloudTrailRecordMapper.Map(parsed, accountId, source, skips);
            case { ValueKind: JsonValueKind.String } text:
                try
                {
                    using var doc = JsonDocument.Parse(text.Text());
                    return CloudTrailRecordMapper.Map(doc.RootElement, accountId, source, skips);
                }
                catch (JsonException e)
                {
                    skips.Add(source.Position, $"CloudTrailEvent is not valid JSON ({e.Message})");
                    return null;
                }

            case { } odd:
                skips.Add(source.Position, $"CloudTrailEvent is {Json.KindText(odd.ValueKind)}, expected the record as a JSON string or object");
                return null;
        }

        return CloudTrailRecordMapper.Map(el, accountId, source, skips);
    }
}
