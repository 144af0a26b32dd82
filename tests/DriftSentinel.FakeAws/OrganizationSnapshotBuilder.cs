using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftSentinel.FakeAws;

/// <summary>
/// Writes a hand-made snapshot of an organization of many accounts: the demo's three accounts plus generated ones,
/// each with IAM authorization details, a credential report and CloudTrail log files in several regions.
/// </summary>
public static class OrganizationSnapshotBuilder
{
    public const string CredentialReportHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    public static IReadOnlyList<string> Write(string root, string demoSnapshot, int accounts, IReadOnlyList<string> regions, DateTimeOffset anchor, int eventsPerRegion)
    {
        var ids = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(demoSnapshot, "aws")).Order(StringComparer.Ordinal))
        {
            CopyFolder(dir, Path.Combine(root, "aws", Path.GetFileName(dir)));
            ids.Add(Path.GetFileName(dir));
        }

        for (var i = 0; ids.Count < accounts; i++)
        {
            var id = (210000000000L + (i * 1001L)).ToString(CultureInfo.InvariantCulture);
            WriteAccount(Path.Combine(root, "aws", id), id, regions, anchor, eventsPerRegion);
            ids.Add(id);
        }

        return ids;
    }

    public static void WriteAccount(string dir, string account, IReadOnlyList<string> regions, DateTimeOffset anchor, int eventsPerRegion)
    {
        var iam = Directory.CreateDirectory(Path.Combine(dir, "iam")).FullName;
        var admin = Doc("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
        var readOnly = Doc("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}""");
        var trust = Doc($$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:root"},"Action":"sts:AssumeRole"}]}""");
        var details = new JsonObject
        {
            ["UserDetailList"] = new JsonArray(
                User(account, "ops-alice", ["admins"], []),
                User(account, "ci-uploader", [], [new JsonObject { ["PolicyName"] = "upload", ["PolicyDocument"] = readOnly.DeepClone() }]),
                User(account, "legacy-batch", ["admins"], [])),
            ["GroupDetailList"] = new JsonArray(new JsonObject
            {
                ["Path"] = "/",
                ["GroupName"] = "admins",
                ["GroupId"] = "AGPA" + account,
                ["Arn"] = $"arn:aws:iam::{account}:group/admins",
                ["CreateDate"] = "2024-01-01T00:00:00Z",
                ["GroupPolicyList"] = new JsonArray(),
                ["AttachedManagedPolicies"] = new JsonArray(new JsonObject { ["PolicyName"] = "AdministratorAccess", ["PolicyArn"] = "arn:aws:iam::aws:policy/AdministratorAccess" }),
            }),
            ["RoleDetailList"] = new JsonArray(
                new JsonObject
                {
                    ["Path"] = "/",
                    ["RoleName"] = "OrganizationAccountAccessRole",
                    ["RoleId"] = "AROA" + account + "A",
                    ["Arn"] = $"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                    ["CreateDate"] = "2024-01-01T00:00:00Z",
                    ["AssumeRolePolicyDocument"] = trust.DeepClone(),
                    ["InstanceProfileList"] = new JsonArray(),
                    ["RolePolicyList"] = new JsonArray(new JsonObject { ["PolicyName"] = "admin", ["PolicyDocument"] = admin.DeepClone() }),
                    ["AttachedManagedPolicies"] = new JsonArray(),
                    ["Tags"] = new JsonArray(),
                    ["RoleLastUsed"] = new JsonObject { ["LastUsedDate"] = Iso(anchor.AddDays(-2)), ["Region"] = regions[0] },
                },
                new JsonObject
                {
                    ["Path"] = "/service-role/",
                    ["RoleName"] = "reporting",
                    ["RoleId"] = "AROA" + account + "B",
                    ["Arn"] = $"arn:aws:iam::{account}:role/service-role/reporting",
                    ["CreateDate"] = "2024-01-01T00:00:00Z",
                    ["AssumeRolePolicyDocument"] = trust.DeepClone(),
                    ["InstanceProfileList"] = new JsonArray(),
                    ["RolePolicyList"] = new JsonArray(),
                    ["AttachedManagedPolicies"] = new JsonArray(new JsonObject { ["PolicyName"] = "ReadOnlyS3", ["PolicyArn"] = $"arn:aws:iam::{account}:policy/ReadOnlyS3" }),
                    ["Tags"] = new JsonArray(),
                    ["RoleLastUsed"] = new JsonObject(),
                }),
            ["Policies"] = new JsonArray(new JsonObject
            {
                ["PolicyName"] = "ReadOnlyS3",
                ["PolicyId"] = "ANPA" + account,
                ["Arn"] = $"arn:aws:iam::{account}:policy/ReadOnlyS3",
                ["Path"] = "/",
                ["DefaultVersionId"] = "v2",
                ["AttachmentCount"] = 1,
                ["PermissionsBoundaryUsageCount"] = 0,
                ["IsAttachable"] = true,
                ["CreateDate"] = "2024-01-01T00:00:00Z",
                ["UpdateDate"] = "2025-01-01T00:00:00Z",
                ["PolicyVersionList"] = new JsonArray(
                    new JsonObject { ["Document"] = readOnly.DeepClone(), ["VersionId"] = "v2", ["IsDefaultVersion"] = true, ["CreateDate"] = "2025-01-01T00:00:00Z" },
                    new JsonObject { ["Document"] = admin.DeepClone(), ["VersionId"] = "v1", ["IsDefaultVersion"] = false, ["CreateDate"] = "2024-01-01T00:00:00Z" }),
            }),
        };
        File.WriteAllText(Path.Combine(iam, "authorization-details.json"), details.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var report = new StringBuilder(CredentialReportHeader).Append('\n');
        report.Append(CultureInfo.InvariantCulture, $"<root_account>,arn:aws:iam::{account}:root,2024-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        report.Append(CultureInfo.InvariantCulture, $"ops-alice,arn:aws:iam::{account}:user/ops-alice,2024-01-01T00:00:00+00:00,true,{Iso(anchor.AddDays(-1))},2024-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        report.Append(CultureInfo.InvariantCulture, $"ci-uploader,arn:aws:iam::{account}:user/ci-uploader,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-01T00:00:00+00:00,{Iso(anchor.AddHours(-3))},{regions[0]},s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        report.Append(CultureInfo.InvariantCulture, $"legacy-batch,arn:aws:iam::{account}:user/legacy-batch,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2023-06-01T00:00:00+00:00,2025-01-01T00:00:00+00:00,{regions[0]},ec2,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        File.WriteAllText(Path.Combine(iam, "credential-report.csv"), report.ToString());

        foreach (var region in regions)
        {
            var events = Enumerable.Range(0, eventsPerRegion).Select(n => Event(account, region, anchor.AddMinutes(-(n + 1) * 47), n)).ToList();
            foreach (var day in events.GroupBy(e => e.Time.UtcDateTime.Date))
            {
                var folder = Directory.CreateDirectory(Path.Combine(dir, "cloudtrail", "AWSLogs", account, "CloudTrail", region, day.Key.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture))).FullName;
                var name = $"{account}_CloudTrail_{region}_{day.Key:yyyyMMdd}T2355Z_{account[..8]}{region.Length:D8}.json.gz";
                using var gz = new GZipStream(File.Create(Path.Combine(folder, name)), CompressionLevel.Optimal);
                var records = new JsonArray(day.OrderBy(e => e.Time).Select(e => JsonNode.Parse(e.Json)).ToArray());
                gz.Write(Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = records }.ToJsonString()));
            }
        }
    }

    /// <summary>A management event as CloudTrail records it: console sign-ins, role sessions and API calls.</summary>
    public static FakeEvent Event(string account, string region, DateTimeOffset time, int n)
    {
        var id = DeterministicGuid($"{account}/{region}/{n}");
        var (name, source, user) = (n % 5) switch
        {
            0 => ("DescribeInstances", "ec2.amazonaws.com", "ops-alice"),
            1 => ("AssumeRole", "sts.amazonaws.com", "ci-uploader"),
            2 => ("UpdateFunctionCode20150331v2", "lambda.amazonaws.com", "ops-alice"),
            3 => ("GetCallerIdentity", "sts.amazonaws.com", "legacy-batch"),
            _ => ("ListBuckets", "s3.amazonaws.com", "ci-uploader"),
        };
        var record = new JsonObject
        {
            ["eventVersion"] = "1.09",
            ["userIdentity"] = new JsonObject
            {
                ["type"] = "IAMUser",
                ["principalId"] = "AIDA" + account,
                ["arn"] = $"arn:aws:iam::{account}:user/{user}",
                ["accountId"] = account,
                ["accessKeyId"] = "AKIA" + account + "ABCD",
                ["userName"] = user,
            },
            ["eventTime"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["eventSource"] = source,
            ["eventName"] = name,
            ["awsRegion"] = region,
            ["sourceIPAddress"] = "203.0.113." + (n % 250).ToString(CultureInfo.InvariantCulture),
            ["userAgent"] = "aws-cli/2.15.0",
            ["requestParameters"] = null,
            ["responseElements"] = null,
            ["requestID"] = DeterministicGuid("req/" + id),
            ["eventID"] = id,
            ["readOnly"] = name.StartsWith("Describe", StringComparison.Ordinal) || name.StartsWith("Get", StringComparison.Ordinal) || name.StartsWith("List", StringComparison.Ordinal),
            ["eventType"] = "AwsApiCall",
            ["managementEvent"] = true,
            ["recipientAccountId"] = account,
            ["eventCategory"] = "Management",
        };
        return new FakeEvent(id, time, region, name, source, user, record.ToJsonString());
    }

    private static JsonObject User(string account, string name, string[] groups, JsonObject[] inline) => new()
    {
        ["Path"] = "/",
        ["UserName"] = name,
        ["UserId"] = "AIDA" + account + name.Length.ToString(CultureInfo.InvariantCulture),
        ["Arn"] = $"arn:aws:iam::{account}:user/{name}",
        ["CreateDate"] = "2024-01-01T00:00:00Z",
        ["UserPolicyList"] = new JsonArray(inline.Select(i => (JsonNode)i).ToArray()),
        ["GroupList"] = new JsonArray(groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray()),
        ["AttachedManagedPolicies"] = new JsonArray(),
        ["Tags"] = new JsonArray(),
    };

    private static JsonNode Doc(string json) => JsonNode.Parse(json)!;

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    public static string DeterministicGuid(string seed)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
