using System.Text.Json;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>Reads `aws iam get-account-authorization-details` output (CLI form with JSON documents, or the API's URL-encoded documents).</summary>
internal static class IamAuthorizationDetailsReader
{
    /// <summary>A top-level list: absent or null is empty, anything but an array is an error (never read as empty).</summary>
    private static IEnumerable<JsonElement> List(JsonElement root, string name, string displayName) => root.Prop(name) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Array } list => list.EnumerateArray(),
        { } other => throw new InputFormatException(displayName, name, $"'{name}' is {Json.KindText(other.ValueKind)}, expected an array"),
    };

    public static void Read(string path, string displayName, AwsAccountInventory into)
    {
        using var doc = Json.ParseFile(path, displayName);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || (root.Prop("UserDetailList") is null && root.Prop("RoleDetailList") is null && root.Prop("Policies") is null))
        {
            throw new InputFormatException(displayName, "line 1", "expected get-account-authorization-details output with UserDetailList, GroupDetailList, RoleDetailList and Policies");
        }

        foreach (var u in List(root, "UserDetailList", displayName))
        {
            into.Users.Add(new IamUser(
                Required(u, "Arn", displayName, "UserDetailList"),
                Required(u, "UserName", displayName, "UserDetailList"),
                u.Time("CreateDate"),
                Attached(u),
                Inline(u.Prop("UserPolicyList"), displayName),
                u.Prop("GroupList").StringOrArray()));
        }

        foreach (var g in List(root, "GroupDetailList", displayName))
        {
            into.Groups.Add(new IamGroup(
                Required(g, "Arn", displayName, "GroupDetailList"),
                Required(g, "GroupName", displayName, "GroupDetailList"),
                g.Time("CreateDate"),
                Attached(g),
                Inline(g.Prop("GroupPolicyList"), displayName)));
        }

        foreach (var r in List(root, "RoleDetailList", displayName))
        {
            into.Roles.Add(new IamRole(
                Required(r, "Arn", displayName, "RoleDetailList"),
                Required(r, "RoleName", displayName, "RoleDetailList"),
                r.Str("Path") ?? "/",
                r.Time("CreateDate"),
                PolicyDocumentParser.Parse(r.Prop("AssumeRolePolicyDocument"), displayName),
                Attached(r),
                Inline(r.Prop("RolePolicyList"), displayName),
                r.Path("RoleLastUsed")?.Time("LastUsedDate"),
                r.PathStr("RoleLastUsed", "Region"))
            {
                LastUsedTracked = r.Prop("RoleLastUsed") is { ValueKind: JsonValueKind.Object },
            });
        }

        foreach (var p in List(root, "Policies", displayName))
        {
            var arn = Required(p, "Arn", displayName, "Policies");
            var versions = p.Prop("PolicyVersionList").Items().ToList();
            var def = versions.FirstOrDefault(v => v.Bool("IsDefaultVersion") == true);
            if (def.ValueKind == JsonValueKind.Undefined)
            {
                def = versions.FirstOrDefault(v => v.Str("VersionId") == p.Str("DefaultVersionId"));
            }

            var document = def.ValueKind == JsonValueKind.Undefined ? PolicyDocument.Empty : PolicyDocumentParser.Parse(def.Prop("Document"), displayName);
            into.Policies[arn] = new ManagedPolicy(arn, p.Str("PolicyName") ?? arn, document);
        }

        into.HasAuthorizationDetails = true;
        into.AuthorizationDetailsFile = displayName;
    }

    private static string Required(JsonElement e, string name, string file, string list) =>
        e.Str(name) ?? throw new InputFormatException(file, list, $"an entry lacks the required field {name}");

    private static List<AttachedPolicy> Attached(JsonElement e) =>
        e.Prop("AttachedManagedPolicies").Items()
            .Select(a => new AttachedPolicy(a.Str("PolicyArn") ?? "", a.Str("PolicyName") ?? ""))
            .Where(a => a.Arn.Length > 0)
            .ToList();

    private static List<InlinePolicy> Inline(JsonElement? list, string file) =>
        list.Items().Select(p => new InlinePolicy(p.Str("PolicyName") ?? "", PolicyDocumentParser.Parse(p.Prop("PolicyDocument"), file))).ToList();
}

/// <summary>Parses IAM policy documents given as JSON objects or as the API's URL-encoded JSON strings.</summary>
internal static class PolicyDocumentParser
{
    public static PolicyDocument Parse(JsonElement? value, string file)
    {
        if (value is null)
        {
            return PolicyDocument.Empty;
        }

        if (value.Value.ValueKind == JsonValueKind.String)
        {
            var text = value.Value.Text();
            if (text.StartsWith('%'))
            {
                text = Uri.UnescapeDataString(text);
            }

            try
            {
                using var doc = JsonDocument.Parse(text);
                return FromObject(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw new InputFormatException(file, "policy document", $"not a JSON policy document: {e.Message}", e);
            }
        }

        return FromObject(value.Value);
    }

    private static PolicyDocument FromObject(JsonElement doc)
    {
        var statements = doc.Prop("Statement") switch
        {
            { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().ToList(),
            { ValueKind: JsonValueKind.Object } o => [o],
            _ => [],
        };

        return new PolicyDocument(statements.Select(s => new PolicyStatement(
            s.Str("Effect") ?? "Allow",
            s.Prop("Action").StringOrArray(),
            s.Prop("NotAction").StringOrArray(),
            s.Prop("Resource").StringOrArray(),
            Principals(s.Prop("Principal")),
            s.Prop("Condition") is { ValueKind: JsonValueKind.Object } c && c.EnumerateObject().Any())).ToList());
    }

    private static List<string> Principals(JsonElement? p)
    {
        if (p is null)
        {
            return [];
        }

        if (p.Value.ValueKind == JsonValueKind.String)
        {
            return [p.Value.Text()];
        }

        return p.Value.ValueKind == JsonValueKind.Object
            ? p.Value.EnumerateObject().SelectMany(kv => ((JsonElement?)kv.Value).StringOrArray()).ToList()
            : [];
    }
}
