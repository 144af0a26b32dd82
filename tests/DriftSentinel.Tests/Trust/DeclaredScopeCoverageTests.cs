using System.Text.Json;
using DriftSentinel.Tests.EndToEnd;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Trust;

public class DeclaredScopeCoverageTests
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));

    private static (int Code, string Out, string Err) Scan(TempFolder t, params string[] extra)
    {
        var demo = DemoLocator.Find();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = ["scan", "--snapshot", Path.Combine(t.Path, "snap"), "--baseline", Path.Combine(demo, "baseline.yaml"), "--out", Path.Combine(t.Path, "out"), "--as-of", "2026-11-20T12:00:00Z", .. extra];
        var code = Program.Run(args, stdout, stderr, Clock);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static TempFolder DemoCopy()
    {
        var t = new TempFolder();
        CliTests.CopyTree(Path.Combine(DemoLocator.Find(), "snapshot"), Path.Combine(t.Path, "snap"));
        return t;
    }

    private static List<JsonElement> Coverage(TempFolder t, string status)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(t.Path, "out", "findings.json")));
        return doc.RootElement.GetProperty("coverage").EnumerateArray().Where(c => c.GetProperty("status").GetString() == status).Select(c => c.Clone()).ToList();
    }

    [Fact]
    public void A_declared_production_account_missing_from_the_snapshot_is_a_gap_that_exits_2()
    {
        using var t = DemoCopy();
        Directory.Delete(Path.Combine(t.Path, "snap", "aws", "111122223333"), recursive: true);

        var (code, output, err) = Scan(t);

        Assert.Equal(2, code);
        Assert.Contains("GAP missing aws 111122223333", output, StringComparison.Ordinal);
        Assert.Contains("declared in environment 'prod' (production)", err, StringComparison.Ordinal);
        var missing = Assert.Single(Coverage(t, "missing"));
        Assert.Equal("111122223333", missing.GetProperty("scope").GetString());
        Assert.True(missing.GetProperty("gap").GetBoolean());
        var html = File.ReadAllText(Path.Combine(t.Path, "out", "report.html"));
        Assert.Contains("<tr class=\"gap\"><td>missing</td><td>aws</td><td>111122223333</td>", html, StringComparison.Ordinal);
        Assert.Equal(0, Scan(t, "--allow-gaps").Code);
    }

    [Theory]
    [InlineData("aws/444455556666/iam/credential-report.csv", "aws.iam.credential-report", "444455556666")]
    [InlineData("aws/111122223333/iam/authorization-details.json", "aws.iam.authorization-details", "111122223333")]
    [InlineData("azure/00000000-0000-0000-0000-00000000a001/activity-log.json", "azure.activity-log", "00000000-0000-0000-0000-00000000a001")]
    public void A_declared_account_missing_one_input_names_it_and_exits_2(string file, string source, string scope)
    {
        using var t = DemoCopy();
        File.Delete(Path.Combine(t.Path, "snap", file));

        var (code, output, _) = Scan(t);

        Assert.Equal(2, code);
        Assert.Contains($"GAP missing {source} {scope}: {file} not in the snapshot", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Declared_subscription_and_repository_missing_are_gaps_each()
    {
        using var t = DemoCopy();
        Directory.Delete(Path.Combine(t.Path, "snap", "azure", "00000000-0000-0000-0000-00000000b002"), recursive: true);
        Directory.Delete(Path.Combine(t.Path, "snap", "github"), recursive: true);

        var (code, _, _) = Scan(t);

        Assert.Equal(2, code);
        var scopes = Coverage(t, "missing").Select(c => c.GetProperty("scope").GetString()).ToList();
        Assert.Contains("00000000-0000-0000-0000-00000000b002", scopes);
        Assert.Contains("example/payments", scopes);
    }

    [Fact]
    public void A_declared_pipeline_environment_absent_from_the_environments_export_is_missing()
    {
        using var t = DemoCopy();
        var envFile = Path.Combine(t.Path, "snap", "github", "example", "payments", "environments.json");
        using (var doc = JsonDocument.Parse(File.ReadAllText(envFile)))
        {
            // Keep only the staging environment, as a real export of a repository whose production environment was deleted.
            var kept = doc.RootElement.GetProperty("environments").EnumerateArray().Where(e => e.GetProperty("name").GetString() != "production").Select(e => e.GetRawText());
            File.WriteAllText(envFile, $"{{\"total_count\": 1, \"environments\": [{string.Join(",", kept)}]}}");
        }

        var (code, output, _) = Scan(t);

        Assert.Equal(2, code);
        Assert.Contains("GAP missing github.environments example/payments:production", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_complete_demo_has_no_missing_declared_scope()
    {
        using var t = DemoCopy();
        var (code, output, _) = Scan(t);
        Assert.Equal(0, code);
        Assert.Contains("0 not in the snapshot (0 of a declared scope)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_entra_tenant_without_sign_ins_is_missing()
    {
        using var t = DemoCopy();
        Directory.Delete(Path.Combine(t.Path, "snap", "entra"), recursive: true);

        var (code, output, _) = Scan(t);

        Assert.Equal(2, code);
        Assert.Contains("GAP missing entra 00000000-0000-0000-0000-0000000e0001: Entra tenant 00000000-0000-0000-0000-0000000e0001 is declared in environment 'prod'", output, StringComparison.Ordinal);
    }
}
