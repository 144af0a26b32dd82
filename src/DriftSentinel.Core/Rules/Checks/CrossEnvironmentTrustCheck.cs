using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-SEP-002: a production role trusting non-production principals or anyone; a non-production Azure identity holding a production role.</summary>
internal sealed class CrossEnvironmentTrustCheck : Rule
{
    public override string Id => "DS-SEP-002";

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        var severity = context.Severity(Id);
        foreach (var account in context.Inventory.AwsAccounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal))
        {
            var env = context.Baseline.EnvironmentOfAwsAccount(account.AccountId);
            if (env?.IsProduction != true)
            {
                continue;
            }

            foreach (var role in account.Roles)
            {
                var offending = role.TrustPolicy.Statements
                    .Where(s => s.Allows)
                    .SelectMany(s => s.Principals.Select(p => (p, s.HasConditions)))
                    .Select(x => (x.p, x.HasConditions, why: Why(context, x.p)))
                    .Where(x => x.why is not null)
                    .ToList();
                foreach (var (principal, conditioned, why) in offending)
                {
                    yield return new Finding
                    {
                        Fingerprint = Finding.MakeFingerprint(Id, account.AccountId, role.Arn, principal),
                        RuleId = Id,
                        Title = title,
                        Severity = principal == "*" && !conditioned ? Severity.Critical : severity,
                        Cloud = Cloud.Aws,
                        Environment = env.Name,
                        Account = account.AccountId,
                        Principal = principal,
                        Resource = role.Arn,
                        FirstSeen = role.CreateDate,
                        LastSeen = role.CreateDate,
                        Message = $"Production role {role.Name} trusts {principal} ({why}){(conditioned ? " under a condition" : "")}",
                        Evidence = [new EvidenceRef("iam-role-trust-policy", $"{account.AuthorizationDetailsFile} RoleDetailList {role.Name}", $"AssumeRolePolicyDocument allows {principal}")],
                    };
                }
            }
        }

        foreach (var sub in context.Inventory.AzureSubscriptions.Values.OrderBy(s => s.SubscriptionId, StringComparer.Ordinal))
        {
            var env = context.Baseline.EnvironmentOfSubscription(sub.SubscriptionId);
            if (env?.IsProduction != true)
            {
                continue;
            }

            foreach (var a in sub.Assignments)
            {
                var home = context.Baseline.Environments.FirstOrDefault(e => !e.IsProduction
                    && e.AzurePrincipals.Any(g => g.IsMatch(a.PrincipalId) || (a.PrincipalName is not null && g.IsMatch(a.PrincipalName))));
                if (home is null || context.Identities.IsDeployer(Cloud.Azure, a.PrincipalId, a.PrincipalName))
                {
                    continue;
                }

                var role = sub.ResolveRoleName(a.RoleDefinitionId, a.RoleName);
                var name = a.PrincipalName ?? context.Inventory.PrincipalNames.GetValueOrDefault(a.PrincipalId);
                yield return new Finding
                {
                    Fingerprint = Finding.MakeFingerprint(Id, sub.SubscriptionId, a.Id),
                    RuleId = Id,
                    Title = title,
                    Severity = severity,
                    Cloud = Cloud.Azure,
                    Environment = env.Name,
                    Account = sub.SubscriptionId,
                    Principal = a.PrincipalName ?? a.PrincipalId,
                    Resource = a.Scope,
                    FirstSeen = a.CreatedOn,
                    LastSeen = a.CreatedOn,
                    Message = $"{(name is null ? a.PrincipalId : $"{name} ({a.PrincipalId})")}, an identity of {home.Name}, holds {role} on production scope {a.Scope}",
                    Evidence = [new EvidenceRef("role-assignment", $"{a.Source} {a.Id}", role)],
                };
            }
        }
    }

    /// <summary>Why a trusted principal crosses into production, or null when it does not.</summary>
    private static string? Why(RuleContext context, string principal)
    {
        if (principal == "*")
        {
            return "any AWS principal";
        }

        if (principal.EndsWith(".amazonaws.com", StringComparison.Ordinal) || context.Identities.IsDeployer(Cloud.Aws, principal))
        {
            return null;
        }

        var account = principal.Length == 12 && principal.All(char.IsAsciiDigit) ? principal
            : AwsArn.AccountOf(principal);
        var env = context.Baseline.EnvironmentOfAwsAccount(account);
        return env is { IsProduction: false } ? $"a principal of non-production account {account} ({env.Name})" : null;
    }
}
