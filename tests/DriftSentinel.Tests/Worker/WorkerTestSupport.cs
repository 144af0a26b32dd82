using System.Text.Json;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Worker;

/// <summary>Worker configurations and snapshot copies for the scheduling tests.</summary>
internal static class WorkerTestSupport
{
    private static readonly JsonSerializerOptions ConfigJson = new() { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static string Demo => Path.Combine(TestPaths.RepositoryRoot, "demo");

    public static DateTimeOffset DemoAsOf => DateTimeOffset.Parse(File.ReadAllText(Path.Combine(Demo, "as-of.txt")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public static void CopyDemoSnapshot(string target)
    {
        var source = Path.Combine(Demo, "snapshot");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
    }

    /// <summary>A worker configuration file: one profile per (name, cron, time zone), all over <paramref name="snapshot"/>.</summary>
    public static string WriteConfig(string folder, string snapshot, string? postgres, params (string Name, string Cron, string? TimeZone)[] profiles)
    {
        var config = new
        {
            DriftSentinel = new
            {
                StateDirectory = Path.Combine(folder, "state"),
                Worker = new
                {
                    PostgreSql = postgres,
                    Listen = "http://127.0.0.1:0",
                    PollInterval = "00:00:01",
                    InvisibilityTimeout = "00:00:15",
                    ConfigReloadInterval = "00:00:01",
                    RetryDelaysSeconds = new[] { 1 },
                    WorkerCount = 1,
                    ShutdownTimeout = "00:00:10",
                },
                Profiles = profiles.Select(p => new
                {
                    p.Name,
                    p.Cron,
                    p.TimeZone,
                    Snapshot = snapshot,
                    Baseline = Path.Combine(Demo, "baseline.yaml"),
                    AsOf = DemoAsOf,
                    Out = Path.Combine(folder, "out", p.Name),
                }),
            },
        };
        var path = Path.Combine(folder, "worker.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config, ConfigJson));
        return path;
    }

    public static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:N0} s for {what}");
            }

            await Task.Delay(200);
        }
    }
}
