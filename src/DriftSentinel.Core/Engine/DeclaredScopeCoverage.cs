using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Engine;

/// <summary>
/// Makes every scope the baseline declares show up in coverage: a declared AWS account, Azure subscription, Entra
/// tenant or GitHub repository/environment that the snapshot does not hold is a <c>missing</c> entry naming it, so a deleted folder
/// can never make a production account look clean.
/// </summary>
public static class DeclaredScopeCoverage
{
    /// <summary>Adds a missing entry for each declared scope that no reader saw (no inventory and no coverage entry).</summary>
    public static void Check(OrganizationBaseline baseline, ScanInput input)
    {
        var entries = input.Coverage.Entries;
        bool Mentioned(string scope, StringComparison comparison) =>
            entries.Any(e => e.Scope.Equals(scope, comparison) || e.Scope.StartsWith(scope + " ", comparison) || e.Scope.StartsWith(scope + ":", comparison));

        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var env in baseline.Environments)
        {
            var declared = $"declared in environment '{env.Name}' ({(env.IsProduction ? "production" : "non-production")})";
            foreach (var account in env.AwsAccounts.Distinct(StringComparer.Ordinal))
            {
                if (!input.Inventory.AwsAccounts.ContainsKey(account) && !Mentioned(account, StringComparison.Ordinal))
                {
                    input.Coverage.Missing("aws", account,
                        $"AWS account {account} is {declared} but aws/{account}/ is not in the snapshot: its IAM authorization details, credential report and CloudTrail were not read");
                }
            }

            foreach (var subscription in env.AzureSubscriptions.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!input.Inventory.AzureSubscriptions.ContainsKey(subscription) && !Mentioned(subscription, StringComparison.OrdinalIgnoreCase))
                {
                    input.Coverage.Missing("azure", subscription.ToLowerInvariant(),
                        $"Azure subscription {subscription} is {declared} but azure/{subscription.ToLowerInvariant()}/ is not in the snapshot: its role assignments, PIM schedules and Activity Log were not read");
                }
            }

            foreach (var tenant in env.EntraTenants.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                // Sign-ins are streamed later: a registered stream for the tenant's folder is what "present" means here.
                var streamed = input.Streams.Any(st => st.Name.Contains($"entra/{tenant}/", StringComparison.OrdinalIgnoreCase));
                if (!streamed && !Mentioned(tenant, StringComparison.OrdinalIgnoreCase) && reported.Add(tenant))
                {
                    input.Coverage.Missing("entra", tenant.ToLowerInvariant(),
                        $"Entra tenant {tenant} is {declared} but entra/{tenant.ToLowerInvariant()}/ is not in the snapshot: its sign-ins were not read");
                }
            }

            foreach (var declaredEnvironment in env.GitHubEnvironments.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                CheckPipelineEnvironment(declaredEnvironment, declared, input, (scope, comparison) => Mentioned(scope, comparison) || !reported.Add(scope));
            }
        }
    }

    private static void CheckPipelineEnvironment(string declaredEnvironment, string declared, ScanInput input, Func<string, StringComparison, bool> mentioned)
    {
        var colon = declaredEnvironment.LastIndexOf(':');
        var repository = colon < 0 ? declaredEnvironment : declaredEnvironment[..colon];
        var environment = colon < 0 ? null : declaredEnvironment[(colon + 1)..];
        if (!input.Inventory.Repositories.TryGetValue(repository, out var repo))
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
