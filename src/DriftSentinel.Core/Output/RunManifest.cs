using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Io;

namespace DriftSentinel.Core.Output;

/// <summary>A file and its SHA-256 (lower-case hex); <see cref="Problem"/> says why it could not be hashed.</summary>
public sealed record FileDigest(string Path, string? Sha256, long Bytes, string? Problem = null);

/// <summary>The run a manifest follows in its profile's chain: its id (null outside a history store) and its manifest's SHA-256.</summary>
public sealed record ManifestLink(long? Run, string Sha256);

/// <summary>What a run's manifest says beyond the scan itself: who recorded it, the chain, where its inputs' hashes come from, the signer.</summary>
public sealed record ManifestContext
{
    /// <summary>The history profile (null for a scan without history).</summary>
    public string? Profile { get; init; }

    /// <summary>The recorded run's id in the history store.</summary>
    public long? RunId { get; init; }

    /// <summary>The run counts as recorded (findings, open, gaps), so `verify --history` can tell an edited run row.</summary>
    public (int Findings, int Active, int Gaps)? Recorded { get; init; }

    /// <summary>The previous run's manifest in this profile's chain.</summary>
    public ManifestLink? Previous { get; init; }

    /// <summary>
    /// The inputs' hashes when the caller took them as the files were staged (the worker, whose final job never sees
    /// the trail bytes); otherwise <see cref="SnapshotRoot"/> is hashed after the scan.
    /// </summary>
    public IReadOnlyDictionary<string, FileDigest>? InputDigests { get; init; }

    /// <summary>The snapshot folder the scan read (hashed when <see cref="InputDigests"/> is null).</summary>
    public string? SnapshotRoot { get; init; }

    /// <summary>Signs the manifest (manifest.sig beside it); null writes it unsigned.</summary>
    public ManifestSigner? Signer { get; init; }
}

/// <summary>A manifest as written: its bytes and their SHA-256.</summary>
public sealed record WrittenManifest(byte[] Bytes, string Sha256);

/// <summary>
/// manifest.json: every output file's SHA-256, the inputs read with their hashes, the baseline's hash, the rule
/// versions, the recorded run and the previous run's manifest hash (docs/reports.md, "Run manifest"). Written last into
/// a report set, so it covers every other file; verified by <see cref="ManifestVerifier"/>.
/// </summary>
public static class RunManifest
{
    public const string FileName = "manifest.json";
    public const string SignatureFileName = "manifest.sig";
    public const string Format = "driftsentinel.run-manifest/1";

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Hashes each file (relative to <paramref name="root"/>) on every core, in the given order. A path that is not a
    /// regular file (a folder, a FIFO, a device, a dangling link) is never opened: it is listed with the reason.
    /// </summary>
    public static IReadOnlyList<FileDigest> HashFiles(string root, IReadOnlyList<string> relativePaths)
    {
        ArgumentNullException.ThrowIfNull(relativePaths);
        var digests = new FileDigest[relativePaths.Count];
        Parallel.For(0, relativePaths.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => digests[i] = HashFile(root, relativePaths[i]));
        return digests;
    }

