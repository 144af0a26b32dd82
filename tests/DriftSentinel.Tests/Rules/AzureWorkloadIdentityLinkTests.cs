using System.Text.Json;
using System.Text.Json.Nodes;
using DriftSentinel.Tests.Mutation;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Rules;

/// <summary>
/// DS-DEP-001 links an Azure change to its pipeline the way it links AWS ones: the Activity Log's uti claim names the
/// token, the service-principal sign-in that issued it names the federated credential, whose subject names the run.
/// </summary>
public sealed class AzureWorkloadIdentityLinkTests
{
    private const string Tenant = "00000000-0000-0000-0000-0000000e0001";
    private const string Deployer = "11111111-aaaa-4bbb-8ccc-000000000001";

    private static (List<JsonElement> Changes, List<JsonElement> Findings) Scan(string file, Action<JsonNode> edit)
    {
        using var t = new TempFolder();
        var (_, _, _, outDir) = DemoMutation.Scan(t, $"entra/{Tenant}/{file}", path =>
        {
            var node = JsonNode.Parse(File.ReadAllText(path))!;
            edit(node);
            File.WriteAllText(path, node.ToJsonString());
        });
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        return ([.. doc.RootElement.GetProperty("production_changes").EnumerateArray().Where(c => c.GetProperty("principal").GetString() == Deployer).Select(c => c.Clone())],
            [.. doc.RootElement.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("rule_id").GetString() == "DS-DEP-001" && f.GetProperty("principal").GetString() == Deployer).Select(f => f.Clone())]);
    }

    [Fact]
    public void A_deployer_token_from_the_production_environments_federated_credential_is_its_approved_run()
    {
        var (changes, findings) = Scan("federated-credentials.json", _ => { });
        var change = Assert.Single(changes);
        Assert.Equal("approved pipeline run", change.GetProperty("classification").GetString());
        Assert.Equal("session", change.GetProperty("link").GetString());
        Assert.Contains("repo:example/payments:environment:production", change.GetProperty("justification").GetString(), StringComparison.Ordinal);
        Assert.Empty(findings);
    }

    [Fact]
    public void Flags_an_azure_deployer_token_obtained_with_a_client_secret_as_outside_any_run_even_inside_a_release_window()
    {
        var (changes, findings) = Scan("service-principal-sign-ins.json", n =>
        {
            n["value"]![0]!["clientCredentialType"] = "clientSecret";
            n["value"]![0]!["federatedCredentialId"] = null;
        });

        Assert.Equal("pipeline identity outside any run", Assert.Single(changes).GetProperty("classification").GetString());
        var finding = Assert.Single(findings);
        Assert.Contains("not by a pipeline", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("session", finding.GetProperty("details").GetProperty("link").GetString());
    }

    [Fact]
    public void Flags_an_azure_deployer_token_from_a_pull_request_credential_as_out_of_band()
    {
        var (changes, findings) = Scan("federated-credentials.json", n => n["value"]![0]!["subject"] = "repo:example/payments:pull_request");

        Assert.Equal("human or unknown out-of-band", Assert.Single(changes).GetProperty("classification").GetString());
        Assert.Contains("repo:example/payments:pull_request", Assert.Single(findings).GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
