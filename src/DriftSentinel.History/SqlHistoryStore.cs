using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DriftSentinel.History;

/// <summary>Which database a history store talks to.</summary>
public enum HistoryDialect
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// The history store over ADO.NET: a SQLite file by default, PostgreSQL when several workers share state. Times are
/// stored as ISO 8601 UTC text (sortable, identical in both), and each run is written in one transaction.
/// </summary>
public sealed class SqlHistoryStore : IHistoryStore, Core.Tickets.ITicketLedger, INotificationLedger, Core.Access.IReviewLedger
{
    /// <summary>The schema version this build writes; <see cref="Migrate"/> applies the steps up to it.</summary>
    public const int SchemaVersion = 11;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly DbConnection _connection;

    private SqlHistoryStore(DbConnection connection, HistoryDialect dialect)
    {
        _connection = connection;
        Dialect = dialect;
        _connection.Open();
        if (dialect == HistoryDialect.Sqlite)
        {
            Execute("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;");
        }
    }

    public HistoryDialect Dialect { get; }

    internal DbConnection Connection => _connection;

    /// <summary>
    /// Opens "Host=…" (or "postgres://…") as PostgreSQL; anything else is a SQLite file path or "Data Source=…".
    /// </summary>
    public static SqlHistoryStore Open(string connection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connection);
        if (connection.StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || connection.StartsWith("Server=", StringComparison.OrdinalIgnoreCase) || connection.Contains("Username=", StringComparison.OrdinalIgnoreCase))
        {
            return new SqlHistoryStore(new NpgsqlConnection(connection), HistoryDialect.PostgreSql);
        }

