using DriftSentinel.Core.Sources;
using Microsoft.Extensions.Configuration;

namespace DriftSentinel.Worker;

/// <summary>The DriftSentinel configuration section (see docs/configuration.md, "Live collection").</summary>
public sealed class LiveSettings
{
    public const string Section = "DriftSentinel";

    /// <summary>Baseline YAML; relative paths are resolved against the configuration file's folder.</summary>
    public string? Baseline { get; set; }

    /// <summary>Report folder of `scan --config`; the collected snapshot is kept in its snapshot/ subfolder.</summary>
    public string Out { get; set; } = "driftsentinel-out";

    /// <summary>Where the CloudTrail watermarks are kept between scans.</summary>
    public string StateDirectory { get; set; } = "driftsentinel-state";

    /// <summary>Print a progress line this often during collection.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The bound options of each source module whose section is present (Aws, Azure…), keyed by module name; a
    /// module absent here is not collected live.
    /// </summary>
    public IReadOnlyDictionary<string, object> Sources { get; private set; } = new Dictionary<string, object>();

    /// <summary>The source modules the sections were bound with.</summary>
    public SourceRegistry Modules { get; private set; } = SourceModules.Default();

    /// <summary>A module's bound options, or null when its section is absent.</summary>
    public T? Options<T>()
        where T : class => Sources.Values.OfType<T>().FirstOrDefault();

    /// <summary>Tickets for findings (docs/tickets.md); absent: no tickets.</summary>
    public DriftSentinel.Tickets.TicketOptions? Tickets { get; set; }

    /// <summary>Chat notifications after each recorded run (docs/operations.md, "Chat notifications"); absent: none.</summary>
    public DriftSentinel.Notifications.NotificationOptions? Notifications { get; set; }

    /// <summary>The scheduled worker: storage and concurrency (see docs/operations.md).</summary>
    public WorkerOptions Worker { get; set; } = new();

    /// <summary>Scheduled scans of `driftsentinel worker`.</summary>
    public List<ScanProfile> Profiles { get; set; } = [];

    /// <summary>
    /// Reads, in increasing precedence: appsettings.json in the working folder, the --config file, environment
    /// variables DRIFTSENTINEL__..., and --set KEY=VALUE overrides. Unknown keys and unconvertible values are errors,
    /// and so is every invalid setting, all reported at once.
    /// </summary>
    public static LiveSettings Load(string? configFile, IReadOnlyList<string> overrides, IDictionary<string, string?>? environment = null, bool forWorker = false, SourceRegistry? modules = null,
        bool requireSources = true)
    {
        modules ??= SourceModules.Default();
        var collectors = modules.Modules.Where(m => m.Collector is not null).Select(m => (Module: m, Collector: m.Collector!)).ToList();
        var builder = new ConfigurationBuilder();
        var baseFolder = Directory.GetCurrentDirectory();
        var defaults = Path.Combine(baseFolder, "appsettings.json");
        if (File.Exists(defaults))
        {
            builder.AddJsonFile(defaults, optional: true);
        }

        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new UsageException($"configuration file '{configFile}' does not exist");
            }

