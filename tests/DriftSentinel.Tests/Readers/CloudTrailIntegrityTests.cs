using DriftSentinel.Aws;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;
using DriftSentinel.FakeAws;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;

namespace DriftSentinel.Tests.Readers;

/// <summary>Log file integrity validation as <c>aws cloudtrail validate-logs</c> does it, over digests made here with our own key.</summary>
public sealed class CloudTrailIntegrityTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 19, 10, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();
    private readonly DigestedTrail _trail;

    public CloudTrailIntegrityTests()
    {
        _trail = new DigestedTrail(Path.Combine(_temp.Path, "cloudtrail")).Hours(Start, 4);
    }

    public void Dispose()
    {
        _trail.Dispose();
        _temp.Dispose();
    }

    private TrailIntegrity Validate() => CloudTrailIntegrityValidator.Validate("111122223333", _trail.Folder, p => Path.GetRelativePath(_temp.Path, p).Replace('\\', '/'));

    private static IntegrityProblem Only(TrailIntegrity t, IntegrityProblemKind kind)
    {
        var problem = Assert.Single(t.Problems);
        Assert.Equal(kind, problem.Kind);
        return problem;
    }

    [Fact]
    public void An_untouched_chain_verifies_every_digest_and_every_log_file()
    {
        var t = Validate();
        Assert.Empty(t.Problems);
        Assert.True(t.Verifiable, string.Join("; ", t.NotVerifiable));
        Assert.Equal((4, 4, 4, 4, 4), (t.Digests, t.DigestsVerified, t.LogFilesListed, t.LogFilesVerified, t.LogFilesPresent));
        Assert.Equal((Start, Start.AddHours(4)), (t.From!.Value, t.To!.Value));
    }

    [Fact]
    public void Flags_a_log_file_altered_after_delivery()
    {
        DigestedTrail.Rewrite(_trail.LogFiles[1], json => json.Replace("ListBuckets", "DeleteBucket", StringComparison.Ordinal));
        var problem = Only(Validate(), IntegrityProblemKind.LogFileAltered);
        Assert.EndsWith(Path.GetFileName(_trail.LogFiles[1]), problem.File, StringComparison.Ordinal);
        Assert.Contains("changed after delivery", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_log_file_listed_in_a_digest_but_deleted()
    {
        File.Delete(_trail.LogFiles[2]);
        var problem = Only(Validate(), IntegrityProblemKind.LogFileMissing);
        Assert.EndsWith(Path.GetFileName(_trail.LogFiles[2]), problem.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_log_file_no_digest_lists_within_the_digested_period()
    {
        var added = _trail.WriteLog(Start.AddHours(2).AddMinutes(30), "planted");
        var problem = Only(Validate(), IntegrityProblemKind.LogFileUnlisted);
        Assert.EndsWith(Path.GetFileName(added), problem.File, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_file_delivered_after_the_last_digest_is_not_yet_digested_and_not_a_problem()
    {
        _trail.WriteLog(Start.AddHours(4).AddMinutes(10), "fresh");
        Assert.Empty(Validate().Problems);
    }

    [Theory]
    [InlineData("an empty gzip member")]
    [InlineData("bytes that are not gzip")]
    public void Flags_data_appended_after_the_gzip_member(string what)
    {
        // An empty member leaves the inflated content, and so its hash, unchanged: only the trailer check sees it.
        byte[] appended = what == "an empty gzip member"
            ? [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            : "not gzip at all"u8.ToArray();
        using (var stream = new FileStream(_trail.LogFiles[0], FileMode.Append))
        {
            stream.Write(appended);
        }

        var problem = Assert.Single(Validate().Problems);
        Assert.Contains(problem.Kind, new[] { IntegrityProblemKind.LogFileTrailingData, IntegrityProblemKind.Unreadable });
        Assert.EndsWith(Path.GetFileName(_trail.LogFiles[0]), problem.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_digest_whose_signature_no_longer_verifies_and_the_chain_it_breaks()
    {
        // Whoever edits a digest to hide a log file cannot re-sign it; the next digest's record of it no longer matches either.
        DigestedTrail.Rewrite(_trail.Digests[1], json => json.Replace("\"logFiles\":[{", "\"logFiles\":[{\"x\":1,", StringComparison.Ordinal));
        var t = Validate();
        Assert.Equal([IntegrityProblemKind.DigestSignatureInvalid, IntegrityProblemKind.ChainBroken], t.Problems.Select(p => p.Kind).Order());
        Assert.Equal(3, t.DigestsVerified);
    }

    [Fact]
    public void Flags_a_digest_signed_with_a_key_the_snapshot_does_not_hold()
    {
        File.WriteAllText(Path.Combine(_trail.Folder, "public-keys.json"), """{"PublicKeyList":[]}""");
        var t = Validate();
        Assert.Equal(4, t.Problems.Count(p => p.Kind == IntegrityProblemKind.DigestKeyUnknown));
        Assert.Equal(0, t.DigestsVerified);
    }

    [Fact]
    public void Flags_a_deleted_digest_as_a_hole_in_the_chain()
    {
        File.Delete(_trail.Digests[2]);
        var t = Validate();
        var problem = Only(t, IntegrityProblemKind.DigestMissing);
        Assert.Contains("unproven", problem.Detail, StringComparison.Ordinal);

        // The hour that digest covered is unproven, not "unlisted": its log file is accounted for as not verifiable.
        Assert.False(t.Verifiable);
        Assert.Contains(Path.GetFileName(_trail.LogFiles[2]), Assert.Single(t.NotVerifiable), StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_chain_that_restarts_after_validation_was_off()
    {
        _trail.Hours(Start.AddHours(6), 2, restartChain: true);
        var problem = Only(Validate(), IntegrityProblemKind.ChainRestarted);
        Assert.Contains("log file validation was disabled", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_digest_moved_from_where_it_was_delivered()
    {
        var moved = _trail.Digests[3].Replace("us-east-1_20261119T140000Z", "us-east-1_20261119T140001Z", StringComparison.Ordinal);
        File.Move(_trail.Digests[3], moved);
        File.Move(_trail.Digests[3] + ".head-object.json", moved + ".head-object.json");
        Only(Validate(), IntegrityProblemKind.DigestMoved);
    }

    [Fact]
    public void Log_files_without_any_digest_make_the_trail_not_verifiable_rather_than_clean()
    {
        foreach (var digest in _trail.Digests)
        {
            File.Delete(digest);
        }

        var t = Validate();
        Assert.False(t.Verifiable);
        Assert.Contains("no digest file", Assert.Single(t.NotVerifiable), StringComparison.Ordinal);
    }

    [Fact]
    public void A_digest_without_its_signature_metadata_is_not_verifiable()
    {
        File.Delete(_trail.Digests[0] + ".head-object.json");
        var t = Validate();
        Assert.False(t.Verifiable);
        Assert.Contains("aws s3api head-object", Assert.Single(t.NotVerifiable), StringComparison.Ordinal);
        Assert.Equal(3, t.DigestsVerified);
    }

    [Fact]
    public void A_scan_reports_an_altered_and_a_deleted_log_file_as_DS_LOG_002_and_the_proof_in_coverage()
    {
        DigestedTrail.Rewrite(_trail.LogFiles[1], json => json.Replace("ListBuckets", "DeleteBucket", StringComparison.Ordinal));
        File.Delete(_trail.LogFiles[3]);
        var result = Scan(partial: false);

        var findings = result.Findings.Where(f => f.RuleId == "DS-LOG-002").ToList();
        Assert.Equal(["CloudTrail log file altered after delivery", "CloudTrail log file deleted after delivery"],
            findings.Select(f => f.Message[..f.Message.IndexOf(" in account", StringComparison.Ordinal)]).Order());
        Assert.All(findings, f => Assert.Equal((Severity.Critical, "prod"), (f.Severity, f.Environment)));
        var coverage = Assert.Single(result.Coverage, c => c.Source == "aws.cloudtrail.integrity");
        Assert.StartsWith("integrity verified 2026-11-19T10:00Z–2026-11-19T14:00Z: 4 of 4 digest(s) verified, 2 of 4 listed log file(s) match, 2 problem(s)", coverage.Detail, StringComparison.Ordinal);

        // A worker's scope job validates the trail it reads; the merged result says the same.
        var merged = Scan(partial: true);
        Assert.Equal(result.Findings.Select(f => (f.Fingerprint, f.Message)), merged.Findings.Select(f => (f.Fingerprint, f.Message)));
        Assert.Equal(result.Coverage, merged.Coverage);
    }

    private ScanResult Scan(bool partial)
    {
        var baseline = BaselineLoader.Parse("version: 1\norganization: X\nenvironments:\n  - name: prod\n    tier: production\n    aws_accounts: [\"111122223333\"]\n", "b.yaml");
        var catalogue = RuleCatalogue.Load(Path.Combine(TestPaths.RepositoryRoot, "rules"));
        var root = _temp.Path;
        var snapshot = Path.Combine(root, "snapshot");
        if (!Directory.Exists(snapshot))
        {
            Directory.CreateDirectory(Path.Combine(snapshot, "aws", "111122223333"));
            Directory.Move(_trail.Folder, Path.Combine(snapshot, "aws", "111122223333", "cloudtrail"));
        }

        var asOf = Start.AddDays(1);
        var engine = new ScanEngine(catalogue) { Threads = 2 };
        if (!partial)
        {
            return engine.Run(SourceModules.Default().Read(snapshot, baseline), baseline, asOf, "t");
        }

        using var state = new MemoryStream();
        engine.EvaluatePartial(SourceModules.Default().Read(snapshot, baseline), baseline, asOf, s => s.Name.StartsWith("aws/", StringComparison.Ordinal), state);
        return engine.Run(SourceModules.Default().Read(snapshot, baseline), baseline, asOf, "t", null, [state.ToArray()]);
    }
}
