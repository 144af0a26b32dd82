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
    private readonly DriftSentinel.Http.RequestCounters _counters = new();
    private int _created;
    private int _updated;
    private int _closed;
    private int _reopened;

    /// <summary>Builds the sink and its trackers; tokens are read from the environment variables the options name.</summary>
    public TicketSink(TicketOptions options, RuleCatalogue catalogue, TimeProvider clock, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _options = options;
        _catalogue = catalogue;
        _clock = clock;
        string Token(string tracker, string variable) => environment(variable) is { Length: > 0 } token && !string.IsNullOrWhiteSpace(token)
            ? token
            : throw new InvalidOperationException($"tickets: the {tracker} token variable {variable} is not set");

        if (options.GitHub is { } gh)
        {
            _trackers["github"] = new GitHubIssuesTracker(GitHubIssuesTracker.Client(gh, Token("GitHub", gh.TokenVariable), TrackerHttp.Handler(options, clock, _counters)));
        }

        if (options.Jira is { } jira)
        {
            _trackers["jira"] = new JiraTracker(JiraTracker.Client(jira, Token("Jira", jira.TokenVariable), TrackerHttp.Handler(options, clock, _counters)), jira);
        }
    }

    public string Name => "tickets";

    public TicketSyncCounts Counts => new(_created, _updated, _closed, _reopened, _counters.Requests, _counters.Throttled);

    public string Summary => $"{_created} created, {_updated} updated, {_closed} closed, {_reopened} reopened; {_counters.Requests} request(s), {_counters.Throttled} throttled and retried";

    public void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var ledger = state as ITicketLedger ?? throw new InvalidOperationException("the state database keeps no ticket ledger");
        foreach (var work in Work(notice, ledger))
        {
            cancellation.ThrowIfCancellationRequested();
            Apply(notice, work, ledger, cancellation);
        }
    }

    /// <summary>What a sync of this notice would do, as one line per ticket; nothing is sent.</summary>
    public IReadOnlyList<string> Plan(LifecycleNotice notice, ITicketLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(ledger);
        var lines = new List<string>();
        foreach (var w in Work(notice, ledger))
        {
            var existing = w.Existing;
            var target = existing is { Key: not null } ? $"{existing.Tracker} {existing.Project}#{existing.Key}" : $"{w.Tracker} {w.Project}";
            var action = existing is not { Key: not null }
                ? w.Wanted != TicketState.Open ? "nothing" : "create"
                : existing.State != w.Wanted ? w.Wanted switch { TicketState.Open => "reopen", TicketState.Closed => "close", _ => "close as not planned" }
                : w.Wanted == TicketState.Open && existing.ContentHash != w.Content.Hash ? "update"
                : "nothing";
            lines.Add($"{action,-21} {w.What,-24} {w.Key} {target}");
        }

        return lines;
    }

    private static TicketState Wanted(LifecycleChange change) => change switch
    {
        LifecycleChange.Resolved => TicketState.Closed,
        LifecycleChange.Accepted => TicketState.NotPlanned,
        _ => TicketState.Open,
    };

    /// <summary>One ticket to bring to its wanted state: a finding's, or a rule × environment group's.</summary>
    private sealed record TicketWork(string Key, string What, string Tracker, string Project, TicketRecord? Existing, TicketState Wanted, TicketContent Content,
        string ReopenReason, string CloseReason);

    /// <summary>The tickets this notice concerns, in the notice's order (most severe first).</summary>
    private IEnumerable<TicketWork> Work(LifecycleNotice notice, ITicketLedger ledger)
    {
        var groups = new Dictionary<string, (TicketRoute Route, List<NoticeTransition> Members)>(StringComparer.Ordinal);
        foreach (var t in notice.Transitions)
        {
            var f = t.Finding;
            var route = _options.Routes.FirstOrDefault(r => r.Matches(f));
            if (route is { Grouped: true })
            {
                var key = GroupKey(route, f.RuleId, f.Environment);
                if (!groups.TryGetValue(key, out var group))
                {
                    group = (route, []);
                    groups[key] = group;
                }

                group.Members.Add(t);
                continue;
            }

            // Not verified (its scope was not read): its ticket stays as it is, neither closed nor rewritten from less data.
            if (t.Change == LifecycleChange.NotVerified)
            {
                continue;
            }

            var existing = ledger.FindTicket(notice.Profile, f.Fingerprint);
            if (existing is null && route is null)
            {
                continue; // no route takes this finding
            }

            var tracker = existing?.Tracker ?? route!.Tracker;
            var project = existing?.Project ?? route!.Project;
            var wanted = Wanted(t.Change);
            var reopen = t.Change == LifecycleChange.ExceptionExpired
                ? $"Reopened by DriftSentinel: the exception or acceptance covering this finding has expired (run #{notice.RunId}, profile {notice.Profile})."
                : $"Reopened by DriftSentinel: run #{notice.RunId} (profile {notice.Profile}) sees this drift again.";
            var close = wanted == TicketState.Closed
                ? $"Resolved: run #{notice.RunId} (profile {notice.Profile}) read this finding's scope completely and no longer saw it. Closed by DriftSentinel."
                : $"Accepted{(f.AcceptedBy is null ? "" : $" by {f.AcceptedBy}")}{(f.AcceptanceReason is null ? "" : $": {f.AcceptanceReason}")}{(f.AcceptedUntil is { } until ? $" (until {until:yyyy-MM-dd})" : "")}. "
                  + "Closed as not planned by DriftSentinel; it reopens this issue if the acceptance expires and the drift is still there.";
            var content = Content(notice, t, route ?? new TicketRoute { Tracker = tracker, Project = project });
            yield return new TicketWork(f.Fingerprint, f.RuleId, tracker, project, existing, wanted, content, reopen, close);
        }

        foreach (var (key, (route, members)) in groups)
        {
            var existing = ledger.FindTicket(notice.Profile, key);
            // A member whose scope was not read keeps the group open: the group is not fixed until every member is seen fixed.
            var open = members.Where(m => m.Change != LifecycleChange.NotVerified && Wanted(m.Change) == TicketState.Open).ToList();
            var unverified = members.Count(m => m.Change == LifecycleChange.NotVerified);
            var wanted = open.Count > 0 || unverified > 0 ? TicketState.Open
                : members.All(m => Wanted(m.Change) == TicketState.NotPlanned) ? TicketState.NotPlanned : TicketState.Closed;
            var first = members[0].Finding;
            var what = $"{first.RuleId} {first.Environment ?? "(no environment)"}";
            yield return new TicketWork(key, what, existing?.Tracker ?? route.Tracker, existing?.Project ?? route.Project, existing, wanted, GroupContent(notice, key, route, members, open, unverified),
                $"Reopened by DriftSentinel: run #{notice.RunId} (profile {notice.Profile}) sees {open.Count} finding(s) of {what} again.",
                wanted == TicketState.Closed
                    ? $"Resolved: run #{notice.RunId} (profile {notice.Profile}) no longer sees any finding of {what} in scopes it read completely. Closed by DriftSentinel."
                    : $"Every finding of {what} is accepted or excepted. Closed as not planned by DriftSentinel.");
        }
    }

    /// <summary>A group's ledger key: the same shape as a fingerprint (24 hex characters), so its label fits too.</summary>
    private static string GroupKey(TicketRoute route, string rule, string? environment) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"group|{route.Tracker}|{route.Project}|{rule}|{environment}")))[..24];

    private void Apply(LifecycleNotice notice, TicketWork w, ITicketLedger ledger, CancellationToken cancellation)
    {
        var tracker = Tracker(w.Tracker);
        var project = w.Project;
        var wanted = w.Wanted;
        var content = w.Content;
        var now = _clock.GetUtcNow();
        var record = w.Existing ?? new TicketRecord { Profile = notice.Profile, Fingerprint = w.Key, Tracker = tracker.Name, Project = project, State = TicketState.Open };

        // A create whose answer never reached the ledger: the label says whether it happened.
        if (record is { Key: null, Creating: true } && tracker.FindByLabel(project, FingerprintLabel(w.Key), cancellation) is { } found)
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
                if (tracker.SetState(project, record.Key, TicketState.Open, w.ReopenReason, cancellation) is null)
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

        // A ticket deleted or moved meanwhile has nothing left to close.
        tracker.SetState(project, record.Key, wanted, w.CloseReason, cancellation);
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

    private TicketContent GroupContent(LifecycleNotice notice, string key, TicketRoute route, List<NoticeTransition> members, List<NoticeTransition> open, int unverified)
    {
        var first = members[0].Finding;
        var rule = _catalogue.Rules.GetValueOrDefault(first.RuleId);
        var severity = (open.Count > 0 ? open : members).Max(m => m.Finding.Severity);
        var title = $"[DriftSentinel] {severity.ToText()}: {first.Title} in {first.Environment ?? "no environment"} ({open.Count} open)";
        var b = new StringBuilder();
        b.Append("**").Append(first.RuleId).Append(' ').Append(first.Title).Append("** in **").Append(first.Environment ?? "no environment").Append("**: ")
            .Append(open.Count).Append(" open finding(s), most severe **").Append(severity.ToText()).AppendLine("**.").AppendLine();
        b.AppendLine("| fingerprint | severity | account | principal | resource | last seen |").AppendLine("|---|---|---|---|---|---|");
        foreach (var m in open.OrderByDescending(m => m.Finding.Severity).ThenBy(m => m.Finding.Fingerprint, StringComparer.Ordinal).Take(200))
        {
            var f = m.Finding;
            b.Append("| `").Append(f.Fingerprint).Append("` | ").Append(f.Severity.ToText()).Append(" | ").Append(Cell(f.Account)).Append(" | ").Append(Cell(f.Principal))
                .Append(" | ").Append(Cell(f.Resource)).Append(" | ").Append(f.LastSeen.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).AppendLine(" |");
        }

        if (unverified > 0)
        {
            b.Append(unverified).AppendLine(" more not verified in this run: their scope was not read completely, so they are counted as still open.");
        }

        if (open.Count > 200)
        {
            b.Append("…and ").Append(open.Count - 200).AppendLine(" more in the report.");
        }

        b.AppendLine();
        if (rule is not null)
        {
            b.Append("**Remediation.** ").AppendLine(rule.Remediation).AppendLine();
            b.Append("**Compliance.** ").AppendLine(string.Join(", ", rule.Compliance)).AppendLine();
        }

        if (_options.ReportUrl is { } report)
        {
            b.Append("**Report.** ").AppendLine(report).AppendLine();
        }

        b.Append("Group `").Append(key).Append("` (rule × environment), profile `").Append(notice.Profile).AppendLine("`. Kept by DriftSentinel: closed when no finding of the group is left.");
        var body = b.ToString();
        return Ticket(title, body, key, severity, first.RuleId, route, members.SelectMany(m => m.Finding.Owners));
    }

    private static string Cell(string? value) => (value ?? "").Replace("|", "\\|", StringComparison.Ordinal);

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
        return Ticket(title, body, f.Fingerprint, f.Severity, f.RuleId, route, f.Owners);
    }

    /// <summary>
    /// Labels (marker, fingerprint label, severity, rule, the route's), assignees (the route's, then the baseline's owners
    /// for this tracker) and the hash of all of it that says whether a ticket needs an update.
    /// </summary>
    private static TicketContent Ticket(string title, string body, string key, Severity severity, string rule, TicketRoute route, IEnumerable<string> owners)
    {
        List<string> labels = ["driftsentinel", FingerprintLabel(key), $"severity:{severity.ToText()}", rule, .. route.Labels];
        List<string> assignees = [.. route.Assignees.Concat(owners.Where(o => o.StartsWith(route.Tracker + ":", StringComparison.Ordinal)).Select(o => o[(route.Tracker.Length + 1)..]))
            .Distinct(StringComparer.OrdinalIgnoreCase)];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{title}\n{body}\n{string.Join(",", labels)}\n{string.Join(",", assignees)}")))[..16];
        return new TicketContent(title, body, labels, assignees, hash) { Priority = severity.ToText() };
    }
}
