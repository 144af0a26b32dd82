using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace DriftSentinel.Core.Rules;

/// <summary>
/// A compliance framework's controls in DriftSentinel's scope, from rules/frameworks/*.yaml: what the evidence pack
/// lists, including the controls no rule tests ("not covered"). The mapping of rules to controls stays in each rule's
/// <c>compliance</c> list.
/// </summary>
public sealed class ComplianceFramework
{
    /// <summary>The name rules use in their compliance references ("SOC 2", "ISO 27001", "PCI DSS").</summary>
    public string Framework { get; set; } = "";

    /// <summary>The short name `--evidence` takes and the pack's folder (soc2, iso27001, pci-dss).</summary>
    public string Slug { get; set; } = "";

    /// <summary>The framework's full name and version.</summary>
    public string Name { get; set; } = "";

    public List<ComplianceControl> Controls { get; set; } = [];

    internal static IReadOnlyList<ComplianceFramework> Load(string folder, IDeserializer deserializer)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var frameworks = new List<ComplianceFramework>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
        {
            ComplianceFramework framework;
            try
            {
                framework = deserializer.Deserialize<ComplianceFramework>(File.ReadAllText(file));
            }
            catch (YamlException e)
            {
                throw new InvalidDataException($"{file}:{e.Start.Line}:{e.Start.Column}: {e.Message} {e.InnerException?.Message}", e);
            }

            if (framework.Framework.Length == 0 || framework.Slug.Length == 0 || framework.Controls.Count == 0)
            {
                throw new InvalidDataException($"{file}: expected framework, slug and a list of controls (id, title)");
            }

            if (framework.Controls.FirstOrDefault(c => c.Id.Length == 0 || c.Title.Length == 0) is { } bad)
            {
                throw new InvalidDataException($"{file}: control '{bad.Id}' needs an id and a title");
            }

            if (framework.Controls.GroupBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new InvalidDataException($"{file}: control {twice.Key} is listed twice");
            }

            frameworks.Add(framework);
        }

        return frameworks;
    }
}

/// <summary>One control of a framework.</summary>
public sealed class ComplianceControl
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";

    /// <summary>An access control: its evidence includes the access review.</summary>
    public bool Access { get; set; }
}
