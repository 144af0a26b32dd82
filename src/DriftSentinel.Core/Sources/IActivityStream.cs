using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Sources;

/// <summary>A stream of audit events read lazily, so memory does not grow with the trail.</summary>
public interface IActivityStream
{
    /// <summary>Human-readable name (e.g. "aws/111122223333/cloudtrail").</summary>
    string Name { get; }

    /// <summary>Yields events; a file that cannot be read is recorded in <paramref name="coverage"/> and skipped.</summary>
    IEnumerable<ActivityEvent> Read(CoverageLog coverage);

    /// <summary>The files the stream will read (for progress and its ETA); none when unknown.</summary>
    IReadOnlyList<string> InputFiles() => [];
}
