using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using DriftSentinel.Azure.Collection;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.FakeAws;

/// <summary>A token credential that hands out a fixed bearer token (the fake tenant checks only that one is sent).</summary>
public sealed class StaticTokenCredential : TokenCredential
{
    public int Requests { get; private set; }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests++;
        return new AccessToken("eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.fake-azure-token.", DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

/// <summary>A fake Azure tenant built from a hand-made snapshot (the demo's two subscriptions plus generated ones).</summary>
public sealed class AzureTenantHarness : IDisposable
{
    public const string Tenant = "00000000-0000-0000-0000-0000000e0001";

    public AzureTenantHarness(string workFolder, string demoSnapshot, int subscriptions, DateTimeOffset anchor)
    {
        WorkFolder = workFolder;
        HandMadeSnapshot = Path.Combine(workFolder, "hand-made-azure");
        foreach (var part in new[] { "azure", "entra" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(demoSnapshot, part), "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(HandMadeSnapshot, part, Path.GetRelativePath(Path.Combine(demoSnapshot, part), file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        var template = JsonNode.Parse(File.ReadAllText(Directory.EnumerateFiles(Path.Combine(demoSnapshot, "azure"), "activity-log.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First()))!.AsArray()[0]!;
        for (var i = Directory.EnumerateDirectories(Path.Combine(HandMadeSnapshot, "azure")).Count(); i < subscriptions; i++)
        {
            WriteSubscription(Path.Combine(HandMadeSnapshot, "azure"), $"00000000-0000-0000-0000-0000000c{i:D4}", i, anchor, template);
        }

        Clock = new ShiftedClock(anchor);
        Server = new FakeAzureServer(HandMadeSnapshot);
    }

    public string WorkFolder { get; }
    public string HandMadeSnapshot { get; }
    public ShiftedClock Clock { get; }
    public FakeAzureServer Server { get; }
    public StaticTokenCredential Credential { get; } = new();

    public HttpPipelineTransport Transport => new HttpClientTransport(Server.TrustingHandler());

    public AzureCollectionOptions Options() => new()
    {
        TenantId = Tenant,
        ActivityLog = new ActivityWindowOptions { Lookback = TimeSpan.FromDays(6) },
        SignIns = new SignInOptions { Lookback = TimeSpan.FromDays(6), RequestsPer10Seconds = 5 },
        Retry = new AzureRetryOptions { MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(2) },
        Endpoints = new AzureEndpointOptions { ResourceManager = Server.Url, Graph = Server.Url },
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public (string Snapshot, IReadOnlyList<CoverageEntry> Coverage, WatermarkState Watermarks, CollectionMetrics Metrics) Collect(AzureCollectionOptions options, WatermarkState? previous = null)
    {
        var snapshot = Path.Combine(WorkFolder, "collected-azure-" + Guid.NewGuid().ToString("N")[..8]);
        var metrics = new CollectionMetrics();
        var coverage = new CoverageLog();
        var arm = new Uri(options.Endpoints.ResourceManager);
        var graph = new Uri(options.Endpoints.Graph);
        var graphRate = new RequestRateLimiter(options.SignIns.RequestsPer10Seconds / 10, Clock);
        var clients = new AzureClients(
            new AzureRestClient(AzureRestClient.Pipeline(Credential, "https://management.azure.com/.default", options, new ThrottleObserverPolicy(metrics, Clock, options.ArmReadsLowWater, options.ArmLowWaterPause, null), Transport), arm),
            new AzureRestClient(AzureRestClient.Pipeline(Credential, "https://graph.microsoft.com/.default", options, new ThrottleObserverPolicy(metrics, Clock, -1, TimeSpan.Zero, AzureRestClient.SignInGate(graphRate)), Transport), graph));
        var watermarks = new AzureCollector(options, clients, metrics, Clock).CollectAsync(snapshot, previous ?? new WatermarkState(), coverage, CancellationToken.None).GetAwaiter().GetResult();
        new CollectionManifest { StartedAt = Clock.GetUtcNow(), FinishedAt = Clock.GetUtcNow(), Coverage = coverage.Entries }.Write(snapshot);
        return (snapshot, coverage.Entries, watermarks, metrics);
    }

    /// <summary>A subscription in ARM's own shapes: assignments, PIM instances with and without an end, and Activity Log writes.</summary>
    private static void WriteSubscription(string azure, string sub, int n, DateTimeOffset anchor, JsonNode template)
    {
        var dir = Directory.CreateDirectory(Path.Combine(azure, sub)).FullName;
        string Guidish(string seed) => OrganizationSnapshotBuilder.DeterministicGuid($"{sub}/{seed}");
        JsonObject Assignment(string principal, string type, string role) => new()
        {
            ["id"] = $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{Guidish(principal + role)}",
            ["name"] = Guidish(principal + role),
            ["type"] = "Microsoft.Authorization/roleAssignments",
            ["properties"] = new JsonObject
            {
                ["roleDefinitionId"] = $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                ["principalId"] = principal,
                ["principalType"] = type,
                ["scope"] = $"/subscriptions/{sub}",
                ["createdOn"] = "2025-06-01T00:00:00.0000000Z",
                ["updatedOn"] = "2025-06-01T00:00:00.0000000Z",
            },
        };
        const string Owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
        const string Contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
        const string Reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
        var user = $"a0000000-0000-4000-8000-0000000c{n:D4}";
        var sp = $"b0000000-0000-4000-8000-0000000c{n:D4}";
        Write(Path.Combine(dir, "role-assignments.json"), new JsonObject
        {
            ["value"] = new JsonArray(Assignment(user, "User", Owner), Assignment(sp, "ServicePrincipal", Contributor), Assignment($"c0000000-0000-4000-8000-0000000c{n:D4}", "Group", Reader)),
        });
        JsonObject Instance(string kind, DateTimeOffset start, DateTimeOffset? end) => new()
        {
            ["id"] = $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{Guidish(kind)}",
            ["name"] = Guidish(kind),
            ["type"] = "Microsoft.Authorization/roleAssignmentScheduleInstances",
            ["properties"] = new JsonObject
            {
                ["scope"] = $"/subscriptions/{sub}",
                ["roleDefinitionId"] = $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{Owner}",
                ["principalId"] = user,
                ["principalType"] = "User",
                ["roleAssignmentScheduleId"] = Guidish(kind + "schedule"),
                ["originRoleAssignmentId"] = $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{Guidish(kind + "origin")}",
                ["startDateTime"] = Iso(start),
                ["endDateTime"] = end is { } e ? Iso(e) : null,
                ["memberType"] = "Direct",
                ["assignmentType"] = kind,
                ["status"] = "Provisioned",
                ["createdOn"] = Iso(start),
            },
        };
        Write(Path.Combine(dir, "role-assignment-schedule-instances.json"), new JsonObject
        {
            ["value"] = new JsonArray(Instance("Activated", anchor.AddHours(-3), anchor.AddHours(5)), Instance("Assigned", anchor.AddDays(-200), null)),
        });
        var events = new JsonArray();
        for (var e = 0; e < 7; e++)
        {
            var item = template.DeepClone().AsObject();
            var time = anchor.AddMinutes(-(e + 1) * 331);
            item["eventDataId"] = Guidish("event" + e);
            item["eventTimestamp"] = Iso(time);
            item["submissionTimestamp"] = Iso(time.AddSeconds(40));
            item["subscriptionId"] = sub;
            item["correlationId"] = Guidish("corr" + e);
            item["caller"] = e % 2 == 0 ? $"user{n}@example.com" : sp;
            var resource = $"/subscriptions/{sub}/resourceGroups/app{n}/providers/Microsoft.Web/sites/app{n}-{e}";
            item["resourceId"] = resource;
            item["id"] = $"{resource}/events/{Guidish("event" + e)}/ticks/{time.UtcTicks}";
            if (item["authorization"] is JsonObject auth)
            {
                auth["scope"] = resource;
            }

            events.Add(item);
        }

        Write(Path.Combine(dir, "activity-log.json"), events);
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Write(string file, JsonNode node) => File.WriteAllText(file, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public void Dispose() => Server.Dispose();
}
