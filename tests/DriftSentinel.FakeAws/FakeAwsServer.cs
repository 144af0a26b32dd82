using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace DriftSentinel.FakeAws;

/// <summary>How a fake account's credential report behaves.</summary>
public enum CredentialReportScenario
{
    /// <summary>A report generated an hour ago is there.</summary>
    Fresh,

    /// <summary>ReportNotPresent (410) until generated: STARTED, INPROGRESS (with ReportInProgress 404), COMPLETE.</summary>
    NotPresent,

    /// <summary>ReportExpired (410), then generated like NotPresent.</summary>
    Expired,

    /// <summary>The report is six hours old: it must be regenerated.</summary>
    Stale,

    /// <summary>Generation never completes.</summary>
    NeverCompletes,
}

/// <summary>A request the fake answered, as the scanner sent it.</summary>
public sealed record RecordedRequest(DateTime ReceivedAt, string Service, string Region, string Account, string Operation, string Path, string Authorization, int Status);

/// <summary>
/// A WireMock server that plays an AWS organization over the real wire protocols: STS AssumeRole (Query/XML), IAM
/// GetAccountAuthorizationDetails pages and credential reports (Query/XML), EC2 DescribeRegions, Organizations
/// ListAccounts and CloudTrail LookupEvents (JSON 1.1), and an S3 trail bucket (ListObjectsV2 XML, gzip objects).
/// Every request's SigV4 signature is checked as AWS would (403 SignatureDoesNotMatch otherwise), and faults can be
/// injected: throttling in each service's own error format, denied accounts, slow regions, truncated objects.
/// </summary>
public sealed class FakeAwsServer : IDisposable
{
    public const string BaseAccessKey = "AKIAFAKEBASE00000000";
    public const string BaseSecretKey = "base-secret-key-not-real";
    public const string ManagementAccount = "000011112222";
    public const string Bucket = "org-trail-logs";
    public const string OrganizationId = "o-a1b2c3d4e5";

    private readonly WireMockServer _server;
    private readonly FakeOrganizationData _data;
    private readonly ConcurrentDictionary<string, (string Secret, string Account)> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _callCounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reportGenerations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (byte[] Body, DateTimeOffset Modified, int Records)> _objects = new(StringComparer.Ordinal);
    private int _sessions;

