using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Azure.Collection;

/// <summary>The ARM and Graph clients of one collection.</summary>
internal sealed record AzureClients(AzureRestClient Arm, AzureRestClient Graph);

/// <summary>
/// Collects RBAC, PIM and the Activity Log of every configured or visible subscription, and the tenant's Entra
/// sign-ins, into the snapshot layout (azure/&lt;subscription-id&gt;/…, entra/&lt;tenant-id&gt;/sign-ins.json).
/// A subscription or source that cannot be read becomes a coverage entry; the rest completes.
/// </summary>
internal sealed class AzureCollector(AzureCollectionOptions options, AzureClients clients, CollectionMetrics metrics, TimeProvider clock, Action<string>? log = null)
{
    private const string AuthorizationApi = "2022-04-01";
    private const string PimApi = "2020-10-01";
    private const string SubscriptionsApi = "2022-12-01";
    private const string ActivityLogApi = "2015-04-01";

    private readonly ConcurrentDictionary<string, string?> _principalNames = new(StringComparer.OrdinalIgnoreCase);

    public async Task<WatermarkState> CollectAsync(string snapshotRoot, WatermarkState previous, CoverageLog coverage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(coverage);
        var until = clock.GetUtcNow();
        var next = new WatermarkState { Sources = new Dictionary<string, SourceWatermark>(previous.Sources, StringComparer.Ordinal) };
        var gate = new Lock();
        var subscriptions = await SubscriptionsAsync(coverage, ct).ConfigureAwait(false);
        metrics.AccountsTotal += subscriptions.Count;

        await Parallel.ForEachAsync(subscriptions, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelSubscriptions, CancellationToken = ct }, async (subscription, c) =>
        {
            try
            {
                var mark = await CollectSubscriptionAsync(subscription, Path.Combine(snapshotRoot, "azure", subscription), until, previous, coverage, c).ConfigureAwait(false);
                if (mark is not null)
                {
                    lock (gate)
                    {
                        next.Sources[ActivityKey(subscription)] = mark;
                    }
                }
            }
            catch (Exception e) when (!c.IsCancellationRequested)
            {
                coverage.Failed("azure.collect", subscription, 0, $"collection of subscription {subscription} stopped: {Describe(e)}");
            }

            metrics.CountAccountDone();
            log?.Invoke($"subscription {subscription} done ({metrics.AccountsDone}/{metrics.AccountsTotal})");
        }).ConfigureAwait(false);

        if (options.SignIns.Enabled && options.TenantId is { } tenant)
        {
            var key = $"entra/{tenant}/sign-ins";
            var mark = await SignInsAsync(tenant, Path.Combine(snapshotRoot, "entra", tenant, "sign-ins.json"), until, previous.Sources.GetValueOrDefault(key), coverage, ct).ConfigureAwait(false);
            if (mark is not null)
            {
                next.Sources[key] = mark;
            }

            if (options.SignIns.ServicePrincipals)
            {
                var spKey = $"entra/{tenant}/service-principal-sign-ins";
                var spMark = await WindowedAsync("entra.graph.service-principal-sign-ins", tenant, options.SignIns, "id", until, previous.Sources.GetValueOrDefault(spKey),
                    Path.Combine(snapshotRoot, "entra", tenant, "service-principal-sign-ins.json"),
                    (from, to) => $"/beta/auditLogs/signIns?$filter={Uri.EscapeDataString($"signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge {Iso(from)} and createdDateTime le {Iso(to)}")}&$top={options.SignIns.PageSize}",
                    clients.Graph, "createdDateTime", coverage, ct).ConfigureAwait(false);
                if (spMark is not null)
                {
                    next.Sources[spKey] = spMark;
                }

                await FederatedCredentialsAsync(tenant, Path.Combine(snapshotRoot, "entra", tenant, "federated-credentials.json"), coverage, ct).ConfigureAwait(false);
            }
        }

