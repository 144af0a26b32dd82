using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Azure;

/// <summary>Reads ARM list responses ({"value":[...]}) or `az` CLI output ([...]) of role assignments, definitions and PIM instances.</summary>
internal static class AzureRbacReader
{
    /// <summary>The items of an ARM list ({"value":[...]}) or a bare array; an ARM list response may also nest properties.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement root, string displayName)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return Json.Objects(root.EnumerateArray(), displayName, "items");
        }

        if (root.ValueKind == JsonValueKind.Object && root.Prop("value") is { ValueKind: JsonValueKind.Array } v)
        {
            return Json.Objects(v.EnumerateArray(), displayName, "value");
        }

        throw new InputFormatException(displayName, "line 1", "expected an ARM list response {\"value\":[...]} or an az CLI array [...]");
    }

    /// <summary>ARM puts fields under "properties"; the az CLI flattens them.</summary>
    private static JsonElement Props(JsonElement item) => item.Prop("properties") ?? item;

    public static int ReadAssignments(string path, string displayName, AzureSubscriptionInventory into, ScanInventory? directory = null)
    {
        using var doc = Json.ParseFile(path, displayName);
        var n = 0;
        foreach (var (item, i) in Items(doc.RootElement, displayName).Select((x, i) => (x, i)))
        {
            var p = Props(item);
            var roleDefinitionId = p.Str("roleDefinitionId") ?? throw Missing(displayName, i, "roleDefinitionId");
            into.Assignments.Add(new AzureRoleAssignment
            {
                Id = item.Str("id") ?? throw Missing(displayName, i, "id"),
                Scope = p.Str("scope") ?? $"/subscriptions/{into.SubscriptionId}",
                PrincipalId = p.Str("principalId") ?? throw Missing(displayName, i, "principalId"),
                PrincipalName = p.Str("principalName"),
                PrincipalType = p.Str("principalType") ?? "Unknown",
                RoleDefinitionId = roleDefinitionId,
                RoleName = p.Str("roleDefinitionName"),
                CreatedOn = p.Time("createdOn"),
                Source = new SourceLocation(displayName, $"item {i}"),
            });
            directory?.NamePrincipal(into.Assignments[^1].PrincipalId, into.Assignments[^1].PrincipalName);
            n++;
        }

        into.HasAssignments = true;
        return n;
    }

    public static int ReadDefinitions(string path, string displayName, AzureSubscriptionInventory into)
    {
        using var doc = Json.ParseFile(path, displayName);
        var n = 0;
        foreach (var (item, i) in Items(doc.RootElement, displayName).Select((x, i) => (x, i)))
        {
            var p = Props(item);
            var def = new AzureRoleDefinition(
                item.Str("id") ?? throw Missing(displayName, i, "id"),
                p.Str("roleName") ?? throw Missing(displayName, i, "roleName"),
                p.Prop("permissions").Items().SelectMany(x => x.Prop("actions").StringOrArray()).ToList(),
                (p.Str("type", "roleType") ?? "") == "BuiltInRole");
            into.Definitions[def.Guid] = def;
            n++;
        }

        return n;
    }

    public static int ReadScheduleInstances(string path, string displayName, AzureSubscriptionInventory into, bool eligibility = false, ScanInventory? directory = null)
    {
        using var doc = Json.ParseFile(path, displayName);
        var n = 0;
        foreach (var (item, i) in Items(doc.RootElement, displayName).Select((x, i) => (x, i)))
        {
            var p = Props(item);
            var principal = p.Path("expandedProperties", "principal");
            (eligibility ? into.PimEligibilities : into.PimInstances).Add(new PimAssignmentInstance
            {
                Id = item.Str("id") ?? item.Str("name") ?? $"{displayName}#{i}",
                Scope = p.Str("scope") ?? $"/subscriptions/{into.SubscriptionId}",
                PrincipalId = p.Str("principalId") ?? throw Missing(displayName, i, "principalId"),
                PrincipalName = principal?.Str("email") ?? principal?.Str("displayName"),
                PrincipalType = p.Str("principalType") ?? principal?.Str("type") ?? "Unknown",
                RoleDefinitionId = p.Str("roleDefinitionId") ?? throw Missing(displayName, i, "roleDefinitionId"),
                RoleName = p.PathStr("expandedProperties", "roleDefinition", "displayName"),
                AssignmentType = eligibility ? "Eligible" : p.Str("assignmentType") ?? "Assigned",
                Start = p.Time("startDateTime"),
                End = TimeOrFail(p, "endDateTime", displayName, i),
                OriginRoleAssignmentId = p.Str("originRoleAssignmentId"),
                ScheduleId = p.Str("roleAssignmentScheduleId", "roleEligibilityScheduleId"),
                Justification = null,
                Source = new SourceLocation(displayName, $"item {i}, id {item.Str("name") ?? item.Str("id")}"),
            });
            var added = (eligibility ? into.PimEligibilities : into.PimInstances)[^1];
            directory?.NamePrincipal(added.PrincipalId, added.PrincipalName);
            n++;
        }

        return n;
    }

    /// <summary>
    /// An optional time that, when present, must be a time: a PIM instance whose endDateTime cannot be read must not pass
    /// for one without an end (standing access), which would invent findings.
    /// </summary>
    private static DateTimeOffset? TimeOrFail(JsonElement p, string field, string displayName, int index)
    {
        if (p.Prop(field) is null)
        {
            return null;
        }

        return p.Time(field) ?? throw new InputFormatException(displayName, $"item {index}", $"'{field}' is '{p.Str(field)}', not a time between 1990 and 2200");
    }

    /// <summary>Joins PIM activation requests (justification, ticket) to the instances they created.</summary>
    public static int ReadScheduleRequests(string path, string displayName, AzureSubscriptionInventory into)
    {
        using var doc = Json.ParseFile(path, displayName);
        var n = 0;
        foreach (var item in Items(doc.RootElement, displayName))
        {
            var p = Props(item);
            n++;
            var schedule = p.Str("targetRoleAssignmentScheduleId");
            var principal = p.Str("principalId");
            var role = p.Str("roleDefinitionId");
            for (var k = 0; k < into.PimInstances.Count; k++)
            {
                var inst = into.PimInstances[k];
                var sameSchedule = schedule is not null && inst.ScheduleId is not null
                    && AzureIds.LastSegment(inst.ScheduleId).Equals(AzureIds.LastSegment(schedule), StringComparison.OrdinalIgnoreCase);
                var samePrincipalRole = inst.PrincipalId.Equals(principal, StringComparison.OrdinalIgnoreCase)
                    && inst.RoleDefinitionId.Equals(role, StringComparison.OrdinalIgnoreCase)
                    && inst.Start == p.Path("scheduleInfo")?.Time("startDateTime");
                if (sameSchedule || samePrincipalRole)
                {
                    into.PimInstances[k] = inst with { Justification = p.Str("justification"), TicketNumber = p.PathStr("ticketInfo", "ticketNumber") };
                }
            }
        }

        return n;
    }

    private static InputFormatException Missing(string file, int index, string field) =>
        new(file, $"item {index}", $"required field '{field}' is missing");
}
