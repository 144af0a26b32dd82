using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.FakeAws;
using DriftSentinel.History;

namespace DriftSentinel.Tests.Tickets;

/// <summary>Jira Cloud tickets (a WireMock fake of REST v3), and routing across two trackers by severity.</summary>
public sealed class JiraTicketTests : TicketTestBase
{
    private const string Repository = "example/security-drift";
    private readonly string _jiraVariable = $"DS_TEST_JIRA_TOKEN_{Guid.NewGuid():N}";
    private readonly string _githubVariable = $"DS_TEST_GITHUB_TOKEN_{Guid.NewGuid():N}";
    private readonly string _jiraToken = $"ATATT{Guid.NewGuid():N}";
    private readonly FakeJira _jira;
    private readonly FakeGitHubIssues _github;

    public JiraTicketTests()
    {
        Environment.SetEnvironmentVariable(_jiraVariable, _jiraToken);
        Environment.SetEnvironmentVariable(_githubVariable, "ghs_routing");
        _jira = new FakeJira("secops@example.com", _jiraToken, "SEC");
        _github = new FakeGitHubIssues("ghs_routing");
    }

    private string Config() => WriteConfig("tickets.json", new JsonObject
    {
        ["Jira"] = new JsonObject { ["BaseUrl"] = _jira.Url, ["Email"] = "secops@example.com", ["TokenVariable"] = _jiraVariable },
        ["GitHub"] = new JsonObject { ["ApiUrl"] = _github.Url, ["TokenVariable"] = _githubVariable },
        ["Routes"] = new JsonArray(
            new JsonObject { ["Tracker"] = "jira", ["Project"] = "SEC", ["MinimumSeverity"] = "critical", ["Environments"] = new JsonArray("prod") },
            new JsonObject { ["Tracker"] = "github", ["Project"] = Repository, ["MinimumSeverity"] = "high" }),
    });

    private (int Code, string Out, string Err) Scan(string outName) => Run(ScanArgs(outName, Config()));

    private List<JsonElement> Open(string outName) => OpenFindings(outName);

    [Fact]
    public void Critical_production_findings_go_to_jira_the_other_high_ones_to_github_each_once()
    {
        var run = Scan("r1");
        Assert.Contains("Sink tickets: run #1 delivered", run.Out, StringComparison.Ordinal);
        var open = Open("r1");
        var critical = open.Count(f => f.GetProperty("severity").GetString() == "critical" && f.GetProperty("environment").GetString() == "prod");
        var high = open.Count(f => f.GetProperty("severity").GetString() is "high" or "critical") - critical;
        Assert.Equal(critical, _jira.Issues("SEC").Count);
        Assert.Equal(high, _github.Issues(Repository).Count);

        var issue = _jira.Issues("SEC")[0];
        var fields = issue["fields"]!;
        Assert.Equal("doc", (string?)fields["description"]!["type"]); // Atlassian Document Format
        Assert.Equal("Highest", (string?)fields["priority"]!["name"]);
        Assert.Contains(fields["labels"]!.AsArray(), l => ((string?)l)!.StartsWith("driftsentinel-", StringComparison.Ordinal));
        Assert.Equal("To Do", FakeJira.Status(issue));

        // Again, unchanged: nothing sent to either tracker.
        var (jiraBefore, githubBefore) = (_jira.Requests.Count, _github.Requests.Count);
        Scan("r2");
        Assert.Equal((jiraBefore, githubBefore), (_jira.Requests.Count, _github.Requests.Count));
    }

    [Fact]
    public void Accepting_a_jira_ticketed_finding_walks_the_workflow_to_wont_do_and_expiry_reopens_it()
    {
        Scan("r1");
        using (var store = SqlHistoryStore.Open(History))
        {
            var ticket = store.ListTickets("nightly").First(t => t.Tracker == "jira");
            Assert.Equal(0, Run("findings", "accept", ticket.Fingerprint, "--history", History, "--reason", "owned by the platform team", "--until", "2026-11-25", "--by", "bob").Code);
        }

        Scan("r2");
        Assert.Contains(_jira.Issues("SEC"), i => FakeJira.Status(i) == "Won't Do");

        // The acceptance runs out: the next run reopens the same issue through the workflow's Reopen transition.
        Clock.Advance(TimeSpan.FromDays(10));
        Run(ScanArgs("r3", Config(), asOf: "2026-11-30T12:00:00Z"));
        Assert.DoesNotContain(_jira.Issues("SEC"), i => FakeJira.Status(i) == "Won't Do");
        Assert.Equal(Open("r1").Count(f => f.GetProperty("severity").GetString() == "critical" && f.GetProperty("environment").GetString() == "prod"), _jira.Issues("SEC").Count);
    }

