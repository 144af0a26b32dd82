using System.Text.Json;
using DriftSentinel.Aws;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.Core.Sources;

namespace DriftSentinel.Tests.Support;

/// <summary>Runs one rule (or all) over an in-memory input: inventory plus events in their real CloudTrail/ARM shapes.</summary>
public sealed class RuleHarness
{
    public const string Prod = "111122223333";
    public const string Staging = "444455556666";
    public const string SubProd = "00000000-0000-0000-0000-00000000a001";
    public const string SubNonProd = "00000000-0000-0000-0000-00000000b002";

    public static readonly DateTimeOffset AsOf = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public const string BaselineYaml = """
        version: 1
        organization: Test Corp
        environments:
          - name: prod
            tier: production
            aws_accounts: ["111122223333"]
            azure_subscriptions: ["00000000-0000-0000-0000-00000000a001"]
            github_environments: ["example/payments:production"]
          - name: staging
            tier: non-production
            promotes_to: prod
            aws_accounts: ["444455556666"]
            azure_subscriptions: ["00000000-0000-0000-0000-00000000b002"]
            github_environments: ["example/payments:staging"]
            azure_principals: ["staging-mi"]
        deployers:
          - name: pipeline
            aws_roles: ["arn:aws:iam::111122223333:role/github-deploy"]
            azure_principals: ["deployer-sp"]
            github_repositories: ["example/payments"]
        break_glass:
          aws_roles: ["arn:aws:iam::111122223333:role/BreakGlass"]
          azure_principals: ["breakglass@example.com"]
          ticket_pattern: "INC-[0-9]+"
          max_session_hours: 4
        human_access:
          aws_roles: ["arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_*"]
        workloads:
          aws_roles: ["arn:aws:iam::*:user/ci-*"]
        people:
          - id: alice@example.com
            github: ["alice-example"]
            azure: ["alice@example.com"]
          - id: bob@example.com
            github: ["bob-example"]
        """;

    private readonly List<ActivityEvent> _events = [];

    public RuleHarness(string? baselineYaml = null)
    {
        Baseline = BaselineLoader.Parse(baselineYaml ?? BaselineYaml, "test-baseline.yaml");
    }

    public OrganizationBaseline Baseline { get; }

    public ScanInput Input { get; } = new();

    public static RuleCatalogue Catalogue { get; } = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));

    /// <summary>Adds a CloudTrail record given as JSON (the S3 log file record shape).</summary>
    public RuleHarness Trail(string recordJson)
    {
        using var doc = JsonDocument.Parse(recordJson);
        _events.Add(CloudTrailRecordMapper.Map(doc.RootElement, Prod, new SourceLocation("test.json", $"record {_events.Count}"))
            ?? throw new InvalidOperationException("record lacks eventTime or eventName"));
        return this;
    }

    public RuleHarness Event(ActivityEvent e)
    {
        _events.Add(e);
        return this;
    }

    public IReadOnlyList<Finding> Run<TRule>()
        where TRule : Rule, new() => Run([new TRule()]);

    public IReadOnlyList<Finding> Run(IReadOnlyList<Rule> rules)
    {
        Input.Streams.Add(new ListStream(_events));
        return new ScanEngine(Catalogue, rules).Run(Input, Baseline, AsOf, "test").Findings;
    }

    public ScanResult RunAll()
    {
        Input.Streams.Add(new ListStream(_events));
        return new ScanEngine(Catalogue).Run(Input, Baseline, AsOf, "test");
    }

    private sealed class ListStream(IReadOnlyList<ActivityEvent> events) : IActivityStream
    {
        public string Name => "test";

        public IEnumerable<ActivityEvent> Read(CoverageLog coverage) => events;
    }
}

/// <summary>CloudTrail records in the S3 log-file shape, for rule tests.</summary>
public static class Records
{
    public static string IamUser(string account, string name, string key = "") =>
        $$"""{"type":"IAMUser","principalId":"AIDAEXAMPLE{{name.ToUpperInvariant()}}","arn":"arn:aws:iam::{{account}}:user/{{name}}","accountId":"{{account}}","accessKeyId":"{{key}}","userName":"{{name}}"}""";

    public static string Role(string account, string role, string session, string path = "/") =>
        $$"""{"type":"AssumedRole","principalId":"AROAEXAMPLE:{{session}}","arn":"arn:aws:sts::{{account}}:assumed-role/{{role}}/{{session}}","accountId":"{{account}}","accessKeyId":"ASIAEXAMPLE0000001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::{{account}}:role{{path}}{{role}}","accountId":"{{account}}","userName":"{{role}}"},"attributes":{"creationDate":"2026-11-18T00:00:00Z","mfaAuthenticated":"false"} } }""";

    public static string Root(string account) =>
        $$"""{"type":"Root","principalId":"{{account}}","arn":"arn:aws:iam::{{account}}:root","accountId":"{{account}}"}""";

    private static int _id;

    public static string Call(string account, string time, string source, string name, string identity, bool readOnly, string request = "null", string? error = null) =>
        $$"""
        {"eventVersion":"1.08","userIdentity":{{identity}},"eventTime":"{{time}}","eventSource":"{{source}}","eventName":"{{name}}","awsRegion":"us-east-1",
         "sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.15.30","requestParameters":{{request}},"responseElements":null,
         {{(error is null ? "" : $"\"errorCode\":\"{error}\",")}}"eventID":"00000000-0000-4000-8000-{{Interlocked.Increment(ref _id):D12}}","readOnly":{{(readOnly ? "true" : "false")}},
         "eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management"}
        """;

    public static string ConsoleLogin(string account, string time, string identity, string mfa = "Yes", string result = "Success") =>
        $$"""
        {"eventVersion":"1.08","userIdentity":{{identity}},"eventTime":"{{time}}","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1",
         "sourceIPAddress":"203.0.113.5","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"{{result}}"},
         "additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"{{mfa}}"},
         "eventID":"00000000-0000-4000-8000-{{Interlocked.Increment(ref _id):D12}}","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management"}
        """;

    public static string AssumeRole(string account, string time, string identity, string roleArn, string session, int duration = 3600) =>
        Call(account, time, "sts.amazonaws.com", "AssumeRole", identity, true, $$"""{"roleArn":"{{roleArn}}","roleSessionName":"{{session}}","durationSeconds":{{duration}}}""");
}
