using DriftSentinel.Http;

namespace DriftSentinel.Tickets;

/// <summary>The HTTP pipeline of every tracker: the shared REST resilience (<see cref="RestResilience"/>) under the sync's request budget.</summary>
internal static class TrackerHttp
{
    public static HttpMessageHandler Handler(TicketOptions options, TimeProvider clock, RequestCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RestResilience.Handler(new RestRetryOptions { MaxAttempts = options.MaxAttempts, RequestBudget = options.RequestBudget, MaxWait = TimeSpan.FromMinutes(15) }, clock, counters);
    }
}
