using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>Reads one source's part of a snapshot folder into a <see cref="ScanInput"/>. Implemented by the adapters.</summary>
public interface ISnapshotReader
{
    void Read(string snapshotRoot, ScanInput input);
}
