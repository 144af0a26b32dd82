using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitHub;

/// <summary>GitHub Actions: github/OWNER/REPO/… (REST responses) read by <see cref="GitHubSnapshotReader"/>; snapshot only.</summary>
internal sealed class GitHubSourceModule : ISourceModule
{
    public string Name => "github";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["github"];

    public ISnapshotReader Reader { get; } = new GitHubSnapshotReader();

    public ILiveCollector? Collector => null;

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
        DeclaredScopes.CheckPipelineTargets(PipelineProviders.GitHub, "github", baseline, input);
}

/// <summary>Registration of the GitHub source.</summary>
public static class GitHubSourceRegistration
{
    public static SourceRegistry AddGitHub(this SourceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new GitHubSourceModule());
    }
}
