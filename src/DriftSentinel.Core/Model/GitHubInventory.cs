namespace DriftSentinel.Core.Model;

/// <summary>A GitHub deployment with its statuses and, when a workflow made it, the run it links to.</summary>
public sealed record PipelineDeployment
{
    public required long Id { get; init; }
    public required string Repository { get; init; }
    public required string Environment { get; init; }
    public required string Sha { get; init; }
    public string? Ref { get; init; }
    public string? Creator { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<PipelineDeploymentStatus> Statuses { get; init; } = [];
    public long? RunId { get; init; }
    public required SourceLocation Source { get; init; }

    /// <summary>The latest status state (success, failure, in_progress...), or null when no status was exported.</summary>
    public string? LatestState => Statuses.Count == 0 ? null : Statuses.MaxBy(s => s.CreatedAt)!.State;

    public bool Succeeded => Statuses.Any(s => s.State == "success");

    /// <summary>When the deployment finished, or was created if no status says so.</summary>
    public DateTimeOffset CompletedAt => Statuses.Where(s => s.State is "success" or "failure" or "error").Select(s => s.CreatedAt).DefaultIfEmpty(CreatedAt).Max();
}

/// <summary>One deployment status.</summary>
public sealed record PipelineDeploymentStatus(long Id, string State, string? Creator, DateTimeOffset CreatedAt, string? LogUrl, string? TargetUrl);

/// <summary>A GitHub Actions workflow run.</summary>
public sealed record PipelineRun
{
    public required long Id { get; init; }
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

/// <summary>A review of a run's pending environment deployments.</summary>
public sealed record PipelineApproval(long RunId, IReadOnlyList<string> Environments, string State, string? User, string? Comment, SourceLocation Source);

/// <summary>A GitHub environment and its required reviewers.</summary>
public sealed record PipelineEnvironment(string Repository, string Name, IReadOnlyList<string> Reviewers, bool RequiresReviewers, bool PreventSelfReview);

/// <summary>A CI secret's name and scope. Values are never exported or read.</summary>
public sealed record PipelineSecret(string Repository, string Name, string? Environment, DateTimeOffset? UpdatedAt, SourceLocation Source);

/// <summary>What one repository's export holds.</summary>
public sealed class PipelineRepositoryInventory(string fullName)
{
    public string FullName { get; } = fullName;
    public List<PipelineDeployment> Deployments { get; } = [];
    public Dictionary<long, PipelineRun> Runs { get; } = [];
    public Dictionary<long, List<PipelineApproval>> Approvals { get; } = [];
    public List<PipelineEnvironment> Environments { get; } = [];
    public List<PipelineSecret> Secrets { get; } = [];
    public bool HasSecrets { get; set; }
}
