using System.Text.RegularExpressions;

namespace DriftSentinel.Core.Model;

/// <summary>The CI/CD systems whose records the model holds, and the finding "cloud" each maps to.</summary>
public static class PipelineProviders
{
    public const string GitHub = "github";
    public const string GitLab = "gitlab";
    public const string AzureDevOps = "azure-devops";

    public static readonly IReadOnlyList<string> All = [GitHub, GitLab, AzureDevOps];

    /// <summary>What the provider calls a project: "GitHub repository", "GitLab project", "Azure DevOps project".</summary>
    public static string ProjectNoun(string provider) => provider switch
    {
        GitLab => "GitLab project",
        AzureDevOps => "Azure DevOps project",
        _ => "GitHub repository",
    };

    public static Cloud CloudOf(string provider) => provider switch
    {
        GitLab => Cloud.GitLab,
        AzureDevOps => Cloud.AzureDevOps,
        _ => Cloud.GitHub,
    };
}

/// <summary>
/// A pipeline project (GitHub repository, GitLab project, Azure DevOps project) or one of its deployment environments,
/// as the baseline names it: <c>provider:project</c> or <c>provider:project:environment</c>
/// (e.g. <c>github:example/payments:production</c>, <c>gitlab:group/sub/app:prod</c>).
/// </summary>
public sealed partial record PipelineTarget(string Provider, string Project, string? Environment)
{
    /// <summary>The inventory key of the project: provider and project.</summary>
    public string ProjectKey => Key(Provider, Project);

    /// <summary>The project and environment as the provider writes them (example/payments:production).</summary>
    public string Display => Environment is null ? Project : $"{Project}:{Environment}";

    public static string Key(string provider, string project) => $"{provider}:{project}".ToLowerInvariant();

    /// <summary>
    /// How findings and coverage name a project: the path for GitHub (as before other providers existed, so
    /// fingerprints stay stable), provider:path for the others.
    /// </summary>
    public static string DisplayName(string provider, string project) => provider == PipelineProviders.GitHub ? project : $"{provider}:{project}";

    public bool IsProject(string provider, string project) =>
        Provider.Equals(provider, StringComparison.OrdinalIgnoreCase) && Project.Equals(project, StringComparison.OrdinalIgnoreCase);

    public bool IsEnvironment(string provider, string project, string environment) =>
        IsProject(provider, project) && string.Equals(Environment, environment, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Provider}:{Display}";

    /// <summary>
    /// Parses <c>provider:project[:environment]</c>; without a known provider prefix the text is read as
    /// <paramref name="defaultProvider"/>'s (the <c>github_*</c> aliases). Returns null when the shape is wrong.
    /// </summary>
    public static PipelineTarget? Parse(string text, bool withEnvironment, string? defaultProvider = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var provider = defaultProvider;
        var rest = text;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && PipelineProviders.All.Contains(text[..colon].ToLowerInvariant()))
        {
            provider = text[..colon].ToLowerInvariant();
            rest = text[(colon + 1)..];
        }

        if (provider is null)
        {
            return null;
        }

        string project = rest;
        string? environment = null;
        if (withEnvironment)
        {
            var last = rest.LastIndexOf(':');
            if (last <= 0 || last == rest.Length - 1)
            {
                return null;
            }

            project = rest[..last];
            environment = rest[(last + 1)..];
        }

        return ProjectPath().IsMatch(project) ? new PipelineTarget(provider, project, environment) : null;
    }

    // owner/repo (GitHub), group/sub/project (GitLab), organization/project (Azure DevOps).
    [GeneratedRegex(@"^[A-Za-z0-9_.\- ]+(/[A-Za-z0-9_.\- ]+)+$")]
    private static partial Regex ProjectPath();
}

/// <summary>
/// What a pipeline's OIDC token says about the run that asked for cloud credentials: GitHub Actions
/// (<c>repo:OWNER/REPO:environment:NAME</c>, <c>…:ref:refs/heads/main</c>, <c>…:pull_request</c>) or GitLab CI
/// (<c>project_path:GROUP/PROJECT:ref_type:branch:ref:main</c>; GitLab's subject names no environment), or an Azure
/// DevOps service connection's workload identity federation subject (<c>sc://ORG/PROJECT/CONNECTION</c>, no environment).
/// </summary>
public sealed record PipelineSubject(string Provider, string Project, string? Environment, string? Ref, bool PullRequest, string Text)
{
    /// <summary>
    /// Whether a job with this subject is the declared deploy target: never a pull request; on GitHub the subject must
    /// name the declared environment (a branch or tag subject is a job outside any environment's protection); GitLab's
    /// subject names no environment, so its project must be declared.
    /// </summary>
    public bool Names(PipelineTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return !PullRequest && target.IsProject(Provider, Project)
            && (Provider is PipelineProviders.GitLab or PipelineProviders.AzureDevOps || (Environment is not null && target.IsEnvironment(Provider, Project, Environment)));
    }

    /// <summary>Whether a deployment is this job's: same provider and project, and the subject's environment if it names one.</summary>
    public bool Made(PipelineDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return deployment.Provider == Provider && deployment.Repository.Equals(Project, StringComparison.OrdinalIgnoreCase)
            && (Environment is null || deployment.Environment.Equals(Environment, StringComparison.OrdinalIgnoreCase));
    }

    public static PipelineSubject? Parse(string? provider, string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return null;
        }

        var parts = subject.Split(':');
        if (parts is ["repo", var repo, ..] && (provider is null || provider.Contains("token.actions.githubusercontent.com", StringComparison.OrdinalIgnoreCase)))
        {
            return parts switch
            {
                [_, _, "environment", var env, ..] => new PipelineSubject(PipelineProviders.GitHub, repo, env, null, false, subject),
                [_, _, "pull_request", ..] => new PipelineSubject(PipelineProviders.GitHub, repo, null, null, true, subject),
                [_, _, "ref", var gitRef, ..] => new PipelineSubject(PipelineProviders.GitHub, repo, null, gitRef, false, subject),
                _ => new PipelineSubject(PipelineProviders.GitHub, repo, null, null, false, subject),
            };
        }

        if (subject.StartsWith("sc://", StringComparison.OrdinalIgnoreCase) && subject[5..].Split('/') is [var org, var adoProject, _, ..])
        {
            return new PipelineSubject(PipelineProviders.AzureDevOps, $"{org}/{adoProject}", null, null, false, subject);
        }

        if (parts is ["project_path", var project, ..])
        {
            var refIndex = Array.IndexOf(parts, "ref");
            return new PipelineSubject(PipelineProviders.GitLab, project, null, refIndex > 0 && refIndex + 1 < parts.Length ? parts[refIndex + 1] : null, false, subject);
        }

        return null;
    }
}

/// <summary>A person's login in one pipeline provider (people[].ci_users, or the github alias).</summary>
public sealed record PipelineIdentity(string Provider, string Login);
