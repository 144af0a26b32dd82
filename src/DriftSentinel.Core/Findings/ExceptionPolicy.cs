using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Core.Findings;

/// <summary>
/// What the baseline's exceptions must satisfy at scan time, when the rule catalogue and the as-of are known: each
/// names a rule that exists, and none expires further past the as-of than thresholds.max_exception_days, so an
/// exception cannot become a permanent pass.
/// </summary>
internal static class ExceptionPolicy
{
    /// <summary>Throws <see cref="BaselineException"/> listing every exception that breaks the policy, by line and key.</summary>
    public static void Validate(OrganizationBaseline baseline, RuleCatalogue catalogue, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(catalogue);
        var file = Path.GetFileName(baseline.SourceFile);
        var latest = DateOnly.FromDateTime(asOf.UtcDateTime).AddDays(baseline.Thresholds.MaxExceptionDays);
        var errors = new List<string>();
        foreach (var x in baseline.Exceptions)
        {
            var key = $"exceptions[{x.Index}]";
            if (!catalogue.Rules.Keys.Any(id => id.Equals(x.Rule, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"{file}:{x.Line}: '{key}.rule': no rule {x.Rule} in the catalogue; an exception for a rule that does not exist suppresses nothing and hides a typo");
            }

            if (x.Expires > latest)
            {
                errors.Add($"{file}:{x.Line}: '{key}.expires': {x.Expires:yyyy-MM-dd} is more than thresholds.max_exception_days ({baseline.Thresholds.MaxExceptionDays}) after the scan's as-of ({asOf:yyyy-MM-dd}); set an expiry no later than {latest:yyyy-MM-dd} and renew it when it is reviewed");
            }
        }

        if (errors.Count > 0)
        {
            throw new BaselineException(file, errors);
        }
    }
}
