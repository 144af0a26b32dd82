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

    /// <summary>Threads one evaluation reads the trails on (default: the machine's cores); lower it to leave cores to other work.</summary>
    public int? ScanThreads { get; set; }

    /// <summary>Name of this worker in logs, the dashboard and the scan ledger; default host name and process id.</summary>
    public string? Name { get; set; }

    /// <summary>How long a stopping worker lets running jobs finish before handing them back (the host waits 5 s longer).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Delays between the attempts of a failed job; their count is the number of retries (bounded at 10).</summary>
    public List<int> RetryDelaysSeconds { get; set; } = [];

    /// <summary>
    /// PostgreSQL only: how long a job fetched by a worker that stopped answering stays invisible before another worker
    /// takes it. The timeout slides while the worker lives, so a long job is never picked up twice.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often workers look for queued and scheduled jobs.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A scan still unfinished after this long is abandoned when its profile's next scan starts.</summary>
    public TimeSpan ScanStaleAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// An active scan whose jobs have not renewed its lease for this long (they renew every third of it while they run)
    /// belongs to a dead worker: the profile's next start abandons it and scans.
    /// </summary>
    public TimeSpan ScanLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a worker holds a lifecycle delivery (a run's tickets) it is working on; a worker that dies holding one
    /// is replaced by another after this. Longer than the slowest sync of one run.
    /// </summary>
    public TimeSpan SinkClaimLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the configuration file is checked for changed profiles.</summary>
    public TimeSpan ConfigReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Address of /health and the optional dashboard; port 0 picks a free one (printed at start).</summary>
    public string Listen { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Log lines as JSON objects (one per line) instead of text.</summary>
    public bool JsonLogs { get; set; }

    public DashboardOptions Dashboard { get; set; } = new();

    /// <summary>The retry policy in force: the configured delays, or 30 s, 2 min and 10 min.</summary>
    public IReadOnlyList<int> EffectiveRetryDelays => RetryDelaysSeconds.Count > 0 ? RetryDelaysSeconds : [30, 120, 600];

    internal static bool IsLoopback(Uri address) =>
        address.IsLoopback || (System.Net.IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

    internal static IEnumerable<string> Validate(LiveSettings settings, string prefix)
    {
        var worker = settings.Worker;
        if (worker.WorkerCount is < 1 or > 32)
        {
            yield return $"{prefix}:Worker:WorkerCount: {worker.WorkerCount} must be between 1 and 32";
        }

        if (worker.ScanThreads is < 1 or > 256)
        {
            yield return $"{prefix}:Worker:ScanThreads: {worker.ScanThreads} must be between 1 and 256";
        }

        if (worker.RetryDelaysSeconds.Count > 10 || worker.RetryDelaysSeconds.Any(d => d is < 0 or > 86_400))
        {
            yield return $"{prefix}:Worker:RetryDelaysSeconds: at most 10 delays of 0 to 86400 seconds";
        }

        if (worker.SinkClaimLease < TimeSpan.FromSeconds(3))
        {
            yield return $"{prefix}:Worker:SinkClaimLease: {worker.SinkClaimLease} must be at least 3 seconds";
        }

        if (worker.ScanLease < TimeSpan.FromSeconds(3) || worker.ScanLease > worker.ScanStaleAfter)
        {
            yield return $"{prefix}:Worker:ScanLease: {worker.ScanLease} must be at least 3 seconds and at most ScanStaleAfter ({worker.ScanStaleAfter})";
        }

        if (worker.ShutdownTimeout <= TimeSpan.Zero || worker.InvisibilityTimeout < TimeSpan.FromSeconds(10) || worker.PollInterval <= TimeSpan.Zero)
        {
            yield return $"{prefix}:Worker: ShutdownTimeout and PollInterval must be positive and InvisibilityTimeout at least 10 seconds";
        }

        // ASP.NET Core binds every address of a ';'-separated list: each is checked, and one beyond localhost is enough
        // to expose the dashboard.
        foreach (var address in worker.Listen.Split(';', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var listen) || listen.Scheme is not ("http" or "https"))
            {
                yield return $"{prefix}:Worker:Listen: '{address}' is not an address such as http://127.0.0.1:5080";
            }
            else if (worker.Dashboard.Enabled && !IsLoopback(listen) && (string.IsNullOrEmpty(worker.Dashboard.Username) || string.IsNullOrEmpty(worker.Dashboard.PasswordVariable)))
            {
                yield return $"{prefix}:Worker:Dashboard: listening on {listen.Host} (beyond localhost) needs Username and PasswordVariable; the dashboard is never anonymous off this machine";
            }
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

            if (p.ReviewEveryDays is < 1 or > 3650)
            {
                yield return $"{key}:ReviewEveryDays: {p.ReviewEveryDays} is not between 1 and 3650 (leave it out to start campaigns by hand)";
            }

            if (p.ReviewDays is < 1 or > 365 || p.ReviewRemediationDays is < 1 or > 365)
            {
                yield return $"{key}:ReviewDays / ReviewRemediationDays: must be between 1 and 365";
            }

            if (p.KeepRuns is < 1)
            {
                yield return $"{key}:KeepRuns: {p.KeepRuns} must be 1 or more (leave it out to keep every run's reports)";
            }

            if (p.KeepDays is < 1)
            {
                yield return $"{key}:KeepDays: {p.KeepDays} must be 1 or more (leave it out to keep every run's reports)";
            }

            if (p.TimeZone is { } tz && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
            {
                yield return $"{key}:TimeZone: '{tz}' is not a time zone id such as Europe/Berlin or UTC";
            }

            if (string.IsNullOrWhiteSpace(p.Baseline))
            {
                yield return $"{key}:Baseline: required";
            }
            else
            {
                // The inputs are checked now, with the rest of the configuration, not at 2 a.m. when the job runs.
                var baselineFile = settings.Resolve(p.Baseline);
                string? baselineError = null;
                if (!File.Exists(baselineFile))
                {
                    baselineError = $"{key}:Baseline: '{baselineFile}' does not exist";
                }
                else
                {
                    try
                    {
                        DriftSentinel.Core.Baseline.BaselineLoader.Load(baselineFile);
                    }
                    catch (DriftSentinel.Core.Baseline.BaselineException e)
                    {
                        baselineError = $"{key}:Baseline: {string.Join("; ", e.Errors)}";
                    }
                }

                if (baselineError is not null)
                {
                    yield return baselineError;
                }
            }

            if (p.Snapshot is { } snapshot && !Directory.Exists(settings.Resolve(snapshot)))
            {
                yield return $"{key}:Snapshot: folder '{settings.Resolve(snapshot)}' does not exist";
            }
            else if (p.Snapshot is null && settings.Sources.Count == 0)
            {
                yield return $"{key}:Snapshot: no snapshot folder and no live Aws or Azure section: nothing to scan";
            }

            if (File.Exists(settings.Resolve(p.Out)))
            {
                yield return $"{key}:Out: '{settings.Resolve(p.Out)}' is a file; expected a folder for the reports";
            }
        }
    }
}

/// <summary>The Hangfire dashboard: off by default; beyond localhost only with a user name and password.</summary>
public sealed class DashboardOptions
{
    public bool Enabled { get; set; }

    public string Path { get; set; } = "/hangfire";

    /// <summary>User for HTTP Basic authentication; with it set, every request needs the credentials, local ones too.</summary>
    public string? Username { get; set; }

    /// <summary>Environment variable holding the password (the password itself never goes in a file).</summary>
    public string? PasswordVariable { get; set; }
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

    /// <summary>Queue a scan as soon as the worker starts, besides the schedule.</summary>
    public bool RunAtStart { get; set; }

    /// <summary>Report folder; each run writes into a subfolder named after its run id.</summary>
    public string Out { get; set; } = "driftsentinel-out";

    /// <summary>Compliance evidence packs written with each run's reports (soc2, iso27001, pci-dss, all).</summary>
    public List<string> Evidence { get; set; } = [];

    /// <summary>Report retention: keep the newest N run folders (null: no limit by count). See <see cref="Scheduling.ReportRetention"/>.</summary>
    public int? KeepRuns { get; set; }

    /// <summary>Report retention: keep run folders of runs finished within D days (null: no limit by age).</summary>
    public int? KeepDays { get; set; }

    /// <summary>Open an access review campaign after a recorded run when none was started within this many days (null: by hand only).</summary>
    public int? ReviewEveryDays { get; set; }

    /// <summary>Days reviewers have to decide in a campaign the worker opens.</summary>
    public int ReviewDays { get; set; } = 14;

    /// <summary>Days after a revoke or modify decision within which it must be carried out.</summary>
    public int ReviewRemediationDays { get; set; } = 30;

    /// <summary>Reviewer of rows whose account and environment have no owner in the baseline.</summary>
    public string? ReviewFallbackReviewer { get; set; }

    /// <summary>Rule ids or prefixes (DS-DEP-*) to evaluate alone; empty: every rule.</summary>
    public List<string> OnlyRules { get; set; } = [];

    /// <summary>Rule ids or prefixes not to evaluate; the reports name them as not evaluated.</summary>
    public List<string> ExcludeRules { get; set; } = [];

    /// <summary>The rules this profile's runs evaluate (<see cref="Core.Rules.RuleSelection"/>).</summary>
    public IReadOnlyList<Core.Rules.Rule> Rules() =>
        Core.Rules.RuleSelection.Select(Core.Rules.Rule.All(), Core.Rules.RuleSelection.Patterns(OnlyRules), Core.Rules.RuleSelection.Patterns(ExcludeRules));
}
