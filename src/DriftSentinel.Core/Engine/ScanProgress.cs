namespace DriftSentinel.Core.Engine;

/// <summary>
/// How far a scan's read of the audit trails has got: files and bytes (compressed, as on disk) of the whole input,
/// and events evaluated. Written by the reader thread and the engine, read by whoever shows progress.
/// </summary>
public sealed class ScanProgress
{
    private long _bytesRead;
    private long _filesOpened;
    private long _events;

    /// <summary>The reader's progress for files opened on this execution context (flows to the read-ahead thread).</summary>
    public static AsyncLocal<ScanProgress?> Current { get; } = new();

    public long FilesTotal { get; private set; }
    public long BytesTotal { get; private set; }
    public long FilesOpened => Interlocked.Read(ref _filesOpened);
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Sets the totals from the input files, so an ETA can be estimated from bytes.</summary>
    public void Plan(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var f in files)
        {
            // Only regular files count: what the readers refuse (folders, FIFOs, broken links) is not read either.
            var info = new FileInfo(f);
            FilesTotal++;
            BytesTotal += info.Exists && info.LinkTarget is null ? info.Length : 0;
        }
    }

    public void FileOpened() => Interlocked.Increment(ref _filesOpened);

    public void Read(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    /// <summary>Adds events evaluated by one of the scan's threads.</summary>
    public void AddEvaluated(long events) => Interlocked.Add(ref _events, events);

    /// <summary>Seconds left at the rate so far, from bytes; null before there is a rate.</summary>
    public double? EtaSeconds(TimeSpan elapsed)
    {
        var done = BytesRead;
        return done <= 0 || BytesTotal <= 0 || elapsed <= TimeSpan.Zero ? null : Math.Max(0, (BytesTotal - done) * elapsed.TotalSeconds / done);
    }

    /// <summary>"files 12/200, 450,000 events, 61,000 events/s, 38% of 145 MiB, ETA 0:25".</summary>
    public string Line(TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? Events / elapsed.TotalSeconds : 0;
        var eta = EtaSeconds(elapsed) is { } s ? TimeSpan.FromSeconds(Math.Round(s)).ToString(@"h\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture) : "?";
        var percent = BytesTotal > 0 ? 100.0 * BytesRead / BytesTotal : 0;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"files {FilesOpened:N0}/{FilesTotal:N0}, {Events:N0} events, {rate:N0} events/s, {percent:0}% of {BytesTotal / (1024.0 * 1024.0):N0} MiB, ETA {eta}");
    }
}
