namespace DriftSentinel.Tests.Support;

/// <summary>A clock stopped at one instant, for reproducible scans and history records.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
