using System.CommandLine;
using DriftSentinel.Core.Output;
using DriftSentinel.History;
using DriftSentinel.Tickets;

namespace DriftSentinel.Worker;

/// <summary>`tickets list|plan|sync`: the ticket ledger, what a sync would do, and a sync of what is due.</summary>
public static class TicketCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr, TimeProvider clock)
    {
        Option<string> Store() => new("--history") { Description = "The state database: a SQLite file, or a PostgreSQL connection string (Host=...)", Required = true };
        Option<string> Config() => new("--config") { Description = "JSON configuration with a DriftSentinel:Tickets section (docs/tickets.md)", Required = true };
        var profile = new Option<string?>("--profile") { Description = "Only this scan profile's tickets" };

        var listStore = Store();
        var list = new Command("list", "The ticket ledger: fingerprint, tracker, ticket, state, last sync, and what is still pending");
        list.Options.Add(listStore);
        list.Options.Add(profile);
        list.SetAction(parse => Guard(stderr, () =>
        {
            using var store = Open(parse.GetValue(listStore)!);
            var rows = store.ListTickets(parse.GetValue(profile));
            stdout.WriteLine($"{"profile",-12} {"fingerprint",-24} {"ticket",-40} {"state",-10} {"run",5} {"synced",-20}");
            foreach (var r in rows)
            {
                var ticket = r.Key is null ? (r.Creating ? "(create not confirmed)" : "(none)") : $"{r.Tracker} {r.Project}#{r.Key}";
                stdout.WriteLine($"{ConsoleText.Safe(r.Profile),-12} {r.Fingerprint,-24} {ConsoleText.Safe(ticket),-40} {r.State,-10} {r.LastRunId,5} {r.SyncedAt:yyyy-MM-ddTHH:mm:ssZ}");
            }

            var pending = store.PendingDeliveries("tickets");
            stdout.WriteLine($"{rows.Count} ticket(s); {pending.Count} run(s) not yet synced{(pending.Count > 0 ? $" (oldest #{pending[0].RunId}, {pending[0].Attempts} failed attempt(s){(pending[0].LastError is { } e ? $", last: {ConsoleText.Safe(e)}" : "")})" : "")}.");
            return ExitCodes.Ok;
        }));

        var planStore = Store();
        var planConfig = Config();
        var plan = new Command("plan", "What a sync would create, update, close or reopen, per pending run; nothing is sent");
        plan.Options.Add(planStore);
        plan.Options.Add(planConfig);
        plan.SetAction(parse => Guard(stderr, () =>
        {
            var sink = Sink(parse.GetValue(planConfig)!, clock);
            using var store = Open(parse.GetValue(planStore)!);
            var pending = store.PendingDeliveries(sink.Name);
            foreach (var p in pending)
            {
                var notice = LifecycleDispatcher.Read(p.Payload);
                stdout.WriteLine($"run #{p.RunId} ({ConsoleText.Safe(notice.Profile)}):");
                foreach (var line in sink.Plan(notice, store))
                {
                    stdout.WriteLine("  " + ConsoleText.Safe(line));
                }
            }

            stdout.WriteLine($"{pending.Count} run(s) pending; nothing was sent.");
            return ExitCodes.Ok;
        }));

        var syncStore = Store();
        var syncConfig = Config();
        var sync = new Command("sync", "Deliver every pending run to the trackers now (the worker does this by itself)");
        sync.Options.Add(syncStore);
        sync.Options.Add(syncConfig);
        sync.SetAction(parse => Guard(stderr, () =>
        {
            var sink = Sink(parse.GetValue(syncConfig)!, clock);
            using var store = Open(parse.GetValue(syncStore)!);
            var outcomes = new LifecycleDispatcher([sink], clock).DeliverPending(store, CancellationToken.None);
            foreach (var o in outcomes)
            {
                (o.Delivered ? stdout : stderr).WriteLine(o.Delivered ? $"run #{o.RunId}: synced" : $"warning: run #{o.RunId} not synced (attempt {o.Attempts}): {ConsoleText.Safe(o.Error ?? "")}; kept for a retry");
            }

            var c = sink.Counts;
            stdout.WriteLine($"Tickets: {c.Created} created, {c.Updated} updated, {c.Closed} closed, {c.Reopened} reopened; {c.Requests} request(s), {c.Throttled} throttled and retried.");
            return outcomes.All(o => o.Delivered) ? ExitCodes.Ok : ExitCodes.Usage;
        }));

        var tickets = new Command("tickets", "Tickets kept for findings in Jira or GitHub Issues (docs/tickets.md)");
        tickets.Subcommands.Add(list);
        tickets.Subcommands.Add(plan);
        tickets.Subcommands.Add(sync);
        return tickets;
    }

    /// <summary>The ticket sink a configuration file describes.</summary>
    internal static TicketSink Sink(string configFile, TimeProvider clock)
    {
        var settings = LiveSettings.Load(configFile, [], requireSources: false);
        if (settings.Tickets is null)
        {
            throw new UsageException($"{configFile} has no DriftSentinel:Tickets section");
        }

        return OutputModules.LifecycleSinks(settings, clock, Core.Rules.RuleCatalogue.Load(Core.Rules.RuleCatalogue.LocateFolder())).OfType<TicketSink>().Single();
    }

    private static SqlHistoryStore Open(string connection)
    {
        var store = SqlHistoryStore.Open(connection);
        store.Migrate();
        return store;
    }

    private static int Guard(TextWriter stderr, Func<int> run)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is UsageException or InvalidDataException or IOException or System.Data.Common.DbException or InvalidOperationException)
        {
            stderr.WriteLine($"error: {ConsoleText.Safe(e.Message)}");
            return ExitCodes.Usage;
        }
    }
}
