using DriftSentinel.Core.Model;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// Builds `driftsentinel worker`: a Generic Host (ASP.NET Core, for /health and the optional dashboard) running a
/// Hangfire server. Embedded: Hangfire.InMemory and a SQLite state file. Shared: Hangfire.PostgreSql and PostgreSQL
/// state, so any number of worker processes share the queue.
/// </summary>
public static class WorkerHost
{
    public static WebApplication Build(WorkerRuntime runtime, WorkerLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(launch);
        var options = runtime.Settings.Worker;

        // Hangfire logs through a process-wide provider; drop one left by an earlier host in this process.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = runtime.Settings.ConfigFolder });
        builder.WebHost.UseUrls(options.Listen);
        builder.Logging.ClearProviders();
        if (options.JsonLogs)
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z' ";
                o.UseUtcTimestamp = true;
            });
        }

        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // The host waits longer than Hangfire, so Hangfire's own shutdown (finish or hand back) always completes.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(launch);
        builder.Services.AddTransient<ScanJobs>();

        UseRetryPolicy(options.EffectiveRetryDelays);
        builder.Services.AddHangfire(configuration =>
        {
            configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (runtime.SharedDatabase)
            {
                configuration.UsePostgreSqlStorage(b => b.UseNpgsqlConnection(options.PostgreSql), new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = options.PollInterval,
                    InvisibilityTimeout = options.InvisibilityTimeout,
                    UseSlidingInvisibilityTimeout = true,

                    // Not EnableLongPolling (LISTEN/NOTIFY): measured, a pinned single worker stalled mid-scan with it
                    // twice in eight runs, and a dropped listener connection leaves jobs unfetched until the invisibility
                    // timeout (hangfire-postgres/Hangfire.PostgreSql#410, open). PollInterval bounds the fan-out delay.
                });
            }
            else
            {
                configuration.UseInMemoryStorage();
            }
        });
        builder.Services.AddHangfireServer(o =>
        {
            o.ServerName = runtime.Name;
            o.WorkerCount = options.WorkerCount;
            o.ShutdownTimeout = options.ShutdownTimeout;
            o.SchedulePollingInterval = options.PollInterval;
            o.HeartbeatInterval = TimeSpan.FromSeconds(Math.Clamp(options.InvisibilityTimeout.TotalSeconds / 4, 5, 30));
        });
        builder.Services.AddHostedService<RecurringScanRegistrar>();

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() => Hangfire.Logging.LogProvider.SetCurrentLogProvider(null));
        app.MapGet("/health", Health);
        if (options.Dashboard.Enabled)
        {
            var gate = new DashboardGate(options.Dashboard);
            app.UseWhen(c => c.Request.Path.StartsWithSegments(options.Dashboard.Path), branch => branch.Use((context, next) => gate.Guard(context, next)));
            app.UseHangfireDashboard(options.Dashboard.Path, new Hangfire.DashboardOptions
            {
                Authorization = [new PassedDashboardGate()],
                DashboardTitle = "DriftSentinel worker",
                DisplayStorageConnectionString = false,
            });
        }

        return app;
    }

    /// <summary>
    /// Replaces Hangfire's default (10 attempts) with the worker's bounded policy. Hangfire keeps global filters per
    /// process, which is also the scope of this setting.
    /// </summary>
    private static void UseRetryPolicy(IReadOnlyList<int> delays)
    {
        foreach (var filter in GlobalJobFilters.Filters.Where(f => f.Instance is AutomaticRetryAttribute).ToList())
        {
            GlobalJobFilters.Filters.Remove(filter.Instance);
        }

        GlobalJobFilters.Filters.Add(new AutomaticRetryAttribute { Attempts = delays.Count, DelaysInSeconds = [.. delays], OnAttemptsExceeded = AttemptsExceededAction.Fail });
    }

    /// <summary>Why a profile's latest result cannot be trusted as complete: its last scan failed, or its last run had gaps.</summary>
    public static IEnumerable<string> ProfileProblems(WorkerRuntime runtime, DriftSentinel.History.SqlHistoryStore store)
    {
        var scans = new DriftSentinel.History.ScanLedger(store).ListScans();
        var runs = store.ListRuns(200);
        foreach (var profile in runtime.Settings.Profiles)
        {
            var scan = scans.Where(s => s.Profile == profile.Name).MaxBy(s => s.CreatedAt);
            if (scan is { Status: DriftSentinel.History.ScanStatus.Abandoned })
            {
                yield return $"profile {profile.Name}: its last scan ({scan.Id}, started {scan.CreatedAt:yyyy-MM-ddTHH:mm}Z) did not finish{(scan.Detail is null ? "" : $": {scan.Detail}")}";
                continue;
            }

            var run = runs.Where(r => r.Profile == profile.Name && r.FinishedAt is not null).MaxBy(r => r.Id);
            if (run is { Gaps: > 0 })
            {
                var first = run.Coverage.FirstOrDefault(c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial || c.Status == CoverageStatus.Missing);
                yield return $"profile {profile.Name}: run #{run.Id} had {run.Gaps} coverage gap(s){(first is null ? "" : $", first {first.Source} {first.Scope}: {first.Detail}")}";
            }
        }
    }

    private static IResult Health(WorkerRuntime runtime, JobStorage storage)
    {
        try
        {
            using var store = runtime.OpenStore();
            var runs = store.ListRuns(1);
            var last = runs.Count > 0 ? runs[0] : null;
            var servers = storage.GetMonitoringApi().Servers().Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
            var problems = ProfileProblems(runtime, store).ToList();
            return Results.Json(new
            {
                // Degraded still answers 200: the worker runs, but a report it wrote is incomplete or missing.
                status = problems.Count == 0 ? "healthy" : "degraded",
                reasons = problems,
                worker = runtime.Name,
                storage = runtime.SharedDatabase ? "postgresql" : "in-memory queue, sqlite state",
                servers,
                profiles = runtime.Settings.Profiles.Select(p => p.Name),
                scans_evaluated_here = runtime.Evaluated,
                last_run = last is null ? null : new { id = last.Id, profile = last.Profile, finished_at = last.FinishedAt, findings = last.Findings, active = last.Active, gaps = last.Gaps },
            });
        }
#pragma warning disable CA1031 // a health probe reports any failure as unhealthy rather than throwing
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Results.Json(new { status = "unhealthy", worker = runtime.Name, error = e.GetType().Name }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
