using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Output;
using DriftSentinel.Core.Rules;
using DriftSentinel.History;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Logging;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// The jobs of a scheduled scan. Start (the recurring job) opens a scan in the ledger and queues one staging job per
/// scope; each staging job stores its scope's files in the state database, its audit trails apart; whoever completes
/// the last scope queues one EvaluateScope per scope with a trail, which reads every scope's inventory and its own
/// trail and stores the rules' partial state; whoever stores the last of those queues Evaluate, which merges the
/// partial states (reading itself only a trail whose scope job failed), records the run and writes the reports. So
/// the parsing of the trails, most of a scan's work, is spread over every worker. Every job may run twice (a retry,
/// a worker that died after the work, a second delivery) and then changes nothing.
/// </summary>
public sealed class ScanJobs(WorkerRuntime runtime, IBackgroundJobClient jobs, ILogger<ScanJobs> log)
{
    /// <summary>Opens a scan of the profile unless one is still running, and queues its scope jobs.</summary>
    [AutomaticRetry(Attempts = 0)] // the next occurrence is the retry; a failed start leaves no scan behind
    [JobDisplayName("Start scan of {0}")]
    public void Start(string profileName, CancellationToken cancellation)
    {
        var profile = runtime.Profile(profileName);
        if (profile is null)
        {
            log.ProfileGone(profileName);
            return;
        }

        var scopes = ScopeStaging.Discover(profile, runtime.Settings);
        cancellation.ThrowIfCancellationRequested();
        var now = runtime.Clock.GetUtcNow();
        var scanId = $"{profile.Name}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}"[..(profile.Name.Length + 26)];
        using var store = runtime.OpenStore();
        if (!new ScanLedger(store).TryStartScan(profile.Name, scanId, scopes, now, runtime.Settings.Worker.ScanStaleAfter, runtime.Settings.Worker.ScanLease, out var running))
        {
            log.AlreadyRunning(profile.Name, running?.Id, running?.CreatedAt);
            return;
        }

        log.ScanStarted(scanId, profile.Name, scopes.Count);
        if (scopes.Count == 0)
        {
            jobs.Enqueue<ScanJobs>(j => j.Evaluate(scanId, profile.Name, CancellationToken.None));
        }

        foreach (var scope in scopes)
        {
            jobs.Enqueue<ScanJobs>(j => j.StageScope(scanId, profile.Name, scope, null, CancellationToken.None));
        }
    }

