using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>Maps one CloudTrail record (S3 log file or LookupEvents CloudTrailEvent) to an <see cref="ActivityEvent"/>.</summary>
internal static class CloudTrailRecordMapper
{
    private static readonly string[] ResourceKeys =
        ["functionName", "service", "serviceName", "cluster", "name", "stackName", "applicationName", "environmentName", "bucketName", "roleName", "userName", "trailName", "family", "eventDataStore"];

    /// <summary>
    /// Returns null, counted in <paramref name="skips"/> with the reason, for a record that is not an object or lacks
    /// the fields every CloudTrail record carries (eventTime, eventName). Records whose keys some pipelines lower-case
    /// (<c>eventtime</c>, <c>useridentity</c>) are read as if written by CloudTrail.
    /// </summary>
    public static ActivityEvent? Map(JsonElement r, string fallbackAccount, SourceLocation source, RecordSkips? skips = null)
    {
        if (r.ValueKind != JsonValueKind.Object)
        {
            skips?.Add(source.Position, $"record is {Json.KindText(r.ValueKind)}, not a JSON object");
            return null;
        }

        if (!r.TryGetProperty("eventName", out _) && CloudTrailKeyCase.HasLowerCasedKeys(r))
        {
            using var normalized = CloudTrailKeyCase.Normalize(r);
            return Map(normalized.RootElement, fallbackAccount, source, skips);
        }

        var time = r.Time("eventTime", "@timestamp");
        var name = r.Str("eventName");
        if (time is null || name is null)
        {
            skips?.Add(source.Position, name is null ? "no eventName" : r.Prop("eventTime", "@timestamp") is null ? "no eventTime" : $"eventTime '{r.Str("eventTime", "@timestamp")}' is not a time");
            return null;
        }

        var ui = r.Prop("userIdentity") ?? default;
        var type = ui.Str("type") ?? "Unknown";
        var issuer = ui.PathStr("sessionContext", "sessionIssuer", "arn");
        var arn = ui.Str("arn");
        var account = r.Str("recipientAccountId") ?? ui.Str("accountId") ?? fallbackAccount;
        var id = arn ?? (type == "AWSService" ? ui.Str("invokedBy") : null) ?? ui.Str("principalId") ?? ui.Str("userName") ?? "unknown";
        if (type == "Root" && string.IsNullOrEmpty(arn))
        {
            id = $"arn:aws:iam::{ui.Str("accountId") ?? account}:root";
        }

        var userAgent = r.Str("userAgent");

        // A session the console issued (the console's own flag, or its user agents) is a person at a browser.
        var fromConsole = string.Equals(r.Str("sessionCredentialFromConsole"), "true", StringComparison.OrdinalIgnoreCase) || IsConsoleUserAgent(userAgent);
        var kind = type switch
        {
            "Root" => PrincipalKind.Root,
            "SAMLUser" or "IdentityCenterUser" => PrincipalKind.Human,
            "AWSService" => PrincipalKind.Workload,
            _ when issuer?.Contains("AWSReservedSSO_", StringComparison.Ordinal) == true => PrincipalKind.Human,
            _ when fromConsole || name == "ConsoleLogin" => PrincipalKind.Human,
            _ => PrincipalKind.Unknown,
        };

        var mfa = ui.PathStr("sessionContext", "attributes", "mfaAuthenticated");
        var errorCode = r.Str("errorCode");

        // Sign-in style events (ConsoleLogin, PasswordUpdated, ExternalIdPDirectoryLogin, …) report their outcome as
        // responseElements.<eventName> = "Success" | "Failure", with no errorCode on failure.
        var outcome = r.PathStr("responseElements", name);
        var loginResult = name == "ConsoleLogin" ? outcome : null;
        var failedOutcome = string.Equals(outcome, "Failure", StringComparison.OrdinalIgnoreCase);
        var req = r.Prop("requestParameters");
        var durationText = req?.Str("durationSeconds");

        return new ActivityEvent
        {
            Cloud = Cloud.Aws,
            EventId = r.Str("eventID") ?? $"{source.File}:{source.Position}",
            Time = time.Value,
            AccountId = account,
            Region = r.Str("awsRegion"),
            Service = r.Str("eventSource") ?? "unknown",
            Action = name,
            Actor = new Actor
            {
                Type = type,
                Id = id,
                AccountId = ui.Str("accountId"),
                IssuerArn = type == "AssumedRole" ? issuer ?? RoleArnFromSession(arn) : null,
                SessionName = type == "AssumedRole" ? SessionNameOf(arn) : null,
                AccessKeyId = ui.Str("accessKeyId"),
                MfaAuthenticated = mfa is null ? null : mfa == "true",
                DisplayName = ui.Str("userName"),
                Kind = kind,
            },
            ReadOnly = r.Bool("readOnly") ?? GuessReadOnly(name),
            Succeeded = errorCode is null && !failedOutcome,
            ErrorCode = errorCode ?? (failedOutcome ? r.Str("errorMessage") ?? "Failure" : null),
            Resource = ResourceOf(r, req),
            Category = r.Str("eventCategory") ?? "Management",
            LoginResult = loginResult,
            MfaUsed = r.PathStr("additionalEventData", "MFAUsed") switch
            {
                "Yes" => true,
                "No" => false,
                _ => null,
            },
            Interactive = name == "ConsoleLogin" || fromConsole,
            TargetRoleArn = req?.Str("roleArn"),
            TargetSessionName = req?.Str("roleSessionName"),
            RequestedDurationSeconds = int.TryParse(durationText, out var d) ? d : null,
            UserAgent = userAgent,
            SourceIp = r.Str("sourceIPAddress"),
            Parameters = RequestParameters.From(req),
            IssuedAccessKeyId = name.StartsWith("AssumeRole", StringComparison.Ordinal) ? r.PathStr("responseElements", "credentials", "accessKeyId") : null,
            WebIdentitySubject = name == "AssumeRoleWithWebIdentity" ? r.PathStr("responseElements", "subjectFromWebIdentityToken") ?? ui.Str("userName") : null,
            WebIdentityProvider = name == "AssumeRoleWithWebIdentity" ? r.PathStr("responseElements", "provider") ?? ui.Str("identityProvider") : null,
            Source = source,
        };
    }

