using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Output;

/// <summary>
/// Which findings a lifecycle sink's route takes (a ticket project, a chat channel): every listed condition must
/// hold, and an empty list matches anything. One definition, so tickets and notifications route alike.
/// </summary>
public class NoticeRoute
{
    public List<string> Environments { get; set; } = [];
    public List<string> Rules { get; set; } = [];
    public List<string> Clouds { get; set; } = [];
    public List<string> Accounts { get; set; } = [];

    /// <summary>Findings below this severity are not taken by this route.</summary>
    public string? MinimumSeverity { get; set; }

    public bool Matches(NoticeFinding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        static bool Any(List<string> wanted, string? value) => wanted.Count == 0 || (value is not null && wanted.Contains(value, StringComparer.OrdinalIgnoreCase));
        return Any(Environments, f.Environment) && Any(Rules, f.RuleId) && Any(Clouds, f.Cloud) && Any(Accounts, f.Account)
            && (MinimumSeverity is null || !EnumText.TryParseSeverity(MinimumSeverity, out var min) || f.Severity >= min);
    }

    /// <summary>Configuration errors of the filter, each naming its key under <paramref name="key"/>.</summary>
    public IEnumerable<string> ValidateFilter(string key)
    {
        if (MinimumSeverity is not null && !EnumText.TryParseSeverity(MinimumSeverity, out _))
        {
            yield return $"{key}:MinimumSeverity: '{MinimumSeverity}' is not critical, high, medium, low or info";
        }
    }
}
