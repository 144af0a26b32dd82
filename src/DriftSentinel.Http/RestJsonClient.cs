using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftSentinel.Http;

/// <summary>A request the service refused or failed: the status, what it said (bounded) and the URL without its query.</summary>
public sealed class RestFailureException(HttpStatusCode status, string url, string message) : Exception($"{(int)status} {status} from {url}: {message}")
{
    public HttpStatusCode Status { get; } = status;

    public string Url { get; } = url;

    /// <summary>403 or 404: the token may not read this scope, or the feature does not exist on this tier or plan.</summary>
    public bool Denied => Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Unauthorized;
}

/// <summary>One page of a list and where the next one is.</summary>
public sealed record RestPage(JsonNode Body, Uri? Next);

/// <summary>
/// GETs JSON from one REST service through <see cref="RestResilience"/>: conditional requests from a
/// <see cref="ConditionalCache"/> (a 304 answers from the cached body and, on GitHub, costs no rate limit), paging by
/// the service's own next-page rule, and errors as <see cref="RestFailureException"/> naming status and service message.
/// </summary>
public sealed class RestJsonClient(HttpClient http, ConditionalCache? cache = null)
{
    public HttpClient Http { get; } = http;

    /// <summary>How many answers came from the cache (304 Not Modified).</summary>
    public int NotModified => Volatile.Read(ref _notModified);

    private int _notModified;

    public async Task<JsonNode> GetAsync(Uri url, CancellationToken cancellationToken) => (await GetPageAsync(url, null, cancellationToken).ConfigureAwait(false)).Body;

    /// <summary>GETs one page; <paramref name="next"/> reads the next page's URL from the response (null: no paging).</summary>
    public async Task<RestPage> GetPageAsync(Uri url, Func<HttpResponseMessage, Uri, Uri?>? next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var cached = cache?.Find(url);
        if (cached is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", cached.ETag);
        }

        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified && cached is not null)
        {
            // A 304 carries no paging headers: the next page is the one the cached answer named.
            Interlocked.Increment(ref _notModified);
            return new RestPage(JsonNode.Parse(cached.Body)!, cached.Next is null ? null : new Uri(cached.Next));
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RestFailureException(response.StatusCode, url.GetLeftPart(UriPartial.Path), ServiceMessage(body));
        }

        JsonNode node;
        try
        {
            node = JsonNode.Parse(body) ?? throw new JsonException("null body");
        }
        catch (JsonException e)
        {
            throw new RestFailureException(response.StatusCode, url.GetLeftPart(UriPartial.Path), $"the body is not JSON ({e.Message})");
        }

        var following = next?.Invoke(response, url);
        if (cache is not null && response.Headers.ETag is { } etag)
        {
            cache.Store(url, new ConditionalCache.Entry(etag.ToString(), body, following?.AbsoluteUri));
        }

        return new RestPage(node, following);
    }

    /// <summary>Every item of a paged list; <paramref name="items"/> picks the array out of a page (a bare array, or a wrapper's list).</summary>
    public async IAsyncEnumerable<JsonNode> ListAsync(Uri first, Func<HttpResponseMessage, Uri, Uri?> next, Func<JsonNode, JsonArray?> items,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        Uri? url = first;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (url is not null && seen.Add(url.AbsoluteUri))
        {
            var page = await GetPageAsync(url, next, cancellationToken).ConfigureAwait(false);
            var list = items(page.Body) ?? throw new RestFailureException(HttpStatusCode.OK, url.GetLeftPart(UriPartial.Path), "the page holds no list where one was expected");
            foreach (var item in list.ToList())
            {
                if (item is not null)
                {
                    list.Remove(item);
                    yield return item;
                }
            }

            url = page.Next;
        }
    }

    /// <summary>The service's own words (GitHub and GitLab "message", Azure DevOps "message"/"typeKey"), bounded; never echoed headers.</summary>
    private static string ServiceMessage(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o)
            {
                var text = o["message"]?.ToString() ?? o["error_description"]?.ToString() ?? o["error"]?.ToString();
                if (text is not null)
                {
                    return text.Length > 300 ? text[..300] + "…" : text;
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: fall through to the raw text
        }

        var raw = body.ReplaceLineEndings(" ");
        return raw.Length > 200 ? raw[..200] + "…" : raw;
    }
}

/// <summary>
/// ETags and bodies of earlier GETs, kept in the collector's state folder between runs so an unchanged resource is
/// confirmed with a conditional request instead of read again. Written only when the run's snapshot is used.
/// </summary>
public sealed class ConditionalCache
{
    private readonly string _path;
    private readonly Dictionary<string, Entry> _entries;
    private readonly Lock _gate = new();

    /// <summary>One cached answer and the next page it named, if any.</summary>
    public sealed record Entry(string ETag, string Body, string? Next = null);

    public ConditionalCache(string path)
    {
        _path = path;
        try
        {
            _entries = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? [] : [];
        }
        catch (JsonException)
        {
            _entries = []; // a damaged cache costs full reads, nothing else
        }
    }

    private static string Key(Uri url) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..32];

    public Entry? Find(Uri url)
    {
        lock (_gate)
        {
            return _entries.GetValueOrDefault(Key(url));
        }
    }

    public void Store(Uri url, Entry entry)
    {
        lock (_gate)
        {
            _entries[Key(url)] = entry;
        }
    }

    public void Save()
    {
        lock (_gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            var temp = _path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(_entries));
            File.Move(temp, _path, overwrite: true);
        }
    }
}
