using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-DEP-003: a production deployment of a commit never successfully deployed to the environment that promotes to it.</summary>
internal sealed class UnpromotedArtifactCheck : Rule
{
    public override string Id => "DS-DEP-003";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var baseline = context.Baseline;
        var all = context.Inventory.Repositories.Values
            .SelectMany(r => r.Deployments.Select(d => (d, env: baseline.EnvironmentOfPipeline(r.Provider, r.FullName, d.Environment))))
            .Where(x => x.env is not null)
            .ToList();

        // A deployment whose commit is unknown (an Azure DevOps record whose run was not exported) proves nothing either way.
        foreach (var (d, env) in all.Where(x => x.env!.IsProduction && x.d.Succeeded && x.d.Sha.Length > 0).OrderBy(x => x.d.CreatedAt))
        {
            var predecessors = baseline.Environments.Where(e => e.PromotesTo == env!.Name).Select(e => e.Name).ToList();
            if (predecessors.Count == 0)
            {
                continue;
            }

            // The commit is the artifact: staging may have run it through another CI system or project (a mirror, a
            // monorepo split across GitLab and Azure Pipelines), so the SHA alone decides.
            var promoted = all.Any(x => predecessors.Contains(x.env!.Name) && x.d.Succeeded && x.d.CreatedAt <= d.CreatedAt
                && x.d.Sha.Equals(d.Sha, StringComparison.OrdinalIgnoreCase));
            if (promoted)
            {
                continue;
            }

            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(Id, d.ProjectName, d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                RuleId = Id,
                Title = context.Title(Id),
                Severity = context.Severity(Id),
                Cloud = PipelineProviders.CloudOf(d.Provider),
                Environment = env!.Name,
                Account = d.ProjectName,
                Principal = d.TriggeredBy ?? d.Creator,
                Resource = $"{d.ProjectName}@{d.Sha}",
                FirstSeen = d.CreatedAt,
                LastSeen = d.CompletedAt,
                Message = $"Commit {d.Sha[..Math.Min(12, d.Sha.Length)]} reached {env.Name} (deployment {d.Id}) without a successful deployment to {string.Join(" or ", predecessors)} first",
                Evidence = [new EvidenceRef("deployment", d.Source.ToString(), $"{d.Environment} sha {d.Sha}")],
            };
        }
    }
}
