using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>
/// Collects one source live into the snapshot layout its module's reader reads. Its options are the configuration
/// section <see cref="Section"/> under DriftSentinel, bound to <see cref="OptionsType"/> (unknown keys are errors).
/// </summary>
public interface ILiveCollector
{
    /// <summary>The configuration section below DriftSentinel (e.g. "Aws").</summary>
    string Section { get; }

    /// <summary>The type the section binds to.</summary>
    Type OptionsType { get; }

    /// <summary>Every problem with the bound options, each naming its key below <paramref name="prefix"/>.</summary>
    IEnumerable<string> Validate(object options, string prefix);

    /// <summary>
    /// Collects into <see cref="LiveCollectionContext.SnapshotFolder"/>, recording every scope read or not in the
    /// context's coverage. Returns what to do once the caller has used the snapshot (save watermarks).
    /// </summary>
    Action Collect(object options, LiveCollectionContext context);
}

/// <summary>What a collector is given: where to write, where its state lives, and the shared counters and log.</summary>
public sealed record LiveCollectionContext(
    string SnapshotFolder,
    string StateDirectory,
    bool Full,
    CollectionMetrics Metrics,
    CoverageLog Coverage,
    TimeProvider Clock,
    Action<string> Log);

/// <summary>A collector with typed options; the casts live here once.</summary>
public abstract class LiveCollector<TOptions> : ILiveCollector
    where TOptions : class
{
    public abstract string Section { get; }

    public Type OptionsType => typeof(TOptions);

    public IEnumerable<string> Validate(object options, string prefix) => Validate((TOptions)options, prefix);

    public Action Collect(object options, LiveCollectionContext context) => Collect((TOptions)options, context);

    protected abstract IEnumerable<string> Validate(TOptions options, string prefix);

    protected abstract Action Collect(TOptions options, LiveCollectionContext context);
}

/// <summary>A collector could not start (no credentials, unusable settings): the command exits 2 with this message.</summary>
public sealed class SourceConfigurationException(string message) : Exception(message);
