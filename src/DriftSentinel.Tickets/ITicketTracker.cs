namespace DriftSentinel.Tickets;

/// <summary>A ticket as a tracker holds it.</summary>
internal sealed record TrackerTicket(string Key, string Url, bool Open);

/// <summary>What a ticket says: title, body, labels and assignees.</summary>
internal sealed record TicketContent(string Title, string Body, IReadOnlyList<string> Labels, IReadOnlyList<string> Assignees, string Hash)
{
    /// <summary>The finding's severity (critical, high…), mapped to a tracker priority where the tracker has one.</summary>
    public string? Priority { get; init; }
}

/// <summary>The operations a ticket sync needs from a tracker (GitHub Issues; Jira next).</summary>
internal interface ITicketTracker
{
    string Name { get; }

    TrackerTicket Create(string project, TicketContent content, CancellationToken cancellation);

    /// <summary>Null when the ticket is gone (deleted, or its project no longer reachable).</summary>
    TrackerTicket? Update(string project, string key, TicketContent content, CancellationToken cancellation);

    /// <summary>Closes as done or as not planned, or reopens; with a comment saying why. Null when the ticket is gone.</summary>
    TrackerTicket? SetState(string project, string key, Core.Tickets.TicketState state, string comment, CancellationToken cancellation);

    /// <summary>The ticket carrying <paramref name="label"/>, if any: recovers a create the ledger never heard back from.</summary>
    TrackerTicket? FindByLabel(string project, string label, CancellationToken cancellation);
}

/// <summary>A tracker refused a request for a reason a retry will not fix (bad token, project gone, issues disabled).</summary>
internal sealed class TrackerException(string message) : Exception(message);
