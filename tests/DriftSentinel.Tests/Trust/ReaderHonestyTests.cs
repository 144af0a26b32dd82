using System.Text;
using DriftSentinel.Aws;
using DriftSentinel.Azure;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;
using DriftSentinel.Tests.Support;

namespace DriftSentinel.Tests.Trust;

/// <summary>Records a reader cannot map are counted, and the formats users really export are read.</summary>
public class ReaderHonestyTests
{
    private const string Account = "111122223333";
    private const string Subscription = "12345678-1234-1234-1234-123456789abc";

    private static (List<ActivityEvent> Events, CoverageEntry Coverage) ReadTrail(TempFolder t)
    {
        var coverage = new CoverageLog();
        var events = new CloudTrailFolderStream(t.Path, Path.Combine(t.Path, "aws", Account, "cloudtrail"), Account).Read(coverage).ToList();
        return (events, Assert.Single(coverage.Entries));
    }

    private static (List<ActivityEvent> Events, CoverageEntry Coverage) ReadActivityLog(TempFolder t, string file)
    {
        var coverage = new CoverageLog();
        var stream = new JsonFileActivityStream(t.Path, file, "azure.activity-log", Subscription,
            (el, loc, skips) => AzureActivityMapper.MapActivity(el, Subscription, loc, skips), "value", "records")
        {
            RecordProperties = ["eventDataId", "operationName", "time"],
        };
        var events = stream.Read(coverage).ToList();
        return (events, Assert.Single(coverage.Entries));
    }

    private static string Stratus => "{\"Records\":" + File.ReadAllText(TestPaths.Public("stratus-defense-evasion.cloudtrail-stop.json")) + "}";

