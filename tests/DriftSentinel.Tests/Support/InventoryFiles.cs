using DriftSentinel.Aws;
using DriftSentinel.Azure;
using DriftSentinel.Core.Model;
using DriftSentinel.GitHub;

namespace DriftSentinel.Tests.Support;

/// <summary>Loads inventory into a harness through the real readers, from JSON/CSV in the services' own shapes.</summary>
public static class InventoryFiles
{
    public static RuleHarness AzureAssignments(this RuleHarness h, string subscription, string armJson)
    {
        using var tmp = new TempFolder();
        var file = tmp.Write("role-assignments.json", armJson);
        AzureRbacReader.ReadAssignments(file, "role-assignments.json", h.Input.Inventory.Azure(subscription));
        return h;
    }

    public static RuleHarness PimInstances(this RuleHarness h, string subscription, string armJson)
    {
        using var tmp = new TempFolder();
        var file = tmp.Write("role-assignment-schedule-instances.json", armJson);
        AzureRbacReader.ReadScheduleInstances(file, "role-assignment-schedule-instances.json", h.Input.Inventory.Azure(subscription));
        return h;
    }

    public static RuleHarness AuthorizationDetails(this RuleHarness h, string account, string json)
    {
        using var tmp = new TempFolder();
        var file = tmp.Write("authorization-details.json", json);
        IamAuthorizationDetailsReader.Read(file, $"aws/{account}/iam/authorization-details.json", h.Input.Inventory.Aws(account));
        return h;
    }

    public static RuleHarness CredentialReport(this RuleHarness h, string account, params string[] rows)
    {
        var csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
            + string.Join("\n", rows) + "\n";
        using var tmp = new TempFolder();
        var file = tmp.Write("credential-report.csv", csv);
        CredentialReportReader.Read(file, $"aws/{account}/iam/credential-report.csv", h.Input.Inventory.Aws(account));
        return h;
    }

    /// <summary>Reads a github/ tree written by <paramref name="write"/> through the GitHub snapshot reader.</summary>
    public static RuleHarness GitHub(this RuleHarness h, Action<TempFolder> write)
    {
        using var tmp = new TempFolder();
        write(tmp);
        new GitHubSnapshotReader().Read(tmp.Path, h.Input);
        return h;
    }

    public static string Assignment(string sub, string id, string principalId, string principalType, string roleGuid, string created = "2025-01-01T00:00:00Z", string? scope = null) =>
        $$"""
        {"properties":{"roleDefinitionId":"/subscriptions/{{sub}}/providers/Microsoft.Authorization/roleDefinitions/{{roleGuid}}","principalId":"{{principalId}}","principalType":"{{principalType}}",
         "scope":"{{scope ?? $"/subscriptions/{sub}"}}","createdOn":"{{created}}","updatedOn":"{{created}}"},
         "id":"/subscriptions/{{sub}}/providers/Microsoft.Authorization/roleAssignments/{{id}}","type":"Microsoft.Authorization/roleAssignments","name":"{{id}}"}
        """;

    public const string Owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    public const string Contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    public const string Reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    public static string Pim(string sub, string id, string principalId, string email, string roleGuid, string type, string start, string? end) =>
        $$"""
        {"properties":{"assignmentType":"{{type}}","scope":"/subscriptions/{{sub}}","roleDefinitionId":"/subscriptions/{{sub}}/providers/Microsoft.Authorization/roleDefinitions/{{roleGuid}}",
         "principalId":"{{principalId}}","principalType":"User","status":"Accepted","startDateTime":"{{start}}","endDateTime":{{(end is null ? "null" : $"\"{end}\"")}},"memberType":"Direct",
         "expandedProperties":{"principal":{"id":"{{principalId}}","displayName":"x","email":"{{email}}","type":"User"} } },
         "name":"{{id}}","type":"Microsoft.Authorization/roleAssignmentScheduleInstances","id":"/subscriptions/{{sub}}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{{id}}"}
        """;

    public static string ActivityEvent(string sub, string id, string time, string caller, string idtyp, string operation, string status = "Succeeded") =>
        $$"""
        {"authorization":{"action":"{{operation}}","scope":"/subscriptions/{{sub}}/resourceGroups/rg/providers/Microsoft.Web/sites/app"},"caller":"{{caller}}",
         "claims":{"idtyp":"{{idtyp}}"},"eventDataId":"{{id}}","eventTimestamp":"{{time}}","operationName":{"value":"{{operation}}","localizedValue":"{{operation}}"},
         "category":{"value":"Administrative"},"resourceId":"/subscriptions/{{sub}}/resourceGroups/rg/providers/Microsoft.Web/sites/app","status":{"value":"{{status}}"},"subscriptionId":"{{sub}}"}
        """;

    public static ActivityEvent AzureEvent(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return AzureActivityMapper.MapActivity(doc.RootElement, "unknown", new SourceLocation("activity-log.json", "record 0"))!;
    }

    public static ActivityEvent SignIn(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return AzureActivityMapper.MapSignIn(doc.RootElement, "tenant-1", new SourceLocation("sign-ins.json", "record 0"))!;
    }
}
