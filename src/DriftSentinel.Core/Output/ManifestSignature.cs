using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace DriftSentinel.Core.Output;

/// <summary>
/// Signs manifest.json with an RSA (PKCS #1 v1.5, SHA-256) or ECDSA (SHA-256) private key, optionally with the X.509
/// certificate of that key, into manifest.sig: the algorithm, the SHA-256 of the key's SubjectPublicKeyInfo, the
/// certificate (base64 DER) and the signature over manifest.json's exact bytes.
/// </summary>
public sealed class ManifestSigner : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly byte[]? _certificate;

    private ManifestSigner(RSA? rsa, ECDsa? ecdsa, byte[]? certificate)
    {
        _rsa = rsa;
        _ecdsa = ecdsa;
        _certificate = certificate;
        KeyId = ManifestSignature.KeyId(rsa?.ExportSubjectPublicKeyInfo() ?? ecdsa!.ExportSubjectPublicKeyInfo());
    }

    /// <summary>SHA-256 (hex) of the signing key's SubjectPublicKeyInfo: what a verifier's trusted key must match.</summary>
    public string KeyId { get; }

    /// <summary>
    /// A signer from PEM text holding a private key (PKCS #8, PKCS #1 RSA or SEC 1 EC) and, optionally, the key's
    /// certificate. Throws <see cref="InvalidDataException"/> naming <paramref name="origin"/> when neither key kind reads.
    /// </summary>
    public static ManifestSigner FromPem(string pem, string origin)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{origin}: the private key is encrypted; give an unencrypted PKCS #8, RSA or EC key (protect the file or variable instead)");
        }

        byte[]? certificate = null;
        if (pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            using var cert = X509Certificate2.CreateFromPem(pem);
            certificate = cert.RawData;
        }

        return ManifestSignature.ImportKey(pem, requirePrivate: true) is (var rsa, var ecdsa)
            ? Checked(new ManifestSigner(rsa, ecdsa, certificate), origin)
            : throw new InvalidDataException($"{origin}: no RSA or ECDSA private key in PEM form (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static ManifestSigner Checked(ManifestSigner signer, string origin)
    {
        if (signer._certificate is { } der)
        {
            using var cert = X509CertificateLoader.LoadCertificate(der);
            using var publicKey = ManifestSignature.PublicKeyOf(cert);
            if (ManifestSignature.KeyId(publicKey.Spki) != signer.KeyId)
            {
                signer.Dispose();
                throw new InvalidDataException($"{origin}: the certificate ({cert.Subject}) is not the private key's");
            }
        }

        return signer;
    }

    /// <summary>manifest.sig for <paramref name="manifest"/>.</summary>
    public byte[] Sign(byte[] manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var signature = _rsa is not null
            ? _rsa.SignData(manifest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : _ecdsa!.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("signed_file", RunManifest.FileName);
            w.WriteString("algorithm", _rsa is not null ? ManifestSignature.Rsa : ManifestSignature.Ecdsa);
            w.WriteString("key_sha256", KeyId);
            if (_certificate is { } cert)
            {
                w.WriteString("certificate", Convert.ToBase64String(cert));
            }

            w.WriteString("signature", Convert.ToBase64String(signature));
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }
}

/// <summary>The outcome of checking manifest.sig.</summary>
/// <param name="Valid">The signature matches the manifest's bytes under the key it names.</param>
/// <param name="Trusted">That key is the trusted one given to the verifier.</param>
/// <param name="KeyId">The SHA-256 of the signing key's SubjectPublicKeyInfo, as manifest.sig names it.</param>
/// <param name="Detail">What was checked, or what failed.</param>
public sealed record SignatureCheck(bool Valid, bool Trusted, string KeyId, string Detail);

/// <summary>Verifies manifest.sig against manifest.json with a trusted public key, certificate, or (untrusted) the embedded certificate.</summary>
public static class ManifestSignature
{
    public const string Rsa = "RSASSA-PKCS1-v1_5-SHA256";
    public const string Ecdsa = "ECDSA-SHA256";

    /// <summary>Lower-case hex SHA-256 of a SubjectPublicKeyInfo.</summary>
    public static string KeyId(byte[] subjectPublicKeyInfo) => RunManifest.Sha256(subjectPublicKeyInfo);

    internal sealed class PublicKey(RSA? rsa, ECDsa? ecdsa) : IDisposable
    {
        public byte[] Spki { get; } = rsa?.ExportSubjectPublicKeyInfo() ?? ecdsa!.ExportSubjectPublicKeyInfo();

        public bool Verify(byte[] data, byte[] signature, string algorithm) => algorithm switch
        {
            Rsa when rsa is not null => rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            Ecdsa when ecdsa is not null => ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            _ => false,
        };

        public void Dispose()
        {
            rsa?.Dispose();
            ecdsa?.Dispose();
        }
    }

    internal static PublicKey PublicKeyOf(X509Certificate2 cert)
    {
        var rsa = cert.GetRSAPublicKey();
        return new PublicKey(rsa, rsa is null ? cert.GetECDsaPublicKey() : null);
    }

    /// <summary>A public key from PEM: a certificate, a PUBLIC KEY (SubjectPublicKeyInfo) or an RSA PUBLIC KEY; or a private key's public half.</summary>
    internal static PublicKey ReadPublicKey(string pem, string origin)
    {
        if (pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            using var cert = X509Certificate2.CreateFromPem(pem);
            return PublicKeyOf(cert);
        }

        return ImportKey(pem, requirePrivate: false) is (var rsa, var ecdsa)
            ? new PublicKey(rsa, ecdsa)
            : throw new InvalidDataException($"{origin}: no certificate, RSA or EC public key in PEM form");
    }

    /// <summary>
    /// The RSA or, failing that, EC key in <paramref name="pem"/> (exactly one of the two set); with
    /// <paramref name="requirePrivate"/> only a private key counts. Null when neither kind reads.
    /// </summary>
    internal static (RSA? Rsa, ECDsa? Ecdsa)? ImportKey(string pem, bool requirePrivate)
    {
        var rsa = RSA.Create();
        if (TryImport(rsa, pem, requirePrivate, k => k.ExportParameters(includePrivateParameters: true)))
        {
            return (rsa, null);
        }

        var ecdsa = ECDsa.Create();
        return TryImport(ecdsa, pem, requirePrivate, k => k.ExportParameters(includePrivateParameters: true)) ? (null, ecdsa) : null;
    }

    // Disposes the key when it does not read; a public key alone fails the private export, so it cannot sign.
    private static bool TryImport<T>(T key, string pem, bool requirePrivate, Action<T> exportPrivate)
        where T : AsymmetricAlgorithm
    {
        try
        {
            key.ImportFromPem(pem);
            if (requirePrivate)
            {
                exportPrivate(key);
            }

            return true;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            return false;
        }
    }

    /// <summary>
    /// Checks <paramref name="signatureFile"/> (manifest.sig) over <paramref name="manifest"/>. With
    /// <paramref name="trustedPem"/> the signature must verify under that key; without it, under the embedded
    /// certificate, and the result says the key was not checked against a trusted one.
    /// </summary>
    public static SignatureCheck Verify(byte[] manifest, byte[] signatureFile, string? trustedPem, string trustedOrigin = "--key")
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string algorithm;
        string keyId;
        byte[] signature;
        byte[]? certificate;
        try
        {
            using var doc = JsonDocument.Parse(signatureFile);
            var root = doc.RootElement;
            algorithm = root.GetProperty("algorithm").GetString() ?? "";
            keyId = root.GetProperty("key_sha256").GetString() ?? "";
            signature = Convert.FromBase64String(root.GetProperty("signature").GetString() ?? "");
            certificate = root.TryGetProperty("certificate", out var c) && c.ValueKind == JsonValueKind.String ? Convert.FromBase64String(c.GetString()!) : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return new SignatureCheck(false, false, "", $"{RunManifest.SignatureFileName} is not a signature file: {e.Message}");
        }

        if (algorithm is not (Rsa or Ecdsa))
        {
            return new SignatureCheck(false, false, keyId, $"{RunManifest.SignatureFileName}: unknown algorithm '{algorithm}' (expected {Rsa} or {Ecdsa})");
        }

        PublicKey key;
        var trusted = trustedPem is not null;
        if (trustedPem is not null)
        {
            key = ReadPublicKey(trustedPem, trustedOrigin);
        }
        else if (certificate is not null)
        {
            using var cert = X509CertificateLoader.LoadCertificate(certificate);
            key = PublicKeyOf(cert);
        }
        else
        {
            return new SignatureCheck(false, false, keyId, $"signed by key {keyId[..Math.Min(16, keyId.Length)]}…, which carries no certificate: pass the public key (--key) to verify it");
        }

        using (key)
        {
            var actualId = KeyId(key.Spki);
            if (actualId != keyId)
            {
                return new SignatureCheck(false, trusted, keyId, trusted
                    ? $"signed by key {Short(keyId)}, not by the trusted key {Short(actualId)}"
                    : $"the embedded certificate's key {Short(actualId)} is not the signing key {Short(keyId)}");
            }

            var valid = key.Verify(manifest, signature, algorithm);
            return new SignatureCheck(valid, trusted, keyId, !valid
                ? $"the signature does not match {RunManifest.FileName} (edited after signing, or signed by another key)"
                : trusted
                    ? $"signature valid ({algorithm}, trusted key {Short(keyId)})"
                    : $"signature valid under its own certificate's key {Short(keyId)}, which was not checked against a trusted key (pass --key)");
        }
    }

    private static string Short(string keyId) => keyId.Length > 16 ? keyId[..16] + "…" : keyId;
}
