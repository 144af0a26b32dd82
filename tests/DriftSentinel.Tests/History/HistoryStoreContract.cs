using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.History;

/// <summary>The lifecycle across runs, the same for every store.</summary>
public abstract class HistoryStoreContract
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

    protected abstract SqlHistoryStore Open();

    /// <summary>A second connection to the database <see cref="Open"/> last opened (another worker).</summary>
    protected abstract SqlHistoryStore Reopen();

    [Fact]
    public void Findings_move_through_new_open_resolved_and_reopened_and_an_unread_scope_resolves_nothing()
    {
        using var store = Open();
        Assert.Equal(SqlHistoryStore.SchemaVersion, store.Migrate());
        Assert.Equal(SqlHistoryStore.SchemaVersion, store.Migrate()); // idempotent

        var run1 = Run(store, Day1, [F("a", "111111111111"), F("b", "111111111111"), F("c", "222222222222")], Read("111111111111"), Read("222222222222"));
        Assert.Equal(["a", "b", "c"], run1.Appeared.Select(s => s.Fingerprint).Order());

        // Day 2: b is gone from a fully read account; c is gone too, but its account could not be read.
        var run2 = Run(store, Day1.AddDays(1), [F("a", "111111111111")], Read("111111111111"), Failed("222222222222"));
        Assert.Equal(["b"], run2.Resolved.Select(s => s.Fingerprint));
        var states = store.LoadStates();
        Assert.Equal(FindingStatus.Open, states["a"].Status);
        Assert.Equal(2, states["a"].TimesSeen);
        Assert.Equal(Day1, states["a"].FirstSeen);
        Assert.Equal(FindingStatus.Resolved, states["b"].Status);
        Assert.Equal(FindingStatus.New, states["c"].Status); // not resolved: absence in an unread scope means nothing

        // Day 3: b is back.
        var run3 = Run(store, Day1.AddDays(2), [F("a", "111111111111"), F("b", "111111111111"), F("c", "222222222222")], Read("111111111111"), Read("222222222222"));
        Assert.Equal(["b"], run3.Reopened.Select(s => s.Fingerprint));
        Assert.Equal(FindingStatus.Reopened, store.LoadStates()["b"].Status);
        Assert.Equal(FindingStatus.Open, store.LoadStates()["c"].Status);

        var runs = store.ListRuns(10);
        Assert.Equal(3, runs.Count);
        var diff = store.Diff(runs[2].Id, runs[1].Id);
        Assert.Empty(diff.Appeared);
        Assert.Equal(["b"], diff.Resolved);
        Assert.Equal(["a", "c"], diff.StillOpen); // c could not be verified on day 2: still there as far as anyone knows
        Assert.Equal(["b"], store.Diff(runs[1].Id, runs[0].Id).Appeared);
        Assert.Equal(1, runs[1].Gaps);
    }

    [Fact]
    public void A_run_of_one_profile_never_resolves_another_profiles_findings()
    {
        using var store = Open();
        store.Migrate();
        Run(store, "prod-nightly", Day1, [F("p", "111111111111")], Read("111111111111"));

        // Another profile reads the same account completely and does not see p (its baseline or snapshot differs).
        var other = Run(store, "dev-hourly", Day1.AddHours(1), [F("d", "111111111111")], Read("111111111111"));

        Assert.Empty(other.Resolved);
        Assert.Equal(FindingStatus.New, store.LoadStates("prod-nightly")["p"].Status);
        Assert.False(store.LoadStates("dev-hourly").ContainsKey("p"));
        Assert.Equal(["p"], store.ListFindings(new FindingQuery { Profile = "prod-nightly" }).Select(f => f.Fingerprint));

        // The same fingerprint seen by both profiles has a state in each.
        Run(store, "dev-hourly", Day1.AddHours(2), [F("p", "111111111111")], Read("111111111111"));
        Assert.Equal(FindingStatus.New, store.LoadStates("dev-hourly")["p"].Status);
        Assert.Equal(1, store.LoadStates("prod-nightly")["p"].TimesSeen);
        Assert.Equal(2, store.ListFindings(new FindingQuery()).Count(f => f.Fingerprint == "p"));
    }

    [Fact]
    public void A_baseline_exception_that_expires_between_two_runs_brings_its_finding_back_flagged()
    {
        using var store = Open();
        store.Migrate();
        Run(store, Day1, [F("x", "111111111111", new Suppression("sec", "migration", "SEC-1", new DateOnly(2026, 11, 2), Expired: false, 12))], Read("111111111111"));
        Assert.Equal(FindingStatus.Accepted, store.LoadStates()["x"].Status);

        var later = Run(store, Day1.AddDays(2), [F("x", "111111111111", new Suppression("sec", "migration", "SEC-1", new DateOnly(2026, 11, 2), Expired: true, 12))], Read("111111111111"));

        var state = store.LoadStates()["x"];
        Assert.Equal(FindingStatus.Open, state.Status);
        Assert.True(state.AcceptanceExpired);
        Assert.Equal(["x"], later.BackFromAcceptance.Select(s => s.Fingerprint));
        Assert.Single(store.ListFindings(new FindingQuery { Status = FindingStatus.Open }));
    }

    [Fact]
    public void A_triage_acceptance_holds_until_its_date_and_records_who_and_why()
    {
        using var store = Open();
        store.Migrate();
        Run(store, Day1, [F("t", "111111111111")], Read("111111111111"));
        store.RecordTriage(new TriageDecision("t", "known legacy key, rotation planned", Day1.AddDays(3), "alice", Day1.AddHours(1), "SEC-42"));

        Run(store, Day1.AddDays(1), [F("t", "111111111111")], Read("111111111111"));
        Assert.Equal(FindingStatus.Accepted, store.LoadStates()["t"].Status);
        var decision = store.LoadTriage()["t"];
        Assert.Equal(("alice", "SEC-42"), (decision.DecidedBy, decision.Ticket));

        Run(store, Day1.AddDays(4), [F("t", "111111111111")], Read("111111111111"));
        Assert.Equal(FindingStatus.Open, store.LoadStates()["t"].Status);
        Assert.True(store.LoadStates()["t"].AcceptanceExpired);
    }

    [Fact]
    public void Lists_findings_by_status_severity_rule_and_time()
    {
        using var store = Open();
        store.Migrate();
        Run(store, Day1, [F("h", "111111111111", severity: Severity.High, rule: "DS-DEP-001"), F("l", "111111111111", severity: Severity.Low)], Read("111111111111"));
        Run(store, Day1.AddDays(1), [F("h", "111111111111", severity: Severity.High, rule: "DS-DEP-001")], Read("111111111111"));

        Assert.Equal(["h"], store.ListFindings(new FindingQuery { MinimumSeverity = Severity.Medium }).Select(f => f.Fingerprint));
        Assert.Equal(["l"], store.ListFindings(new FindingQuery { Status = FindingStatus.Resolved }).Select(f => f.Fingerprint));
        Assert.Equal(["h"], store.ListFindings(new FindingQuery { RuleId = "DS-DEP-001" }).Select(f => f.Fingerprint));
        Assert.Equal(["h"], store.ListFindings(new FindingQuery { Since = Day1.AddHours(12) }).Select(f => f.Fingerprint));
    }

    [Fact]
    public void A_scan_is_recorded_once_however_often_its_evaluation_runs()
    {
        using var store = Open();
        store.Migrate();
        var run = new HistoryRun { Profile = "nightly", StartedAt = Day1, AsOf = Day1, Snapshot = "s", ScanKey = "scan-1" };
        var id = store.BeginRun(run);
        Assert.Equal(id, store.BeginRun(run)); // the second evaluation finds the same run
        var finding = F("a", "111111111111");
        var first = store.CompleteRun(run with { Id = id, FinishedAt = Day1 }, (s, t) => FindingLifecycle.Apply(s, [finding], [Read("111111111111")], t, id, Day1));
        var second = store.CompleteRun(run with { Id = id, FinishedAt = Day1 }, (s, t) => FindingLifecycle.Apply(s, [finding], [Read("111111111111")], t, id, Day1));

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal(1, store.LoadStates()["a"].TimesSeen);
        Assert.Single(store.ListRuns(10));
    }

    [Fact]
    public void A_runs_lifecycle_notices_are_queued_once_claimed_by_one_worker_and_retried_after_a_failure()
    {
        using var store = Open();
        store.Migrate();
        var run = new HistoryRun { Profile = "p", StartedAt = Day1, AsOf = Day1, Snapshot = "snap", ScanKey = "scan-1" };
        run = run with { Id = store.BeginRun(run), FinishedAt = Day1.AddMinutes(1) };
        IReadOnlyList<PendingDelivery> Queue(LifecycleUpdate u) => [new("tickets", 0, $"{u.Appeared.Count} new"), new("chat", 0, $"{u.Appeared.Count} new")];
        Finding[] findings = [F("a", "111111111111")];
        Assert.NotNull(store.CompleteRun(run, (states, triage) => FindingLifecycle.Apply(states, findings, [Read("111111111111")], triage, run.Id, Day1), Queue));

        // A second evaluation of the same scan changes nothing and queues nothing.
        Assert.Null(store.CompleteRun(run, (states, triage) => FindingLifecycle.Apply(states, findings, [Read("111111111111")], triage, run.Id, Day1), Queue));

        var claimed = Assert.Single(store.ClaimDeliveries("tickets", Day1.AddMinutes(2), TimeSpan.FromMinutes(10), 50));
        Assert.Equal(("1 new", run.Id, 0), (claimed.Payload, claimed.RunId, claimed.Attempts));
        Assert.Empty(store.ClaimDeliveries("tickets", Day1.AddMinutes(3), TimeSpan.FromMinutes(10), 50)); // leased to the first claimant

        store.FinishDelivery("tickets", run.Id, Day1.AddMinutes(3), "HttpRequestException: 503", Day1.AddMinutes(5));
        Assert.Empty(store.ClaimDeliveries("tickets", Day1.AddMinutes(4), TimeSpan.FromMinutes(10), 50)); // not due yet
        var retry = Assert.Single(store.ClaimDeliveries("tickets", Day1.AddMinutes(5), TimeSpan.FromMinutes(10), 50));
        Assert.Equal((1, "HttpRequestException: 503"), (retry.Attempts, retry.LastError));
        store.FinishDelivery("tickets", run.Id, Day1.AddMinutes(6), null, null);
        Assert.Empty(store.ClaimDeliveries("tickets", Day1.AddDays(1), TimeSpan.FromMinutes(10), 50));

        // The other sink's state is its own: still due, never attempted.
        Assert.Equal(0, Assert.Single(store.ClaimDeliveries("chat", Day1.AddMinutes(6), TimeSpan.FromMinutes(10), 50)).Attempts);
    }

    [Fact]
    public void The_ledger_runs_one_scan_per_profile_completes_each_scope_once_and_closes_on_the_last()
    {
        using var store = Open();
        store.Migrate();
        var ledger = new ScanLedger(store);
        Assert.True(ledger.TryStartScan("nightly", "s1", ["aws/111", "aws/222"], Day1, TimeSpan.FromHours(6), out _));
        Assert.False(ledger.TryStartScan("nightly", "s2", ["aws/111"], Day1.AddMinutes(5), TimeSpan.FromHours(6), out var running));
        Assert.Equal("s1", running!.Id);
        Assert.True(ledger.TryStartScan("other", "o1", ["azure/x"], Day1, TimeSpan.FromHours(6), out _)); // profiles are independent

        Assert.True(ledger.BeginScope("s1", "aws/111", "w1"));
        Assert.Equal(new ScopeCompletion(1, false), ledger.CompleteScope("s1", "aws/111", true, null, [1, 2, 3], "w1", Day1));
        Assert.False(ledger.BeginScope("s1", "aws/111", "w2")); // done: a re-run has nothing to do
        Assert.Equal(new ScopeCompletion(1, false), ledger.CompleteScope("s1", "aws/111", false, "late duplicate", null, "w2", Day1)); // first completion wins
        Assert.Equal(new ScopeCompletion(0, true), ledger.CompleteScope("s1", "aws/222", false, "AccessDenied", null, "w2", Day1));
        Assert.Equal(ScanStatus.Evaluating, ledger.Find("s1")!.Status);
        Assert.True(ledger.CompleteScope("s1", "aws/222", true, null, null, "w1", Day1).EnqueueEvaluation); // a re-run re-queues the evaluation

        var scopes = ledger.LoadScopes("s1");
        Assert.Equal([1, 2, 3], scopes[0].Payload);
        Assert.Equal((false, "AccessDenied", 0), (scopes[1].Read, scopes[1].Detail, scopes[1].Attempts));
        Assert.True(scopes[0].Read);

        ledger.FinishScan("s1", 7, Day1);
        Assert.Equal((ScanStatus.Done, 7L), (ledger.Find("s1")!.Status, ledger.Find("s1")!.RunId));
        Assert.Null(ledger.LoadScopes("s1")[0].Payload);
        Assert.True(ledger.TryStartScan("nightly", "s3", ["aws/111"], Day1.AddDays(1), TimeSpan.FromHours(6), out _));
    }

    [Fact]
    public void Two_workers_completing_the_last_scopes_at_once_close_the_collection_and_the_evaluations_exactly_once()
    {
        using var store = Open();
        store.Migrate();
        using var other = Reopen();
        var ledgers = new[] { new ScanLedger(store), new ScanLedger(other) };
        for (var i = 0; i < 15; i++)
        {
            var scan = $"s{i}";
            Assert.True(ledgers[0].TryStartScan($"p{i}", scan, ["aws/1", "aws/2"], Day1, TimeSpan.FromHours(6), out _));
            var collection = AtOnce(k => ledgers[k].CompleteScope(scan, $"aws/{k + 1}", true, null, [1], [2], $"w{k}", Day1).EnqueueEvaluation);
            Assert.Equal(1, collection.Count(queued => queued));
            var evaluations = AtOnce(k => ledgers[k].CompletePartial(scan, $"aws/{k + 1}", [3], null, $"w{k}", Day1));
            Assert.Equal(1, evaluations.Count(queued => queued));
        }
    }

    // Both calls start together, each on its own thread and connection, as two workers finishing at the same moment.
    private static bool[] AtOnce(Func<int, bool> call)
    {
        using var barrier = new Barrier(2);
        var results = new bool[2];
        var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
        {
            barrier.SignalAndWait();
            results[k] = call(k);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    [Fact]
    public void Scopes_with_a_trail_are_evaluated_once_each_and_the_last_partial_state_queues_the_merge_once()
    {
        using var store = Open();
        store.Migrate();
        var ledger = new ScanLedger(store);
        Assert.True(ledger.TryStartScan("nightly", "s1", ["(root)", "aws/111", "aws/222"], Day1, TimeSpan.FromHours(6), out _));
        ledger.CompleteScope("s1", "(root)", true, null, [9], activity: null, "w1", Day1);
        ledger.CompleteScope("s1", "aws/111", true, null, [1], activity: [1, 1], ["aws/111/cloudtrail/a.json.gz", "aws/111/cloudtrail/b.json.gz"], "w1", Day1);
        Assert.True(ledger.CompleteScope("s1", "aws/222", true, null, [2], activity: [2, 2], "w2", Day1).EnqueueEvaluation);
        Assert.Equal(["aws/111", "aws/222"], ledger.PendingPartials("s1")); // the root scope has no trail

        // A scope job reads every scope's inventory and only its own trail.
        var forOne = ledger.LoadScopes("s1", onlyActivityOf: "aws/111");
        Assert.Equal([[9], [1], [2]], forOne.Select(x => x.Payload));
        Assert.Equal([null, [1, 1], null], forOne.Select(x => x.Activity));
        Assert.Equal(["aws/111/cloudtrail/a.json.gz", "aws/111/cloudtrail/b.json.gz"], forOne[1].ActivityFiles); // listed without fetching the trail
        Assert.Equal([null, null, [2, 2]], ledger.LoadScopes("s1", withActivity: s => s.Scope != "aws/111").Select(x => x.Activity));

        Assert.False(ledger.CompletePartial("s1", "aws/111", [7, 7, 7], null, "w1", Day1));
        Assert.False(ledger.CompletePartial("s1", "aws/111", null, "late duplicate", "w2", Day1)); // the first completion wins; not closed yet
        Assert.True(ledger.CompletePartial("s1", "aws/222", null, "IOException: disk full", "w2", Day1)); // the last one closes
        Assert.True(ledger.CompletePartial("s1", "aws/222", [5], null, "w1", Day1)); // a re-run re-queues the merge, changes nothing
        Assert.False(ledger.CloseEvaluation("s1"));

        var partials = ledger.LoadPartials("s1");
        Assert.Equal(("aws/111", "Done", 3L, "w1"), (partials[0].Scope, partials[0].Status, partials[0].Bytes!.Value, partials[0].Worker!));
        Assert.Equal([7, 7, 7], partials[0].State);
        Assert.Equal(("Failed", "IOException: disk full", (byte[]?)null), (partials[1].Status, partials[1].Detail, partials[1].State));
        Assert.Empty(ledger.PendingPartials("s1"));

        ledger.FinishScan("s1", 3, Day1);
        Assert.All(ledger.LoadScopes("s1"), x => Assert.Null(x.Activity));
        Assert.Null(ledger.LoadPartials("s1")[0].State);
    }

    [Fact]
    public void A_scan_that_never_finished_is_abandoned_when_the_next_one_starts_after_the_stale_limit()
    {
        using var store = Open();
        store.Migrate();
        var ledger = new ScanLedger(store);
        Assert.True(ledger.TryStartScan("nightly", "s1", ["aws/111"], Day1, TimeSpan.FromHours(6), out _));
        Assert.False(ledger.TryStartScan("nightly", "s2", ["aws/111"], Day1.AddHours(5), TimeSpan.FromHours(6), out _));
        Assert.True(ledger.TryStartScan("nightly", "s3", ["aws/111"], Day1.AddHours(7), TimeSpan.FromHours(6), out _));
        Assert.Equal(ScanStatus.Abandoned, ledger.Find("s1")!.Status);
    }

    [Fact]
    public void A_scan_whose_jobs_stopped_renewing_its_lease_is_taken_over_within_the_lease()
    {
        using var store = Open();
        store.Migrate();
        var ledger = new ScanLedger(store);
        var lease = TimeSpan.FromMinutes(5);
        Assert.True(ledger.TryStartScan("nightly", "s1", ["aws/111"], Day1, TimeSpan.FromHours(6), lease, out _));

        // Its jobs beat every few minutes: a start meanwhile is refused.
        ledger.Heartbeat("s1", Day1.AddMinutes(4));
        Assert.False(ledger.TryStartScan("nightly", "s2", ["aws/111"], Day1.AddMinutes(8), TimeSpan.FromHours(6), lease, out var running));
        Assert.Equal("s1", running!.Id);

        // The worker is killed: no beat after minute 4, so at minute 10 the scan is abandoned and the next one starts.
        Assert.True(ledger.TryStartScan("nightly", "s3", ["aws/111"], Day1.AddMinutes(10), TimeSpan.FromHours(6), lease, out _));
        var dead = ledger.Find("s1")!;
        Assert.Equal(ScanStatus.Abandoned, dead.Status);
        Assert.Contains("no job renewed its lease", dead.Detail, StringComparison.Ordinal);

        // A late beat of the dead scan changes nothing.
        ledger.Heartbeat("s1", Day1.AddMinutes(11));
        Assert.Equal(ScanStatus.Abandoned, ledger.Find("s1")!.Status);
    }

    [Fact]
    public void A_runs_manifest_is_kept_once_and_the_next_run_of_its_profile_links_to_it()
    {
        using var store = Open();
        store.Migrate();
        Run(store, "nightly", Day1, [F("a", "111111111111")], Read("111111111111"));
        Run(store, "weekly", Day1, [F("w", "111111111111")], Read("111111111111"));
        Run(store, "nightly", Day1.AddDays(1), [F("a", "111111111111")], Read("111111111111"));
        var runs = store.ListRuns(10).OrderBy(r => r.Id).ToList();

        Assert.True(store.RecordManifest(runs[0].Id, "nightly", "aa", "{\"first\":true}"));
        Assert.False(store.RecordManifest(runs[0].Id, "nightly", "bb", "{\"repeat\":true}")); // a repeated evaluation changes nothing
        Assert.True(store.RecordManifest(runs[1].Id, "weekly", "ww", "{}"));

        // Another profile's run in between is not in this profile's chain.
        Assert.Equal(new DriftSentinel.Core.Output.ManifestLink(runs[0].Id, "aa"), store.PreviousManifest("nightly", runs[2].Id));
        Assert.Null(store.PreviousManifest("nightly", runs[0].Id));
        var kept = Assert.Single(Reopen().ListManifests(), m => m.RunId == runs[0].Id);
        Assert.Equal(("aa", "{\"first\":true}"), (kept.Sha256, kept.Manifest));
    }

    [Fact]
    public void The_trend_counts_each_runs_open_findings_by_severity_and_keeps_the_principal()
    {
        using var store = Open();
        store.Migrate();
        Run(store, Day1, [F("h", "111111111111", severity: Severity.High), F("c", "111111111111", severity: Severity.Critical), F("m", "111111111111")], Read("111111111111"));
        Run(store, Day1.AddDays(1), [F("h", "111111111111", severity: Severity.High), F("m", "111111111111")], Read("111111111111"));
        Run(store, "other", Day1.AddDays(1), [F("x", "111111111111", severity: Severity.Critical)], Read("111111111111"));
        var last = store.ListRuns("test", 10)[0];

        var trend = store.Trend("test", last.Id, 90);
        Assert.Equal(2, trend.Count);
        Assert.Equal((1, 1, 1), (trend[0].Open.GetValueOrDefault(Severity.Critical), trend[0].Open.GetValueOrDefault(Severity.High), trend[0].Open.GetValueOrDefault(Severity.Medium)));
        Assert.Equal((0, 1, 1), (trend[1].Open.GetValueOrDefault(Severity.Critical), trend[1].Open.GetValueOrDefault(Severity.High), trend[1].Open.GetValueOrDefault(Severity.Medium)));
        Assert.Single(store.Trend("test", last.Id, 1));
        Assert.Equal("user/h", store.LoadStates("test")["h"].Principal);
    }

    [Fact]
    public void Unaccept_withdraws_once_and_the_triage_log_keeps_both_decisions_in_order()
    {
        using var store = Open();
        store.Migrate();
        store.RecordTriage(new TriageDecision("t", "legacy", Day1.AddDays(30), "alice", Day1, "SEC-1"));
        store.RecordTriage(new TriageDecision("t", "legacy", Day1.AddDays(30), "alice", Day1, "SEC-1")); // repeated command
        Assert.Equal("alice", store.RemoveTriage("t", "bob", Day1.AddDays(1), "postponed")!.DecidedBy);
        Assert.Null(store.RemoveTriage("t", "bob", Day1.AddDays(2), "again"));
        Assert.Empty(store.LoadTriage());
        Assert.Equal(["accept alice", "unaccept bob"], store.TriageLog("t").Select(e => $"{e.Action} {e.DecidedBy}"));
    }

    [Fact]
    public void A_chat_message_is_recorded_once_per_run_and_channel()
    {
        using var store = Open();
        store.Migrate();
        Assert.False(store.WasNotified("chat", 7, "sec"));
        store.RecordNotified("chat", 7, "sec", Day1);
        store.RecordNotified("chat", 7, "sec", Day1.AddMinutes(1));
        Assert.True(store.WasNotified("chat", 7, "sec"));
        Assert.False(store.WasNotified("chat", 7, "platform"));
    }

    [Fact]
    public void A_campaign_keeps_its_items_decisions_and_the_first_proof_of_removal()
    {
        using var store = Open();
        store.Migrate();
        Assert.Null(store.LatestReview("p"));
        DriftSentinel.Core.Access.ReviewItem Item(string principal) => new()
        {
            ItemId = DriftSentinel.Core.Access.ReviewItem.KeyOf(Cloud.Aws, "111111111111", principal, "policy AdministratorAccess", "account 111111111111"),
            Cloud = Cloud.Aws,
            Account = "111111111111",
            PrincipalId = principal,
            PrincipalName = principal,
            PrincipalType = "human",
            Entitlement = "policy AdministratorAccess",
            Scope = "account 111111111111",
            Recommendation = "revoke",
            RecommendationReason = "unused",
            Owners = ["github:alice"],
        };
        store.SaveLatestReview("p", 5, Day1, [Item("a"), Item("b")]);
        store.SaveLatestReview("p", 4, Day1.AddDays(-1), [Item("old")]); // an earlier run finishing late changes nothing
        var latest = store.LatestReview("p")!.Value;
        Assert.Equal((5L, 2), (latest.RunId, latest.Items.Count));
        Assert.Equal(["github:alice"], latest.Items[0].Owners);

        var campaign = new DriftSentinel.Core.Access.ReviewCampaign { Id = "rv-p-run5", Profile = "p", Name = "n", RunId = 5, AsOf = Day1, StartedAt = Day1, EndsAt = Day1.AddDays(14), RemediationDays = 30, CreatedBy = "carla" };
        Assert.True(store.CreateCampaign(campaign, latest.Items));
        Assert.False(store.CreateCampaign(campaign, latest.Items));
        var a = store.CampaignItems("rv-p-run5")[0];
        store.RecordDecisions("rv-p-run5", [a with { Decision = DriftSentinel.Core.Access.ReviewDecision.Revoke, Justification = "j", DecidedBy = "alice", DecidedOn = Day1, RemediationDue = new DateOnly(2026, 12, 1), Remediation = DriftSentinel.Core.Access.RemediationStatus.Pending }]);
        Assert.Equal([a.ItemId], store.OpenRemediations("p").Select(i => i.ItemId));
        store.RecordRemediation("rv-p-run5", a.ItemId, DriftSentinel.Core.Access.RemediationStatus.CarriedOut, Day1.AddDays(2), "absent from run #6");
        store.RecordRemediation("rv-p-run5", a.ItemId, DriftSentinel.Core.Access.RemediationStatus.CarriedOut, Day1.AddDays(3), "absent from run #7");
        Assert.Empty(store.OpenRemediations("p"));
        var done = store.CampaignItems("rv-p-run5").Single(i => i.ItemId == a.ItemId);
        Assert.Equal(("absent from run #6", Day1.AddDays(2)), (done.Proof, done.CarriedOutAt!.Value));
        Assert.Equal(["rv-p-run5"], store.Campaigns("p").Select(c => c.Id));
        Assert.Equal(30, store.Campaign("rv-p-run5")!.RemediationDays);
    }

    private static LifecycleUpdate Run(SqlHistoryStore store, DateTimeOffset asOf, Finding[] findings, params CoverageEntry[] coverage) =>
        Run(store, "test", asOf, findings, coverage);

    private static LifecycleUpdate Run(SqlHistoryStore store, string profile, DateTimeOffset asOf, Finding[] findings, params CoverageEntry[] coverage)
    {
        var run = new HistoryRun { Profile = profile, StartedAt = asOf, AsOf = asOf, Snapshot = "snap" };
        run = run with { Id = store.BeginRun(run) };
        return store.CompleteRun(run with { FinishedAt = asOf.AddMinutes(1), Findings = findings.Length, Gaps = coverage.Count(c => c.Status != CoverageStatus.Read), Coverage = coverage },
            (states, triage) => FindingLifecycle.Apply(states, findings, coverage, triage, run.Id, asOf))!;
    }

    private static Finding F(string fingerprint, string account, Suppression? suppression = null, Severity severity = Severity.Medium, string rule = "DS-IAM-001") => new()
    {
        Fingerprint = fingerprint,
        RuleId = rule,
        Title = "finding " + fingerprint,
        Severity = severity,
        Cloud = Cloud.Aws,
        Account = account,
        Principal = "user/" + fingerprint,
        Message = "m",
        Suppression = suppression,
    };

    private static CoverageEntry Read(string scope) => new("aws.iam.authorization-details", scope, CoverageStatus.Read, 10, null);

    private static CoverageEntry Failed(string scope) => new("aws.sts.assume-role", scope, CoverageStatus.Failed, 0, "AccessDenied");
}

public sealed class SqliteHistoryStoreTests : HistoryStoreContract, IDisposable
{
    private readonly TempFolder _temp = new();

    protected override SqlHistoryStore Open() => SqlHistoryStore.Open(Path.Combine(_temp.Path, "history.db"));

    protected override SqlHistoryStore Reopen() => Open();

    public void Dispose() => _temp.Dispose();
}

[Collection("postgres")]
public sealed class PostgresHistoryStoreTests(PostgresCluster cluster) : HistoryStoreContract
{
    private string? _database;

    protected override SqlHistoryStore Open() => SqlHistoryStore.Open(_database = cluster.NewDatabase());

    protected override SqlHistoryStore Reopen() => SqlHistoryStore.Open(_database!);
}
