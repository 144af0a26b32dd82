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

    /// <summary>
    /// The stream cut into parts that can be read on any thread in any order (a trail's files), in the stream's own
    /// read order; <see cref="ActivityParts.Complete"/> records coverage once every part was read. The default is the
    /// whole stream as one part.
    /// </summary>
    ActivityParts Parts(CoverageLog coverage) => new([() => Read(coverage)], static () => { });
}

/// <summary>
/// A stream's independently readable parts and what to do once all were read (coverage is written then, in the
/// stream's order, whatever order the parts were read in).
/// </summary>
public sealed record ActivityParts(IReadOnlyList<Func<IEnumerable<ActivityEvent>>> Parts, Action Complete);
