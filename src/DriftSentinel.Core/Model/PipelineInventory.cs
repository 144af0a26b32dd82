namespace DriftSentinel.Core.Model;

/// <summary>
/// A deployment to a pipeline environment (GitHub deployment, GitLab deployment, Azure DevOps environment deployment
/// record) with its statuses and, when a pipeline made it, the run it links to.
/// </summary>
public sealed record PipelineDeployment
{
    public required long Id { get; init; }

    /// <summary>The CI/CD system (<see cref="PipelineProviders"/>).</summary>
    public string Provider { get; init; } = PipelineProviders.GitHub;

    /// <summary>The project path as the provider writes it (owner/repo, group/project, organization/project).</summary>
    public required string Repository { get; init; }

    /// <summary>How findings name the project (<see cref="PipelineTarget.DisplayName"/>).</summary>
    public string ProjectName => PipelineTarget.DisplayName(Provider, Repository);

    public required string Environment { get; init; }
    public required string Sha { get; init; }
    public string? Ref { get; init; }
    public string? Creator { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<PipelineDeploymentStatus> Statuses { get; init; } = [];
    public long? RunId { get; init; }

    /// <summary>Who triggered the run that made it (the run's triggering actor or actor), when the run was read.</summary>
    public string? TriggeredBy { get; init; }

    public required SourceLocation Source { get; init; }

    /// <summary>The latest status state (success, failure, in_progress...), or null when no status was exported.</summary>
    public string? LatestState => Statuses.Count == 0 ? null : Statuses.MaxBy(s => s.CreatedAt)!.State;

    public bool Succeeded => Statuses.Any(s => s.State == "success");

    /// <summary>When the deployment finished, or was created if no status says so.</summary>
    public DateTimeOffset CompletedAt => Statuses.Where(s => s.State is "success" or "failure" or "error").Select(s => s.CreatedAt).DefaultIfEmpty(CreatedAt).Max();
}

/// <summary>One deployment status.</summary>
public sealed record PipelineDeploymentStatus(long Id, string State, string? Creator, DateTimeOffset CreatedAt, string? LogUrl, string? TargetUrl);

/// <summary>A pipeline run (GitHub Actions workflow run, GitLab pipeline, Azure Pipelines run).</summary>
public sealed record PipelineRun
{
    public required long Id { get; init; }
    public string Provider { get; init; } = PipelineProviders.GitHub;
    public required string Repository { get; init; }
    public string? Name { get; init; }
    public required string HeadSha { get; init; }
    public string? Event { get; init; }
    public string? Status { get; init; }
    public string? Conclusion { get; init; }
    public string? Actor { get; init; }
    public string? TriggeringActor { get; init; }
    public string? HeadCommitAuthorEmail { get; init; }
    public string? HeadCommitAuthorName { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public required SourceLocation Source { get; init; }
}

/// <summary>A review of a run's pending environment deployments; <see cref="DecidedAt"/> where the provider records it.</summary>
public sealed record PipelineApproval(long RunId, IReadOnlyList<string> Environments, string State, string? User, string? Comment, SourceLocation Source)
{
    public DateTimeOffset? DecidedAt { get; init; }
}

/// <summary>A deployment environment and its protection: required reviewers, self-review, admin bypass, branch policy.</summary>
public sealed record PipelineEnvironment(string Repository, string Name, IReadOnlyList<string> Reviewers, bool RequiresReviewers, bool PreventSelfReview)
{
    /// <summary>Whether administrators may deploy past the protection rules (null: the provider did not say).</summary>
    public bool? AdminBypass { get; init; }

    /// <summary>Which branches may deploy: "protected branches", "custom", "branch control check", or null for any branch or unknown.</summary>
    public string? BranchPolicy { get; init; }

    /// <summary>How many approvals a deployment needs (GitLab's required approval count, Azure DevOps' minimum approvers), when the provider says.</summary>
    public int? RequiredApprovals { get; init; }