    [Fact]
    public void Records_without_an_event_time_are_counted_and_the_file_is_partial()
    {
        using var t = new TempFolder();
        var good = System.Text.Json.JsonDocument.Parse(Stratus).RootElement.GetProperty("Records")[0].GetRawText();
        var noTime = good.Replace("\"eventTime\"", "\"eventTimeX\"", StringComparison.Ordinal);
        t.Write($"aws/{Account}/cloudtrail/mixed.json", $"{{\"Records\":[{good},{noTime},{noTime}]}}");

        var (events, coverage) = ReadTrail(t);

        Assert.Single(events);
        Assert.Equal(CoverageStatus.Partial, coverage.Status);
        Assert.Equal(1, coverage.Items);
        Assert.Contains($"aws/{Account}/cloudtrail/mixed.json: 2 of 3 records skipped: no eventTime, first at record 1", coverage.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_array_of_strings_is_never_a_clean_read_with_zero_events()
    {
        using var t = new TempFolder();
        t.Write($"aws/{Account}/cloudtrail/strings.json", "{\"Records\":[\"ConsoleLogin\",\"StopLogging\"]}");

        var (events, coverage) = ReadTrail(t);

        Assert.Empty(events);
        Assert.Equal(CoverageStatus.Failed, coverage.Status);
        Assert.Contains("2 of 2 records skipped: record is a string, not a JSON object, first at record 0", coverage.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_wrapper_fails_the_file_naming_the_expected_array()
    {
        using var t = new TempFolder();
        t.Write($"aws/{Account}/cloudtrail/wrapped.json", "{\"Logs\":" + Stratus + "}");

        var (_, coverage) = ReadTrail(t);

        Assert.Equal(CoverageStatus.Failed, coverage.Status);
        Assert.Contains("no array found", coverage.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_cloudtrail_records_whose_keys_a_pipeline_lower_cased()
    {
        using var t = new TempFolder();
        t.Copy(TestPaths.Public("panther-lowercased-keys.jsonl"), $"aws/{Account}/cloudtrail/lower.jsonl");

        var (events, coverage) = ReadTrail(t);

        Assert.Equal(CoverageStatus.Read, coverage.Status);
        Assert.Equal(8, events.Count);
        Assert.Contains(events, e => e.Action == "GetRecords" && e.Service == "dynamodb.amazonaws.com" && e.Actor.Id == "arn:aws:test_arn" && e.EventId == "5d4b45ed-a15c-41b6-80e9-031729fa060d");
    }

    [Fact]
    public void Sign_in_style_failures_without_an_error_code_are_failed_events()
    {
        using var t = new TempFolder();
        t.Copy(TestPaths.Public("panther-signin-style-failures.json"), $"aws/{Account}/cloudtrail/failures.json");
        t.Copy(TestPaths.Public("userguide-console-sign-in-ex08.json"), $"aws/{Account}/cloudtrail/console-failure.json");

        var (events, coverage) = ReadTrail(t);

        // Panther redacted the ExternalIdPDirectoryLogin record's eventTime: counted, not silently dropped.
        Assert.Equal(CoverageStatus.Partial, coverage.Status);
        Assert.Contains("eventTime 'redacted' is not a time, first at record 0", coverage.Detail, StringComparison.Ordinal);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.False(e.Succeeded, e.Action));
        Assert.Contains(events, e => e.Action == "PasswordUpdated" && e.ErrorCode == "Failure");
    }

    [Fact]
    public void A_root_identity_with_an_empty_arn_is_still_the_root_user()
    {
        using var t = new TempFolder();
        var text = File.ReadAllText(TestPaths.Public("panther-signin-style-failures.json"));
        t.Write($"aws/{Account}/cloudtrail/failures.json", text.Replace("\"eventTime\": \"redacted\"", "\"eventTime\": \"2019-01-01T00:00:00Z\"", StringComparison.Ordinal));

        var (events, _) = ReadTrail(t);

        var external = events.Single(e => e.Action == "ExternalIdPDirectoryLogin");
        Assert.Equal(PrincipalKind.Root, external.Actor.Kind);
        Assert.Equal("arn:aws:iam::redacted:root", external.Actor.Id);
    }

    [Theory]
    [InlineData("console.amazonaws.com")]
    [InlineData("signin.amazonaws.com")]
    public void A_role_session_issued_by_the_console_is_a_person(string userAgent)
    {
        using var t = new TempFolder();
        var line = File.ReadLines(TestPaths.Public("otrf-ec2-proxy-s3-exfiltration.json")).First(l => l.Contains("\"AssumedRole\"", StringComparison.Ordinal));
        t.Write($"aws/{Account}/cloudtrail/console.jsonl", line.Replace("[aws-cli/1.18.136 Python/3.8.5 Darwin/19.5.0 botocore/1.17.59]", userAgent, StringComparison.Ordinal) + "\n" + line + "\n");

        var (events, _) = ReadTrail(t);

        Assert.Equal(2, events.Count);
        Assert.Equal(PrincipalKind.Human, events[0].Actor.Kind);
        Assert.True(events[0].Interactive);
        Assert.NotEqual(PrincipalKind.Human, events[1].Actor.Kind);
    }

    [Fact]
    public void Reads_the_activity_log_as_diagnostic_settings_export_it()
    {
        using var t = new TempFolder();
        var file = t.Copy(TestPaths.Public("panther-azure-monitor-activity.json"), "activity-log.json");

        var (events, coverage) = ReadActivityLog(t, file);

        Assert.Equal(CoverageStatus.Read, coverage.Status);
        Assert.Equal(4, events.Count);
        var lockDelete = events.Single(e => e.Action == "MICROSOFT.AUTHORIZATION/LOCKS/DELETE");
        Assert.Equal("compromised-admin@company.com", lockDelete.Actor.Id);
        Assert.Equal(PrincipalKind.Human, lockDelete.Actor.Kind);
        Assert.True(lockDelete.Succeeded);
        Assert.Equal(Subscription, lockDelete.AccountId);
        Assert.Equal(new DateTimeOffset(2025, 1, 27, 14, 23, 0, TimeSpan.Zero), lockDelete.Time);
        Assert.NotNull(lockDelete.SourceIp);
        Assert.Contains(events, e => e.Action == "Microsoft.Authorization/elevateAccess/action" && e.Actor.Id == "attacker@example.com");
    }

    [Fact]
    public void Reads_diagnostic_settings_activity_records_one_per_line()
    {
        using var t = new TempFolder();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestPaths.Public("panther-azure-monitor-activity.json")));
        var lines = string.Join("\n", doc.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetRawText().Replace("\n", "", StringComparison.Ordinal)));
        var file = t.Write("activity-log.json", lines + "\n");

        var (events, coverage) = ReadActivityLog(t, file);

        Assert.Equal(CoverageStatus.Read, coverage.Status);
        Assert.Equal(4, events.Count);
    }

    [Fact]
    public void Reads_entra_sign_ins_exported_by_diagnostic_settings_with_their_mfa_requirement()
    {
        using var t = new TempFolder();
        var file = t.Copy(TestPaths.Public("panther-entra-signin-logs.jsonl"), "sign-ins.json");
        var coverage = new CoverageLog();
        var stream = new JsonFileActivityStream(t.Path, file, "entra.sign-ins", "tenant", (el, loc, skips) => AzureActivityMapper.MapSignIn(el, "tenant", loc, skips), "value", "records")
        {
            RecordProperties = ["createdDateTime", "time"],
        };

        var events = stream.Read(coverage).ToList();

        Assert.Equal(15, events.Count);
        Assert.Equal(CoverageStatus.Read, Assert.Single(coverage.Entries).Status);
        var locked = events.First(e => e.ErrorCode == "50053");
        Assert.False(locked.Succeeded);
        Assert.False(locked.MfaUsed);
        Assert.Contains(events, e => e.MfaUsed is null);
    }

    [Theory]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    public void Reads_json_with_a_byte_order_mark_in_every_encoding_windows_tools_write(string encoding)
    {
        using var t = new TempFolder();
        Encoding enc = encoding switch
        {
            "utf-8-bom" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
            "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
            _ => new UnicodeEncoding(bigEndian: true, byteOrderMark: true),
        };
        var path = Path.Combine(t.Path, "aws", Account, "cloudtrail", "bom.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Stratus, enc);

        var (events, coverage) = ReadTrail(t);

        Assert.Equal(CoverageStatus.Read, coverage.Status);
        Assert.Equal("StopLogging", Assert.Single(events).Action);
    }

    [Fact]
    public void Refuses_utf32_naming_the_encoding()
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "aws", Account, "cloudtrail", "utf32.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Stratus, new UTF32Encoding(bigEndian: false, byteOrderMark: true));

        var (_, coverage) = ReadTrail(t);

        Assert.Equal(CoverageStatus.Failed, coverage.Status);
        Assert.Contains("UTF-32", coverage.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_an_inventory_file_with_a_byte_order_mark()
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "role-assignments.json");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Public("custodian-role-assignments.json")), new UTF8Encoding(true));
        var inv = new AzureSubscriptionInventory(Subscription);

        Assert.True(AzureRbacReader.ReadAssignments(path, "role-assignments.json", inv) > 0);
    }

