using System.Globalization;

namespace DriftSentinel.History;

/// <summary>Where a scheduled scan stands.</summary>
public enum ScanStatus
{
    /// <summary>Scope jobs are collecting or staging their part.</summary>
    Collecting,

    /// <summary>Every scope is in (read or failed); the evaluation job runs or is queued.</summary>
    Evaluating,

    /// <summary>Evaluated, recorded as a run, reports written.</summary>
    Done,

    /// <summary>Started but never finished within the stale limit; the next start replaced it.</summary>
    Abandoned,
}

/// <summary>One scan of a profile as the ledger knows it.</summary>
public sealed record ScanRecord(string Id, string Profile, ScanStatus Status, DateTimeOffset CreatedAt, long? RunId, string? Detail);

/// <summary>A scope's staged part: the files it collected (a zip), or why it could not.</summary>
/// <param name="Scope">The scope (aws/ID, live/aws, …).</param>
/// <param name="Read">Staged; false when it failed (<paramref name="Detail"/> says why).</param>
/// <param name="Detail">Why it failed.</param>
/// <param name="Payload">Its files other than audit trails (inventory, configuration), which every scope job reads.</param>
/// <param name="Worker">The worker that staged it.</param>
/// <param name="Attempts">Attempts so far.</param>
/// <param name="Activity">Its audit-trail files, read by its own scope job and by the final job only for what no partial state covers.</param>
public sealed record StagedScope(string Scope, bool Read, string? Detail, byte[]? Payload, string? Worker, int Attempts, byte[]? Activity = null)
{
    /// <summary>The names of its audit-trail files (entries of <see cref="Activity"/>), known without fetching them.</summary>
    public IReadOnlyList<string> ActivityFiles { get; init; } = [];
}

/// <summary>A scope's evaluated part: the partial rule state its scope job wrote, or why it has none.</summary>
public sealed record ScopePartial(string Scope, string Status, byte[]? State, long? Bytes, string? Detail, string? Worker);

/// <summary>What completing a scope means for the scan.</summary>
/// <param name="Pending">Scopes still being collected.</param>
/// <param name="EnqueueEvaluation">This caller should queue the evaluation (it closed the collection, or found it closed on a re-run).</param>
public sealed record ScopeCompletion(int Pending, bool EnqueueEvaluation);

/// <summary>
/// The worker's bookkeeping of scans in the state database, shared by every worker process: one active scan per
/// profile, each scope completed once, the evaluation queued by whoever completes the last scope. Every step is a
/// single guarded statement or transaction, so a job that runs twice (a retry, or a worker that died after doing the
/// work) changes nothing the second time.
/// </summary>
public sealed class ScanLedger(SqlHistoryStore store)
{
    /// <summary>
    /// Starts a scan with its scopes unless one of the profile is still active; an active scan older than
    /// <paramref name="staleAfter"/> is marked abandoned first (its workers died and nothing will finish it).
    /// False, with the active scan in <paramref name="running"/>, when one is still running.
    /// </summary>
    public bool TryStartScan(string profile, string scanId, IReadOnlyList<string> scopes, DateTimeOffset now, TimeSpan staleAfter, out ScanRecord? running) =>
        TryStartScan(profile, scanId, scopes, now, staleAfter, lease: null, out running);

    /// <summary>
    /// As above; with a <paramref name="lease"/>, an active scan whose jobs have not renewed it (see
    /// <see cref="Heartbeat"/>) for that long is abandoned too: its workers are gone.
    /// </summary>
    public bool TryStartScan(string profile, string scanId, IReadOnlyList<string> scopes, DateTimeOffset now, TimeSpan staleAfter, TimeSpan? lease, out ScanRecord? running)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        using var tx = store.Connection.BeginTransaction();
        if (store.Dialect == HistoryDialect.PostgreSql)
        {
            store.Execute("SELECT pg_advisory_xact_lock(727303)", tx);
        }

        using (var stale = store.Command("UPDATE scans SET status = 'Abandoned', detail = 'not finished within ' || @limit || '; replaced by a new scan' WHERE profile = @profile AND status IN ('Collecting', 'Evaluating') AND created_at < @cutoff", tx,
            ("profile", profile), ("cutoff", SqlHistoryStore.Iso(now - staleAfter)), ("limit", staleAfter.ToString())))
        {
            stale.ExecuteNonQuery();
        }

