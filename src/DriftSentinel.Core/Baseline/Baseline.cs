using System.Collections.Frozen;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Baseline;

/// <summary>The organization's declared state: which scopes are production, who may deploy, who is break-glass, thresholds, exceptions.</summary>
public sealed class OrganizationBaseline
{
    public int Version { get; init; } = 1;
    public required string Organization { get; init; }
    public IReadOnlyList<EnvironmentDeclaration> Environments { get; init; } = [];
    public IReadOnlyList<DeployerDeclaration> Deployers { get; init; } = [];
    public BreakGlassDeclaration BreakGlass { get; init; } = new();
    public IdentityGlobs HumanAccess { get; init; } = new();
    public IdentityGlobs Workloads { get; init; } = new();
    public IReadOnlyList<PersonDeclaration> People { get; init; } = [];

    /// <summary>Who owns an environment or account, per tracker: the assignees of its findings' tickets.</summary>
    public IReadOnlyList<OwnerDeclaration> Owners { get; init; } = [];

    /// <summary>The owners of a finding's environment and account, as tracker:id, most specific (account) first.</summary>
    public IReadOnlyList<string> OwnersOf(string? environment, string? account) =>
        [.. Owners.Where(o => o.Account is not null && account is not null && o.Account.Equals(account, StringComparison.OrdinalIgnoreCase))
            .Concat(Owners.Where(o => o.Account is null && o.Environment is not null && environment is not null && o.Environment.Equals(environment, StringComparison.OrdinalIgnoreCase)))
            .SelectMany(o => o.Assignees).Distinct(StringComparer.OrdinalIgnoreCase)];
    public PrivilegedDeclaration Privileged { get; init; } = new();
    public Thresholds Thresholds { get; init; } = new();
    public IReadOnlyList<FindingException> Exceptions { get; init; } = [];

    /// <summary>SHA-256 of the file's bytes, recorded in each run.</summary>
    public string Hash { get; init; } = "";

    public string SourceFile { get; init; } = "";

    /// <summary>The environment an AWS account is declared in; a dictionary built once, since every event asks.</summary>
    public EnvironmentDeclaration? EnvironmentOfAwsAccount(string? accountId) =>
        accountId is null ? null : AwsAccountEnvironments.GetValueOrDefault(accountId);

    private FrozenDictionary<string, EnvironmentDeclaration> AwsAccountEnvironments => _awsAccountEnvironments ??=
        Environments.SelectMany(e => e.AwsAccounts.Select(a => (Account: a, Environment: e))).DistinctBy(x => x.Account, StringComparer.Ordinal)
            .ToFrozenDictionary(x => x.Account, x => x.Environment, StringComparer.Ordinal);

    private FrozenDictionary<string, EnvironmentDeclaration>? _awsAccountEnvironments;

