using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using DriftSentinel.Core.Io;

namespace DriftSentinel.Aws;

/// <summary>
/// One CloudTrail digest file as delivered (<c>AWSLogs/ACCOUNT/CloudTrail-Digest/REGION/…_CloudTrail-Digest_….json.gz</c>):
/// its fields, the SHA-256 of its inflated content, and the signature S3 kept in the object's metadata
/// (<c>x-amz-meta-signature</c>), read from the sidecar <c>DIGEST.json.gz.head-object.json</c> — the output of
/// <c>aws s3api head-object</c> for that object, which collection writes beside each digest.
/// </summary>
public sealed record CloudTrailDigest
{
    public required string LocalPath { get; init; }

    /// <summary>The key under <c>AWSLogs/</c> the file was found at (the snapshot may drop the bucket's prefix).</summary>
    public required string FoundKey { get; init; }

    public required string Account { get; init; }
    public required string Region { get; init; }
    public required string Trail { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset EndTime { get; init; }

    /// <summary>The times exactly as the file wrote them (the signed string uses the file's text).</summary>
    public required string EndTimeText { get; init; }

    public required string Bucket { get; init; }
    public required string ObjectKey { get; init; }
    public string? PublicKeyFingerprint { get; init; }
    public string? SignatureAlgorithm { get; init; }
    public string? PreviousBucket { get; init; }
    public string? PreviousObjectKey { get; init; }
    public string? PreviousHash { get; init; }
    public string? PreviousSignature { get; init; }
    public required IReadOnlyList<DigestLogFile> LogFiles { get; init; }

    /// <summary>Hex SHA-256 of the inflated digest file.</summary>
    public required string ContentHash { get; init; }

    /// <summary>Hex signature from the object's metadata; null when the snapshot does not carry it.</summary>
    public string? Signature { get; init; }

    /// <summary>Where the signature came from, or why there is none.</summary>
    public required string SignatureSource { get; init; }

    /// <summary>The string CloudTrail signed: end time, bucket/key, content hash and the previous signature ("null" for the first).</summary>
    public string StringToSign => $"{EndTimeText}\n{Bucket}/{ObjectKey}\n{ContentHash}\n{PreviousSignature ?? "null"}";

    /// <summary>Reads a digest file and its metadata sidecar; a file that is not a digest raises <see cref="InputFormatException"/>.</summary>
    public static CloudTrailDigest Read(string path, string display)
    {
        byte[] inflated;
        using (var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gz.CopyTo(buffer);
            inflated = buffer.ToArray();
        }

        using var doc = JsonDocument.Parse(inflated);
        var root = doc.RootElement;
        string Required(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InputFormatException(display, name, $"required digest field '{name}' is missing");
        string? Optional(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.Text() : null;

        var logFiles = new List<DigestLogFile>();
        if (root.TryGetProperty("logFiles", out var files) && files.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var f in files.EnumerateArray())
            {
                string Field(string name) => f.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString()!
                    : throw new InputFormatException(display, $"logFiles[{i}].{name}", $"required field '{name}' is missing");
                logFiles.Add(new DigestLogFile(Field("s3Bucket"), Field("s3Object"), Field("hashValue").ToLowerInvariant(),
                    f.TryGetProperty("hashAlgorithm", out var a) ? a.GetString() ?? "SHA-256" : "SHA-256"));
                i++;
            }
        }

        var endText = Required("digestEndTime");
        var objectKey = Required("digestS3Object");
        var (signature, source) = ReadSignature(path);
        var name = Path.GetFileName(path);
        return new CloudTrailDigest
        {
            LocalPath = path,
            FoundKey = KeyOf(path),
            Account = Required("awsAccountId"),
            Region = RegionOf(name),
            Trail = TrailOf(name),
            StartTime = ParseTime(Required("digestStartTime"), display, "digestStartTime"),
            EndTime = ParseTime(endText, display, "digestEndTime"),
            EndTimeText = endText,
            Bucket = Required("digestS3Bucket"),
            ObjectKey = objectKey,
            PublicKeyFingerprint = Optional("digestPublicKeyFingerprint"),
            SignatureAlgorithm = Optional("digestSignatureAlgorithm"),
            PreviousBucket = Optional("previousDigestS3Bucket"),
            PreviousObjectKey = Optional("previousDigestS3Object"),
            PreviousHash = Optional("previousDigestHashValue")?.ToLowerInvariant(),
            PreviousSignature = Optional("previousDigestSignature"),
            LogFiles = logFiles,
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(inflated)),
            Signature = signature,
            SignatureSource = source,
        };
    }

    /// <summary>The object key as the folder holds it: from <c>AWSLogs/</c> on (a bucket prefix before it is not kept).</summary>
    public static string KeyOf(string path)
    {
        var normalized = path.Replace('\\', '/');
        var at = normalized.IndexOf("/AWSLogs/", StringComparison.Ordinal);
        return at < 0 ? Path.GetFileName(path) : normalized[(at + 1)..];
    }

    /// <summary>The key's part from <c>AWSLogs/</c> on, as written in a digest (which includes any bucket prefix).</summary>
    public static string KeyFromAwsLogs(string key)
    {
        var at = key.IndexOf("AWSLogs/", StringComparison.Ordinal);
        return at < 0 ? key : key[at..];
    }

    private static (string? Signature, string Source) ReadSignature(string digestPath)
    {
        var sidecar = digestPath + ".head-object.json";
        if (!SnapshotFiles.Present(sidecar))
        {
            return (null, $"no {Path.GetFileName(sidecar)} beside the digest (the signature is in the object's S3 metadata; collect it with `aws s3api head-object`)");
        }

        if (SnapshotFiles.Refuse(sidecar, 1024 * 1024) is { } refused)
        {
            return (null, $"{Path.GetFileName(sidecar)} {refused}");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Metadata", out var meta) && meta.ValueKind == JsonValueKind.Object
                && meta.TryGetProperty("signature", out var s) && s.ValueKind == JsonValueKind.String)
            {
                return (s.GetString()!.ToLowerInvariant(), Path.GetFileName(sidecar));
            }
        }
        catch (JsonException e)
        {
            return (null, $"{Path.GetFileName(sidecar)} is not JSON: {e.Message}");
        }

        return (null, $"{Path.GetFileName(sidecar)} has no Metadata.signature");
    }

