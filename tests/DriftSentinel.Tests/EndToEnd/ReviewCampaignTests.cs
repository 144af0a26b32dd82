using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.EndToEnd;

/// <summary>
/// The access review as a closed loop on a copy of the demo: a recorded run, a campaign opened on its access review,
/// the sheet exported, filled in and imported (and a bad sheet refused row by row), then a later run that finds one
/// revoked role gone (carried out, with the run as proof) and the other still there after its due date (DS-REV-001).
/// </summary>
public sealed class ReviewCampaignTests
{
    private const string LegacyAdmin = "arn:aws:iam::111122223333:role/legacy-admin";
    private const string OpsAdmin = "arn:aws:iam::111122223333:role/ops-admin";

    [Fact]
    public void Start_export_import_then_a_later_run_verifies_one_revocation_and_flags_one_overdue()
    {
        using var temp = new TempFolder();
        var demo = Path.Combine(temp.Path, "demo");
        Copy(DemoLocator.Find(), demo);
        var db = Path.Combine(temp.Path, "history.db");
        string[] Scan(string outName, string asOf) =>
            ["scan", "--snapshot", Path.Combine(demo, "snapshot"), "--baseline", Path.Combine(demo, "baseline.yaml"), "--as-of", asOf, "--history", db, "--profile", "nightly", "--out", Path.Combine(temp.Path, outName)];

        var first = Cli.Run(Scan("r1", "2026-11-20T12:00:00Z"));
        Assert.True(first.Exit == 0, first.Stderr);

        // Start: every access-review row of the run, each with a reviewer (the baseline's owner, else the fallback).
        var sheets = Path.Combine(temp.Path, "sheets");
        var start = Cli.Run("review", "start", "--history", db, "--profile", "nightly", "--fallback-reviewer", "secops", "--remediation-days", "5", "--by", "carla", "--out", sheets);
        Assert.True(start.Exit == 0, start.Stderr);
        Assert.Contains("Campaign rv-nightly-run1 \"Access review nightly as of 2026-11-20\"", start.Stdout, StringComparison.Ordinal);
        var rows = ReadSheet(Path.Combine(sheets, "all.csv"));
        Assert.Equal(File.ReadAllLines(Path.Combine(temp.Path, "r1", "access-review.csv")).Length - 1, rows.Count);
        Assert.Equal([0xEF, 0xBB, 0xBF], File.ReadAllBytes(Path.Combine(sheets, "all.csv")).Take(3).ToArray());
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r["reviewer"])));
        var perReviewer = Directory.GetFiles(Path.Combine(sheets, "by-reviewer"), "*.csv");
        Assert.Equal(rows.Count, perReviewer.Sum(f => ReadSheet(f).Count));
        Assert.Contains("already exists", Cli.Run("review", "start", "--history", db, "--profile", "nightly", "--fallback-reviewer", "secops", "--by", "carla").Stdout, StringComparison.Ordinal);

        // A bad sheet is refused row by row, and nothing of it is recorded.
        var bad = rows.Select(r => new Dictionary<string, string>(r)).ToList();
        bad[0]["item_id"] = "0000000000000000";
        bad[1]["principal_id"] = "arn:aws:iam::111122223333:role/someone-else";
        bad[1]["decision"] = "keep";
        bad[2]["decision"] = "delete";
        bad[3]["decision"] = "revoke";
        bad[3]["justification"] = "";
        var badFile = Path.Combine(temp.Path, "bad.csv");
        WriteSheet(badFile, bad);
        var refused = Cli.Run("review", "import", badFile, "--history", db);
        Assert.Equal(ExitCodes.Usage, refused.Exit);
        Assert.Contains("bad.csv row 2, item_id: '0000000000000000' is not a row of campaign rv-nightly-run1", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("bad.csv row 3, principal_id: changed from", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("bad.csv row 4, decision: 'delete' is not keep, revoke or modify", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("bad.csv row 5, justification: a revoke decision needs a justification", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("4 error(s); no decision was recorded.", refused.Stderr, StringComparison.Ordinal);

        // The signed sheet: revoke two admin roles, keep a read-only one.
        var signed = rows.Select(r => new Dictionary<string, string>(r)).ToList();
        void Decide(string principal, string entitlement, string decision, string why)
        {
            var row = signed.Single(r => r["principal_id"] == principal && r["entitlement"] == entitlement);
            row["decision"] = decision;
            row["justification"] = why;
            row["decided_by"] = "alice";
            row["decided_on"] = "2026-11-20";
        }

        Decide(LegacyAdmin, "policy AdministratorAccess", "Revoke", "unused since the 2025 migration");
        Decide(OpsAdmin, "policy AdministratorAccess", "revoke", "ops moves to just-in-time elevation");
        Decide("arn:aws:iam::111122223333:role/reporting-readonly", "policy ReadOnlyAccess", "keep", "");
        var signedFile = Path.Combine(temp.Path, "signed.csv");
        WriteSheet(signedFile, signed);
        var imported = Cli.Run("review", "import", signedFile, "--history", db);
        Assert.True(imported.Exit == 0, imported.Stderr);
        Assert.Contains("3 decision(s) recorded (1 keep, 2 revoke, 0 modify)", imported.Stdout, StringComparison.Ordinal);
        Assert.Contains("remediation due 2026-11-25: revoke policy AdministratorAccess on account 111122223333 for legacy-admin (alice)", imported.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 decision(s) recorded (0 keep, 0 revoke, 0 modify), 3 unchanged", Cli.Run("review", "import", signedFile, "--history", db).Stdout, StringComparison.Ordinal);

        // Someone removes legacy-admin; ops-admin stays. The next run is after the due date.
        var iam = Path.Combine(demo, "snapshot", "aws", "111122223333", "iam", "authorization-details.json");
        var details = JsonNode.Parse(File.ReadAllText(iam))!;
        var roles = details["RoleDetailList"]!.AsArray();
        roles.Remove(roles.Single(r => (string)r!["RoleName"]! == "legacy-admin"));
        File.WriteAllText(iam, details.ToJsonString());
        var later = Cli.Run([.. Scan("r2", "2026-11-27T12:00:00Z"), "--evidence", "soc2"]);
        Assert.True(later.Exit == 0, later.Stderr);

        using var findings = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "r2", "findings.json")));
        var overdue = findings.RootElement.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("rule_id").GetString() == "DS-REV-001").ToList();
        var finding = Assert.Single(overdue);
        Assert.Equal(OpsAdmin, finding.GetProperty("principal").GetString());
        Assert.Equal("high", finding.GetProperty("severity").GetString());
        Assert.Contains("access review rv-nightly-run1 decided to revoke it (alice, 2026-11-20: ops moves to just-in-time elevation), due 2026-11-25", finding.GetProperty("message").GetString(), StringComparison.Ordinal);

        var status = Cli.Run("review", "status", "--history", db);
        Assert.True(status.Exit == 0, status.Stderr);
        Assert.Contains("OVERDUE since 2026-11-25: revoke policy AdministratorAccess on account 111122223333 for ops-admin (decided by alice)", status.Stdout, StringComparison.Ordinal);
        var carried = status.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("carried out ", StringComparison.Ordinal));
        Assert.Contains("carried out 2026-11-27: policy AdministratorAccess on account 111122223333 for legacy-admin: absent from run #2 of nightly as of 2026-11-27T12:00:00Z, which read ", carried, StringComparison.Ordinal);
        Assert.Contains("aws.iam.authorization-details 111122223333 (", carried, StringComparison.Ordinal);
        var all = status.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("all ", StringComparison.Ordinal));
        Assert.Equal([rows.Count, 3, rows.Count - 3, 1, 2, 0, 1, 0, 1], all.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray());

        // The run's evidence pack carries the campaign for the access controls, and the manifest covers it.
        var packed = ReadSheet(Path.Combine(temp.Path, "r2", "evidence", "soc2", "CC6.2", "access-review-decisions.csv"));
        Assert.Equal("carried out", packed.Single(r => r["principal_id"] == LegacyAdmin && r["entitlement"] == "policy AdministratorAccess")["remediation"]);
        Assert.Equal(0, Cli.Run("verify", Path.Combine(temp.Path, "r2")).Exit);

        // The exported sheet now carries the proof of removal beside the decision: the campaign's evidence.
        Assert.Equal(0, Cli.Run("review", "export", "rv-nightly-run1", "--history", db, "--out", Path.Combine(temp.Path, "after")).Exit);
        var after = ReadSheet(Path.Combine(temp.Path, "after", "all.csv"));
        var legacy = after.Single(r => r["principal_id"] == LegacyAdmin && r["entitlement"] == "policy AdministratorAccess");
        Assert.Equal("carried out", legacy["remediation"]);
        Assert.StartsWith("absent from run #2", legacy["proof"], StringComparison.Ordinal);
        Assert.Equal("overdue", after.Single(r => r["principal_id"] == OpsAdmin && r["entitlement"] == "policy AdministratorAccess")["remediation"]);
    }

    private static List<Dictionary<string, string>> ReadSheet(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
        {
            rows.Add(csv.HeaderRecord!.ToDictionary(h => h, h => csv.GetField(h) ?? "", StringComparer.Ordinal));
        }

        return rows;
    }

    private static void WriteSheet(string path, List<Dictionary<string, string>> rows)
    {
        using var writer = new StreamWriter(path);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var h in rows[0].Keys)
        {
            csv.WriteField(h);
        }

        csv.NextRecord();
        foreach (var r in rows)
        {
            foreach (var v in r.Values)
            {
                csv.WriteField(v);
            }

            csv.NextRecord();
        }
    }

    private static void Copy(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