    public FakeAwsServer(FakeOrganizationData data, Func<DateTimeOffset> now)
    {
        _data = data;
        Now = now;
        _keys[BaseAccessKey] = (BaseSecretKey, ManagementAccount);
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"], StartAdminInterface = false });
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(HandleAsync));
        foreach (var account in data.Accounts.Values)
        {
            AddTrailObjects(account.Id, account.Events);
        }
    }

    public string Url => _server.Url!;

    public Func<DateTimeOffset> Now { get; }

    public WireMockServer Server => _server;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public IReadOnlyList<string> EnabledRegions { get; set; } = ["us-east-1", "eu-west-1"];

    public HashSet<string> DeniedAccounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Accounts ListAccounts reports as SUSPENDED (they must not be scanned).</summary>
    public HashSet<string> SuspendedAccounts { get; } = new(StringComparer.Ordinal);

    /// <summary>"account/region" pairs whose CloudTrail endpoint answers after <see cref="SlowDelay"/>.</summary>
    public HashSet<string> SlowRegions { get; } = new(StringComparer.Ordinal);

    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The first N calls of each operation (per account and region) are throttled.</summary>
    public int ThrottleFirstCalls { get; set; }

    /// <summary>Operations that are throttled; empty for all.</summary>
    public HashSet<string> ThrottledOperations { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, CredentialReportScenario> CredentialReports { get; } = new(StringComparer.Ordinal);

    /// <summary>Authorization-details items per page (users, groups, roles and policies are split across pages).</summary>
    public int IamPageSize { get; set; } = 2;

    public int S3PageSize { get; set; } = 2;

    public HashSet<string> TruncatedKeys { get; } = new(StringComparer.Ordinal);

    public IEnumerable<string> ObjectKeys => _objects.Keys.Order(StringComparer.Ordinal);

    /// <summary>Log files delivered by <paramref name="time"/> (CloudTrail delivers about every five minutes, here hourly).</summary>
    public IReadOnlyList<(string Key, int Records)> DeliveredBy(DateTimeOffset time) =>
        _objects.Where(o => o.Value.Modified <= time).Select(o => (o.Key, o.Value.Records)).ToList();

    /// <summary>Adds log files for these events, one per account, region and hour, delivered five minutes after the hour.</summary>
    public IReadOnlyList<string> AddTrailObjects(string account, IEnumerable<FakeEvent> events, DateTimeOffset? deliveredAt = null)
    {
        var keys = new List<string>();
        foreach (var group in events.GroupBy(e => (e.Region, Hour: new DateTimeOffset(e.Time.UtcDateTime.Date.AddHours(e.Time.UtcDateTime.Hour), TimeSpan.Zero))))
        {
            var (region, hour) = group.Key;
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(',', group.Select(e => e.Id)))))[..16];
            var key = string.Create(CultureInfo.InvariantCulture, $"AWSLogs/{OrganizationId}/{account}/CloudTrail/{region}/{hour:yyyy/MM/dd}/{account}_CloudTrail_{region}_{hour:yyyyMMdd'T'HHmm}Z_{hash}.json.gz");
            using var buffer = new MemoryStream();
            using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                var records = new JsonArray(group.OrderBy(e => e.Time).Select(e => JsonNode.Parse(e.Json)).ToArray());
                gz.Write(Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = records }.ToJsonString()));
            }

            _objects[key] = (buffer.ToArray(), deliveredAt ?? hour.AddMinutes(65), group.Count());
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Only the S3 GetObject requests, for watermark checks.</summary>
    public IReadOnlyList<RecordedRequest> ObjectGets => Requests.Where(r => r.Operation == "GetObject").ToList();

    private async Task<IResponseMessage> HandleAsync(IRequestMessage request)
    {
        var received = DateTime.UtcNow;
        var auth = Header(request, "Authorization") ?? string.Empty;
        var match = Regex.Match(auth, @"^AWS4-HMAC-SHA256 Credential=(?<key>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?<signed>[a-z0-9;-]+), ?Signature=(?<sig>[0-9a-f]{64})$");
        var service = match.Success ? match.Groups["service"].Value : "unknown";
        var region = match.Success ? match.Groups["region"].Value : "unknown";
        var accessKey = match.Success ? match.Groups["key"].Value : string.Empty;
        var account = _keys.TryGetValue(accessKey, out var k) ? k.Account : "unknown";
        var body = request.BodyAsBytes ?? Encoding.UTF8.GetBytes(request.Body ?? string.Empty);
        var form = service is "sts" or "iam" or "ec2" ? ParseForm(Encoding.UTF8.GetString(body)) : new Dictionary<string, string>();
        var operation = service switch
        {
            "sts" or "iam" or "ec2" => form.GetValueOrDefault("Action") ?? "?",
            "cloudtrail" or "organizations" => (Header(request, "X-Amz-Target") ?? "?").Split('.')[^1],
            "s3" => request.Query?.ContainsKey("list-type") == true ? "ListObjectsV2" : "GetObject",
            _ => "?",
        };

        ResponseMessage response;
        if (!match.Success || !_keys.TryGetValue(accessKey, out var issued))
        {
            response = ErrorFor(service, HttpStatusCode.Forbidden, match.Success ? "InvalidClientTokenId" : "MissingAuthenticationToken", "The security token included in the request is invalid.");
        }
        else if (!SignatureMatches(request, body, match, issued.Secret))
        {
            response = ErrorFor(service, HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
        }
        else if (ShouldThrottle(operation, account, region))
        {
            response = service switch
            {
                "ec2" => ErrorFor(service, HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded."),
                "s3" => ErrorFor(service, HttpStatusCode.ServiceUnavailable, "SlowDown", "Please reduce your request rate."),
                "cloudtrail" => ErrorFor(service, HttpStatusCode.BadRequest, "ThrottlingException", "Rate exceeded"),
                "organizations" => ErrorFor(service, HttpStatusCode.BadRequest, "TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress. Try again later."),
                _ => ErrorFor(service, HttpStatusCode.BadRequest, "Throttling", "Rate exceeded"),
            };
        }
        else
        {
            if (service == "cloudtrail" && SlowRegions.Contains($"{account}/{region}"))
            {
                await Task.Delay(SlowDelay).ConfigureAwait(false);
            }

            response = service switch
            {
                "sts" => AssumeRole(form),
                "iam" => Iam(account, form),
                "ec2" => Xml(HttpStatusCode.OK, new XElement(Ec2 + "DescribeRegionsResponse", new XElement(Ec2 + "requestId", Guid.NewGuid()),
                    new XElement(Ec2 + "regionInfo", EnabledRegions.Select(r => new XElement(Ec2 + "item", new XElement(Ec2 + "regionName", r), new XElement(Ec2 + "regionEndpoint", $"ec2.{r}.amazonaws.com"), new XElement(Ec2 + "optInStatus", "opt-in-not-required")))))),
                "cloudtrail" => LookupEvents(account, region, body),
                "organizations" => ListAccounts(body),
                "s3" => S3(request),
                _ => ErrorFor(service, HttpStatusCode.BadRequest, "UnknownService", service),
            };
        }

        Requests.Enqueue(new RecordedRequest(received, service, region, account, operation, Uri.UnescapeDataString(request.Path), auth, Convert.ToInt32(response.StatusCode, CultureInfo.InvariantCulture)));
        return response;
    }

    private bool ShouldThrottle(string operation, string account, string region)
    {
        if (ThrottleFirstCalls <= 0 || (ThrottledOperations.Count > 0 && !ThrottledOperations.Contains(operation)))
        {
            return false;
        }

        var n = _callCounts.AddOrUpdate($"{operation}/{account}/{region}", 1, (_, c) => c + 1);
        return n <= ThrottleFirstCalls;
    }

    // ---- STS ----
    private static readonly XNamespace StsNs = "https://sts.amazonaws.com/doc/2011-06-15/";

    private ResponseMessage AssumeRole(Dictionary<string, string> form)
    {
        var arn = form.GetValueOrDefault("RoleArn") ?? string.Empty;
        var account = arn.Split(':') is { Length: > 4 } parts ? parts[4] : string.Empty;
        if (DeniedAccounts.Contains(account) || !_data.Accounts.ContainsKey(account))
        {
            return ErrorFor("sts", HttpStatusCode.Forbidden, "AccessDenied", $"User: arn:aws:iam::{ManagementAccount}:user/scanner is not authorized to perform: sts:AssumeRole on resource: {arn}");
        }

        if (form.GetValueOrDefault("ExternalId") is null)
        {
            return ErrorFor("sts", HttpStatusCode.Forbidden, "AccessDenied", "ExternalId required by the trust policy");
        }

        var n = Interlocked.Increment(ref _sessions);
        var key = $"ASIA{account}{n % 10000:D4}";
        var secret = $"session-secret-{account}-{n}";
        _keys[key] = (secret, account);
        // The SDK's credential cache compares expiry with the machine clock, not the scan's clock.
        var expires = DateTimeOffset.UtcNow.AddSeconds(int.Parse(form.GetValueOrDefault("DurationSeconds") ?? "3600", CultureInfo.InvariantCulture));
        return Xml(HttpStatusCode.OK, new XElement(StsNs + "AssumeRoleResponse",
            new XElement(StsNs + "AssumeRoleResult",
                new XElement(StsNs + "Credentials",
                    new XElement(StsNs + "AccessKeyId", key),
                    new XElement(StsNs + "SecretAccessKey", secret),
                    new XElement(StsNs + "SessionToken", $"FwoGZXIvYXdzE{n}fake-session-token"),
                    new XElement(StsNs + "Expiration", expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
                new XElement(StsNs + "AssumedRoleUser",
                    new XElement(StsNs + "AssumedRoleId", $"AROA{account}:DriftSentinel"),
                    new XElement(StsNs + "Arn", $"arn:aws:sts::{account}:assumed-role/{arn.Split('/')[^1]}/DriftSentinel"))),
            new XElement(StsNs + "ResponseMetadata", new XElement(StsNs + "RequestId", Guid.NewGuid()))));
    }

    // ---- IAM ----
    private static readonly XNamespace IamNs = "https://iam.amazonaws.com/doc/2010-05-08/";
    private static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private static readonly string[] PolicyDocumentNames = ["PolicyDocument", "AssumeRolePolicyDocument", "Document"];

    private ResponseMessage Iam(string account, Dictionary<string, string> form)
    {
        var data = _data.Accounts[account];
        switch (form.GetValueOrDefault("Action"))
        {
            case "GetAccountAuthorizationDetails":
                {
                    using var doc = JsonDocument.Parse(data.AuthorizationDetailsJson ?? "{}");
                    var page = int.Parse(form.GetValueOrDefault("Marker") is { } m ? m["page-".Length..] : "0", CultureInfo.InvariantCulture);
                    var lists = new[] { "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies" };
                    var result = new XElement(IamNs + "GetAccountAuthorizationDetailsResult");
                    var more = false;
                    foreach (var list in lists)
                    {
                        var items = doc.RootElement.TryGetProperty(list, out var l) ? l.EnumerateArray().ToList() : [];
                        more |= items.Count > (page + 1) * IamPageSize;
                        result.Add(new XElement(IamNs + list, items.Skip(page * IamPageSize).Take(IamPageSize).Select(i => ToQueryXml(IamNs + "member", i))));
                    }

                    result.AddFirst(new XElement(IamNs + "IsTruncated", more ? "true" : "false"));
                    if (more)
                    {
                        result.Add(new XElement(IamNs + "Marker", $"page-{page + 1}"));
                    }

                    return Xml(HttpStatusCode.OK, new XElement(IamNs + "GetAccountAuthorizationDetailsResponse", result, Metadata()));
                }

            case "GenerateCredentialReport":
                {
                    var n = _reportGenerations.AddOrUpdate(account, 1, (_, c) => c + 1);
                    var scenario = CredentialReports.GetValueOrDefault(account);
                    var state = scenario == CredentialReportScenario.NeverCompletes ? "INPROGRESS" : n switch { 1 => "STARTED", 2 => "INPROGRESS", _ => "COMPLETE" };
                    return Xml(HttpStatusCode.OK, new XElement(IamNs + "GenerateCredentialReportResponse",
                        new XElement(IamNs + "GenerateCredentialReportResult", new XElement(IamNs + "State", state), new XElement(IamNs + "Description", "No report exists. Starting a new report generation task")),
                        Metadata()));
                }

            case "GetCredentialReport":
                {
                    var scenario = CredentialReports.GetValueOrDefault(account);
                    var generations = _reportGenerations.GetValueOrDefault(account);
                    var ready = scenario != CredentialReportScenario.NeverCompletes && generations >= 3;
                    if (!ready && scenario is CredentialReportScenario.NotPresent or CredentialReportScenario.Expired or CredentialReportScenario.NeverCompletes)
                    {
                        return generations == 0
                            ? (scenario == CredentialReportScenario.Expired
                                ? ErrorFor("iam", HttpStatusCode.Gone, "ReportExpired", "Credential report is expired. Generate a new one.")
                                : ErrorFor("iam", HttpStatusCode.Gone, "ReportNotPresent", "Credential report not present. Generate a report first."))
                            : ErrorFor("iam", HttpStatusCode.NotFound, "ReportInProgress", "Credential report generation is still in progress.");
                    }

                    var age = scenario == CredentialReportScenario.Stale && !ready ? TimeSpan.FromHours(6) : TimeSpan.FromMinutes(ready ? 0 : 60);
                    return Xml(HttpStatusCode.OK, new XElement(IamNs + "GetCredentialReportResponse",
                        new XElement(IamNs + "GetCredentialReportResult",
                            new XElement(IamNs + "Content", Convert.ToBase64String(data.CredentialReportCsv ?? [])),
                            new XElement(IamNs + "ReportFormat", "text/csv"),
                            new XElement(IamNs + "GeneratedTime", (Now() - age).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
                        Metadata()));
                }

            default:
                return ErrorFor("iam", HttpStatusCode.BadRequest, "InvalidAction", $"Could not find operation {form.GetValueOrDefault("Action")} for version 2010-05-08");
        }
    }

    /// <summary>JSON as the CLI prints it back to Query XML: arrays as &lt;member&gt; lists, policy documents URL-encoded.</summary>
    private static XElement ToQueryXml(XName name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var e = new XElement(name);
                foreach (var p in value.EnumerateObject())
                {
                    e.Add(PolicyDocumentNames.Contains(p.Name) && p.Value.ValueKind == JsonValueKind.Object
                        ? new XElement(IamNs + p.Name, Uri.EscapeDataString(p.Value.GetRawText()))
                        : ToQueryXml(IamNs + p.Name, p.Value));
                }

                return e;
            case JsonValueKind.Array:
                return new XElement(name, value.EnumerateArray().Select(i => ToQueryXml(IamNs + "member", i)));
            case JsonValueKind.True:
                return new XElement(name, "true");
            case JsonValueKind.False:
                return new XElement(name, "false");
            case JsonValueKind.Null:
                return new XElement(name);
            default:
                return new XElement(name, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
        }
    }

    private static XElement Metadata() => new(IamNs + "ResponseMetadata", new XElement(IamNs + "RequestId", Guid.NewGuid()));

    // ---- CloudTrail ----
    private ResponseMessage LookupEvents(string account, string region, byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        var start = r.TryGetProperty("StartTime", out var s) ? DateTimeOffset.FromUnixTimeSeconds((long)s.GetDouble()) : DateTimeOffset.MinValue;
        var end = r.TryGetProperty("EndTime", out var en) ? DateTimeOffset.FromUnixTimeSeconds((long)en.GetDouble()) : DateTimeOffset.MaxValue;
        var max = r.TryGetProperty("MaxResults", out var m) ? m.GetInt32() : 50;
        if (max is < 1 or > 50)
        {
            return ErrorFor("cloudtrail", HttpStatusCode.BadRequest, "InvalidMaxResultsException", "MaxResults must be between 1 and 50");
        }

        var offset = r.TryGetProperty("NextToken", out var t) && t.GetString() is { } token ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), CultureInfo.InvariantCulture) : 0;
        var events = _data.Accounts.TryGetValue(account, out var a)
            ? a.Events.Where(e => e.Region == region && e.Time >= start && e.Time <= end).OrderByDescending(e => e.Time).ThenBy(e => e.Id, StringComparer.Ordinal).ToList()
            : [];
        var page = events.Skip(offset).Take(max).Select(e => new JsonObject
        {
            ["EventId"] = e.Id,
            ["EventName"] = e.Name,
            ["ReadOnly"] = "false",
            ["EventTime"] = e.Time.ToUnixTimeSeconds(),
            ["EventSource"] = e.Source,
            ["Username"] = e.Username,
            ["Resources"] = new JsonArray(),
            ["CloudTrailEvent"] = e.Json,
        }).ToArray();
        var response = new JsonObject { ["Events"] = new JsonArray(page) };
        if (offset + max < events.Count)
        {
            response["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + max).ToString(CultureInfo.InvariantCulture)));
        }

        return Json(HttpStatusCode.OK, response);
    }

    // ---- Organizations ----
    private ResponseMessage ListAccounts(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var offset = doc.RootElement.TryGetProperty("NextToken", out var t) && t.GetString() is { } token ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
        var all = _data.Accounts.Keys.Concat(SuspendedAccounts).Order(StringComparer.Ordinal).ToList();
        const int PageSize = 10;
        var response = new JsonObject
        {
            ["Accounts"] = new JsonArray(all.Skip(offset).Take(PageSize).Select(id => (JsonNode)new JsonObject
            {
                ["Id"] = id,
                ["Arn"] = $"arn:aws:organizations::{ManagementAccount}:account/{OrganizationId}/{id}",
                ["Email"] = $"aws+{id}@example.com",
                ["Name"] = $"account-{id}",
                ["Status"] = SuspendedAccounts.Contains(id) ? "SUSPENDED" : "ACTIVE",
                ["JoinedMethod"] = "CREATED",
                ["JoinedTimestamp"] = 1.7e9,
            }).ToArray()),
        };
        if (offset + PageSize < all.Count)
        {
            response["NextToken"] = (offset + PageSize).ToString(CultureInfo.InvariantCulture);
        }

        return Json(HttpStatusCode.OK, response);
    }

    // ---- S3 ----
    private static readonly XNamespace S3Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    private ResponseMessage S3(IRequestMessage request)
    {
        var segments = request.Path.TrimStart('/').Split('/', 2);
        if (segments[0] != Bucket)
        {
            return ErrorFor("s3", HttpStatusCode.NotFound, "NoSuchBucket", "The specified bucket does not exist");
        }

        if (request.Query?.ContainsKey("list-type") == true)
        {
            var prefix = QueryValue(request, "prefix") ?? string.Empty;
            var after = QueryValue(request, "continuation-token");
            var keys = _objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal) && o.Value.Modified <= Now())
                .OrderBy(o => o.Key, StringComparer.Ordinal)
                .Where(o => after is null || string.CompareOrdinal(o.Key, after) > 0).ToList();
            var page = keys.Take(S3PageSize).ToList();
            var result = new XElement(S3Ns + "ListBucketResult",
                new XElement(S3Ns + "Name", Bucket),
                new XElement(S3Ns + "Prefix", prefix),
                new XElement(S3Ns + "KeyCount", page.Count),
                new XElement(S3Ns + "MaxKeys", 1000),
                new XElement(S3Ns + "IsTruncated", keys.Count > page.Count ? "true" : "false"),
                page.Select(o => new XElement(S3Ns + "Contents",
                    new XElement(S3Ns + "Key", o.Key),
                    new XElement(S3Ns + "LastModified", o.Value.Modified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                    new XElement(S3Ns + "ETag", $"\"{Convert.ToHexStringLower(MD5.HashData(o.Value.Body))}\""),
                    new XElement(S3Ns + "Size", o.Value.Body.Length),
                    new XElement(S3Ns + "StorageClass", "STANDARD"))));
            if (keys.Count > page.Count)
            {
                result.Add(new XElement(S3Ns + "NextContinuationToken", page[^1].Key));
            }

            if (after is not null)
            {
                result.Add(new XElement(S3Ns + "ContinuationToken", after));
            }

            return Xml(HttpStatusCode.OK, result);
        }

        var key = Uri.UnescapeDataString(segments.Length > 1 ? segments[1] : string.Empty);
        if (!_objects.TryGetValue(key, out var obj))
        {
            return ErrorFor("s3", HttpStatusCode.NotFound, "NoSuchKey", "The specified key does not exist.");
        }

        var bytes = TruncatedKeys.Contains(key) ? obj.Body[..(obj.Body.Length / 2)] : obj.Body;
        var response = new ResponseMessage
        {
            StatusCode = 200,
            Headers = new Dictionary<string, WireMockList<string>>
            {
                ["Content-Type"] = new("application/octet-stream"),
                ["ETag"] = new($"\"{Convert.ToHexStringLower(MD5.HashData(obj.Body))}\""),
                ["Last-Modified"] = new(obj.Modified.ToString("R", CultureInfo.InvariantCulture)),
                ["x-amz-request-id"] = new(Guid.NewGuid().ToString("N")[..16].ToUpperInvariant()),
            },
            BodyData = new BodyData { BodyAsBytes = bytes, DetectedBodyType = BodyType.Bytes },
        };
        return response;
    }

    private static string? QueryValue(IRequestMessage request, string name) =>
        request.Query is { } q && q.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    // ---- SigV4 verification, written independently of the scanner's signer ----
    private static bool SignatureMatches(IRequestMessage request, byte[] body, Match auth, string secret)
    {
        var signed = auth.Groups["signed"].Value.Split(';');
        var amzDate = Header(request, "X-Amz-Date");
        if (amzDate is null || !signed.Contains("host") || !signed.Contains("x-amz-date"))
        {
            return false;
        }

        if (Header(request, "X-Amz-Security-Token") is not null && !signed.Contains("x-amz-security-token"))
        {
            return false;
        }

        var canonicalHeaders = new StringBuilder();
        foreach (var h in signed)
        {
            var value = h == "host" ? (Header(request, "Host") ?? new Uri(request.Url).Authority) : Header(request, h);
            if (value is null)
            {
                return false;
            }

            canonicalHeaders.Append(h).Append(':').Append(Regex.Replace(value.Trim(), " +", " ")).Append('\n');
        }

        var rawQuery = (request.RawQuery ?? string.Empty).TrimStart('?');
        var query = rawQuery.Length == 0 ? string.Empty : string.Join('&', rawQuery.Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => (K: Encode(Uri.UnescapeDataString(p[0])), V: p.Length > 1 ? Encode(Uri.UnescapeDataString(p[1])) : string.Empty))
            .OrderBy(p => p.K, StringComparer.Ordinal).ThenBy(p => p.V, StringComparer.Ordinal)
            .Select(p => $"{p.K}={p.V}"));
        var payloadHash = Header(request, "x-amz-content-sha256") ?? Convert.ToHexStringLower(SHA256.HashData(body));
        var path = new Uri(request.Url).AbsolutePath;
        var canonical = $"{request.Method}\n{(path.Length == 0 ? "/" : path)}\n{query}\n{canonicalHeaders}\n{auth.Groups["signed"].Value}\n{payloadHash}";
        var scope = $"{auth.Groups["date"].Value}/{auth.Groups["region"].Value}/{auth.Groups["service"].Value}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { auth.Groups["date"].Value, auth.Groups["region"].Value, auth.Groups["service"].Value, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Groups["sig"].Value));
    }

    private static string Encode(string s) => Uri.EscapeDataString(s);

    private static string? Header(IRequestMessage request, string name)
    {
        if (request.Headers is null)
        {
            return null;
        }

        foreach (var (key, value) in request.Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return string.Join(',', value);
            }
        }

        return null;
    }

    private static Dictionary<string, string> ParseForm(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')))
            .ToDictionary(g => g.Key, g => Uri.UnescapeDataString((g.First().Length > 1 ? g.First()[1] : string.Empty).Replace('+', ' ')), StringComparer.Ordinal);

    // ---- responses in each service's format ----
    private static ResponseMessage ErrorFor(string service, HttpStatusCode status, string code, string message)
    {
        var requestId = Guid.NewGuid().ToString();
        return service switch
        {
            "cloudtrail" or "organizations" => Json(status, new JsonObject { ["__type"] = code, ["message"] = message }),
            "ec2" => Xml(status, new XElement("Response", new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))), new XElement("RequestID", requestId))),
            "s3" => Xml(status, new XElement("Error", new XElement("Code", code), new XElement("Message", message), new XElement("RequestId", requestId[..16]), new XElement("HostId", "fakehost"))),
            _ => Xml(status, new XElement(IamNs + "ErrorResponse", new XElement(IamNs + "Error", new XElement(IamNs + "Type", (int)status >= 500 ? "Receiver" : "Sender"), new XElement(IamNs + "Code", code), new XElement(IamNs + "Message", message)), new XElement(IamNs + "RequestId", requestId))),
        };
    }

    private static ResponseMessage Xml(HttpStatusCode status, XElement root) => new()
    {
        StatusCode = (int)status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("text/xml"), ["x-amzn-RequestId"] = new(Guid.NewGuid().ToString()) },
        BodyData = new BodyData { BodyAsString = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };

    private static ResponseMessage Json(HttpStatusCode status, JsonObject body) => new()
    {
        StatusCode = (int)status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/x-amz-json-1.1"), ["x-amzn-RequestId"] = new(Guid.NewGuid().ToString()) },
        BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };

    public void Dispose() => _server.Dispose();
}
