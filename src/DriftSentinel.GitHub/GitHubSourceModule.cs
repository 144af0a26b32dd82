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

    public void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(input);
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var env in baseline.Environments)
        {
            foreach (var target in env.DeployTargets.Where(t => t.Provider == PipelineProviders.GitHub).DistinctBy(t => t.Display, StringComparer.OrdinalIgnoreCase))
            {
                CheckEnvironment(target, DeclaredScopes.Describe(env), input, (scope, comparison) => DeclaredScopes.Mentioned(input, scope, comparison) || !reported.Add(scope));
            }
        }
    }

    private static void CheckEnvironment(PipelineTarget target, string declared, ScanInput input, Func<string, StringComparison, bool> mentioned)
    {
        var declaredEnvironment = target.Display;
        var repository = target.Project;
        var environment = target.Environment;
        if (input.Inventory.Project(target.Provider, repository) is not { } repo)
        {
            if (!mentioned(repository, StringComparison.OrdinalIgnoreCase))
            {
                input.Coverage.Missing("github", repository,
                    $"GitHub repository {repository} ({declaredEnvironment} is {declared}) is not in the snapshot: github/{repository}/ holds no deployments, runs or approvals");
            }

            return;
        }

        // The environments file was read but does not list the declared environment: deployments to it cannot be
        // matched to its protection rules, so say so rather than evaluate it as unprotected or absent.
        var environmentsRead = input.Coverage.Entries.Any(e => e.Source == "github.environments" && e.Scope.Equals(repository, StringComparison.OrdinalIgnoreCase) && e.Status == CoverageStatus.Read);
        if (environment is not null && environmentsRead && !repo.Environments.Any(e => e.Name.Equals(environment, StringComparison.OrdinalIgnoreCase)))
        {
            input.Coverage.Missing("github.environments", declaredEnvironment,
                $"GitHub environment {declaredEnvironment} is {declared} but github/{repository}/environments.json does not list it: its protection rules were not read");
        }
    }
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
