using Microsoft.Extensions.Logging;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>The worker's structured log events (source-generated: no boxing, no formatting when the level is off).</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(1, LogLevel.Warning, "Profile {Profile} is no longer configured; nothing to start")]
    public static partial void ProfileGone(this ILogger log, string profile);

    [LoggerMessage(2, LogLevel.Warning, "Scan of {Profile} not started: scan {ScanId} is still running (started {Started})")]
    public static partial void AlreadyRunning(this ILogger log, string profile, string? scanId, DateTimeOffset? started);

    [LoggerMessage(3, LogLevel.Information, "Scan {ScanId} of {Profile} started: {Scopes} scope job(s)")]
    public static partial void ScanStarted(this ILogger log, string scanId, string profile, int scopes);

    [LoggerMessage(4, LogLevel.Information, "Scope {Scope} of scan {ScanId} is already complete")]
    public static partial void ScopeAlreadyComplete(this ILogger log, string scope, string scanId);

    [LoggerMessage(5, LogLevel.Warning, "Staging {Scope} of scan {ScanId} interrupted by shutdown; the job goes back to the queue")]
    public static partial void StagingInterrupted(this ILogger log, string scope, string scanId);

    [LoggerMessage(6, LogLevel.Warning, "Scope job for {Scope} of scan {ScanId} failed (attempt {Attempt} of {Attempts}): {Error}; retrying in {Delay} s")]
    public static partial void ScopeJobRetry(this ILogger log, string scope, string scanId, int attempt, int attempts, string error, int delay);

    [LoggerMessage(7, LogLevel.Error, "Staging {Scope} of scan {ScanId} failed on its last attempt: {Error}; recorded as a coverage gap")]
    public static partial void StagingGaveUp(this ILogger log, string scope, string scanId, string error);

    [LoggerMessage(8, LogLevel.Information, "Staged {Scope} of scan {ScanId}: {Bytes} bytes, audit trails {TrailBytes} bytes, {Pending} scope(s) pending")]
    public static partial void Staged(this ILogger log, string scope, string scanId, int bytes, int trailBytes, int pending);

    [LoggerMessage(9, LogLevel.Information, "Scan {ScanId} is {Status}; nothing to evaluate")]
    public static partial void NothingToEvaluate(this ILogger log, string scanId, string status);

    [LoggerMessage(10, LogLevel.Information, "Scan {ScanId} was already recorded as run {RunId}")]
    public static partial void AlreadyRecorded(this ILogger log, string scanId, long runId);

    [LoggerMessage(11, LogLevel.Information, "Scan {ScanId} of {Profile} recorded as run {RunId}: {Findings} findings, {Active} active, {Gaps} gap(s); {New} new, {Reopened} reopened, {Resolved} resolved, {Back} back after an exception expired; reports in {Out}")]
    public static partial void Recorded(this ILogger log, string scanId, string profile, long runId, int findings, int active, int gaps, int @new, int reopened, int resolved, int back, string @out);

    [LoggerMessage(12, LogLevel.Information, "All scopes of scan {ScanId} are in; evaluation queued")]
    public static partial void EvaluationQueued(this ILogger log, string scanId);

    [LoggerMessage(13, LogLevel.Information, "Scan of {Profile} queued at start")]
    public static partial void QueuedAtStart(this ILogger log, string profile);

    [LoggerMessage(14, LogLevel.Error, "Configuration {File} changed but is not valid; keeping the previous profiles: {Error}")]
    public static partial void InvalidReload(this ILogger log, string file, string error);

    [LoggerMessage(15, LogLevel.Information, "Recurring scans after {Why}: {Added} added, {Changed} changed, {Removed} removed, {Unchanged} unchanged")]
    public static partial void Registered(this ILogger log, string why, string added, string changed, string removed, string unchanged);

    [LoggerMessage(16, LogLevel.Information, "Profile {Profile}: cron '{Cron}' in {TimeZone}")]
    public static partial void Schedule(this ILogger log, string profile, string cron, string timeZone);

    [LoggerMessage(17, LogLevel.Information, "[{Scope}] {Line}")]
    public static partial void CollectorLine(this ILogger log, string scope, string line);

    [LoggerMessage(18, LogLevel.Warning, "Could not renew the lease of scan {ScanId}: {Error}; retrying at the next beat")]
    public static partial void HeartbeatFailed(this ILogger log, string scanId, string error);

    [LoggerMessage(19, LogLevel.Information, "Lifecycle sink {Sink} received run {RunId} (attempt {Attempts})")]
    public static partial void SinkDelivered(this ILogger log, string sink, long runId, int attempts);

    [LoggerMessage(20, LogLevel.Error, "Lifecycle sink {Sink} failed run {RunId} (attempt {Attempts}): {Error}; retried after {RetryAt}")]
    public static partial void SinkFailed(this ILogger log, string sink, long runId, int attempts, string? error, DateTimeOffset? retryAt);

    [LoggerMessage(21, LogLevel.Information, "Scope {Scope} of scan {ScanId} was already evaluated")]
    public static partial void ScopeAlreadyEvaluated(this ILogger log, string scope, string scanId);

    [LoggerMessage(22, LogLevel.Warning, "Scope {Scope} of scan {ScanId} could not be evaluated ({Error}); the final job reads its audit trails itself")]
    public static partial void ScopeEvaluationGaveUp(this ILogger log, string scope, string scanId, string error);

    [LoggerMessage(23, LogLevel.Information, "Evaluated {Scope} of scan {ScanId}: {Events} event(s) in {Parts} file(s), partial state {StateBytes} bytes, {Seconds:F1} s")]
    public static partial void ScopeEvaluated(this ILogger log, string scope, string scanId, long events, int parts, int stateBytes, double seconds);

    [LoggerMessage(24, LogLevel.Information, "Scan {ScanId}: merging {States} partial state(s), {Bytes} bytes; trails read here: {ReadHere}")]
    public static partial void MergingPartials(this ILogger log, string scanId, int states, long bytes, string readHere);

    [LoggerMessage(25, LogLevel.Information, "Scan {ScanId}: queued the evaluation of {Scopes} scope(s) with audit trails")]
    public static partial void ScopeEvaluationsQueued(this ILogger log, string scanId, int scopes);

    [LoggerMessage(26, LogLevel.Information, "Scan {ScanId}: {Scopes} scope evaluation(s) still running; the last one queues the final job")]
    public static partial void WaitingForScopeEvaluations(this ILogger log, string scanId, int scopes);

    [LoggerMessage(27, LogLevel.Information, "Scan {ScanId}: final job assembled in {Assemble:F2} s, scanned and merged in {Scan:F2} s, recorded in {Record:F2} s, reports and deliveries in {Reports:F2} s")]
    public static partial void FinalJobTimes(this ILogger log, string scanId, double assemble, double scan, double record, double reports);

    [LoggerMessage(28, LogLevel.Information, "Profile {Profile}: report retention deleted {Count} run folder(s): {Folders}")]
    public static partial void ReportsPruned(this ILogger log, string profile, int count, string folders);

    [LoggerMessage(29, LogLevel.Information, "Profile {Profile}: access review campaign {Campaign} opened on run #{RunId}, decisions due {Due:yyyy-MM-dd}")]
    public static partial void ReviewOpened(this ILogger log, string profile, string campaign, long runId, DateTimeOffset due);

    [LoggerMessage(30, LogLevel.Warning, "Profile {Profile}: access review campaign not opened: {Problem}")]
    public static partial void ReviewNotOpened(this ILogger log, string profile, string problem);
}
