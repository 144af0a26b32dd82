using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-DEP-003: a production deployment of a commit never successfully deployed to the environment that promotes to it.</summary>
public sealed class UnpromotedArtifactCheck : Rule
{
    public override string Id => "DS-DEP-003";

    private static string? TriggeredBy(RuleContext context, PipelineDeployment d) =>
        d.RunId is { } id && context.Inventory.Repositories.TryGetValue(d.Repository, out var repo) && repo.Runs.TryGetValue(id, out var run)
            ? run.TriggeringActor ?? run.Actor ?? d.Creator
            : d.Creator;

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var baseline = context.Baseline;
        var all = context.Inventory.Repositories.Values
            .SelectMany(r => r.Deployments.Select(d => (d, env: baseline.EnvironmentOfGitHub(r.FullName, d.Environment))))
            .Where(x => x.env is not null)
            .ToList();

        foreach (var (d, env) in all.Where(x => x.env!.IsProduction && x.d.Succeeded).OrderBy(x => x.d.CreatedAt))
        {
            var predecessors = baseline.Environments.Where(e => e.PromotesTo == env!.Name).Select(e => e.Name).ToList();
            if (predecessors.Count == 0)
            {
                continue;
            }

            var promoted = all.Any(x => predecessors.Contains(x.env!.Name) && x.d.Succeeded && x.d.CreatedAt <= d.CreatedAt
                && x.d.Sha.Equals(d.Sha, StringComparison.OrdinalIgnoreCase) && x.d.Repository.Equals(d.Repository, StringComparison.OrdinalIgnoreCase));
            if (promoted)
            {
                continue;
            }

            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(Id, d.Repository, d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                RuleId = Id,
                Title = context.Title(Id),
                Severity = context.Severity(Id),
                Cloud = Cloud.GitHub,
                Environment = env!.Name,
                Account = d.Repository,
                Principal = TriggeredBy(context, d),
                Resource = $"{d.Repository}@{d.Sha}",
                FirstSeen = d.CreatedAt,
                LastSeen = d.CompletedAt,
                Message = $"Commit {d.Sha[..Math.Min(12, d.Sha.Length)]} reached {env.Name} (deployment {d.Id}) without a successful deployment to {string.Join(" or ", predecessors)} first",
                Evidence = [new EvidenceRef("deployment", d.Source.ToString(), $"{d.Environment} sha {d.Sha}")],
            };
        }
    }
}
