using System.Diagnostics;
using System.Text.Json.Nodes;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Worker;

/// <summary>The embedded worker (in-memory queue, SQLite state) killed mid-scan: the next start scans within a lease.</summary>
public class KilledWorkerRecoveryTests
{
    [Fact]
    public async Task A_worker_killed_while_staging_is_replaced_by_the_next_start_within_the_lease_and_nothing_is_duplicated()
    {
        using var temp = new TempFolder();
        var snapshot = Path.Combine(temp.Path, "snapshot");
        WorkerTestSupport.CopyDemoSnapshot(snapshot);

        // A named pipe at the snapshot root blocks the root scope's staging, so the worker can be killed mid-scan.
        var fifo = Path.Combine(snapshot, "README.txt");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        var config = WorkerTestSupport.WriteConfig(temp.Path, snapshot, null, ("nightly", "0 3 1 1 *", "UTC"));
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        json["DriftSentinel"]!["Worker"]!["ScanLease"] = "00:00:03";
        json["DriftSentinel"]!["Profiles"]![0]!["RunAtStart"] = true;
        File.WriteAllText(config, json.ToJsonString());
        var db = Path.Combine(temp.Path, "state", "history.db");

        ScanRecord? First()
        {
            if (!File.Exists(db))
            {
                return null;
            }

            try
            {
                using var s = SqlHistoryStore.Open(db);
                return new ScanLedger(s).ListScans("nightly").OrderBy(x => x.CreatedAt).FirstOrDefault();
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                return null; // the worker is still creating the schema
            }
        }

        string firstId;
        using (var w1 = new WorkerProcess("w1", config))
        {
            await WorkerTestSupport.Until(() => First() is { Status: ScanStatus.Collecting }, TimeSpan.FromSeconds(90), "the first scan to start");
            await Task.Delay(TimeSpan.FromSeconds(2)); // its one worker thread is now blocked on the root scope's pipe
            firstId = First()!.Id;
            Assert.Equal(ScanStatus.Collecting, First()!.Status);
            Assert.True(ScopesRead(db, firstId) < 8, w1.Output);
            w1.Kill(); // SIGKILL: no shutdown, the in-memory queue and the blocked job are gone
            Assert.True(w1.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        await Task.Delay(TimeSpan.FromSeconds(4)); // longer than the 3 s lease: nobody renews the dead scan
        var restarted = Stopwatch.StartNew();
        var writer = Task.Run(() => File.WriteAllText(fifo, "the root scope, readable now\n")); // unblocks whoever opens it next
        using var w2 = new WorkerProcess("w2", config);
        await WorkerTestSupport.Until(() =>
        {
            using var s = SqlHistoryStore.Open(db);
            return new ScanLedger(s).ListScans("nightly").Any(x => x.Status == ScanStatus.Done);
        }, TimeSpan.FromSeconds(90), "the restarted worker to scan. " + w2.Output);
        restarted.Stop();
        await writer;

        using var store = SqlHistoryStore.Open(db);
        var ledger = new ScanLedger(store);
        var dead = ledger.Find(firstId)!;
        Assert.Equal(ScanStatus.Abandoned, dead.Status);
        Assert.Contains("no job renewed its lease", dead.Detail, StringComparison.Ordinal);
        Assert.Single(store.ListRuns(10)); // one run, from the new scan: nothing recorded twice
        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(60), $"recovered in {restarted.Elapsed}");
        File.WriteAllText(Path.Combine(temp.Path, "recovery-seconds.txt"), restarted.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static int ScopesRead(string db, string scanId)
    {
        using var s = SqlHistoryStore.Open(db);
        return new ScanLedger(s).LoadScopes(scanId).Count(x => x.Read);
    }
}
