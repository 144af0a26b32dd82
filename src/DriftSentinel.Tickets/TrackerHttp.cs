using DriftSentinel.Http;

namespace DriftSentinel.Tickets;

/// <summary>Counters of one sync's tracker traffic, for the summary and the closing figures.</summary>
internal sealed class TrackerCounters : IRestCounters
{
    private int _requests;
    private int _throttled;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Responses that asked us to wait (429, GitHub's 403 rate limits) and were retried.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void CountThrottle(TimeSpan wait) => Interlocked.Increment(ref _throttled);
}

/// <summary>The HTTP pipeline of every tracker: the shared REST resilience (<see cref="RestResilience"/>) under the sync's request budget.</summary>
internal static class TrackerHttp
{
    public static HttpMessageHandler Handler(TicketOptions options, TimeProvider clock, TrackerCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RestResilience.Handler(new RestRetryOptions { MaxAttempts = options.MaxAttempts, RequestBudget = options.RequestBudget, MaxWait = TimeSpan.FromMinutes(15) }, clock, counters);
    }
}
