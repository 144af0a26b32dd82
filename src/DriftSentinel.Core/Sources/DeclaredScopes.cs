using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>
/// What every module's <see cref="ISourceModule.CheckDeclaredScopes"/> shares: whether a declared scope is already
/// accounted for in coverage, and how its declaration is described in the gap it leaves.
/// </summary>
public static class DeclaredScopes
{
    /// <summary>True when a coverage entry names the scope (read, partial, failed or missing).</summary>
    public static bool Mentioned(ScanInput input, string scope, StringComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Coverage.Entries.Any(e => e.Scope.Equals(scope, comparison) || e.Scope.StartsWith(scope + " ", comparison) || e.Scope.StartsWith(scope + ":", comparison));
    }

    /// <summary>"declared in environment 'prod' (production)".</summary>
    public static string Describe(EnvironmentDeclaration environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return $"declared in environment '{environment.Name}' ({(environment.IsProduction ? "production" : "non-production")})";
    }

    /// <summary>
    /// Records a coverage gap for each production or non-production deploy target of <paramref name="provider"/> whose
    /// project is not in the snapshot, or whose environment the read environments file does not list.
    /// </summary>
    public static void CheckPipelineTargets(string provider, string source, OrganizationBaseline baseline, ScanInput input)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(input);
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var env in baseline.Environments)
        {
            foreach (var target in env.DeployTargets.Where(t => t.Provider == provider).DistinctBy(t => t.Display, StringComparer.OrdinalIgnoreCase))
            {
                var declared = Describe(env);
                if (input.Inventory.Project(target.Provider, target.Project) is not { } project)
                {
                    if (!Mentioned(input, target.Project, StringComparison.OrdinalIgnoreCase) && reported.Add(target.Project))
                    {
                        input.Coverage.Missing(source, target.Project,
                            $"{PipelineProviders.ProjectNoun(provider)} {target.Project} ({target.Display} is {declared}) is not in the snapshot: {source}/{target.Project}/ holds no deployments, runs or approvals");
                    }

                    continue;
                }

                // The environments were read but the declared one is not among them: its deployments cannot be matched
                // to protection rules, so say so rather than evaluate it as unprotected or absent. (GitLab lists only
                // protected environments: there, absence is the finding, not a gap.)
                if (target.Environment is { } name && project.EnvironmentsRead && provider != PipelineProviders.GitLab
                    && !project.Environments.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                {
                    input.Coverage.Missing($"{source}.environments", target.Display,
                        $"{PipelineProviders.ProjectNoun(provider)} environment {target.Display} is {declared} but the environments read do not list it: its protection rules were not read");
                }
            }
        }
    }
}
