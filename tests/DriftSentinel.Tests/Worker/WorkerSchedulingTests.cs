using System.Text.Json.Nodes;
using DriftSentinel.Core.History;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;
using DriftSentinel.Worker.Scheduling;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DriftSentinel.Tests.Worker;

/// <summary>In-process workers (Hangfire keeps some state per process, so these never run beside each other).</summary>
[Collection("in-process worker")]
public sealed class WorkerSchedulingTests
{
    [Fact]
    public void Recurring_jobs_follow_the_profiles_when_one_is_added_its_cron_changes_and_one_is_removed()
    {
        using var storage = new InMemoryStorage();
        var manager = new RecurringJobManager(storage);

        var first = RecurringScanRegistrar.Sync(manager, storage, [Profile("nightly", "0 2 * * *"), Profile("hourly", "0 * * * *")]);
        Assert.Equal(["scan:nightly", "scan:hourly"], first.Added);

        var second = RecurringScanRegistrar.Sync(manager, storage, [Profile("nightly", "30 3 * * *", "Europe/Berlin"), Profile("weekly", "0 4 * * 1")]);
        Assert.Equal(["scan:weekly"], second.Added);
        Assert.Equal(["scan:nightly"], second.Changed);
        Assert.Equal(["scan:hourly"], second.Removed);

        var third = RecurringScanRegistrar.Sync(manager, storage, [Profile("nightly", "30 3 * * *", "Europe/Berlin"), Profile("weekly", "0 4 * * 1")]);
        Assert.Equal(["scan:nightly", "scan:weekly"], third.Unchanged);

        using var connection = storage.GetConnection();
        var jobs = connection.GetRecurringJobs().OrderBy(j => j.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(["scan:nightly", "scan:weekly"], jobs.Select(j => j.Id));
        Assert.Equal(("30 3 * * *", "Europe/Berlin"), (jobs[0].Cron, jobs[0].TimeZoneId));
        Assert.Equal("Start", jobs[0].Job.Method.Name);
        Assert.Equal("nightly", jobs[0].Job.Args[0]);
    }

    [Fact]
    public async Task Scheduled_scans_over_a_changing_snapshot_keep_each_findings_lifecycle_and_an_unread_scope_resolves_nothing()
    {
        using var temp = new TempFolder();
        var snapshot = Path.Combine(temp.Path, "snapshot");
        WorkerTestSupport.CopyDemoSnapshot(snapshot);
        var config = WorkerTestSupport.WriteConfig(temp.Path, snapshot, null, ("nightly", "0 2 * * *", "UTC"));
        await using var app = WorkerCommand.Prepare(config, [], demo: false, exitAfter: null, TimeProvider.System, null, TextWriter.Null);
        await app.StartAsync();
        var runtime = app.Services.GetRequiredService<WorkerRuntime>();
        var jobs = app.Services.GetRequiredService<IBackgroundJobClient>();
        using var store = SqlHistoryStore.Open(runtime.StateConnection);

        async Task<HistoryRun> ScanNow(int expected)
        {
            jobs.Enqueue<ScanJobs>(j => j.Start("nightly", CancellationToken.None));
            await WorkerTestSupport.Until(() => runtime.Evaluated >= expected, TimeSpan.FromSeconds(60), $"scan {expected}");
            return store.ListRuns(1)[0];
        }

        // Run 1: everything is new.
        var run1 = await ScanNow(1);
        var afterRun1 = store.LoadStates();
        Assert.Equal(DemoExpectations.OpenCount, afterRun1.Values.Count(s => s.Status == FindingStatus.New));
        Assert.Empty(WorkerHost.ProfileProblems(runtime, store)); // /health: healthy

        // Each scope with an audit trail was evaluated by its own job and the final job merged the partial states:
        // the findings, their evidence, the coverage and the production changes are those of one scan of the folder.
        var partials = new ScanLedger(store).LoadPartials(new ScanLedger(store).ListScans("nightly").Single().Id);
        Assert.Equal(["aws/111122223333", "aws/444455556666", "aws/777788889999", "azure/00000000-0000-0000-0000-00000000a001", "azure/00000000-0000-0000-0000-00000000b002", "entra/00000000-0000-0000-0000-0000000e0001"],
            partials.Select(p => p.Scope));
        Assert.All(partials, p => Assert.True(p.Status == "Done" && p.Bytes > 0, $"{p.Scope}: {p.Status} {p.Bytes} {p.Detail}"));
        var merged = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Path, "out", "nightly", $"run-{run1.Id:D6}", "findings.json")))!;
        var whole = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "sample-reports", "findings.json")))!;
        foreach (var part in new[] { "coverage", "production_changes" })
        {
            Assert.Equal(whole[part]!.ToJsonString(), merged[part]!.ToJsonString());
        }

        static string Essentials(JsonNode report) => string.Join('\n', report["findings"]!.AsArray().Select(f =>
            string.Join(' ', new[] { "fingerprint", "message", "first_seen", "last_seen", "occurrences", "evidence", "details" }.Select(k => f![k]?.ToJsonString()))));
        Assert.Equal(Essentials(whole), Essentials(merged));

        // Run 2: one CloudTrail file of account 111122223333 is gone (that account is still read), and account
        // 444455556666 is not in the snapshot at all.
        var trailFile = Directory.EnumerateFiles(Path.Combine(snapshot, "aws", "111122223333"), "*20261118T2215Z*", SearchOption.AllDirectories).Single();
        var trailBytes = File.ReadAllBytes(trailFile);
        File.Delete(trailFile);
        var hidden = Path.Combine(temp.Path, "hidden-444455556666");
        Directory.Move(Path.Combine(snapshot, "aws", "444455556666"), hidden);
        var run2 = await ScanNow(2);
        var afterRun2 = store.LoadStates();

        // /health turns degraded, saying which profile and why: a declared account was not in the snapshot.
        var problem = Assert.Single(WorkerHost.ProfileProblems(runtime, store));
        Assert.StartsWith($"profile nightly: run #{run2.Id} had 1 coverage gap(s), first aws 444455556666: AWS account 444455556666 is declared", problem, StringComparison.Ordinal);
        var resolved = afterRun2.Values.Where(s => s.Status == FindingStatus.Resolved).ToList();
        Assert.NotEmpty(resolved);
        Assert.All(resolved, s => Assert.NotEqual("444455556666", s.Scope)); // only scopes that were read resolve anything
        var unread = afterRun1.Values.Where(s => s.Scope == "444455556666").ToList();
        Assert.NotEmpty(unread);
        Assert.All(unread, s => Assert.NotEqual(FindingStatus.Resolved, afterRun2[s.Fingerprint].Status)); // absence in an unread scope is not resolution

        // Run 3: both are back, and the demo's console-access exception (expires 2027-01-31) has lapsed.
        File.WriteAllBytes(trailFile, trailBytes);
        Directory.Move(hidden, Path.Combine(snapshot, "aws", "444455556666"));
        var later = LiveSettings.Load(config, ["Profiles:0:AsOf=2027-02-01T12:00:00Z"], forWorker: true);
        runtime.Replace(later);
        var run3 = await ScanNow(3);
        var afterRun3 = store.LoadStates();
        Assert.Empty(WorkerHost.ProfileProblems(runtime, store));
        Assert.All(resolved, s => Assert.Equal(FindingStatus.Reopened, afterRun3[s.Fingerprint].Status));
        Assert.All(unread, s => Assert.Equal((FindingStatus.Open, 2), (afterRun3[s.Fingerprint].Status, afterRun3[s.Fingerprint].TimesSeen))); // carried over, never resolved
        var lapsed = afterRun3.Values.Single(s => s.RuleId == "DS-ACC-001" && s.AcceptanceExpired);
        Assert.Equal(FindingStatus.Accepted, afterRun2[lapsed.Fingerprint].Status);
        Assert.Equal(FindingStatus.Open, lapsed.Status);

        // Each run wrote its reports with the lifecycle columns and the changes since the previous run.
        var csv = File.ReadAllLines(Path.Combine(temp.Path, "out", "nightly", $"run-{run3.Id:D6}", "findings.csv"));
        Assert.Contains(csv.Skip(1), l => l.Contains(lapsed.Fingerprint, StringComparison.Ordinal) && l.EndsWith(",open,2026-11-20T12:00:00Z,2027-02-01T12:00:00Z,3,yes", StringComparison.Ordinal));
        var summary = File.ReadAllText(Path.Combine(temp.Path, "out", "nightly", $"run-{run3.Id:D6}", "summary.md"));
        Assert.Contains($"### Changes since run #{run2.Id}", summary, StringComparison.Ordinal);
        Assert.Contains("**reopened**", summary, StringComparison.Ordinal);
        Assert.Contains("**exception expired** DS-ACC-001", summary, StringComparison.Ordinal);
        Assert.Equal([run3.Id, run2.Id, run1.Id], store.ListRuns(10).Select(r => r.Id));

        // Every scan went through the ledger: one scope job per account, subscription, tenant and repository owner.
        var scans = new ScanLedger(store).ListScans("nightly");
        Assert.Equal(3, scans.Count);
        Assert.All(scans, s => Assert.Equal(ScanStatus.Done, s.Status));
        Assert.Equal(9, new ScanLedger(store).LoadScopes(scans[0].Id).Count); // 3 AWS accounts, 2 subscriptions, 1 tenant, the GitHub owner, the GitLab top-level group, the Azure DevOps organization
        await app.StopAsync();
    }

    [Fact]
    public async Task A_changed_configuration_file_adds_reschedules_and_removes_recurring_scans_while_the_worker_runs()
    {
        using var temp = new TempFolder();
        var snapshot = Path.Combine(temp.Path, "snapshot");
        WorkerTestSupport.CopyDemoSnapshot(snapshot);
        var config = WorkerTestSupport.WriteConfig(temp.Path, snapshot, null, ("nightly", "0 2 * * *", null), ("hourly", "0 * * * *", null));
        await using var app = WorkerCommand.Prepare(config, [], demo: false, exitAfter: null, TimeProvider.System, null, TextWriter.Null);
        await app.StartAsync();
        var storage = app.Services.GetRequiredService<JobStorage>();
        List<RecurringJobDto> Jobs()
        {
            using var connection = storage.GetConnection();
            return connection.GetRecurringJobs().OrderBy(j => j.Id, StringComparer.Ordinal).ToList();
        }

        await WorkerTestSupport.Until(() => Jobs().Count == 2, TimeSpan.FromSeconds(20), "the two profiles to be registered");

        await Task.Delay(1100); // a distinct modification time
        WorkerTestSupport.WriteConfig(temp.Path, snapshot, null, ("nightly", "15 1 * * *", "America/New_York"), ("weekly", "0 5 * * 0", null));
        await WorkerTestSupport.Until(() => Jobs().Select(j => j.Id).SequenceEqual(["scan:nightly", "scan:weekly"]) && Jobs()[0].Cron == "15 1 * * *", TimeSpan.FromSeconds(20), "the reload");
        Assert.Equal("America/New_York", Jobs()[0].TimeZoneId);

        // An invalid edit keeps the last good schedule.
        await Task.Delay(1100);
        File.WriteAllText(config, "{ \"DriftSentinel\": { \"Profiles\": [ { \"Name\": \"x\", \"Cron\": \"every night\" } ] } }");
        await Task.Delay(2500);
        Assert.Equal(["scan:nightly", "scan:weekly"], Jobs().Select(j => j.Id));
        await app.StopAsync();
    }

    [Fact]
    public void The_dashboard_beyond_localhost_needs_credentials_and_bad_worker_settings_are_reported_together()
    {
        using var temp = new TempFolder();
        var config = WorkerTestSupport.WriteConfig(temp.Path, Path.Combine(WorkerTestSupport.Demo, "snapshot"), null, ("nightly", "0 2 * * *", null));
        var e = Assert.Throws<UsageException>(() => LiveSettings.Load(config, ["Worker:Listen=http://0.0.0.0:5080", "Worker:Dashboard:Enabled=true", "Profiles:0:Cron=61 * * * *", "Profiles:0:TimeZone=Mars/Olympus"], forWorker: true));
        Assert.Contains("Worker:Dashboard: listening on 0.0.0.0 (beyond localhost) needs Username and PasswordVariable", e.Message, StringComparison.Ordinal);
        Assert.Contains("Profiles:0:Cron: '61 * * * *' is not a cron expression", e.Message, StringComparison.Ordinal);
        Assert.Contains("Profiles:0:TimeZone: 'Mars/Olympus'", e.Message, StringComparison.Ordinal);

        // Every address of a ';'-separated Listen is checked: the second would expose an anonymous dashboard.
        var list = Assert.Throws<UsageException>(() => LiveSettings.Load(config, ["Worker:Listen=http://127.0.0.1:5080/;http://0.0.0.0:5081", "Worker:Dashboard:Enabled=true"], forWorker: true));
        Assert.Contains("listening on 0.0.0.0 (beyond localhost) needs Username and PasswordVariable", list.Message, StringComparison.Ordinal);
        Assert.Contains("'not a url' is not an address", Assert.Throws<UsageException>(() => LiveSettings.Load(config, ["Worker:Listen=http://127.0.0.1:5080;not a url"], forWorker: true)).Message, StringComparison.Ordinal);

        // Every profile's inputs are checked with the rest: a missing snapshot folder or baseline is a configuration error.
        var missing = Assert.Throws<UsageException>(() => LiveSettings.Load(config, ["Profiles:0:Snapshot=" + Path.Combine(temp.Path, "no-such-snapshot"), "Profiles:0:Baseline=" + Path.Combine(temp.Path, "no-baseline.yaml"), "Profiles:0:TimeZone=Mars/Olympus"], forWorker: true));
        Assert.Contains($"Profiles:0:Snapshot: folder '{Path.Combine(temp.Path, "no-such-snapshot")}' does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains($"Profiles:0:Baseline: '{Path.Combine(temp.Path, "no-baseline.yaml")}' does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Profiles:0:TimeZone: 'Mars/Olympus'", missing.Message, StringComparison.Ordinal);
        var badBaseline = temp.Write("bad-baseline.yaml", "version: 1\norganization: X\nenvironments: []\nthresholds:\n  stale_days: 3\n");
        Assert.Contains("'thresholds.stale_days': unknown key", Assert.Throws<UsageException>(() => LiveSettings.Load(config, ["Profiles:0:Baseline=" + badBaseline], forWorker: true)).Message, StringComparison.Ordinal);

        var ok = LiveSettings.Load(config, ["Worker:Listen=http://0.0.0.0:5080", "Worker:Dashboard:Enabled=true", "Worker:Dashboard:Username=ops", "Worker:Dashboard:PasswordVariable=DS_DASHBOARD_PASSWORD"], forWorker: true);
        Assert.True(ok.Worker.Dashboard.Enabled);
    }

    private static ScanProfile Profile(string name, string cron, string? zone = null) => new() { Name = name, Cron = cron, TimeZone = zone, Baseline = "b.yaml", Snapshot = "s" };
}
