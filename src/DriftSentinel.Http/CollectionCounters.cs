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