    public EnvironmentDeclaration? EnvironmentOfSubscription(string? subscriptionId) =>
        subscriptionId is null ? null : Environments.FirstOrDefault(e => e.AzureSubscriptions.Any(s => s.Equals(subscriptionId, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The environment a pipeline environment (provider, project, environment name) is declared in.</summary>
    public EnvironmentDeclaration? EnvironmentOfPipeline(string provider, string project, string environment) =>
        Environments.FirstOrDefault(e => e.DeployTargets.Any(t => t.IsEnvironment(provider, project, environment)));

    /// <summary>
    /// True when a coverage scope belongs to something the baseline declares: an AWS account, an Azure subscription,
    /// a pipeline project or project:environment (scopes such as "owner/repo run 5002" included).
    /// </summary>
    public bool DeclaresScope(string scope)
    {
        foreach (var env in Environments)
        {
            if (env.AwsAccounts.Contains(scope) || env.AzureSubscriptions.Any(s => s.Equals(scope, StringComparison.OrdinalIgnoreCase))
                || env.EntraTenants.Any(t => t.Equals(scope, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            foreach (var target in env.DeployTargets)
            {
                var declared = target.Display;
                var repository = target.Project;
                if (scope.Equals(declared, StringComparison.OrdinalIgnoreCase) || scope.Equals(repository, StringComparison.OrdinalIgnoreCase)
                    || scope.StartsWith(repository + " ", StringComparison.OrdinalIgnoreCase) || scope.StartsWith(repository + ":", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public EnvironmentDeclaration? EnvironmentByName(string name) => Environments.FirstOrDefault(e => e.Name == name);

    public EnvironmentDeclaration? EnvironmentOf(Cloud cloud, string? account) => cloud switch
    {
        Cloud.Aws => EnvironmentOfAwsAccount(account),
        Cloud.Azure => EnvironmentOfSubscription(account),
        _ => null,
    };

    /// <summary>Deployers whose AWS role or principal globs match this ARN.</summary>
    public DeployerDeclaration? AwsDeployer(string? arn)
    {
        // Asked for every event: loops, not LINQ, so an answer allocates nothing.
        for (var i = 0; arn is not null && i < Deployers.Count; i++)
        {
            if (Glob.AnyMatch(Deployers[i].AwsRoles, arn))
            {
                return Deployers[i];
            }
        }

        return null;
    }

    public DeployerDeclaration? AzureDeployer(string? principal)
    {
        for (var i = 0; principal is not null && i < Deployers.Count; i++)
        {
            if (Glob.AnyMatch(Deployers[i].AzurePrincipals, principal))
            {
                return Deployers[i];
            }
        }

        return null;
    }

    /// <summary>The person an identity belongs to, matched case-insensitively in the system's list.</summary>
    public PersonDeclaration? PersonOf(Cloud cloud, string? identity)
    {
        if (string.IsNullOrEmpty(identity))
        {
            return null;
        }

        // Asked for every event's actor: loops, so an answer allocates nothing whatever the system.
        for (var i = 0; i < People.Count; i++)
        {
            var person = People[i];
            if (person.Id.Equals(identity, StringComparison.OrdinalIgnoreCase) || Holds(person, cloud, identity))
            {
                return person;
            }
        }

        return null;
    }

    /// <summary>Whether the person's identities in that system include this one.</summary>
    private static bool Holds(PersonDeclaration person, Cloud cloud, string identity)
    {
        switch (cloud)
        {
            case Cloud.Aws:
                return AnyIs(person.Aws, identity);
            case Cloud.Azure or Cloud.Entra:
                return AnyIs(person.Azure, identity);
            case Cloud.GitHub or Cloud.GitLab or Cloud.AzureDevOps:
                for (var i = 0; i < person.CiUsers.Count; i++)
                {
                    var user = person.CiUsers[i];
                    if (PipelineProviders.CloudOf(user.Provider) == cloud && user.Login.Equals(identity, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool AnyIs(IReadOnlyList<string> names, string identity)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Equals(identity, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An environment and the cloud scopes and pipeline environments that belong to it.</summary>
public sealed record EnvironmentDeclaration
{
    public required string Name { get; init; }
    public required Tier Tier { get; init; }
    public string? PromotesTo { get; init; }
    public IReadOnlyList<string> AwsAccounts { get; init; } = [];
    public IReadOnlyList<string> AzureSubscriptions { get; init; } = [];

    /// <summary>Entra tenants whose sign-ins belong to this environment's evidence; declared so a missing export is a gap.</summary>
    public IReadOnlyList<string> EntraTenants { get; init; } = [];

    /// <summary>Pipeline environments that deploy into this environment (deploy_targets, or the github_environments alias).</summary>
    public IReadOnlyList<PipelineTarget> DeployTargets { get; init; } = [];

    /// <summary>Azure identities that belong to this environment (its managed identities and service principals).</summary>
    public IReadOnlyList<Glob> AzurePrincipals { get; init; } = [];
    public bool IsProduction => Tier == Tier.Production;
}

/// <summary>An identity set allowed to change production.</summary>
public sealed record DeployerDeclaration
{
    public required string Name { get; init; }
    public IReadOnlyList<Glob> AwsRoles { get; init; } = [];
    public IReadOnlyList<Glob> AzurePrincipals { get; init; } = [];

    /// <summary>The pipeline projects whose runs this deployer's changes are matched to (pipelines, or github_repositories); empty: any.</summary>
    public IReadOnlyList<PipelineTarget> Pipelines { get; init; } = [];
}

/// <summary>Emergency identities and the conditions of their use.</summary>
public sealed record BreakGlassDeclaration
{
    public IReadOnlyList<Glob> AwsRoles { get; init; } = [];
    public IReadOnlyList<Glob> AzurePrincipals { get; init; } = [];
    public System.Text.RegularExpressions.Regex? TicketPattern { get; init; }
    public double MaxSessionHours { get; init; } = 4;

    public bool IsAws(string? arn) => arn is not null && Glob.AnyMatch(AwsRoles, arn);

    public bool IsAzure(string? id, string? name = null) => Glob.AnyMatch(AzurePrincipals, id) || Glob.AnyMatch(AzurePrincipals, name);
}

/// <summary>Lists of AWS and Azure identity globs.</summary>
public sealed record IdentityGlobs
{
    public IReadOnlyList<Glob> AwsRoles { get; init; } = [];
    public IReadOnlyList<Glob> AzurePrincipals { get; init; } = [];

    public bool MatchesAws(string? arn) => arn is not null && Glob.AnyMatch(AwsRoles, arn);

    public bool MatchesAzure(string? id, string? name = null) => Glob.AnyMatch(AzurePrincipals, id) || Glob.AnyMatch(AzurePrincipals, name);
}

/// <summary>An owner of an environment or an account: its ticket assignees as tracker:id (github:login, jira:accountId).</summary>
public sealed record OwnerDeclaration(string? Environment, string? Account, IReadOnlyList<string> Assignees);

/// <summary>One person's identities across systems; <see cref="CiUsers"/> are their pipeline logins (ci_users, or the github alias).</summary>
public sealed record PersonDeclaration(string Id, IReadOnlyList<string> Aws, IReadOnlyList<string> Azure, IReadOnlyList<PipelineIdentity> CiUsers);

/// <summary>What counts as privileged.</summary>
public sealed record PrivilegedDeclaration
{
    public IReadOnlyList<string> AwsPolicies { get; init; } = ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"];
    public IReadOnlyList<string> AwsActions { get; init; } = ["*", "*:*", "iam:*"];
    public IReadOnlyList<string> AzureRoles { get; init; } = ["Owner", "Contributor", "User Access Administrator"];
}

/// <summary>Numeric limits the rules apply.</summary>
public sealed record Thresholds
{
    public int StaleAfterDays { get; init; } = 90;
    public int AccessKeyMaxAgeDays { get; init; } = 90;
    public double MaxElevationHours { get; init; } = 8;
    public int DeployMatchWindowMinutes { get; init; } = 60;

    /// <summary>How far past the scan's as-of an exception may expire (or a triage acceptance last).</summary>
    public int MaxExceptionDays { get; init; } = 365;
}

/// <summary>An owned, justified and expiring exception. An expired one stops suppressing.</summary>
public sealed record FindingException
{
    public required string Rule { get; init; }
    public Glob? Principal { get; init; }
    public Glob? Resource { get; init; }
    public string? Account { get; init; }
    public required string Owner { get; init; }
    public required string Reason { get; init; }
    public string? Ticket { get; init; }
    public required DateOnly Expires { get; init; }
    public int Line { get; init; }

    /// <summary>Its position in the baseline's exceptions list (for errors naming exceptions[i]).</summary>
    public int Index { get; init; }

    /// <summary>An exception is live through the whole of its expiry day (UTC).</summary>
    public bool IsLive(DateTimeOffset asOf) => DateOnly.FromDateTime(asOf.UtcDateTime) <= Expires;
}
