using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>
/// Validates a delivered CloudTrail folder as <c>aws cloudtrail validate-logs</c> does, offline: each digest's RSA
/// SHA-256 signature over (end time, bucket/key, SHA-256 of the inflated digest, previous signature), the chain through
/// previous hashes and signatures per trail and region, and the SHA-256 of every listed log file's inflated content
/// (read on every core). Digests, their signatures (<c>*.head-object.json</c>) and CloudTrail's public keys
/// (<c>public-keys.json</c>) come from the snapshot, so an offline scan can prove what a live one could.
/// </summary>
public static class CloudTrailIntegrityValidator
{
    public const string PublicKeysFile = "public-keys.json";

    // Digests, their metadata and the key list are small; a larger one is not what CloudTrail wrote.
    private const long MaxEvidenceBytes = 64L * 1024 * 1024;

    // What a damaged or foreign file raises while read: reported as that file's problem, never a failed scan.
    private static bool IsBadInput(Exception e) => e is InputFormatException or InvalidDataException or System.Text.Json.JsonException or IOException
        or FormatException or InvalidOperationException or UnauthorizedAccessException or ArgumentException or CryptographicException;

    /// <summary>How long after the last digest a delivered log file may still await its digest (CloudTrail digests hourly).</summary>
    public static readonly TimeSpan UndigestedAfter = TimeSpan.FromHours(2);