        var source = connection.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase) ? connection : $"Data Source={connection}";
        var file = new SqliteConnectionStringBuilder(source).DataSource;
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        return new SqlHistoryStore(new SqliteConnection(source), HistoryDialect.Sqlite);
    }

    /// <summary>The SQLite file a connection names, or null for PostgreSQL.</summary>
    public static string? SqliteFile(string connection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connection);
        if (connection.StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || connection.StartsWith("Server=", StringComparison.OrdinalIgnoreCase) || connection.Contains("Username=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var source = connection.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase) ? connection : $"Data Source={connection}";
        return new SqliteConnectionStringBuilder(source).DataSource;
    }

    public int Migrate()
    {
        var id = Dialect == HistoryDialect.Sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
        if (Dialect == HistoryDialect.PostgreSql)
        {
            // Several workers may start at once: one migrates, the others wait for it.
            Execute("SELECT pg_advisory_lock(727301)");
        }

        try
        {
            Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            var current = Convert.ToInt32(Scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"), CultureInfo.InvariantCulture);
            if (current > SchemaVersion)
            {
                throw new InvalidOperationException($"the history database is at schema version {current}, newer than this build's {SchemaVersion}; upgrade DriftSentinel");
            }

            if (current < 1)
            {
                using var tx = _connection.BeginTransaction();
                Execute($"""
                    CREATE TABLE runs (
                      id {id}, profile TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, as_of TEXT NOT NULL,
                      snapshot TEXT NOT NULL, findings INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 0,
                      gaps INTEGER NOT NULL DEFAULT 0, coverage TEXT NOT NULL DEFAULT '[]')
                    """, tx);
                Execute("""
                    CREATE TABLE findings (
                      fingerprint TEXT PRIMARY KEY, rule_id TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL,
                      environment TEXT, scope TEXT, status TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                      times_seen INTEGER NOT NULL, resolved_at TEXT, acceptance_expired INTEGER NOT NULL, last_run_id BIGINT NOT NULL)
                    """, tx);
                Execute("CREATE TABLE run_findings (run_id BIGINT NOT NULL, fingerprint TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (run_id, fingerprint))", tx);
                Execute("CREATE TABLE triage (fingerprint TEXT PRIMARY KEY, reason TEXT NOT NULL, until_at TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, ticket TEXT)", tx);
                Execute("CREATE INDEX findings_status ON findings (status)", tx);
                Execute("INSERT INTO schema_version (version) VALUES (1)", tx);
                tx.Commit();
            }

            if (current < 2)
            {
                // v2: the scheduled worker. A run remembers the scan it records (once per scan); scans and their
                // scope jobs are tracked so several workers can share one scan and none is started twice.
                var blob = Dialect == HistoryDialect.Sqlite ? "BLOB" : "BYTEA";
                using var tx = _connection.BeginTransaction();
                Execute("ALTER TABLE runs ADD COLUMN scan_key TEXT", tx);
                Execute("CREATE UNIQUE INDEX runs_scan_key ON runs (scan_key) WHERE scan_key IS NOT NULL", tx);
                Execute("""
                    CREATE TABLE scans (
                      id TEXT PRIMARY KEY, profile TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
                      as_of TEXT, finished_at TEXT, run_id BIGINT, detail TEXT)
                    """, tx);
                Execute("CREATE UNIQUE INDEX scans_one_active_per_profile ON scans (profile) WHERE status IN ('Collecting', 'Evaluating')", tx);
                Execute($"""
                    CREATE TABLE scan_scopes (
                      scan_id TEXT NOT NULL, scope TEXT NOT NULL, status TEXT NOT NULL, detail TEXT, worker TEXT,
                      attempts INTEGER NOT NULL DEFAULT 0, finished_at TEXT, payload {blob}, PRIMARY KEY (scan_id, scope))
                    """, tx);
                Execute("INSERT INTO schema_version (version) VALUES (2)", tx);
                tx.Commit();
            }

            if (current < 3)
            {
                // v3: finding history per profile. A run of one profile resolves only that profile's findings; a
                // fingerprint seen by two profiles has a state in each. Existing states belong to the profile of the
                // run that last changed them.
                using var tx = _connection.BeginTransaction();
                Execute("""
                    CREATE TABLE findings_v3 (
                      profile TEXT NOT NULL, fingerprint TEXT NOT NULL, rule_id TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL,
                      environment TEXT, scope TEXT, status TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                      times_seen INTEGER NOT NULL, resolved_at TEXT, acceptance_expired INTEGER NOT NULL, last_run_id BIGINT NOT NULL,
                      PRIMARY KEY (profile, fingerprint))
                    """, tx);
                Execute("""
                    INSERT INTO findings_v3 (profile, fingerprint, rule_id, title, severity, environment, scope, status, first_seen, last_seen, times_seen, resolved_at, acceptance_expired, last_run_id)
                    SELECT COALESCE((SELECT r.profile FROM runs r WHERE r.id = f.last_run_id), 'cli'), f.fingerprint, f.rule_id, f.title, f.severity, f.environment, f.scope,
                           f.status, f.first_seen, f.last_seen, f.times_seen, f.resolved_at, f.acceptance_expired, f.last_run_id
                    FROM findings f
                    """, tx);
                Execute("DROP TABLE findings", tx);
                Execute("ALTER TABLE findings_v3 RENAME TO findings", tx);
                Execute("CREATE INDEX findings_status ON findings (status)", tx);
                Execute("CREATE INDEX findings_fingerprint ON findings (fingerprint)", tx);
                Execute("INSERT INTO schema_version (version) VALUES (3)", tx);
                tx.Commit();
            }

            if (current < 4)
            {
                // v4: a lease on every active scan, renewed while its jobs run, so a killed worker's scan is taken
                // over within minutes rather than refusing every start until ScanStaleAfter.
                using var tx = _connection.BeginTransaction();
                Execute("ALTER TABLE scans ADD COLUMN heartbeat_at TEXT", tx);
                Execute("INSERT INTO schema_version (version) VALUES (4)", tx);
                tx.Commit();
            }

            if (current < 5)
            {
                // v5: the lifecycle outbox. One row per (sink, run), written with the run; each sink's retry state
                // is its own row, so one failing tracker never holds back the others.
                using var tx = _connection.BeginTransaction();
                Execute("""
                    CREATE TABLE lifecycle_deliveries (
                      sink TEXT NOT NULL, run_id BIGINT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                      last_error TEXT, due_at TEXT NOT NULL, claimed_until TEXT, delivered_at TEXT,
                      PRIMARY KEY (sink, run_id))
                    """, tx);
                Execute("INSERT INTO schema_version (version) VALUES (5)", tx);
                tx.Commit();
            }

            if (current < 6)
            {
                // v6: the ticket ledger, one row per (profile, fingerprint): the source of truth for its ticket.
                using var tx = _connection.BeginTransaction();
                Execute("""
                    CREATE TABLE tickets (
                      profile TEXT NOT NULL, fingerprint TEXT NOT NULL, tracker TEXT NOT NULL, project TEXT NOT NULL,
                      ticket_key TEXT, url TEXT, state TEXT NOT NULL, content_hash TEXT, last_run_id BIGINT NOT NULL DEFAULT 0,
                      synced_at TEXT, creating INTEGER NOT NULL DEFAULT 0, replaced TEXT,
                      PRIMARY KEY (profile, fingerprint))
                    """, tx);
                Execute("INSERT INTO schema_version (version) VALUES (6)", tx);
                tx.Commit();
            }

            if (current < 7)
            {
                // v7: scopes evaluated where they were staged. A scope's audit-trail files are kept apart from its
                // inventory (every scope job reads all inventories, only its own trail); its partial rule state is
                // kept for the final job to merge; the scan records when every partial is in.
                var blob = Dialect == HistoryDialect.Sqlite ? "BLOB" : "BYTEA";
                using var tx = _connection.BeginTransaction();
                Execute($"ALTER TABLE scan_scopes ADD COLUMN activity {blob}", tx);
                Execute("ALTER TABLE scan_scopes ADD COLUMN partial_status TEXT", tx);
                Execute($"ALTER TABLE scan_scopes ADD COLUMN partial_state {blob}", tx);
                Execute("ALTER TABLE scan_scopes ADD COLUMN partial_bytes BIGINT", tx);
                Execute("ALTER TABLE scan_scopes ADD COLUMN partial_detail TEXT", tx);
                Execute("ALTER TABLE scan_scopes ADD COLUMN partial_worker TEXT", tx);
                Execute("ALTER TABLE scan_scopes ADD COLUMN partial_at TEXT", tx);
                Execute("ALTER TABLE scan_scopes ADD COLUMN activity_files TEXT", tx);
                if (Dialect == HistoryDialect.PostgreSql)
                {
                    // Zips, gzip logs and Brotli states: PostgreSQL's own compression of them costs CPU and saves nothing.
                    Execute("ALTER TABLE scan_scopes ALTER COLUMN payload SET STORAGE EXTERNAL, ALTER COLUMN activity SET STORAGE EXTERNAL, ALTER COLUMN partial_state SET STORAGE EXTERNAL", tx);
                }

                Execute("ALTER TABLE scans ADD COLUMN merging INTEGER NOT NULL DEFAULT 0", tx);
                Execute("INSERT INTO schema_version (version) VALUES (7)", tx);
                tx.Commit();
            }

            if (current < 8)
            {
                // v8: each run's manifest, the chain `verify --history` walks (docs/reports.md, "Run manifest").
                using var tx = _connection.BeginTransaction();
                Execute("""
                    CREATE TABLE run_manifests (
                      run_id BIGINT PRIMARY KEY, profile TEXT NOT NULL, sha256 TEXT NOT NULL, manifest TEXT NOT NULL)
                    """, tx);
                Execute("INSERT INTO schema_version (version) VALUES (8)", tx);
                tx.Commit();
            }

            if (current < 9)
            {
                // v9: the principal of each finding (findings list shows it; states from earlier runs have none until
                // seen again), and every triage decision kept in order (accept, unaccept), so an acceptance that was
                // withdrawn still says who granted it, who withdrew it and when.
                using var tx = _connection.BeginTransaction();
                Execute("ALTER TABLE findings ADD COLUMN principal TEXT", tx);
                Execute($"""
                    CREATE TABLE triage_log (
                      id {id}, fingerprint TEXT NOT NULL, action TEXT NOT NULL, reason TEXT, until_at TEXT, decided_by TEXT NOT NULL,
                      decided_at TEXT NOT NULL, ticket TEXT, UNIQUE (fingerprint, action, decided_at))
                    """, tx);
                Execute("""
                    INSERT INTO triage_log (fingerprint, action, reason, until_at, decided_by, decided_at, ticket)
                    SELECT fingerprint, 'accept', reason, until_at, decided_by, decided_at, ticket FROM triage
                    """, tx);
                Execute("INSERT INTO schema_version (version) VALUES (9)", tx);
                tx.Commit();
            }

            if (current < 10)
            {
                // v10: chat messages sent per run and channel, so a notice delivered twice posts once.
                using var tx = _connection.BeginTransaction();
                Execute("CREATE TABLE notifications (sink TEXT NOT NULL, run_id BIGINT NOT NULL, channel TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (sink, run_id, channel))", tx);
                Execute("INSERT INTO schema_version (version) VALUES (10)", tx);
                tx.Commit();
            }

            if (current < 11)
            {
                // v11: access review campaigns. A profile's latest access review (one row per grant, replaced by each
                // run), campaigns, and their items with decision and remediation; items keep their row as JSON, the
                // columns the queries need beside it.
                using var tx = _connection.BeginTransaction();
                Execute("CREATE TABLE review_latest (profile TEXT NOT NULL, item_id TEXT NOT NULL, run_id BIGINT NOT NULL, as_of TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (profile, item_id))", tx);
                Execute("""
                    CREATE TABLE review_campaigns (
                      id TEXT PRIMARY KEY, profile TEXT NOT NULL, name TEXT NOT NULL, run_id BIGINT NOT NULL, as_of TEXT NOT NULL, started_at TEXT NOT NULL,
                      ends_at TEXT NOT NULL, remediation_days INTEGER NOT NULL, created_by TEXT NOT NULL)
                    """, tx);
                Execute("""
                    CREATE TABLE review_items (
                      campaign_id TEXT NOT NULL, item_id TEXT NOT NULL, profile TEXT NOT NULL, decision TEXT, remediation TEXT NOT NULL, item TEXT NOT NULL,
                      PRIMARY KEY (campaign_id, item_id))
                    """, tx);
                Execute("INSERT INTO schema_version (version) VALUES (11)", tx);
                tx.Commit();
            }

            return SchemaVersion;
        }
        finally
        {
            if (Dialect == HistoryDialect.PostgreSql)
            {
                Execute("SELECT pg_advisory_unlock(727301)");
            }
        }
    }

    public long BeginRun(HistoryRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        using (var command = Command("INSERT INTO runs (profile, started_at, as_of, snapshot, scan_key) VALUES (@profile, @started, @asof, @snapshot, @key) ON CONFLICT DO NOTHING RETURNING id", null,
            ("profile", run.Profile), ("started", Iso(run.StartedAt)), ("asof", Iso(run.AsOf)), ("snapshot", run.Snapshot), ("key", run.ScanKey)))
        {
            if (command.ExecuteScalar() is { } id and not DBNull)
            {
                return Convert.ToInt64(id, CultureInfo.InvariantCulture);
            }
        }

        using var existing = Command("SELECT id FROM runs WHERE scan_key = @key", null, ("key", run.ScanKey));
        return Convert.ToInt64(existing.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public IReadOnlyDictionary<string, FindingState> LoadStates() =>
        QueryFindings("SELECT * FROM findings", []).GroupBy(f => f.Fingerprint, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(f => f.LastSeen)!, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, FindingState> LoadStates(string profile) => LoadStates(null, profile);

    public IReadOnlyDictionary<string, TriageDecision> LoadTriage() => LoadTriage(null);

    private Dictionary<string, FindingState> LoadStates(DbTransaction? tx, string profile) =>
        QueryFindings("SELECT * FROM findings WHERE profile = @profile", [("profile", profile)], tx).ToDictionary(f => f.Fingerprint, StringComparer.Ordinal);

    private Dictionary<string, TriageDecision> LoadTriage(DbTransaction? tx)
    {
        using var command = Command("SELECT fingerprint, reason, until_at, decided_by, decided_at, ticket FROM triage", tx);
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, TriageDecision>(StringComparer.Ordinal);
        while (reader.Read())
        {
            result[reader.GetString(0)] = new TriageDecision(reader.GetString(0), reader.GetString(1), Time(reader.GetString(2)), reader.GetString(3), Time(reader.GetString(4)), reader.IsDBNull(5) ? null : reader.GetString(5));
        }

        return result;
    }

    public LifecycleUpdate? CompleteRun(HistoryRun run, Func<IReadOnlyDictionary<string, FindingState>, IReadOnlyDictionary<string, TriageDecision>, LifecycleUpdate> evolve,
        Func<LifecycleUpdate, IReadOnlyList<PendingDelivery>>? deliveries = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evolve);

        // SQLite: BeginTransaction is BEGIN IMMEDIATE, one writer at a time. PostgreSQL: a transaction-scoped advisory
        // lock, so two runs (of any profiles) never read the same states and overwrite each other's update.
        using var tx = _connection.BeginTransaction();
        if (Dialect == HistoryDialect.PostgreSql)
        {
            Execute("SELECT pg_advisory_xact_lock(727302)", tx);
        }

        using (var check = Command("SELECT finished_at FROM runs WHERE id = @id", tx, ("id", run.Id)))
        {
            if (check.ExecuteScalar() is string)
            {
                tx.Rollback();
                return null;
            }
        }

        var update = evolve(LoadStates(tx, run.Profile), LoadTriage(tx));
        foreach (var s in update.States)
        {
            using var upsert = Command("""
                INSERT INTO findings (profile, fingerprint, rule_id, title, severity, environment, scope, status, first_seen, last_seen, times_seen, resolved_at, acceptance_expired, last_run_id, principal)
                VALUES (@profile, @fp, @rule, @title, @severity, @env, @scope, @status, @first, @last, @times, @resolved, @expired, @run, @principal)
                ON CONFLICT (profile, fingerprint) DO UPDATE SET rule_id = excluded.rule_id, title = excluded.title, severity = excluded.severity,
                  principal = COALESCE(excluded.principal, findings.principal),
                  environment = excluded.environment, scope = excluded.scope, status = excluded.status, first_seen = excluded.first_seen,
                  last_seen = excluded.last_seen, times_seen = excluded.times_seen, resolved_at = excluded.resolved_at,
                  acceptance_expired = excluded.acceptance_expired, last_run_id = excluded.last_run_id
                """, tx,
                ("profile", run.Profile), ("fp", s.Fingerprint), ("rule", s.RuleId), ("title", s.Title), ("severity", s.Severity.ToText()), ("env", s.Environment), ("scope", s.Scope),
                ("status", s.Status.ToString()), ("first", Iso(s.FirstSeen)), ("last", Iso(s.LastSeen)), ("times", s.TimesSeen),
                ("resolved", s.ResolvedAt is { } r ? Iso(r) : null), ("expired", s.AcceptanceExpired ? 1 : 0), ("run", run.Id), ("principal", s.Principal));
            upsert.ExecuteNonQuery();
        }

        foreach (var (fingerprint, status) in update.Present.Concat(update.Resolved.Select(r => (r.Fingerprint, FindingStatus.Resolved))))
        {
            using var row = Command("INSERT INTO run_findings (run_id, fingerprint, status) VALUES (@run, @fp, @status) ON CONFLICT (run_id, fingerprint) DO NOTHING", tx,
                ("run", run.Id), ("fp", fingerprint), ("status", status.ToString()));
            row.ExecuteNonQuery();
        }

        using (var finish = Command("UPDATE runs SET finished_at = @finished, findings = @findings, active = @active, gaps = @gaps, coverage = @coverage WHERE id = @id", tx,
            ("finished", Iso(run.FinishedAt ?? run.StartedAt)), ("findings", run.Findings), ("active", HistoryRecorder.ActiveCount(update)), ("gaps", run.Gaps),
            ("coverage", JsonSerializer.Serialize(run.Coverage, Json)), ("id", run.Id)))
        {
            finish.ExecuteNonQuery();
        }

        foreach (var d in deliveries?.Invoke(update) ?? [])
        {
            using var queue = Command("INSERT INTO lifecycle_deliveries (sink, run_id, payload, due_at) VALUES (@sink, @run, @payload, @due) ON CONFLICT (sink, run_id) DO NOTHING", tx,
                ("sink", d.Sink), ("run", run.Id), ("payload", d.Payload), ("due", Iso(run.FinishedAt ?? run.StartedAt)));
            queue.ExecuteNonQuery();
        }

        tx.Commit();
        return update;
    }

    public IReadOnlyList<PendingDelivery> ClaimDeliveries(string sink, DateTimeOffset now, TimeSpan lease, int limit)
    {
        var due = ReadDeliveries(sink, """
            SELECT run_id, payload, attempts, last_error FROM lifecycle_deliveries
            WHERE sink = @sink AND delivered_at IS NULL AND due_at <= @now AND (claimed_until IS NULL OR claimed_until < @now)
            ORDER BY run_id LIMIT @limit
            """, ("sink", sink), ("now", Iso(now)), ("limit", limit));
        var claimed = new List<PendingDelivery>();
        foreach (var d in due)
        {
            // Guarded: of two workers claiming one row, exactly one changes it.
            using var claim = Command("""
                UPDATE lifecycle_deliveries SET claimed_until = @until
                WHERE sink = @sink AND run_id = @run AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until < @now)
                """, null, ("until", Iso(now + lease)), ("sink", sink), ("run", d.RunId), ("now", Iso(now)));
            if (claim.ExecuteNonQuery() == 1)
            {
                claimed.Add(d);
            }
        }

        return claimed;
    }

    public IReadOnlyList<PendingDelivery> PendingDeliveries(string sink) =>
        ReadDeliveries(sink, "SELECT run_id, payload, attempts, last_error FROM lifecycle_deliveries WHERE sink = @sink AND delivered_at IS NULL ORDER BY run_id", ("sink", sink));

    private List<PendingDelivery> ReadDeliveries(string sink, string sql, params (string Name, object? Value)[] parameters)
    {
        using var select = Command(sql, null, parameters);
        using var reader = select.ExecuteReader();
        var list = new List<PendingDelivery>();
        while (reader.Read())
        {
            list.Add(new PendingDelivery(sink, Convert.ToInt64(reader["run_id"], CultureInfo.InvariantCulture), (string)reader["payload"],
                Convert.ToInt32(reader["attempts"], CultureInfo.InvariantCulture), reader["last_error"] as string));
        }

        return list;
    }

    public void FinishDelivery(string sink, long runId, DateTimeOffset now, string? failure, DateTimeOffset? retryAt)
    {
        using var command = failure is null
            ? Command("UPDATE lifecycle_deliveries SET delivered_at = @now, claimed_until = NULL, last_error = NULL WHERE sink = @sink AND run_id = @run", null,
                ("now", Iso(now)), ("sink", sink), ("run", runId))
            : Command("UPDATE lifecycle_deliveries SET attempts = attempts + 1, last_error = @error, due_at = @due, claimed_until = NULL WHERE sink = @sink AND run_id = @run AND delivered_at IS NULL", null,
                ("error", failure), ("due", Iso(retryAt ?? now)), ("sink", sink), ("run", runId));
        command.ExecuteNonQuery();
    }

    public void RecordTriage(TriageDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        using var tx = _connection.BeginTransaction();
        using (var command = Command("""
            INSERT INTO triage (fingerprint, reason, until_at, decided_by, decided_at, ticket) VALUES (@fp, @reason, @until, @by, @at, @ticket)
            ON CONFLICT (fingerprint) DO UPDATE SET reason = excluded.reason, until_at = excluded.until_at, decided_by = excluded.decided_by, decided_at = excluded.decided_at, ticket = excluded.ticket
            """, tx, ("fp", decision.Fingerprint), ("reason", decision.Reason), ("until", Iso(decision.Until)), ("by", decision.DecidedBy), ("at", Iso(decision.DecidedAt)), ("ticket", decision.Ticket)))
        {
            command.ExecuteNonQuery();
        }

        LogTriage(tx, decision.Fingerprint, "accept", decision.Reason, decision.Until, decision.DecidedBy, decision.DecidedAt, decision.Ticket);
        tx.Commit();
    }

    public TriageDecision? RemoveTriage(string fingerprint, string decidedBy, DateTimeOffset at, string? reason)
    {
        using var tx = _connection.BeginTransaction();
        var existing = LoadTriage(tx).GetValueOrDefault(fingerprint);
        if (existing is null)
        {
            return null;
        }

        using (var command = Command("DELETE FROM triage WHERE fingerprint = @fp", tx, ("fp", fingerprint)))
        {
            command.ExecuteNonQuery();
        }

        LogTriage(tx, fingerprint, "unaccept", reason, null, decidedBy, at, existing.Ticket);
        tx.Commit();
        return existing;
    }

    public void SaveLatestReview(string profile, long runId, DateTimeOffset asOf, IReadOnlyList<Core.Access.ReviewItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var tx = _connection.BeginTransaction();
        using (var newer = Command("SELECT MAX(run_id) FROM review_latest WHERE profile = @profile", tx, ("profile", profile)))
        {
            if (newer.ExecuteScalar() is { } kept and not DBNull && Convert.ToInt64(kept, CultureInfo.InvariantCulture) > runId)
            {
                return; // a later run's review is already kept (evaluations finish out of order)
            }
        }

        using (var delete = Command("DELETE FROM review_latest WHERE profile = @profile", tx, ("profile", profile)))
        {
            delete.ExecuteNonQuery();
        }

        foreach (var item in items)
        {
            // An upsert, so two evaluations writing at once cannot fail each other on the key.
            using var insert = Command("""
                INSERT INTO review_latest (profile, item_id, run_id, as_of, item) VALUES (@profile, @id, @run, @asof, @item)
                ON CONFLICT (profile, item_id) DO UPDATE SET run_id = excluded.run_id, as_of = excluded.as_of, item = excluded.item
                """, tx,
                ("profile", profile), ("id", item.ItemId), ("run", runId), ("asof", Iso(asOf)), ("item", Core.Access.ReviewJson.Write(item)));
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    public (long RunId, DateTimeOffset AsOf, IReadOnlyList<Core.Access.ReviewItem> Items)? LatestReview(string profile)
    {
        using var command = Command("SELECT run_id, as_of, item FROM review_latest WHERE profile = @profile ORDER BY item_id", null, ("profile", profile));
        using var reader = command.ExecuteReader();
        long? run = null;
        var asOf = default(DateTimeOffset);
        var items = new List<Core.Access.ReviewItem>();
        while (reader.Read())
        {
            run = reader.GetInt64(0);
            asOf = Time(reader.GetString(1));
            items.Add(Core.Access.ReviewJson.Read(reader.GetString(2)));
        }

        return run is { } id ? (id, asOf, items) : null;
    }

    public bool CreateCampaign(Core.Access.ReviewCampaign campaign, IReadOnlyList<Core.Access.ReviewItem> items)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(items);
        using var tx = _connection.BeginTransaction();
        using (var insert = Command("""
            INSERT INTO review_campaigns (id, profile, name, run_id, as_of, started_at, ends_at, remediation_days, created_by)
            VALUES (@id, @profile, @name, @run, @asof, @started, @ends, @days, @by) ON CONFLICT (id) DO NOTHING
            """, tx, ("id", campaign.Id), ("profile", campaign.Profile), ("name", campaign.Name), ("run", campaign.RunId), ("asof", Iso(campaign.AsOf)),
            ("started", Iso(campaign.StartedAt)), ("ends", Iso(campaign.EndsAt)), ("days", campaign.RemediationDays), ("by", campaign.CreatedBy)))
        {
            if (insert.ExecuteNonQuery() == 0)
            {
                return false;
            }
        }

        foreach (var item in items)
        {
            SaveItem(tx, campaign.Profile, item with { CampaignId = campaign.Id });
        }

        tx.Commit();
        return true;
    }

    public Core.Access.ReviewCampaign? Campaign(string id) => QueryCampaigns("SELECT * FROM review_campaigns WHERE id = @id", ("id", id)).FirstOrDefault();

    public IReadOnlyList<Core.Access.ReviewCampaign> Campaigns(string? profile) => profile is null
        ? QueryCampaigns("SELECT * FROM review_campaigns ORDER BY started_at, id")
        : QueryCampaigns("SELECT * FROM review_campaigns WHERE profile = @profile ORDER BY started_at, id", ("profile", profile));

    public IReadOnlyList<Core.Access.ReviewItem> CampaignItems(string campaignId) =>
        QueryItems("SELECT item FROM review_items WHERE campaign_id = @id ORDER BY item_id", null, ("id", campaignId));

    public void RecordDecisions(string campaignId, IReadOnlyList<Core.Access.ReviewItem> decided)
    {
        ArgumentNullException.ThrowIfNull(decided);
        var campaign = Campaign(campaignId) ?? throw new InvalidOperationException($"no campaign {campaignId}");
        using var tx = _connection.BeginTransaction();
        foreach (var item in decided)
        {
            SaveItem(tx, campaign.Profile, item with { CampaignId = campaignId });
        }

        tx.Commit();
    }

    public IReadOnlyList<Core.Access.ReviewItem> OpenRemediations(string profile) =>
        QueryItems("SELECT item FROM review_items WHERE profile = @profile AND decision IN ('revoke', 'modify') AND remediation <> 'carriedOut' ORDER BY campaign_id, item_id", null,
            ("profile", profile));

    public void RecordRemediation(string campaignId, string itemId, Core.Access.RemediationStatus status, DateTimeOffset? carriedOutAt, string? proof)
    {
        var profile = Campaign(campaignId)?.Profile ?? "";
        using var tx = _connection.BeginTransaction();
        var item = QueryItems("SELECT item FROM review_items WHERE campaign_id = @c AND item_id = @i", tx, ("c", campaignId), ("i", itemId)).SingleOrDefault();
        if (item is null || item.Remediation == Core.Access.RemediationStatus.CarriedOut)
        {
            return; // unknown, or already carried out: the first proof stands
        }

        SaveItem(tx, profile, item with { Remediation = status, CarriedOutAt = carriedOutAt ?? item.CarriedOutAt, Proof = proof ?? item.Proof });
        tx.Commit();
    }

    private void SaveItem(DbTransaction tx, string profile, Core.Access.ReviewItem item)
    {
        using var upsert = Command("""
            INSERT INTO review_items (campaign_id, item_id, profile, decision, remediation, item) VALUES (@c, @i, @profile, @decision, @remediation, @item)
            ON CONFLICT (campaign_id, item_id) DO UPDATE SET decision = excluded.decision, remediation = excluded.remediation, item = excluded.item
            """, tx, ("c", item.CampaignId), ("i", item.ItemId), ("profile", profile), ("decision", item.Decision?.ToString().ToLowerInvariant()),
            ("remediation", System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(item.Remediation.ToString())), ("item", Core.Access.ReviewJson.Write(item)));
        upsert.ExecuteNonQuery();
    }

    private List<Core.Access.ReviewItem> QueryItems(string sql, DbTransaction? tx, params (string, object?)[] parameters)
    {
        using var command = Command(sql, tx, parameters);
        using var reader = command.ExecuteReader();
        var items = new List<Core.Access.ReviewItem>();
        while (reader.Read())
        {
            items.Add(Core.Access.ReviewJson.Read(reader.GetString(0)));
        }

        return items;
    }

    private List<Core.Access.ReviewCampaign> QueryCampaigns(string sql, params (string, object?)[] parameters)
    {
        using var command = Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var campaigns = new List<Core.Access.ReviewCampaign>();
        while (reader.Read())
        {
            campaigns.Add(new Core.Access.ReviewCampaign
            {
                Id = (string)reader["id"],
                Profile = (string)reader["profile"],
                Name = (string)reader["name"],
                RunId = Convert.ToInt64(reader["run_id"], CultureInfo.InvariantCulture),
                AsOf = Time((string)reader["as_of"]),
                StartedAt = Time((string)reader["started_at"]),
                EndsAt = Time((string)reader["ends_at"]),
                RemediationDays = Convert.ToInt32(reader["remediation_days"], CultureInfo.InvariantCulture),
                CreatedBy = (string)reader["created_by"],
            });
        }

        return campaigns;
    }

    public bool WasNotified(string sink, long runId, string channel)
    {
        using var command = Command("SELECT 1 FROM notifications WHERE sink = @sink AND run_id = @run AND channel = @channel", null, ("sink", sink), ("run", runId), ("channel", channel));
        return command.ExecuteScalar() is not null;
    }

    public void RecordNotified(string sink, long runId, string channel, DateTimeOffset at)
    {
        using var command = Command("INSERT INTO notifications (sink, run_id, channel, sent_at) VALUES (@sink, @run, @channel, @at) ON CONFLICT (sink, run_id, channel) DO NOTHING", null,
            ("sink", sink), ("run", runId), ("channel", channel), ("at", Iso(at)));
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<TriageLogEntry> TriageLog(string? fingerprint)
    {
        using var command = Command($"SELECT fingerprint, action, reason, until_at, decided_by, decided_at, ticket FROM triage_log{(fingerprint is null ? "" : " WHERE fingerprint = @fp")} ORDER BY id", null,
            ("fp", fingerprint));
        using var reader = command.ExecuteReader();
        var log = new List<TriageLogEntry>();
        while (reader.Read())
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            log.Add(new TriageLogEntry(reader.GetString(0), reader.GetString(1), Text(2), Text(3) is { } u ? Time(u) : null, reader.GetString(4), Time(reader.GetString(5)), Text(6)));
        }

        return log;
    }

    // A repeated command (the same decision at the same instant) is one entry, not two.
    private void LogTriage(DbTransaction tx, string fingerprint, string action, string? reason, DateTimeOffset? until, string by, DateTimeOffset at, string? ticket)
    {
        using var command = Command("""
            INSERT INTO triage_log (fingerprint, action, reason, until_at, decided_by, decided_at, ticket) VALUES (@fp, @action, @reason, @until, @by, @at, @ticket)
            ON CONFLICT (fingerprint, action, decided_at) DO NOTHING
            """, tx, ("fp", fingerprint), ("action", action), ("reason", reason), ("until", until is { } u ? Iso(u) : null), ("by", by), ("at", Iso(at)), ("ticket", ticket));
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<HistoryRun> ListRuns(int limit) =>
        QueryRuns("SELECT id, profile, started_at, finished_at, as_of, snapshot, findings, active, gaps, coverage FROM runs ORDER BY id DESC LIMIT @limit", ("limit", limit));

    public IReadOnlyList<HistoryRun> ListRuns(string profile, int limit) =>
        QueryRuns("SELECT id, profile, started_at, finished_at, as_of, snapshot, findings, active, gaps, coverage FROM runs WHERE profile = @profile ORDER BY id DESC LIMIT @limit",
            ("profile", profile), ("limit", limit));

    public bool RecordManifest(long runId, string profile, string sha256, string manifest)
    {
        using var command = Command("INSERT INTO run_manifests (run_id, profile, sha256, manifest) VALUES (@run, @profile, @sha, @manifest) ON CONFLICT (run_id) DO NOTHING", null,
            ("run", runId), ("profile", profile), ("sha", sha256), ("manifest", manifest));
        return command.ExecuteNonQuery() > 0;
    }

    public ManifestLink? PreviousManifest(string profile, long before)
    {
        if (PreviousRun(profile, before) is not { } previous)
        {
            return null;
        }

        using var command = Command("SELECT sha256 FROM run_manifests WHERE run_id = @run", null, ("run", previous.Id));
        return command.ExecuteScalar() is string sha ? new ManifestLink(previous.Id, sha) : null;
    }

    public IReadOnlyList<StoredManifest> ListManifests()
    {
        using var command = Command("SELECT run_id, profile, sha256, manifest FROM run_manifests ORDER BY run_id", null);
        using var reader = command.ExecuteReader();
        var manifests = new List<StoredManifest>();
        while (reader.Read())
        {
            manifests.Add(new StoredManifest(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return manifests;
    }

    public IReadOnlyList<RunTrendPoint> Trend(string profile, long upToRun, int limit)
    {
        var runs = QueryRuns("SELECT id, profile, started_at, finished_at, as_of, snapshot, findings, active, gaps, coverage FROM runs WHERE profile = @profile AND id <= @upTo AND finished_at IS NOT NULL ORDER BY id DESC LIMIT @limit",
            ("profile", profile), ("upTo", upToRun), ("limit", limit));
        if (runs.Count == 0)
        {
            return [];
        }

        // A finding's severity is its rule's, so the latest state's severity stands for every run it was open in.
        var counts = runs.ToDictionary(r => r.Id, _ => new Dictionary<Severity, int>());
        using var command = Command("""
            SELECT rf.run_id, f.severity, COUNT(*) FROM run_findings rf
            JOIN findings f ON f.profile = @profile AND f.fingerprint = rf.fingerprint
            WHERE rf.run_id >= @from AND rf.run_id <= @upTo AND rf.status IN ('New', 'Open', 'Reopened')
            GROUP BY rf.run_id, f.severity
            """, null, ("profile", profile), ("from", runs[^1].Id), ("upTo", upToRun));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (counts.TryGetValue(reader.GetInt64(0), out var bySeverity) && EnumText.TryParseSeverity(reader.GetString(1), out var severity))
            {
                bySeverity[severity] = Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture);
            }
        }

        return runs.OrderBy(r => r.Id).Select(r => new RunTrendPoint(r.Id, r.AsOf, counts[r.Id])).ToList();
    }

    public HistoryRun? PreviousRun(string profile, long before)
    {
        var runs = QueryRuns("SELECT id, profile, started_at, finished_at, as_of, snapshot, findings, active, gaps, coverage FROM runs WHERE profile = @profile AND id < @before AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            ("profile", profile), ("before", before));
        return runs.Count > 0 ? runs[0] : null;
    }

    private List<HistoryRun> QueryRuns(string sql, params (string, object?)[] parameters)
    {
        using var command = Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var runs = new List<HistoryRun>();
        while (reader.Read())
        {
            runs.Add(new HistoryRun
            {
                Id = reader.GetInt64(0),
                Profile = reader.GetString(1),
                StartedAt = Time(reader.GetString(2)),
                FinishedAt = reader.IsDBNull(3) ? null : Time(reader.GetString(3)),
                AsOf = Time(reader.GetString(4)),
                Snapshot = reader.GetString(5),
                Findings = reader.GetInt32(6),
                Active = reader.GetInt32(7),
                Gaps = reader.GetInt32(8),
                Coverage = JsonSerializer.Deserialize<List<CoverageEntry>>(reader.GetString(9), Json) ?? [],
            });
        }

        return runs;
    }

    public IReadOnlyList<FindingState> ListFindings(FindingQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Status is { } status)
        {
            where.Add("status = @status");
            parameters.Add(("status", status.ToString()));
        }

        if (query.Profile is { } profile)
        {
            where.Add("profile = @profile");
            parameters.Add(("profile", profile));
        }

        if (query.RuleId is { } rule)
        {
            where.Add("rule_id = @rule");
            parameters.Add(("rule", rule));
        }

        if (query.Environment is { } environment)
        {
            where.Add("environment = @env");
            parameters.Add(("env", environment));
        }

        if (query.Since is { } since)
        {
            where.Add("last_seen >= @since");
            parameters.Add(("since", Iso(since)));
        }

        var sql = "SELECT * FROM findings" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty);
        return QueryFindings(sql, parameters)
            .Where(f => query.MinimumSeverity is null || f.Severity >= query.MinimumSeverity)
            .OrderByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal).ThenBy(f => f.Fingerprint, StringComparer.Ordinal).ThenBy(f => f.Profile, StringComparer.Ordinal)
            .ToList();
    }

    public RunDiff Diff(long fromRun, long toRun)
    {
        HashSet<string> Seen(long run)
        {
            using var command = Command("SELECT fingerprint FROM run_findings WHERE run_id = @run AND status <> 'Resolved'", null, ("run", run));
            using var reader = command.ExecuteReader();
            var set = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read())
            {
                set.Add(reader.GetString(0));
            }

            return set;
        }

        var a = Seen(fromRun);
        var b = Seen(toRun);
        using var resolvedCommand = Command("SELECT DISTINCT fingerprint FROM run_findings WHERE run_id > @from AND run_id <= @to AND status = 'Resolved'", null, ("from", fromRun), ("to", toRun));
        using var reader = resolvedCommand.ExecuteReader();
        var resolved = new List<string>();
        while (reader.Read())
        {
            resolved.Add(reader.GetString(0));
        }

        return new RunDiff(
            b.Except(a).Order(StringComparer.Ordinal).ToList(),
            resolved.Where(a.Contains).Where(f => !b.Contains(f)).Order(StringComparer.Ordinal).ToList(),
            a.Intersect(b).Order(StringComparer.Ordinal).ToList());
    }

    private List<FindingState> QueryFindings(string sql, IEnumerable<(string, object?)> parameters, DbTransaction? tx = null)
    {
        using var command = Command(sql, tx, [.. parameters]);
        using var reader = command.ExecuteReader();
        var list = new List<FindingState>();
        while (reader.Read())
        {
            string? Text(string column) => reader[column] is string s ? s : null;
            list.Add(new FindingState
            {
                Fingerprint = Text("fingerprint")!,
                Profile = Text("profile") ?? "",
                RuleId = Text("rule_id")!,
                Title = Text("title")!,
                Severity = EnumText.TryParseSeverity(Text("severity")!, out var severity) ? severity : Severity.Info,
                Environment = Text("environment"),
                Scope = Text("scope"),
                Status = Enum.Parse<FindingStatus>(Text("status")!),
                FirstSeen = Time(Text("first_seen")!),
                LastSeen = Time(Text("last_seen")!),
                TimesSeen = Convert.ToInt32(reader["times_seen"], CultureInfo.InvariantCulture),
                ResolvedAt = Text("resolved_at") is { } r ? Time(r) : null,
                AcceptanceExpired = Convert.ToInt32(reader["acceptance_expired"], CultureInfo.InvariantCulture) != 0,
                LastRunId = Convert.ToInt64(reader["last_run_id"], CultureInfo.InvariantCulture),
                Principal = Text("principal"),
            });
        }

        return list;
    }

    public Core.Tickets.TicketRecord? FindTicket(string profile, string fingerprint) =>
        ReadTickets("SELECT * FROM tickets WHERE profile = @p AND fingerprint = @fp", ("p", profile), ("fp", fingerprint)).FirstOrDefault();

    public IReadOnlyList<Core.Tickets.TicketRecord> ListTickets(string? profile) => profile is null
        ? ReadTickets("SELECT * FROM tickets ORDER BY profile, fingerprint")
        : ReadTickets("SELECT * FROM tickets WHERE profile = @p ORDER BY fingerprint", ("p", profile));

    public void SaveTicket(Core.Tickets.TicketRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var command = Command("""
            INSERT INTO tickets (profile, fingerprint, tracker, project, ticket_key, url, state, content_hash, last_run_id, synced_at, creating, replaced)
            VALUES (@p, @fp, @tracker, @project, @key, @url, @state, @hash, @run, @synced, @creating, @replaced)
            ON CONFLICT (profile, fingerprint) DO UPDATE SET tracker = excluded.tracker, project = excluded.project, ticket_key = excluded.ticket_key,
              url = excluded.url, state = excluded.state, content_hash = excluded.content_hash, last_run_id = excluded.last_run_id,
              synced_at = excluded.synced_at, creating = excluded.creating, replaced = excluded.replaced
            """, null,
            ("p", record.Profile), ("fp", record.Fingerprint), ("tracker", record.Tracker), ("project", record.Project), ("key", record.Key), ("url", record.Url),
            ("state", record.State.ToString()), ("hash", record.ContentHash), ("run", record.LastRunId), ("synced", record.SyncedAt is { } t ? Iso(t) : null),
            ("creating", record.Creating ? 1 : 0), ("replaced", record.Replaced));
        command.ExecuteNonQuery();
    }

    private List<Core.Tickets.TicketRecord> ReadTickets(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<Core.Tickets.TicketRecord>();
        while (reader.Read())
        {
            string? Text(string c) => reader[c] as string;
            list.Add(new Core.Tickets.TicketRecord
            {
                Profile = Text("profile")!,
                Fingerprint = Text("fingerprint")!,
                Tracker = Text("tracker")!,
                Project = Text("project")!,
                Key = Text("ticket_key"),
                Url = Text("url"),
                State = Enum.Parse<Core.Tickets.TicketState>(Text("state")!),
                ContentHash = Text("content_hash"),
                LastRunId = Convert.ToInt64(reader["last_run_id"], CultureInfo.InvariantCulture),
                SyncedAt = Text("synced_at") is { } synced ? Time(synced) : null,
                Creating = Convert.ToInt32(reader["creating"], CultureInfo.InvariantCulture) != 0,
                Replaced = Text("replaced"),
            });
        }

        return list;
    }

    internal DbCommand Command(string sql, DbTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return command;
    }

    internal void Execute(string sql, DbTransaction? tx = null)
    {
        using var command = Command(sql, tx);
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = Command(sql, null);
        return command.ExecuteScalar();
    }

    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public void Dispose() => _connection.Dispose();
}
