using System.Globalization;
using System.Xml.Linq;
using DriftSentinel.Aws.Collection.Http;

namespace DriftSentinel.Aws.Collection.Iam;

/// <summary>The IAM calls the collector makes, shaped like AWSSDK.IdentityManagement's client.</summary>
internal interface IIamClient
{
    Task<GetAccountAuthorizationDetailsResponse> GetAccountAuthorizationDetailsAsync(GetAccountAuthorizationDetailsRequest request, CancellationToken cancellationToken);

    Task<GenerateCredentialReportResponse> GenerateCredentialReportAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="AwsServiceException"/> with ReportNotPresent, ReportExpired or ReportInProgress when there is no usable report.</summary>
    Task<GetCredentialReportResponse> GetCredentialReportAsync(CancellationToken cancellationToken);
}

/// <summary>IAM over its Query protocol (Version 2010-05-08): form-encoded POSTs, XML responses, SigV4 service "iam".</summary>
internal sealed class IamQueryClient(AwsHttpClient http, ServiceTarget target) : IIamClient
{
    private const string Version = "2010-05-08";

    public async Task<GetAccountAuthorizationDetailsResponse> GetAccountAuthorizationDetailsAsync(GetAccountAuthorizationDetailsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parameters = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < request.Filter.Count; i++)
        {
            parameters.Add(new($"Filter.member.{i + 1}", request.Filter[i]));
        }

        if (request.Marker is not null)
        {
            parameters.Add(new("Marker", request.Marker));
        }

        if (request.MaxItems is { } max)
        {
            parameters.Add(new("MaxItems", max.ToString(CultureInfo.InvariantCulture)));
        }

        var doc = await http.QueryAsync(target, "GetAccountAuthorizationDetails", Version, parameters, cancellationToken).ConfigureAwait(false);
        var r = doc.Result("GetAccountAuthorizationDetailsResult");
        return new GetAccountAuthorizationDetailsResponse
        {
            IsTruncated = r.Bool("IsTruncated"),
            Marker = r.Str("Marker"),
            UserDetailList = r.List("UserDetailList", u => new UserDetail
            {
                Path = u.Str("Path"),
                UserName = u.Str("UserName"),
                UserId = u.Str("UserId"),
                Arn = u.Str("Arn"),
                CreateDate = u.Date("CreateDate"),
                UserPolicyList = u.List("UserPolicyList", Inline),
                GroupList = u.List("GroupList", g => g.Value),
                AttachedManagedPolicies = u.List("AttachedManagedPolicies", Attached),
                PermissionsBoundary = Boundary(u),
                Tags = u.List("Tags", TagOf),
            }),
            GroupDetailList = r.List("GroupDetailList", g => new GroupDetail
            {
                Path = g.Str("Path"),
                GroupName = g.Str("GroupName"),
                GroupId = g.Str("GroupId"),
                Arn = g.Str("Arn"),
                CreateDate = g.Date("CreateDate"),
                GroupPolicyList = g.List("GroupPolicyList", Inline),
                AttachedManagedPolicies = g.List("AttachedManagedPolicies", Attached),
            }),
            RoleDetailList = r.List("RoleDetailList", role => new RoleDetail
            {
                Path = role.Str("Path"),
                RoleName = role.Str("RoleName"),
                RoleId = role.Str("RoleId"),
                Arn = role.Str("Arn"),
                CreateDate = role.Date("CreateDate"),
                AssumeRolePolicyDocument = role.Str("AssumeRolePolicyDocument"),
                InstanceProfileList = role.List("InstanceProfileList", p => new InstanceProfile
                {
                    Path = p.Str("Path"),
                    InstanceProfileName = p.Str("InstanceProfileName"),
                    InstanceProfileId = p.Str("InstanceProfileId"),
                    Arn = p.Str("Arn"),
                    CreateDate = p.Date("CreateDate"),
                }),
                RolePolicyList = role.List("RolePolicyList", Inline),
                AttachedManagedPolicies = role.List("AttachedManagedPolicies", Attached),
                PermissionsBoundary = Boundary(role),
                Tags = role.List("Tags", TagOf),
                RoleLastUsed = role.Child("RoleLastUsed") is { } used && used.HasElements
                    ? new RoleLastUsed { LastUsedDate = used.Date("LastUsedDate"), Region = used.Str("Region") }
                    : null,
            }),
            Policies = r.List("Policies", p => new ManagedPolicyDetail
            {
                PolicyName = p.Str("PolicyName"),
                PolicyId = p.Str("PolicyId"),
                Arn = p.Str("Arn"),
                Path = p.Str("Path"),
                DefaultVersionId = p.Str("DefaultVersionId"),
                AttachmentCount = p.Int("AttachmentCount"),
                PermissionsBoundaryUsageCount = p.Int("PermissionsBoundaryUsageCount"),
                IsAttachable = p.Bool("IsAttachable"),
                Description = p.Str("Description"),
                CreateDate = p.Date("CreateDate"),
                UpdateDate = p.Date("UpdateDate"),
                PolicyVersionList = p.List("PolicyVersionList", v => new PolicyVersion
                {
                    Document = v.Str("Document"),
                    VersionId = v.Str("VersionId"),
                    IsDefaultVersion = v.Bool("IsDefaultVersion"),
                    CreateDate = v.Date("CreateDate"),
                }),
            }),
        };
    }

    public async Task<GenerateCredentialReportResponse> GenerateCredentialReportAsync(CancellationToken cancellationToken)
    {
        var doc = await http.QueryAsync(target, "GenerateCredentialReport", Version, [], cancellationToken).ConfigureAwait(false);
        var r = doc.Result("GenerateCredentialReportResult");
        return new GenerateCredentialReportResponse { State = r.Str("State"), Description = r.Str("Description") };
    }

    public async Task<GetCredentialReportResponse> GetCredentialReportAsync(CancellationToken cancellationToken)
    {
        var doc = await http.QueryAsync(target, "GetCredentialReport", Version, [], cancellationToken).ConfigureAwait(false);
        var r = doc.Result("GetCredentialReportResult");
        byte[] content;
        try
        {
            content = Convert.FromBase64String(r.Str("Content") ?? string.Empty);
        }
        catch (FormatException)
        {
            throw new AwsServiceException("iam", "MalformedResponse", System.Net.HttpStatusCode.OK, "GetCredentialReport Content is not base64");
        }

        return new GetCredentialReportResponse { Content = content, ReportFormat = r.Str("ReportFormat"), GeneratedTime = r.Date("GeneratedTime") };
    }

    private static PolicyDetail Inline(XElement p) => new() { PolicyName = p.Str("PolicyName"), PolicyDocument = p.Str("PolicyDocument") };

    private static AttachedPolicy Attached(XElement p) => new() { PolicyName = p.Str("PolicyName"), PolicyArn = p.Str("PolicyArn") };

    private static Tag TagOf(XElement t) => new() { Key = t.Str("Key"), Value = t.Str("Value") };

    private static AttachedPermissionsBoundary? Boundary(XElement e) =>
        e.Child("PermissionsBoundary") is { } b && b.HasElements
            ? new AttachedPermissionsBoundary { PermissionsBoundaryType = b.Str("PermissionsBoundaryType"), PermissionsBoundaryArn = b.Str("PermissionsBoundaryArn") }
            : null;
}
