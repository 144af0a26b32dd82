using System.Text.Json;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Tests.EndToEnd;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Collection;

/// <summary>
/// The CI collectors against WireMock fakes serving the demo's own exports at their API paths: what they collect
/// scans to the hand-made snapshot's findings, through paging, rate limits, conditional requests, refused scopes and
/// features the plan lacks.
/// </summary>
public sealed class PipelineCollectionTests : IDisposable
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly string _tokenVariable = "DS_TEST_CI_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
    private const string Token = "ci-token-never-printed";

    public PipelineCollectionTests() => Environment.SetEnvironmentVariable(_tokenVariable, Token);

    public void Dispose() => Environment.SetEnvironmentVariable(_tokenVariable, null);

    private static string Demo => DemoLocator.Find();

    /// <summary>Runs `snapshot` with one provider section; returns exit, stderr and the collection manifest.</summary>
    internal static (int Exit, string Stderr, JsonDocument Manifest) Collect(TempFolder temp, string section, string outName, bool full = false)
    {
        var config = temp.Write("driftsentinel.json", $$"""
            { "DriftSentinel": { "StateDirectory": "state", {{section}} } }
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Program.Run(["snapshot", "--config", config, "--out", Path.Combine(temp.Path, outName), .. full ? new[] { "--full" } : []], stdout, stderr, new FixedClock(AsOf));
        return (exit, stderr.ToString() + stdout, JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, outName, "collection.json"))));
    }

    /// <summary>Findings of the demo baseline over one provider's folder of a snapshot (the others left out), as rule fingerprint principal resource.</summary>
    internal static List<string> FindingsOf(string snapshot, string folder, TempFolder temp)
    {
        var only = Path.Combine(temp.Path, "only-" + Guid.NewGuid().ToString("N")[..6]);
        CliTests.CopyTree(Path.Combine(snapshot, folder), Path.Combine(only, folder));
        var result = ScanCommand.Scan(only, BaselineLoader.Load(Path.Combine(Demo, "baseline.yaml")), RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules")), AsOf, "demo");
        return [.. result.Findings.Select(f => $"{f.RuleId} {f.Fingerprint} {f.Principal} {f.Resource}").Order(StringComparer.Ordinal)];
    }

    private static long Metric(JsonDocument manifest, string name) => manifest.RootElement.GetProperty("metrics").GetProperty(name).GetInt64();

    [Fact]
    public void GitHub_collection_pages_waits_out_a_rate_limit_and_scans_to_the_hand_made_findings_then_confirms_by_etag()
    {
        using var temp = new TempFolder();
        using var github = new FakeGitHubActions(Path.Combine(Demo, "snapshot"), Token, pageSize: 2) { RateLimited = 1, Now = () => AsOf };
        var section = $$""" "GitHub": { "ApiUrl": "{{github.Url}}", "TokenVariable": "{{_tokenVariable}}", "Repositories": ["example/payments"] } """;

        var (exit, stderr, manifest) = Collect(temp, section, "first");

        Assert.True(exit == 0, stderr);
        Assert.Equal(1, github.Throttled);
        Assert.True(Metric(manifest, "throttles") >= 1, manifest.RootElement.GetRawText());
        Assert.Contains(github.Requests, r => r.Contains("/deployments?per_page=100&page=4", StringComparison.Ordinal)); // 7 deployments, 2 a page
        var expected = FindingsOf(Path.Combine(Demo, "snapshot"), "github", temp);
        Assert.True(expected.Count >= 4, string.Join('\n', expected));
        Assert.Equal(expected, FindingsOf(Path.Combine(temp.Path, "first"), "github", temp));

        // The second run asks only for deployments since the watermark and has everything else confirmed unchanged.
        var firstRequests = github.Requests.Count;
        var (exit2, stderr2, _) = Collect(temp, section, "second");
        Assert.True(exit2 == 0, stderr2);
        Assert.True(github.NotModified >= 10, $"{github.NotModified} 304s");
        Assert.DoesNotContain(github.Requests.Skip(firstRequests), r => r.Contains("page=4", StringComparison.Ordinal));
        Assert.Equal(expected, FindingsOf(Path.Combine(temp.Path, "second"), "github", temp));
        Assert.DoesNotContain(Token, stderr + stderr2 + File.ReadAllText(Path.Combine(temp.Path, "second", "collection.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_github_app_installation_token_bought_with_a_signed_jwt_collects_the_same()
    {
        using var temp = new TempFolder();
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var pem = temp.Write("app.pem", key.ExportPkcs8PrivateKeyPem());
        using var github = new FakeGitHubActions(Path.Combine(Demo, "snapshot"), Token) { App = (key, 424242), Now = () => AsOf };
        var section = $$""" "GitHub": { "ApiUrl": "{{github.Url}}", "Repositories": ["example/payments"], "App": { "AppId": 424242, "InstallationId": 77, "PrivateKeyFile": "{{pem.Replace("\\", "\\\\", StringComparison.Ordinal)}}" } } """;

        var (exit, stderr, _) = Collect(temp, section, "snap");

        Assert.True(exit == 0, stderr);
        Assert.Equal(1, github.InstallationTokens);
        Assert.Equal(FindingsOf(Path.Combine(Demo, "snapshot"), "github", temp), FindingsOf(Path.Combine(temp.Path, "snap"), "github", temp));
    }

    [Fact]
    public void A_refused_github_repository_and_a_plan_without_environments_are_coverage_and_the_rest_is_collected()
    {
        using var temp = new TempFolder();
        using var github = new FakeGitHubActions(Path.Combine(Demo, "snapshot"), Token);
        github.Forbidden.Add("/repos/example/ledger");
        github.Missing.Add("/repos/example/payments/environments");
        var section = $$""" "GitHub": { "ApiUrl": "{{github.Url}}", "TokenVariable": "{{_tokenVariable}}", "Repositories": ["example/payments", "example/ledger"] } """;

        var (exit, stderr, manifest) = Collect(temp, section, "snap");

        Assert.Equal(2, exit); // gaps, listed
        var coverage = manifest.RootElement.GetProperty("coverage").EnumerateArray().ToList();
        Assert.Contains(coverage, c => c.GetProperty("source").GetString() == "github" && c.GetProperty("scope").GetString() == "example/ledger"
            && c.GetProperty("detail").GetString()!.Contains("403", StringComparison.Ordinal));
        Assert.Contains(coverage, c => c.GetProperty("source").GetString() == "github.environments" && c.GetProperty("detail").GetString()!.Contains("plan", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(temp.Path, "snap", "github", "example", "payments", "deployments.json")), stderr);
        Assert.False(File.Exists(Path.Combine(temp.Path, "snap", "github", "example", "payments", "environments.json")));
    }

    [Fact]
    public void GitLab_collection_follows_x_next_page_waits_out_429_and_scans_to_the_hand_made_findings()
    {
        using var temp = new TempFolder();
        using var gitlab = new FakeGitLab(Path.Combine(Demo, "snapshot"), Token, pageSize: 1) { RateLimited = 2 };
        var section = $$""" "GitLab": { "ApiUrl": "{{gitlab.ApiUrl}}", "TokenVariable": "{{_tokenVariable}}", "Groups": ["example"] } """;

        var (exit, stderr, manifest) = Collect(temp, section, "first");

        Assert.True(exit == 0, stderr);
        Assert.Equal(2, gitlab.Throttled);
        Assert.True(Metric(manifest, "throttles") >= 2);
        Assert.Contains(gitlab.Requests, r => r.Contains("/deployments?", StringComparison.Ordinal) && r.Contains("page=3", StringComparison.Ordinal));
        var expected = FindingsOf(Path.Combine(Demo, "snapshot"), "gitlab", temp);
        Assert.True(expected.Count >= 4, string.Join('\n', expected));
        Assert.Equal(expected, FindingsOf(Path.Combine(temp.Path, "first"), "gitlab", temp));

        // Values are dropped before anything is written, whatever the API returned.
        Assert.DoesNotContain("\"value\"", File.ReadAllText(Path.Combine(temp.Path, "first", "gitlab", "example", "platform", "api", "variables.json")), StringComparison.Ordinal);

        // Incremental: the next run asks for deployments updated after the watermark and still holds the window.
        var (exit2, stderr2, _) = Collect(temp, section, "second");
        Assert.True(exit2 == 0, stderr2);
        Assert.Contains(gitlab.Requests, r => r.Contains("updated_after=2026-11-19T21", StringComparison.Ordinal));
        Assert.Equal(expected, FindingsOf(Path.Combine(temp.Path, "second"), "gitlab", temp));
    }

    [Fact]
    public void A_gitlab_tier_without_protected_environments_is_a_coverage_note_and_a_refused_project_does_not_sink_the_group()
    {
        using var temp = new TempFolder();
        using var gitlab = new FakeGitLab(Path.Combine(Demo, "snapshot"), Token);
        gitlab.Missing.Add("/api/v4/projects/42/protected_environments");
        gitlab.Forbidden.Add("/api/v4/projects/example%2Fplatform%2Fbilling");
        var section = $$""" "GitLab": { "ApiUrl": "{{gitlab.ApiUrl}}", "TokenVariable": "{{_tokenVariable}}", "TokenKind": "bearer", "Groups": ["example"], "Projects": ["example/platform/billing"] } """;

        var (exit, _, manifest) = Collect(temp, section, "snap");

        Assert.Equal(2, exit);
        var coverage = manifest.RootElement.GetProperty("coverage").EnumerateArray().ToList();
        Assert.Contains(coverage, c => c.GetProperty("source").GetString() == "gitlab.protected-environments" && c.GetProperty("status").GetString() == "partial"
            && c.GetProperty("detail").GetString()!.Contains("Premium", StringComparison.Ordinal));
        Assert.Contains(coverage, c => c.GetProperty("source").GetString() == "gitlab" && c.GetProperty("scope").GetString() == "example/platform/billing");
        var findings = FindingsOf(Path.Combine(temp.Path, "snap"), "gitlab", temp);
        Assert.DoesNotContain(findings, f => f.StartsWith("DS-DEP-004", StringComparison.Ordinal)); // not read, not judged
        Assert.Contains(findings, f => f.StartsWith("DS-DEP-002", StringComparison.Ordinal));
    }

    [Fact]
    public void Azure_devops_collection_follows_continuation_tokens_slows_down_when_told_and_scans_to_the_hand_made_findings()
    {
        using var temp = new TempFolder();
        using var ado = new FakeAzureDevOps(Path.Combine(Demo, "snapshot"), Token, pageSize: 1) { RateLimited = 1, Delayed = 2 };
        var section = $$""" "AzureDevOps": { "ApiUrl": "{{ado.Url}}", "Organization": "example-org", "Projects": ["billing"], "TokenVariable": "{{_tokenVariable}}" } """;

        var (exit, stderr, manifest) = Collect(temp, section, "first");

        Assert.True(exit == 0, stderr);
        Assert.Equal(1, ado.Throttled);
        Assert.True(Metric(manifest, "throttles") >= 3, manifest.RootElement.GetRawText()); // the 429 and two delayed successes
        Assert.Contains(ado.Requests, r => r.Contains("continuationToken=1", StringComparison.Ordinal));
        var expected = FindingsOf(Path.Combine(Demo, "snapshot"), "azure-devops", temp);
        Assert.True(expected.Count >= 3, string.Join('\n', expected));
        Assert.Equal(expected, FindingsOf(Path.Combine(temp.Path, "first"), "azure-devops", temp));
        Assert.DoesNotContain("\"value\": null", File.ReadAllText(Path.Combine(temp.Path, "first", "azure-devops", "example-org", "billing", "variable-groups.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void An_azure_devops_server_without_the_approvals_api_leaves_approvals_unknown_and_a_refused_project_is_named()
    {
        using var temp = new TempFolder();
        using var ado = new FakeAzureDevOps(Path.Combine(Demo, "snapshot"), Token);
        ado.Missing.Add("/example-org/billing/_apis/pipelines/approvals");
        ado.Forbidden.Add("/example-org/payroll");
        var section = $$""" "AzureDevOps": { "ApiUrl": "{{ado.Url}}", "Organization": "example-org", "Projects": ["billing", "payroll"], "TokenVariable": "{{_tokenVariable}}" } """;

        var (exit, _, manifest) = Collect(temp, section, "snap");

        Assert.Equal(2, exit);
        var coverage = manifest.RootElement.GetProperty("coverage").EnumerateArray().ToList();
        Assert.Contains(coverage, c => c.GetProperty("source").GetString() == "azure-devops.approvals" && c.GetProperty("status").GetString() == "partial");
        Assert.Contains(coverage, c => c.GetProperty("source").GetString() == "azure-devops" && c.GetProperty("scope").GetString() == "example-org/payroll");
        var findings = FindingsOf(Path.Combine(temp.Path, "snap"), "azure-devops", temp);
        // The self-approved deployment cannot be shown without the approvals: unknown, so no DS-DEP-002 for it.
        Assert.DoesNotContain(findings, f => f.StartsWith("DS-DEP-002", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("DS-DEP-004", StringComparison.Ordinal));
    }
}
