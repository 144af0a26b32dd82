using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftSentinel.FakeAws;

/// <summary>
/// Writes a CloudTrail folder as S3 delivers it with log file validation on: hourly log files, hourly digest files
/// chained by previous hash and signature, each digest's signature in a <c>.head-object.json</c> sidecar (the
/// <c>aws s3api head-object</c> output) and the public key in <c>public-keys.json</c> (the
/// <c>aws cloudtrail list-public-keys</c> output). The key is made here; tests then damage what they need to.
/// </summary>
public sealed class DigestedTrail : IDisposable
{
    public const string Bucket = "org-trail-bucket";
    public const string Fingerprint = "5f1e9c2a7b3d4e6f8091a2b3c4d5e6f7";
    private readonly RSA _key = RSA.Create(2048);
    private readonly string _account;
    private readonly string _region;

    public DigestedTrail(string trailFolder, string account = "111122223333", string region = "us-east-1")
    {
        Folder = trailFolder;
        _account = account;
        _region = region;
        Directory.CreateDirectory(trailFolder);
        WritePublicKeys();
    }

    public string Folder { get; }

    /// <summary>Log files written so far, by hour.</summary>
    public List<string> LogFiles { get; } = [];

    /// <summary>Digest files written so far, oldest first.</summary>
    public List<string> Digests { get; } = [];

    private string? _previousKey;
    private string? _previousHash;
    private string? _previousSignature;

    /// <summary>Writes <paramref name="hours"/> hours starting at <paramref name="start"/>: one log file and one digest listing it per hour.</summary>
    public DigestedTrail Hours(DateTimeOffset start, int hours, bool restartChain = false)
    {
        if (restartChain)
        {
            _previousKey = _previousHash = _previousSignature = null;
        }

        for (var h = 0; h < hours; h++)
        {
            var from = start.AddHours(h);
            var log = WriteLog(from.AddMinutes(5), $"evt-{from:yyyyMMddHH}");
            WriteDigest(from, from.AddHours(1), [log]);
        }

        return this;
    }

    /// <summary>
    /// Digests log files already in the folder (a generated or demo trail) as CloudTrail would have: one digest per
    /// hour from the first file's hour to the last's, each listing the files delivered in it (an hour with none gets
    /// an empty digest, as CloudTrail writes one).
    /// </summary>
    public DigestedTrail DigestExisting()
    {
        var delivered = Directory.EnumerateFiles(Path.Combine(Folder, "AWSLogs", _account, "CloudTrail"), "*.json.gz", SearchOption.AllDirectories)
            .Select(f => (Path: f, At: DriftSentinel.Aws.CloudTrailIntegrityValidator.DeliveredAt(f)))
            .Where(x => x.At is not null)
            .Select(x => (x.Path, At: x.At!.Value))
            .OrderBy(x => x.At).ThenBy(x => x.Path, StringComparer.Ordinal)
            .ToList();
        if (delivered.Count == 0)
        {
            return this;
        }

        var hour = new DateTimeOffset(delivered[0].At.Year, delivered[0].At.Month, delivered[0].At.Day, delivered[0].At.Hour, 0, 0, TimeSpan.Zero);
        for (; hour <= delivered[^1].At; hour = hour.AddHours(1))
        {
            var start = hour;
            WriteDigest(start, start.AddHours(1), [.. delivered.Where(x => x.At >= start && x.At < start.AddHours(1)).Select(x => x.Path)]);
        }

        LogFiles.AddRange(delivered.Select(x => x.Path));
        return this;
    }

    /// <summary>A log file delivered at <paramref name="at"/> holding one event; returns its path.</summary>
    public string WriteLog(DateTimeOffset at, string eventId)
    {
        var path = LogPath(at, eventId);
        var json = new JsonObject
        {
            ["Records"] = new JsonArray(new JsonObject
            {
                ["eventVersion"] = "1.09",
                ["eventTime"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["eventSource"] = "s3.amazonaws.com",
                ["eventName"] = "ListBuckets",
                ["awsRegion"] = _region,
                ["eventID"] = eventId,
                ["readOnly"] = true,
                ["recipientAccountId"] = _account,
                ["userIdentity"] = new JsonObject { ["type"] = "IAMUser", ["arn"] = $"arn:aws:iam::{_account}:user/alice", ["accountId"] = _account },
            }),
        }.ToJsonString();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(json));
        }