        if (lease is { } l)
        {
            using var dead = store.Command("UPDATE scans SET status = 'Abandoned', detail = 'no job renewed its lease for ' || @lease || ' (its worker died); replaced by a new scan' WHERE profile = @profile AND status IN ('Collecting', 'Evaluating') AND COALESCE(heartbeat_at, created_at) < @cutoff", tx,
                ("profile", profile), ("cutoff", SqlHistoryStore.Iso(now - l)), ("lease", l.ToString()));
            dead.ExecuteNonQuery();
        }

        running = Read("SELECT id, profile, status, created_at, run_id, detail FROM scans WHERE profile = @profile AND status IN ('Collecting', 'Evaluating')", tx, ("profile", profile)).FirstOrDefault();
        if (running is not null)
        {
            tx.Rollback();
            return false;
        }

        using (var insert = store.Command("INSERT INTO scans (id, profile, status, created_at, heartbeat_at) VALUES (@id, @profile, @status, @now, @now)", tx,
            ("id", scanId), ("profile", profile), ("status", scopes.Count == 0 ? nameof(ScanStatus.Evaluating) : nameof(ScanStatus.Collecting)), ("now", SqlHistoryStore.Iso(now))))
        {
            insert.ExecuteNonQuery();
        }

        foreach (var scope in scopes)
        {
            using var row = store.Command("INSERT INTO scan_scopes (scan_id, scope, status) VALUES (@id, @scope, 'Pending')", tx, ("id", scanId), ("scope", scope));
            row.ExecuteNonQuery();
        }