        return next;
    }

    public static string ActivityKey(string subscription) => $"azure/{subscription}/activity-log";

    private async Task<List<string>> SubscriptionsAsync(CoverageLog coverage, CancellationToken ct)
    {
        var found = new SortedSet<string>(options.Subscriptions.Select(s => s.ToLowerInvariant()), StringComparer.Ordinal);
        if (options.Subscriptions.Count == 0)
        {
            try
            {
                var pages = await clients.Arm.ForEachItemAsync($"/subscriptions?api-version={SubscriptionsApi}", s =>
                {
                    var state = s.TryGetProperty("state", out var st) ? st.GetString() : null;
                    if (s.TryGetProperty("subscriptionId", out var id) && id.GetString() is { } subscriptionId && state is not ("Disabled" or "Deleted"))
                    {
                        found.Add(subscriptionId.ToLowerInvariant());
                    }
                }, ct).ConfigureAwait(false);
                coverage.Read("azure.arm.subscriptions", "tenant", found.Count, $"{found.Count} readable subscription(s) in {pages} page(s)");
            }
            catch (Exception e) when (IsServiceFault(e, ct))
            {
                coverage.Failed("azure.arm.subscriptions", "tenant", 0, $"listing subscriptions failed: {Describe(e)}; no subscription was scanned");
            }
        }

        found.ExceptWith(options.ExcludeSubscriptions.Select(s => s.ToLowerInvariant()));
        return [.. found];
    }

    private async Task<SourceWatermark?> CollectSubscriptionAsync(string subscription, string folder, DateTimeOffset until, WatermarkState previous, CoverageLog coverage, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var scope = $"/subscriptions/{subscription}/providers/Microsoft.Authorization";

        // Role definitions first: they name the roles in the assignments, as az role assignment list does.
        var roleNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var failure = await ToFileAsync("azure.arm.role-definitions", subscription, $"{scope}/roleDefinitions?api-version={AuthorizationApi}", Path.Combine(folder, "role-definitions.json"), coverage, item =>
        {
            if (item.TryGetProperty("name", out var name) && item.TryGetProperty("properties", out var p) && p.TryGetProperty("roleName", out var roleName))
            {
                roleNames[name.GetString()!] = roleName.GetString() ?? string.Empty;
            }
        }, ct).ConfigureAwait(false);
        if (failure is AzureRequestException { Status: 403 or 404 })
        {
            // A subscription the credential cannot read at all: one gap (above), no folder of empty files.
            Directory.Delete(folder, recursive: true);
            return previous.Sources.GetValueOrDefault(ActivityKey(subscription));
        }

        var assignments = new List<JsonElement>();
        try
        {
            var pages = await clients.Arm.ForEachItemAsync($"{scope}/roleAssignments?api-version={AuthorizationApi}", a => assignments.Add(a.Clone()), ct).ConfigureAwait(false);
            await NamePrincipalsAsync(assignments, subscription, coverage, ct).ConfigureAwait(false);
            WriteAzCliAssignments(Path.Combine(folder, "role-assignments.json"), assignments, roleNames);
            coverage.Read("azure.arm.role-assignments", subscription, assignments.Count, $"{assignments.Count} assignment(s) at, above and below the subscription in {pages} page(s)");
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            coverage.Failed("azure.arm.role-assignments", subscription, assignments.Count, $"role assignments: {Describe(e)}");
        }

        if (options.Pim)
        {
            await ToFileAsync("azure.pim.assignment-schedule-instances", subscription, $"{scope}/roleAssignmentScheduleInstances?api-version={PimApi}", Path.Combine(folder, "role-assignment-schedule-instances.json"), coverage, null, ct).ConfigureAwait(false);
            await ToFileAsync("azure.pim.eligibility-schedule-instances", subscription, $"{scope}/roleEligibilityScheduleInstances?api-version={PimApi}", Path.Combine(folder, "role-eligibility-schedule-instances.json"), coverage, null, ct).ConfigureAwait(false);
            await ToFileAsync("azure.pim.assignment-schedule-requests", subscription, $"{scope}/roleAssignmentScheduleRequests?api-version={PimApi}", Path.Combine(folder, "role-assignment-schedule-requests.json"), coverage, null, ct).ConfigureAwait(false);
        }

        return await WindowedAsync("azure.arm.activity-log", subscription, options.ActivityLog, "eventDataId", until, previous.Sources.GetValueOrDefault(ActivityKey(subscription)), Path.Combine(folder, "activity-log.json"),
            (from, to) => $"/subscriptions/{subscription}/providers/Microsoft.Insights/eventtypes/management/values?api-version={ActivityLogApi}&$filter=" +
                Uri.EscapeDataString($"eventTimestamp ge '{Iso(from)}' and eventTimestamp le '{Iso(to)}'"),
            clients.Arm, "eventTimestamp", coverage, ct).ConfigureAwait(false);
    }

    private Task<SourceWatermark?> SignInsAsync(string tenant, string file, DateTimeOffset until, SourceWatermark? previous, CoverageLog coverage, CancellationToken ct) =>
        WindowedAsync("entra.graph.sign-ins", tenant, options.SignIns, "id", until, previous, file,
            (from, to) => $"/beta/auditLogs/signIns?$filter={Uri.EscapeDataString($"createdDateTime ge {Iso(from)} and createdDateTime le {Iso(to)}")}&$top={options.SignIns.PageSize}",
            clients.Graph, "createdDateTime", coverage, ct);

    /// <summary>Every app registration's federated credentials (id, issuer, subject), each with its appId, into one file.</summary>
    private async Task FederatedCredentialsAsync(string tenant, string file, CoverageLog coverage, CancellationToken ct)
    {
        try
        {
            var apps = new List<(string Id, string AppId)>();
            await clients.Graph.ForEachItemAsync("/v1.0/applications?$select=id,appId&$top=999", app =>
            {
                if (app.TryGetProperty("id", out var id) && app.TryGetProperty("appId", out var appId))
                {
                    apps.Add((id.GetString()!, appId.GetString()!));
                }
            }, ct).ConfigureAwait(false);
            var credentials = new System.Text.Json.Nodes.JsonArray();
            foreach (var (id, appId) in apps)
            {
                await clients.Graph.ForEachItemAsync($"/v1.0/applications/{id}/federatedIdentityCredentials", c =>
                {
                    var node = System.Text.Json.Nodes.JsonNode.Parse(c.GetRawText())!.AsObject();
                    node["appId"] = appId;
                    credentials.Add(node);
                }, ct).ConfigureAwait(false);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, new System.Text.Json.Nodes.JsonObject { ["value"] = credentials }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            coverage.Read("entra.graph.federated-credentials", tenant, credentials.Count, $"{apps.Count} app registration(s)");
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            coverage.Failed("entra.graph.federated-credentials", tenant, 0, $"federated credentials could not be read (Application.Read.All): {Describe(e)}");
        }
    }

    /// <summary>
    /// Reads a time-filtered, paged source from the watermark (less the overlap) to now into one file, dropping items
    /// already read in the overlap by id.
    /// </summary>
    private async Task<SourceWatermark?> WindowedAsync(string source, string scope, ActivityWindowOptions window, string idProperty, DateTimeOffset until, SourceWatermark? previous,
        string file, Func<DateTimeOffset, DateTimeOffset, string> url, AzureRestClient client, string timeProperty, CoverageLog coverage, CancellationToken ct)
    {
        var from = previous is null ? until - window.Lookback : previous.ReadUntil - window.Overlap;
        var seenBefore = new HashSet<string>(previous?.SeenEventIds ?? [], StringComparer.Ordinal);
        var seenNow = new List<(string Id, DateTimeOffset Time)>();
        long written = 0;
        long duplicates = 0;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        try
        {
            int pages;
            await using (var stream = File.Create(file))
            await using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteStartArray("value");
                pages = await client.ForEachItemAsync(url(from, until), item =>
                {
                    var id = item.TryGetProperty(idProperty, out var i) ? i.GetString() : null;
                    var time = item.TryGetProperty(timeProperty, out var t) && t.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : until;
                    if (id is not null)
                    {
                        seenNow.Add((id, time));
                        if (seenBefore.Contains(id))
                        {
                            duplicates++;
                            return;
                        }
                    }

                    item.WriteTo(json);
                    written++;
                    if (json.BytesPending > 1 << 16)
                    {
                        json.Flush();
                    }
                }, ct).ConfigureAwait(false);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            metrics.AddEvents(written);
            coverage.Read(source, scope, written, $"{Iso(from)} to {Iso(until)}, {pages} page(s){(duplicates > 0 ? $", {duplicates} already read in the overlap" : string.Empty)}");
            return new SourceWatermark
            {
                ReadUntil = until,
                SeenEventIds = seenNow.Where(s => s.Time >= until - window.Overlap).Select(s => s.Id).Distinct(StringComparer.Ordinal).ToList(),
            };
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            // The file may end mid-array; an unfinished window is read again next time, so drop it.
            File.Delete(file);
            var why = e is AzureRequestException { Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant" }
                ? "the tenant has no Entra ID P1 licence, so Graph does not return sign-in logs"
                : Describe(e);
            coverage.Failed(source, scope, 0, $"{source} from {Iso(from)}: {why}");
            return previous;
        }
    }

    /// <summary>Pages a list into {"value":[...]} in a file; on failure records the gap and returns the error.</summary>
    private async Task<Exception?> ToFileAsync(string source, string scope, string url, string file, CoverageLog coverage, Action<JsonElement>? observe, CancellationToken ct)
    {
        long count = 0;
        try
        {
            int pages;
            await using (var stream = File.Create(file))
            await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteStartArray("value");
                pages = await clients.Arm.ForEachItemAsync(url, item =>
                {
                    observe?.Invoke(item);
                    item.WriteTo(json);
                    count++;
                }, ct).ConfigureAwait(false);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            coverage.Read(source, scope, count, $"{count} item(s) in {pages} page(s)");
            return null;
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            File.Delete(file);
            coverage.Failed(source, scope, 0, $"{source}: {Describe(e)}");
            return e;
        }
    }

    /// <summary>Resolves display names of the assignments' principals through Graph directoryObjects/getByIds, 1,000 ids a call.</summary>
    private async Task NamePrincipalsAsync(List<JsonElement> assignments, string subscription, CoverageLog coverage, CancellationToken ct)
    {
        if (!options.ResolvePrincipalNames)
        {
            return;
        }

        var unknown = assignments.Select(a => a.GetProperty("properties").TryGetProperty("principalId", out var p) ? p.GetString() : null)
            .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Where(id => !_principalNames.ContainsKey(id)).ToList();
        try
        {
            foreach (var chunk in unknown.Chunk(1000))
            {
                using var doc = await clients.Graph.PostAsync("/v1.0/directoryObjects/getByIds", new GetByIdsRequest([.. chunk], ["user", "group", "servicePrincipal"]), ct).ConfigureAwait(false);
                foreach (var o in doc.RootElement.GetProperty("value").EnumerateArray())
                {
                    var name = o.TryGetProperty("userPrincipalName", out var upn) && upn.GetString() is { } u ? u
                        : o.TryGetProperty("displayName", out var dn) ? dn.GetString() : null;
                    _principalNames[o.GetProperty("id").GetString()!] = name;
                }

                foreach (var id in chunk)
                {
                    _principalNames.TryAdd(id, null); // deleted principals come back as nothing
                }
            }
        }
        catch (Exception e) when (IsServiceFault(e, ct))
        {
            coverage.Failed("azure.graph.principal-names", subscription, 0, $"naming principals failed: {Describe(e)}; assignments show object ids");
        }
    }

    /// <summary>Writes assignments as `az role assignment list` prints them: flat, with principalName and roleDefinitionName.</summary>
    private void WriteAzCliAssignments(string file, List<JsonElement> assignments, Dictionary<string, string> roleNames)
    {
        using var stream = File.Create(file);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var a in assignments)
        {
            var p = a.GetProperty("properties");
            json.WriteStartObject();
            Copy(json, a, "id");
            Copy(json, a, "name");
            Copy(json, a, "type");
            foreach (var property in p.EnumerateObject())
            {
                property.WriteTo(json);
            }

            var principalId = p.TryGetProperty("principalId", out var pid) ? pid.GetString() : null;
            if (principalId is not null && _principalNames.TryGetValue(principalId, out var principalName) && principalName is not null)
            {
                json.WriteString("principalName", principalName);
            }

            var definition = p.TryGetProperty("roleDefinitionId", out var rd) ? rd.GetString()?.Split('/')[^1] : null;
            if (definition is not null && roleNames.TryGetValue(definition, out var roleName))
            {
                json.WriteString("roleDefinitionName", roleName);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Copy(Utf8JsonWriter json, JsonElement from, string name)
    {
        if (from.TryGetProperty(name, out var value))
        {
            json.WritePropertyName(name);
            value.WriteTo(json);
        }
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool IsServiceFault(Exception e, CancellationToken ct) =>
        e is AzureRequestException or global::Azure.RequestFailedException or global::Azure.Identity.AuthenticationFailedException or HttpRequestException or IOException or JsonException or KeyNotFoundException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    /// <summary>A short, secret-free description: the service's code, status and message.</summary>
    public static string Describe(Exception e) => e switch
    {
        AzureRequestException a => $"{a.Code} (HTTP {a.Status}): {a.ServiceMessage}",
        global::Azure.RequestFailedException r => $"{r.ErrorCode ?? "RequestFailed"} (HTTP {r.Status}): {r.Message.Split('\n')[0]}",
        global::Azure.Identity.AuthenticationFailedException => "could not get a token (check the credential settings)",
        OperationCanceledException => "timed out",
        _ => e.Message,
    };

    private sealed record GetByIdsRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("ids")] string[] Ids,
        [property: System.Text.Json.Serialization.JsonPropertyName("types")] string[] Types);
}
