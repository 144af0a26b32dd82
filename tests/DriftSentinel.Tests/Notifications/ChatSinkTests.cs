using System.Text.Json.Nodes;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;
using DriftSentinel.History;
using DriftSentinel.Notifications;
using DriftSentinel.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DriftSentinel.Tests.Notifications;

/// <summary>
/// The chat sink against WireMock serving Slack's incoming-webhook answers ("ok", 404 channel_not_found, 429 with
/// Retry-After) and a Teams workflow's (202 Accepted): what each message says, routing, escaping, idempotency, errors.
/// </summary>
public sealed class ChatSinkTests : IDisposable
{
    private const string SlackPath = "/services/T0001/B0001/slackwebhooksecret";
    private const string TeamsPath = "/workflows/a1b2/triggers/manual/paths/invoke";
    private static readonly DateTimeOffset AsOf = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly TempFolder _temp = new();
    private readonly SqlHistoryStore _store;
    private readonly string _slackVariable = $"DS_TEST_SLACK_{Guid.NewGuid():N}";
    private readonly string _teamsVariable = $"DS_TEST_TEAMS_{Guid.NewGuid():N}";

    public ChatSinkTests()
    {
        _store = SqlHistoryStore.Open(Path.Combine(_temp.Path, "history.db"));
        _store.Migrate();
        Environment.SetEnvironmentVariable(_slackVariable, _server.Url + SlackPath);
        Environment.SetEnvironmentVariable(_teamsVariable, _server.Url + TeamsPath + "?api-version=1&sig=teamssignaturesecret");
    }

    public void Dispose()
    {
        _store.Dispose();
        _server.Dispose();
        _temp.Dispose();
        Environment.SetEnvironmentVariable(_slackVariable, null);
        Environment.SetEnvironmentVariable(_teamsVariable, null);
    }

