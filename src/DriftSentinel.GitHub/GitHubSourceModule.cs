using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.GitHub;

/// <summary>GitHub Actions: github/OWNER/REPO/… (REST responses) read by <see cref="GitHubSnapshotReader"/>; snapshot only.</summary>
internal sealed class GitHubSourceModule(Func<string, string?>? environment = null, HttpMessageHandler? transport = null) : ISourceModule
{
    public string Name => "github";

    public IReadOnlyList<string> SnapshotFolders { get; } = ["github"];

    public ISnapshotReader Reader { get; } = new GitHubSnapshotReader();

    public ILiveCollector? Collector { get; } = new LiveGitHub(environment ?? Environment.GetEnvironmentVariable, transport);

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input) =>
        DeclaredScopes.CheckPipelineTargets(PipelineProviders.GitHub, "github", baseline, input);
}

/// <summary>Live collection of the GitHub source (section DriftSentinel:GitHub).</summary>
internal sealed class LiveGitHub(Func<string, string?> environment, HttpMessageHandler? transport) : LiveCollector<GitHubCollectionOptions>
{
    public override string Section => "GitHub";

    protected override IEnumerable<string> Validate(GitHubCollectionOptions options, string prefix) => options.Validate(prefix);

    protected override Action Collect(GitHubCollectionOptions options, LiveCollectionContext context) =>
        new GitHubCollector(options, context, environment, transport).Collect();
}

/// <summary>Registration of the GitHub source.</summary>
public static class GitHubSourceRegistration
{
    /// <summary>Adds GitHub; tokens are read from the process environment unless <paramref name="environment"/> says otherwise.</summary>
    public static SourceRegistry AddGitHub(this SourceRegistry registry, Func<string, string?>? environment = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Add(new GitHubSourceModule(environment, transport));
    }
}
