using Cronos;

namespace DriftSentinel.Worker;

/// <summary>Storage and concurrency of the scheduled worker (DriftSentinel:Worker).</summary>
public sealed class WorkerOptions
{
    /// <summary>PostgreSQL connection string shared by Hangfire and the history store; empty for the embedded setup (Hangfire.InMemory and a SQLite file).</summary>
    public string? PostgreSql { get; set; }

    /// <summary>SQLite history file of the embedded setup; default StateDirectory/history.db.</summary>
    public string? HistoryFile { get; set; }

    /// <summary>Hangfire worker threads in this process.</summary>
    public int WorkerCount { get; set; } = 2;

    /// <summary>How long a stopping worker lets running jobs finish before handing them back.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a failed scan job, with Hangfire's back-off between them.</summary>
    public int Retries { get; set; } = 2;

    internal static IEnumerable<string> Validate(LiveSettings settings, string prefix)
    {
        var worker = settings.Worker;
        if (worker.WorkerCount is < 1 or > 32)
        {
            yield return $"{prefix}:Worker:WorkerCount: {worker.WorkerCount} must be between 1 and 32";
        }

        if (worker.Retries is < 0 or > 10)
        {
            yield return $"{prefix}:Worker:Retries: {worker.Retries} must be between 0 and 10";
        }

        if (settings.Profiles.Count == 0)
        {
            yield return $"{prefix}:Profiles: no scan profile; add at least one (Name, Cron, Baseline, and Snapshot or live Aws/Azure sections)";
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < settings.Profiles.Count; i++)
        {
            var p = settings.Profiles[i];
            var key = $"{prefix}:Profiles:{i}";
            if (string.IsNullOrWhiteSpace(p.Name) || !names.Add(p.Name) || p.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                yield return $"{key}:Name: '{p.Name}' must be a unique name of letters, digits, - and _";
            }

            string? cronError = null;
            try
            {
                CronExpression.Parse(p.Cron, p.Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                cronError = e.Message;
            }

            if (cronError is not null)
            {
                yield return $"{key}:Cron: '{p.Cron}' is not a cron expression ({cronError})";
            }

            if (p.TimeZone is { } tz && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
            {
                yield return $"{key}:TimeZone: '{tz}' is not a time zone id such as Europe/Berlin or UTC";
            }

            if (string.IsNullOrWhiteSpace(p.Baseline))
            {
                yield return $"{key}:Baseline: required";
            }
        }
    }
}

/// <summary>One scheduled scan: what to read, which baseline, when, and where the reports go.</summary>
public sealed class ScanProfile
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Cron (5 fields, or 6 with seconds), evaluated in <see cref="TimeZone"/>.</summary>
    public string Cron { get; set; } = "0 2 * * *";

    /// <summary>IANA or Windows time zone id; default UTC.</summary>
    public string? TimeZone { get; set; }

    public string Baseline { get; set; } = string.Empty;

    /// <summary>A snapshot folder to scan; empty to collect live with the Aws and Azure sections.</summary>
    public string? Snapshot { get; set; }

    /// <summary>Evaluate as of this time instead of now (fixed-date snapshots such as the demo).</summary>
    public DateTimeOffset? AsOf { get; set; }

    /// <summary>Report folder; each run writes into a subfolder named after its run id.</summary>
    public string Out { get; set; } = "driftsentinel-out";
}
