using System.Reflection;

namespace DriftSentinel.Tests.Architecture;

public sealed class DependencyDirectionTests
{
    private static readonly string[] Adapters = ["DriftSentinel.Aws", "DriftSentinel.Aws.Collection", "DriftSentinel.Azure", "DriftSentinel.Azure.Collection", "DriftSentinel.History", "DriftSentinel.GitHub", "DriftSentinel.Reporting"];

    [Fact]
    public void Core_references_no_cloud_sdk_scheduler_or_adapter()
    {
        var references = Load("DriftSentinel.Core").GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, r => r.StartsWith("AWSSDK", StringComparison.Ordinal) || r.StartsWith("Azure", StringComparison.Ordinal)
            || r.StartsWith("Hangfire", StringComparison.Ordinal) || r.StartsWith("CsvHelper", StringComparison.Ordinal) || r.StartsWith("DriftSentinel", StringComparison.Ordinal));
    }

    [Fact]
    public void Adapters_depend_on_the_core_and_never_on_each_other()
    {
        foreach (var adapter in Adapters)
        {
            var ours = Load(adapter).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("DriftSentinel", StringComparison.Ordinal)).ToList();
            Assert.True(ours.SequenceEqual(["DriftSentinel.Core"]), $"{adapter} references {string.Join(", ", ours)}");
        }
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));
}
