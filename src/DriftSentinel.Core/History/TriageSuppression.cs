using DriftSentinel.Core.Findings;

namespace DriftSentinel.Core.History;

/// <summary>
/// Applies recorded triage (`findings accept`) to a scan's findings, so an accepted finding is suppressed in every
/// output and in --fail-on exactly as a baseline exception is, showing who accepted it, why, the ticket and until when.
/// </summary>
internal static class TriageSuppression
{
    public static void Apply(IEnumerable<Finding> findings, IReadOnlyDictionary<string, TriageDecision> triage, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(triage);
        foreach (var f in findings)
        {
            // A live baseline exception already suppresses; an expired one gives way to a live acceptance.
            if (f.IsSuppressed || !triage.TryGetValue(f.Fingerprint, out var decision) || decision.Until <= asOf)
            {
                continue;
            }

            f.Suppression = new Suppression(decision.DecidedBy, decision.Reason, decision.Ticket, DateOnly.FromDateTime(decision.Until.UtcDateTime), Expired: false, BaselineLine: 0)
            {
                AcceptedBy = decision.DecidedBy,
                AcceptedAt = decision.DecidedAt,
            };
        }
    }
}
