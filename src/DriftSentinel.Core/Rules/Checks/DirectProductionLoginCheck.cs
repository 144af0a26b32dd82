using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>
/// DS-ACC-001: interactive human sessions and human-made writes in production, outside break-glass and allowed human
/// access. Root activity is DS-ACC-004's and assuming a break-glass role DS-ACC-002's, so neither is counted here; a
/// person acting through a shared federated role (Identity Center permission set, SAML role, console session) is a
/// finding of their own, keyed by the session, so the first person never hides the rest.
/// </summary>
internal sealed class DirectProductionLoginCheck : Rule
{
    public override string Id => "DS-ACC-001";

    private readonly EventFindingAccumulator _findings = new();

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (!e.Succeeded || e.Cloud == Cloud.Entra)
        {
            return;
        }

        var env = context.EnvironmentOf(e);
        if (env?.IsProduction != true)
        {
            return;
        }

        var principal = e.Actor.EffectiveId;
        var baseline = context.Baseline;
        if (e.Actor.Type == "Root" || e.Actor.Kind == PrincipalKind.Root)
        {
            return;
        }

        if (context.Identities.AssumesBreakGlass(e) || context.Identities.IsBreakGlass(e) || context.Identities.IsDeclaredHumanAccess(e))
        {
            return;
        }

        string what;
        if (e.Cloud == Cloud.Aws && e.Action == "ConsoleLogin")
        {
            what = "console-login";
        }
        else if (e.ReadOnly != true && e.Actor.Type != "AWSService" && context.Identities.KindOf(e.Actor, e.Cloud) is PrincipalKind.Human or PrincipalKind.Root)
        {
            what = "write";
        }
        else
        {
            return;
        }

        // A person in a shared role: one finding per session name (the person), shown as the session ARN.
        var perPerson = e.Cloud == Cloud.Aws && e.Actor.Type == "AssumedRole" && e.Actor.SessionName is not null
            && context.Identities.KindOf(e.Actor, e.Cloud) == PrincipalKind.Human;
        if (perPerson)
        {
            principal = e.Actor.Id;
        }

        Record(e, context, env, principal, what, perPerson);
    }

    // Apart from Observe so the seed's closure is allocated for a matching event only, not for every event.
    private void Record(ActivityEvent e, RuleContext context, Baseline.EnvironmentDeclaration env, string principal, string what, bool perPerson)
    {
        _findings.Add(new(e.AccountId, principal, what), e, () =>
        {
            var shown = e.Actor.Type == "AssumedRole" && !perPerson ? $"{principal} (session {e.Actor.SessionName})"
                : perPerson ? $"{principal} (role {e.Actor.EffectiveId})" : principal;
            return new FindingSeed
            {
                Identity = [e.AccountId, principal, what],
                Severity = context.Severity(Id),
                Cloud = e.Cloud,
                Environment = env.Name,
                Account = e.AccountId,
                Principal = principal,
                Resource = what == "console-login" ? "console" : e.Resource,
                Message = what == "console-login"
                ? $"{shown} signed in to the console of production account {e.AccountId}"
                : $"{shown} made changes directly in production {(e.Cloud == Cloud.Aws ? "account" : "subscription")} {e.AccountId} (first: {e.Action})",
            };
        });
    }

    public override void Merge(Rule other) => _findings.Merge(((DirectProductionLoginCheck)other)._findings);

    public override void WriteState(Engine.PartialStateWriter writer) => _findings.Write(writer);

    public override void ReadState(Engine.PartialStateReader reader) => _findings.Read(reader);

    public override IEnumerable<Finding> Complete(RuleContext context) => _findings.Build(Id, context.Title(Id));
}
