using System.Collections.Concurrent;

namespace DriftSentinel.Core.Collection;

/// <summary>
/// Spaces requests with the same key (account and region) at least 1/rate seconds apart, counted from when each
/// request was let through, so a burst of pages or retries never exceeds the per-account-region limit. A 50 ms
/// margin absorbs the jitter between letting a request through and the service receiving it.
/// </summary>
public sealed class RequestRateLimiter(double requestsPerSecond, TimeProvider clock)
{
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(1 / requestsPerSecond) + TimeSpan.FromMilliseconds(50);
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    public async Task WaitAsync(string key, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var wait = slot.NextAllowed - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            }

            slot.NextAllowed = clock.GetUtcNow() + _interval;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public DateTimeOffset NextAllowed { get; set; } = DateTimeOffset.MinValue;
    }
}
