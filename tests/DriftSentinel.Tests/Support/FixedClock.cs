namespace DriftSentinel.Tests.Support;

/// <summary>A clock stopped at one instant (moved only by <see cref="Advance"/>), for reproducible scans and history records.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
