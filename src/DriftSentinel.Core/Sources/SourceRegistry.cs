using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>
/// The registered source modules, in registration order. Each module project adds itself with one extension method
/// (<c>AddAws()</c>, <c>AddAzure()</c>, <c>AddGitHub()</c>); the worker composes the list once.
/// </summary>
public sealed class SourceRegistry
{
    private readonly List<ISourceModule> _modules = [];

    public IReadOnlyList<ISourceModule> Modules => _modules;

    /// <summary>Every snapshot folder a module owns.</summary>
    public IEnumerable<string> SnapshotFolders => _modules.SelectMany(m => m.SnapshotFolders);

    /// <summary>Adds a module; a second module claiming a name or a folder is a wiring mistake and throws.</summary>
    public SourceRegistry Add(ISourceModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (_modules.Any(m => m.Name == module.Name))
        {
            throw new InvalidOperationException($"source module '{module.Name}' is registered twice");
        }

        if (_modules.SelectMany(m => m.SnapshotFolders).Intersect(module.SnapshotFolders, StringComparer.Ordinal).FirstOrDefault() is { } clash)
        {
            throw new InvalidOperationException($"snapshot folder '{clash}' is claimed by two source modules");
        }

        _modules.Add(module);
        return this;
    }

    /// <summary>A copy with the module of the same name replaced (tests point a module at fakes).</summary>
    public SourceRegistry Replace(ISourceModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var copy = new SourceRegistry();
        copy._modules.AddRange(_modules.Select(m => m.Name == module.Name ? module : m));
        return copy;
    }

    public ISourceModule? Find(string name) => _modules.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads a snapshot folder with every module (after the collection manifest, which any collector may have
    /// written), then lets each module account for the scopes the baseline declares.
    /// </summary>
    public ScanInput Read(string snapshotRoot, OrganizationBaseline baseline)
    {
        var input = new ScanInput();
        new CollectionManifestReader().Read(snapshotRoot, input);
        foreach (var module in _modules)
        {
            module.Reader.Read(snapshotRoot, input);
        }

        foreach (var module in _modules)
        {
            module.CheckDeclaredScopes(baseline, input);
        }

        return input;
    }
}