    [Theory]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16le")]
    public void Reads_a_baseline_saved_with_a_byte_order_mark(string encoding)
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "baseline.yaml");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "demo", "baseline.yaml")),
            encoding == "utf-8-bom" ? new UTF8Encoding(true) : new UnicodeEncoding(bigEndian: false, byteOrderMark: true));

        var baseline = DriftSentinel.Core.Baseline.BaselineLoader.Load(path);

        Assert.Equal("Example Corp (demo)", baseline.Organization);
        Assert.Equal(3, baseline.Environments.Count);
    }

    [Fact]
    public void Reads_a_credential_report_saved_with_a_byte_order_mark()
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "credential-report.csv");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Public("custodian-credential-report.csv")), new UTF8Encoding(true));
        var inv = new AwsAccountInventory("644160558196");

        CredentialReportReader.Read(path, "credential-report.csv", inv);

        Assert.Contains(inv.CredentialReport, r => r.IsRoot);
    }

    [Theory]
    [InlineData("Start", "Started.", false)]
    [InlineData("Accept", "Accepted", false)]
    [InlineData("Success", "Succeeded.", true)]
    [InlineData("Failure", "Failed.", false)]
    [InlineData(null, "Succeeded.", true)]
    [InlineData(null, "202", false)]
    [InlineData(null, "200", true)]
    public void Diagnostic_export_results_map_to_outcomes_so_an_operation_counts_once(string? resultType, string resultSignature, bool succeeded)
    {
        var record = $$"""
            {"time":"2026-11-19T10:00:00Z","resourceId":"/subscriptions/{{Subscription}}/resourceGroups/rg/providers/Microsoft.Web/sites/app","operationName":"Microsoft.Web/sites/write",
             "category":"Administrative",{{(resultType is null ? "" : $"\"resultType\":\"{resultType}\",")}}"resultSignature":"{{resultSignature}}","callerIpAddress":"203.0.113.7"}
            """;
        using var doc = System.Text.Json.JsonDocument.Parse(record);

        var e = AzureActivityMapper.MapActivity(doc.RootElement, Subscription, new SourceLocation("activity-log.json", "record 0"))!;

        Assert.Equal(succeeded, e.Succeeded);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Reads_a_credential_report_whatever_its_line_endings(string newline)
    {
        using var t = new TempFolder();
        var lines = File.ReadAllText(TestPaths.Public("custodian-credential-report.csv")).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        var path = t.Write("credential-report.csv", string.Join(newline, lines) + newline);
        var inv = new AwsAccountInventory("644160558196");

        CredentialReportReader.Read(path, "credential-report.csv", inv);

        Assert.Equal(lines.Length - 1, inv.CredentialReport.Count);
    }

    [Fact]
    public void A_credential_report_with_a_duplicated_column_is_an_error_naming_it()
    {
        using var t = new TempFolder();
        var text = File.ReadAllText(TestPaths.Public("custodian-credential-report.csv"));
        var path = t.Write("credential-report.csv", text.Replace("user,arn,", "user,arn,arn,", StringComparison.Ordinal));

        var e = Assert.Throws<InputFormatException>(() => CredentialReportReader.Read(path, "credential-report.csv", new AwsAccountInventory("644160558196")));

        Assert.Contains("column 'arn' appears 2 times", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("object", true)]
    [InlineData("number", false)]
    [InlineData("array", false)]
    public void A_lookup_events_record_whose_cloudtrail_event_is_not_a_string_is_read_or_counted(string kind, bool read)
    {
        using var t = new TempFolder();
        var record = System.Text.Json.JsonDocument.Parse(Stratus).RootElement.GetProperty("Records")[0].GetRawText();
        var value = kind switch { "object" => record, "number" => "42", _ => "[" + record + "]" };
        t.Write($"aws/{Account}/cloudtrail/lookup-events.json", $"{{\"Events\":[{{\"EventId\":\"e1\",\"EventName\":\"StopLogging\",\"CloudTrailEvent\":{value}}}]}}");

        var (events, coverage) = ReadTrail(t);

        Assert.Equal(read ? 1 : 0, events.Count);
        Assert.Equal(read ? CoverageStatus.Read : CoverageStatus.Failed, coverage.Status);
        if (!read)
        {
            Assert.Contains($"CloudTrailEvent is {(kind == "array" ? "an" : "a")} {kind}, expected", coverage.Detail, StringComparison.Ordinal);
        }
    }
}
