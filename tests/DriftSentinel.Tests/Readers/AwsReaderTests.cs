using DriftSentinel.Aws;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Readers;

public class CloudTrailReaderTests
{
    private static List<ActivityEvent> ReadFolder(TempFolder t, CoverageLog coverage, string account = "111122223333") =>
        new CloudTrailFolderStream(t.Path, Path.Combine(t.Path, "aws", account, "cloudtrail"), account).Read(coverage).ToList();

    [Fact]
    public void Reads_stratus_stop_logging_record()
    {
        using var t = new TempFolder();
        t.Copy(TestPaths.Public("stratus-defense-evasion.cloudtrail-stop.json"), "aws/111122223333/cloudtrail/stop.json");
        var coverage = new CoverageLog();
        var e = Assert.Single(ReadFolder(t, coverage));
        Assert.Equal("StopLogging", e.Action);
        Assert.Equal("cloudtrail.amazonaws.com", e.Service);
        Assert.Equal("IAMUser", e.Actor.Type);
        Assert.Equal("arn:aws:iam::143434273843:user/christophe", e.Actor.Id);
        Assert.Equal("143434273843", e.AccountId);
        Assert.False(e.ReadOnly);
        Assert.True(e.Succeeded);
        Assert.Equal("10163ed2-2253-469d-a5ee-cbc6651f8934", e.EventId);
        Assert.Equal(CoverageStatus.Read, Assert.Single(coverage.Entries).Status);
    }

    [Fact]
    public void Reads_console_login_without_mfa_from_stratus_and_the_user_guide()
    {
        using var t = new TempFolder();
        t.Copy(TestPaths.Public("stratus-initial-access.console-login-without-mfa.json"), "aws/111122223333/cloudtrail/a.json");
        t.Copy(TestPaths.Public("userguide-console-sign-in-ex01.json"), "aws/111122223333/cloudtrail/b.json");
        var events = ReadFolder(t, new CoverageLog());
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("ConsoleLogin", e.Action);
            Assert.False(e.MfaUsed);
            Assert.Equal("IAMUser", e.Actor.Type);
        });
        Assert.Equal("arn:aws:iam::111122223333:user/anaya", events[1].Actor.Id);
    }

    [Fact]
    public void Reads_gzip_log_files_and_skips_digests()
    {
        using var t = new TempFolder();
        t.WriteGzip("aws/111122223333/cloudtrail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/18/x.json.gz", File.ReadAllText(TestPaths.Public("userguide-console-sign-in-ex01.json")));
        t.WriteGzip("aws/111122223333/cloudtrail/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/18/d.json.gz", "{\"not\":\"records\"}");
        var coverage = new CoverageLog();
        Assert.Single(ReadFolder(t, coverage));
        Assert.Equal(CoverageStatus.Read, Assert.Single(coverage.Entries, c => c.Source == "aws.cloudtrail").Status);

        // The digest is evidence, not a log: what cannot be read of it is the integrity check's gap, named.
        Assert.Contains(coverage.Entries, c => c.Source == "aws.cloudtrail.integrity" && c.Status == CoverageStatus.Failed && c.Detail!.Contains("d.json.gz", StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_lookup_events_output()
    {
        using var t = new TempFolder();
        var inner = System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestPaths.Public("stratus-defense-evasion.cloudtrail-delete.json"))).RootElement[0].GetRawText());
        t.Write("aws/111122223333/cloudtrail/lookup.json", $$"""{"Events":[{"EventId":"x","EventName":"DeleteTrail","CloudTrailEvent":{{inner}}}],"NextToken":null}""");
        Assert.Equal("DeleteTrail", Assert.Single(ReadFolder(t, new CoverageLog())).Action);
    }

    [Fact]
    public void Reads_json_lines_exports_named_json()
    {
        using var t = new TempFolder();
        t.Copy(TestPaths.Public("otrf-ec2-proxy-s3-exfiltration.json"), "aws/123456789123/cloudtrail/otrf.json");
        var coverage = new CoverageLog();
        var events = ReadFolder(t, coverage, "123456789123");
        Assert.Equal(103, events.Count);
        Assert.Contains(events, e => e.Actor.Id == "arn:aws:iam::123456789123:user/pedro");
        Assert.Equal(CoverageStatus.Read, Assert.Single(coverage.Entries).Status);
    }

    [Fact]
    public void Unwraps_concatenated_eventbridge_events()
    {
        using var t = new TempFolder();
        t.Copy(TestPaths.Public("stackstate-eventbridge.json.gz"), "aws/120431062118/cloudtrail/eb.json.gz");
        // Firehose concatenates the events with no separator.
        var events = ReadFolder(t, new CoverageLog(), "120431062118");
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("AssumedRole", e.Actor.Type));
        Assert.All(events, e => Assert.Equal("120431062118", e.AccountId));
    }

    [Fact]
    public void Malformed_json_line_names_its_line()
    {
        using var t = new TempFolder();
        var good = Records.Call("111122223333", "2026-11-18T10:00:00Z", "s3.amazonaws.com", "GetObject", Records.IamUser("111122223333", "u"), true).ReplaceLineEndings(" ");
        t.Write("aws/111122223333/cloudtrail/x.jsonl", good + "\n" + good + "\n{\"eventName\": broken\n");
        var coverage = new CoverageLog();
        Assert.Equal(2, ReadFolder(t, coverage).Count);
        Assert.Contains("record 2, line 3", Assert.Single(coverage.Entries).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_gzip_is_a_partial_coverage_entry_and_other_files_are_still_read()
    {
        using var t = new TempFolder();
        var records = "{\"Records\":[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => Records.Call("111122223333", "2026-11-18T10:00:00Z", "s3.amazonaws.com", "GetObject", Records.IamUser("111122223333", "u" + i), true))) + "]}";
        var full = t.WriteGzip("aws/111122223333/cloudtrail/a.json.gz", records);
        var bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(full, bytes[..(bytes.Length / 2)]);
        t.Copy(TestPaths.Public("userguide-console-sign-in-ex01.json"), "aws/111122223333/cloudtrail/b.json");
        var coverage = new CoverageLog();
        var events = ReadFolder(t, coverage);
        var entry = Assert.Single(coverage.Entries);
        Assert.Equal(CoverageStatus.Partial, entry.Status);
        Assert.Contains("aws/111122223333/cloudtrail/a.json.gz", entry.Detail, StringComparison.Ordinal);
        Assert.Contains(events, e => e.Action == "ConsoleLogin");
        Assert.True(events.Count > 1, "records before the fault are kept");
    }

    [Fact]
    public void Malformed_json_file_names_file_and_position()
    {
        using var t = new TempFolder();
        t.Write("aws/111122223333/cloudtrail/bad.json", "{\"Records\":[{\"eventTime\":\"2026-11-18T10:00:00Z\",\"eventName\":\"X\"},\n{\"eventName\": oops}]}");
        var coverage = new CoverageLog();
        var events = ReadFolder(t, coverage);
        Assert.Single(events);
        Assert.Matches(@"aws/111122223333/cloudtrail/bad\.json: record 1, line 2", Assert.Single(coverage.Entries).Detail!);
    }

    [Fact]
    public void Session_arn_maps_to_its_role()
    {
        Assert.Equal("arn:aws:iam::123456789012:role/Admin", CloudTrailRecordMapper.RoleArnFromSession("arn:aws:sts::123456789012:assumed-role/Admin/jane"));
        Assert.Equal("jane", CloudTrailRecordMapper.SessionNameOf("arn:aws:sts::123456789012:assumed-role/Admin/jane"));
        Assert.Null(CloudTrailRecordMapper.RoleArnFromSession("arn:aws:iam::123456789012:user/jane"));
    }
}

