using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Core.Tickets;
using DriftSentinel.FakeAws;
using DriftSentinel.History;
using DriftSentinel.Tests.Worker;
using Xunit.Abstractions;

namespace DriftSentinel.Tests.Tickets;

/// <summary>
/// Tickets in GitHub Issues (a WireMock fake serving GitHub's shapes) across recorded runs of a changing demo snapshot:
/// one issue per finding, closed when the drift is gone, reopened when it returns, never duplicated.
/// </summary>
public sealed class GitHubTicketTests : TicketTestBase
{
    private const string Repository = "example/security-drift";
    private readonly string _tokenVariable = $"DS_TEST_GITHUB_TOKEN_{Guid.NewGuid():N}";
    private readonly string _token = $"ghs_{Guid.NewGuid():N}";
    private readonly FakeGitHubIssues _github;

    private readonly ITestOutputHelper _output;

    public GitHubTicketTests(ITestOutputHelper output)
    {
        _output = output;
        Environment.SetEnvironmentVariable(_tokenVariable, _token);
        _github = new FakeGitHubIssues(_token);
    }

    private string Config(string minimumSeverity = "high", string grouping = "finding") => WriteConfig("tickets.json", new JsonObject
    {
        ["GitHub"] = new JsonObject { ["ApiUrl"] = _github.Url, ["TokenVariable"] = _tokenVariable },
        ["ReportUrl"] = "https://reports.example.com/driftsentinel/nightly",
        ["Routes"] = new JsonArray(new JsonObject { ["Tracker"] = "github", ["Project"] = Repository, ["MinimumSeverity"] = minimumSeverity, ["Labels"] = new JsonArray("security"), ["Grouping"] = grouping }),
    });

    private (int Code, string Out, string Err) Scan(string outName)
    {
        var result = Run(ScanArgs(outName, Config()));
        foreach (var line in result.Out.Split('\n').Where(l => l.StartsWith("Sink ", StringComparison.Ordinal)))
        {
            _output.WriteLine($"{outName}: {line} [GitHub requests so far: {_github.Requests.Count}]");
        }

        return result;
    }

    private List<TicketRecord> Ledger()
    {
        using var store = SqlHistoryStore.Open(History);
        return [.. store.ListTickets("nightly")];
    }

    private static string Label(JsonObject issue) => issue["labels"]!.AsArray().Select(l => (string)l!["name"]!).Single(n => n.StartsWith("driftsentinel-", StringComparison.Ordinal));

    private static int HighOrWorse(string outDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Count(f => f.GetProperty("status").GetString()!.StartsWith("open", StringComparison.Ordinal) && f.GetProperty("severity").GetString() is "high" or "critical");
    }

