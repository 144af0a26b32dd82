using System.Collections.Frozen;
using System.Text.Json;
using DriftSentinel.Core.Io;

namespace DriftSentinel.Aws;

/// <summary>
/// Restores CloudTrail's key spelling in records that a pipeline lower-cased (some SIEM and lake exports write
/// <c>eventtime</c>, <c>useridentity.sessioncontext</c>), so they map exactly as the original.
/// </summary>
internal static class CloudTrailKeyCase
{
    // The keys the mapper and the rules read; any other key keeps the spelling it has.
    private static readonly FrozenDictionary<string, string> Canonical = new[]
    {
        "eventVersion", "eventTime", "eventName", "eventSource", "eventID", "eventType", "eventCategory", "awsRegion",
        "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestParameters", "responseElements",
        "additionalEventData", "requestID", "readOnly", "resources", "recipientAccountId", "sessionCredentialFromConsole",
        "userIdentity", "type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy",
        "sessionContext", "sessionIssuer", "attributes", "mfaAuthenticated", "creationDate", "webIdFederationData",
        "sourceIdentity", "ConsoleLogin", "MFAUsed", "LoginTo", "MobileVersion", "roleArn", "roleSessionName",
        "durationSeconds", "functionName", "service", "serviceName", "cluster", "name", "stackName", "applicationName",
        "environmentName", "bucketName", "roleName", "trailName", "family", "eventDataStore", "policyArn", "groupName",
        "PasswordUpdated", "ExternalIdPDirectoryLogin", "SwitchRole", "CredentialVerification", "CredentialChallenge",
    }.ToFrozenDictionary(k => k.ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>True when the record spells CloudTrail's top-level keys in lower case (eventname, eventtime).</summary>
    public static bool HasLowerCasedKeys(JsonElement record) =>
        record.TryGetProperty("eventname", out _) || record.TryGetProperty("eventtime", out _);

    /// <summary>A copy of the record with every known key in CloudTrail's spelling, at any depth.</summary>
    public static JsonDocument Normalize(JsonElement record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(record, writer);
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static void Write(JsonElement e, Utf8JsonWriter w)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    string key;
                    try
                    {
                        key = p.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        // A key that is not valid text cannot be one CloudTrail writes: drop it, keep the record.
                        continue;
                    }

                    w.WritePropertyName(Canonical.TryGetValue(key.ToLowerInvariant(), out var name) ? name : key);
                    Write(p.Value, w);
                }

                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray())
                {
                    Write(item, w);
                }

                w.WriteEndArray();
                break;
            case JsonValueKind.String:
                w.WriteStringValue(e.Text());
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }
}
