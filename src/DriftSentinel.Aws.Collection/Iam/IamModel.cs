using System.Text.Json;
using System.Text.Json.Serialization;

namespace DriftSentinel.Aws.Collection.Iam;

// Shapes follow AWSSDK.IdentityManagement's request and response classes, so the typed SDK can replace
// IamQueryClient without touching the collector. Serialised with System.Text.Json they give the AWS CLI's output.

/// <summary>GetAccountAuthorizationDetails request.</summary>
internal sealed class GetAccountAuthorizationDetailsRequest
{
    public List<string> Filter { get; set; } = [];
    public string? Marker { get; set; }
    public int? MaxItems { get; set; }
}

/// <summary>One page of GetAccountAuthorizationDetails (or all pages merged).</summary>
internal sealed class GetAccountAuthorizationDetailsResponse
{
    public List<UserDetail> UserDetailList { get; set; } = [];
    public List<GroupDetail> GroupDetailList { get; set; } = [];
    public List<RoleDetail> RoleDetailList { get; set; } = [];
    public List<ManagedPolicyDetail> Policies { get; set; } = [];

    [JsonIgnore]
    public bool IsTruncated { get; set; }

    [JsonIgnore]
    public string? Marker { get; set; }
}

/// <summary>An IAM user with its inline and attached policies and groups.</summary>
internal sealed class UserDetail
{
    public string? Path { get; set; }
    public string? UserName { get; set; }
    public string? UserId { get; set; }
    public string? Arn { get; set; }
    public DateTime? CreateDate { get; set; }
    public List<PolicyDetail> UserPolicyList { get; set; } = [];
    public List<string> GroupList { get; set; } = [];
    public List<AttachedPolicy> AttachedManagedPolicies { get; set; } = [];
    public AttachedPermissionsBoundary? PermissionsBoundary { get; set; }
    public List<Tag> Tags { get; set; } = [];
}

/// <summary>An IAM group.</summary>
internal sealed class GroupDetail
{
    public string? Path { get; set; }
    public string? GroupName { get; set; }
    public string? GroupId { get; set; }
    public string? Arn { get; set; }
    public DateTime? CreateDate { get; set; }
    public List<PolicyDetail> GroupPolicyList { get; set; } = [];
    public List<AttachedPolicy> AttachedManagedPolicies { get; set; } = [];
}

/// <summary>An IAM role with its trust policy and last use.</summary>
internal sealed class RoleDetail
{
    public string? Path { get; set; }
    public string? RoleName { get; set; }
    public string? RoleId { get; set; }
    public string? Arn { get; set; }
    public DateTime? CreateDate { get; set; }

    [JsonConverter(typeof(PolicyDocumentJsonConverter))]
    public string? AssumeRolePolicyDocument { get; set; }

    public List<InstanceProfile> InstanceProfileList { get; set; } = [];
    public List<PolicyDetail> RolePolicyList { get; set; } = [];
    public List<AttachedPolicy> AttachedManagedPolicies { get; set; } = [];
    public AttachedPermissionsBoundary? PermissionsBoundary { get; set; }
    public List<Tag> Tags { get; set; } = [];
    public RoleLastUsed? RoleLastUsed { get; set; }
}

/// <summary>An instance profile a role belongs to.</summary>
internal sealed class InstanceProfile
{
    public string? Path { get; set; }
    public string? InstanceProfileName { get; set; }
    public string? InstanceProfileId { get; set; }
    public string? Arn { get; set; }
    public DateTime? CreateDate { get; set; }
}

/// <summary>When and where a role was last used (IAM tracks about 400 days).</summary>
public sealed class RoleLastUsed
{
    public DateTime? LastUsedDate { get; set; }
    public string? Region { get; set; }
}

/// <summary>An inline policy.</summary>
internal sealed class PolicyDetail
{
    public string? PolicyName { get; set; }

    [JsonConverter(typeof(PolicyDocumentJsonConverter))]
    public string? PolicyDocument { get; set; }
}

/// <summary>A managed policy attachment.</summary>
public sealed class AttachedPolicy
{
    public string? PolicyName { get; set; }
    public string? PolicyArn { get; set; }
}

/// <summary>A permissions boundary.</summary>
internal sealed class AttachedPermissionsBoundary
{
    public string? PermissionsBoundaryType { get; set; }
    public string? PermissionsBoundaryArn { get; set; }
}

/// <summary>A resource tag.</summary>
internal sealed class Tag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}

/// <summary>A managed policy with its versions.</summary>
internal sealed class ManagedPolicyDetail
{
    public string? PolicyName { get; set; }
    public string? PolicyId { get; set; }
    public string? Arn { get; set; }
    public string? Path { get; set; }
    public string? DefaultVersionId { get; set; }
    public int? AttachmentCount { get; set; }
    public int? PermissionsBoundaryUsageCount { get; set; }
    public bool IsAttachable { get; set; }
    public string? Description { get; set; }
    public DateTime? CreateDate { get; set; }
    public DateTime? UpdateDate { get; set; }
    public List<PolicyVersion> PolicyVersionList { get; set; } = [];
}

/// <summary>One version of a managed policy.</summary>
internal sealed class PolicyVersion
{
    [JsonConverter(typeof(PolicyDocumentJsonConverter))]
    public string? Document { get; set; }

    public string? VersionId { get; set; }
    public bool IsDefaultVersion { get; set; }
    public DateTime? CreateDate { get; set; }
}

/// <summary>GenerateCredentialReport response: STARTED, INPROGRESS or COMPLETE.</summary>
internal sealed class GenerateCredentialReportResponse
{
    public string? State { get; set; }
    public string? Description { get; set; }
}

/// <summary>GetCredentialReport response: the CSV report (already base64-decoded) and when it was generated.</summary>
internal sealed class GetCredentialReportResponse
{
    public byte[] Content { get; set; } = [];
    public string? ReportFormat { get; set; }
    public DateTime? GeneratedTime { get; set; }
}

/// <summary>
/// The API returns policy documents URL-encoded; the CLI prints them decoded as JSON objects. Writes the decoded
/// object (or the string as is when it is not JSON) so a collected snapshot matches a CLI export.
/// </summary>
internal sealed class PolicyDocumentJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var decoded = value.TrimStart().StartsWith('{') ? value : Uri.UnescapeDataString(value);
        try
        {
            using var doc = JsonDocument.Parse(decoded);
            doc.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(value);
        }
    }
}
