using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>Maps one CloudTrail record (S3 log file or LookupEvents CloudTrailEvent) to an <see cref="ActivityEvent"/>.</summary>
internal static class CloudTrailRecordMapper
{
    /// <summary>requestParameters keys that name the resource acted on, in the order they are tried.</summary>
    internal static readonly string[] ResourceKeys =
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
        var req = r.Prop("requestParameters");

        // Only what the event uses is read (and so counted, should its text need repair), as before the fields were split out.
        var type = ui.Str("type");
        var arn = ui.Str("arn");
        var invokedBy = arn is null && type == "AWSService" ? ui.Str("invokedBy") : null;
        var errorCode = r.Str("errorCode");
        var outcome = r.PathStr("responseElements", name);
        var assumes = name.StartsWith("AssumeRole", StringComparison.Ordinal);
        var web = name == "AssumeRoleWithWebIdentity";
        var fields = new CloudTrailFields
        {
            Time = time.Value,
            Name = name,
            IdentityType = type,
            IdentityArn = arn,
            IdentityAccountId = ui.Str("accountId"),
            InvokedBy = invokedBy,
            PrincipalId = arn is null && invokedBy is null ? ui.Str("principalId") : null,
            UserName = ui.Str("userName"),
            AccessKeyId = ui.Str("accessKeyId"),
            IdentityProvider = web ? ui.Str("identityProvider") : null,
            IssuerArn = ui.PathStr("sessionContext", "sessionIssuer", "arn"),
            MfaAuthenticated = ui.PathStr("sessionContext", "attributes", "mfaAuthenticated"),
            RecipientAccountId = r.Str("recipientAccountId"),
            EventId = r.Str("eventID"),
            Region = r.Str("awsRegion"),
            EventSource = r.Str("eventSource"),
            UserAgent = r.Str("userAgent"),
            SessionCredentialFromConsole = r.Str("sessionCredentialFromConsole"),
            ErrorCode = errorCode,
            ErrorMessage = errorCode is null && string.Equals(outcome, "Failure", StringComparison.OrdinalIgnoreCase) ? r.Str("errorMessage") : null,
            EventCategory = r.Str("eventCategory"),
            SourceIp = r.Str("sourceIPAddress"),
            ReadOnly = r.Bool("readOnly"),
            Outcome = outcome,
            IssuedAccessKeyId = assumes ? r.PathStr("responseElements", "credentials", "accessKeyId") : null,
            WebIdentitySubject = web ? r.PathStr("responseElements", "subjectFromWebIdentityToken") : null,
            WebIdentityProvider = web ? r.PathStr("responseElements", "provider") : null,
            MfaUsed = r.PathStr("additionalEventData", "MFAUsed"),
            Resource = ResourceOf(r, req),
            RoleArn = req?.Str("roleArn"),
            RoleSessionName = req?.Str("roleSessionName"),
            DurationSeconds = req?.Str("durationSeconds"),
            Parameters = RequestParameters.From(req),
        };
        return Build(fields, fallbackAccount, source);
    }

    /// <summary>The event from a record's fields, however they were read (document or straight from the bytes).</summary>
    public static ActivityEvent Build(CloudTrailFields f, string fallbackAccount, SourceLocation source)
    {
        var name = f.Name;
        var type = f.IdentityType ?? "Unknown";
        var issuer = f.IssuerArn;
        var arn = f.IdentityArn;
        var account = f.RecipientAccountId ?? f.IdentityAccountId ?? fallbackAccount;
        var id = arn ?? (type == "AWSService" ? f.InvokedBy : null) ?? f.PrincipalId ?? f.UserName ?? "unknown";
        if (type == "Root" && string.IsNullOrEmpty(arn))
        {
            id = $"arn:aws:iam::{f.IdentityAccountId ?? account}:root";
        }

        var userAgent = f.UserAgent;

        // A session the console issued (the console's own flag, or its user agents) is a person at a browser.
        var fromConsole = string.Equals(f.SessionCredentialFromConsole, "true", StringComparison.OrdinalIgnoreCase) || IsConsoleUserAgent(userAgent);
        var kind = type switch
        {
            "Root" => PrincipalKind.Root,
            "SAMLUser" or "IdentityCenterUser" => PrincipalKind.Human,
            "AWSService" => PrincipalKind.Workload,
            _ when issuer?.Contains("AWSReservedSSO_", StringComparison.Ordinal) == true => PrincipalKind.Human,
            _ when fromConsole || name == "ConsoleLogin" => PrincipalKind.Human,
            _ => PrincipalKind.Unknown,
        };

        var mfa = f.MfaAuthenticated;
        var errorCode = f.ErrorCode;

        // Sign-in style events (ConsoleLogin, PasswordUpdated, ExternalIdPDirectoryLogin, …) report their outcome as
        // responseElements.<eventName> = "Success" | "Failure", with no errorCode on failure.
        var outcome = f.Outcome;
        var loginResult = name == "ConsoleLogin" ? outcome : null;
        var failedOutcome = string.Equals(outcome, "Failure", StringComparison.OrdinalIgnoreCase);

        return new ActivityEvent
        {
            Cloud = Cloud.Aws,
            EventId = f.EventId ?? $"{source.File}:{source.Position}",
            Time = f.Time,
            AccountId = account,
            Region = f.Region,
            Service = f.EventSource ?? "unknown",
            Action = name,
            Actor = new Actor
            {
                Type = type,
                Id = id,
                AccountId = f.IdentityAccountId,
                IssuerArn = type == "AssumedRole" ? issuer ?? RoleArnFromSession(arn) : null,
                SessionName = type == "AssumedRole" ? SessionNameOf(arn) : null,
                AccessKeyId = f.AccessKeyId,
                MfaAuthenticated = mfa is null ? null : mfa == "true",
                DisplayName = f.UserName,
                Kind = kind,
            },
            ReadOnly = f.ReadOnly ?? GuessReadOnly(name),
            Succeeded = errorCode is null && !failedOutcome,
            ErrorCode = errorCode ?? (failedOutcome ? f.ErrorMessage ?? "Failure" : null),
            Resource = f.Resource,
            Category = f.EventCategory ?? "Management",
            LoginResult = loginResult,
            MfaUsed = f.MfaUsed switch
            {
                "Yes" => true,
                "No" => false,
                _ => null,
            },
            Interactive = name == "ConsoleLogin" || fromConsole,
            TargetRoleArn = f.RoleArn,
            TargetSessionName = f.RoleSessionName,
            RequestedDurationSeconds = int.TryParse(f.DurationSeconds, out var d) ? d : null,
            UserAgent = userAgent,
            SourceIp = f.SourceIp,
            Parameters = f.Parameters,
            IssuedAccessKeyId = name.StartsWith("AssumeRole", StringComparison.Ordinal) ? f.IssuedAccessKeyId : null,
            WebIdentitySubject = name == "AssumeRoleWithWebIdentity" ? f.WebIdentitySubject ?? f.UserName : null,
            WebIdentityProvider = name == "AssumeRoleWithWebIdentity" ? f.WebIdentityProvider ?? f.IdentityProvider : null,
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

/// <summary>The fields of a CloudTrail record the event is built from (null: absent or JSON null).</summary>
internal struct CloudTrailFields
{
    public DateTimeOffset Time;
    public string Name;
    public string? IdentityType;
    public string? IdentityArn;
    public string? IdentityAccountId;
    public string? InvokedBy;
    public string? PrincipalId;
    public string? UserName;
    public string? AccessKeyId;
    public string? IdentityProvider;
    public string? IssuerArn;
    public string? MfaAuthenticated;
    public string? RecipientAccountId;
    public string? EventId;
    public string? Region;
    public string? EventSource;
    public string? UserAgent;
    public string? SessionCredentialFromConsole;
    public string? ErrorCode;
    public string? ErrorMessage;
    public string? EventCategory;
    public string? SourceIp;
    public bool? ReadOnly;

    /// <summary>responseElements.&lt;eventName&gt;: a sign-in style event's Success or Failure.</summary>
    public string? Outcome;
    public string? IssuedAccessKeyId;
    public string? WebIdentitySubject;
    public string? WebIdentityProvider;
    public string? MfaUsed;
    public string? Resource;
    public string? RoleArn;
    public string? RoleSessionName;
    public string? DurationSeconds;
    public IReadOnlyDictionary<string, string> Parameters;
}
