using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>DS-LOG-001: stopping, deleting or narrowing CloudTrail, and deleting Azure diagnostic settings or log profiles.</summary>
internal sealed class AuditTrailTamperingCheck : Rule
{
    public override string Id => "DS-LOG-001";

    private static readonly HashSet<string> AwsActions = new(StringComparer.Ordinal) { "StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "DeleteEventDataStore", "StopEventDataStoreIngestion" };

    private static readonly string[] AzureActions =
    [
        "microsoft.insights/diagnosticsettings/delete",
        "microsoft.insights/logprofiles/delete",
        "microsoft.aadiam/diagnosticsettings/delete",
    ];

    private readonly EventFindingAccumulator _findings = new();

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        var tampering = e.Cloud switch
        {
            Cloud.Aws => e.Service == "cloudtrail.amazonaws.com" && AwsActions.Contains(e.Action),
            Cloud.Azure => AzureActions.Contains(e.Action.ToLowerInvariant()),
            _ => false,
        };
        if (!tampering || !e.Succeeded)
        {
            return;
        }

        Record(e, context);
    }

    // Apart from Observe so the seed's closure is allocated for a tampering event only, not for every event.
    private void Record(ActivityEvent e, RuleContext context)
    {
        var env = context.EnvironmentOf(e);
        var severity = env?.IsProduction == false ? Severity.High : context.Severity(Id);
        _findings.Add(new(e.AccountId, e.Action, e.Resource, e.Actor.EffectiveId), e, () => new FindingSeed
        {
            Identity = [e.AccountId, e.Action, e.Resource, e.Actor.EffectiveId],
            Severity = severity,
            Cloud = e.Cloud,
            Environment = env?.Name,
            Account = e.AccountId,
            Principal = e.Actor.EffectiveId,
            Resource = e.Resource,
            Message = $"{e.Actor.EffectiveId} called {e.Action} on {e.Resource ?? "the audit configuration"} in {(e.Cloud == Cloud.Aws ? "account" : "subscription")} {e.AccountId}",
        });
    }

    public override void Merge(Rule other) => _findings.Merge(((AuditTrailTamperingCheck)other)._findings);

    public override void WriteState(Engine.PartialStateWriter writer) => _findings.Write(writer);

    public override void ReadState(Engine.PartialStateReader reader) => _findings.Read(reader);

    public override IEnumerable<Finding> Complete(RuleContext context) => _findings.Build(Id, context.Title(Id));
}
