using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Azure;

/// <summary>Reads DIR/azure/&lt;subscription-id&gt;/… and DIR/entra/&lt;tenant-id&gt;/sign-ins.json of a snapshot folder.</summary>
public sealed class AzureSnapshotReader : ISnapshotReader
{
    public void Read(string snapshotRoot, ScanInput input)
    {
        ReadSubscriptions(snapshotRoot, input);
        ReadTenants(snapshotRoot, input);
    }

    private static void ReadSubscriptions(string root, ScanInput input)
    {
        var dir = Path.Combine(root, "azure");
        if (!Directory.Exists(dir))
        {
            input.Coverage.Missing("azure", "*", "no azure/ folder in the snapshot");
            return;
        }

        foreach (var subDir in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            var sub = Path.GetFileName(subDir).ToLowerInvariant();
            if (!Guid.TryParse(sub, out _))
            {
                input.Coverage.Failed("azure", sub, 0, $"azure/{sub}: folder name is not a subscription id; skipped");
                continue;
            }

            var inv = input.Inventory.Azure(sub);

            // Definitions first, so assignments can be named as they are read.
            SnapshotFiles.Read(root, Path.Combine(subDir, "role-definitions.json"), "azure.role-definitions", sub, input,
                (p, d) => AzureRbacReader.ReadDefinitions(p, d, inv), optional: true);
            SnapshotFiles.Read(root, Path.Combine(subDir, "role-assignments.json"), "azure.role-assignments", sub, input,
                (p, d) => AzureRbacReader.ReadAssignments(p, d, inv, input.Inventory));
            SnapshotFiles.Read(root, Path.Combine(subDir, "role-assignment-schedule-instances.json"), "azure.pim.schedule-instances", sub, input,
                (p, d) => AzureRbacReader.ReadScheduleInstances(p, d, inv, directory: input.Inventory));
            SnapshotFiles.Read(root, Path.Combine(subDir, "role-eligibility-schedule-instances.json"), "azure.pim.eligibility-instances", sub, input,
                (p, d) => AzureRbacReader.ReadScheduleInstances(p, d, inv, eligibility: true, directory: input.Inventory), optional: true);
            SnapshotFiles.Read(root, Path.Combine(subDir, "role-assignment-schedule-requests.json"), "azure.pim.schedule-requests", sub, input,
                (p, d) => AzureRbacReader.ReadScheduleRequests(p, d, inv), optional: true);

            var activity = Path.Combine(subDir, "activity-log.json");
            if (SnapshotFiles.Present(activity))
            {
                input.InputsRead.Add(SnapshotFiles.Relative(root, activity));
                input.Streams.Add(new JsonFileActivityStream(root, activity, "azure.activity-log", sub,
                    (el, loc, skips) => AzureActivityMapper.MapActivity(el, sub, loc, skips), "value", "records")
                {
                    // Event-per-line exports (Log Analytics, event hubs, diagnostic settings) are read as well as az/ARM lists.
                    RecordProperties = ["eventDataId", "event_data_id", "operationName", "operation_name", "authorization", "time"],
                });
            }
            else
            {
                input.Coverage.Missing("azure.activity-log", sub, $"azure/{sub}/activity-log.json not in the snapshot");
            }
        }
    }

    private static void ReadTenants(string root, ScanInput input)
    {
        var dir = Path.Combine(root, "entra");
        if (!Directory.Exists(dir))
        {
            input.Coverage.Missing("entra", "*", "no entra/ folder in the snapshot");
            return;
        }

        foreach (var tenantDir in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            var tenant = Path.GetFileName(tenantDir);
            var file = Path.Combine(tenantDir, "sign-ins.json");
            if (SnapshotFiles.Present(file))
            {
                input.InputsRead.Add(SnapshotFiles.Relative(root, file));
                input.Streams.Add(new JsonFileActivityStream(root, file, "entra.sign-ins", tenant,
                    (el, loc, skips) => AzureActivityMapper.MapSignIn(el, tenant, loc, skips), "value", "records")
                {
                    RecordProperties = ["createdDateTime", "userPrincipalName", "id", "time"],
                });
            }
            else
            {
                input.Coverage.Missing("entra.sign-ins", tenant, $"entra/{tenant}/sign-ins.json not in the snapshot");
            }

            ReadServicePrincipalSignIns(root, tenantDir, tenant, input);
        }
    }

    /// <summary>
    /// Optional: entra/&lt;tenant&gt;/service-principal-sign-ins.json and federated-credentials.json tie an Azure change to
    /// the pipeline whose federated token made it (DS-DEP-001 link=session); without them Azure changes are judged by
    /// the deployment time window, as the evidence says.
    /// </summary>
    private static void ReadServicePrincipalSignIns(string root, string tenantDir, string tenant, ScanInput input)
    {
        var file = Path.Combine(tenantDir, "service-principal-sign-ins.json");
        if (!SnapshotFiles.Present(file))
        {
            return;
        }

        var federated = new Dictionary<string, (string Issuer, string Subject)>(StringComparer.OrdinalIgnoreCase);
        SnapshotFiles.Read(root, Path.Combine(tenantDir, "federated-credentials.json"), "entra.federated-credentials", tenant, input, (p, d) =>
        {
            using var doc = Json.ParseFile(p, d);
            foreach (var (c, i) in Json.ArrayOrList(doc.RootElement, "value", d).Select((x, i) => (x, i)))
            {
                var id = c.Str("id") ?? throw new InputFormatException(d, $"value[{i}]", "required field 'id' is missing");
                federated[id] = (c.Str("issuer") ?? "", c.Str("subject") ?? throw new InputFormatException(d, $"value[{i}]", "required field 'subject' is missing"));
            }

            return federated.Count;
        });
        input.InputsRead.Add(SnapshotFiles.Relative(root, file));
        input.Streams.Add(new JsonFileActivityStream(root, file, "entra.service-principal-sign-ins", tenant,
            (el, loc, skips) => AzureActivityMapper.MapServicePrincipalSignIn(el, tenant, federated, loc, skips), "value", "records")
        {
            RecordProperties = ["createdDateTime", "servicePrincipalId", "id"],
        });
    }
}