            builder.AddJsonFile(full, optional: false);
            baseFolder = Path.GetDirectoryName(full)!;
        }

        if (environment is null)
        {
            builder.AddEnvironmentVariables("DRIFTSENTINEL__");
        }
        else
        {
            builder.AddInMemoryCollection(environment
                .Where(kv => kv.Key.StartsWith("DRIFTSENTINEL__", StringComparison.OrdinalIgnoreCase))
                .Select(kv => KeyValuePair.Create(kv.Key["DRIFTSENTINEL__".Length..].Replace("__", ":", StringComparison.Ordinal), kv.Value)));
        }

        var sets = new List<KeyValuePair<string, string?>>();
        foreach (var o in overrides)
        {
            var eq = o.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--set '{o}': expected KEY=VALUE, e.g. Aws:Regions:0=eu-west-1");
            }

            var key = o[..eq].Trim();
            sets.Add(KeyValuePair.Create<string, string?>(key.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase) ? key[(Section.Length + 1)..] : key, o[(eq + 1)..]));
        }

        // The last of several overrides of one key wins (the demo profile's defaults come first, the user's --set after).
        builder.AddInMemoryCollection(sets.GroupBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()));

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new UsageException($"configuration: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : string.Empty)}");
        }

        // Environment variables and --set address keys below the DriftSentinel section; a file may wrap them in it.
        var merged = new ConfigurationBuilder()
            .AddConfiguration(root.GetSection(Section))
            .AddInMemoryCollection(root.AsEnumerable(makePathsRelative: true)
                .Where(kv => !kv.Key.StartsWith(Section, StringComparison.OrdinalIgnoreCase) && kv.Value is not null))
            .Build();

        // Each module binds its own section; the rest binds to these settings. Unknown keys are errors in both.
        bool InModuleSection(string key) => collectors.Any(c => key.Equals(c.Collector.Section, StringComparison.OrdinalIgnoreCase)
            || key.StartsWith(c.Collector.Section + ":", StringComparison.OrdinalIgnoreCase));
        var own = new ConfigurationBuilder().AddInMemoryCollection(merged.AsEnumerable().Where(kv => !InModuleSection(kv.Key))).Build();
        LiveSettings settings;
        var sources = new Dictionary<string, object>(StringComparer.Ordinal);
        try
        {
            settings = own.Get<LiveSettings>(o => o.ErrorOnUnknownConfiguration = true) ?? new LiveSettings();
            foreach (var (module, collector) in collectors)
            {
                var section = merged.GetSection(collector.Section);
                if (section.Exists() || section.Value is not null)
                {
                    sources[module.Name] = section.Get(collector.OptionsType, o => o.ErrorOnUnknownConfiguration = true) ?? Activator.CreateInstance(collector.OptionsType)!;
                }
            }
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"configuration: {e.Message}{(e.InnerException is { } inner ? " (" + inner.Message + ")" : string.Empty)}");
        }

        settings.Sources = sources;
        settings.Modules = modules;
        settings.ConfigFolder = baseFolder; // relative paths are checked, and later used, against the file's folder
        var errors = new List<string>();
        if (forWorker)
        {
            errors.AddRange(WorkerOptions.Validate(settings, Section));
        }

        var needsSources = requireSources && (!forWorker || settings.Profiles.Any(p => p.Snapshot is null));
        if (needsSources && sources.Count == 0)
        {
            errors.Add($"{Section}: nothing to collect; add {string.Join(" or ", collectors.Select(c => "an " + c.Collector.Section))} section (see docs/configuration.md)");
        }

        errors.AddRange(settings.Tickets?.Validate($"{Section}:Tickets") ?? []);
        errors.AddRange(settings.Notifications?.Validate($"{Section}:Notifications") ?? []);
        foreach (var (module, collector) in collectors.Where(c => sources.ContainsKey(c.Module.Name)))
        {
            errors.AddRange(collector.Validate(sources[module.Name], $"{Section}:{collector.Section}"));
        }

        if (settings.ProgressInterval <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:ProgressInterval: must be positive");
        }

        if (errors.Count > 0)
        {
            throw new UsageException("invalid configuration:\n  " + string.Join("\n  ", errors));
        }

        return settings;
    }

    /// <summary>A copy that collects only the named source module (the worker's per-source live scope jobs).</summary>
    public LiveSettings Only(string moduleName)
    {
        var copy = (LiveSettings)MemberwiseClone();
        copy.Sources = Sources.Where(kv => kv.Key == moduleName).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return copy;
    }

    /// <summary>Folder relative paths in the configuration are resolved against.</summary>
    public string ConfigFolder { get; private set; } = Directory.GetCurrentDirectory();

    public string Resolve(string path) => Path.GetFullPath(path, ConfigFolder);
}
