using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.History;

/// <summary>Where a finding stands across runs.</summary>
public enum FindingStatus
{
    /// <summary>First seen in this run.</summary>
    New,

    /// <summary>Seen again.</summary>
    Open,

    /// <summary>Not seen in a run that read its scope completely.</summary>
    Resolved,

    /// <summary>Seen again after it was resolved.</summary>
    Reopened,

    /// <summary>Seen, but covered by a live baseline exception or triage acceptance.</summary>
    Accepted,
}

/// <summary>A finding's history, keyed by fingerprint.</summary>
public sealed record FindingState
{
    public required string Fingerprint { get; init; }

    /// <summary>The profile whose runs keep this state (history is per profile).</summary>
    public string Profile { get; init; } = "";
    public required string RuleId { get; init; }
    public required string Title { get; init; }
    public required Severity Severity { get; init; }
    public string? Environment { get; init; }

    /// <summary>Who the finding is about, as the run that last saw it named them (null in states recorded before schema v9).</summary>
    public string? Principal { get; init; }
    /// <summary>The scope (account, subscription, tenant, project) it belongs to, then any others it depends on, joined by '|'.</summary>
    public string? Scope { get; init; }

    /// <summary>The scope it belongs to (the first of <see cref="Scope"/>): what owners are looked up by.</summary>
    public string? PrimaryScope => Scope?.Split(ScopeSeparator)[0];