    /// <summary>
    /// Stages one scope. A failure is retried by Hangfire as the worker's retry policy says; on the last attempt it is
    /// recorded instead, and the scope becomes a coverage gap of the scan rather than holding the scan back.
    /// </summary>
    [JobDisplayName("Stage {2} for scan {0}")]
    public void StageScope(string scanId, string profileName, string scope, PerformContext? context, CancellationToken cancellation)
    {
        using var lease = KeepAlive(scanId);
        using var store = runtime.OpenStore();
        var ledger = new ScanLedger(store);
        if (!ledger.BeginScope(scanId, scope, runtime.Name))
        {
            log.ScopeAlreadyComplete(scope, scanId);
            QueueEvaluationIf(ledger, ledger.CompleteScope(scanId, scope, true, null, null, runtime.Name, runtime.Clock.GetUtcNow()), scanId, profileName);
            return;
        }

        ScopeStaging.StagedFiles payload;
        Action? commit = null;
        try
        {
            var profile = runtime.Profile(profileName) ?? throw new InvalidOperationException($"profile {profileName} is no longer configured");
            (payload, commit) = Stage(profile, scope, scanId, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            log.StagingInterrupted(scope, scanId);
            throw;
        }
        catch (Exception e) when (!WillRetry(e, context, scope, scanId))
        {
            log.StagingGaveUp(scope, scanId, e.Message);
            QueueEvaluationIf(ledger, ledger.CompleteScope(scanId, scope, false, $"{e.GetType().Name}: {e.Message}", null, runtime.Name, runtime.Clock.GetUtcNow()), scanId, profileName);
            return;
        }

        var completion = ledger.CompleteScope(scanId, scope, true, null, payload.Payload, payload.Activity, payload.ActivityFiles, runtime.Name, runtime.Clock.GetUtcNow());

        // The scope's data is in the database now; only then may its watermarks move on.
        commit?.Invoke();
        log.Staged(scope, scanId, payload.Payload.Length, payload.Activity?.Length ?? 0, completion.Pending);
        QueueEvaluationIf(ledger, completion, scanId, profileName);
    }

    /// <summary>
    /// Evaluates one scope's audit trails against the whole scan's inventory and stores the rules' partial state. A
    /// failure is retried as staging is; on the last attempt it is recorded, and the final job reads that trail itself.
    /// </summary>
    [JobDisplayName("Evaluate {2} for scan {0}")]
    public void EvaluateScope(string scanId, string profileName, string scope, PerformContext? context, CancellationToken cancellation)
    {
        using var lease = KeepAlive(scanId);
        using var store = runtime.OpenStore();
        var ledger = new ScanLedger(store);
        var scan = ledger.Find(scanId);
        if (scan is null || scan.Status is ScanStatus.Done or ScanStatus.Abandoned || !ledger.PendingPartials(scanId).Contains(scope))
        {
            log.ScopeAlreadyEvaluated(scope, scanId);
            QueueMergeIf(ledger.CompletePartial(scanId, scope, null, "already evaluated", runtime.Name, runtime.Clock.GetUtcNow()), scanId, profileName);
            return;
        }

        var work = Path.Combine(runtime.Settings.Resolve(runtime.Settings.StateDirectory), "scans", $"{scanId}-{scope.Replace('/', '-')}-{runtime.Name.Replace(':', '-')}");
        byte[] state;
        PartialScanSummary summary;
        var started = runtime.Clock.GetTimestamp();
        try
        {
            var profile = runtime.Profile(profileName) ?? throw new InvalidOperationException($"profile {profileName} is no longer configured");
            var scopes = ledger.LoadScopes(scanId, onlyActivityOf: scope);
            var own = scopes.Single(s => s.Scope == scope);
            ScopeStaging.Assemble(scopes, work, runtime.Clock.GetUtcNow());
            cancellation.ThrowIfCancellationRequested();
            var baseline = BaselineLoader.Load(runtime.Settings.Resolve(profile.Baseline));
            var trail = own.ActivityFiles.ToHashSet(StringComparer.Ordinal);
            var input = runtime.Settings.Modules.Read(work, baseline);
            using var buffer = new MemoryStream();
            summary = new ScanEngine(RuleCatalogue.Load(RuleCatalogue.LocateFolder()), profile.Rules()) { Threads = runtime.Settings.Worker.ScanThreads ?? Environment.ProcessorCount }
                .EvaluatePartial(input, baseline, profile.AsOf ?? scan.CreatedAt, s => ScopeStaging.IsOwnStream(s, work, trail), buffer);
            state = buffer.ToArray();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            log.StagingInterrupted(scope, scanId);
            throw;
        }
        catch (Exception e) when (!WillRetry(e, context, scope, scanId))
        {
            log.ScopeEvaluationGaveUp(scope, scanId, e.Message);
            QueueMergeIf(ledger.CompletePartial(scanId, scope, null, $"{e.GetType().Name}: {e.Message}", runtime.Name, runtime.Clock.GetUtcNow()), scanId, profileName);
            return;
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }

        var merge = ledger.CompletePartial(scanId, scope, state, null, runtime.Name, runtime.Clock.GetUtcNow());
        log.ScopeEvaluated(scope, scanId, summary.Events, summary.Parts, state.Length, runtime.Clock.GetElapsedTime(started).TotalSeconds);
        QueueMergeIf(merge, scanId, profileName);
    }

    /// <summary>Assembles the staged scopes, scans, records the run (once per scan) and writes the reports.</summary>
    [JobDisplayName("Evaluate scan {0}")]
    public void Evaluate(string scanId, string profileName, CancellationToken cancellation)
    {
        using var lease = KeepAlive(scanId);
        using var store = runtime.OpenStore();
        var ledger = new ScanLedger(store);
        var scan = ledger.Find(scanId);
        if (scan is null || scan.Status is ScanStatus.Done or ScanStatus.Abandoned)
        {
            log.NothingToEvaluate(scanId, scan?.Status.ToString() ?? "unknown");
            return;
        }

        if (ledger.PendingPartials(scanId) is { Count: > 0 } waiting)
        {
            // A spare evaluation queued by a re-run: the last scope job to finish queues the real one.
            log.WaitingForScopeEvaluations(scanId, waiting.Count);
            return;
        }

        var profile = runtime.Profile(profileName) ?? throw new InvalidOperationException($"profile {profileName} is no longer configured");
        var settings = runtime.Settings;
        var work = Path.Combine(settings.Resolve(settings.StateDirectory), "scans", $"{scanId}-{runtime.Name.Replace(':', '-')}");
        var snapshot = Path.Combine(work, "snapshot");
        var started = runtime.Clock.GetTimestamp();
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var partials = ledger.LoadPartials(scanId);
        var rules = profile.Rules();
        var engine = new ScanEngine(catalogue, rules);
        var merged = partials.Where(p => p.State is not null && engine.Accepts(p.State)).ToList();
        var states = merged.Select(p => p.State!).ToList();
        var readHere = partials.Except(merged).Select(p => $"{p.Scope} ({p.Detail ?? "its state was written by another build"})").ToList();
        log.MergingPartials(scanId, states.Count, states.Sum(s => (long)s.Length), readHere.Count == 0 ? "none" : string.Join(", ", readHere));

        // A merged scope's trail is not read again: its files are listed (the run record and the parts' places in the
        // read order need their names), not unpacked.
        var mergedScopes = merged.Select(p => p.Scope).ToHashSet(StringComparer.Ordinal);
        static bool Listable(StagedScope s, HashSet<string> mergedScopes) => mergedScopes.Contains(s.Scope) && s.ActivityFiles.Count > 0;
        var scopes = ledger.LoadScopes(scanId, withActivity: s => !Listable(s, mergedScopes));
        var inputDigests = ScopeStaging.Assemble(scopes, snapshot, runtime.Clock.GetUtcNow(), scopes.Where(s => Listable(s, mergedScopes)).Select(s => s.Scope).ToHashSet(StringComparer.Ordinal));
        cancellation.ThrowIfCancellationRequested();
        var assembled = runtime.Clock.GetTimestamp();

        var baseline = BaselineLoader.Load(settings.Resolve(profile.Baseline));
        var asOf = profile.AsOf ?? scan.CreatedAt; // every attempt evaluates as of the scan's start
        var source = profile.Snapshot is null ? "live" : settings.Resolve(profile.Snapshot);
        var result = ScanCommand.Scan(snapshot, baseline, catalogue, asOf, profile.Snapshot is null ? "live" : Path.GetFileName(source.TrimEnd(Path.DirectorySeparatorChar)), sources: runtime.Settings.Modules, threads: runtime.Settings.Worker.ScanThreads, partials: states,
            rules: rules, reviews: store.OpenRemediations(profile.Name));
        cancellation.ThrowIfCancellationRequested();
        var scanned = runtime.Clock.GetTimestamp();

        var sinks = new LifecycleDispatcher(runtime.Sinks, runtime.Clock, runtime.Settings.Worker.SinkClaimLease);
        var recorded = HistoryRecorder.Record(store, result, profile.Name, source, scan.CreatedAt, runtime.Clock.GetUtcNow(), scanKey: scanId, sinks: sinks);
        var stored = runtime.Clock.GetTimestamp();

        // Delivered whether this evaluation recorded the run or an earlier one did and died before delivering.
        Deliver(sinks, store, cancellation);
        if (recorded is null)
        {
            // Another evaluation of this scan recorded it first (or this one did and died before finishing).
            var runId = store.BeginRun(new HistoryRun { Profile = profile.Name, StartedAt = scan.CreatedAt, AsOf = asOf, Snapshot = source, ScanKey = scanId });
            ledger.FinishScan(scanId, runId, runtime.Clock.GetUtcNow());
            log.AlreadyRecorded(scanId, runId);
            Directory.Delete(work, recursive: true);
            return;
        }

        var outDir = Path.Combine(settings.Resolve(profile.Out), $"run-{recorded.Run.Id:D6}");
        using var signer = SigningKeys.Resolve(null, Environment.GetEnvironmentVariable);
        var manifest = OutputModules.Reports(profile.Evidence).WriteAll(result, outDir, new RunHistoryReport(recorded, store.Trend(profile.Name, recorded.Run.Id, RunHistoryReport.TrendRuns))
        {
            Campaigns = Core.Access.CampaignEvidence.Of(store, profile.Name),
        }, new ManifestContext
        {
            Profile = profile.Name,
            RunId = recorded.Run.Id,
            Recorded = (recorded.Run.Findings, recorded.Run.Active, recorded.Run.Gaps),
            Previous = store.PreviousManifest(profile.Name, recorded.Run.Id),
            InputDigests = inputDigests,
            SnapshotRoot = snapshot,
            Signer = signer,
        });
        store.RecordManifest(recorded.Run.Id, profile.Name, manifest.Sha256, System.Text.Encoding.UTF8.GetString(manifest.Bytes));
        log.FinalJobTimes(scanId, runtime.Clock.GetElapsedTime(started, assembled).TotalSeconds, runtime.Clock.GetElapsedTime(assembled, scanned).TotalSeconds,
            runtime.Clock.GetElapsedTime(scanned, stored).TotalSeconds, runtime.Clock.GetElapsedTime(stored).TotalSeconds);
        ledger.FinishScan(scanId, recorded.Run.Id, runtime.Clock.GetUtcNow());
        Directory.Delete(work, recursive: true);
        var (campaign, problem) = ScheduledReview.OpenIfDue(store, profile, settings.Resolve(profile.Out), runtime.Clock.GetUtcNow());
        if (campaign is not null)
        {
            log.ReviewOpened(profile.Name, campaign.Id, campaign.RunId, campaign.EndsAt);
        }
        else if (problem is not null)
        {
            log.ReviewNotOpened(profile.Name, problem);
        }

        if (profile.KeepRuns is not null || profile.KeepDays is not null)
        {
            var pruned = ReportRetention.Prune(settings.Resolve(profile.Out), profile.KeepRuns, profile.KeepDays, runtime.Clock.GetUtcNow(), ReportRetention.FinishTimes(store, profile.Name));
            if (pruned.Count > 0)
            {
                log.ReportsPruned(profile.Name, pruned.Count, string.Join(", ", pruned.Select(Path.GetFileName)));
            }
        }

        var u = recorded.Update;
        log.Recorded(
            scanId, profile.Name, recorded.Run.Id, result.Findings.Count, recorded.Run.Active, recorded.Run.Gaps, u.Appeared.Count, u.Reopened.Count, u.Resolved.Count, u.BackFromAcceptance.Count, outDir);
        runtime.OnRecorded();
    }

    /// <summary>Delivers every lifecycle notice that is due (the recurring "lifecycle:deliver" job).</summary>
    [JobDisplayName("Deliver lifecycle notices")]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public void DeliverPending(CancellationToken cancellation)
    {
        using var store = runtime.OpenStore();
        Deliver(new LifecycleDispatcher(runtime.Sinks, runtime.Clock, runtime.Settings.Worker.SinkClaimLease), store, cancellation);
    }

    private void Deliver(LifecycleDispatcher sinks, SqlHistoryStore store, CancellationToken cancellation)
    {
        foreach (var outcome in sinks.DeliverPending(store, cancellation))
        {
            if (outcome.Delivered)
            {
                log.SinkDelivered(outcome.Sink, outcome.RunId, outcome.Attempts);
            }
            else
            {
                log.SinkFailed(outcome.Sink, outcome.RunId, outcome.Attempts, outcome.Error, outcome.NextAttempt);
            }
        }
    }

    /// <summary>
    /// Whether Hangfire will run a failed scope job again (the exception then propagates to it, logged as a retry);
    /// false on the last attempt, when the job records the failure instead.
    /// </summary>
    private bool WillRetry(Exception e, PerformContext? context, string scope, string scanId)
    {
        var retriesSoFar = context?.GetJobParameter<int>("RetryCount") ?? int.MaxValue;
        var delays = runtime.Settings.Worker.EffectiveRetryDelays;
        if (retriesSoFar >= delays.Count)
        {
            return false;
        }

        log.ScopeJobRetry(scope, scanId, retriesSoFar + 1, delays.Count + 1, e.Message, delays[retriesSoFar]);
        return true;
    }

    /// <summary>Renews the scan's lease now and every third of it while the job runs (on its own connection).</summary>
    private Timer KeepAlive(string scanId)
    {
        var period = runtime.Settings.Worker.ScanLease / 3;
        return new Timer(_ =>
        {
            try
            {
                using var store = runtime.OpenStore();
                new ScanLedger(store).Heartbeat(scanId, runtime.Clock.GetUtcNow());
            }
#pragma warning disable CA1031 // a missed beat is retried at the next tick; the job itself must not fail for it
            catch (Exception e)
#pragma warning restore CA1031
            {
                log.HeartbeatFailed(scanId, e.Message);
            }
        }, null, TimeSpan.Zero, period);
    }

    private (ScopeStaging.StagedFiles Payload, Action? Commit) Stage(ScanProfile profile, string scope, string scanId, CancellationToken cancellation)
    {
        var settings = runtime.Settings;
        if (profile.Snapshot is { } folder)
        {
            return (ScopeStaging.StageFolder(settings.Resolve(folder), scope, settings.Modules, BaselineLoader.Load(settings.Resolve(profile.Baseline)), cancellation), null);
        }

        // A live scope: collect one cloud into a private folder, then stage what was collected.
        var target = Path.Combine(settings.Resolve(settings.StateDirectory), "staging", $"{scanId}-{scope.Replace('/', '-')}-{Guid.NewGuid():N}");
        try
        {
            var only = settings.Only(scope["live/".Length..]);
            using var lines = new LoggerTextWriter(log, scope);
            var outcome = new CollectCommand(lines, lines, runtime.Clock).Collect(only, target, full: false);
            return (ScopeStaging.StageCollected(target, scope, settings.Modules, BaselineLoader.Load(settings.Resolve(profile.Baseline))), outcome.Commit);
        }
        finally
        {
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }

    // Every scope is in: its trail evaluations go out to the workers, or, when no scope has a trail (or every rule
    // cannot hand its state on), the final job directly.
    private void QueueEvaluationIf(ScanLedger ledger, ScopeCompletion completion, string scanId, string profileName)
    {
        if (!completion.EnqueueEvaluation)
        {
            return;
        }

        var pending = ledger.PendingPartials(scanId);
        if (pending.Count > 0 && new ScanEngine(RuleCatalogue.Load(RuleCatalogue.LocateFolder())).CanEvaluatePartially)
        {
            log.ScopeEvaluationsQueued(scanId, pending.Count);
            foreach (var scope in pending)
            {
                jobs.Enqueue<ScanJobs>(j => j.EvaluateScope(scanId, profileName, scope, null, CancellationToken.None));
            }

            return;
        }

        foreach (var scope in pending)
        {
            ledger.CompletePartial(scanId, scope, null, "a rule cannot hand its state on; read by the final job", runtime.Name, runtime.Clock.GetUtcNow());
        }

        ledger.CloseEvaluation(scanId);
        QueueMergeIf(true, scanId, profileName);
    }

    private void QueueMergeIf(bool queue, string scanId, string profileName)
    {
        if (queue)
        {
            log.EvaluationQueued(scanId);
            jobs.Enqueue<ScanJobs>(j => j.Evaluate(scanId, profileName, CancellationToken.None));
        }
    }
}
