using System.Text.Json;
using DriftSentinel.Core.Rules;
using DriftSentinel.History;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.History;

/// <summary>`--only-rules` / `--exclude-rules`, `findings list --format csv|json` and `findings unaccept`.</summary>
public sealed class DailyUseCliTests
{
    [Fact]
    public void Excluding_a_rule_leaves_its_findings_out_names_it_and_carries_its_history_over_instead_of_resolving()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r1"), "--history", db).Exit);

        var second = Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r2"), "--history", db, "--exclude-rules", "DS-DEP-*,DS-SEP-001");
        Assert.True(second.Exit == 0, second.Stderr);
        Assert.Contains("rule(s) not evaluated (DS-DEP-001, DS-DEP-002, DS-DEP-003, DS-DEP-004, DS-SEP-001)", second.Stderr, StringComparison.Ordinal);
        // Nothing resolved: the excluded rules' findings are not verified, not fixed.
        Assert.Contains(" 0 resolved, ", second.Stdout, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "r2", "findings.json")));
        var run = json.RootElement.GetProperty("run");
        Assert.Equal(["DS-DEP-001", "DS-DEP-002", "DS-DEP-003", "DS-DEP-004", "DS-SEP-001"], run.GetProperty("rules_not_evaluated").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.DoesNotContain(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule_id").GetString()!.StartsWith("DS-DEP", StringComparison.Ordinal));
        Assert.False(run.GetProperty("rule_versions").TryGetProperty("DS-DEP-001", out _));

        var html = File.ReadAllText(Path.Combine(temp.Path, "r2", "report.html"));
        Assert.Contains("Not evaluated in this run: DS-DEP-001, DS-DEP-002", html, StringComparison.Ordinal);
        Assert.Contains("Unknown: DS-DEP-001, which classifies production changes, was not evaluated", html, StringComparison.Ordinal);
        Assert.Contains("**Not evaluated in this run:**", File.ReadAllText(Path.Combine(temp.Path, "r2", "summary.md")), StringComparison.Ordinal);

        var open = Cli.Run("findings", "list", "--history", db, "--rule", "DS-DEP-001", "--format", "json");
        using var listed = JsonDocument.Parse(open.Stdout);
        Assert.All(listed.RootElement.GetProperty("findings").EnumerateArray(), f => Assert.NotEqual("resolved", f.GetProperty("status").GetString()));
        Assert.True(listed.RootElement.GetProperty("count").GetInt32() > 0);
    }

    [Fact]
    public void An_evidence_pack_never_calls_a_control_clean_when_a_rule_testing_it_was_not_evaluated()
    {
        using var temp = new TempFolder();
        var scan = Cli.Run("scan", "--demo", "--out", temp.Path, "--only-rules", "DS-ACC-004", "--evidence", "soc2");
        Assert.True(scan.Exit == 0, scan.Stderr);
        var controls = Directory.GetFiles(Path.Combine(temp.Path, "evidence", "soc2"), "control.json", SearchOption.AllDirectories)
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("status").GetString()).ToList();
        Assert.DoesNotContain("no open findings", controls);
        Assert.Contains("incomplete: rules not evaluated", controls);
    }

    [Theory]
    [InlineData("--only-rules", "DS-NOPE-*", "--only-rules 'DS-NOPE-*' matches no rule")]
    [InlineData("--exclude-rules", "DS-ACC-01", "--exclude-rules 'DS-ACC-01' matches no rule")]
    [InlineData("--exclude-rules", "DS-*", "leave no rule to evaluate")]
    public void A_rule_pattern_that_matches_nothing_or_leaves_nothing_is_a_usage_error(string option, string value, string message)
    {
        using var temp = new TempFolder();
        var scan = Cli.Run("scan", "--demo", "--out", temp.Path, option, value);
        Assert.Equal(ExitCodes.Usage, scan.Exit);
        Assert.Contains(message, scan.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "findings.json")));
    }

    [Fact]
    public void Only_rules_takes_exact_ids_and_prefixes_in_any_case()
    {
        var all = Rule.All();
        Assert.Equal(["DS-ACC-001", "DS-ACC-002", "DS-ACC-003", "DS-ACC-004", "DS-LOG-001"],
            RuleSelection.Select(all, RuleSelection.Patterns(["ds-acc-*", "DS-LOG-001"]), []).Select(r => r.Id).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(all.Count - 1, RuleSelection.Select(all, [], ["DS-CRED-001"]).Count);
    }

    [Fact]
    public void Findings_list_exports_csv_and_json_with_the_principal_and_the_acceptance()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r1"), "--history", db).Exit);
        var table = Cli.Run("findings", "list", "--history", db, "--rule", "DS-ACC-004");
        var fingerprint = table.Stdout.Split('\n')[1].Split(' ')[0];
        Assert.Equal(0, Cli.Run("findings", "accept", fingerprint, "--history", db, "--reason", "root used for the account closure", "--until", "2027-01-31", "--by", "alice", "--ticket", "SEC-11").Exit);
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r2"), "--history", db).Exit);

        var csv = Cli.Run("findings", "list", "--history", db, "--format", "csv");
        Assert.Equal(0, csv.Exit);
        var lines = csv.Stdout.TrimEnd('\n').Split('\n');
        Assert.StartsWith("fingerprint,profile,status,severity,rule_id,title,environment,scope,principal,", lines[0], StringComparison.Ordinal);
        Assert.Equal(DemoExpectations.FindingCount, lines.Length - 1);
        var accepted = Assert.Single(lines, l => l.StartsWith(fingerprint, StringComparison.Ordinal));
        Assert.Contains(",accepted,critical,DS-ACC-004,", accepted, StringComparison.Ordinal);
        Assert.Contains(":root,", accepted, StringComparison.Ordinal);
        Assert.EndsWith(",alice,2027-01-31,root used for the account closure,SEC-11", accepted, StringComparison.Ordinal);

        var json = Cli.Run("findings", "list", "--history", db, "--format", "json", "--severity", "critical");
        using var doc = JsonDocument.Parse(json.Stdout);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(doc.RootElement.GetProperty("count").GetInt32(), findings.Count);
        Assert.All(findings, f => Assert.Equal("critical", f.GetProperty("severity").GetString()));
        var root = findings.Single(f => f.GetProperty("fingerprint").GetString() == fingerprint);
        Assert.EndsWith(":root", root.GetProperty("principal").GetString(), StringComparison.Ordinal);
        var a = root.GetProperty("acceptance");
        Assert.Equal("alice", a.GetProperty("accepted_by").GetString());
        Assert.Equal(ExitCodes.Usage, Cli.Run("findings", "list", "--history", db, "--format", "xml").Exit);
    }

    [Fact]
    public void Unaccept_withdraws_an_acceptance_once_logs_who_and_the_next_run_shows_the_finding_open_again()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r1"), "--history", db).Exit);
        var fingerprint = Cli.Run("findings", "list", "--history", db, "--rule", "DS-ACC-004").Stdout.Split('\n')[1].Split(' ')[0];
        Assert.Equal(0, Cli.Run("findings", "accept", fingerprint, "--history", db, "--reason", "closure", "--until", "2027-01-31", "--by", "alice").Exit);
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r2"), "--history", db).Exit);

        var withdrawn = Cli.Run("findings", "unaccept", fingerprint[..10], "--history", db, "--by", "bob", "--reason", "closure postponed");
        Assert.True(withdrawn.Exit == 0, withdrawn.Stderr);
        Assert.Contains("acceptance by alice (until 2027-01-31) withdrawn by bob", withdrawn.Stdout, StringComparison.Ordinal);
        var again = Cli.Run("findings", "unaccept", fingerprint, "--history", db, "--by", "bob");
        Assert.Equal(0, again.Exit);
        Assert.Contains("has no acceptance; nothing changed", again.Stdout, StringComparison.Ordinal);

        var third = Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "r3"), "--history", db);
        Assert.Contains("1 back after an exception expired", third.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{fingerprint}  ", Cli.Run("findings", "list", "--history", db, "--status", "open").Stdout, StringComparison.Ordinal);

        using var store = SqlHistoryStore.Open(db);
        var log = store.TriageLog(fingerprint);
        Assert.Equal(["accept alice closure", "unaccept bob closure postponed"], log.Select(e => $"{e.Action} {e.DecidedBy} {e.Reason}").ToArray());
    }
}
