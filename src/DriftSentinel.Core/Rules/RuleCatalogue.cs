using DriftSentinel.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace DriftSentinel.Core.Rules;

/// <summary>A rule's catalogue entry from rules/&lt;id&gt;.yaml: what it finds, why it matters, how to fix it.</summary>
public sealed class RuleDefinition
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public string Severity { get; set; } = "";
    public int Version { get; set; } = 1;
    public string Description { get; set; } = "";
    public string Rationale { get; set; } = "";
    public string Remediation { get; set; } = "";
    public List<string> Compliance { get; set; } = [];
    public List<RuleParameter> Parameters { get; set; } = [];

    public Severity DefaultSeverity => EnumText.TryParseSeverity(Severity, out var s) ? s : Model.Severity.Medium;
}

/// <summary>A threshold or list a rule reads from the baseline, with its default.</summary>
public sealed class RuleParameter
{
    public string Name { get; set; } = "";
    public string Default { get; set; } = "";
    public string Description { get; set; } = "";
}

/// <summary>The deploy-class change catalogue (rules/deploy-actions.yaml) used by DS-DEP-001.</summary>
public sealed class DeployActionCatalogue
{
    public Dictionary<string, List<string>> Aws { get; set; } = [];
    public List<string> Azure { get; set; } = [];

    public bool IsAwsDeploy(string eventSource, string eventName)
    {
        if (!Aws.TryGetValue(eventSource, out var names))
        {
            return false;
        }

        // Lambda's API version is part of the recorded name (UpdateFunctionCode20150331v2).
        foreach (var n in names)
        {
            if (eventName.StartsWith(n, StringComparison.Ordinal) && (eventName.Length == n.Length || char.IsDigit(eventName[n.Length])))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsAzureDeploy(string operation) =>
        Azure.Any(pattern => pattern.EndsWith('*')
            ? operation.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : operation.Equals(pattern, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Orders control ids by their numbers (A.8.2 before A.8.15; CC6.1 before CC6.10).</summary>
internal sealed class ControlOrder : IComparer<string>
{
    public static readonly ControlOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.');
        var b = (y ?? "").Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var c = int.TryParse(a[i], out var m) && int.TryParse(b[i], out var n) ? m.CompareTo(n) : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}

/// <summary>All rule definitions and the deploy catalogue, loaded from the rules/ folder.</summary>
public sealed class RuleCatalogue
{
    public required IReadOnlyDictionary<string, RuleDefinition> Rules { get; init; }
    public required DeployActionCatalogue DeployActions { get; init; }
    public required string Folder { get; init; }

    /// <summary>The frameworks the evidence pack can be written for (rules/frameworks/*.yaml).</summary>
    public IReadOnlyList<ComplianceFramework> Frameworks { get; init; } = [];

    /// <summary>
    /// The compliance references as data: framework ("SOC 2", "ISO 27001", "PCI DSS") → control → the rules that
    /// produce evidence for it, each level sorted. A reference is "FRAMEWORK CONTROL", the control being its last word.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> Compliance =>
        _compliance ??= Rules.Values
            .SelectMany(r => r.Compliance.Select(c => (Reference: c.Trim(), Rule: r.Id)))
            .Where(x => x.Reference.LastIndexOf(' ') > 0)
            .GroupBy(x => x.Reference[..x.Reference.LastIndexOf(' ')], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, IReadOnlyList<string>>)g
                    .GroupBy(x => x.Reference[(x.Reference.LastIndexOf(' ') + 1)..], StringComparer.Ordinal)
                    .OrderBy(c => c.Key, ControlOrder.Instance)
                    .ToDictionary(c => c.Key, c => (IReadOnlyList<string>)[.. c.Select(x => x.Rule).Distinct().Order(StringComparer.Ordinal)], StringComparer.Ordinal),
                StringComparer.Ordinal);

    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>? _compliance;

    /// <summary>The controls a rule produces evidence for, as (framework, control), in the mapping's order.</summary>
    public IReadOnlyList<(string Framework, string Control)> ControlsOf(string ruleId) =>
        (_controlsByRule ??= Compliance
            .SelectMany(f => f.Value.SelectMany(c => c.Value.Select(rule => (Rule: rule, Framework: f.Key, Control: c.Key))))
            .GroupBy(x => x.Rule, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<(string, string)>)[.. g.Select(x => (x.Framework, x.Control))], StringComparer.Ordinal))
        .GetValueOrDefault(ruleId) ?? [];

    private Dictionary<string, IReadOnlyList<(string, string)>>? _controlsByRule;

    public RuleDefinition this[string id] => Rules.TryGetValue(id, out var r) ? r : throw new KeyNotFoundException($"rule {id} has no catalogue entry in {Folder}");

    /// <summary>Finds rules/ beside the executable, or walking up from the working directory (running from a source tree).</summary>
    public static string LocateFolder()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "rules");
                if (File.Exists(Path.Combine(candidate, "deploy-actions.yaml")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidDataException("rule catalogue not found: expected a rules/ folder with deploy-actions.yaml beside the executable or above the working directory");
    }

    public static RuleCatalogue Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidDataException($"rule catalogue folder '{folder}' does not exist; expected a rules/ folder with DS-*.yaml and deploy-actions.yaml");
        }

        if (!File.Exists(Path.Combine(folder, "deploy-actions.yaml")))
        {
            throw new InvalidDataException($"rule catalogue '{folder}' has no deploy-actions.yaml");
        }

        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        var rules = new Dictionary<string, RuleDefinition>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "DS-*.yaml").Order(StringComparer.Ordinal))
        {
            RuleDefinition def;
            try
            {
                def = deserializer.Deserialize<RuleDefinition>(File.ReadAllText(file));
            }
            catch (YamlException e)
            {
                throw new InvalidDataException($"{file}:{e.Start.Line}:{e.Start.Column}: {e.Message} {e.InnerException?.Message}", e);
            }

            var expected = Path.GetFileNameWithoutExtension(file);
            if (def.Id != expected)
            {
                throw new InvalidDataException($"{file}: id '{def.Id}' does not match the file name '{expected}'");
            }

            if (!EnumText.TryParseSeverity(def.Severity, out _))
            {
                throw new InvalidDataException($"{file}: severity '{def.Severity}' is not one of critical, high, medium, low, info");
            }

            rules[def.Id] = def;
        }

        var deployFile = Path.Combine(folder, "deploy-actions.yaml");
        DeployActionCatalogue deploy;
        try
        {
            deploy = deserializer.Deserialize<DeployActionCatalogue>(File.ReadAllText(deployFile));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{deployFile}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e);
        }

        if (rules.Count == 0)
        {
            throw new InvalidDataException($"rule catalogue '{folder}' has no DS-*.yaml rule files");
        }

        return new RuleCatalogue { Rules = rules, DeployActions = deploy, Folder = folder, Frameworks = ComplianceFramework.Load(Path.Combine(folder, "frameworks"), deserializer) };
    }
}