    public static bool IsDigest(string path) => path.Contains("CloudTrail-Digest", StringComparison.OrdinalIgnoreCase)
        && path.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase);

    public static bool IsDeliveredLog(string path) => path.Contains("_CloudTrail_", StringComparison.Ordinal)
        && !IsDigest(path) && path.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Validates the trail folder of one account (<c>aws/ACCOUNT/cloudtrail</c>); <paramref name="relative"/> names files in problems.</summary>
    public static TrailIntegrity Validate(string account, string trailFolder, Func<string, string> relative, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(relative);
        var files = Directory.EnumerateFiles(trailFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var problems = new List<IntegrityProblem>();
        var notVerifiable = new List<string>();
        var logs = files.Where(IsDeliveredLog).ToDictionary(f => CloudTrailDigest.KeyOf(f), f => f, StringComparer.Ordinal);

        CloudTrailPublicKeys? keys = null;
        var keysPath = Path.Combine(trailFolder, PublicKeysFile);
        if (SnapshotFiles.Present(keysPath))
        {
            try
            {
                keys = SnapshotFiles.Refuse(keysPath, MaxEvidenceBytes) is { } refused
                    ? throw new InvalidDataException(refused)
                    : CloudTrailPublicKeys.Read(keysPath, relative(keysPath));
                if (keys.Skipped.Count > 0)
                {
                    problems.Add(new IntegrityProblem(IntegrityProblemKind.Unreadable, relative(keysPath),
                        $"{keys.Skipped.Count} entr(ies) are not keys ({string.Join("; ", keys.Skipped.Take(3))}): digests signed with them are unproven", null));
                }

                notVerifiable.AddRange(keys.Unusable.Select(u => $"{relative(keysPath)}: {u}"));
            }
            catch (Exception e) when (IsBadInput(e))
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.Unreadable, relative(keysPath), $"CloudTrail's public keys cannot be read: {e.Message}", null));
            }
        }

        var digests = new List<CloudTrailDigest>();
        foreach (var path in files.Where(IsDigest))
        {
            try
            {
                digests.Add(SnapshotFiles.Refuse(path, MaxEvidenceBytes) is { } refused
                    ? throw new InvalidDataException(refused)
                    : CloudTrailDigest.Read(path, relative(path)));
            }
            catch (Exception e) when (IsBadInput(e))
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.Unreadable, relative(path), $"digest cannot be read: {e.Message}", null));
            }
        }

        if (digests.Count == 0)
        {
            if (logs.Count > 0)
            {
                notVerifiable.Add($"{logs.Count} delivered log file(s) and no digest file: enable log file validation on the trail and collect CloudTrail-Digest/ with the logs");
            }

            return new TrailIntegrity(account, 0, 0, 0, 0, logs.Count, problems, notVerifiable, null, null);
        }

        if (keys is null)
        {
            notVerifiable.Add($"no {PublicKeysFile} (the output of `aws cloudtrail list-public-keys` for the period): digest signatures cannot be checked");
        }

        var verified = new List<CloudTrailDigest>();
        var holes = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var chain in digests.GroupBy(d => (d.Region, d.Trail)).OrderBy(g => g.Key.Region, StringComparer.Ordinal).ThenBy(g => g.Key.Trail, StringComparer.Ordinal))
        {
            verified.AddRange(CheckChain([.. chain.OrderBy(d => d.EndTime)], keys, relative, problems, notVerifiable, holes));
        }

        // Every log file a verified digest lists is hashed; a file listed by a digest that could not be verified is
        // still compared (what it says may be false, but a mismatch is worth reporting), and counted as unproven.
        var listed = digests.SelectMany(d => d.LogFiles.Select(f => (Digest: d, File: f))).ToList();
        var outcomes = new IntegrityProblem?[listed.Count];
        Parallel.For(0, listed.Count, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount }, i =>
        {
            var (digest, file) = listed[i];
            var key = CloudTrailDigest.KeyFromAwsLogs(file.ObjectKey);
            outcomes[i] = logs.TryGetValue(key, out var local)
                ? CheckLogFile(local, relative(local), file, digest)
                : new IntegrityProblem(IntegrityProblemKind.LogFileMissing, relative(Path.Combine(trailFolder, key)), $"listed by digest {relative(digest.LocalPath)} but not in the snapshot (deleted after delivery, or not collected)", digest.EndTime);
        });
        problems.AddRange(outcomes.OfType<IntegrityProblem>());

        var listedKeys = listed.Select(x => CloudTrailDigest.KeyFromAwsLogs(x.File.ObjectKey)).ToHashSet(StringComparer.Ordinal);
        var from = digests.Min(d => d.StartTime);
        var to = digests.Max(d => d.EndTime);
        foreach (var (key, path) in logs.Where(l => !listedKeys.Contains(l.Key)))
        {
            // A file delivered after the last digest's end is simply not digested yet; one in a hole of the chain is unproven.
            var at = DeliveredAt(path);
            if (at is { } inHole && holes.Any(h => inHole >= h.From && inHole < h.To))
            {
                notVerifiable.Add($"{relative(path)}: delivered {inHole:yyyy-MM-ddTHH:mmZ}, in the period whose digest is missing");
            }
            else if (at is { } within && within >= from && within < to)
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.LogFileUnlisted, relative(path), $"delivered {within:yyyy-MM-ddTHH:mmZ}, within the digests' period {from:yyyy-MM-ddTHH:mmZ}–{to:yyyy-MM-ddTHH:mmZ}, but no digest lists it (added after delivery?)", within));
            }
            else if (at is null || at < from)
            {
                notVerifiable.Add($"{relative(path)}: delivered outside the digests' period {from:yyyy-MM-ddTHH:mmZ}–{to:yyyy-MM-ddTHH:mmZ}");
            }
        }

        // CloudTrail delivers a digest every hour, log files or not: log files delivered well after the last digest mean
        // digests stopped while the trail logged (validation disabled, or the digests deleted).
        var undigested = logs.Values.Select(DeliveredAt).OfType<DateTimeOffset>().Where(at => at >= to + UndigestedAfter).Order().ToList();
        if (undigested.Count > 0)
        {
            problems.Add(new IntegrityProblem(IntegrityProblemKind.DigestMissing, relative(trailFolder),
                $"{undigested.Count} log file(s) delivered {undigested[0]:yyyy-MM-ddTHH:mmZ}–{undigested[^1]:yyyy-MM-ddTHH:mmZ}, after the last digest ({to:yyyy-MM-ddTHH:mmZ}): no digest for a period the trail was logging", undigested[0]));
        }

        var verifiedLogs = listed.Count - outcomes.Count(o => o is not null);
        return new TrailIntegrity(account, digests.Count, verified.Count, listed.Count, verifiedLogs, logs.Count, problems, notVerifiable, from, to);
    }

    private static List<CloudTrailDigest> CheckChain(List<CloudTrailDigest> chain, CloudTrailPublicKeys? keys, Func<string, string> relative, List<IntegrityProblem> problems, List<string> notVerifiable,
        List<(DateTimeOffset From, DateTimeOffset To)> holes)
    {
        var verified = new List<CloudTrailDigest>();
        for (var i = 0; i < chain.Count; i++)
        {
            var d = chain[i];
            var name = relative(d.LocalPath);
            if (!string.Equals(CloudTrailDigest.KeyFromAwsLogs(d.ObjectKey), d.FoundKey, StringComparison.Ordinal))
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.DigestMoved, name, $"found at {d.FoundKey} but names itself {d.ObjectKey}", d.EndTime));
            }

            if (d.Signature is null)
            {
                notVerifiable.Add($"{name}: {d.SignatureSource}");
            }
            else if (keys is not null)
            {
                switch (keys.Verify(d.PublicKeyFingerprint ?? "", d.StringToSign, d.Signature))
                {
                    case null:
                        problems.Add(new IntegrityProblem(IntegrityProblemKind.DigestKeyUnknown, name, $"signed with key {d.PublicKeyFingerprint}, which {PublicKeysFile} does not hold", d.EndTime));
                        break;
                    case false:
                        problems.Add(new IntegrityProblem(IntegrityProblemKind.DigestSignatureInvalid, name, $"the {d.SignatureAlgorithm ?? "SHA256withRSA"} signature does not verify with key {d.PublicKeyFingerprint}: the digest or its metadata was changed", d.EndTime));
                        break;
                    default:
                        verified.Add(d);
                        break;
                }
            }

            if (i == 0)
            {
                continue;
            }

            var previous = chain[i - 1];
            if (d.PreviousSignature is null)
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.ChainRestarted, name, $"starts a new chain after {relative(previous.LocalPath)}: log file validation was disabled or the trail stopped in between", d.StartTime));
                continue;
            }

            if (d.PreviousObjectKey is { } prevKey && !string.Equals(CloudTrailDigest.KeyFromAwsLogs(prevKey), CloudTrailDigest.KeyFromAwsLogs(previous.ObjectKey), StringComparison.Ordinal))
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.DigestMissing, CloudTrailDigest.KeyFromAwsLogs(prevKey),
                    $"the digest before {name} is not in the snapshot (the one present ends {previous.EndTime:yyyy-MM-ddTHH:mmZ}); logs delivered between {previous.EndTime:yyyy-MM-ddTHH:mmZ} and {d.StartTime:yyyy-MM-ddTHH:mmZ} are unproven", previous.EndTime));
                holes.Add((previous.EndTime, d.StartTime));
                continue;
            }

            if (!string.Equals(d.PreviousHash, previous.ContentHash, StringComparison.Ordinal) || !string.Equals(d.PreviousSignature, previous.Signature ?? d.PreviousSignature, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.ChainBroken, relative(previous.LocalPath),
                    $"{name} records the previous digest's SHA-256 as {d.PreviousHash} but it is {previous.ContentHash} (or its signature differs): the previous digest was changed", previous.EndTime));
            }
        }

        return verified;
    }

    private static IntegrityProblem? CheckLogFile(string path, string name, DigestLogFile listed, CloudTrailDigest digest)
    {
        try
        {
            if (SnapshotFiles.Refuse(path, SnapshotFiles.MaxTrailFileBytes) is { } refused)
            {
                return new IntegrityProblem(IntegrityProblemKind.Unreadable, name, $"cannot be checked: {refused}", digest.EndTime);
            }

            var (sha, crc, length) = Inflate(path);
            var trailer = ReadTrailer(path);
            if (trailer is not { } t || t.Crc != crc || t.Size != (uint)length)
            {
                return new IntegrityProblem(IntegrityProblemKind.LogFileTrailingData, name, "data follows its gzip member (CloudTrail delivers exactly one): something was appended after delivery", digest.EndTime);
            }

            return string.Equals(sha, listed.HashValue, StringComparison.Ordinal)
                ? null
                : new IntegrityProblem(IntegrityProblemKind.LogFileAltered, name, $"SHA-256 of its content is {sha}, digest {Path.GetFileName(digest.LocalPath)} recorded {listed.HashValue}: changed after delivery", digest.EndTime);
        }
        catch (Exception e) when (IsBadInput(e))
        {
            return new IntegrityProblem(IntegrityProblemKind.Unreadable, name, $"cannot be inflated: {e.Message}", digest.EndTime);
        }
    }

    /// <summary>SHA-256 (hex), CRC-32 and length of a gzip file's inflated content.</summary>
    private static (string Sha, uint Crc, long Length) Inflate(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var crc = new Crc32();
        var buffer = new byte[81920];
        long length = 0;
        int n;
        while ((n = gz.Read(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            crc.Append(buffer.AsSpan(0, n));
            length += n;
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), crc.GetCurrentHashAsUInt32(), length);
    }

    // The last eight bytes of a single-member gzip file: CRC-32 and size of the content (little-endian).
    private static (uint Crc, uint Size)? ReadTrailer(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length < 18)
        {
            return null;
        }

        Span<byte> tail = stackalloc byte[8];
        file.Seek(-8, SeekOrigin.End);
        file.ReadExactly(tail);
        return (BinaryPrimitives.ReadUInt32LittleEndian(tail), BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]));
    }

    /// <summary>The delivery time a log file's name carries (<c>111122223333_CloudTrail_us-east-1_20261119T2310Z_….json.gz</c>).</summary>
    public static DateTimeOffset? DeliveredAt(string path)
    {
        var parts = Path.GetFileName(path).Split('_');
        return parts.Length >= 4 && DateTimeOffset.TryParseExact(parts[3], "yyyyMMdd'T'HHmm'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
    }
}
