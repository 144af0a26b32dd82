using AngleSharp.Html.Parser;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Rules.Checks;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Reporting;

public class ReportTests
{
    private static readonly string[] Hostile = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR", "\nLF"];

    /// <summary>A scan whose principal names are spreadsheet formulas, as an attacker would choose them.</summary>
    private static DriftSentinel.Core.Engine.ScanResult HostileScan()
    {
        var h = new RuleHarness();
        foreach (var (name, i) in Hostile.Select((n, i) => (n, i)))
        {
            h.Event(InventoryFiles.AzureEvent(InventoryFiles.ActivityEvent(SubProd, $"e{i}", "2026-11-18T10:00:00Z",
                System.Text.Json.JsonEncodedText.Encode(name).ToString(), "user", "Microsoft.Web/sites/write")));
        }

        return h.RunAll();
    }

    [Fact]
    public void Csv_cells_starting_with_formula_characters_are_neutralised()
    {
        var result = HostileScan();
        var findings = new StringWriter();
        CsvReportWriter.WriteFindings(result, findings);
        var text = findings.ToString();
        foreach (var name in Hostile)
        {
            Assert.Contains("'" + name.Replace("\"", "\"\"", StringComparison.Ordinal), text, StringComparison.Ordinal);
        }

        var lines = text.Split('\n');
        Assert.DoesNotContain(lines, l => l.Length > 0 && l[0] is '=' or '+' or '-' or '@');
        Assert.DoesNotContain(",=", text, StringComparison.Ordinal);
        Assert.DoesNotContain(",+", text, StringComparison.Ordinal);
        Assert.DoesNotContain(",@", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("plain", "plain")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    [InlineData("\r\n", "'\r\n")]
    public void Neutralises_only_leading_formula_characters(string value, string expected) => Assert.Equal(expected, CsvSafety.Neutralise(value));

    [Fact]
    public void Csv_quotes_commas_quotes_and_newlines()
    {
        var w = new StringWriter();
        new CsvTableWriter(w).WriteRow("a,b", "say \"hi\"", "two\nlines", "plain");
        Assert.Equal("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",plain\n", w.ToString());
    }

    [Fact]
    public void Findings_json_maps_every_control_to_its_rules_and_open_findings_and_each_finding_to_its_controls()
    {
        var demo = DriftSentinel.Worker.DemoLocator.Find();
        var result = DriftSentinel.Worker.ScanCommand.Scan(Path.Combine(demo, "snapshot"), DriftSentinel.Core.Baseline.BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")),
            Catalogue, DriftSentinel.Worker.DemoLocator.AsOf(demo), "demo");
        using var stream = new MemoryStream();
        JsonReportWriter.Write(result, stream);
        using var doc = System.Text.Json.JsonDocument.Parse(stream.ToArray());
        var controls = doc.RootElement.GetProperty("controls").EnumerateArray().ToList();

        Assert.Equal(Catalogue.Compliance.Values.Sum(c => c.Count), controls.Count);
        var cc81 = controls.Single(c => c.GetProperty("framework").GetString() == "SOC 2" && c.GetProperty("control").GetString() == "CC8.1");
        var rules = cc81.GetProperty("rules").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Contains("DS-DEP-001", rules);
        Assert.Equal(result.Active.Count(f => rules.Contains(f.RuleId)), cc81.GetProperty("open_findings").GetInt32());
        Assert.All(doc.RootElement.GetProperty("findings").EnumerateArray(), f =>
        {
            var rule = Catalogue[f.GetProperty("rule_id").GetString()!];
            Assert.Equal(rule.Compliance.Order(StringComparer.Ordinal), f.GetProperty("compliance").EnumerateArray().Select(c => c.GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal(rule.Remediation, f.GetProperty("remediation").GetString());
        });

        // The CSV carries the same references and remediation, one column each.
        var csv = new StringWriter();
        CsvReportWriter.WriteFindings(result, csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",compliance,remediation", lines[0].TrimEnd('\r'), StringComparison.Ordinal);
        var root = result.Findings.First(f => f.RuleId == "DS-ACC-004");
        Assert.Contains(lines, l => l.StartsWith(root.Fingerprint, StringComparison.Ordinal) && l.Contains(string.Join("; ", Catalogue.ControlsOf("DS-ACC-004").Select(c => $"{c.Framework} {c.Control}")), StringComparison.Ordinal));
    }

    [Fact]
    public void Access_review_has_one_row_per_entitlement_with_review_columns_empty()
    {
        var demo = DriftSentinel.Worker.DemoLocator.Find();
        var result = DriftSentinel.Worker.ScanCommand.Scan(Path.Combine(demo, "snapshot"), DriftSentinel.Core.Baseline.BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")),
            Catalogue, DriftSentinel.Worker.DemoLocator.AsOf(demo), "demo");
        var w = new StringWriter();
        CsvReportWriter.WriteAccessReview(result, w);
        var lines = w.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("as_of,review_window,cloud,environment,account,principal_id,principal_name,principal_type,entitlement,scope,privileged,assignment_type,granted_via,created,last_used,last_used_source,days_since_last_use,usage_evidence,mfa,credential_age_days,open_finding_ids,recommendation,recommendation_reason,decision,reviewer,decided_on,justification", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("2026-11-20T12:00:00Z,2026-08-22T12:00:00Z/2026-11-20T12:00:00Z,", l, StringComparison.Ordinal));
        Assert.Equal(result.Entitlements.Count, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",,,,", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("legacy-admin", StringComparison.Ordinal) && l.Contains(",revoke,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("user/bob", StringComparison.Ordinal) && l.Contains("via", StringComparison.Ordinal) is false && l.Contains("group Admins", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("alice@example.com", StringComparison.Ordinal) && l.Contains("active JIT", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("user/bob,bob,human,console password,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("user/legacy-batch,legacy-batch,workload,access key 1,", StringComparison.Ordinal) && l.Contains(",537,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",root,root,root user (unrestricted),", StringComparison.Ordinal));
    }

    [Fact]
    public void Findings_json_carries_run_coverage_changes_and_findings_with_evidence()
    {
        var result = new RuleHarness().Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "bob"))).RunAll();
        using var stream = new MemoryStream();
        JsonReportWriter.Write(result, stream);
        using var doc = System.Text.Json.JsonDocument.Parse(stream.ToArray());
        var root = doc.RootElement;
        Assert.Equal("2026-11-20T12:00:00Z", root.GetProperty("run").GetProperty("as_of").GetString());
        Assert.Equal(64, root.GetProperty("run").GetProperty("baseline_sha256").GetString()!.Length);
        Assert.Equal(result.Catalogue.Rules.Count, root.GetProperty("run").GetProperty("rule_versions").EnumerateObject().Count());
        Assert.Equal(System.Text.Json.JsonValueKind.Array, root.GetProperty("coverage").ValueKind);
        var f = root.GetProperty("findings").EnumerateArray().Single();
        foreach (var field in new[] { "fingerprint", "rule_id", "severity", "status", "environment", "cloud", "account", "principal", "resource", "first_seen", "last_seen", "message" })
        {
            Assert.Equal(System.Text.Json.JsonValueKind.String, f.GetProperty(field).ValueKind);
        }

        Assert.StartsWith("test.json#record 0 eventId=", f.GetProperty("evidence")[0].GetProperty("reference").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Html_report_is_self_contained_and_embeds_each_finding_once_as_data_no_value_can_break_out_of()
    {
        var scan = HostileScan();
        const string breakout = "</script><script>alert(1)</script><!--";
        var first = scan.Findings[0];
        var hostile = new Finding
        {
            Fingerprint = first.Fingerprint,
            RuleId = first.RuleId,
            Title = first.Title,
            Severity = first.Severity,
            Cloud = first.Cloud,
            Environment = first.Environment,
            Account = first.Account,
            Principal = first.Principal,
            Message = breakout,
            Resource = "<img src=x onerror=alert(2)>",
        };
        var result = scan.With(findings: [hostile, .. scan.Findings.Skip(1)]);
        var w = new StringWriter();
        HtmlReportWriter.Write(result, w);
        var doc = new HtmlParser().ParseDocument(w.ToString());
        Assert.Empty(doc.QuerySelectorAll("link[href], script[src], img[src], iframe"));
        Assert.DoesNotContain("http://", doc.Head!.InnerHtml, StringComparison.Ordinal);
        Assert.Equal(3, doc.QuerySelectorAll("script").Length);
        var data = doc.QuerySelector("script#ds-data")!.TextContent;
        Assert.DoesNotContain("<", data, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(data);
        var rows = json.RootElement.GetProperty("f").EnumerateArray().ToList();
        Assert.Equal(result.Findings.Count, rows.Count);
        using var detail = System.Text.Json.JsonDocument.Parse(HtmlReportData.DetailText(doc.DocumentElement.OuterHtml));
        Assert.Equal(rows.Count, detail.RootElement.GetProperty("d").GetArrayLength());
        Assert.Equal(result.Findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), rows.Select(r => r[11].GetString()!).Order(StringComparer.Ordinal));
        Assert.Contains(rows, r => r[6].GetString() == breakout && r[7].GetString() == "<img src=x onerror=alert(2)>");
        foreach (var name in Hostile)
        {
            Assert.Contains(rows, r => r[5].GetString()!.Contains(name.Trim(), StringComparison.Ordinal));
        }

        Assert.NotNull(doc.QuerySelector("table#grid"));
        Assert.Empty(doc.QuerySelectorAll("a[href^='http://evil']"));
    }

    [Fact]
    public void Html_report_stays_small_enough_for_tens_of_thousands_of_findings()
    {
        var h = new RuleHarness();
        for (var i = 0; i < 20_000; i++)
        {
            h.Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, $"user{i}")));
        }

        var result = h.RunAll();
        Assert.True(result.Findings.Count >= 20_000);
        var w = new StringWriter();
        HtmlReportWriter.Write(result, w);
        var html = w.ToString();
        // Findings are data drawn a page at a time, not rows: the markup does not grow with them.
        var doc = new HtmlParser().ParseDocument(html);
        Assert.Empty(doc.QuerySelectorAll("#grid tbody tr"));
        using var json = System.Text.Json.JsonDocument.Parse(doc.QuerySelector("script#ds-data")!.TextContent);
        Assert.Equal(result.Findings.Count, json.RootElement.GetProperty("f").GetArrayLength());
        using var detail = System.Text.Json.JsonDocument.Parse(HtmlReportData.DetailText(doc.DocumentElement.OuterHtml));
        Assert.Equal(result.Findings.Count, detail.RootElement.GetProperty("d").GetArrayLength());
        Assert.True(html.Length < 1000 * result.Findings.Count, $"{html.Length} bytes for {result.Findings.Count} findings");
    }

    [Fact]
    public void Html_report_says_none_where_a_table_is_empty_and_unknown_without_history()
    {
        var result = new RuleHarness().RunAll().With(findings: []);
        var w = new StringWriter();
        HtmlReportWriter.Write(result, w);
        var doc = new HtmlParser().ParseDocument(w.ToString());
        Assert.Contains(doc.QuerySelectorAll("#production tr.none td"), td => td.TextContent.StartsWith("None: no deploy-class change", StringComparison.Ordinal));
        Assert.Contains(doc.QuerySelectorAll("#coverage tr.none td"), td => td.TextContent.StartsWith("None: every declared source was read", StringComparison.Ordinal));
        Assert.StartsWith("Unknown: this run was not recorded", doc.QuerySelector("#changes p.none")!.TextContent, StringComparison.Ordinal);
        Assert.StartsWith("No trend", doc.QuerySelector("#summary p.none")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(4, doc.QuerySelectorAll("#production table.legend tbody tr").Length);
    }

    [Theory]
    [InlineData("env2", "env10")]
    [InlineData("DS-ACC-002", "DS-ACC-010")]
    [InlineData("Alice", "bob")]
    [InlineData("user007", "user8")]
    [InlineData("prod", "prod-eu")]
    public void Natural_order_puts_numbers_by_value_and_ignores_case(string before, string after)
    {
        Assert.True(NaturalOrder.Instance.Compare(before, after) < 0);
        Assert.True(NaturalOrder.Instance.Compare(after, before) > 0);
    }

    [Fact]
    public void Summary_markdown_leads_with_totals_and_escapes_pipes()
    {
        var result = new RuleHarness().Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "a|b"))).Run([new DirectProductionLoginCheck()]);
        Assert.Single(result);
        var md = MarkdownSummaryWriter.Render(new RuleHarness().Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", Records.IamUser(Prod, "a|b"))).RunAll());
        Assert.Contains("**1 open findings**", md, StringComparison.Ordinal);
        Assert.Contains("a\\|b", md, StringComparison.Ordinal);
    }
}
