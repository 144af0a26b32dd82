using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>
/// Streams every CloudTrail record under a folder: S3-delivered log files ({"Records":[...]}, .json or .json.gz)
/// and LookupEvents output ({"Events":[{"CloudTrailEvent":"..."}]}). Digest files are skipped. A file that cannot be
/// read becomes a coverage entry naming it and the position; records before the fault are kept.
/// </summary>
public sealed class CloudTrailFolderStream(string snapshotRoot, string folder, string accountId) : IActivityStream
{
    public string Name => $"aws/{accountId}/cloudtrail";

    public IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase))
                        && !f.Contains("CloudTrail-Digest", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

    public IEnumerable<ActivityEvent> Read(CoverageLog coverage)
    {
        long total = 0;
        var files = Files();
        var failures = new List<string>();
        foreach (var file in files)
        {
            var display = Path.GetRelativePath(snapshotRoot, file).Replace('\\', '/');
            foreach (var e in GuardedRecords.Read(Open(file, display), display, failures))
            {
                total++;
                yield return e;
            }
        }

        if (files.Count == 0)
        {
            coverage.Missing("aws.cloudtrail", accountId, $"no CloudTrail files under {Path.GetRelativePath(snapshotRoot, folder)}");
        }
        else if (failures.Count == 0)
        {
            coverage.Read("aws.cloudtrail", accountId, total, files.Count == 1 ? "1 file" : $"{files.Count} files");
        }
        else
        {
            foreach (var failure in failures)
            {
                coverage.Failed("aws.cloudtrail", accountId, total, failure);
            }
        }
    }

    private IEnumerable<ActivityEvent> Open(string file, string display)
    {
        using var stream = JsonRecordStream.Open(file);
        foreach (var e in JsonRecordStream.Read(stream, display, (el, i) => MapElement(el, i, display), "Records", "Events"))
        {
            yield return e;
        }
    }

    private ActivityEvent? MapElement(JsonElement el, long index, string display)
    {
        var source = new SourceLocation(display, $"record {index}");

        // lookup-events wraps each record as a JSON string.
        if (el.Str("CloudTrailEvent") is { } inner)
        {
            try
            {
                using var doc = JsonDocument.Parse(inner);
                return CloudTrailRecordMapper.Map(doc.RootElement, accountId, source);
            }
            catch (JsonException e)
            {
                throw new InputFormatException(display, $"record {index}", $"CloudTrailEvent is not valid JSON: {e.Message}", e);
            }
        }

        return CloudTrailRecordMapper.Map(el, accountId, source);
    }
}
