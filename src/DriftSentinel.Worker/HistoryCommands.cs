using System.CommandLine;
using System.Globalization;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.History;

namespace DriftSentinel.Worker;

/// <summary>`findings list|accept|unaccept` and `runs list|diff`: read and triage the history store.</summary>
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
        var profile = new Option<string?>("--profile") { Description = "Only this profile's findings (history is kept per profile)" };
        var format = new Option<string>("--format") { Description = "table (default), csv or json", DefaultValueFactory = _ => "table" };
        var list = new Command("list", "List findings with their lifecycle");
        foreach (var o in new Option[] { listStore, status, severity, rule, environment, since, profile, format })
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
                Profile = parse.GetValue(profile),
            };
            var shape = parse.GetValue(format)!.ToLowerInvariant();
            if (shape is not ("table" or "csv" or "json"))
            {
                throw new UsageException($"--format '{shape}' is not table, csv or json");
            }

            using var store = OpenExisting(parse.GetValue(listStore)!);
            var findings = store.ListFindings(query);
            var triage = store.LoadTriage();
            if (shape == "csv")
            {
                Reporting.FindingListWriter.WriteCsv(findings, triage, stdout);
                return ExitCodes.Ok;
            }

            if (shape == "json")
            {
                using var buffer = new MemoryStream();
                Reporting.FindingListWriter.WriteJson(findings, triage, buffer);
                stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                return ExitCodes.Ok;
            }

            stdout.WriteLine($"{"fingerprint",-24}  {"profile",-12}  {"status",-9}  {"severity",-8}  {"rule",-11}  {"first seen",-10}  {"last seen",-10}  {"seen",4}  {"principal",-30}  title");
            foreach (var f in findings)
            {
                var accepted = triage.TryGetValue(f.Fingerprint, out var d) && f.Status == FindingStatus.Accepted ? $"  [accepted by {d.DecidedBy} until {d.Until:yyyy-MM-dd}: {d.Reason}{(d.Ticket is null ? "" : $" ({d.Ticket})")}]" : string.Empty;
                stdout.WriteLine($"{f.Fingerprint,-24}  {f.Profile,-12}  {f.Status.ToString().ToLowerInvariant(),-9}  {f.Severity.ToText(),-8}  {f.RuleId,-11}  {f.FirstSeen:yyyy-MM-dd}  {f.LastSeen:yyyy-MM-dd}  {f.TimesSeen,4}  {ConsoleText.Safe(f.Principal ?? "-"),-30}  {f.Title}{(f.AcceptanceExpired ? "  [exception expired]" : string.Empty)}{accepted}");
            }

            stdout.WriteLine($"{findings.Count} finding(s)");
            return ExitCodes.Ok;
        }));

        var acceptStore = Store();
        var fingerprint = new Argument<string>("fingerprint") { Description = "The finding's fingerprint, a unique prefix of it, or RULE:fingerprint as the reports print it" };
        var reason = new Option<string>("--reason") { Description = "Why the drift is accepted", Required = true };
        var until = new Option<string>("--until") { Description = "Accepted until this date (ISO 8601); the finding comes back after it", Required = true };
        var ticket = new Option<string?>("--ticket") { Description = "Ticket reference" };
        var by = new Option<string?>("--by") { Description = "Who decides (default: DRIFTSENTINEL_USER, then USER or USERNAME; refused when none is set)" };
        var maxDays = new Option<int>("--max-days") { Description = "Longest acceptance allowed, in days from now", DefaultValueFactory = _ => 365 };
        var accept = new Command("accept", "Accept a finding until a date, recording who, why and when");
        accept.Arguments.Add(fingerprint);
        foreach (var o in new Option[] { acceptStore, reason, until, ticket, by, maxDays })
        {
            accept.Options.Add(o);
        }

        accept.SetAction(parse => Guard(stderr, () =>
        {
            var untilTime = Time(parse.GetValue(until)!, "--until");
            var now = clock.GetUtcNow();
            if (untilTime <= now)
            {
                throw new UsageException("--until must be in the future");
            }

            var limit = parse.GetValue(maxDays);
            if (untilTime > now.AddDays(limit))
            {
                throw new UsageException($"--until {untilTime:yyyy-MM-dd} is more than {limit} days away (--max-days); accept for a shorter time and review it again");
            }

            var why = parse.GetValue(reason)!;
            if (string.IsNullOrWhiteSpace(why))
            {
                throw new UsageException("--reason must say why the drift is accepted");
            }

            var who = TriageIdentity.Decider(parse.GetValue(by), Environment.GetEnvironmentVariable);

            using var store = OpenExisting(parse.GetValue(acceptStore)!);
            var fp = ResolveFingerprint(store.LoadStates().Keys, parse.GetValue(fingerprint)!);
            store.RecordTriage(new TriageDecision(fp, why, untilTime, who, now, parse.GetValue(ticket)));
            stdout.WriteLine($"{fp} accepted until {untilTime:yyyy-MM-dd} by {who}; the next run marks it accepted, and it comes back after that date.");
            return ExitCodes.Ok;
        }));

        var unacceptStore = Store();
        var unacceptFingerprint = new Argument<string>("fingerprint") { Description = "The accepted finding's fingerprint, a unique prefix of it, or RULE:fingerprint" };
        var unacceptBy = new Option<string?>("--by") { Description = "Who withdraws the acceptance (default: DRIFTSENTINEL_USER, then USER or USERNAME; refused when none is set)" };
        var unacceptReason = new Option<string?>("--reason") { Description = "Why the acceptance is withdrawn (kept in the triage log)" };
        var unaccept = new Command("unaccept", "Withdraw a finding's acceptance: the next run shows it open again; the decision is logged with who and when");
        unaccept.Arguments.Add(unacceptFingerprint);
        foreach (var o in new Option[] { unacceptStore, unacceptBy, unacceptReason })
        {
            unaccept.Options.Add(o);
        }

        unaccept.SetAction(parse => Guard(stderr, () =>
        {
            var who = TriageIdentity.Decider(parse.GetValue(unacceptBy), Environment.GetEnvironmentVariable);
            using var store = OpenExisting(parse.GetValue(unacceptStore)!);
            var triage = store.LoadTriage();
            var fp = ResolveFingerprint(store.LoadStates().Keys.Concat(triage.Keys).Distinct(StringComparer.Ordinal), parse.GetValue(unacceptFingerprint)!);
            if (store.RemoveTriage(fp, who, clock.GetUtcNow(), parse.GetValue(unacceptReason)) is not { } withdrawn)
            {
                // Already withdrawn (or never accepted): saying so and succeeding keeps a repeated command harmless.
                stdout.WriteLine($"{fp} has no acceptance; nothing changed.");
                return ExitCodes.Ok;
            }

            stdout.WriteLine($"{fp}: acceptance by {withdrawn.DecidedBy} (until {withdrawn.Until:yyyy-MM-dd}) withdrawn by {who}; the next run shows it open again.");
            return ExitCodes.Ok;
        }));

        var findings = new Command("findings", "The findings' history and triage");
        findings.Subcommands.Add(list);
        findings.Subcommands.Add(accept);
        findings.Subcommands.Add(unaccept);
        yield return findings;

        var runsStore = Store();
        var runsList = new Command("list", "Recorded runs, newest first");
        runsList.Options.Add(runsStore);
        runsList.SetAction(parse => Guard(stderr, () =>
        {
            using var store = OpenExisting(parse.GetValue(runsStore)!);
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
            using var store = OpenExisting(parse.GetValue(diffStore)!);
            var known = store.ListRuns(int.MaxValue).Where(r => r.FinishedAt is not null).Select(r => r.Id).ToHashSet();
            foreach (var id in new[] { parse.GetValue(from), parse.GetValue(to) }.Where(id => !known.Contains(id)))
            {
                throw new UsageException($"no finished run #{id} in the history (runs list shows them)");
            }

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

    /// <summary>
    /// Opens a store that must already exist: a read or triage command never creates a database (a mistyped path would
    /// otherwise show an empty, clean history).
    /// </summary>
    internal static SqlHistoryStore OpenExisting(string connection)
    {
        if (SqlHistoryStore.SqliteFile(connection) is { } file && !File.Exists(file))
        {
            throw new UsageException($"no history database at {file} (a scan with --history or the worker creates it)");
        }

        var store = SqlHistoryStore.Open(connection);
        store.Migrate();
        return store;
    }

    /// <summary>A full fingerprint, a unique prefix of one, or RULE:fingerprint as the reports print it.</summary>
    internal static string ResolveFingerprint(IEnumerable<string> known, string given)
    {
        var text = given.Trim();
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            text = text[(colon + 1)..];
        }

        text = text.ToLowerInvariant();
        if (text.Length < 6)
        {
            throw new UsageException($"'{given}' is too short to name a finding; give at least 6 characters of its fingerprint");
        }

        var matches = known.Where(k => k.StartsWith(text, StringComparison.Ordinal)).Take(4).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UsageException($"no finding with fingerprint {given} in the history (findings list shows them)"),
            _ => throw new UsageException($"'{given}' matches several findings ({string.Join(", ", matches.Take(3))}…); give more of the fingerprint"),
        };
    }

    private static DateTimeOffset Time(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new UsageException($"{option} '{text}' is not a time; expected ISO 8601 such as 2026-12-31");

    internal static int Guard(TextWriter stderr, Func<int> action)
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

/// <summary>Who records a triage decision: --by, else the configured identity; never "unknown".</summary>
public static class TriageIdentity
{
    private static readonly string[] IdentityVariables = ["DRIFTSENTINEL_USER", "USER", "USERNAME"];

    /// <summary>--by, else DRIFTSENTINEL_USER, USER or USERNAME from <paramref name="environment"/>; refused when none says.</summary>
    public static string Decider(string? by, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(by))
        {
            return by.Trim();
        }

        return IdentityVariables.Select(environment).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))
            ?? throw new UsageException("--by is required: no DRIFTSENTINEL_USER, USER or USERNAME in the environment to say who decides");
    }
}
