using System.CommandLine;
using DriftSentinel.Core.Access;
using DriftSentinel.Reporting;

namespace DriftSentinel.Worker;

/// <summary>
/// `review start|export|import|status`: access review campaigns over the history store (docs/reports.md, "Access
/// review campaigns"): open one on a profile's latest recorded access review, hand each reviewer their sheet, read the
/// signed sheets back, and show what was decided and what the runs since have seen carried out.
/// </summary>
public static class ReviewCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr, TimeProvider clock)
    {
        Option<string> Store() => new("--history") { Description = "The history store: a SQLite file, or a PostgreSQL connection string (Host=...)", Required = true };

        var startStore = Store();
        var profile = new Option<string>("--profile") { Description = "The profile whose latest recorded run's access review is reviewed (default: cli)", DefaultValueFactory = _ => "cli" };
        var name = new Option<string?>("--name") { Description = "The campaign's name (default: \"Access review PROFILE as of DATE\")" };
        var days = new Option<int>("--days") { Description = "Days reviewers have to decide", DefaultValueFactory = _ => 14 };
        var remediationDays = new Option<int>("--remediation-days") { Description = "Days after a revoke or modify decision within which it must be carried out (DS-REV-001 after that)", DefaultValueFactory = _ => 30 };
        var fallback = new Option<string?>("--fallback-reviewer") { Description = "Reviewer of rows whose environment and account have no owner in the baseline" };
        var by = new Option<string?>("--by") { Description = "Who opens the campaign (default: DRIFTSENTINEL_USER, then USER or USERNAME)" };
        var startOut = new Option<string?>("--out") { Description = "Also export the sheets to this folder" };
        var start = new Command("start", "Open a campaign on the profile's latest recorded access review, each row assigned a reviewer from the baseline's owners");
        foreach (var o in new Option[] { startStore, profile, name, days, remediationDays, fallback, by, startOut })
        {
            start.Options.Add(o);
        }

        start.SetAction(parse => HistoryCommands.Guard(stderr, () =>
        {
            using var store = HistoryCommands.OpenExisting(parse.GetValue(startStore)!);
            var p = parse.GetValue(profile)!;
            if (parse.GetValue(days) is < 1 or > 365 || parse.GetValue(remediationDays) is < 1 or > 365)
            {
                throw new UsageException("--days and --remediation-days must be between 1 and 365");
            }

            var who = TriageIdentity.Decider(parse.GetValue(by), Environment.GetEnvironmentVariable);
            var (campaign, created, rows) = ReviewCampaigns.Open(store, p, parse.GetValue(name), parse.GetValue(days), parse.GetValue(remediationDays), parse.GetValue(fallback), who, clock.GetUtcNow());
            if (!created)
            {
                stdout.WriteLine($"Campaign {campaign.Id} already exists (opened {campaign.StartedAt:yyyy-MM-dd} by {campaign.CreatedBy}); nothing changed.");
            }
            else
            {
                var reviewers = store.CampaignItems(campaign.Id).Select(i => i.Reviewer).Distinct().Count();
                stdout.WriteLine($"Campaign {campaign.Id} \"{campaign.Name}\": {rows} row(s) of run #{campaign.RunId} (as of {campaign.AsOf:yyyy-MM-ddTHH:mm:ssZ}), {reviewers} reviewer(s), decisions due {campaign.EndsAt:yyyy-MM-dd}, remediation within {campaign.RemediationDays} days of a decision.");
            }

            if (parse.GetValue(startOut) is { } folder)
            {
                Export(store, campaign, folder, stdout);
            }

            return ExitCodes.Ok;
        }));

        var exportStore = Store();
        var exportCampaign = new Argument<string>("campaign") { Description = "The campaign id (review status lists them)" };
        var exportOut = new Option<string>("--out") { Description = "Folder for all.csv and by-reviewer/REVIEWER.csv", Required = true };
        var export = new Command("export", "Write a campaign's sheets: one with every row, one per reviewer, with decisions and remediation so far");
        export.Arguments.Add(exportCampaign);
        export.Options.Add(exportStore);
        export.Options.Add(exportOut);
        export.SetAction(parse => HistoryCommands.Guard(stderr, () =>
        {
            using var store = HistoryCommands.OpenExisting(parse.GetValue(exportStore)!);
            var campaign = store.Campaign(parse.GetValue(exportCampaign)!) ?? throw new UsageException($"no campaign {parse.GetValue(exportCampaign)} (review status lists them)");
            Export(store, campaign, parse.GetValue(exportOut)!, stdout);
            return ExitCodes.Ok;
        }));

        var importStore = Store();
        var file = new Argument<string>("file") { Description = "A sheet of one campaign with decisions filled in (all.csv or a reviewer's)" };
        var importBy = new Option<string?>("--by") { Description = "Who decided rows whose decided_by and reviewer cells are empty" };
        var import = new Command("import", "Read decisions back: every row checked; nothing is recorded if any row is wrong");
        import.Arguments.Add(file);
        import.Options.Add(importStore);
        import.Options.Add(importBy);
        import.SetAction(parse => HistoryCommands.Guard(stderr, () =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"{path} does not exist");
            }

            using var store = HistoryCommands.OpenExisting(parse.GetValue(importStore)!);
            var result = ReviewSheet.Import(path, id => store.Campaign(id) is { } c ? (c, store.CampaignItems(id)) : null, clock.GetUtcNow(), parse.GetValue(importBy));
            if (result.Errors.Count > 0)
            {
                foreach (var error in result.Errors)
                {
                    stderr.WriteLine($"error: {error}");
                }

                stderr.WriteLine($"{result.Errors.Count} error(s); no decision was recorded.");
                return ExitCodes.Usage;
            }

            store.RecordDecisions(result.CampaignId!, result.Decided);
            var d = result.Decided;
            stdout.WriteLine($"Campaign {result.CampaignId}: {d.Count} decision(s) recorded ({d.Count(i => i.Decision == ReviewDecision.Keep)} keep, {d.Count(i => i.Decision == ReviewDecision.Revoke)} revoke, {d.Count(i => i.Decision == ReviewDecision.Modify)} modify), {result.Unchanged} unchanged, {result.Pending} row(s) still undecided.");
            foreach (var i in d.Where(i => i.Remediation == RemediationStatus.Pending))
            {
                stdout.WriteLine($"  remediation due {i.RemediationDue:yyyy-MM-dd}: {i.Decision.ToString()!.ToLowerInvariant()} {i.Entitlement} on {i.Scope} for {i.PrincipalName} ({i.DecidedBy})");
            }

            return ExitCodes.Ok;
        }));

        var statusStore = Store();
        var statusCampaign = new Option<string?>("--campaign") { Description = "Only this campaign" };
        var status = new Command("status", "Per campaign and reviewer: decided, pending, carried out, overdue; then every overdue remediation");
        status.Options.Add(statusStore);
        status.Options.Add(statusCampaign);
        status.SetAction(parse => HistoryCommands.Guard(stderr, () =>
        {
            using var store = HistoryCommands.OpenExisting(parse.GetValue(statusStore)!);
            var campaigns = store.Campaigns(null).Where(c => parse.GetValue(statusCampaign) is not { } only || c.Id == only).ToList();
            if (campaigns.Count == 0)
            {
                stdout.WriteLine("No campaign (review start opens one).");
                return ExitCodes.Ok;
            }

            foreach (var c in campaigns)
            {
                var items = store.CampaignItems(c.Id);
                stdout.WriteLine($"{c.Id}  \"{c.Name}\"  profile {c.Profile}, run #{c.RunId}, decisions due {c.EndsAt:yyyy-MM-dd}, remediation within {c.RemediationDays} days");
                stdout.WriteLine($"  {"reviewer",-28} {"rows",5} {"decided",8} {"pending",8} {"keep",5} {"revoke",7} {"modify",7} {"carried out",12} {"awaiting",9} {"overdue",8}");
                var lines = items.GroupBy(i => i.Reviewer ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Reviewer: g.Key, Rows: g.ToList()))
                    .Append((Reviewer: "all", Rows: items.ToList()));
                foreach (var (reviewer, rows) in lines)
                {
                    stdout.WriteLine($"  {ConsoleText.Safe(reviewer),-28} {rows.Count,5} {rows.Count(i => i.Decision is not null),8} {rows.Count(i => i.Decision is null),8} {rows.Count(i => i.Decision == ReviewDecision.Keep),5} {rows.Count(i => i.Decision == ReviewDecision.Revoke),7} {rows.Count(i => i.Decision == ReviewDecision.Modify),7} {rows.Count(i => i.Remediation == RemediationStatus.CarriedOut),12} {rows.Count(i => i.Remediation == RemediationStatus.Pending),9} {rows.Count(i => i.Remediation == RemediationStatus.Overdue),8}");
                }

                foreach (var i in items.Where(i => i.Remediation == RemediationStatus.Overdue))
                {
                    stdout.WriteLine($"  OVERDUE since {i.RemediationDue:yyyy-MM-dd}: {i.Decision.ToString()!.ToLowerInvariant()} {ConsoleText.Safe(i.Entitlement)} on {ConsoleText.Safe(i.Scope)} for {ConsoleText.Safe(i.PrincipalName)} (decided by {ConsoleText.Safe(i.DecidedBy)})");
                }

                foreach (var i in items.Where(i => i.Remediation == RemediationStatus.CarriedOut))
                {
                    stdout.WriteLine($"  carried out {i.CarriedOutAt:yyyy-MM-dd}: {ConsoleText.Safe(i.Entitlement)} on {ConsoleText.Safe(i.Scope)} for {ConsoleText.Safe(i.PrincipalName)}: {ConsoleText.Safe(i.Proof)}");
                }
            }

            return ExitCodes.Ok;
        }));

        var review = new Command("review", "Access review campaigns: start, export, import decisions, status");
        foreach (var c in new[] { start, export, import, status })
        {
            review.Subcommands.Add(c);
        }

        return review;
    }

    /// <summary>Writes a campaign's all.csv and by-reviewer/ sheets to <paramref name="folder"/>.</summary>
    public static void Export(IReviewLedger store, ReviewCampaign campaign, string folder, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(campaign);
        var items = store.CampaignItems(campaign.Id);
        Directory.CreateDirectory(Path.Combine(folder, "by-reviewer"));
        using (var all = File.Create(Path.Combine(folder, "all.csv")))
        {
            ReviewSheet.Write(campaign, items, all);
        }

        foreach (var g in items.GroupBy(i => i.Reviewer ?? "unassigned"))
        {
            using var one = File.Create(Path.Combine(folder, "by-reviewer", FileName(g.Key) + ".csv"));
            ReviewSheet.Write(campaign, g, one);
        }

        ArgumentNullException.ThrowIfNull(stdout);
        stdout.WriteLine($"Exported {items.Count} row(s) to {Path.Combine(folder, "all.csv")} and {items.Select(i => i.Reviewer).Distinct().Count()} reviewer sheet(s) in {Path.Combine(folder, "by-reviewer")}");
    }

    /// <summary>A reviewer id as a file name: letters, digits, '-', '_' and '.', the rest as '_' (github:alice → github_alice).</summary>
    private static string FileName(string reviewer) => new([.. reviewer.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
