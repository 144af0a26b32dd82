using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Azure;

/// <summary>
/// Maps Azure Activity Log events and Entra sign-ins to <see cref="ActivityEvent"/>s, in every shape they are exported:
/// ARM and az CLI lists (camelCase or snake_case), and the diagnostic-settings export to storage or Event Hub
/// (<c>time</c>, <c>operationName</c> as a string, <c>resultType</c>, <c>identity.claims</c>, <c>callerIpAddress</c>,
/// sign-in fields under <c>properties</c>).
/// </summary>
internal static class AzureActivityMapper
{
    private const string UpnClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
    private const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    public static ActivityEvent? MapActivity(JsonElement e, string fallbackSubscription, SourceLocation source, RecordSkips? skips = null)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            skips?.Add(source.Position, $"record is {Json.KindText(e.ValueKind)}, not a JSON object");
            return null;
        }

        var time = e.Time("eventTimestamp", "event_timestamp", "time");
        var operation = e.Path("operationName")?.Str("value") ?? e.Path("operation_name")?.Str("value") ?? e.Str("operationName") ?? e.PathStr("authorization", "action");
        if (time is null || operation is null)
        {
            skips?.Add(source.Position, operation is null ? "no operationName" : "no parseable eventTimestamp or time");
            return null;
        }

        // The diagnostic-settings export nests the claims under "identity" and has no "caller".
        var claims = e.Prop("claims") ?? e.Path("identity", "claims");
        var caller = NonEmpty(e.Str("caller")) ?? NonEmpty(claims?.Str(UpnClaim)) ?? NonEmpty(claims?.Str(ObjectIdClaim, "oid"))
            ?? NonEmpty(e.PathStr("identity", "authorization", "evidence", "principalId")) ?? NonEmpty(claims?.Str("appid")) ?? "unknown";
        var idType = claims?.Str("idtyp");
        var kind = idType switch
        {
            "user" => PrincipalKind.Human,
            "app" => PrincipalKind.Workload,
            _ when caller.Contains('@', StringComparison.Ordinal) => PrincipalKind.Human,
            _ when Guid.TryParse(caller, out _) => PrincipalKind.Workload,
            _ => PrincipalKind.Unknown,
        };
        var status = Status(e.Path("status")?.Str("value") ?? e.Str("status") ?? e.Str("resultType") ?? e.Str("resultSignature"));
        var resourceId = e.Str("resourceId", "resource_id");
        var subscription = e.Str("subscriptionId", "subscription_id") ?? AzureIds.SubscriptionOf(resourceId) ?? fallbackSubscription;

        return new ActivityEvent
        {
            Cloud = Cloud.Azure,
            EventId = e.Str("eventDataId", "event_data_id") ?? e.Str("id") ?? $"{source}",
            Time = time.Value,
            AccountId = subscription.ToLowerInvariant(),
            Region = null,
            Service = e.Path("resourceProviderName")?.Str("value") ?? e.Path("resource_provider_name")?.Str("value") ?? operation.Split('/')[0],
            Action = operation,
            Actor = new Actor
            {
                Type = kind == PrincipalKind.Human ? "User" : kind == PrincipalKind.Workload ? "ServicePrincipal" : "Unknown",
                Id = caller,
                DisplayName = claims?.Str("name") ?? claims?.Str(UpnClaim),
                ObjectId = claims?.Str(ObjectIdClaim, "oid") ?? (Guid.TryParse(caller, out _) ? caller : null),
                TokenId = NonEmpty(claims?.Str("uti")),
                Kind = kind,
            },
            ReadOnly = operation.EndsWith("/read", StringComparison.OrdinalIgnoreCase),
            Succeeded = string.Equals(status, "Succeeded", StringComparison.OrdinalIgnoreCase),
            ErrorCode = string.Equals(status, "Failed", StringComparison.OrdinalIgnoreCase) ? "Failed" : null,
            Resource = resourceId,
            Category = e.Path("category")?.Str("value") ?? e.Str("category"),
            SourceIp = e.PathStr("httpRequest", "clientIpAddress") ?? e.PathStr("http_request", "client_ip_address") ?? e.Str("callerIpAddress"),
            Parameters = RequestParameters.From(e.Prop("properties")),
            Source = source,
        };
    }

    /// <summary>
    /// A service principal's sign-in (Graph beta auditLogs/signIns filtered to signInEventTypes servicePrincipal): the
    /// token it issued (uniqueTokenIdentifier, what the Activity Log's uti claim names) and, for a workload identity
    /// federation sign-in, the federated credential's issuer and subject from <paramref name="federated"/>. A client
    /// secret or certificate sign-in issues a token no pipeline run vouches for.
    /// </summary>
    public static ActivityEvent? MapServicePrincipalSignIn(JsonElement e, string tenant, IReadOnlyDictionary<string, (string Issuer, string Subject)> federated, SourceLocation source, RecordSkips? skips = null)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            skips?.Add(source.Position, $"record is {Json.KindText(e.ValueKind)}, not a JSON object");
            return null;
        }

        var time = e.Time("createdDateTime");
        var principal = NonEmpty(e.Str("servicePrincipalId")) ?? NonEmpty(e.Str("appId"));
        if (time is null || principal is null)
        {
            skips?.Add(source.Position, time is null ? "no parseable createdDateTime" : "no servicePrincipalId or appId");
            return null;
        }

        var credentialType = e.Str("clientCredentialType");
        string? issuer = null;
        string? subject = null;
        if (credentialType == "federatedIdentityCredential" && e.Str("federatedCredentialId") is { } credentialId)
        {
            if (federated.TryGetValue(credentialId, out var credential))
            {
                (issuer, subject) = credential;
            }
            else
            {
                issuer = $"federated credential {credentialId} (not in federated-credentials.json)";
            }
        }

        return new ActivityEvent
        {
            Cloud = Cloud.Entra,
            EventId = e.Str("id") ?? source.ToString(),
            Time = time.Value,
            AccountId = tenant.ToLowerInvariant(),
            Service = e.Str("resourceDisplayName") ?? "unknown",
            Action = "ServicePrincipalSignIn",
            Actor = new Actor
            {
                Type = "ServicePrincipal",
                Id = principal,
                DisplayName = e.Str("servicePrincipalName") ?? e.Str("appDisplayName"),
                ObjectId = NonEmpty(e.Str("servicePrincipalId")),
                Kind = PrincipalKind.Workload,
            },
            Succeeded = e.Path("status")?.Long("errorCode") is null or 0,
            Category = "ServicePrincipalSignIn",
            Interactive = false,
            Application = e.Str("appDisplayName"),
            Resource = e.Str("resourceDisplayName"),
            SourceIp = e.Str("ipAddress"),
            IssuedAccessKeyId = NonEmpty(e.Str("uniqueTokenIdentifier")),
            WebIdentitySubject = subject,
            WebIdentityProvider = issuer,
            Source = source,
        };
    }

    /// <summary>
    /// Succeeded, Failed or Started from whichever field the export has: ARM's status.value, the diagnostic export's
    /// resultType (Success, Failure, Start, Accept) or resultSignature (Succeeded, Failed, Started, or an HTTP code).
    /// </summary>
    private static string? Status(string? text) => text?.Trim().TrimEnd('.').ToLowerInvariant() switch
    {
        null => null,
        "success" or "succeeded" or "ok" or "created" or "nocontent" => "Succeeded",
        "failure" or "failed" or "badrequest" or "forbidden" or "conflict" or "notfound" => "Failed",
        // 202: an asynchronous operation has begun; its outcome is a later record.
        "start" or "started" or "accept" or "accepted" => "Started",
        var t when int.TryParse(t, out var code) => code == 202 ? "Started" : code is >= 200 and < 300 ? "Succeeded" : code >= 400 ? "Failed" : t,
        _ => text,
    };

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    public static ActivityEvent? MapSignIn(JsonElement e, string tenant, SourceLocation source, RecordSkips? skips = null)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            skips?.Add(source.Position, $"record is {Json.KindText(e.ValueKind)}, not a JSON object");
            return null;
        }

        // The diagnostic-settings export (SignInLogs category) puts Graph's signIn fields under "properties".
        if (e.Prop("createdDateTime") is null && e.Prop("properties") is { ValueKind: JsonValueKind.Object } props && props.Prop("userPrincipalName", "userId", "servicePrincipalId") is not null)
        {
            var mapped = MapSignIn(props, tenant, source, skips, e.Time("time"));
            return mapped;
        }

        return MapSignIn(e, tenant, source, skips, null);
    }

    private static ActivityEvent? MapSignIn(JsonElement e, string tenant, SourceLocation source, RecordSkips? skips, DateTimeOffset? outerTime)
    {
        var time = e.Time("createdDateTime") ?? outerTime;
        var servicePrincipal = NonEmpty(e.Str("servicePrincipalId"));
        var user = NonEmpty(e.Str("userPrincipalName")) ?? NonEmpty(e.Str("userId"));
        var isWorkload = user is null && servicePrincipal is not null;
        if (time is null || (user is null && servicePrincipal is null))
        {
            skips?.Add(source.Position, time is null ? "no parseable createdDateTime" : "no userPrincipalName, userId or servicePrincipalId");
            return null;
        }

        var errorCode = e.Path("status")?.Long("errorCode") ?? 0;
        return new ActivityEvent
        {
            Cloud = Cloud.Entra,
            EventId = e.Str("id") ?? source.ToString(),
            Time = time.Value,
            AccountId = tenant,
            Service = e.Str("resourceDisplayName") ?? "unknown",
            Action = "SignIn",
            Actor = new Actor
            {
                Type = isWorkload ? "ServicePrincipal" : "User",
                Id = (isWorkload ? servicePrincipal : user)!,
                DisplayName = NonEmpty(isWorkload ? e.Str("servicePrincipalName") : e.Str("userDisplayName")),
                ObjectId = NonEmpty(isWorkload ? servicePrincipal : e.Str("userId")),
                Kind = isWorkload ? PrincipalKind.Workload : PrincipalKind.Human,
            },
            ReadOnly = true,
            Succeeded = errorCode == 0,
            ErrorCode = errorCode == 0 ? null : errorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Resource = e.Str("resourceDisplayName"),
            Category = "SignIn",
            MfaUsed = MfaOf(e),
            Interactive = e.Bool("isInteractive"),
            Application = e.Str("appDisplayName"),
            SourceIp = e.Str("ipAddress"),
            Source = source,
        };
    }

    /// <summary>
    /// Whether the sign-in was completed with MFA, from the fields that state it (Graph beta and the diagnostic export;
    /// Graph v1.0's signIn has neither): authenticationRequirement, or a satisfied MFA step in authenticationDetails,
    /// or mfaDetail. Null when the record cannot say.
    /// </summary>
    public static bool? MfaOf(JsonElement e)
    {
        var requirement = NonEmpty(e.Str("authenticationRequirement"));
        if (requirement is not null)
        {
            return requirement.Equals("multiFactorAuthentication", StringComparison.OrdinalIgnoreCase);
        }

        var details = e.Prop("authenticationDetails");
        if (details is { ValueKind: JsonValueKind.Array } d && d.GetArrayLength() > 0)
        {
            return d.EnumerateArray().Any(x => x.Bool("succeeded") == true
                && (x.Str("authenticationStepRequirement")?.Contains("multiFactor", StringComparison.OrdinalIgnoreCase) == true
                    || x.Str("authenticationStepResultDetail")?.Contains("MFA", StringComparison.Ordinal) == true));
        }

        return NonEmpty(e.PathStr("mfaDetail", "authMethod")) is not null ? true : null;
    }
}
