using System.Reflection;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Architecture;

public sealed class DependencyDirectionTests
{
    private static readonly string[] OtherAdapters = ["DriftSentinel.History", "DriftSentinel.Reporting", "DriftSentinel.Tickets", "DriftSentinel.Notifications"];

    /// <summary>Every assembly a registered source module lives in, and the assembly of its reader.</summary>
    private static IEnumerable<Assembly> ModuleAssemblies() =>
        SourceModules.Default().Modules.SelectMany(m => new[] { m.GetType().Assembly, m.Reader.GetType().Assembly }).Distinct();

    [Fact]
    public void Core_references_no_cloud_sdk_scheduler_or_adapter()
    {
        var references = Load("DriftSentinel.Core").GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, r => r.StartsWith("AWSSDK", StringComparison.Ordinal) || r.StartsWith("Azure", StringComparison.Ordinal)
            || r.StartsWith("Hangfire", StringComparison.Ordinal) || r.StartsWith("CsvHelper", StringComparison.Ordinal) || r.StartsWith("DriftSentinel", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_source_module_depends_on_the_core_and_its_own_reader_only()
    {
        var assemblies = ModuleAssemblies().ToList();
        Assert.True(assemblies.Count >= 3, "the aws, azure and github modules are registered");
        foreach (var assembly in assemblies)
        {
            var name = assembly.GetName().Name!;

            // DriftSentinel.Aws.Collection may reference DriftSentinel.Aws (the reader of what it collects), nothing else of
            // ours but the shared REST plumbing, which is no module.
            var family = string.Join('.', name.Split('.').Take(2));
            var ours = assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("DriftSentinel", StringComparison.Ordinal)).ToList();
            Assert.True(ours.All(n => n is "DriftSentinel.Core" or "DriftSentinel.Http" || (n == family && n != name)), $"{name} references {string.Join(", ", ours)}");
        }
    }

    [Fact]
    public void History_reporting_and_tickets_depend_on_the_core_only()
    {
        foreach (var adapter in OtherAdapters)
        {
            var ours = Load(adapter).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("DriftSentinel", StringComparison.Ordinal)).ToList();
            Assert.True(ours.All(n => n is "DriftSentinel.Core" or "DriftSentinel.Http") && ours.Contains("DriftSentinel.Core"), $"{adapter} references {string.Join(", ", ours)}");
        }
    }

    [Fact]
    public void The_shared_rest_plumbing_knows_no_module_and_no_provider()
    {
        var ours = Load("DriftSentinel.Http").GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("DriftSentinel", StringComparison.Ordinal)).ToList();
        Assert.Equal(["DriftSentinel.Core"], ours);
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));
}
