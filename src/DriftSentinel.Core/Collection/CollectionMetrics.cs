namespace DriftSentinel.Core.Collection;

/// <summary>Counters a long collection shows as progress and reports at the end. Thread-safe.</summary>
public sealed class CollectionMetrics
{
    private long _requests;
    private long _throttles;
    private long _transient;
    private long _waitedTicks;
    private long _events;
    private long _objects;
    private long _bytes;
    private int _accountsDone;

    public long Requests => Interlocked.Read(ref _requests);
    public long Throttles => Interlocked.Read(ref _throttles);
    public long TransientFaults => Interlocked.Read(ref _transient);
    public TimeSpan Waited => TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks));
    public long Events => Interlocked.Read(ref _events);
    public long ObjectsRead => Interlocked.Read(ref _objects);
    public long BytesRead => Interlocked.Read(ref _bytes);
    public int AccountsDone => Volatile.Read(ref _accountsDone);
    public int AccountsTotal { get; set; }

    public void CountRequest() => Interlocked.Increment(ref _requests);
    public void CountThrottle() => Interlocked.Increment(ref _throttles);
    public void CountTransient() => Interlocked.Increment(ref _transient);
    public void AddWaited(TimeSpan wait) => Interlocked.Add(ref _waitedTicks, wait.Ticks);
    public void AddEvents(long n) => Interlocked.Add(ref _events, n);
    public void CountObject(long bytes)
    {
        Interlocked.Increment(ref _objects);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void CountAccountDone() => Interlocked.Increment(ref _accountsDone);

    public override string ToString() =>
        $"accounts {AccountsDone}/{AccountsTotal}, {Events:N0} events, {ObjectsRead:N0} log files, {Requests:N0} requests, {Throttles:N0} throttles waited out ({Waited.TotalSeconds:F1} s)";
}
