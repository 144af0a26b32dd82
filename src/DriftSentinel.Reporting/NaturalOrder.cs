namespace DriftSentinel.Reporting;

/// <summary>
/// Orders names the way people read them: runs of digits by value ("env2" before "env10"), letters without regard to
/// case, ordinal otherwise. report.html's script sorts with the same rule, so server tables and the grid agree.
/// </summary>
public sealed class NaturalOrder : IComparer<string?>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (xs, xe) = Digits(x, ref i);
                var (ys, ye) = Digits(y, ref j);
                // Without leading zeros, the longer run is the larger number; equal lengths compare digit by digit.
                var byLength = (xe - xs).CompareTo(ye - ys);
                if (byLength != 0)
                {
                    return byLength;
                }

                var byDigits = string.CompareOrdinal(x, xs, y, ys, xe - xs);
                if (byDigits != 0)
                {
                    return byDigits;
                }

                continue;
            }

            var c = char.ToLowerInvariant(x[i]).CompareTo(char.ToLowerInvariant(y[j]));
            if (c != 0)
            {
                return c;
            }

            i++;
            j++;
        }

        var rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }

    private static (int Start, int End) Digits(string s, ref int index)
    {
        var start = index;
        while (index < s.Length && char.IsAsciiDigit(s[index]))
        {
            index++;
        }

        var significant = start;
        while (significant < index - 1 && s[significant] == '0')
        {
            significant++;
        }

        return (significant, index);
    }
}
