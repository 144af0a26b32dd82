using System.Text.Json;
using DriftSentinel.Aws;
using DriftSentinel.Core.Model;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Readers;

/// <summary>An event keeps its request parameters, bounded, so a rule can read a field without a model change.</summary>
public sealed class RequestParameterTests
{
    private static ActivityEvent Map(string record)
    {
        using var doc = JsonDocument.Parse(record);
        return CloudTrailRecordMapper.Map(doc.RootElement, RuleHarness.Prod, new SourceLocation("t.json", "record 0"))!;
    }

    [Fact]
    public void A_cloudtrail_events_request_parameters_are_kept_as_text_and_compact_json()
    {
        var e = Map(Records.Call(RuleHarness.Prod, "2026-11-18T10:00:00Z", "cloudtrail.amazonaws.com", "UpdateTrail", Records.IamUser(RuleHarness.Prod, "bob"), false,
            """{"name":"org-trail","enableLogFileValidation":false,"eventSelectors":[{"readWriteType":"All"}],"kmsKeyId":null}"""));

        Assert.Equal("org-trail", e.Parameters["name"]);
        Assert.Equal("false", e.Parameters["enableLogFileValidation"]);
        Assert.Equal("""[{"readWriteType":"All"}]""", e.Parameters["eventSelectors"]);
        Assert.False(e.Parameters.ContainsKey("kmsKeyId")); // a null parameter says nothing
    }

    [Fact]
    public void Parameters_are_bounded_in_number_and_length()
    {
        var many = "{" + string.Join(",", Enumerable.Range(0, 50).Select(i => $"\"p{i}\":\"v{i}\"")) + $",\"policy\":\"{new string('x', 5000)}\"" + "}";
        var e = Map(Records.Call(RuleHarness.Prod, "2026-11-18T10:00:00Z", "iam.amazonaws.com", "PutRolePolicy", Records.IamUser(RuleHarness.Prod, "bob"), false, many));
        Assert.Equal(RequestParameters.MaxParameters, e.Parameters.Count);
        Assert.Equal("v0", e.Parameters["p0"]);

        var big = Map(Records.Call(RuleHarness.Prod, "2026-11-18T10:00:00Z", "iam.amazonaws.com", "PutRolePolicy", Records.IamUser(RuleHarness.Prod, "bob"), false,
            $"{{\"policyDocument\":\"{new string('x', 5000)}\"}}"));
        Assert.Equal(RequestParameters.MaxValueLength, big.Parameters["policyDocument"].Length);
        Assert.EndsWith("…", big.Parameters["policyDocument"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_without_parameters_has_none()
    {
        var e = Map(Records.ConsoleLogin(RuleHarness.Prod, "2026-11-18T10:00:00Z", Records.IamUser(RuleHarness.Prod, "bob")));
        Assert.Empty(e.Parameters);
    }
}
