using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules;

/// <summary>
/// Decides whether an identity is a person, a workload or root, combining what the source says with what the
/// baseline declares (deployers and workloads are machines; people, break-glass and human_access are persons).
/// </summary>
public sealed class IdentityClassifier(OrganizationBaseline baseline, ScanInventory? inventory = null)
{
    // IAM users the credential report shows without a console password: keys only, so a program, not a person.
    private readonly HashSet<string> _keyOnlyUsers = inventory is null
        ? []
        : inventory.AwsAccounts.Values.SelectMany(a => a.CredentialReport).Where(r => !r.IsRoot && !r.PasswordEnabled).Select(r => r.Arn).ToHashSet(StringComparer.Ordinal);

    /// <summary>The identity an event's actor is matched against in the baseline: the role behind an AWS session, else the actor.</summary>
    public static string PrincipalOf(ActivityEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Cloud == Cloud.Aws ? e.Actor.EffectiveId : e.Actor.Id;
    }

    /// <summary>Is the event's actor a declared break-glass identity (AWS role, Azure principal by id or name)?</summary>
    public bool IsBreakGlass(ActivityEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Cloud == Cloud.Aws ? baseline.BreakGlass.IsAws(e.Actor.EffectiveId) : baseline.BreakGlass.IsAzure(e.Actor.Id, e.Actor.DisplayName);
    }

    /// <summary>Is a principal (AWS ARN; Azure object id or name) a declared break-glass identity?</summary>
    public bool IsBreakGlass(Cloud cloud, string? principalId, string? principalName = null) =>
        cloud == Cloud.Aws ? baseline.BreakGlass.IsAws(principalId) : baseline.BreakGlass.IsAzure(principalId, principalName);

    /// <summary>Is a principal (AWS ARN; Azure object id or name) one of a declared deployer's identities?</summary>
    public bool IsDeployer(Cloud cloud, string? principalId, string? principalName = null) =>
        cloud == Cloud.Aws ? baseline.AwsDeployer(principalId) is not null : baseline.AzureDeployer(principalId) is not null || baseline.AzureDeployer(principalName) is not null;

    /// <summary>Does the event assume a declared break-glass role (the session's start, judged by DS-ACC-002)?</summary>
    public bool AssumesBreakGlass(ActivityEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Cloud == Cloud.Aws && e.Action.StartsWith("AssumeRole", StringComparison.Ordinal) && baseline.BreakGlass.IsAws(e.TargetRoleArn);
    }

    /// <summary>Is the event's actor declared under human_access (sanctioned human access to production)?</summary>
    public bool IsDeclaredHumanAccess(ActivityEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Cloud == Cloud.Aws ? baseline.HumanAccess.MatchesAws(e.Actor.EffectiveId) : baseline.HumanAccess.MatchesAzure(e.Actor.Id, e.Actor.DisplayName);
    }

    /// <summary>The deployer the event's actor belongs to, whatever the cloud; null for anyone else.</summary>
    public DeployerDeclaration? DeployerOf(ActivityEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Cloud == Cloud.Aws ? baseline.AwsDeployer(e.Actor.EffectiveId) : baseline.AzureDeployer(e.Actor.Id) ?? baseline.AzureDeployer(e.Actor.DisplayName);
    }

    /// <summary>
    /// A pipeline login or commit e-mail resolved to the person the baseline declares (their ci_users, Azure UPN or
    /// id), else itself; null stays null. Self-approval checks compare people, not accounts.
    /// </summary>
    public string? PersonOfPipelineUser(string provider, string? identity)
    {
        if (identity is null)
        {
            return null;
        }

        return baseline.People.FirstOrDefault(p => p.CiUsers.Any(u => u.Provider == provider && u.Login.Equals(identity, StringComparison.OrdinalIgnoreCase)))?.Id
            ?? baseline.PersonOf(Cloud.Azure, identity)?.Id
            ?? identity;
    }

    public PrincipalKind KindOf(Actor actor, Cloud cloud)
    {
        if (actor.Kind == PrincipalKind.Root || actor.Type == "Root")
        {
            return PrincipalKind.Root;
        }

        var id = actor.EffectiveId;
        if (cloud == Cloud.Aws)
        {
            if (baseline.AwsDeployer(id) is not null || baseline.Workloads.MatchesAws(id) || baseline.Workloads.MatchesAws(actor.Id))
            {
                return PrincipalKind.Workload;
            }

            if (baseline.PersonOf(Cloud.Aws, actor.Id) is not null || baseline.BreakGlass.IsAws(id) || baseline.HumanAccess.MatchesAws(id))
            {
                return PrincipalKind.Human;
            }

            if (actor.Type == "IAMUser" && _keyOnlyUsers.Contains(actor.Id))
            {
                return PrincipalKind.Workload;
            }

            return actor.Type switch
            {
                "IAMUser" or "SAMLUser" or "IdentityCenterUser" or "FederatedUser" => PrincipalKind.Human,
                "AWSService" or "AWSAccount" or "WebIdentityUser" => PrincipalKind.Workload,
                _ => actor.Kind,
            };
        }

        if (baseline.AzureDeployer(actor.Id) is not null || baseline.Workloads.MatchesAzure(actor.Id, actor.DisplayName))
        {
            return PrincipalKind.Workload;
        }

        if (baseline.PersonOf(cloud, actor.Id) is not null || baseline.BreakGlass.IsAzure(actor.Id, actor.DisplayName))
        {
            return PrincipalKind.Human;
        }

        return actor.Kind;
    }

    public PrincipalKind KindOfAwsArn(string arn)
    {
        var type = arn.Contains(":root", StringComparison.Ordinal) ? "Root"
            : arn.Contains(":user/", StringComparison.Ordinal) ? "IAMUser"
            : arn.Contains(":role/", StringComparison.Ordinal) ? "AssumedRole"
            : "Unknown";
        var kind = type == "AssumedRole" && arn.Contains("AWSReservedSSO_", StringComparison.Ordinal) ? PrincipalKind.Human : PrincipalKind.Unknown;
        return KindOf(new Actor { Type = type, Id = arn, IssuerArn = type == "AssumedRole" ? arn : null, Kind = kind }, Cloud.Aws);
    }

    /// <summary>Azure principal types as ARM reports them.</summary>
    public PrincipalKind KindOfAzure(string principalId, string? principalName, string principalType)
    {
        var kind = KindOf(new Actor { Type = principalType, Id = principalId, DisplayName = principalName, Kind = PrincipalKind.Unknown }, Cloud.Azure);
        if (kind != PrincipalKind.Unknown)
        {
            return kind;
        }

        // The baseline may name the principal by UPN or display name rather than object id.
        if (principalName is not null)
        {
            kind = KindOf(new Actor { Type = principalType, Id = principalName, DisplayName = principalName, Kind = PrincipalKind.Unknown }, Cloud.Azure);
            if (kind != PrincipalKind.Unknown)
            {
                return kind;
            }
        }

        return principalType switch
        {
            "User" => PrincipalKind.Human,
            "ServicePrincipal" or "ManagedIdentity" or "MSI" => PrincipalKind.Workload,
            _ => PrincipalKind.Unknown,
        };
    }
}
