using System.Text.Json.Nodes;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.FakeAws;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Tests.Worker;

namespace DriftSentinel.Tests.Tickets;

/// <summary>
/// Two worker processes on one PostgreSQL database; the one syncing tickets is SIGKILLed between GitHub's 201 and its
/// ledger write. The other takes the delivery over once its claim lapses and finishes it: no finding gets two issues.
/// </summary>
[Collection("postgres")]
public sealed class TicketWorkerKillTests(PostgresCluster cluster)
{
    private const string Repository = "example/security-drift";

    [Fact]
    public async Task A_worker_killed_between_the_trackers_201_and_the_ledger_write_never_duplicates_a_ticket()
    {
        using var temp = new TempFolder();
        var database = cluster.NewDatabase();
        var variable = $"DS_TEST_GITHUB_TOKEN_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "ghs_kill_test"); // inherited by the worker processes
        using var github = new FakeGitHubIssues("ghs_kill_test");
        var snapshot = Path.Combine(temp.Path, "snapshot");
        WorkerTestSupport.CopyDemoSnapshot(snapshot);
        var config = WorkerTestSupport.WriteConfig(temp.Path, snapshot, database, ("nightly", "0 3 1 1 *", "UTC"));
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        json["DriftSentinel"]!["Worker"]!["SinkClaimLease"] = "00:00:03";
        json["DriftSentinel"]!["Profiles"]![0]!["RunAtStart"] = true;
        json["DriftSentinel"]!["Tickets"] = new JsonObject
        {
            ["GitHub"] = new JsonObject { ["ApiUrl"] = github.Url, ["TokenVariable"] = variable },
            ["Routes"] = new JsonArray(new JsonObject { ["Tracker"] = "github", ["Project"] = Repository, ["MinimumSeverity"] = "high" }),
        };
        File.WriteAllText(config, json.ToJsonString());

        WorkerProcess? victim = null;
        var killed = new TaskCompletionSource();
        github.AfterCreate = _ =>
        {
            // The third issue exists at GitHub; its creator dies before hearing so.
            if (github.Issues(Repository).Count == 3 && victim is { } w && !killed.Task.IsCompleted)
            {
                w.Kill();
                killed.TrySetResult();
            }
        };

        try
        {
            using (var w1 = new WorkerProcess("w1", config))
            {
                victim = w1;
                await WorkerTestSupport.Until(() => killed.Task.IsCompleted, TimeSpan.FromSeconds(90), "the first worker to start creating issues. " + w1.Output);
                Assert.True(w1.WaitForExit(TimeSpan.FromSeconds(30)));
            }

            using var store = SqlHistoryStore.Open(database);
            Assert.Contains(store.ListTickets("nightly"), t => t.Creating && t.Key is null); // the lost answer

            using var w2 = new WorkerProcess("w2", config);
            int Expected() => store.ListFindings(new FindingQuery { Profile = "nightly" })
                .Count(s => s.Status is FindingStatus.New or FindingStatus.Open && s.Severity >= Severity.High);

            await WorkerTestSupport.Until(() => store.PendingDeliveries("tickets").Count == 0 && store.ListTickets("nightly").All(t => !t.Creating),
                TimeSpan.FromSeconds(150), "the second worker to finish the tickets. " + w2.Output);
            var issues = github.Issues(Repository);
            var labels = issues.Select(i => i["labels"]!.AsArray().Select(l => (string)l!["name"]!).Single(n => n.StartsWith("driftsentinel-", StringComparison.Ordinal))).ToList();
            var duplicates = labels.Count - labels.Distinct().Count();
            File.WriteAllText(Path.Combine(temp.Path, "duplicates.txt"), duplicates.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, duplicates);
            Assert.Equal(Expected(), issues.Count);
            Assert.All(store.ListTickets("nightly").Where(t => t.Key is not null), t => Assert.Contains(issues, i => i["number"]!.ToString() == t.Key));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
