using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using DriftSentinel.Core.Collection;

namespace DriftSentinel.Azure.Collection;

/// <summary>An error ARM or Graph returned: HTTP status and the body's error code and message.</summary>
internal sealed class AzureRequestException(int status, string code, string message, string url)
    : Exception($"{code} (HTTP {status}): {message}")
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string ServiceMessage { get; } = message;

    /// <summary>The request URL without its query (ids only; never a token).</summary>
    public string Url { get; } = url;
}

/// <summary>Client options for our ARM and Graph pipelines (Azure.Core's retry, transport and diagnostics settings).</summary>
internal sealed class AzureRestClientOptions : ClientOptions
{
}

/// <summary>
/// GETs ARM or Graph JSON through an Azure.Core <see cref="HttpPipeline"/> (bearer token, Azure.Core's retry policy with
/// Retry-After, our throttle observer), and pages through nextLink / @odata.nextLink URLs as the service returns them.
/// </summary>
internal sealed class AzureRestClient(HttpPipeline pipeline, Uri endpoint)
{
    /// <summary>A gate for Graph that spaces only the sign-in log reads (auditLogs has the tight limit).</summary>
    public static Func<Uri, CancellationToken, Task> SignInGate(RequestRateLimiter limiter) =>
        (uri, ct) => uri.AbsolutePath.Contains("/auditLogs/", StringComparison.OrdinalIgnoreCase) ? limiter.WaitAsync(uri.Host, ct) : Task.CompletedTask;

    /// <summary>Builds the pipeline the SDK clients use, for one audience (ARM or Graph).</summary>
    public static HttpPipeline Pipeline(TokenCredential credential, string scope, AzureCollectionOptions options, HttpPipelinePolicy observer, HttpPipelineTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new AzureRestClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.Retry.MaxRetries;
        clientOptions.Retry.Delay = options.Retry.Delay;
        clientOptions.Retry.MaxDelay = options.Retry.MaxDelay;
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;
        clientOptions.Diagnostics.IsLoggingContentEnabled = false;
        clientOptions.Diagnostics.IsDistributedTracingEnabled = false;
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        return HttpPipelineBuilder.Build(clientOptions, [], [new BearerTokenAuthenticationPolicy(credential, scope), observer], null);
    }

    public async Task<JsonDocument> GetAsync(string pathOrUrl, CancellationToken ct)
    {
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(Absolute(pathOrUrl));
        message.Request.Headers.Add("Accept", "application/json");
        await pipeline.SendAsync(message, ct).ConfigureAwait(false);
        return Parse(message);
    }

    public async Task<JsonDocument> PostAsync(string path, object body, CancellationToken ct)
    {
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(Absolute(path));
        message.Request.Headers.Add("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType()));
        await pipeline.SendAsync(message, ct).ConfigureAwait(false);
        return Parse(message);
    }

    /// <summary>Calls <paramref name="onItem"/> for every element of every page's value array; returns the pages read.</summary>
    public async Task<int> ForEachItemAsync(string pathOrUrl, Action<JsonElement> onItem, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onItem);
        string? next = pathOrUrl;
        var pages = 0;
        while (next is not null)
        {
            using var page = await GetAsync(next, ct).ConfigureAwait(false);
            pages++;
            if (page.RootElement.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray())
                {
                    onItem(item);
                }
            }

            next = page.RootElement.TryGetProperty("nextLink", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()
                : page.RootElement.TryGetProperty("@odata.nextLink", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()
                : null;
        }

        return pages;
    }

    private Uri Absolute(string pathOrUrl) =>
        Uri.TryCreate(pathOrUrl, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal)
            ? absolute
            : new Uri(endpoint, pathOrUrl);

    private static JsonDocument Parse(HttpMessage message)
    {
        var response = message.Response;
        var url = message.Request.Uri.ToUri().GetLeftPart(UriPartial.Path);
        if (response.Status is < 200 or > 299)
        {
            var code = $"Http{response.Status}";
            var text = response.Content.ToString();
            var problem = text.Length > 300 ? text[..300] : text;
            try
            {
                using var doc = JsonDocument.Parse(response.Content.ToMemory());
                if (doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    code = error.TryGetProperty("code", out var c) ? c.GetString() ?? code : code;
                    problem = error.TryGetProperty("message", out var m) ? m.GetString() ?? problem : problem;
                }
            }
            catch (JsonException)
            {
                // An HTML error page from a gateway: keep the status as the code.
            }

            throw new AzureRequestException(response.Status, code, problem, url);
        }

        try
        {
            return JsonDocument.Parse(response.Content.ToMemory());
        }
        catch (JsonException e)
        {
            throw new AzureRequestException(response.Status, "MalformedResponse", $"not JSON: {e.Message}", url);
        }
    }
}

/// <summary>
/// Per attempt: passes the rate gate (Graph sign-in logs), pauses when ARM reports few reads left, and counts requests and 429s.
/// </summary>
internal sealed class ThrottleObserverPolicy(CollectionMetrics metrics, TimeProvider clock, int lowWater, TimeSpan lowWaterPause, Func<Uri, CancellationToken, Task>? gate) : HttpPipelinePolicy
{
    private int _remainingReads = int.MaxValue;

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (gate is not null)
        {
            await gate(message.Request.Uri.ToUri(), message.CancellationToken).ConfigureAwait(false);
        }

        if (Volatile.Read(ref _remainingReads) <= lowWater)
        {
            metrics.AddWaited(lowWaterPause);
            await Task.Delay(lowWaterPause, clock, message.CancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _remainingReads, int.MaxValue);
        }

        metrics.CountRequest();
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Observe(message);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    private void Observe(HttpMessage message)
    {
        if (message.Response.Status == 429)
        {
            metrics.CountThrottle();
        }
        else if (message.Response.Status >= 500)
        {
            metrics.CountTransient();
        }

        if (message.Response.Headers.TryGetValue("x-ms-ratelimit-remaining-subscription-reads", out var text)
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var remaining))
        {
            Volatile.Write(ref _remainingReads, remaining);
        }
    }
}
