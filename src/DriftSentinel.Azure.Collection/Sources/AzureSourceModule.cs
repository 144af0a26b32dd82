using Azure.Core;
using Azure.Core.Pipeline;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Azure.Collection.Sources;

/// <summary>
/// Azure and Entra: azure/SUBSCRIPTION/… and entra/TENANT/… read by <see cref="AzureSnapshotReader"/>, collected live
/// from section DriftSentinel:Azure.
/// </summary>
internal sealed class AzureSourceModule(Func<AzureCollectionOptions, TokenCredential>? credential = null, HttpPipelineTransport? transport = null) : ISourceModule
{
    public string Name => "azure";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["azure", "entra"];

    public ISnapshotReader Reader { get; } = new AzureSnapshotReader();

    public ILiveCollector? Collector { get; } = new AzureLiveCollector(credential ?? AzureCredentialFactory.Create, transport);

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(input);
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var env in baseline.Environments)
        {
            var declared = DeclaredScopes.Describe(env);
            foreach (var subscription in env.AzureSubscriptions.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!input.Inventory.AzureSubscriptions.ContainsKey(subscription) && !DeclaredScopes.Mentioned(input, subscription, StringComparison.OrdinalIgnoreCase))
                {
                    input.Coverage.Missing("azure", subscription.ToLowerInvariant(),
                        $"Azure subscription {subscription} is {declared} but azure/{subscription.ToLowerInvariant()}/ is not in the snapshot: its role assignments, PIM schedules and Activity Log were not read");
                }
            }

            foreach (var tenant in env.EntraTenants.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                // Sign-ins are streamed later: a registered stream for the tenant's folder is what "present" means here.
                var streamed = input.Streams.Any(st => st.Name.Contains($"entra/{tenant}/", StringComparison.OrdinalIgnoreCase));
                if (!streamed && !DeclaredScopes.Mentioned(input, tenant, StringComparison.OrdinalIgnoreCase) && reported.Add(tenant))
                {
                    input.Coverage.Missing("entra", tenant.ToLowerInvariant(),
                        $"Entra tenant {tenant} is {declared} but entra/{tenant.ToLowerInvariant()}/ is not in the snapshot: its sign-ins were not read");
                }
            }
        }
    }

    private sealed class AzureLiveCollector(Func<AzureCollectionOptions, TokenCredential> credentials, HttpPipelineTransport? transport) : LiveCollector<AzureCollectionOptions>
    {
        public override string Section => "Azure";

        protected override IEnumerable<string> Validate(AzureCollectionOptions options, string prefix) => options.Validate(prefix);

        protected override Action Collect(AzureCollectionOptions options, LiveCollectionContext context)
        {
            TokenCredential credential;
            try
            {
                credential = credentials(options);
            }
            catch (InvalidOperationException e)
            {
                throw new SourceConfigurationException($"no Azure credential: {e.Message}");
            }

            var store = new FileWatermarkStore(Path.Combine(context.StateDirectory, "azure-watermarks.json"));
            var previous = context.Full ? new WatermarkState() : store.Load();
            var arm = new Uri(options.Endpoints.ResourceManager);
            var graph = new Uri(options.Endpoints.Graph);
            var graphRate = new RequestRateLimiter(options.SignIns.RequestsPer10Seconds / 10, context.Clock);
            var armPipeline = AzureRestClient.Pipeline(credential, new Uri(arm, "/.default").ToString(), options,
                new ThrottleObserverPolicy(context.Metrics, context.Clock, options.ArmReadsLowWater, options.ArmLowWaterPause, null), transport);
            var graphPipeline = AzureRestClient.Pipeline(credential, new Uri(graph, "/.default").ToString(), options,
                new ThrottleObserverPolicy(context.Metrics, context.Clock, -1, TimeSpan.Zero, AzureRestClient.SignInGate(graphRate)), transport);
            var collector = new AzureCollector(options, new AzureClients(new AzureRestClient(armPipeline, arm), new AzureRestClient(graphPipeline, graph)), context.Metrics, context.Clock, context.Log);
            var next = collector.CollectAsync(context.SnapshotFolder, previous, context.Coverage, CancellationToken.None).GetAwaiter().GetResult();
            return () => store.Save(next);
        }
    }
}

/// <summary>Registration of the Azure and Entra source.</summary>
public static class AzureSourceRegistration
{
    /// <summary>Adds Azure and Entra; the credential defaults to DriftSentinel:Azure:Credential, the transport to Azure.Core's.</summary>
    public static SourceRegistry AddAzure(this SourceRegistry registry, Func<AzureCollectionOptions, TokenCredential>? credential = null, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new AzureSourceModule(credential, transport));
    }
}
