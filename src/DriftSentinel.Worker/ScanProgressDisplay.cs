using System.Diagnostics;
using DriftSentinel.Core.Engine;
using Spectre.Console;

namespace DriftSentinel.Worker;

/// <summary>
/// Shows a long snapshot scan's progress on stderr: a live bar (Spectre.Console) when stderr is a terminal, otherwise
/// a quiet line every <c>quietInterval</c> (logs and CI; short scans write none), so reports on stdout stay clean.
/// </summary>
public static class ScanProgressDisplay
{
    /// <summary>Runs <paramref name="scan"/> while showing <paramref name="progress"/>.</summary>
    public static T Run<T>(TextWriter stderr, ScanProgress progress, TimeSpan quietInterval, Func<T> scan)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(scan);
        var stopwatch = Stopwatch.StartNew();
        if (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            T result = default!;
            console.Progress().AutoClear(true).HideCompleted(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("reading trails", maxValue: 1);
                    using var timer = new Timer(_ =>
                    {
                        task.MaxValue = Math.Max(1, progress.BytesTotal);
                        task.Value = Math.Min(progress.BytesRead, task.MaxValue);
                        task.Description = Markup.Escape(progress.Line(stopwatch.Elapsed));
                    }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
                    result = scan();
                });
            return result;
        }

        var writer = TextWriter.Synchronized(stderr);
        T value;
        var timer = new Timer(_ => writer.WriteLine($"progress: {progress.Line(stopwatch.Elapsed)}"), null, quietInterval, quietInterval);
        try
        {
            value = scan();
        }
        finally
        {
            // Wait for a tick in flight, so no stale line follows the closing one.
            using var stopped = new ManualResetEvent(false);
            if (timer.Dispose(stopped))
            {
                stopped.WaitOne();
            }
        }

        // A scan long enough to have reported progress ends with its totals.
        if (stopwatch.Elapsed >= quietInterval)
        {
            writer.WriteLine($"progress: {progress.Line(stopwatch.Elapsed)}");
        }

        return value;
    }
}
