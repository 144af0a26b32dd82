using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace DriftSentinel.Core.Baseline;

/// <summary>A shell-style pattern: <c>*</c> any run of characters, <c>?</c> one character, <c>[abc]</c> a set. Case-insensitive.</summary>
public sealed class Glob
{
    /// <summary>Answers kept per glob: a trail repeats the same few thousand ARNs millions of times.</summary>
    private const int MaxRemembered = 65_536;

    private readonly Regex _regex;
    private readonly ConcurrentDictionary<string, bool> _answers = new(StringComparer.Ordinal);
    private int _remembered;

    // Without a [set], a pattern is matched directly: no regex, nothing to remember (an answer costs less than a lookup).
    private readonly bool _wildcardsOnly;

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
        _wildcardsOnly = !pattern.Contains('[', StringComparison.Ordinal);
    }

    public string Pattern { get; }

    /// <summary>
    /// Whether the value matches. '*' and '?' patterns are matched directly; a pattern with a [set] runs its regex once
    /// per value (up to a bound), so a repeated ARN costs a lookup.
    /// </summary>
    public bool IsMatch(string value)
    {
        // The regex's '.' does not match a line break: a value holding one goes the regex's way.
        if (_wildcardsOnly && !value.Contains('\n', StringComparison.Ordinal))
        {
            return WildcardMatch(Pattern, value);
        }

        if (_answers.TryGetValue(value, out var known))
        {
            return known;
        }

        var answer = _regex.IsMatch(value);

        // A counter, not ConcurrentDictionary.Count, which takes every lock: this runs for each new value on every thread.
        if (Volatile.Read(ref _remembered) < MaxRemembered && _answers.TryAdd(value, answer))
        {
            Interlocked.Increment(ref _remembered);
        }

        return answer;
    }

    /// <summary>
    /// '*' (any run) and '?' (one character), case-insensitive as the regex is: two cursors, going back to the last
    /// star on a mismatch, so the work is at most pattern length × value length.
    /// </summary>
    private static bool WildcardMatch(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || SameLetter(pattern[p], value[v])))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool SameLetter(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);

    public override string ToString() => Pattern;

    /// <summary>Whether any of the globs matches the value (false for null); a loop, so asking allocates nothing.</summary>
    public static bool AnyMatch(IReadOnlyList<Glob> globs, string? value)
    {
        for (var i = 0; value is not null && i < globs.Count; i++)
        {
            if (globs[i].IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The pattern's regex answer, bypassing the direct matcher (tests compare the two).</summary>
    internal bool RegexMatch(string value) => _regex.IsMatch(value);

    /// <summary>Compiles a pattern, or says what is wrong with it.</summary>
    public static bool TryParse(string pattern, out Glob? glob, out string? error)
    {
        glob = null;
        error = null;
        if (string.IsNullOrWhiteSpace(pattern))
        {
            error = "a pattern cannot be empty";
            return false;
        }

        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        error = $"unclosed '[' at character {i + 1}";
                        return false;
                    }

                    var set = pattern[(i + 1)..close];
                    if (set.Length == 0)
                    {
                        error = $"empty '[]' at character {i + 1}";
                        return false;
                    }

                    sb.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                    break;
                case ']':
                    error = $"']' without '[' at character {i + 1}";
                    return false;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        sb.Append('$');
        try
        {
            // Non-backtracking: matching time is linear in the input, whatever names the scanned systems hold.
            glob = new Glob(pattern, new Regex(sb.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
        }
        catch (ArgumentException e)
        {
            error = $"not a valid pattern ({e.Message})";
            return false;
        }

        return true;
    }

    public static Glob Parse(string pattern) =>
        TryParse(pattern, out var glob, out var error) ? glob! : throw new ArgumentException(error, nameof(pattern));
}
