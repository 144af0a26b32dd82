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

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    /// <summary>Whether the value matches; remembered per value (up to a bound), so a repeated ARN costs a lookup, not a regex run.</summary>
    public bool IsMatch(string value)
    {
        if (_answers.TryGetValue(value, out var known))
        {
            return known;
        }

        var answer = _regex.IsMatch(value);
        if (_answers.Count < MaxRemembered)
        {
            _answers.TryAdd(value, answer);
        }

        return answer;
    }

    public override string ToString() => Pattern;

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