    // 111122223333_CloudTrail-Digest_us-east-1_trail-name_us-east-1_20261119T230000Z.json.gz
    private static string RegionOf(string name)
    {
        var parts = name.Split('_');
        return parts.Length >= 3 ? parts[2] : "unknown";
    }

    private static string TrailOf(string name)
    {
        var parts = name.Split('_');
        return parts.Length >= 6 ? string.Join('_', parts[3..^2]) : "unknown";
    }

    private static DateTimeOffset ParseTime(string text, string display, string field) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new InputFormatException(display, field, $"'{text}' is not a time");
}

/// <summary>A log file a digest lists, with the SHA-256 (hex) of its inflated content.</summary>
public sealed record DigestLogFile(string Bucket, string ObjectKey, string HashValue, string HashAlgorithm);

/// <summary>
/// CloudTrail's public keys, as <c>aws cloudtrail list-public-keys</c> prints them (<c>PublicKeyList[].Value</c>: base64
/// DER PKCS #1 RSA public key; <c>Fingerprint</c>: hex), kept as <c>aws/ACCOUNT/cloudtrail/public-keys.json</c>.
/// </summary>
public sealed class CloudTrailPublicKeys
{
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _keys.Count;

    /// <summary>Entries of the list that are not keys at all (the file is not what the CLI wrote), and why.</summary>
    public List<string> Skipped { get; } = [];

    /// <summary>Keys read but unusable (a damaged value), and why.</summary>
    public List<string> Unusable { get; } = [];

    private static byte[]? FromBase64(string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static CloudTrailPublicKeys Read(string path, string display)
    {
        var keys = new CloudTrailPublicKeys();
        using var doc = Json.ParseFile(path, display);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("PublicKeyList", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new InputFormatException(display, "PublicKeyList", "expected the output of `aws cloudtrail list-public-keys` (a PublicKeyList array)");
        }

        var i = 0;
        foreach (var k in list.EnumerateArray())
        {
            var fingerprint = k.ValueKind == JsonValueKind.Object && k.TryGetProperty("Fingerprint", out var f) && f.ValueKind == JsonValueKind.String ? f.Text() : null;
            var value = k.ValueKind == JsonValueKind.Object && k.TryGetProperty("Value", out var v) && v.ValueKind == JsonValueKind.String ? v.Text() : null;
            var der = value is null ? null : FromBase64(value);
            if (fingerprint is null || value is null)
            {
                keys.Skipped.Add($"PublicKeyList[{i}]: expected an object with Fingerprint and Value");
            }
            else if (der is null)
            {
                // Read, but unusable (its text is damaged): digests signed with it are unproven, not forged.
                keys.Unusable.Add($"PublicKeyList[{i}] ({fingerprint}): Value is not base64");
            }
            else
            {
                keys._keys[fingerprint] = der;
            }

            i++;
        }

        return keys;
    }

    /// <summary>Adds a key (tests, and collection merging several regions' lists).</summary>
    public void Add(string fingerprint, byte[] pkcs1Der) => _keys[fingerprint] = pkcs1Der;

    /// <summary>Whether the signature (hex) over <paramref name="signed"/> verifies with the key of that fingerprint; null when no such key is known.</summary>
    public bool? Verify(string fingerprint, string signed, string signatureHex)
    {
        if (!_keys.TryGetValue(fingerprint, out var der))
        {
            return null;
        }

        using var rsa = RSA.Create();
        byte[] signature;
        try
        {
            rsa.ImportRSAPublicKey(der, out _);
            signature = Convert.FromHexString(signatureHex);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false; // a damaged key or signature proves nothing
        }

        return rsa.VerifyData(System.Text.Encoding.UTF8.GetBytes(signed), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
