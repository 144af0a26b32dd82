using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Tickets;

namespace DriftSentinel.Tickets;

/// <summary>What the ticket syncs of this process did, cumulatively.</summary>
public sealed record TicketSyncCounts(int Created, int Updated, int Closed, int Reopened, int Requests, int Throttled);

/// <summary>
/// The lifecycle sink that keeps one ticket per finding: opened when a finding appears, updated when what it says
/// changes (never a comment per run), closed when a run that read its scope no longer sees it, closed as not planned
/// when it is accepted, reopened when it comes back. The ledger (state database) decides whether a ticket exists; the
/// fingerprint label only recovers a create whose answer was lost.
/// </summary>
public sealed class TicketSink : IFindingLifecycleSink
{
    private readonly TicketOptions _options;
    private readonly RuleCatalogue _catalogue;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, ITicketTracker> _trackers = new(StringComparer.Ordinal);
    private readonly TrackerCounters _counters = new();
    private int _created;
    private int _updated;
    private int _closed;
    private int _reopened;

    /// <summary>Builds the sink and its trackers; tokens are read from the environment variables the options name.</summary>
    public TicketSink(TicketOptions options, RuleCatalogue catalogue, TimeProvider clock, Func<string, string?> environment, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _options = options;
        _catalogue = catalogue;
        _clock = clock;
        if (options.GitHub is { } gh)
        {
            var token = environment(gh.TokenVariable);
            if (string.IsNullOrWhiteSpace(token))
            {
                throw new InvalidOperationException($"tickets: the GitHub token variable {gh.TokenVariable} is not set");
            }

            _trackers["github"] = new GitHubIssuesTracker(GitHubIssuesTracker.Client(gh, token, TrackerHttp.Handler(options, clock, _counters, transport)));
        }

        if (options.Jira is { } jira)
        {
            var token = environment(jira.TokenVariable);
            if (string.IsNullOrWhiteSpace(token))
            {
                throw new InvalidOperationException($"tickets: the Jira token variable {jira.TokenVariable} is not set");
            }

            _trackers["jira"] = new JiraTracker(JiraTracker.Client(jira, token, TrackerHttp.Handler(options, clock, _counters, transport)), jira);
        }
    }

    public string Name => "tickets";

    public TicketSyncCounts Counts => new(_created, _updated, _closed, _reopened, _counters.Requests, _counters.Throttled);

    public string Summary => $"{_created} created, {_updated} updated, {_closed} closed, {_reopened} reopened; {_counters.Requests} request(s), {_counters.Throttled} throttled and retried";