    /// <summary>Separates the scopes a finding depends on in <see cref="Scope"/> (no account, subscription or project path holds it).</summary>
    public const char ScopeSeparator = '|';
    public required FindingStatus Status { get; init; }
    public required DateTimeOffset FirstSeen { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
    public required int TimesSeen { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>An exception or acceptance that covered the finding has expired, so it is back.</summary>
    public bool AcceptanceExpired { get; init; }

    /// <summary>The run that last changed or saw it.</summary>
    public required long LastRunId { get; init; }
}

/// <summary>A triage decision recorded from the CLI: accept a finding until a date, with who, why and when.</summary>
public sealed record TriageDecision(string Fingerprint, string Reason, DateTimeOffset Until, string DecidedBy, DateTimeOffset DecidedAt, string? Ticket);

/// <summary>One triage decision as kept in order: <c>accept</c> (with its reason and end) or <c>unaccept</c> (withdrawn).</summary>
public sealed record TriageLogEntry(string Fingerprint, string Action, string? Reason, DateTimeOffset? Until, string DecidedBy, DateTimeOffset DecidedAt, string? Ticket);

/// <summary>What one run changed: the states to store and the transitions, for "changes since last run".</summary>
/// <param name="States">Every state this run changed or confirmed.</param>
/// <param name="Appeared">First seen in this run.</param>
/// <param name="Resolved">Not seen in a scope the run read completely.</param>
/// <param name="Reopened">Seen again after being resolved.</param>
/// <param name="BackFromAcceptance">An exception or acceptance expired, so the finding is open again.</param>
/// <param name="NotVerified">Open before, not seen now, but its scope was not read completely: carried over unchanged.</param>
public sealed record LifecycleUpdate(IReadOnlyList<FindingState> States, IReadOnlyList<FindingState> Appeared, IReadOnlyList<FindingState> Resolved, IReadOnlyList<FindingState> Reopened, IReadOnlyList<FindingState> BackFromAcceptance, IReadOnlyList<FindingState> NotVerified)
{
    /// <summary>What this run knows to be present: seen, or not verifiable (its scope was not read).</summary>
    public IEnumerable<(string Fingerprint, FindingStatus Status)> Present =>
        States.Where(s => s.Status != FindingStatus.Resolved).Concat(NotVerified).Select(s => (s.Fingerprint, s.Status));
}

/// <summary>
/// Moves each finding's state on by one run. A finding not seen is resolved only if the run read its scope completely
/// (no failed, partial or missing coverage for it): absence in a scope that was not read means nothing.
/// </summary>
internal static class FindingLifecycle
{
    public static LifecycleUpdate Apply(IReadOnlyDictionary<string, FindingState> previous, IEnumerable<Finding> current, IReadOnlyList<CoverageEntry> coverage,
        IReadOnlyDictionary<string, TriageDecision> triage, long runId, DateTimeOffset asOf, IReadOnlyCollection<string>? evaluatedRules = null)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var states = new List<FindingState>();
        var appeared = new List<FindingState>();
        var reopened = new List<FindingState>();
        var back = new List<FindingState>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in current)
        {
            if (!seen.Add(f.Fingerprint))
            {
                continue;
            }

            previous.TryGetValue(f.Fingerprint, out var before);
            var accepted = f.IsSuppressed || (triage.TryGetValue(f.Fingerprint, out var decision) && decision.Until > asOf);
            var acceptanceLapsed = !accepted && (f.Suppression is { Expired: true } || (triage.TryGetValue(f.Fingerprint, out var old) && old.Until <= asOf));
            var status = accepted ? FindingStatus.Accepted
                : before is null ? FindingStatus.New
                : before.Status == FindingStatus.Resolved ? FindingStatus.Reopened
                : FindingStatus.Open;
            var state = new FindingState
            {
                Fingerprint = f.Fingerprint,
                RuleId = f.RuleId,
                Title = f.Title,
                Severity = f.Severity,
                Environment = f.Environment,
                Principal = f.Principal,
                Scope = f.DependsOn.Count == 0 ? f.Account
                    : string.Join(FindingState.ScopeSeparator, new[] { f.Account }.Concat(f.DependsOn).OfType<string>().Distinct(StringComparer.Ordinal)),
                Status = status,
                FirstSeen = before?.FirstSeen ?? asOf,
                LastSeen = asOf,
                TimesSeen = (before?.TimesSeen ?? 0) + 1,
                AcceptanceExpired = acceptanceLapsed,
                LastRunId = runId,
            };
            states.Add(state);
            if (status == FindingStatus.New)
            {
                appeared.Add(state);
            }
            else if (status == FindingStatus.Reopened)
            {
                reopened.Add(state);
            }
            else if (before?.Status == FindingStatus.Accepted && status != FindingStatus.Accepted)
            {
                back.Add(state);
            }
        }

        var resolved = new List<FindingState>();
        var notVerified = new List<FindingState>();
        foreach (var before in previous.Values.Where(p => !seen.Contains(p.Fingerprint) && p.Status != FindingStatus.Resolved))
        {
            // A rule this run did not evaluate cannot say its finding is gone: carried over, like an unread scope.
            var evaluated = evaluatedRules is null || evaluatedRules.Contains(before.RuleId);
            if (evaluated && CompletelyRead(before.Scope, coverage))
            {
                var state = before with { Status = FindingStatus.Resolved, ResolvedAt = asOf, LastRunId = runId };
                states.Add(state);
                resolved.Add(state);
            }
            else
            {
                notVerified.Add(before);
            }
        }

        return new LifecycleUpdate(states, appeared, resolved, reopened, back, notVerified);
    }

    /// <summary>
    /// True when the run read the scope (an account, subscription, tenant or repository) and nothing of it is failed,
    /// partial or missing, and no gap scoped "*". A finding with no scope is resolved only by a run with no gap at all;
    /// one that depends on several scopes ('|'-separated) only when every one of them was read completely.
    /// </summary>
    public static bool CompletelyRead(string? scope, IReadOnlyList<CoverageEntry> coverage)
    {
        ArgumentNullException.ThrowIfNull(coverage);
        if (scope is not null && scope.Contains(FindingState.ScopeSeparator, StringComparison.Ordinal))
        {
            return scope.Split(FindingState.ScopeSeparator).All(s => CompletelyRead(s, coverage));
        }

        // A gap scoped "*" (a whole cloud or the collection manifest) could hide any finding.
        bool Mine(CoverageEntry e) => scope is null || e.Scope == scope || e.Scope.StartsWith(scope + "/", StringComparison.Ordinal) || (e.Scope == "*" && e.Status is CoverageStatus.Failed or CoverageStatus.Partial);
        var entries = coverage.Where(Mine).ToList();
        return entries.Any(e => e.Status == CoverageStatus.Read) && entries.All(e => e.Status == CoverageStatus.Read);
    }
}