    [Fact]
    public void A_project_that_requires_a_field_is_named_field_by_field_and_the_run_stays_pending()
    {
        _jira.RequiredField = "customfield_10010";
        var run = Scan("r1");
        Assert.Contains("customfield_10010: Team is required.", run.Err, StringComparison.Ordinal);
        var list = Run("tickets", "list", "--history", History).Out;
        Assert.Contains("1 run(s) not yet synced", list, StringComparison.Ordinal);
        Assert.Contains("customfield_10010: Team is required.", list, StringComparison.Ordinal);
        Assert.DoesNotContain(_jiraToken, run.Out + run.Err + list, StringComparison.Ordinal);
    }

    [Fact]
    public void A_jira_create_whose_answer_was_lost_is_found_through_search_jql_and_never_created_twice()
    {
        _jira.LoseNextCreate = true; // stored, answered 502: not retried (the issue may exist)
        _jira.TooManyRequests = 1; // a 429 before it is retried (nothing was done)
        var first = Scan("r1");
        Assert.Contains("warning: lifecycle sink tickets failed run #1", first.Err, StringComparison.Ordinal);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, Run("tickets", "sync", "--history", History, "--config", Config()).Code);
        var labels = _jira.Issues("SEC").Select(i => i["fields"]!["labels"]!.AsArray().Select(l => (string)l!).Single(l => l.StartsWith("driftsentinel-", StringComparison.Ordinal))).ToList();
        Assert.Equal(labels.Count, labels.Distinct().Count());
        Assert.Equal(Open("r1").Count(f => f.GetProperty("severity").GetString() == "critical" && f.GetProperty("environment").GetString() == "prod"), labels.Count);
        Assert.Contains(_jira.Requests, r => r == "POST /rest/api/3/search/jql");
        Assert.DoesNotContain(_jira.Requests, r => r == "GET /rest/api/3/search"); // the removed endpoint is never used
    }

    [Fact]
    public void Jira_data_center_is_spoken_to_over_rest_v2_with_a_personal_access_token_and_plain_text_bodies()
    {
        var variable = $"DS_TEST_JIRA_PAT_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "dc-pat-token");
        using var dc = new FakeJira("", "dc-pat-token", "OPS");
        var config = WriteConfig("dc.json", new JsonObject
        {
            ["Jira"] = new JsonObject { ["BaseUrl"] = dc.Url, ["DataCenter"] = true, ["TokenVariable"] = variable },
            ["Routes"] = new JsonArray(new JsonObject { ["Tracker"] = "jira", ["Project"] = "OPS", ["MinimumSeverity"] = "critical" }),
        });
        try
        {
            dc.LoseNextCreate = true;
            var run = Run(ScanArgs("dc", config, profile: "dc"));
            Assert.Contains("warning: lifecycle sink tickets failed run #1", run.Err, StringComparison.Ordinal);
            Clock.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(0, Run("tickets", "sync", "--history", History, "--config", config).Code);

            var critical = Open("dc").Count(f => f.GetProperty("severity").GetString() == "critical");
            Assert.Equal(critical, dc.Issues("OPS").Count); // the lost create recovered through GET /rest/api/2/search
            Assert.All(dc.Issues("OPS"), i => Assert.Equal(JsonValueKind.String, JsonSerializer.SerializeToElement(i["fields"]!["description"]).ValueKind));
            Assert.All(dc.Requests, r => Assert.Contains("/rest/api/2/", r, StringComparison.Ordinal));
            Assert.Contains(dc.Requests, r => r == "GET /rest/api/2/search");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    protected override void Dispose(bool disposing)
    {
        Environment.SetEnvironmentVariable(_jiraVariable, null);
        Environment.SetEnvironmentVariable(_githubVariable, null);
        _jira.Dispose();
        _github.Dispose();
        base.Dispose(disposing);
    }
}
