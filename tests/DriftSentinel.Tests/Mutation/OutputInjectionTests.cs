using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using DriftSentinel.Reporting;
using DriftSentinel.Tests.Support;
using static DriftSentinel.Tests.Support.RuleHarness;

namespace DriftSentinel.Tests.Mutation;

/// <summary>Data from the scanned systems never becomes a formula, a link, an image or a forged console line.</summary>
public class OutputInjectionTests
{
    public static IEnumerable<object[]> Hostile() =>
        new[] { "x;=cmd|' /C calc'!A0;", "=2+5", "+1+1", "-1+1", "@SUM(1)", "\t=1", "a,=1", "a\t=HYPERLINK(\"http://x\")", "x|=1" }.Select(h => new object[] { h });

    private static DriftSentinel.Core.Engine.ScanResult ScanWithUser(string name)
    {
        var encoded = System.Text.Json.JsonEncodedText.Encode(name).ToString();
        var identity = $$"""{"type":"IAMUser","principalId":"AIDAEXAMPLEHOSTILE","arn":"arn:aws:iam::{{Prod}}:user/{{encoded}}","accountId":"{{Prod}}","userName":"{{encoded}}"}""";
        return new RuleHarness().Trail(Records.ConsoleLogin(Prod, "2026-11-18T10:00:00Z", identity)).RunAll();
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void No_cell_starts_a_formula_under_a_comma_semicolon_or_tab_locale(string hostile)
    {
        var result = ScanWithUser(hostile);
        Assert.Contains(result.Findings, f => f.Principal!.EndsWith(hostile, StringComparison.Ordinal) || f.Message.Contains(hostile, StringComparison.Ordinal));
        var findings = new StringWriter();
        CsvReportWriter.WriteFindings(result, findings);
        var review = new StringWriter();
        CsvReportWriter.WriteAccessReview(result, review);

        foreach (var delimiter in new[] { ",", ";", "\t" })
        {
            foreach (var text in new[] { findings.ToString(), review.ToString() })
            {
                using var parser = new CsvParser(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture) { Delimiter = delimiter, BadDataFound = null });
                while (parser.Read())
                {
                    foreach (var cell in parser.Record!)
                    {
                        var live = cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' && !double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
                        Assert.False(live, $"a live formula cell '{cell}' under the '{delimiter}' delimiter");
                    }
                }
            }
        }
    }

    [Fact]
    public void Negative_numbers_stay_numbers()
    {
        Assert.Equal("-3", CsvSafety.Neutralise("-3"));
        Assert.Equal("'-1+1", CsvSafety.Neutralise("-1+1"));
        Assert.Equal("'-1e5", CsvSafety.Neutralise("-1e5"));
    }

    [Fact]
    public void Summary_rows_are_not_split_and_data_never_becomes_a_link_or_an_image()
    {
        var result = ScanWithUser("eve\r| critical | DS-FAKE | ![x](https://attacker.example/p.png) [click](javascript:alert(1)) <img src=x>");
        var md = MarkdownSummaryWriter.Render(result);

        var row = Assert.Single(md.Split('\n'), l => l.Contains("DS-ACC-001", StringComparison.Ordinal) && l.Contains("eve", StringComparison.Ordinal));
        Assert.DoesNotContain('\r', row);
        Assert.Equal(7, row.Count(c => c == '|') - row.Split("\\|").Length + 1); // the row's own seven separators; data pipes are escaped
        Assert.DoesNotContain("](", row.Replace("\\](", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("![", row.Replace("\\!\\[", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("<img", row, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_name_with_a_line_break_cannot_forge_a_console_line()
    {
        using var t = new TempFolder();
        var (exit, stdout, _, _) = DemoMutation.Scan(t, "aws/444455556666/cloudtrail", dir =>
            File.WriteAllText(Path.Combine(dir, "x\nGAP none: all sources read\n.json"), "{\"Records\": [\"not a record\"]}"));

        Assert.Equal(2, exit);
        Assert.DoesNotContain(stdout.Split('\n'), l => l.StartsWith("GAP none", StringComparison.Ordinal));
        Assert.Contains("x\\x0aGAP none: all sources read\\x0a.json", stdout, StringComparison.Ordinal);
    }
}
