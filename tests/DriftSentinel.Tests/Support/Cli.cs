using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Support;

/// <summary>Runs the driftsentinel command line in-process with captured output and a fixed clock.</summary>
public static class Cli
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    public static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr, new FixedClock(Now), null);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