        LogFiles.Add(path);
        return path;
    }

    private void WriteDigest(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<string> logs)
    {
        var key = $"AWSLogs/{_account}/CloudTrail-Digest/{_region}/{end:yyyy/MM/dd}/{_account}_CloudTrail-Digest_{_region}_org-trail_{_region}_{end:yyyyMMdd'T'HHmmss'Z'}.json.gz";
        var digest = new JsonObject
        {
            ["awsAccountId"] = _account,
            ["digestStartTime"] = start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["digestEndTime"] = end.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["digestS3Bucket"] = Bucket,
            ["digestS3Object"] = key,
            ["digestPublicKeyFingerprint"] = Fingerprint,
            ["digestSignatureAlgorithm"] = "SHA256withRSA",
            ["newestEventTime"] = end.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["oldestEventTime"] = start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["previousDigestS3Bucket"] = _previousKey is null ? null : Bucket,
            ["previousDigestS3Object"] = _previousKey,
            ["previousDigestHashValue"] = _previousHash,
            ["previousDigestHashAlgorithm"] = _previousHash is null ? null : "SHA-256",
            ["previousDigestSignature"] = _previousSignature,
            ["logFiles"] = new JsonArray([.. logs.Select(l => (JsonNode)new JsonObject
            {
                ["s3Bucket"] = Bucket,
                ["s3Object"] = KeyOf(l),
                ["hashValue"] = Convert.ToHexStringLower(SHA256.HashData(Inflate(l))),
                ["hashAlgorithm"] = "SHA-256",
                ["newestEventTime"] = end.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["oldestEventTime"] = start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            })]),
        };
        var content = Encoding.UTF8.GetBytes(digest.ToJsonString());
        var contentHash = Convert.ToHexStringLower(SHA256.HashData(content));
        var signed = $"{digest["digestEndTime"]}\n{Bucket}/{key}\n{contentHash}\n{_previousSignature ?? "null"}";
        var signature = Convert.ToHexStringLower(_key.SignData(Encoding.UTF8.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var path = Path.Combine(Folder, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(content);
        }

        File.WriteAllText(path + ".head-object.json", JsonSerializer.Serialize(new
        {
            AcceptRanges = "bytes",
            ContentLength = new FileInfo(path).Length,
            ContentType = "application/json",
            ContentEncoding = "gzip",
            Metadata = new Dictionary<string, string> { ["signature"] = signature, ["signature-algorithm"] = "SHA256withRSA" },
        }));
        Digests.Add(path);
        (_previousKey, _previousHash, _previousSignature) = (key, contentHash, signature);
    }

    /// <summary>Replaces a gzip file's content, keeping it a valid single-member gzip file.</summary>
    public static void Rewrite(string path, Func<string, string> change)
    {
        var text = change(Encoding.UTF8.GetString(Inflate(path)));
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(text));
    }

    public static byte[] Inflate(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gz.CopyTo(buffer);
        return buffer.ToArray();
    }

    private string LogPath(DateTimeOffset at, string eventId) =>
        Path.Combine(Folder, "AWSLogs", _account, "CloudTrail", _region, at.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture),
            $"{_account}_CloudTrail_{_region}_{at:yyyyMMdd'T'HHmm'Z'}_{eventId}.json.gz");

    private string KeyOf(string path) => Path.GetRelativePath(Folder, path).Replace('\\', '/');

    private void WritePublicKeys() => File.WriteAllText(Path.Combine(Folder, "public-keys.json"), JsonSerializer.Serialize(new
    {
        PublicKeyList = new[]
        {
            new
            {
                Value = Convert.ToBase64String(_key.ExportRSAPublicKey()),
                ValidityStartTime = "2026-01-01T00:00:00Z",
                ValidityEndTime = "2027-01-01T00:00:00Z",
                Fingerprint,
            },
        },
    }));

    public void Dispose() => _key.Dispose();
}
