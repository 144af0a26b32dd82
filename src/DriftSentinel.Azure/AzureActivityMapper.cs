using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Azure;

/// <summary>Maps Azure Activity Log events (ARM or az CLI, camelCase or snake_case) and Entra sign-ins to <see cref="ActivityEvent"/>s.</summary>
public static class AzureActivityMapper
{
    public static ActivityEvent? MapActivity(JsonElement e, string fallbackSubscription, SourceLocation source)
    {
        var time = e.Time("eventTimestamp", "event_timestamp");
        var operation = e.Path("operationName")?.Str("value") ?? e.Path("operation_name")?.Str("value") ?? e.Str("operationName") ?? e.PathStr("authorization", "action");
        if (time is null || operation is null)
        {
            return null;
        }

        var claims = e.Prop("claims");
        var caller = e.Str("caller") ?? "unknown";
        var idType = claims?.Str("idtyp");
        var kind = idType switch
        {
            "user" => PrincipalKind.Human,
            "app" => PrincipalKind.Workload,
            _ when caller.Contains('@', StringComparison.Ordinal) => PrincipalKind.Human,
            _ when Guid.TryParse(caller, out _) => PrincipalKind.Workload,
            _ => PrincipalKind.Unknown,
        };
        var status = e.Path("status")?.Str("value") ?? e.Str("status");
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
                DisplayName = claims?.Str("name") ?? claims?.Str("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"),
                ObjectId = claims?.Str("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid") ?? (Guid.TryParse(caller, out _) ? caller : null),
                Kind = kind,
            },
            ReadOnly = operation.EndsWith("/read", StringComparison.OrdinalIgnoreCase),
            Succeeded = string.Equals(status, "Succeeded", StringComparison.OrdinalIgnoreCase),
            ErrorCode = string.Equals(status, "Failed", StringComparison.OrdinalIgnoreCase) ? "Failed" : null,
            Resource = resourceId,
            Category = e.Path("category")?.Str("value") ?? e.Str("category"),
            SourceIp = e.PathStr("httpRequest", "clientIpAddress") ?? e.PathStr("http_request", "client_ip_address"),
            Source = source,
        };
    }

    public static ActivityEvent? MapSignIn(JsonElement e, string tenant, SourceLocation source)
    {
        var time = e.Time("createdDateTime");
        var user = e.Str("userPrincipalName") ?? e.Str("userId");
        if (time is null || user is null)
        {
            return null;
        }

        var errorCode = e.Path("status")?.Long("errorCode") ?? 0;
        var requirement = e.Str("authenticationRequirement");
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
                Type = "User",
                Id = user,
                DisplayName = e.Str("userDisplayName"),
                ObjectId = e.Str("userId"),
                Kind = PrincipalKind.Human,
            },
            ReadOnly = true,
            Succeeded = errorCode == 0,
            ErrorCode = errorCode == 0 ? null : errorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Resource = e.Str("resourceDisplayName"),
            Category = "SignIn",
            MfaUsed = requirement is null ? null : requirement == "multiFactorAuthentication",
            Interactive = e.Bool("isInteractive"),
            Application = e.Str("appDisplayName"),
            SourceIp = e.Str("ipAddress"),
            Source = source,
        };
    }
}
