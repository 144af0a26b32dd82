using DriftSentinel.Core.Collection;

namespace DriftSentinel.Http;

/// <summary>The REST pipeline's counts, into a live collection's metrics.</summary>
public sealed class CollectionCounters(CollectionMetrics metrics) : IRestCounters
{
    public void CountRequest() => metrics.CountRequest();

    public void CountThrottle(TimeSpan wait)
    {
        metrics.CountThrottle();
        metrics.AddWaited(wait);
    }
}

/// <summary>The REST pipeline's counts kept for a summary line: requests sent, and throttles waited out and retried.</summary>
public sealed class RequestCounters : IRestCounters
{
    private int _requests;
    private int _throttled;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Responses that asked us to wait (429, GitHub's 403 rate limits) and were retried.</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void CountThrottle(TimeSpan wait) => Interlocked.Increment(ref _throttled);
}