public class IamReaderTests
{
    [Fact]
    public void Reads_cloudsplaining_authorization_details()
    {
        var inv = new AwsAccountInventory("123456789012");
        IamAuthorizationDetailsReader.Read(TestPaths.Public("cloudsplaining-authz-details.json"), "authz.json", inv);
        Assert.True(inv.Users.Count > 0);
        Assert.True(inv.Roles.Count > 0);
        Assert.True(inv.Policies.Count > 0);
        Assert.All(inv.Roles, r => Assert.StartsWith("arn:aws:iam::", r.Arn, StringComparison.Ordinal));
        Assert.Contains(inv.Roles, r => r.TrustPolicy.Statements.Count > 0);
        Assert.Contains(inv.Policies.Values, p => p.DefaultDocument.Statements.Count > 0);
    }

    [Fact]
    public void Reads_custodian_credential_report()
    {
        var rows = CredentialReportReader.Parse(File.ReadAllText(TestPaths.Public("custodian-credential-report.csv")), "cr.csv");
        Assert.True(rows.Count >= 2);
        var root = Assert.Single(rows, r => r.IsRoot);
        Assert.False(root.PasswordEnabled);
        Assert.All(rows, r => Assert.Equal(2, r.AccessKeys.Count));
    }

    [Fact]
    public void Wrong_credential_report_header_names_line_1_and_the_missing_columns()
    {
        var e = Assert.Throws<InputFormatException>(() => CredentialReportReader.Parse("user,arn,created\nx,y,z\n", "aws/1/iam/credential-report.csv"));
        Assert.Equal("line 1", e.Position);
        Assert.Contains("user_creation_time", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_date_names_line_and_column()
    {
        var csv = File.ReadAllText(TestPaths.Public("custodian-credential-report.csv")).Split('\n');
        var cells = csv[1].Split(',');
        cells[2] = "yesterday";
        var e = Assert.Throws<InputFormatException>(() => CredentialReportReader.Parse(csv[0] + "\n" + string.Join(",", cells) + "\n", "cr.csv"));
        Assert.Equal("line 2, column user_creation_time", e.Position);
    }

    [Fact]
    public void Accepts_the_cli_json_form_of_the_credential_report()
    {
        using var t = new TempFolder();
        var csv = File.ReadAllText(TestPaths.Public("custodian-credential-report.csv"));
        var file = t.Write("cr.csv", System.Text.Json.JsonSerializer.Serialize(new { Content = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(csv)), ReportFormat = "text/csv" }));
        var inv = new AwsAccountInventory("1");
        CredentialReportReader.Read(file, "cr.csv", inv);
        Assert.Equal(CredentialReportReader.Parse(csv, "x").Count, inv.CredentialReport.Count);
    }
}
