using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>
/// One source of evidence (a cloud, a CI system): the snapshot folders it owns, how they are read, what the baseline
/// declares that it must account for, and optionally how it is collected live. The CLI, the collect command, the
/// worker's scope staging and live dispatch and the configuration binding all iterate the registered modules
/// (<see cref="SourceRegistry"/>), so a new source is one project and one registration line.
/// </summary>
public interface ISourceModule
{
    /// <summary>Short lower-case name: the live scope is <c>live/NAME</c> (e.g. "aws").</summary>
    string Name { get; }

    /// <summary>Top-level snapshot folders this module owns; each sub-folder is one worker scope (e.g. aws/111122223333).</summary>
    IReadOnlyList<string> SnapshotFolders { get; }

    /// <summary>Reads the module's folders of a snapshot into the scan input.</summary>
    ISnapshotReader Reader { get; }

    /// <summary>Live collection, or null for a snapshot-only source.</summary>
    ILiveCollector? Collector { get; }

    /// <summary>
    /// Adds a <c>missing</c> coverage entry for each scope the baseline declares that this module's folders do not
    /// hold, so a deleted folder never makes a declared scope look clean. Called after every reader has run.
    /// </summary>
    void CheckDeclaredScopes(OrganizationBaseline baseline, ScanInput input);
}
