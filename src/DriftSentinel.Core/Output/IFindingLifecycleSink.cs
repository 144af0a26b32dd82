using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Output;

/// <summary>
/// Receives each recorded run's finding transitions (tickets, notifications). Deliveries are at least once: a sink
/// must make a repeated notice for the same run change nothing (key its effects on <see cref="LifecycleNotice.RunId"/>
/// and the fingerprints). A sink that throws is retried later with its own backoff; it never costs the run, the
/// reports, or the other sinks their delivery.
/// </summary>
public interface IFindingLifecycleSink
{
    /// <summary>Stable name: the key of this sink's delivery state in the history store.</summary>
    string Name { get; }

    /// <param name="notice">The run's transitions.</param>
    /// <param name="state">The state database, for a sink that keeps its own records there (the ticket ledger).</param>
    /// <param name="cancellation">Stops a long delivery.</param>
    void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation);

    /// <summary>One line on what this sink has done so far (printed after a run), or null.</summary>
    string? Summary => null;
}

/// <summary>How a finding's lifecycle moved in a run.</summary>
public enum LifecycleChange
{
    New,
    StillOpen,
    Resolved,
    Reopened,
    Accepted,
    ExceptionExpired,

    /// <summary>Open before and not seen now, but its scope was not read completely: still there as far as anyone knows.</summary>
    NotVerified,
}

/// <summary>A finding as a sink needs it, kept with the notice so a delivery retried days later says what the run saw.</summary>
public sealed record NoticeFinding(
    string Fingerprint,
    string RuleId,
    string Title,
    Severity Severity,
    string? Environment,
    string? Cloud,
    string? Account,
    string? Principal,
    string? Resource,
    string? Message,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    int TimesSeen,
    string? AcceptedBy,
    string? AcceptanceReason,
    DateOnly? AcceptedUntil)
{
    /// <summary>The baseline's owners of the finding's environment or account, as tracker:id.</summary>
    public IReadOnlyList<string> Owners { get; init; } = [];
}

/// <summary>One transition of one finding.</summary>
public sealed record NoticeTransition(LifecycleChange Change, NoticeFinding Finding);

/// <summary>What a sink receives for one recorded run.</summary>
public sealed record LifecycleNotice(string Profile, long RunId, DateTimeOffset AsOf, int Gaps, IReadOnlyList<NoticeTransition> Transitions)
{
    /// <summary>The run's coverage gaps (<see cref="Gaps"/> of them): what was not read, so a notification can say so.</summary>
    public IReadOnlyList<NoticeGap> GapList { get; init; } = [];
}

/// <summary>One coverage gap of a run: a source and scope that was failed, partial or missing.</summary>
public sealed record NoticeGap(string Source, string Scope, string Status, string? Detail);

/// <summary>
/// What a notification sink has already sent, kept in the state database so a notice delivered twice (at least once)
/// posts each message once.
/// </summary>
public interface INotificationLedger
{
    bool WasNotified(string sink, long runId, string channel);

    /// <summary>Records a sent message; a second record of the same (sink, run, channel) changes nothing.</summary>
    void RecordNotified(string sink, long runId, string channel, DateTimeOffset at);
}

/// <summary>The outcome of one sink for one run, as the CLI prints it and the worker logs it.</summary>
public sealed record DeliveryOutcome(string Sink, long RunId, bool Delivered, int Attempts, string? Error, DateTimeOffset? NextAttempt);
