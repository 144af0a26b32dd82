using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Rules.Checks;

/// <summary>
/// DS-LOG-002: the delivered audit trail is not what CloudTrail wrote — a log file altered, deleted, appended to or
/// planted, a digest re-signed, moved or missing, the chain broken or restarted — as the trail's digest files prove
/// (<see cref="CoverageLog.Integrity"/>), and trails created or updated with log file validation turned off. What
/// cannot be proven (no digests, no signature, no public keys) is coverage, never a pass.
/// </summary>
internal sealed class AuditTrailIntegrityCheck : Rule
{
    public override string Id => "DS-LOG-002";

    private readonly EventFindingAccumulator _findings = new();

    public override void Observe(ActivityEvent e, RuleContext context)
    {
        if (e.Cloud == Cloud.Aws && e.Succeeded && e.Action is "UpdateTrail" or "CreateTrail" && e.Service == "cloudtrail.amazonaws.com"
            && e.Parameters.TryGetValue("enableLogFileValidation", out var enabled) && enabled == "false")
        {
            Record(e, context);
        }
    }

    // Apart from Observe so the seed's closure is allocated for such an event only.
    private void Record(ActivityEvent e, RuleContext context)
    {
        var env = context.EnvironmentOf(e);
        var trail = e.Parameters.TryGetValue("name", out var name) ? name : e.Resource;
        _findings.Add(new(e.AccountId, trail, "validation-disabled"), e, () => new FindingSeed
        {
            Identity = [e.AccountId, trail, "validation-disabled"],
            Severity = env?.IsProduction == false ? Severity.High : context.Severity(Id),
            Cloud = Cloud.Aws,
            Environment = env?.Name,
            Account = e.AccountId,
            Principal = e.Actor.EffectiveId,
            Resource = trail,
            Message = $"{e.Actor.EffectiveId} called {e.Action} on trail {trail ?? "(unnamed)"} with log file validation disabled: its log files can no longer be proven unaltered",
        });
    }

    public override void Merge(Rule other) => _findings.Merge(((AuditTrailIntegrityCheck)other)._findings);

    public override void WriteState(Engine.PartialStateWriter writer) => _findings.Write(writer);

    public override void ReadState(Engine.PartialStateReader reader) => _findings.Read(reader);

    public override IEnumerable<Finding> Complete(RuleContext context)
    {
        var title = context.Title(Id);
        foreach (var f in _findings.Build(Id, title))
        {
            yield return f;
        }

        foreach (var trail in context.Coverage.Integrity.OrderBy(t => t.Account, StringComparer.Ordinal))
        {
            var env = context.Baseline.EnvironmentOf(Cloud.Aws, trail.Account);
            foreach (var p in trail.Problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Kind))
            {
                // Evidence destroyed or forged is as serious as the tampering DS-LOG-001 reports; what only weakens the proof is high.
                var severity = env?.IsProduction == false || p.Kind is IntegrityProblemKind.LogFileUnlisted or IntegrityProblemKind.DigestKeyUnknown or IntegrityProblemKind.DigestMoved
                    ? Severity.High
                    : context.Severity(Id);
                var kind = p.File.Contains("CloudTrail-Digest", StringComparison.Ordinal) ? "cloudtrail-digest" : "cloudtrail-log-file";
                yield return new Finding
                {
                    Fingerprint = Finding.MakeFingerprint(Id, ["integrity", trail.Account, p.Kind.ToString(), p.File]),
                    RuleId = Id,
                    Title = title,
                    Severity = severity,
                    Cloud = Cloud.Aws,
                    Environment = env?.Name,
                    Account = trail.Account,
                    Resource = p.File,
                    FirstSeen = p.Time,
                    LastSeen = p.Time,
                    Message = $"{Describe(p.Kind)} in account {trail.Account}: {p.File}",
                    Evidence = [new EvidenceRef(kind, p.File, p.Detail)],
                    Details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["problem"] = p.Kind.ToString() },
                };
            }
        }
    }

    private static string Describe(IntegrityProblemKind kind) => kind switch
    {
        IntegrityProblemKind.LogFileMissing => "CloudTrail log file deleted after delivery",
        IntegrityProblemKind.LogFileAltered => "CloudTrail log file altered after delivery",
        IntegrityProblemKind.LogFileTrailingData => "Data appended to a CloudTrail log file",
        IntegrityProblemKind.LogFileUnlisted => "CloudTrail log file that no digest lists",
        IntegrityProblemKind.DigestSignatureInvalid => "CloudTrail digest whose signature does not verify",
        IntegrityProblemKind.DigestKeyUnknown => "CloudTrail digest signed with an unknown key",
        IntegrityProblemKind.DigestMoved => "CloudTrail digest moved from where it was delivered",
        IntegrityProblemKind.ChainBroken => "CloudTrail digest chain broken",
        IntegrityProblemKind.ChainRestarted => "CloudTrail digest chain restarted (validation was off)",
        IntegrityProblemKind.DigestMissing => "CloudTrail digests missing for a period",
        _ => "CloudTrail file that cannot be read",
    };
}
