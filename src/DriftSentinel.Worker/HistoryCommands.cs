using System.CommandLine;
using System.Globalization;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.History;

namespace DriftSentinel.Worker;

/// <summary>`findings list|accept` and `runs list|diff`: read and triage the history store.</summary>
public static class HistoryCommands
{
    public static IEnumerable<Command> Build(TextWriter stdout, TextWriter stderr, TimeProvider clock)
    {
        Option<string> Store() => new("--history") { Description = "The history store: a SQLite file, or a PostgreSQL connection string (Host=...)", Required = true };

        var listStore = Store();
        var status = new Option<string?>("--status") { Description = "new, open, reopened, resolved or accepted" };
        var severity = new Option<string?>("--severity") { Description = "This severity and above" };
        var rule = new Option<string?>("--rule") { Description = "A rule id, e.g. DS-DEP-001" };
        var environment = new Option<string?>("--environment") { Description = "An environment of the baseline" };
        var since = new Option<string?>("--since") { Description = "Last seen at or after this time (ISO 8601)" };
        var list = new Command("list", "List findings with their lifecycle");
        foreach (var o in new Option[] { listStore, status, severity, rule, environment, since })
        {
            list.Options.Add(o);
        }

        list.SetAction(parse => Guard(stderr, () =>
        {
            var query = new FindingQuery
            {
                Status = parse.GetValue(status) is { } s ? Enum.TryParse<FindingStatus>(s, true, out var st) ? st : throw new UsageException($"--status '{s}' is not new, open, reopened, resolved or accepted") : null,
                MinimumSeverity = parse.GetValue(severity) is { } v ? EnumText.TryParseSeverity(v, out var sev) ? sev : throw new UsageException($"--severity '{v}' is not a severity") : null,
                RuleId = parse.GetValue(rule),
                Environment = parse.GetValue(environment),
                Since = parse.GetValue(since) is { } t ? Time(t, "--since") : null,
            };
            using var store = Open(parse.GetValue(listStore)!);
            var findings = store.ListFindings(query);
            stdout.WriteLine($"{"fingerprint",-24}  {"status",-9}  {"severity",-8}  {"rule",-11}  {"first seen",-10}  {"last seen",-10}  {"seen",4}  title");
            foreach (var f in findings)
            {
                stdout.WriteLine($"{f.Fingerprint,-24}  {f.Status.ToString().ToLowerInvariant(),-9}  {f.Severity.ToText(),-8}  {f.RuleId,-11}  {f.FirstSeen:yyyy-MM-dd}  {f.LastSeen:yyyy-MM-dd}  {f.TimesSeen,4}  {f.Title}{(f.AcceptanceExpired ? "  [exception expired]" : string.Empty)}");
            }

            stdout.WriteLine($"{findings.Count} finding(s)");
            return ExitCodes.Ok;
        }));

        var acceptStore = Store();
        var fingerprint = new Argument<string>("fingerprint") { Description = "The finding's fingerprint (findings list shows it)" };
        var reason = new Option<string>("--reason") { Description = "Why the drift is accepted", Required = true };
        var until = new Option<string>("--until") { Description = "Accepted until this date (ISO 8601); the finding comes back after it", Required = true };
        var ticket = new Option<string?>("--ticket") { Description = "Ticket reference" };
        var by = new Option<string?>("--by") { Description = "Who decides (default: the USER environment variable)" };
        var accept = new Command("accept", "Accept a finding until a date, recording who, why and when");
        accept.Arguments.Add(fingerprint);
        foreach (var o in new Option[] { acceptStore, reason, until, ticket, by })
        {
            accept.Options.Add(o);
        }

        accept.SetAction(parse => Guard(stderr, () =>
        {
            var untilTime = Time(parse.GetValue(until)!, "--until");
            if (untilTime <= clock.GetUtcNow())
            {
                throw new UsageException("--until must be in the future");
            }

            using var store = Open(parse.GetValue(acceptStore)!);
            var fp = parse.GetValue(fingerprint)!;
            if (!store.LoadStates().ContainsKey(fp))
            {
                throw new UsageException($"no finding with fingerprint {fp} in the history (findings list shows them)");
            }

            var who = parse.GetValue(by) ?? Environment.GetEnvironmentVariable("USER") ?? "unknown";
            store.RecordTriage(new TriageDecision(fp, parse.GetValue(reason)!, untilTime, who, clock.GetUtcNow(), parse.GetValue(ticket)));
            stdout.WriteLine($"{fp} accepted until {untilTime:yyyy-MM-dd} by {who}; the next run marks it accepted, and it comes back after that date.");
            return ExitCodes.Ok;
        }));

        var findings = new Command("findings", "The findings' history and triage");
        findings.Subcommands.Add(list);
        findings.Subcommands.Add(accept);
        yield return findings;

        var runsStore = Store();
        var runsList = new Command("list", "Recorded runs, newest first");
        runsList.Options.Add(runsStore);
        runsList.SetAction(parse => Guard(stderr, () =>
        {
            using var store = Open(parse.GetValue(runsStore)!);
            foreach (var r in store.ListRuns(50))
            {
                stdout.WriteLine($"#{r.Id,-5} {r.Profile,-12} as of {r.AsOf:yyyy-MM-ddTHH:mm}Z  finished {r.FinishedAt:yyyy-MM-ddTHH:mm}Z  {r.Findings,5} findings, {r.Active,5} active, {r.Gaps,3} gaps  {r.Snapshot}");
            }

            return ExitCodes.Ok;
        }));

        var diffStore = Store();
        var from = new Argument<long>("from") { Description = "Earlier run id" };
        var to = new Argument<long>("to") { Description = "Later run id" };
        var diff = new Command("diff", "What appeared and what was resolved between two runs");
        diff.Arguments.Add(from);
        diff.Arguments.Add(to);
        diff.Options.Add(diffStore);
        diff.SetAction(parse => Guard(stderr, () =>
        {
            using var store = Open(parse.GetValue(diffStore)!);
            var d = store.Diff(parse.GetValue(from), parse.GetValue(to));
            var states = store.LoadStates();
            string Line(string fp) => states.TryGetValue(fp, out var s) ? $"{fp}  {s.Severity.ToText(),-8}  {s.RuleId,-11}  {s.Title}" : fp;
            stdout.WriteLine($"appeared ({d.Appeared.Count}):");
            d.Appeared.ToList().ForEach(f => stdout.WriteLine("  + " + Line(f)));
            stdout.WriteLine($"resolved ({d.Resolved.Count}):");
            d.Resolved.ToList().ForEach(f => stdout.WriteLine("  - " + Line(f)));
            stdout.WriteLine($"still open: {d.StillOpen.Count}");
            return ExitCodes.Ok;
        }));

        var runs = new Command("runs", "Recorded scan runs");
        runs.Subcommands.Add(runsList);
        runs.Subcommands.Add(diff);
        yield return runs;
    }

    private static SqlHistoryStore Open(string connection)
    {
        var store = SqlHistoryStore.Open(connection);
        store.Migrate();
        return store;
    }

    private static DateTimeOffset Time(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new UsageException($"{option} '{text}' is not a time; expected ISO 8601 such as 2026-12-31");

    private static int Guard(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is UsageException or InvalidOperationException or System.Data.Common.DbException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
