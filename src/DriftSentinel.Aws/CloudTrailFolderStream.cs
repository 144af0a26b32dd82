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
                        && !f.Contains("CloudTrail-Digest", StringComparison.OrdinalIgnoreCase)
                        && !IsIntegrityEvidence(f))
            .Order(StringComparer.Ordinal)
            .ToList();

    public IReadOnlyList<string> InputFiles() => Files();

    /// <summary>The files the integrity check reads besides the logs (digests, their signature metadata, the public keys), for the run record.</summary>
    public IReadOnlyList<string> IntegrityFiles() =>
        [.. Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None })
            .Where(f => CloudTrailIntegrityValidator.IsDigest(f) || IsIntegrityEvidence(f))
            .Order(StringComparer.Ordinal)];

    // Beside the logs, not logs: CloudTrail's public keys and each digest's S3 metadata (its signature).
    private bool IsIntegrityEvidence(string file) =>
        file.EndsWith(".head-object.json", StringComparison.OrdinalIgnoreCase)
        || string.Equals(file, Path.Combine(folder, CloudTrailIntegrityValidator.PublicKeysFile), StringComparison.Ordinal);

    public IEnumerable<ActivityEvent> Read(CoverageLog coverage)
    {
        var parts = Parts(coverage);
        foreach (var part in parts.Parts)
        {
            foreach (var e in part())
            {
                yield return e;
            }
        }

        parts.Complete();
    }

    /// <summary>One part per file: files are independent, so a scan reads them on every core.</summary>
    public ActivityParts Parts(CoverageLog coverage)
    {
        var files = Files();
        var outcomes = new FileOutcome[files.Count];
        var parts = new Func<IEnumerable<ActivityEvent>>[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var outcome = outcomes[i] = new FileOutcome();
            var file = files[i];
            parts[i] = () => ReadFile(file, outcome);
        }

        // Delivered log files are checked against their digests as one more part, read on whichever core is free:
        // whoever reads the trail proves it (a worker's scope job, whose result travels with its partial state).
        if (!files.Any(CloudTrailIntegrityValidator.IsDeliveredLog) && !HasDigests())
        {
            return new ActivityParts(parts, () => Record(coverage, outcomes));
        }

        TrailIntegrity? integrity = null;
        return new ActivityParts([.. parts, () => Validate(r => integrity = r)], () =>
        {
            Record(coverage, outcomes);
            RecordIntegrity(coverage, integrity!);
        });
    }

    private bool HasDigests() => Directory.EnumerateFiles(folder, "*.json.gz", SearchOption.AllDirectories).Any(CloudTrailIntegrityValidator.IsDigest);

    private IEnumerable<ActivityEvent> Validate(Action<TrailIntegrity> done)
    {
        done(CloudTrailIntegrityValidator.Validate(accountId, folder, f => Path.GetRelativePath(snapshotRoot, f).Replace('\\', '/')));
        yield break;
    }

    private void RecordIntegrity(CoverageLog coverage, TrailIntegrity t)
    {
        coverage.RecordIntegrity(t);

        // A file the check could not read is a gap of its own, named (it may be what was tampered with).
        foreach (var unreadable in t.Problems.Where(p => p.Kind == IntegrityProblemKind.Unreadable))
        {
            coverage.Failed("aws.cloudtrail.integrity", accountId, 0, $"{unreadable.File}: {unreadable.Detail}");
        }

        var proven = $"{t.DigestsVerified} of {t.Digests} digest(s) verified, {t.LogFilesVerified} of {t.LogFilesListed} listed log file(s) match, {t.Problems.Count} problem(s)";
        coverage.Read("aws.cloudtrail.integrity", accountId, t.LogFilesVerified, t.Verifiable
            ? $"integrity verified {t.From:yyyy-MM-ddTHH:mmZ}–{t.To:yyyy-MM-ddTHH:mmZ}: {proven}"
            : $"integrity NOT verifiable for part of the trail ({string.Join("; ", t.NotVerifiable.Take(3))}{(t.NotVerifiable.Count > 3 ? $"; and {t.NotVerifiable.Count - 3} more" : "")}); {proven}");
    }

    /// <summary>What reading one file gave: its events counted, why it failed or was partly skipped, repaired strings.</summary>
    private sealed class FileOutcome
    {
        public long Events { get; set; }
        public List<string> Failures { get; } = [];
        public string? Note { get; set; }
    }

    private IEnumerable<ActivityEvent> ReadFile(string file, FileOutcome outcome)
    {
        var display = Path.GetRelativePath(snapshotRoot, file).Replace('\\', '/');
        if (SnapshotFiles.Refuse(file, SnapshotFiles.MaxTrailFileBytes) is { } problem)
        {
            outcome.Failures.Add($"{display} {problem}");
            yield break;
        }

        var skips = new RecordSkips();
        var repairedBefore = Json.RepairedStrings;
        foreach (var e in GuardedRecords.Read(Open(file, display, skips), display, outcome.Failures))
        {
            outcome.Events++;
            yield return e;
        }

        if (skips.Count > 0)
        {
            outcome.Failures.Add(skips.Describe(display, outcome.Events + skips.Count));
        }

        outcome.Note = Json.RepairNote(display, Json.RepairedStrings - repairedBefore);
    }

    // Coverage in file order, whatever order the files were read in.
    private void Record(CoverageLog coverage, FileOutcome[] outcomes)
    {
        var total = outcomes.Sum(o => o.Events);
        var failures = outcomes.SelectMany(o => o.Failures).ToList();
        var notes = outcomes.Select(o => o.Note).OfType<string>().ToList();
        if (outcomes.Length == 0)
        {
            coverage.Missing("aws.cloudtrail", accountId, $"no CloudTrail files under {Path.GetRelativePath(snapshotRoot, folder)}");
        }
        else if (failures.Count == 0)
        {
            coverage.Read("aws.cloudtrail", accountId, total, (outcomes.Length == 1 ? "1 file" : $"{outcomes.Length} files") + string.Concat(notes.Take(3).Select(n => "; " + n)));
        }
        else
        {
            foreach (var failure in failures)
            {
                coverage.Failed("aws.cloudtrail", accountId, total, failure);
            }
        }
    }

    /// <summary>One file's events; <paramref name="direct"/> false reads every record the general way (what tests compare the direct reader with).</summary>
    internal IEnumerable<ActivityEvent> Open(string file, string display, RecordSkips skips, bool direct = true) =>
        JsonRecordStream.ReadFile(file, display, direct ? ReadDirect(display) : null, (el, i) => MapElement(el, i, display, skips), RecordProperties, ArrayProperties);

    /// <summary>The common S3 record read straight from its bytes; what it declines goes through <see cref="MapElement"/>.</summary>
    private DirectRecordParser<ActivityEvent> ReadDirect(string display) =>
        (ref Utf8JsonReader reader, ReadOnlySpan<byte> data, long index, out ActivityEvent? item) =>
            CloudTrailRecordReader.Read(ref reader, data, accountId, display, index, out item);

    private ActivityEvent? MapElement(JsonElement el, long index, string display, RecordSkips skips)
    {
        var source = new SourceLocation(display, index);

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
