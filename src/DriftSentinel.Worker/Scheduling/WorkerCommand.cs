using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Output;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>`driftsentinel worker`: validate the configuration, migrate the state database, run the host until stopped.</summary>
public static class WorkerCommand
{
    public static int Run(string? configFile, IReadOnlyList<string> sets, bool demo, int? exitAfter, TextWriter stdout, TextWriter stderr, TimeProvider clock, SourceRegistry? sources = null)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            using var app = Prepare(configFile, sets, demo, exitAfter, clock, sources, stdout);
            app.Run();
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is UsageException or InvalidDataException or BaselineException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>Builds the worker without starting it (tests start and stop it themselves, and may replace the sinks).</summary>
    public static WebApplication Prepare(string? configFile, IReadOnlyList<string> sets, bool demo, int? exitAfter, TimeProvider clock, SourceRegistry? sources, TextWriter stdout,
        IReadOnlyList<IFindingLifecycleSink>? sinks = null)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(stdout);
        if (demo && configFile is not null)
        {
            throw new UsageException("--demo schedules the bundled demo; do not combine it with --config");
        }

        var overrides = demo ? [.. DemoProfile(), .. sets] : sets;
        var settings = LiveSettings.Load(configFile, overrides, forWorker: true, modules: sources);
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        foreach (var profile in settings.Profiles)
        {
            BaselineLoader.Load(settings.Resolve(profile.Baseline)); // a broken baseline stops the worker now, not at 2 a.m.
            try
            {
                Reporting.EvidencePackWriter.Select(catalogue, profile.Evidence);
                profile.Rules();
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"profile {profile.Name}: {e.Message}");
            }
        }

        var runtime = new WorkerRuntime(settings, clock) { Sinks = sinks ?? OutputModules.LifecycleSinks(settings, clock, catalogue) };
        try
        {
            using var store = runtime.OpenStore();
            var version = store.Migrate();
            stdout.WriteLine($"State: {(runtime.SharedDatabase ? "PostgreSQL" : runtime.StateConnection)} at schema version {version}; worker {runtime.Name}; {settings.Profiles.Count} profile(s).");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Corrupt, locked, read-only, newer or unreachable: one line naming the store (never its password), no stack.
            var where = runtime.SharedDatabase ? "the PostgreSQL state database" : $"the state database {runtime.StateConnection}";
            throw new UsageException($"{where} cannot be used: {e.Message}");
        }

        var app = WorkerHost.Build(runtime, new WorkerLaunch(configFile is null ? null : Path.GetFullPath(configFile), sets));
        if (exitAfter is { } limit)
        {
            var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
            runtime.ScanRecorded += count =>
            {
                if (count >= limit)
                {
                    lifetime.StopApplication();
                }
            };
        }

        return app;
    }

    /// <summary>The demo as a profile: scanned at start and then every minute, evaluated at the demo's own date.</summary>
    private static IEnumerable<string> DemoProfile()
    {
        var demo = DemoLocator.Find();
        yield return "Profiles:0:Name=demo";
        yield return "Profiles:0:Cron=* * * * *";
        yield return "Profiles:0:RunAtStart=true";
        yield return $"Profiles:0:Snapshot={Path.Combine(demo, "snapshot")}";
        yield return $"Profiles:0:Baseline={Path.Combine(demo, "baseline.yaml")}";
        yield return $"Profiles:0:AsOf={DemoLocator.AsOf(demo):O}";
        yield return "Profiles:0:Out=driftsentinel-out/worker-demo";
    }
}
