using System.Text.RegularExpressions;

namespace DriftSentinel.Http;

/// <summary>How each service says where the next page is.</summary>
public static partial class RestPaging
{
    /// <summary>The rel="next" URL of an RFC 8288 Link header (GitHub; GitLab keyset and offset paging), or null.</summary>
    public static Uri? NextLink(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            foreach (Match m in LinkPart().Matches(value))
            {
                if (m.Groups["rel"].Value.Split(' ').Contains("next", StringComparer.OrdinalIgnoreCase) && Uri.TryCreate(m.Groups["url"].Value, UriKind.Absolute, out var next))
                {
                    return next;
                }
            }
        }

        return null;
    }

    /// <summary>GitLab's offset paging without a Link header: x-next-page names the page number (empty on the last).</summary>
    public static Uri? NextPageNumber(HttpResponseMessage response, Uri current)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(current);
        var next = RestResilience.Header(response, "x-next-page");
        return string.IsNullOrEmpty(next) ? null : WithQuery(current, "page", next);
    }

    /// <summary>Azure DevOps: x-ms-continuationtoken, passed back as continuationToken.</summary>
    public static Uri? NextContinuation(HttpResponseMessage response, Uri current)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(current);
        var token = RestResilience.Header(response, "x-ms-continuationtoken");
        return string.IsNullOrEmpty(token) ? null : WithQuery(current, "continuationToken", token);
    }

    /// <summary>The URL with one query parameter set (replaced when present).</summary>
    public static Uri WithQuery(Uri url, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(url);
        var query = url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith(name + "=", StringComparison.Ordinal))
            .Append($"{name}={Uri.EscapeDataString(value)}");
        return new UriBuilder(url) { Query = string.Join('&', query) }.Uri;
    }

    [GeneratedRegex("<(?<url>[^>]+)>\\s*;\\s*rel=\"(?<rel>[^\"]+)\"")]
    private static partial Regex LinkPart();
}
