using DriftSentinel.Core.Baseline;

namespace DriftSentinel.Core.Findings;

/// <summary>Applies the baseline's exceptions: a live match suppresses, an expired match is recorded and does not.</summary>
internal static class ExceptionMatcher
{
    public static void Apply(IEnumerable<Finding> findings, IReadOnlyList<FindingException> exceptions, DateTimeOffset asOf)
    {
        foreach (var finding in findings)
        {
            var matches = exceptions.Where(x => Matches(x, finding)).ToList();
            if (matches.Count == 0)
            {
                continue;
            }

            // A live exception wins over an expired one for the same finding.
            var chosen = matches.FirstOrDefault(x => x.IsLive(asOf)) ?? matches.MaxBy(x => x.Expires)!;
            finding.Suppression = new Suppression(chosen.Owner, chosen.Reason, chosen.Ticket, chosen.Expires, !chosen.IsLive(asOf), chosen.Line);
        }
    }

    public static bool Matches(FindingException x, Finding f) =>
        string.Equals(x.Rule, f.RuleId, StringComparison.OrdinalIgnoreCase)
        && (x.Principal is null || (f.Principal is not null && x.Principal.IsMatch(f.Principal)))
        && (x.Resource is null || (f.Resource is not null && x.Resource.IsMatch(f.Resource)))
        && (x.Account is null || string.Equals(x.Account, f.Account, StringComparison.OrdinalIgnoreCase));
}