    public void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var ledger = state as ITicketLedger ?? throw new InvalidOperationException("the state database keeps no ticket ledger");
        foreach (var t in notice.Transitions)
        {
            cancellation.ThrowIfCancellationRequested();
            Sync(notice, t, ledger, cancellation);
        }
    }

    /// <summary>What a sync of this notice would do, as one line per ticket; nothing is sent.</summary>
    public IReadOnlyList<string> Plan(LifecycleNotice notice, ITicketLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(ledger);
        var lines = new List<string>();
        foreach (var t in notice.Transitions)
        {
            var existing = ledger.FindTicket(notice.Profile, t.Finding.Fingerprint);
            var route = _options.Routes.FirstOrDefault(r => r.Matches(t.Finding));
            var wanted = Wanted(t.Change);
            var target = existing is { Key: not null } ? $"{existing.Tracker} {existing.Project}#{existing.Key}" : route is null ? "(no route)" : $"{route.Tracker} {route.Project}";
            var action = existing is not { Key: not null }
                ? route is null || wanted != TicketState.Open ? "nothing" : "create"
                : existing.State != wanted ? wanted switch { TicketState.Open => "reopen", TicketState.Closed => "close", _ => "close as not planned" }
                : wanted == TicketState.Open && existing.ContentHash != Content(notice, t, route ?? new TicketRoute { Project = existing.Project }).Hash ? "update"
                : "nothing";
            lines.Add($"{action,-21} {t.Finding.RuleId,-11} {t.Finding.Fingerprint} {target}");
        }

        return lines;
    }

    private static TicketState Wanted(LifecycleChange change) => change switch
    {
        LifecycleChange.Resolved => TicketState.Closed,
        LifecycleChange.Accepted => TicketState.NotPlanned,
        _ => TicketState.Open,
    };

    private void Sync(LifecycleNotice notice, NoticeTransition t, ITicketLedger ledger, CancellationToken cancellation)
    {
        var f = t.Finding;
        var existing = ledger.FindTicket(notice.Profile, f.Fingerprint);
        var route = existing is null ? _options.Routes.FirstOrDefault(r => r.Matches(f)) : null;
        if (existing is null && route is null)
        {
            return; // no route takes this finding
        }

        var tracker = Tracker(existing?.Tracker ?? route!.Tracker);
        var project = existing?.Project ?? route!.Project;
        route ??= _options.Routes.FirstOrDefault(r => r.Matches(f)) ?? new TicketRoute { Tracker = tracker.Name, Project = project };
        var wanted = Wanted(t.Change);
        var content = Content(notice, t, route);
        var now = _clock.GetUtcNow();
        var record = existing ?? new TicketRecord { Profile = notice.Profile, Fingerprint = f.Fingerprint, Tracker = tracker.Name, Project = project, State = TicketState.Open };

        // A create whose answer never reached the ledger: the label says whether it happened.
        if (record is { Key: null, Creating: true } && tracker.FindByLabel(project, FingerprintLabel(f.Fingerprint), cancellation) is { } found)
        {
            record = record with { Key = found.Key, Url = found.Url, State = found.Open ? TicketState.Open : TicketState.Closed, Creating = false };
            ledger.SaveTicket(record);
        }

        if (record.Key is null)
        {
            if (wanted == TicketState.Open)
            {
                Create(record, content, notice.RunId, now, tracker, ledger, cancellation);
            }

            return;
        }

        if (wanted == TicketState.Open)
        {
            if (record.State != TicketState.Open)
            {
                var why = t.Change == LifecycleChange.ExceptionExpired
                    ? $"Reopened by DriftSentinel: the exception or acceptance covering this finding has expired (run #{notice.RunId}, profile {notice.Profile})."
                    : $"Reopened by DriftSentinel: run #{notice.RunId} (profile {notice.Profile}) sees this drift again.";
                if (tracker.SetState(project, record.Key, TicketState.Open, why, cancellation) is null)
                {
                    Create(record with { Replaced = Join(record.Replaced, record.Key) }, content, notice.RunId, now, tracker, ledger, cancellation);
                    return;
                }

                record = record with { State = TicketState.Open };
                _reopened++;
            }

            if (record.ContentHash != content.Hash)
            {
                if (tracker.Update(project, record.Key, content, cancellation) is null)
                {
                    Create(record with { Replaced = Join(record.Replaced, record.Key) }, content, notice.RunId, now, tracker, ledger, cancellation);
                    return;
                }

                _updated++;
            }

            ledger.SaveTicket(record with { ContentHash = content.Hash, LastRunId = notice.RunId, SyncedAt = now });
            return;
        }

        if (record.State == wanted)
        {
            return;
        }

        var comment = wanted == TicketState.Closed
            ? $"Resolved: run #{notice.RunId} (profile {notice.Profile}) read this finding's scope completely and no longer saw it. Closed by DriftSentinel."
            : $"Accepted{(f.AcceptedBy is null ? "" : $" by {f.AcceptedBy}")}{(f.AcceptanceReason is null ? "" : $": {f.AcceptanceReason}")}{(f.AcceptedUntil is { } until ? $" (until {until:yyyy-MM-dd})" : "")}. "
              + "Closed as not planned by DriftSentinel; it reopens this issue if the acceptance expires and the drift is still there.";

        // A ticket deleted meanwhile has nothing left to close.
        tracker.SetState(project, record.Key, wanted, comment, cancellation);
        _closed++;
        ledger.SaveTicket(record with { State = wanted, LastRunId = notice.RunId, SyncedAt = now });
    }

    private void Create(TicketRecord record, TicketContent content, long runId, DateTimeOffset now, ITicketTracker tracker, ITicketLedger ledger, CancellationToken cancellation)
    {
        // Claimed in the ledger before the tracker is called, so a crash after the tracker's answer is recovered by label.
        ledger.SaveTicket(record with { Key = null, Url = null, Creating = true, State = TicketState.Open });
        var created = tracker.Create(record.Project, content, cancellation);
        ledger.SaveTicket(record with { Key = created.Key, Url = created.Url, Creating = false, State = TicketState.Open, ContentHash = content.Hash, LastRunId = runId, SyncedAt = now });
        _created++;
    }

    private ITicketTracker Tracker(string name) =>
        _trackers.TryGetValue(name, out var tracker) ? tracker : throw new InvalidOperationException($"tickets: tracker {name} is not configured");

    private static string? Join(string? replaced, string key) => replaced is null ? key : $"{replaced} {key}";

    /// <summary>The label that ties a ticket to its finding (GitHub allows 50 characters; this is 38).</summary>
    internal static string FingerprintLabel(string fingerprint) => $"driftsentinel-{fingerprint}";

    private TicketContent Content(LifecycleNotice notice, NoticeTransition t, TicketRoute route)
    {
        var f = t.Finding;
        var rule = _catalogue.Rules.GetValueOrDefault(f.RuleId);
        var title = $"[DriftSentinel] {f.Severity.ToText()}: {f.Title} — {f.Principal ?? f.Resource ?? f.Account ?? f.RuleId}{(f.Environment is null ? "" : $" ({f.Environment})")}";
        if (title.Length > 250)
        {
            title = title[..249] + "…";
        }

        var b = new StringBuilder();
        b.Append("**").Append(f.RuleId).Append(' ').Append(f.Title).Append("** — severity **").Append(f.Severity.ToText()).AppendLine("**").AppendLine();
        b.AppendLine("| | |").AppendLine("|---|---|");
        void Row(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                b.Append("| ").Append(name).Append(" | ").Append(value.Replace("|", "\\|", StringComparison.Ordinal)).AppendLine(" |");
            }
        }

        Row("environment", f.Environment);
        Row("cloud", f.Cloud);
        Row("account", f.Account);
        Row("principal", f.Principal);
        Row("resource", f.Resource);
        Row("first seen", f.FirstSeen.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Row("last seen", f.LastSeen.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); // a day, so a busy finding is not rewritten every run
        b.AppendLine().AppendLine(f.Message ?? "").AppendLine();
        if (rule is not null)
        {
            b.Append("**Why it matters.** ").AppendLine(rule.Rationale).AppendLine();
            b.Append("**Remediation.** ").AppendLine(rule.Remediation).AppendLine();
            if (rule.Compliance.Count > 0)
            {
                b.Append("**Compliance.** ").AppendLine(string.Join(", ", rule.Compliance)).AppendLine();
            }
        }

        if (_options.ReportUrl is { } report)
        {
            b.Append("**Report.** ").AppendLine(report).AppendLine();
        }

        b.Append("Fingerprint `").Append(f.Fingerprint).Append("`, profile `").Append(notice.Profile).AppendLine("`. This issue is kept by DriftSentinel: it is closed when a run no longer sees the drift and reopened if it comes back.");
        var body = b.ToString();
        List<string> labels = ["driftsentinel", FingerprintLabel(f.Fingerprint), $"severity:{f.Severity.ToText()}", f.RuleId, .. route.Labels];
        // The route's assignees, then the baseline's owners of the environment or account for this tracker.
        List<string> assignees = [.. route.Assignees, .. f.Owners.Where(o => o.StartsWith(route.Tracker + ":", StringComparison.Ordinal)).Select(o => o[(route.Tracker.Length + 1)..])];
        assignees = [.. assignees.Distinct(StringComparer.OrdinalIgnoreCase)];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{title}\n{body}\n{string.Join(",", labels)}\n{string.Join(",", assignees)}")))[..16];
        return new TicketContent(title, body, labels, assignees, hash) { Priority = f.Severity.ToText() };
    }
}