    /// <summary>One file's digest (see <see cref="HashFiles"/>).</summary>
    public static FileDigest HashFile(string root, string relativePath)
    {
        var path = Path.Combine(root, relativePath);
        if (!SnapshotFiles.Present(path))
        {
            return new FileDigest(relativePath, null, 0, "not found");
        }

        if (SnapshotFiles.Refuse(path, long.MaxValue) is { } problem)
        {
            // Zero length (an empty file, or what a FIFO or device reports) is the empty content's hash, taken without
            // opening anything that could block; folders and dangling or looping links are named, not hashed.
            return File.Exists(path) && new FileInfo(path).Length == 0
                ? new FileDigest(relativePath, Sha256([]), 0)
                : new FileDigest(relativePath, null, 0, problem);
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var hash = SHA256.HashData(stream);
            return new FileDigest(relativePath, Convert.ToHexStringLower(hash), stream.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileDigest(relativePath, null, 0, e.Message);
        }
    }

    /// <summary>Writes the manifest of a report set whose files (relative to their folder) are <paramref name="outputs"/>.</summary>
    public static WrittenManifest Build(ScanResult result, IReadOnlyList<FileDigest> outputs, ManifestContext context)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(context);
        var inputs = Inputs(result, context);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteStartObject("run");
            if (context.Profile is { } profile)
            {
                w.WriteString("profile", profile);
            }

            if (context.RunId is { } id)
            {
                w.WriteNumber("id", id);
            }

            w.WriteString("as_of", result.Run.AsOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteString("organization", result.Run.Organization);
            w.WriteString("snapshot", result.Run.Snapshot);
            w.WriteNumber("events_read", result.Run.EventsRead);
            w.WriteNumber("findings", result.Findings.Count);
            w.WriteNumber("open", result.Active.Count());
            w.WriteNumber("coverage_gaps", result.Gaps.Count());
            w.WriteEndObject();

            if (context.Recorded is { } recorded)
            {
                w.WriteStartObject("recorded");
                w.WriteNumber("findings", recorded.Findings);
                w.WriteNumber("active", recorded.Active);
                w.WriteNumber("gaps", recorded.Gaps);
                w.WriteEndObject();
            }

            w.WriteStartObject("baseline");
            w.WriteString("file", result.Run.BaselineFile);
            w.WriteString("sha256", result.Run.BaselineHash);
            w.WriteEndObject();

            w.WriteStartObject("rule_versions");
            foreach (var (rule, version) in result.Run.RuleVersions.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(rule, version);
            }

            w.WriteEndObject();
            WriteFiles(w, "inputs", inputs);
            WriteFiles(w, "outputs", outputs);
            if (context.Previous is { } previous)
            {
                w.WriteStartObject("previous");
                if (previous.Run is { } run)
                {
                    w.WriteNumber("run", run);
                }

                w.WriteString("sha256", previous.Sha256);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("previous");
            }

            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        var bytes = buffer.ToArray();
        return new WrittenManifest(bytes, Sha256(bytes));
    }

    private static IReadOnlyList<FileDigest> Inputs(ScanResult result, ManifestContext context)
    {
        var paths = result.Run.InputsRead.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (context.InputDigests is { } known)
        {
            // What was not staged as it was read (the merged collection.json) is hashed as the scan read it.
            return [.. paths.Select(p => known.GetValueOrDefault(p) ?? (context.SnapshotRoot is { } assembled ? HashFile(assembled, p) : new FileDigest(p, null, 0, "not hashed when it was staged")))];
        }

        return context.SnapshotRoot is { } root ? HashFiles(root, paths) : [.. paths.Select(p => new FileDigest(p, null, 0, "no snapshot folder to hash"))];
    }

    private static void WriteFiles(Utf8JsonWriter w, string name, IReadOnlyList<FileDigest> files)
    {
        w.WriteStartArray(name);
        foreach (var f in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("path", f.Path);
            if (f.Sha256 is { } sha)
            {
                w.WriteString("sha256", sha);
                w.WriteNumber("bytes", f.Bytes);
            }
            else
            {
                w.WriteNull("sha256");
                w.WriteString("problem", f.Problem ?? "not hashed");
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Reads a manifest's fields the verifier needs; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static ParsedManifest Parse(ReadOnlySpan<byte> bytes, string name)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name} is not JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            {
                throw new InvalidDataException($"{name} is not a DriftSentinel run manifest (expected \"format\": \"{Format}\")");
            }

            var run = Object(root, "run", name);
            long? id = run.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.Number ? idValue.GetInt64() : null;
            var profile = run.TryGetProperty("profile", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            (int, int, int)? recorded = root.TryGetProperty("recorded", out var r) && r.ValueKind == JsonValueKind.Object
                ? (Int(r, "findings", name), Int(r, "active", name), Int(r, "gaps", name))
                : null;
            ManifestLink? previous = null;
            if (root.TryGetProperty("previous", out var prev) && prev.ValueKind == JsonValueKind.Object)
            {
                previous = new ManifestLink(
                    prev.TryGetProperty("run", out var pr) && pr.ValueKind == JsonValueKind.Number ? pr.GetInt64() : null,
                    prev.TryGetProperty("sha256", out var ps) && ps.ValueKind == JsonValueKind.String ? ps.GetString()! : throw new InvalidDataException($"{name}: previous.sha256 missing"));
            }

            return new ParsedManifest(profile, id, recorded, previous, Files(root, "inputs", name), Files(root, "outputs", name));
        }
    }

    private static JsonElement Object(JsonElement root, string key, string name) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Object ? value : throw new InvalidDataException($"{name}: \"{key}\" missing or not an object");

    private static int Int(JsonElement o, string key, string name) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : throw new InvalidDataException($"{name}: \"{key}\" missing or not a number");

    private static IReadOnlyList<FileDigest> Files(JsonElement root, string key, string name)
    {
        if (!root.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{name}: \"{key}\" missing or not a list");
        }

        var files = new List<FileDigest>();
        foreach (var f in list.EnumerateArray())
        {
            if (f.ValueKind != JsonValueKind.Object || !f.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"{name}: {key}[{files.Count}] has no \"path\"");
            }

            var sha = f.TryGetProperty("sha256", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var bytes = f.TryGetProperty("bytes", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt64() : 0;
            var problem = f.TryGetProperty("problem", out var pr) && pr.ValueKind == JsonValueKind.String ? pr.GetString() : null;
            files.Add(new FileDigest(path.GetString()!, sha, bytes, problem));
        }

        return files;
    }
}

/// <summary>The fields of a manifest that verification checks.</summary>
public sealed record ParsedManifest(
    string? Profile, long? RunId, (int Findings, int Active, int Gaps)? Recorded, ManifestLink? Previous, IReadOnlyList<FileDigest> Inputs, IReadOnlyList<FileDigest> Outputs);
