using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitLab;

/// <summary>GitLab CI: gitlab/&lt;namespace&gt;/&lt;project&gt;/… (REST v4 responses) read by <see cref="GitLabSnapshotReader"/>.</summary>
internal sealed class GitLabSourceModule(Func<string, string?>? environment = null, HttpMessageHandler? transport = null) : ISourceModule
{
    public string Name => "gitlab";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["gitlab"];

    public ISnapshotReader Reader { get; } = new GitLabSnapshotReader();

    public ILiveCollector? Collector { get; } = new LiveGitLab(environment ?? Environment.GetEnvironmentVariable, transport);

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
        DeclaredScopes.CheckPipelineTargets(PipelineProviders.GitLab, "gitlab", baseline, input);
}

/// <summary>Live collection of the GitLab source (section DriftSentinel:GitLab).</summary>
internal sealed class LiveGitLab(Func<string, string?> environment, HttpMessageHandler? transport) : LiveCollector<GitLabCollectionOptions>
{
    public override string Section => "GitLab";

    protected override IEnumerable<string> Validate(GitLabCollectionOptions options, string prefix) => options.Validate(prefix);

    protected override Action Collect(GitLabCollectionOptions options, LiveCollectionContext context) =>
        new GitLabCollector(options, context, environment, transport).Collect();
}

/// <summary>Registration of the GitLab source.</summary>
public static class GitLabSourceRegistration
{
    /// <summary>Adds GitLab; tokens are read from the process environment unless <paramref name="environment"/> says otherwise.</summary>
    public static SourceRegistry AddGitLab(this SourceRegistry registry, Func<string, string?>? environment = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new GitLabSourceModule(environment, transport));
    }
}