        tx.Commit();
        return true;
    }

    /// <summary>Renews an active scan's lease: its jobs call this while they run.</summary>
    public void Heartbeat(string scanId, DateTimeOffset now)
    {
        using var command = store.Command("UPDATE scans SET heartbeat_at = @now WHERE id = @id AND status IN ('Collecting', 'Evaluating')", null,
            ("now", SqlHistoryStore.Iso(now)), ("id", scanId));
        command.ExecuteNonQuery();
    }

    /// <summary>Counts an attempt at a scope; false when the scope is already complete (nothing left to do).</summary>
    public bool BeginScope(string scanId, string scope, string worker)
    {
        using var command = store.Command("UPDATE scan_scopes SET attempts = attempts + 1, worker = @worker WHERE scan_id = @id AND scope = @scope AND status = 'Pending'", null,
            ("worker", worker), ("id", scanId), ("scope", scope));
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// Stores a scope's outcome if it is still pending (the first completion wins), then closes the collection when
    /// no scope is pending.
    /// </summary>
    public ScopeCompletion CompleteScope(string scanId, string scope, bool read, string? detail, byte[]? payload, string worker, DateTimeOffset now) =>
        CompleteScope(scanId, scope, read, detail, payload, activity: null, worker, now);

    /// <summary>As above, with the names of the trail's files kept beside it (the final job lists merged trails without fetching them).</summary>
    public ScopeCompletion CompleteScope(string scanId, string scope, bool read, string? detail, byte[]? payload, byte[]? activity, IReadOnlyList<string> activityFiles, string worker, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(activityFiles);
        return Complete(scanId, scope, read, detail, payload, activity, activityFiles.Count == 0 ? null : string.Join('\n', activityFiles), worker, now);
    }

    /// <summary>
    /// As above, with the scope's audit-trail files apart from the rest: a scope with some is then evaluated by a
    /// scope job of its own (<see cref="PendingPartials"/>) before the final job merges.
    /// </summary>
    public ScopeCompletion CompleteScope(string scanId, string scope, bool read, string? detail, byte[]? payload, byte[]? activity, string worker, DateTimeOffset now) =>
        Complete(scanId, scope, read, detail, payload, activity, activityFiles: null, worker, now);

    private ScopeCompletion Complete(string scanId, string scope, bool read, string? detail, byte[]? payload, byte[]? activity, string? activityFiles, string worker, DateTimeOffset now)
    {
        using var tx = store.Connection.BeginTransaction();
        int changed;
        using (var update = store.Command("UPDATE scan_scopes SET status = @status, detail = @detail, payload = @payload, activity = @activity, activity_files = @files, partial_status = @partial, worker = @worker, finished_at = @now WHERE scan_id = @id AND scope = @scope AND status = 'Pending'", tx,
            ("status", read ? "Read" : "Failed"), ("detail", detail), ("payload", payload), ("activity", activity), ("files", activityFiles), ("partial", read && activity is not null ? "Pending" : null),
            ("worker", worker), ("now", SqlHistoryStore.Iso(now)), ("id", scanId), ("scope", scope)))
        {
            changed = update.ExecuteNonQuery();
        }

        LockScan(scanId, tx);
        int closed;
        using (var close = store.Command("UPDATE scans SET status = 'Evaluating' WHERE id = @id AND status = 'Collecting' AND NOT EXISTS (SELECT 1 FROM scan_scopes WHERE scan_id = @id AND status = 'Pending')", tx, ("id", scanId)))
        {
            closed = close.ExecuteNonQuery();
        }

        int pending;
        using (var count = store.Command("SELECT COUNT(*) FROM scan_scopes WHERE scan_id = @id AND status = 'Pending'", tx, ("id", scanId)))
        {
            pending = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        var status = Find(scanId, tx)?.Status;
        tx.Commit();

        // A re-run that finds its scope already complete re-queues the evaluation in case the worker that closed the
        // collection died before queueing it; evaluation is idempotent, so a spare one costs a no-op.
        return new ScopeCompletion(pending, closed == 1 || (changed == 0 && status == ScanStatus.Evaluating));
    }

    public ScanRecord? Find(string scanId) => Find(scanId, null);

    /// <summary>The scopes whose audit trails still wait for their scope job's evaluation.</summary>
    public IReadOnlyList<string> PendingPartials(string scanId)
    {
        using var command = store.Command("SELECT scope FROM scan_scopes WHERE scan_id = @id AND partial_status = 'Pending' ORDER BY scope", null, ("id", scanId));
        using var reader = command.ExecuteReader();
        var scopes = new List<string>();
        while (reader.Read())
        {
            scopes.Add(reader.GetString(0));
        }

        return scopes;
    }

    /// <summary>
    /// Stores a scope's partial state (or, with none, why: the final job then reads that scope's trail itself) if it
    /// is still pending — the first completion wins — and closes the evaluation when none is pending. True when this
    /// caller should queue the final job (it closed the evaluation, or found it closed on a re-run).
    /// </summary>
    public bool CompletePartial(string scanId, string scope, byte[]? state, string? detail, string worker, DateTimeOffset now)
    {
        using var tx = store.Connection.BeginTransaction();
        int changed;
        using (var update = store.Command("UPDATE scan_scopes SET partial_status = @status, partial_state = @state, partial_bytes = @bytes, partial_detail = @detail, partial_worker = @worker, partial_at = @now WHERE scan_id = @id AND scope = @scope AND partial_status = 'Pending'", tx,
            ("status", state is null ? "Failed" : "Done"), ("state", state), ("bytes", state?.LongLength), ("detail", detail), ("worker", worker), ("now", SqlHistoryStore.Iso(now)), ("id", scanId), ("scope", scope)))
        {
            changed = update.ExecuteNonQuery();
        }

        LockScan(scanId, tx);
        var closed = CloseEvaluation(scanId, tx);
        bool merging;
        using (var flag = store.Command("SELECT merging FROM scans WHERE id = @id", tx, ("id", scanId)))
        {
            merging = flag.ExecuteScalar() is { } m and not DBNull && Convert.ToInt64(m, CultureInfo.InvariantCulture) == 1;
        }

        tx.Commit();
        return closed || (changed == 0 && merging);
    }

    /// <summary>
    /// Marks the scan's scope evaluations closed when none is pending (once: true only for the caller that closed
    /// them). Called by whoever closes the collection when no scope has a trail to evaluate.
    /// </summary>
    public bool CloseEvaluation(string scanId)
    {
        using var tx = store.Connection.BeginTransaction();
        LockScan(scanId, tx);
        var closed = CloseEvaluation(scanId, tx);
        tx.Commit();
        return closed;
    }

    /// <summary>
    /// Completions of one scan's scopes decide in turn whether they were the last: under PostgreSQL's read committed,
    /// two workers completing the last two scopes at once would each still see the other's scope pending and neither
    /// would close the collection (the scan then waited for its lease to lapse; seen with two workers). Taken after the
    /// scope's own row is written, so the payloads themselves are written side by side; whoever waits here sees the
    /// other's committed row once it gets the lock. SQLite serializes writers by itself.
    /// </summary>
    private void LockScan(string scanId, System.Data.Common.DbTransaction tx)
    {
        if (store.Dialect == HistoryDialect.PostgreSql)
        {
            using var command = store.Command("SELECT id FROM scans WHERE id = @id FOR UPDATE", tx, ("id", scanId));
            command.ExecuteNonQuery();
        }
    }

    private bool CloseEvaluation(string scanId, System.Data.Common.DbTransaction tx)
    {
        using var close = store.Command("UPDATE scans SET merging = 1 WHERE id = @id AND merging = 0 AND status = 'Evaluating' AND NOT EXISTS (SELECT 1 FROM scan_scopes WHERE scan_id = @id AND partial_status = 'Pending')", tx, ("id", scanId));
        return close.ExecuteNonQuery() == 1;
    }

    /// <summary>Every scope's partial state, or why it has none (scopes without a trail are not listed).</summary>
    public IReadOnlyList<ScopePartial> LoadPartials(string scanId)
    {
        using var command = store.Command("SELECT scope, partial_status, partial_state, partial_bytes, partial_detail, partial_worker FROM scan_scopes WHERE scan_id = @id AND partial_status IS NOT NULL ORDER BY scope", null, ("id", scanId));
        using var reader = command.ExecuteReader();
        var partials = new List<ScopePartial>();
        while (reader.Read())
        {
            partials.Add(new ScopePartial(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2),
                reader.IsDBNull(3) ? null : Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return partials;
    }

    /// <summary>
    /// What a scope job needs: every read scope's inventory files, and the audit-trail files of <paramref name="onlyActivityOf"/>.
    /// </summary>
    public IReadOnlyList<StagedScope> LoadScopes(string scanId, string onlyActivityOf) => LoadScopes(scanId, s => s.Scope == onlyActivityOf);

    /// <summary>
    /// Every scope with its inventory files and the names of its audit-trail files; the trail files themselves only for
    /// the scopes <paramref name="withActivity"/> selects (all when null): a merging job does not fetch trails it will not read.
    /// </summary>
    public IReadOnlyList<StagedScope> LoadScopes(string scanId, Func<StagedScope, bool>? withActivity = null)
    {
        var scopes = new List<StagedScope>();
        var hasActivity = new List<bool>();
        using (var command = store.Command("SELECT scope, status, detail, payload, worker, attempts, activity_files, CASE WHEN activity IS NULL THEN 0 ELSE 1 END FROM scan_scopes WHERE scan_id = @id ORDER BY scope", null, ("id", scanId)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                scopes.Add(new StagedScope(reader.GetString(0), reader.GetString(1) == "Read", reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3), reader.IsDBNull(4) ? null : reader.GetString(4), Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture))
                {
                    ActivityFiles = reader.IsDBNull(6) ? [] : reader.GetString(6).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                });
                hasActivity.Add(Convert.ToInt32(reader.GetValue(7), CultureInfo.InvariantCulture) == 1);
            }
        }

        for (var i = 0; i < scopes.Count; i++)
        {
            if (hasActivity[i] && (withActivity?.Invoke(scopes[i]) ?? true))
            {
                using var command = store.Command("SELECT activity FROM scan_scopes WHERE scan_id = @id AND scope = @scope", null, ("id", scanId), ("scope", scopes[i].Scope));
                scopes[i] = scopes[i] with { Activity = command.ExecuteScalar() is byte[] blob ? blob : null };
            }
        }

        return scopes;
    }

    /// <summary>Marks the scan done with its run and drops the staged files (the snapshot lives on in the reports' folder).</summary>
    public void FinishScan(string scanId, long runId, DateTimeOffset now)
    {
        using var tx = store.Connection.BeginTransaction();
        using (var done = store.Command("UPDATE scans SET status = 'Done', run_id = @run, finished_at = @now WHERE id = @id", tx, ("run", runId), ("now", SqlHistoryStore.Iso(now)), ("id", scanId)))
        {
            done.ExecuteNonQuery();
        }

        using (var drop = store.Command("UPDATE scan_scopes SET payload = NULL, activity = NULL, partial_state = NULL WHERE scan_id = @id", tx, ("id", scanId)))
        {
            drop.ExecuteNonQuery();
        }

        tx.Commit();
    }

    public IReadOnlyList<ScanRecord> ListScans(string? profile = null) =>
        profile is null
            ? Read("SELECT id, profile, status, created_at, run_id, detail FROM scans ORDER BY created_at", null)
            : Read("SELECT id, profile, status, created_at, run_id, detail FROM scans WHERE profile = @profile ORDER BY created_at", null, ("profile", profile));

    private ScanRecord? Find(string scanId, System.Data.Common.DbTransaction? tx) =>
        Read("SELECT id, profile, status, created_at, run_id, detail FROM scans WHERE id = @id", tx, ("id", scanId)).FirstOrDefault();

    private List<ScanRecord> Read(string sql, System.Data.Common.DbTransaction? tx, params (string, object?)[] parameters)
    {
        using var command = store.Command(sql, tx, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<ScanRecord>();
        while (reader.Read())
        {
            list.Add(new ScanRecord(reader.GetString(0), reader.GetString(1), Enum.Parse<ScanStatus>(reader.GetString(2)), SqlHistoryStore.Time(reader.GetString(3)),
                reader.IsDBNull(4) ? null : Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return list;
    }
}
