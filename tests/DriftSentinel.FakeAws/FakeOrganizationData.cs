using System.Globalization;
using System.Text.Json;
using DriftSentinel.Core.Io;

namespace DriftSentinel.FakeAws;

/// <summary>One CloudTrail record the fake serves, with what LookupEvents lists about it.</summary>
public sealed record FakeEvent(string Id, DateTimeOffset Time, string Region, string Name, string Source, string? Username, string Json);

/// <summary>What one fake account holds: IAM as the CLI exports it, the credential report, CloudTrail records.</summary>
public sealed class FakeAccountData(string id)
{
    public string Id { get; } = id;
    public string? AuthorizationDetailsJson { get; set; }
    public byte[]? CredentialReportCsv { get; set; }
    public List<FakeEvent> Events { get; } = [];
}

/// <summary>A fake organization's data, loaded from a hand-made snapshot folder (DIR/aws/&lt;account&gt;/...).</summary>
public sealed class FakeOrganizationData
{
    public SortedDictionary<string, FakeAccountData> Accounts { get; } = new(StringComparer.Ordinal);

    public static FakeOrganizationData FromSnapshot(string snapshotRoot)
    {
        var data = new FakeOrganizationData();
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(snapshotRoot, "aws")).Order(StringComparer.Ordinal))
        {
            var account = new FakeAccountData(Path.GetFileName(dir));
            var details = Path.Combine(dir, "iam", "authorization-details.json");
            account.AuthorizationDetailsJson = File.Exists(details) ? File.ReadAllText(details) : null;
            var report = Path.Combine(dir, "iam", "credential-report.csv");
            account.CredentialReportCsv = File.Exists(report) ? File.ReadAllBytes(report) : null;
            var trail = Path.Combine(dir, "cloudtrail");
            if (Directory.Exists(trail))
            {
                foreach (var file in Directory.EnumerateFiles(trail, "*.json*", SearchOption.AllDirectories).Where(f => !f.Contains("Digest", StringComparison.Ordinal) && !f.EndsWith("public-keys.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                {
                    account.Events.AddRange(JsonRecordStream.ReadFile(file, file, (e, _) => ToEvent(e), [], "Records", "Events"));
                }
            }

            data.Accounts[account.Id] = account;
        }

        return data;
    }

    private static FakeEvent ToEvent(JsonElement element)
    {
        var json = element.TryGetProperty("CloudTrailEvent", out var inner) ? inner.GetString()! : element.GetRawText();
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string? S(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var identity = r.TryGetProperty("userIdentity", out var u) ? u : default;
        var user = identity.ValueKind == JsonValueKind.Object && identity.TryGetProperty("userName", out var n) ? n.GetString() : null;
        return new FakeEvent(
            S("eventID") ?? Guid.NewGuid().ToString(),
            DateTimeOffset.Parse(S("eventTime")!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            S("awsRegion") ?? "us-east-1",
            S("eventName") ?? "Unknown",
            S("eventSource") ?? "unknown.amazonaws.com",
            user,
            json);
    }
}
