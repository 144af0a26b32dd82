using System.Diagnostics;
using System.Text.Json;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;
using Npgsql;

namespace DriftSentinel.Tests.Worker;

/// <summary>Worker processes sharing one PostgreSQL database (a real cluster, started by the tests or .ci/run).</summary>
[Collection("postgres")]
public sealed class SharedDatabaseWorkerTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Two_workers_run_a_scheduled_scan_once_split_its_scopes_and_a_killed_worker_loses_nothing()
    {
        using var temp = new TempFolder();
        var database = cluster.NewDatabase();
        var snapshot = Path.Combine(temp.Path, "snapshot");
        WorkerTestSupport.CopyDemoSnapshot(snapshot);

        // A named pipe at the snapshot root: whichever worker stages the root scope blocks on it until the test writes,
        // as on a hung network share. That worker is then killed in the middle of its job.
        var fifo = Path.Combine(snapshot, "README.txt");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // One occurrence during the test: a daily cron on the second 25 s from now.
        var at = DateTimeOffset.UtcNow.AddSeconds(25);
        var cron = $"{at.Second} {at.Minute} {at.Hour} * * *";
        var config = WorkerTestSupport.WriteConfig(temp.Path, snapshot, database, ("shared", cron, "UTC"));
        using var w1 = new WorkerProcess("w1", config);
        using var w2 = new WorkerProcess("w2", config);
        string Logs() => $"--- w1 ---\n{w1.Output}\n--- w2 ---\n{w2.Output}";

        using var store = SqlHistoryStore.Open(database);
        store.Migrate(); // whoever comes first migrates; the others wait on the advisory lock
        var ledger = new ScanLedger(store);
        await WorkerTestSupport.Until(() => ledger.ListScans("shared").Count == 1 && ledger.LoadScopes(ledger.ListScans("shared")[0].Id).Count(s => s.Read) == 9,
            TimeSpan.FromSeconds(90), "the scheduled scan to stage every scope but the blocked one");
        var scan = ledger.ListScans("shared")[0];
        var scopes = ledger.LoadScopes(scan.Id);
        var root = scopes.Single(s => s.Scope == "(root)");
        Assert.Equal(1, root.Attempts);
        var blocked = root.Worker == "w1" ? w1 : w2;
        var survivor = blocked == w1 ? w2 : w1;
        Assert.All(scopes.Where(s => s.Read), s => Assert.Equal(survivor.Name, s.Worker)); // the other worker took every other scope
        Assert.Equal(ScanStatus.Collecting, ledger.Find(scan.Id)!.Status);

        blocked.Kill();
        var writer = Task.Run(() => File.WriteAllText(fifo, "Staged after the first worker died.\n")); // blocks until the survivor opens it
        await WorkerTestSupport.Until(() => ledger.Find(scan.Id)!.Status == ScanStatus.Done, TimeSpan.FromSeconds(90), "the survivor to finish the scan. " + Logs());
        await writer;

        root = ledger.LoadScopes(scan.Id).Single(s => s.Scope == "(root)");
        Assert.Equal((2, survivor.Name), (root.Attempts, root.Worker)); // taken over after the invisibility timeout
        var runs = store.ListRuns(10);
        Assert.Single(runs);
        Assert.Equal(ledger.Find(scan.Id)!.RunId, runs[0].Id);

        // No finding lost or duplicated: the run holds exactly what one scan of the same snapshot finds.
        var expected = ScanCommand.Scan(Path.Combine(WorkerTestSupport.Demo, "snapshot"), BaselineLoader.Load(Path.Combine(WorkerTestSupport.Demo, "baseline.yaml")),
            RuleCatalogue.Load(RuleCatalogue.LocateFolder()), WorkerTestSupport.DemoAsOf, "snapshot").Findings.Select(f => f.Fingerprint).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, RunFindings(database, runs[0].Id));
        Assert.Equal(expected.Count, store.LoadStates().Count);

        // The schedule fired once across both workers: one Start job, one scan.
        Assert.Equal(1, Scalar(database, "SELECT COUNT(*) FROM hangfire.job WHERE invocationdata::text LIKE '%\"Start\"%'"));

        // The survivor answers /health, then stops cleanly on SIGTERM.
        using var http = new HttpClient();
        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(survivor.Address!, "/health"))).RootElement;
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(runs[0].Id, health.GetProperty("last_run").GetProperty("id").GetInt64());

        // The container's HEALTHCHECK command says the same.
        var probe = new StringWriter();
        Assert.Equal(0, DriftSentinel.Worker.HealthProbe.Run(new Uri(survivor.Address!, "/health").ToString(), probe, TextWriter.Null));
        Assert.StartsWith("200 healthy", probe.ToString(), StringComparison.Ordinal);
        survivor.Terminate();
        Assert.True(survivor.WaitForExit(TimeSpan.FromSeconds(30)), Logs());
        Assert.Equal(0, survivor.ExitCode);
    }

    private static List<string> RunFindings(string database, long runId)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT fingerprint FROM run_findings WHERE run_id = @run AND status <> 'Resolved' ORDER BY fingerprint COLLATE \"C\"", connection);
        command.Parameters.AddWithValue("run", runId);
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    private static long Scalar(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
