using System.Security.Cryptography;
using System.Text;

namespace DriftSentinel.Core.Findings;

/// <summary>Fingerprints credentials so reports can tell them apart without printing them.</summary>
internal static class Redaction
{
    /// <summary>e.g. AKIA…MPLE (sha256:1f2e3d4c): the prefix says the kind, four characters help a person find it, the hash distinguishes.</summary>
    public static string Credential(string value)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..8];
        return value.Length <= 8 ? $"…(sha256:{hash})" : $"{value[..4]}…{value[^4..]} (sha256:{hash})";
    }
}
