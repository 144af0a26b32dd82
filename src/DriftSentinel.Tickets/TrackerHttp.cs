using System.Globalization;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace DriftSentinel.Tickets;

/// <summary>Counters of one sync's tracker traffic, for the summary and the closing figures.</summary>
internal sealed class TrackerCounters
{
    private int _requests;
    private int _throttled;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Responses that asked us to wait (429, GitHub's 403 rate limits) and were retried.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void CountThrottle() => Interlocked.Increment(ref _throttled);
}

/// <summary>
/// The HTTP pipeline of every tracker: Microsoft.Extensions.Http.Resilience's retry (exponential, jittered, honouring
/// Retry-After) extended to GitHub's rate-limit 403s (secondary limits send Retry-After; primary ones
/// x-ratelimit-remaining: 0 and x-ratelimit-reset), under a total time budget.
/// </summary>
internal static class TrackerHttp
{
    public static HttpMessageHandler Handler(TicketOptions options, TimeProvider clock, TrackerCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddTimeout(options.RequestBudget)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromMinutes(1),
                ShouldRetryAfterHeader = true,
                // A create (POST) is retried only when the tracker said it did nothing (429, rate-limit 403): after a 5xx
                // or a lost answer the issue may exist, and the ledger's label recovery, not a second POST, finds it.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Result: { } r } when r.StatusCode == HttpStatusCode.TooManyRequests || IsRateLimit(r) => true,
                    _ when args.Context.GetRequestMessage()?.Method == HttpMethod.Post => false,
                    { Exception: HttpRequestException or TimeoutException } => true,
                    { Result: { } r } => r.StatusCode == HttpStatusCode.RequestTimeout || (int)r.StatusCode >= 500,
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RateLimitReset(r, clock) : null),
                OnRetry = args =>
                {
                    if (args.Outcome.Result is { } r && (r.StatusCode == HttpStatusCode.TooManyRequests || IsRateLimit(r)))
                    {
                        counters.CountThrottle();
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        // Counted inside the retries: every attempt that reaches the tracker is a request. Redirects are not followed:
        // a 301 for a transferred issue must not turn a comment's POST into a GET; the issue counts as unreachable.
        return new ResilienceHandler(pipeline) { InnerHandler = new CountingHandler(counters) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } } };
    }

    /// <summary>GitHub answers a rate limit with 403 (or 429) and either Retry-After or x-ratelimit-remaining: 0.</summary>
    private static bool IsRateLimit(HttpResponseMessage r) =>
        r.StatusCode == HttpStatusCode.Forbidden
        && (r.Headers.RetryAfter is not null || (r.Headers.TryGetValues("x-ratelimit-remaining", out var left) && left.FirstOrDefault() == "0"));

    /// <summary>Waits until x-ratelimit-reset (epoch seconds) when the primary limit is spent and no Retry-After says otherwise.</summary>
    private static TimeSpan? RateLimitReset(HttpResponseMessage r, TimeProvider clock)
    {
        if (r.Headers.RetryAfter is not null || !r.Headers.TryGetValues("x-ratelimit-reset", out var values)
            || !long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return null;
        }

        var wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - clock.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : wait > TimeSpan.FromMinutes(15) ? TimeSpan.FromMinutes(15) : wait;
    }

    private sealed class CountingHandler(TrackerCounters counters) : DelegatingHandler
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            counters.CountRequest();
            return base.Send(request, cancellationToken);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            counters.CountRequest();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
