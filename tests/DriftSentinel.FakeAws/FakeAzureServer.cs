using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace DriftSentinel.FakeAws;

/// <summary>A request the fake tenant answered.</summary>
public sealed record RecordedAzureRequest(DateTime ReceivedAt, string Api, string Path, int Status);

/// <summary>
/// A WireMock server over HTTPS playing an Azure tenant from a hand-made snapshot (azure/&lt;subscription&gt;/…,
/// entra/&lt;tenant&gt;/sign-ins.json): ARM subscriptions, role definitions and assignments, PIM schedule instances and
/// requests, the Activity Log with its eventTimestamp filter, and Graph sign-ins and directoryObjects/getByIds, paged
/// with nextLink / @odata.nextLink. Faults: 429 with Retry-After, forbidden subscriptions, a tenant without P1.
/// </summary>
public sealed class FakeAzureServer : IDisposable
{
    private readonly WireMockServer _server;
    private readonly Dictionary<string, Dictionary<string, List<JsonObject>>> _subscriptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<JsonObject> _signIns = [];
    private readonly List<JsonObject> _servicePrincipalSignIns = [];
    private readonly List<JsonObject> _federatedCredentials = [];
    private readonly Dictionary<string, (string Name, string Type)> _directory = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public FakeAzureServer(string snapshotRoot)
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(snapshotRoot, "azure")))
        {
            var files = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
            {
                files[Path.GetFileNameWithoutExtension(file)] = Items(file);
            }

            if (files.TryGetValue("role-assignments", out var assignments))
            {
                files["role-assignments"] = assignments.Select(ToArmAssignment).ToList();
            }

            _subscriptions[Path.GetFileName(dir)] = files;
        }

        var entra = Path.Combine(snapshotRoot, "entra");
        if (Directory.Exists(entra))
        {
            foreach (var file in Directory.EnumerateFiles(entra, "sign-ins.json", SearchOption.AllDirectories))
            {
                _signIns.AddRange(Items(file));
            }

            foreach (var file in Directory.EnumerateFiles(entra, "service-principal-sign-ins.json", SearchOption.AllDirectories))
            {
                _servicePrincipalSignIns.AddRange(Items(file));
            }

            foreach (var file in Directory.EnumerateFiles(entra, "federated-credentials.json", SearchOption.AllDirectories))
            {
                _federatedCredentials.AddRange(Items(file));
            }
        }

        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        Certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
        _server = WireMockServer.Start(new WireMockServerSettings
        {
            Urls = ["https://127.0.0.1:0"],
            UseSSL = true,
            CertificateSettings = new WireMockCertificateSettings { X509Certificate = Certificate },
            StartAdminInterface = false,
        });
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Handle));
    }

    public X509Certificate2 Certificate { get; }

    public string Url => _server.Url!;

    public WireMockServer Server => _server;

    public IEnumerable<string> SubscriptionIds => _subscriptions.Keys.Order(StringComparer.Ordinal);

    public ConcurrentQueue<RecordedAzureRequest> Requests { get; } = new();

    public int PageSize { get; set; } = 2;

    public HashSet<string> ForbiddenSubscriptions { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The first N calls of each kind (ARM list, Graph sign-ins...) answer 429 with Retry-After: 1.</summary>
    public int TooManyRequestsFirst { get; set; }

    public bool TenantHasP1 { get; set; } = true;

    public int RemainingReads { get; set; } = 11999;

    /// <summary>Accepts the fake's own certificate (and only it).</summary>
    public HttpClientHandler TrustingHandler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == Certificate.GetCertHashString(),
    };

    private IResponseMessage Handle(IRequestMessage request)
    {
        var received = DateTime.UtcNow;
        var path = request.Path;
        var api = path.StartsWith("/v1.0/", StringComparison.Ordinal) || path.StartsWith("/beta/", StringComparison.Ordinal) ? "graph" : "arm";
        ResponseMessage response;
        var auth = request.Headers is { } h && h.TryGetValue("Authorization", out var a) ? a[0] : null;
        if (auth is null || !auth.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            response = Error(401, api == "graph" ? "InvalidAuthenticationToken" : "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }
        else if (TooManyRequestsFirst > 0 && _calls.AddOrUpdate(Kind(path), 1, (_, c) => c + 1) <= TooManyRequestsFirst)
        {
            response = Error(429, api == "graph" ? "TooManyRequests" : "TooManyRequests", "Rate limit is exceeded. Try again in 1 seconds.");
            response.Headers!["Retry-After"] = new WireMockList<string>("1");
        }
        else
        {
            response = api == "graph" ? Graph(request) : Arm(request);
        }

        if (api == "arm")
        {
            response.Headers!["x-ms-ratelimit-remaining-subscription-reads"] = new WireMockList<string>(RemainingReads.ToString(CultureInfo.InvariantCulture));
        }

        Requests.Enqueue(new RecordedAzureRequest(received, api, path, Convert.ToInt32(response.StatusCode, CultureInfo.InvariantCulture)));
        return response;
    }

    private static string Kind(string path) => Regex.Replace(path, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}");

    private ResponseMessage Arm(IRequestMessage request)
    {
        var path = request.Path;
        if (path == "/subscriptions")
        {
            return Page(request, _subscriptions.Keys.Order(StringComparer.Ordinal).Select(s => new JsonObject
            {
                ["id"] = $"/subscriptions/{s}",
                ["subscriptionId"] = s,
                ["tenantId"] = "00000000-0000-0000-0000-0000000e0001",
                ["displayName"] = $"subscription {s[^4..]}",
                ["state"] = "Enabled",
            }).ToList(), "nextLink");
        }

        var m = Regex.Match(path, "^/subscriptions/(?<sub>[^/]+)/providers/(?<provider>Microsoft\\.[A-Za-z]+)/(?<kind>.+)$");
        if (!m.Success)
        {
            return Error(404, "InvalidResourceType", $"The resource type could not be found for {path}.");
        }

        var sub = m.Groups["sub"].Value;
        if (ForbiddenSubscriptions.Contains(sub) || !_subscriptions.TryGetValue(sub, out var files))
        {
            return Error(403, "AuthorizationFailed", $"The client 'a0000000-0000-4000-8000-00000000scan' with object id 'a0000000-0000-4000-8000-00000000scan' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '/subscriptions/{sub}' or the scope is invalid.");
        }

        var file = m.Groups["kind"].Value switch
        {
            "roleAssignments" => "role-assignments",
            "roleDefinitions" => "role-definitions",
            "roleAssignmentScheduleInstances" => "role-assignment-schedule-instances",
            "roleEligibilityScheduleInstances" => "role-eligibility-schedule-instances",
            "roleAssignmentScheduleRequests" => "role-assignment-schedule-requests",
            "eventtypes/management/values" => "activity-log",
            _ => null,
        };
        if (file is null)
        {
            return Error(404, "InvalidResourceType", $"The resource type '{m.Groups["kind"].Value}' could not be found.");
        }

        var items = files.GetValueOrDefault(file) ?? [];
        if (file == "activity-log")
        {
            var (from, to) = Window(Query(request, "$filter") ?? string.Empty, "eventTimestamp");
            items = items.Where(i => Time(i, "eventTimestamp") is { } t && t >= from && t <= to).ToList();
        }

        return Page(request, items, "nextLink");
    }

    private ResponseMessage Graph(IRequestMessage request)
    {
        if (request.Path == "/beta/auditLogs/signIns")
        {
            if (!TenantHasP1)
            {
                return Error(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license");
            }

            var filter = Query(request, "$filter") ?? string.Empty;
            var (from, to) = Window(filter, "createdDateTime");
            // Graph's signInEventTypes filter: service principals' sign-ins only when asked for, users' otherwise.
            var source = filter.Contains("'servicePrincipal'", StringComparison.Ordinal) ? _servicePrincipalSignIns : _signIns;
            return Page(request, source.Where(i => Time(i, "createdDateTime") is { } t && t >= from && t <= to).ToList(), "@odata.nextLink");
        }

        if (request.Path == "/v1.0/applications")
        {
            return Page(request, _federatedCredentials.Select(c => (string)c["appId"]!).Distinct(StringComparer.Ordinal)
                .Select(appId => new JsonObject { ["id"] = "obj-" + appId, ["appId"] = appId }).ToList(), "@odata.nextLink");
        }

        if (request.Path.StartsWith("/v1.0/applications/obj-", StringComparison.Ordinal) && request.Path.EndsWith("/federatedIdentityCredentials", StringComparison.Ordinal))
        {
            var appId = request.Path["/v1.0/applications/obj-".Length..^"/federatedIdentityCredentials".Length];
            return Page(request, _federatedCredentials.Where(c => (string?)c["appId"] == appId).Select(c =>
            {
                var copy = c.DeepClone().AsObject();
                copy.Remove("appId");
                return copy;
            }).ToList(), "@odata.nextLink");
        }

        if (request.Path == "/v1.0/directoryObjects/getByIds" && request.Method == "POST")
        {
            using var body = JsonDocument.Parse(request.Body ?? "{}");
            var found = body.RootElement.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!)
                .Where(_directory.ContainsKey)
                .Select(id =>
                {
                    var (name, type) = _directory[id];
                    var o = new JsonObject { ["@odata.type"] = $"#microsoft.graph.{type}", ["id"] = id, ["displayName"] = name };
                    if (type == "user")
                    {
                        o["userPrincipalName"] = name;
                    }

                    return (JsonNode)o;
                }).ToArray();
            return Json(200, new JsonObject { ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", ["value"] = new JsonArray(found) });
        }

        return Error(400, "BadRequest", $"Resource not found for the segment '{request.Path}'.");
    }

    /// <summary>One page of a list, with the next page's absolute URL as ARM (nextLink) or Graph (@odata.nextLink) give it.</summary>
    private ResponseMessage Page(IRequestMessage request, List<JsonObject> items, string nextLinkName)
    {
        var skip = int.Parse(Query(request, "$skiptoken") ?? "0", CultureInfo.InvariantCulture);
        var page = new JsonObject { ["value"] = new JsonArray(items.Skip(skip).Take(PageSize).Select(i => i.DeepClone()).ToArray()) };
        if (skip + PageSize < items.Count)
        {
            var query = string.Join('&', QueryPairs(request)
                .Where(q => q.Key != "$skiptoken")
                .Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
            page[nextLinkName] = $"{Url}{request.Path}?{query}&$skiptoken={skip + PageSize}";
        }

        return Json(200, page);
    }

    private static (DateTimeOffset From, DateTimeOffset To) Window(string filter, string property)
    {
        var from = Regex.Match(filter, property + " ge '?(?<t>[0-9T:.Z-]+)'?");
        var to = Regex.Match(filter, property + " le '?(?<t>[0-9T:.Z-]+)'?");
        if (!from.Success)
        {
            throw new InvalidOperationException($"the scanner must filter {property} (got '{filter}')");
        }

        return (DateTimeOffset.Parse(from.Groups["t"].Value, CultureInfo.InvariantCulture), to.Success ? DateTimeOffset.Parse(to.Groups["t"].Value, CultureInfo.InvariantCulture) : DateTimeOffset.MaxValue);
    }

    private static DateTimeOffset? Time(JsonObject item, string property) =>
        item[property]?.GetValue<string>() is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;

    private static string? Query(IRequestMessage request, string name) => QueryPairs(request).LastOrDefault(p => p.Key == name).Value;

    /// <summary>The query as sent (WireMock's parsed dictionary splits OData values such as $filter on commas).</summary>
    private static List<KeyValuePair<string, string>> QueryPairs(IRequestMessage request) =>
        (request.RawQuery ?? string.Empty).TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => KeyValuePair.Create(Uri.UnescapeDataString(p[0].Replace('+', ' ')), p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : string.Empty))
            .ToList();

    /// <summary>az CLI's flat assignment back to ARM's shape; its names go into the fake directory.</summary>
    private JsonObject ToArmAssignment(JsonObject a)
    {
        if (a["properties"] is JsonObject)
        {
            return a;
        }

        var properties = new JsonObject();
        foreach (var (key, value) in a.ToList())
        {
            if (key is not ("id" or "name" or "type" or "principalName" or "roleDefinitionName" or "resourceGroup"))
            {
                properties[key] = value?.DeepClone();
            }
        }

        if (a["principalName"]?.GetValue<string>() is { } name && a["principalId"]?.GetValue<string>() is { } id)
        {
            var type = a["principalType"]?.GetValue<string>() switch { "User" => "user", "Group" => "group", _ => "servicePrincipal" };
            _directory[id] = (name, type);
        }

        return new JsonObject
        {
            ["id"] = a["id"]?.DeepClone(),
            ["name"] = a["name"]?.DeepClone(),
            ["type"] = "Microsoft.Authorization/roleAssignments",
            ["properties"] = properties,
        };
    }

    private static List<JsonObject> Items(string file)
    {
        var node = JsonNode.Parse(File.ReadAllText(file));
        var array = node is JsonArray direct ? direct : node?["value"] as JsonArray ?? [];
        return array.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList();
    }

    private static ResponseMessage Error(int status, string code, string message) =>
        Json(status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private static ResponseMessage Json(int status, JsonObject body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>>
        {
            ["Content-Type"] = new("application/json; charset=utf-8"),
            ["x-ms-request-id"] = new(Guid.NewGuid().ToString()),
        },
        BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };

    public void Dispose()
    {
        _server.Dispose();
        Certificate.Dispose();
    }
}
