using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.AzureDevOps;

/// <summary>Azure Pipelines: azure-devops/&lt;organization&gt;/&lt;project&gt;/… read by <see cref="AzureDevOpsSnapshotReader"/>.</summary>
internal sealed class AzureDevOpsSourceModule(Func<string, string?>? environment = null, HttpMessageHandler? transport = null) : ISourceModule
{
    public string Name => "azure-devops";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["azure-devops"];

    public ISnapshotReader Reader { get; } = new AzureDevOpsSnapshotReader();

    public ILiveCollector? Collector { get; } = new LiveAzureDevOps(environment ?? Environment.GetEnvironmentVariable, transport);

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
        DeclaredScopes.CheckPipelineTargets(PipelineProviders.AzureDevOps, "azure-devops", baseline, input);
}

/// <summary>Live collection of the Azure DevOps source (section DriftSentinel:AzureDevOps).</summary>
internal sealed class LiveAzureDevOps(Func<string, string?> environment, HttpMessageHandler? transport) : LiveCollector<AzureDevOpsCollectionOptions>
{
    public override string Section => "AzureDevOps";

    protected override IEnumerable<string> Validate(AzureDevOpsCollectionOptions options, string prefix) => options.Validate(prefix);

    protected override Action Collect(AzureDevOpsCollectionOptions options, LiveCollectionContext context) =>
        new AzureDevOpsCollector(options, context, environment, transport).Collect();
}

/// <summary>Registration of the Azure DevOps source.</summary>
public static class AzureDevOpsSourceRegistration
{
    /// <summary>Adds Azure DevOps; tokens are read from the process environment unless <paramref name="environment"/> says otherwise.</summary>
    public static SourceRegistry AddAzureDevOps(this SourceRegistry registry, Func<string, string?>? environment = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new AzureDevOpsSourceModule(environment, transport));
    }
}
