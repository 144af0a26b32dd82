using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-DEP-002: production pipeline deployments with no approval, or approved only by the person who triggered them or wrote the commit.</summary>
internal sealed class UnapprovedProductionDeployCheck : Rule
{
    public override string Id => "DS-DEP-002";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        foreach (var repo in context.Inventory.Repositories.Values.OrderBy(r => r.FullName, StringComparer.Ordinal))
        {
            foreach (var d in repo.Deployments.OrderBy(d => d.CreatedAt))
            {
                var env = context.Baseline.EnvironmentOfPipeline(repo.Provider, repo.FullName, d.Environment);
                if (env?.IsProduction != true || d.LatestState is "failure" or "error" or "inactive" && !d.Succeeded)
                {
                    continue;
                }

                var evidence = new List<EvidenceRef> { new("deployment", d.Source.ToString(), $"{d.Environment} sha {d.Sha[..Math.Min(7, d.Sha.Length)]} by {d.Creator}") };
                string? problem;
                var run = d.RunId is { } runId && repo.Runs.TryGetValue(runId, out var r) ? r : null;
                if (run is null)
                {
                    problem = d.RunId is null
                        ? d.Provider == PipelineProviders.GitLab
                            ? "has no deployable job: it was recorded through the API outside any pipeline, so no approval rule applied"
                            : "was not made by a workflow run, so no environment approval gate applied"
                        : $"links to run {d.RunId}, which is not in the export, so its approval cannot be shown";
                }
                else
                {
                    evidence.Add(new EvidenceRef("workflow-run", run.Source.ToString(), $"triggered by {run.TriggeringActor ?? run.Actor}, head commit by {run.HeadCommitAuthorEmail ?? run.HeadCommitAuthorName}"));
                    var approvals = (repo.Approvals.GetValueOrDefault(run.Id) ?? [])
                        .Where(a => a.State == "approved" && a.Environments.Contains(d.Environment, StringComparer.OrdinalIgnoreCase))
                        .ToList();
                    evidence.AddRange(approvals.Select(a => new EvidenceRef("approval", a.Source.ToString(), $"approved by {a.User}")));
                    if (approvals.Count == 0 && repo.ApprovalsUnavailable is not null)
                    {
                        continue; // unknown, not unapproved: the coverage entry says why approvals were not read
                    }

                    if (approvals.Count == 0)
                    {
                        problem = "has no approval for the environment";
                    }
                    else
                    {
                        var people = context.Identities;
                        var triggerer = people.PersonOfPipelineUser(repo.Provider, run.TriggeringActor ?? run.Actor ?? d.Creator);
                        var author = run.HeadCommitAuthorEmail is { } email ? people.PersonOfPipelineUser(repo.Provider, email) : null;
                        var approvers = approvals.Select(a => people.PersonOfPipelineUser(repo.Provider, a.User)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                        var independent = approvers.Where(a => a is not null && !a.Equals(triggerer, StringComparison.OrdinalIgnoreCase) && !a.Equals(author, StringComparison.OrdinalIgnoreCase)).ToList();
                        problem = independent.Count == 0
                            ? $"was approved only by {string.Join(", ", approvals.Select(a => a.User))}, who {(approvers.Contains(triggerer, StringComparer.OrdinalIgnoreCase) ? "triggered the run" : "authored the commit")}"
                            : null;
                    }
                }

                if (problem is null)
                {
                    continue;
                }

                yield return new Finding
                {
                    Fingerprint = Finding.MakeFingerprint(Id, repo.DisplayName, d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    RuleId = Id,
                    Title = context.Title(Id),
                    Severity = context.Severity(Id),
                    Cloud = PipelineProviders.CloudOf(repo.Provider),
                    Environment = env.Name,
                    Account = repo.DisplayName,
                    Principal = run?.TriggeringActor ?? run?.Actor ?? d.Creator,
                    Resource = $"{repo.DisplayName}:{d.Environment}@{d.Sha[..Math.Min(12, d.Sha.Length)]}",
                    FirstSeen = d.CreatedAt,
                    LastSeen = d.CompletedAt,
                    Message = $"Production deployment {d.Id} of {repo.DisplayName} to {d.Environment} {problem}",
                    Evidence = evidence,
                };
            }
        }
    }
}
