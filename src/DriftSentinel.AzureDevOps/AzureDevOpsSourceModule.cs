using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.AzureDevOps;

/// <summary>Azure Pipelines: azure-devops/&lt;organization&gt;/&lt;project&gt;/… read by <see cref="AzureDevOpsSnapshotReader"/>.</summary>
internal sealed class AzureDevOpsSourceModule : ISourceModule
{
    public string Name => "azure-devops";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["azure-devops"];

    public ISnapshotReader Reader { get; } = new AzureDevOpsSnapshotReader();

    public ILiveCollector? Collector => null;

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
        DeclaredScopes.CheckPipelineTargets(PipelineProviders.AzureDevOps, "azure-devops", baseline, input);
}

/// <summary>Registration of the Azure DevOps source.</summary>
public static class AzureDevOpsSourceRegistration
{
    public static SourceRegistry AddAzureDevOps(this SourceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new AzureDevOpsSourceModule());
    }
}
