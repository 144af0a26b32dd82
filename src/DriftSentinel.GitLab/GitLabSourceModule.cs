using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitLab;

/// <summary>GitLab CI: gitlab/&lt;namespace&gt;/&lt;project&gt;/… (REST v4 responses) read by <see cref="GitLabSnapshotReader"/>.</summary>
internal sealed class GitLabSourceModule : ISourceModule
{
    public string Name => "gitlab";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["gitlab"];

    public ISnapshotReader Reader { get; } = new GitLabSnapshotReader();

    public ILiveCollector? Collector => null;

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
        DeclaredScopes.CheckPipelineTargets(PipelineProviders.GitLab, "gitlab", baseline, input);
}

/// <summary>Registration of the GitLab source.</summary>
public static class GitLabSourceRegistration
{
    public static SourceRegistry AddGitLab(this SourceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new GitLabSourceModule());
    }
}