    /// <summary>The console's user agents: console.amazonaws.com, &lt;region&gt;.console.amazonaws.com, signin.amazonaws.com.</summary>
    public static bool IsConsoleUserAgent(string? userAgent) =>
        userAgent is not null
        && (userAgent.Equals("signin.amazonaws.com", StringComparison.OrdinalIgnoreCase)
            || userAgent.Equals("console.amazonaws.com", StringComparison.OrdinalIgnoreCase)
            || (userAgent.StartsWith("console.", StringComparison.OrdinalIgnoreCase) && userAgent.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) && !userAgent.Contains(' ', StringComparison.Ordinal)));

    // Read-only inference only for records that predate the readOnly field.
    private static bool? GuessReadOnly(string name) =>
        name.StartsWith("Get", StringComparison.Ordinal) || name.StartsWith("List", StringComparison.Ordinal)
        || name.StartsWith("Describe", StringComparison.Ordinal) || name.StartsWith("Head", StringComparison.Ordinal)
        || name.StartsWith("Lookup", StringComparison.Ordinal) || name.StartsWith("BatchGet", StringComparison.Ordinal)
            ? true
            : null;

    private static string? ResourceOf(JsonElement r, JsonElement? req)
    {
        var first = r.Prop("resources").Items().Select(x => x.Str("ARN", "arn")).FirstOrDefault(a => a is not null);
        if (first is not null)
        {
            return first;
        }

        if (req is { ValueKind: JsonValueKind.Object } p)
        {
            foreach (var key in ResourceKeys)
            {
                var v = p.Str(key);
                if (v is not null)
                {
                    return v;
                }
            }
        }

        return null;
    }

    /// <summary>arn:aws:sts::123:assumed-role/Role/session → arn:aws:iam::123:role/Role (path unknown from the session ARN).</summary>
    public static string? RoleArnFromSession(string? sessionArn)
    {
        if (sessionArn is null || !sessionArn.Contains(":assumed-role/", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = sessionArn.Split(':', 6);
        if (parts.Length < 6)
        {
            return null;
        }

        var rest = parts[5]["assumed-role/".Length..];
        var slash = rest.LastIndexOf('/');
        var role = slash < 0 ? rest : rest[..slash];
        return $"arn:{parts[1]}:iam::{parts[4]}:role/{role}";
    }

    public static string? SessionNameOf(string? sessionArn)
    {
        if (sessionArn is null || !sessionArn.Contains(":assumed-role/", StringComparison.Ordinal))
        {
            return null;
        }

        var slash = sessionArn.LastIndexOf('/');
        return slash < 0 ? null : sessionArn[(slash + 1)..];
    }
}
