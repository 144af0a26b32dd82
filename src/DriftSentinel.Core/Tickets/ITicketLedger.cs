namespace DriftSentinel.Core.Tickets;

/// <summary>What a finding's ticket should be, and what it was last synced as.</summary>
public enum TicketState
{
    /// <summary>Open: the drift is there (new, still open, reopened, back after an exception expired).</summary>
    Open,

    /// <summary>Closed as done: a run that read the finding's scope no longer saw it.</summary>
    Closed,

    /// <summary>Closed as won't fix: accepted or excepted, with owner, reason and until.</summary>
    NotPlanned,
}

/// <summary>
/// One finding's ticket in the ledger: the source of truth for "is there a ticket", because the trackers' searches are
/// eventually consistent. <see cref="Creating"/> marks a create sent but not confirmed (a crash between the tracker's
/// answer and the ledger write): the next sync recovers the ticket by its fingerprint label before creating another.
/// </summary>
public sealed record TicketRecord
{
    public required string Profile { get; init; }
    public required string Fingerprint { get; init; }

    /// <summary>The tracker (github, jira) and project or repository the route chose.</summary>
    public required string Tracker { get; init; }
    public required string Project { get; init; }

    /// <summary>The ticket's key (issue number, Jira key) and address; null until created.</summary>
    public string? Key { get; init; }
    public string? Url { get; init; }
    public TicketState State { get; init; }

    /// <summary>Hash of the content last written, so an unchanged finding sends nothing.</summary>
    public string? ContentHash { get; init; }
    public long LastRunId { get; init; }
    public DateTimeOffset? SyncedAt { get; init; }
    public bool Creating { get; init; }

    /// <summary>Keys of tickets this one replaced (deleted or unreachable when the finding came back).</summary>
    public string? Replaced { get; init; }
}

/// <summary>The ticket ledger in the state database (SQLite or PostgreSQL), keyed by profile and fingerprint.</summary>
public interface ITicketLedger
{
    TicketRecord? FindTicket(string profile, string fingerprint);

    /// <summary>Inserts or replaces the finding's row.</summary>
    void SaveTicket(TicketRecord record);

    IReadOnlyList<TicketRecord> ListTickets(string? profile);
}