    [Fact]
    public void Slack_gets_new_severe_findings_what_came_back_expiring_exceptions_and_gaps_once_with_estate_text_escaped()
    {
        _server.Given(Request.Create().WithPath(SlackPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        using var sink = Sink(Slack());

        sink.Deliver(Notice(), _store, CancellationToken.None);
        sink.Deliver(Notice(), _store, CancellationToken.None); // at least once: the second delivery posts nothing

        var entry = Assert.Single(_server.LogEntries);
        Assert.Equal("application/json; charset=utf-8", entry.RequestMessage.Headers!["Content-Type"].Single());
        var message = JsonNode.Parse(entry.RequestMessage.Body!)!;
        Assert.StartsWith("DriftSentinel nightly: run #42: 2 new critical or high, 2 back, 1 exception(s) expiring by 2026-11-27, 1 coverage gap(s)", (string)message["text"]!, StringComparison.Ordinal);
        var texts = message["blocks"]!.AsArray().Select(b => (string?)b!["text"]?["text"] ?? (string)b!["elements"]![0]!["text"]!).ToList();
        Assert.Equal("DriftSentinel nightly: run #42", texts[0]);
        var severe = Assert.Single(texts, t => t.StartsWith("*New critical and high*", StringComparison.Ordinal));
        Assert.Contains("critical DS-DEP-001 Out-of-band deploy (prod · &lt;!channel&gt; &amp; friends)", severe, StringComparison.Ordinal);
        Assert.Contains("high DS-ACC-003 Console access without MFA (dev · carol)", severe, StringComparison.Ordinal);
        Assert.DoesNotContain("DS-CRED-001", severe, StringComparison.Ordinal); // medium: not severe
        var back = Assert.Single(texts, t => t.StartsWith("*Back*", StringComparison.Ordinal));
        Assert.Contains("reopened: high DS-PRIV-002", back, StringComparison.Ordinal);
        Assert.Contains("exception or acceptance ended: high DS-ACC-001", back, StringComparison.Ordinal);
        var expiring = Assert.Single(texts, t => t.StartsWith("*Exceptions ending by 2026-11-27*", StringComparison.Ordinal));
        Assert.Contains("2026-11-25 (alice): high DS-SEP-001", expiring, StringComparison.Ordinal);
        Assert.DoesNotContain("DS-SEP-002", expiring, StringComparison.Ordinal); // ends in 2027
        Assert.Contains(texts, t => t.StartsWith("*Coverage gaps (1)", StringComparison.Ordinal) && t.Contains("failed aws.cloudtrail 111122223333: AccessDenied", StringComparison.Ordinal));
        Assert.EndsWith("<https://reports.example.com/nightly|Open the report>", texts[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", entry.RequestMessage.Body!, StringComparison.Ordinal);
        Assert.True(_store.WasNotified("chat", 42, "sec-alerts"));
        Assert.StartsWith("1 message(s) sent, 1 already sent", sink.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Teams_gets_an_adaptive_card_after_waiting_out_a_429()
    {
        _server.Given(Request.Create().WithPath(TeamsPath).UsingPost()).InScenario("limit").WillSetStateTo("retried")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithHeader("Content-Type", "application/json")
                .WithBody("""{"error":{"code":"WorkflowTriggerIsThrottled","message":"The workflow trigger is throttled."}}"""));
        _server.Given(Request.Create().WithPath(TeamsPath).UsingPost()).InScenario("limit").WhenStateIs("retried")
            .RespondWith(Response.Create().WithStatusCode(202));
        using var sink = Sink(Teams());

        sink.Deliver(Notice(), _store, CancellationToken.None);

        Assert.Equal(2, _server.LogEntries.Count);
        var message = JsonNode.Parse(_server.LogEntries[^1].RequestMessage.Body!)!;
        Assert.Equal("message", (string)message["type"]!);
        var attachment = message["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", (string)attachment["contentType"]!);
        var card = attachment["content"]!;
        Assert.Equal("AdaptiveCard", (string)card["type"]!);
        Assert.Equal("1.4", (string)card["version"]!);
        var facts = card["body"]!.AsArray().Single(b => (string)b!["type"]! == "FactSet")!["facts"]!.AsArray().ToDictionary(f => (string)f!["title"]!, f => (string)f!["value"]!);
        Assert.Equal("2", facts["New critical or high"]);
        Assert.Equal("1", facts["Coverage gaps"]);
        // Estate text is a text run, which renders no markdown: the link stays text.
        var runs = card["body"]!.AsArray().Where(b => (string)b!["type"]! == "RichTextBlock").Select(b => (string)b!["inlines"]![0]!["text"]!).ToList();
        Assert.Contains(runs, r => r.Contains("[click](https://evil.example/)", StringComparison.Ordinal));
        Assert.Equal("https://reports.example.com/nightly", (string)card["actions"]![0]!["url"]!);
        Assert.Contains("1 throttled and retried", sink.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_channel_takes_only_the_findings_its_route_matches_and_stays_silent_when_there_is_nothing_to_say()
    {
        _server.Given(Request.Create().WithPath(SlackPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        var devOnly = Slack();
        devOnly.Environments = ["staging"];
        using var sink = Sink(devOnly);
        var quiet = Notice() with { Gaps = 0, Transitions = [.. Notice().Transitions.Where(t => t.Finding.Environment == "staging")] };
        sink.Deliver(quiet with { GapList = [] }, _store, CancellationToken.None);
        Assert.Empty(_server.LogEntries);
        Assert.Contains("1 channel(s) with nothing to report", sink.Summary, StringComparison.Ordinal);

        devOnly.SendWhenQuiet = true;
        using var chatty = Sink(devOnly);
        chatty.Deliver(quiet with { GapList = [] }, _store, CancellationToken.None);
        var text = (string)JsonNode.Parse(Assert.Single(_server.LogEntries).RequestMessage.Body!)!["text"]!;
        Assert.Equal("DriftSentinel nightly: run #42: nothing new to report (1 open, 0 resolved), as of 2026-11-20T12:00:00Z", text);
    }

    [Fact]
    public void A_failing_channel_is_named_without_its_address_and_only_it_is_posted_again()
    {
        _server.Given(Request.Create().WithPath(SlackPath).UsingPost()).InScenario("archived").WillSetStateTo("fixed")
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("channel_not_found"));
        _server.Given(Request.Create().WithPath(SlackPath).UsingPost()).InScenario("archived").WhenStateIs("fixed")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        _server.Given(Request.Create().WithPath(TeamsPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
        using var sink = Sink(Slack(), Teams());

        var error = Assert.Throws<ChatDeliveryException>(() => sink.Deliver(Notice(), _store, CancellationToken.None));
        Assert.Equal("sec-alerts (slack): HTTP 404 channel_not_found", error.Message);
        Assert.DoesNotContain("slackwebhooksecret", error.Message, StringComparison.Ordinal);
        Assert.False(_store.WasNotified("chat", 42, "sec-alerts"));
        Assert.True(_store.WasNotified("chat", 42, "platform"));

        sink.Deliver(Notice(), _store, CancellationToken.None);
        Assert.Equal(2, _server.LogEntries.Count(e => e.RequestMessage.Path == SlackPath));
        Assert.Single(_server.LogEntries, e => e.RequestMessage.Path == TeamsPath);
    }

    [Fact]
    public void A_missing_or_plain_http_webhook_is_refused_naming_the_variable_not_the_address()
    {
        var missing = Slack();
        missing.WebhookVariable = $"DS_TEST_UNSET_{Guid.NewGuid():N}";
        var e = Assert.Throws<InvalidOperationException>(() => Sink(missing));
        Assert.Contains($"the webhook variable {missing.WebhookVariable} is not set", e.Message, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable(_slackVariable, "http://hooks.example.com/services/T1/B1/plainsecret");
        e = Assert.Throws<InvalidOperationException>(() => Sink(Slack()));
        Assert.Contains("is not an https address (value sha256:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("plainsecret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_errors_name_their_keys()
    {
        var options = new NotificationOptions
        {
            Channels = [new ChatChannel { Name = "a", Kind = "discord", WebhookVariable = "" }, new ChatChannel { Name = "a", Kind = "slack", WebhookVariable = "X", MinimumSeverity = "severe" }],
            ReportUrl = "not a url",
        };
        Assert.Equal(
            [
                "N:Channels:0:Kind: 'discord' is not slack or teams",
                "N:Channels:0:WebhookVariable: required: the environment variable holding the webhook address (the address is a secret, never configured)",
                "N:Channels:1:Name: 'a' must be a unique, non-empty name",
                "N:Channels:1:MinimumSeverity: 'severe' is not critical, high, medium, low or info",
                "N:ReportUrl: 'not a url' is not an absolute URL",
            ],
            options.Validate("N").ToArray());
    }

    private ChatChannel Slack() => new() { Name = "sec-alerts", Kind = "slack", WebhookVariable = _slackVariable };

    private ChatChannel Teams() => new() { Name = "platform", Kind = "teams", WebhookVariable = _teamsVariable };

    private static ChatSink Sink(params ChatChannel[] channels) =>
        new(new NotificationOptions { Channels = [.. channels], ReportUrl = "https://reports.example.com/nightly", MaxAttempts = 3 }, TimeProvider.System, Environment.GetEnvironmentVariable);

    private static NoticeFinding Finding(string rule, string title, Severity severity, string environment, string principal, string message, DateOnly? until = null, string? by = null) =>
        new(DriftSentinel.Core.Findings.Finding.MakeFingerprint(rule, principal), rule, title, severity, environment, "aws", "111122223333", principal, null, message, AsOf.AddDays(-3), AsOf, 2, by, by is null ? null : "migration", until);

    private static LifecycleNotice Notice() => new("nightly", 42, AsOf, 1,
    [
        new(LifecycleChange.New, Finding("DS-DEP-001", "Out-of-band deploy", Severity.Critical, "prod", "<!channel> & friends", "Lambda code changed by a human [click](https://evil.example/)")),
        new(LifecycleChange.New, Finding("DS-ACC-003", "Console access without MFA", Severity.High, "dev", "carol", "carol signed in without MFA")),
        new(LifecycleChange.New, Finding("DS-CRED-001", "Old or unused access key", Severity.Medium, "staging", "legacy-batch", "key 537 days old")),
        new(LifecycleChange.Reopened, Finding("DS-PRIV-002", "Standing or overdue elevation", Severity.High, "prod", "bob", "standing Owner")),
        new(LifecycleChange.ExceptionExpired, Finding("DS-ACC-001", "Direct production login", Severity.High, "prod", "dave", "console login")),
        new(LifecycleChange.Accepted, Finding("DS-SEP-001", "Shared credential across environments", Severity.High, "prod", "deploy", "shared secret", new DateOnly(2026, 11, 25), "alice")),
        new(LifecycleChange.Accepted, Finding("DS-SEP-002", "Cross-environment trust", Severity.High, "prod", "trust", "trust", new DateOnly(2027, 3, 1), "alice")),
        new(LifecycleChange.StillOpen, Finding("DS-LOG-001", "Audit trail tampering", Severity.Critical, "prod", "ops", "StopLogging")),
    ])
    {
        GapList = [new NoticeGap("aws.cloudtrail", "111122223333", "failed", "AccessDenied on s3:ListBucket")],
    };
}

/// <summary>`scan --sinks CONFIG` with a Notifications section: the recorded demo run posts to Slack, once per run.</summary>
public sealed class ChatCliTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly TempFolder _temp = new();
    private readonly string _variable = $"DS_TEST_SLACK_{Guid.NewGuid():N}";

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
        Environment.SetEnvironmentVariable(_variable, null);
    }

    [Fact]
    public void A_recorded_demo_run_posts_its_new_critical_and_high_findings_and_the_next_run_has_nothing_new()
    {
        _server.Given(Request.Create().WithPath("/services/T1/B1/x").UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithBody("ok"));
        Environment.SetEnvironmentVariable(_variable, _server.Url + "/services/T1/B1/x");
        var config = Path.Combine(_temp.Path, "sinks.json");
        File.WriteAllText(config, new JsonObject
        {
            ["DriftSentinel"] = new JsonObject
            {
                ["Notifications"] = new JsonObject
                {
                    ["ReportUrl"] = "https://reports.example.com/demo",
                    ["Channels"] = new JsonArray(new JsonObject { ["Name"] = "sec", ["Kind"] = "slack", ["WebhookVariable"] = _variable, ["MinimumSeverity"] = "high" }),
                },
            },
        }.ToJsonString());
        var db = Path.Combine(_temp.Path, "history.db");

        var first = Cli.Run("scan", "--demo", "--out", Path.Combine(_temp.Path, "r1"), "--history", db, "--sinks", config);
        Assert.True(first.Exit == 0, first.Stderr);
        Assert.Contains("Sink chat: run #1 delivered (1 message(s) sent", first.Stdout, StringComparison.Ordinal);
        var text = (string)JsonNode.Parse(Assert.Single(_server.LogEntries).RequestMessage.Body!)!["text"]!;
        var severe = DemoExpectations.Findings.Count(f => f.Severity is "critical" or "high" && f.Status.StartsWith("open", StringComparison.Ordinal));
        Assert.StartsWith($"DriftSentinel cli: run #1: {severe} new critical or high, 0 back,", text, StringComparison.Ordinal);

        var second = Cli.Run("scan", "--demo", "--out", Path.Combine(_temp.Path, "r2"), "--history", db, "--sinks", config);
        Assert.True(second.Exit == 0, second.Stderr);
        Assert.Contains("Sink chat: run #2 delivered (0 message(s) sent, 0 already sent, 1 channel(s) with nothing to report", second.Stdout, StringComparison.Ordinal);
        Assert.Single(_server.LogEntries);
    }
}
