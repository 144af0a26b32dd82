using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>
/// DS-DEP-004: a production deploy target whose environment lets a deployment through without an independent
/// approval or from any branch — judged only where the environment's protection was read.
/// </summary>
internal sealed class ProductionEnvironmentProtectionCheck : Rule
{
    public override string Id => "DS-DEP-004";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var targets = context.Baseline.Environments.Where(e => e.IsProduction)
            .SelectMany(e => e.DeployTargets.Where(t => t.Environment is not null).Select(t => (Declared: e, Target: t)))
            .DistinctBy(x => x.Target.ToString(), StringComparer.OrdinalIgnoreCase)
            .OrderBy(x => x.Target.ToString(), StringComparer.Ordinal);
        foreach (var (declared, target) in targets)
        {
            // Not read: the coverage entry of the project or its environments says so; nothing is concluded here.
            if (context.Inventory.Project(target.Provider, target.Project) is not { EnvironmentsRead: true } project)
            {
                continue;
            }

            var environment = project.Environments.FirstOrDefault(e => e.Name.Equals(target.Environment, StringComparison.OrdinalIgnoreCase));
            if (environment is { ProtectionRead: false } || (environment is null && target.Provider != PipelineProviders.GitLab))
            {
                continue;
            }

            var problems = Problems(target.Provider, environment);
            if (problems.Count == 0)
            {
                continue;
            }

            var source = environment?.Source?.ToString() ?? $"{target.Provider} protected environments of {project.FullName}";
            yield return new Finding
            {
                Fingerprint = Finding.MakeFingerprint(Id, project.DisplayName, target.Environment!),
                RuleId = Id,
                Title = context.Title(Id),
                Severity = context.Severity(Id),
                Cloud = PipelineProviders.CloudOf(target.Provider),
                Environment = declared.Name,
                Account = project.DisplayName,
                Principal = project.DisplayName,
                Resource = $"{project.DisplayName}:{target.Environment}",
                Message = $"Production environment {target.Environment} of {project.DisplayName}: {string.Join("; ", problems)}",
                Evidence = [new EvidenceRef("environment-protection", source, environment is null
                    ? "not in the protected environments list"
                    : $"reviewers: {(environment.Reviewers.Count == 0 ? "none" : string.Join(", ", environment.Reviewers))}; required approvals: {environment.RequiredApprovals?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"}")],
            };
        }
    }

    /// <summary>What the provider's protection lacks; each provider has its own vocabulary for the same gate.</summary>
    private static List<string> Problems(string provider, PipelineEnvironment? env)
    {
        var problems = new List<string>();
        switch (provider)
        {
            case PipelineProviders.GitLab when env is null:
                problems.Add("not a protected environment, so anyone with the Developer role may deploy to it without approval");
                break;
            case PipelineProviders.GitLab:
                if (env.RequiredApprovals is null or 0)
                {
                    problems.Add("protected but requires no deployment approvals");
                }

                break;
            case PipelineProviders.AzureDevOps:
                if (!env!.RequiresReviewers)
                {
                    problems.Add("no Approval check");
                }
                else if (!env.PreventSelfReview)
                {
                    problems.Add("the Approval check lets the person who queued the run approve it (requesterCannotBeApprover is off)");
                }

                if (env.BranchPolicy is null)
                {
                    problems.Add("no Branch control check, so a run from any branch may deploy");
                }

                break;
            default:
                if (!env!.RequiresReviewers)
                {
                    problems.Add("no required reviewers");
                }
                else if (!env.PreventSelfReview)
                {
                    problems.Add("the person who triggered a deployment may approve it (prevent_self_review is off)");
                }

                if (env.AdminBypass == true)
                {
                    problems.Add("administrators may bypass the protection rules (can_admins_bypass)");
                }

                if (env.BranchPolicy is null)
                {
                    problems.Add("no deployment branch policy, so any branch may deploy");
                }

                break;
        }

        return problems;
    }
}
