using System.Globalization;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace DriftSentinel.Http;

/// <summary>What the REST pipeline reports: every attempt sent, and every wait a service asked for.</summary>
public interface IRestCounters
{
    void CountRequest();

    /// <summary>A throttle (429, a rate-limit 403, a Retry-After on success) and how long we waited for it.</summary>
    void CountThrottle(TimeSpan wait);
}

/// <summary>Retry settings of one REST client.</summary>
public sealed record RestRetryOptions
{
    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>How long one request may take, its retries and waits included.</summary>
    public TimeSpan RequestBudget { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>The longest single wait for a rate-limit reset; a longer reset fails the request rather than stall the run.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// The HTTP pipeline of every REST adapter (CI collectors, trackers): Microsoft.Extensions.Http.Resilience's retry,
/// exponential and jittered, honouring Retry-After, extended to the rate-limit signals each service sends instead —
/// GitHub's 403 with x-ratelimit-remaining: 0 and x-ratelimit-reset, GitLab's RateLimit-Reset, Azure DevOps'
/// X-RateLimit-Reset and its Retry-After on a successful response (a request that was delayed: slow down).
/// </summary>
public static class RestResilience
{
    public static HttpMessageHandler Handler(RestRetryOptions options, TimeProvider clock, IRestCounters counters, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddTimeout(options.RequestBudget)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(0, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = options.MaxWait,
                ShouldRetryAfterHeader = true,
                // A POST is retried only when the service said it did nothing (429, a rate limit): after a 5xx or a lost
                // answer the object may exist, and the caller's recovery, not a second POST, finds it.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Result: { } r } when IsThrottle(r) => true,
                    _ when args.Context.GetRequestMessage()?.Method == HttpMethod.Post => false,
                    { Exception: HttpRequestException or TimeoutException } => true,
                    { Result: { } r } => r.StatusCode == HttpStatusCode.RequestTimeout || (int)r.StatusCode >= 500,
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r && r.Headers.RetryAfter is null ? ResetWait(r, clock, options.MaxWait) : null),
                OnRetry = args =>
                {
                    if (args.Outcome.Result is { } r && IsThrottle(r))
                    {
                        counters.CountThrottle(args.RetryDelay);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        // Counted inside the retries: every attempt that reaches the service is a request. Redirects are not followed:
        // a 301 for a moved object must not turn a POST into a GET; callers treat it as unreachable.
        return new ResilienceHandler(pipeline)
        {
            InnerHandler = new PacingHandler(clock, counters, options.MaxWait)
            {
                InnerHandler = transport ?? new SocketsHttpHandler { AllowAutoRedirect = false },
            },
        };
    }

    /// <summary>429 anywhere; 403 when GitHub says it is a rate limit (Retry-After, or no requests left).</summary>
    public static bool IsThrottle(HttpResponseMessage r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.StatusCode == HttpStatusCode.TooManyRequests
            || (r.StatusCode == HttpStatusCode.Forbidden && (r.Headers.RetryAfter is not null || Header(r, "x-ratelimit-remaining") == "0"));
    }

    /// <summary>The first value of a response header, or null.</summary>
    public static string? Header(HttpResponseMessage r, string name)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
    }

    /// <summary>Until the limit resets (epoch seconds in x-ratelimit-reset, RateLimit-Reset or X-RateLimit-Reset), capped.</summary>
    private static TimeSpan? ResetWait(HttpResponseMessage r, TimeProvider clock, TimeSpan max)
    {
        var text = Header(r, "x-ratelimit-reset") ?? Header(r, "ratelimit-reset");
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return null;
        }

        var wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - clock.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : wait > max ? max : wait;
    }

    /// <summary>
    /// Counts each attempt and paces the next one when a successful response says the budget is spent: no requests
    /// left until a reset (GitHub, GitLab), or a Retry-After on a success (Azure DevOps' delayed requests).
    /// </summary>
    private sealed class PacingHandler(TimeProvider clock, IRestCounters counters, TimeSpan max) : DelegatingHandler
    {
        private long _notBeforeTicks;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // One wait per pause, whoever takes it: a clock that does not move (a test's) must not make every request wait.
            var notBefore = Interlocked.Exchange(ref _notBeforeTicks, 0);
            var wait = notBefore > 0 ? new DateTimeOffset(notBefore, TimeSpan.Zero) - clock.GetUtcNow() : TimeSpan.Zero;
            if (wait > TimeSpan.Zero)
            {
                counters.CountThrottle(wait);
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            }

            counters.CountRequest();
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && Pause(response) is { } pause)
            {
                Interlocked.Exchange(ref _notBeforeTicks, (clock.GetUtcNow() + (pause > max ? max : pause)).UtcTicks);
            }

            return response;
        }

        private TimeSpan? Pause(HttpResponseMessage r)
        {
            if (r.Headers.RetryAfter?.Delta is { } delta)
            {
                return delta;
            }

            var remaining = Header(r, "x-ratelimit-remaining") ?? Header(r, "ratelimit-remaining");
            return remaining == "0" ? ResetWait(r, clock, max) : null;
        }
    }
}
