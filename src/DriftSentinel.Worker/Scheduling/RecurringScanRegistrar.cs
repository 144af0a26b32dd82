using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>What one synchronisation of the recurring jobs did.</summary>
public sealed record RegistrationChanges(IReadOnlyList<string> Added, IReadOnlyList<string> Changed, IReadOnlyList<string> Removed, IReadOnlyList<string> Unchanged);

/// <summary>
/// Keeps Hangfire's recurring jobs equal to the configured profiles: one job "scan:NAME" per profile with its cron
/// and time zone; jobs of profiles no longer configured are removed. Runs at start and whenever the configuration
/// file changes (checked every Worker:ConfigReloadInterval); an invalid edit is logged and the last good one stays.
/// </summary>
public sealed class RecurringScanRegistrar(WorkerRuntime runtime, IRecurringJobManager manager, IBackgroundJobClient jobs, JobStorage storage, ILogger<RecurringScanRegistrar> log, WorkerLaunch launch)
    : BackgroundService
{
    public const string Prefix = "scan:";

    /// <summary>The recurring job that retries lifecycle deliveries once their backoff has passed, between scans.</summary>
    public const string DeliveryJob = "lifecycle:deliver";

    public static RegistrationChanges Sync(IRecurringJobManager manager, JobStorage storage, IReadOnlyList<ScanProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(profiles);
        List<RecurringJobDto> existing;
        using (var connection = storage.GetConnection())
        {
            existing = connection.GetRecurringJobs().Where(j => j.Id.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        }

        var byId = existing.ToDictionary(j => j.Id, StringComparer.Ordinal);
        var added = new List<string>();
        var changed = new List<string>();
        var unchanged = new List<string>();
        foreach (var profile in profiles)
        {
            var id = Prefix + profile.Name;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(profile.TimeZone ?? "UTC");
            var name = profile.Name;
            if (!byId.TryGetValue(id, out var before))
            {
                added.Add(id);
            }
            else if (before.Cron != profile.Cron || before.TimeZoneId != zone.Id)
            {
                changed.Add(id);
            }
            else
            {
                unchanged.Add(id);
            }

            manager.AddOrUpdate<ScanJobs>(id, j => j.Start(name, CancellationToken.None), profile.Cron, new RecurringJobOptions { TimeZone = zone });
        }

        var wanted = profiles.Select(p => Prefix + p.Name).ToHashSet(StringComparer.Ordinal);
        var removed = existing.Select(j => j.Id).Where(id => !wanted.Contains(id)).Order(StringComparer.Ordinal).ToList();
        foreach (var id in removed)
        {
            manager.RemoveIfExists(id);
        }

        return new RegistrationChanges(added, changed, removed, unchanged);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Apply(runtime.Settings, "start");

        // A sink's failed delivery is due again after its backoff (minutes), not only at the next scheduled scan.
        if (runtime.Sinks.Count > 0)
        {
            manager.AddOrUpdate<ScanJobs>(DeliveryJob, j => j.DeliverPending(CancellationToken.None), Cron.Minutely());
        }
        else
        {
            manager.RemoveIfExists(DeliveryJob);
        }

        foreach (var profile in runtime.Settings.Profiles.Where(p => p.RunAtStart))
        {
            var name = profile.Name;
            jobs.Enqueue<ScanJobs>(j => j.Start(name, CancellationToken.None));
            log.QueuedAtStart(name);
        }

        if (launch.ConfigFile is null)
        {
            return;
        }

        var lastWrite = File.GetLastWriteTimeUtc(launch.ConfigFile);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(runtime.Settings.Worker.ConfigReloadInterval, runtime.Clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var write = File.Exists(launch.ConfigFile) ? File.GetLastWriteTimeUtc(launch.ConfigFile) : lastWrite;
            if (write == lastWrite)
            {
                continue;
            }

            lastWrite = write;
            try
            {
                var next = LiveSettings.Load(launch.ConfigFile, launch.Overrides, forWorker: true);
                runtime.Replace(next);
                Apply(next, "configuration change");
            }
            catch (Exception e) when (e is UsageException or InvalidDataException or IOException)
            {
                log.InvalidReload(launch.ConfigFile, e.Message);
            }
        }
    }

    private void Apply(LiveSettings settings, string why)
    {
        var changes = Sync(manager, storage, settings.Profiles);
        log.Registered(why, Names(changes.Added), Names(changes.Changed), Names(changes.Removed), Names(changes.Unchanged));
        foreach (var profile in settings.Profiles)
        {
            log.Schedule(profile.Name, profile.Cron, profile.TimeZone ?? "UTC");
        }
    }

    private static string Names(IReadOnlyList<string> ids) => ids.Count == 0 ? "none" : string.Join(", ", ids);
}

/// <summary>How the worker was started: the configuration file to watch and the --set overrides to re-apply.</summary>
public sealed record WorkerLaunch(string? ConfigFile, IReadOnlyList<string> Overrides);