    [Fact]
    public void Runs_over_a_changing_snapshot_keep_exactly_one_issue_per_finding_closed_when_gone_and_reopened_when_back()
    {
        // Run 1: one issue per open finding at or above the route's minimum severity.
        var first = Scan("r1");
        Assert.Contains("Sink tickets: run #1 delivered", first.Out, StringComparison.Ordinal);
        var expected = HighOrWorse(Path.Combine(Temp.Path, "r1"));
        var issues = _github.Issues(Repository);
        Assert.Equal(expected, issues.Count);
        Assert.Equal(expected, issues.Select(Label).Distinct().Count());
        Assert.All(issues, i => Assert.Equal("open", (string?)i["state"]));
        var issue = issues[0];
        Assert.Contains("**Remediation.**", (string)issue["body"]!, StringComparison.Ordinal);
        Assert.Contains("https://reports.example.com/driftsentinel/nightly", (string)issue["body"]!, StringComparison.Ordinal);
        Assert.Contains(issue["labels"]!.AsArray(), l => (string?)l!["name"] == "security");

        // Run 2, nothing changed: no request at all.
        var before = _github.Requests.Count;
        Scan("r2");
        Assert.Equal(before, _github.Requests.Count);

        // Run 3: account 444455556666 read completely with no events left in its trail: its event findings (and the
        // shared key seen there) resolve and their issues close.
        var trail = Directory.EnumerateFiles(Path.Combine(Snapshot, "aws", "444455556666", "cloudtrail"), "*.json.gz", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(trail);
        EmptyTrail(trail);
        Scan("r3");
        var closed = _github.Issues(Repository).Where(i => (string?)i["state"] == "closed").ToList();
        Assert.NotEmpty(closed);
        Assert.All(closed, i => Assert.Equal("completed", (string?)i["state_reason"]));
        Assert.All(closed, i => Assert.Contains("no longer saw it", i["comments_list"]!.AsArray().Last()!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(closed.Count, Ledger().Count(t => t.State == TicketState.Closed));

        // Run 4: the trail is back: the same issues reopen; none is created.
        File.WriteAllBytes(trail, bytes);
        var fourth = Scan("r4");
        Assert.Equal(expected, _github.Issues(Repository).Count);
        Assert.All(_github.Issues(Repository), i => Assert.Equal("open", (string?)i["state"]));
        Assert.Contains($"{closed.Count} reopened", fourth.Out, StringComparison.Ordinal);
        Assert.Equal(expected, Ledger().Count(t => t.State == TicketState.Open && t.Key is not null));
    }

    [Fact]
    public void A_finding_whose_scope_was_not_read_keeps_its_issue_open_and_untouched()
    {
        Scan("r1");
        var before = _github.Requests.Count;

        // The dev account is declared but gone from the snapshot: its findings are not verified, not fixed.
        Directory.Move(Path.Combine(Snapshot, "aws", "777788889999"), Path.Combine(Temp.Path, "hidden"));
        Scan("r2");
        Assert.True(before == _github.Requests.Count, string.Join(" | ", _github.Requests.Skip(before)) + " || " + string.Join(" | ", _github.Issues(Repository).Where(i => (string?)i["state"] != "open").Select(i => (string)i["title"]!)));
        Assert.All(_github.Issues(Repository), i => Assert.Equal("open", (string?)i["state"]));
        Assert.DoesNotContain(Ledger(), t => t.State != TicketState.Open);
    }

    [Fact]
    public void A_tracker_down_for_a_whole_sync_leaves_the_run_pending_and_the_next_sync_converges()
    {
        _github.Down = true;
        var first = Scan("r1");
        var reference = Run("scan", "--snapshot", Snapshot, "--baseline", Path.Combine(WorkerTestSupport.Demo, "baseline.yaml"), "--as-of", "2026-11-20T12:00:00Z",
            "--out", Path.Combine(Temp.Path, "plain"), "--allow-gaps");
        Assert.Equal(reference.Code, first.Code); // the run and its reports do not depend on the tracker
        Assert.Contains("warning: lifecycle sink tickets failed run #1", first.Err, StringComparison.Ordinal);
        Assert.Contains("1 run(s) not yet synced", Run("tickets", "list", "--history", History).Out, StringComparison.Ordinal);
        Assert.Contains("create ", Run("tickets", "plan", "--history", History, "--config", Config()).Out, StringComparison.Ordinal);

        _github.Down = false;
        Clock.Advance(TimeSpan.FromMinutes(5)); // past the first backoff
        var sync = Run("tickets", "sync", "--history", History, "--config", Config());
        Assert.Equal(0, sync.Code);
        var expected = HighOrWorse(Path.Combine(Temp.Path, "r1"));
        Assert.Equal(expected, _github.Issues(Repository).Count);
        Assert.Contains("0 run(s) not yet synced", Run("tickets", "list", "--history", History).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_issue_created_whose_answer_was_lost_is_found_by_its_label_and_never_created_twice()
    {
        var failOnce = true;
        _github.AfterCreate = _ =>
        {
            if (failOnce)
            {
                failOnce = false;
                throw new InvalidOperationException("the connection dropped after the issue was created");
            }
        };
        _github.AddPullRequest(Repository, "driftsentinel-not-a-finding"); // the listing returns pull requests too
        Scan("r1");
        Assert.Contains(Ledger(), t => t.Creating && t.Key is null);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, Run("tickets", "sync", "--history", History, "--config", Config()).Code);
        var issues = _github.Issues(Repository).Where(i => i["pull_request"] is null).ToList();
        Assert.Equal(issues.Count, issues.Select(Label).Distinct().Count()); // no fingerprint has two issues
        Assert.Equal(HighOrWorse(Path.Combine(Temp.Path, "r1")), issues.Count);
        Assert.DoesNotContain(Ledger(), t => t.Creating);
    }

    [Fact]
    public void An_accepted_finding_closes_as_not_planned_with_who_why_and_until()
    {
        Scan("r1");
        var ticket = Ledger().First(t => t.Key is not null);
        var accept = Run("findings", "accept", ticket.Fingerprint, "--history", History, "--reason", "pager rotation until SSO", "--until", "2027-01-31", "--by", "alice");
        Assert.Equal(0, accept.Code);
        Scan("r2");

        var issue = _github.Issues(Repository).Single(i => (long)i["number"]! == long.Parse(ticket.Key!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("closed", "not_planned"), ((string?)issue["state"], (string?)issue["state_reason"]));
        var comment = issue["comments_list"]!.AsArray().Last()!.GetValue<string>();
        Assert.Contains("alice", comment, StringComparison.Ordinal);
        Assert.Contains("pager rotation until SSO", comment, StringComparison.Ordinal);
        Assert.Contains("2027-01-31", comment, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_limits_are_absorbed_and_the_token_appears_nowhere()
    {
        _github.SecondaryLimits = 2;
        _github.TooManyRequests = 1;
        var run = Scan("r1");
        Assert.Contains("3 throttled and retried", run.Out, StringComparison.Ordinal);
        Assert.Equal(HighOrWorse(Path.Combine(Temp.Path, "r1")), _github.Issues(Repository).Count);

        var everything = run.Out + run.Err + string.Concat(Directory.EnumerateFiles(Path.Combine(Temp.Path, "r1")).Select(File.ReadAllText))
            + string.Concat(_github.Issues(Repository).Select(i => i.ToJsonString())) + Run("tickets", "list", "--history", History).Out;
        Assert.DoesNotContain(_token, everything, StringComparison.Ordinal);
    }

    [Fact]
    public void The_baselines_owners_of_an_environment_are_the_assignees_of_its_tickets()
    {
        var baseline = Path.Combine(Temp.Path, "baseline.yaml");
        File.WriteAllText(baseline, File.ReadAllText(Path.Combine(WorkerTestSupport.Demo, "baseline.yaml"))
            + "owners:\n  - environment: prod\n    github: [\"alice-example\"]\n  - account: \"777788889999\"\n    github: [\"bob-example\"]\n");
        Run(ScanArgs("r1", Config(), baseline: baseline));

        static List<string> Assignees(JsonObject i) => [.. i["assignees"]!.AsArray().Select(a => (string)a!["login"]!)];
        var issues = _github.Issues(Repository);
        Assert.Contains(issues, i => ((string)i["title"]!).EndsWith("(prod)", StringComparison.Ordinal) && Assignees(i).SequenceEqual(["alice-example"]));
        Assert.Contains(issues, i => Assignees(i).SequenceEqual(["bob-example"])); // the dev account's owner
        Assert.All(issues.Where(i => ((string)i["title"]!).EndsWith("(staging)", StringComparison.Ordinal)), i => Assert.Empty(Assignees(i)));
    }

    [Fact]
    public void A_deleted_or_transferred_issue_is_replaced_when_its_finding_comes_back_and_the_ledger_keeps_both()
    {
        Scan("r1");
        var trail = Directory.EnumerateFiles(Path.Combine(Snapshot, "aws", "444455556666", "cloudtrail"), "*.json.gz", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(trail);
        EmptyTrail(trail);
        Scan("r2"); // its finding resolves, its issue closes
        var closed = Ledger().Single(t => t.State == TicketState.Closed);
        _github.Delete(Repository, long.Parse(closed.Key!, System.Globalization.CultureInfo.InvariantCulture));

        File.WriteAllBytes(trail, bytes);
        Scan("r3"); // back: the deleted issue cannot be reopened, so a new one is opened
        var now = Ledger().Single(t => t.Fingerprint == closed.Fingerprint);
        Assert.Equal(TicketState.Open, now.State);
        Assert.NotEqual(closed.Key, now.Key);
        Assert.Equal(closed.Key, now.Replaced);

        // Transferred to another repository: GitHub answers 301; the finding's next change opens a new issue here.
        EmptyTrail(trail);
        _github.Transfer(Repository, long.Parse(now.Key!, System.Globalization.CultureInfo.InvariantCulture), "example/elsewhere");
        Scan("r4");
        Assert.Equal(TicketState.Closed, Ledger().Single(t => t.Fingerprint == closed.Fingerprint).State);
        File.WriteAllBytes(trail, bytes);
        Scan("r5");
        var last = Ledger().Single(t => t.Fingerprint == closed.Fingerprint);
        Assert.Equal(TicketState.Open, last.State);
        Assert.Equal($"{closed.Key} {now.Key}", last.Replaced);
    }

    [Fact]
    public void A_repository_with_issues_disabled_is_named_and_its_run_stays_pending()
    {
        _github.DisableIssues(Repository);
        var run = Scan("r1");
        Assert.Contains("410 Issues are disabled for this repo (are issues enabled on the repository?)", run.Err, StringComparison.Ordinal);
        Assert.Contains("1 run(s) not yet synced", Run("tickets", "list", "--history", History).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_environment_route_keeps_one_issue_per_rule_and_environment_listing_its_findings()
    {
        var config = Config(grouping: "rule-environment");
        string[] Args(string outName) => ScanArgs(outName, config);
        Run(Args("r1"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Temp.Path, "r1", "findings.json")));
        var open = doc.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("status").GetString()!.StartsWith("open", StringComparison.Ordinal) && f.GetProperty("severity").GetString() is "high" or "critical").ToList();
        var groups = open.GroupBy(f => (f.GetProperty("rule_id").GetString(), f.GetProperty("environment").GetString())).ToList();
        var issues = _github.Issues(Repository);
        Assert.Equal(groups.Count, issues.Count);
        foreach (var f in open)
        {
            Assert.Single(issues, i => ((string)i["body"]!).Contains(f.GetProperty("fingerprint").GetString()!, StringComparison.Ordinal));
        }

        // Again: nothing sent. Then the staging trail goes: the resolved finding leaves its group's issue (updated, or
        // closed when it was the last), and no issue is added.
        var before = _github.Requests.Count;
        Run(Args("r2"));
        Assert.Equal(before, _github.Requests.Count);
        EmptyTrail(Directory.EnumerateFiles(Path.Combine(Snapshot, "aws", "444455556666", "cloudtrail"), "*.json.gz", SearchOption.AllDirectories).Single());
        Run(Args("r3"));
        using var after = JsonDocument.Parse(File.ReadAllText(Path.Combine(Temp.Path, "r3", "findings.json")));
        var stillOpen = after.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("fingerprint").GetString()!).ToHashSet();
        var gone = open.Select(f => f.GetProperty("fingerprint").GetString()!).Where(fp => !stillOpen.Contains(fp)).ToList();
        Assert.NotEmpty(gone);
        Assert.All(gone, fp => Assert.DoesNotContain(_github.Issues(Repository).Where(i => (string?)i["state"] == "open"), i => ((string)i["body"]!).Contains(fp, StringComparison.Ordinal)));
        Assert.Equal(groups.Count, _github.Issues(Repository).Count);
    }

    [Fact]
    public void Routing_sends_only_findings_at_or_above_the_routes_severity()
    {
        Scan("r1");
        Assert.All(_github.Issues(Repository), i => Assert.Contains(i["labels"]!.AsArray(), l => (string?)l!["name"] is "severity:high" or "severity:critical"));
    }

    protected override void Dispose(bool disposing)
    {
        Environment.SetEnvironmentVariable(_tokenVariable, null);
        _github.Dispose();
        base.Dispose(disposing);
    }
}