    /// <summary>Where the protection was read (file and position).</summary>
    public SourceLocation? Source { get; init; }

    /// <summary>False when the environment is known but its protection could not be read (its checks file is missing).</summary>
    public bool ProtectionRead { get; init; } = true;
}

/// <summary>Where a CI secret or variable is defined, from the widest scope to the narrowest.</summary>
public enum PipelineSecretScope
{
    Organization,
    Group,
    Project,
    Environment,

    /// <summary>Granted to named pipelines only (an Azure DevOps variable group not open to all pipelines).</summary>
    Pipeline,
}

/// <summary>A CI secret's or variable's name and scope. Values are never exported or read.</summary>
public sealed record PipelineSecret(string Repository, string Name, string? Environment, DateTimeOffset? UpdatedAt, SourceLocation Source)
{
    public PipelineSecretScope Scope { get; init; } = Environment is null ? PipelineSecretScope.Project : PipelineSecretScope.Environment;

    /// <summary>What the secret is, when not a plain secret: "masked variable", "variable group".</summary>
    public string Kind { get; init; } = "secret";

    /// <summary>What it holds, when it is a collection (a variable group's secret variable names), shown after its name.</summary>
    public string? Contents { get; init; }
}

/// <summary>
/// A secret or variable defined above the project (a GitHub organization secret, a GitLab group variable) and the
/// projects that can read it. Values are never exported or read.
/// </summary>
public sealed record PipelineSharedSecret(string Provider, string Owner, string Name, PipelineSecretScope Scope, SourceLocation Source)
{
    /// <summary>An environment scope (GitLab environment_scope other than "*"), or null for every environment.</summary>
    public string? Environment { get; init; }

    /// <summary>"all" (every project below the owner), "private" (GitHub: private and internal repositories) or "selected".</summary>
    public string Visibility { get; init; } = "all";

    /// <summary>The projects that may read it when <see cref="Visibility"/> is "selected" (full paths).</summary>
    public IReadOnlyList<string> SelectedProjects { get; init; } = [];

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Whether a project at <paramref name="projectPath"/> of this provider can read it.</summary>
    public bool VisibleTo(string provider, string projectPath) =>
        Provider.Equals(provider, StringComparison.OrdinalIgnoreCase)
        && projectPath.StartsWith(Owner + "/", StringComparison.OrdinalIgnoreCase)
        && (Visibility != "selected" || SelectedProjects.Contains(projectPath, StringComparer.OrdinalIgnoreCase));
}

/// <summary>What one pipeline project's export holds (a GitHub repository, a GitLab project, an Azure DevOps project).</summary>
public sealed class PipelineRepositoryInventory(string provider, string fullName)
{
    /// <summary>The CI/CD system (<see cref="PipelineProviders"/>).</summary>
    public string Provider { get; } = provider;

    /// <summary>The project path as the provider writes it.</summary>
    public string FullName { get; } = fullName;

    /// <summary>How findings name the project (<see cref="PipelineTarget.DisplayName"/>).</summary>
    public string DisplayName => PipelineTarget.DisplayName(Provider, FullName);

    /// <summary>The inventory key (provider:path, lower case).</summary>
    public string Key => PipelineTarget.Key(Provider, FullName);
    public List<PipelineDeployment> Deployments { get; } = [];
    public Dictionary<long, PipelineRun> Runs { get; } = [];
    public Dictionary<long, List<PipelineApproval>> Approvals { get; } = [];
    public List<PipelineEnvironment> Environments { get; } = [];
    public List<PipelineSecret> Secrets { get; } = [];
    public bool HasSecrets { get; set; }

    /// <summary>Whether the environments' protection was read (the rules judge protection only then).</summary>
    public bool EnvironmentsRead { get; set; }

    /// <summary>
    /// Why approvals cannot be known for this project's deployments (a tier without deployment approvals, a
    /// forbidden endpoint), or null: a deployment without approvals is then unknown, not unapproved.
    /// </summary>
    public string? ApprovalsUnavailable { get; set; }
}
