namespace DriftSentinel.Core.Rules;

/// <summary>
/// Which rules a run evaluates: `--only-rules` / `--exclude-rules` (profile keys OnlyRules / ExcludeRules). Ids are
/// exact or end in '*' (DS-DEP-*), case-insensitive; an id that names no catalogued rule is an error, so a typo never
/// silently evaluates everything. A rule left out is reported as not evaluated, its earlier findings are carried over
/// rather than resolved, and the evidence pack never counts a control it tests as clean.
/// </summary>
public static class RuleSelection
{
    /// <summary>The rules to evaluate, in <paramref name="all"/>'s order.</summary>
    /// <exception cref="ArgumentException">A pattern matches no rule, or nothing is left to evaluate.</exception>
    public static IReadOnlyList<Rule> Select(IReadOnlyList<Rule> all, IReadOnlyCollection<string> only, IReadOnlyCollection<string> exclude)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(only);
        ArgumentNullException.ThrowIfNull(exclude);
        var onlyPatterns = Patterns(only);
        var excludePatterns = Patterns(exclude);
        foreach (var (pattern, option) in onlyPatterns.Select(p => (p, "--only-rules")).Concat(excludePatterns.Select(p => (p, "--exclude-rules"))))
        {
            if (!all.Any(r => Matches(pattern, r.Id)))
            {
                throw new ArgumentException($"{option} '{pattern}' matches no rule; rules are {string.Join(", ", all.Select(r => r.Id).Order(StringComparer.Ordinal))}");
            }
        }

        var selected = all.Where(r => (onlyPatterns.Count == 0 || onlyPatterns.Any(p => Matches(p, r.Id))) && !excludePatterns.Any(p => Matches(p, r.Id))).ToList();
        return selected.Count > 0 ? selected : throw new ArgumentException("--only-rules and --exclude-rules leave no rule to evaluate");
    }

    /// <summary>Catalogued rules this run did not evaluate (a run records the versions of those it did).</summary>
    public static IReadOnlyList<string> NotEvaluated(RuleCatalogue catalogue, IReadOnlyDictionary<string, int> evaluated)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(evaluated);
        return catalogue.Rules.Keys.Where(id => !evaluated.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Comma-separated lists from repeated options, trimmed, empty entries dropped.</summary>
    public static IReadOnlyList<string> Patterns(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static bool Matches(string pattern, string id) => pattern.EndsWith('*')
        ? id.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
        : id.Equals(pattern, StringComparison.OrdinalIgnoreCase);
}
