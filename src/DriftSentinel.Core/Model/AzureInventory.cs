namespace DriftSentinel.Core.Model;

/// <summary>An Azure role definition, so assignments can be named and their actions inspected.</summary>
public sealed record AzureRoleDefinition(string Id, string RoleName, IReadOnlyList<string> Actions, bool BuiltIn)
{
    /// <summary>The GUID at the end of the definition id, which is the same for a built-in role in every subscription.</summary>
    public string Guid => AzureIds.LastSegment(Id);
}

/// <summary>An Azure RBAC role assignment.</summary>
public sealed record AzureRoleAssignment
{
    public required string Id { get; init; }
    public required string Scope { get; init; }
    public required string PrincipalId { get; init; }
    public string? PrincipalName { get; init; }
    public required string PrincipalType { get; init; }
    public required string RoleDefinitionId { get; init; }
    public string? RoleName { get; init; }
    public DateTimeOffset? CreatedOn { get; init; }
    public required SourceLocation Source { get; init; }
}

/// <summary>A PIM role assignment schedule instance: an active assignment, activated just in time or assigned.</summary>
public sealed record PimAssignmentInstance
{
    public required string Id { get; init; }
    public required string Scope { get; init; }
    public required string PrincipalId { get; init; }
    public string? PrincipalName { get; init; }
    public required string PrincipalType { get; init; }
    public required string RoleDefinitionId { get; init; }
    public string? RoleName { get; init; }

    /// <summary>Activated (just in time) or Assigned.</summary>
    public required string AssignmentType { get; init; }

    public DateTimeOffset? Start { get; init; }
    public DateTimeOffset? End { get; init; }
    public string? OriginRoleAssignmentId { get; init; }

    /// <summary>The roleAssignmentSchedule the instance belongs to; PIM requests name it as their target.</summary>
    public string? ScheduleId { get; init; }

    public string? Justification { get; init; }
    public string? TicketNumber { get; init; }
    public required SourceLocation Source { get; init; }
}

/// <summary>What one Azure subscription's export holds.</summary>
public sealed class AzureSubscriptionInventory(string subscriptionId)
{
    public string SubscriptionId { get; } = subscriptionId;
    public List<AzureRoleAssignment> Assignments { get; } = [];
    public Dictionary<string, AzureRoleDefinition> Definitions { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<PimAssignmentInstance> PimInstances { get; } = [];

    /// <summary>PIM eligibility schedule instances: roles a principal may activate, not holds.</summary>
    public List<PimAssignmentInstance> PimEligibilities { get; } = [];
    public bool HasAssignments { get; set; }

    /// <summary>Role name of an assignment: its own, else its definition's, else the definition GUID.</summary>
    public string ResolveRoleName(string roleDefinitionId, string? ownName)
    {
        if (!string.IsNullOrEmpty(ownName))
        {
            return ownName;
        }

        var guid = AzureIds.LastSegment(roleDefinitionId);
        return Definitions.TryGetValue(guid, out var def) ? def.RoleName : BuiltInAzureRoles.NameOf(guid) ?? guid;
    }
}

/// <summary>Helpers for ARM resource ids.</summary>
public static class AzureIds
{
    public static string LastSegment(string id)
    {
        var trimmed = id.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    /// <summary>The subscription id inside an ARM id or scope, if it names one.</summary>
    public static string? SubscriptionOf(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        var parts = id.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parts[i].Equals("subscriptions", StringComparison.OrdinalIgnoreCase))
            {
                return parts[i + 1].ToLowerInvariant();
            }
        }

        return null;
    }
}

/// <summary>The built-in Azure roles whose GUIDs are fixed across tenants, so an assignment can be named without role-definitions.json.</summary>
internal static class BuiltInAzureRoles
{
    // GUIDs from Azure's built-in roles reference; these never change.
    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"] = "Owner",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["acdd72a7-3385-48ef-bd42-f606fba81ae7"] = "Reader",
        ["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"] = "User Access Administrator",
        ["f58310d9-a9f6-439a-9e8d-f62e7b41a168"] = "Role Based Access Control Administrator",
        ["de139f84-1756-47ae-9be6-808fbbe84772"] = "Website Contributor",
    };

    public static string? NameOf(string guid) => Names.GetValueOrDefault(guid);
}
