using System.Diagnostics;
using System.IO.Compression;
using DriftSentinel.Aws;
using DriftSentinel.FakeAws;

namespace DriftSentinel.Bench;

/// <summary>
/// Issue 16's validation throughput: digests a generated trail as CloudTrail would (own key, once, kept beside the
/// logs), then times <see cref="CloudTrailIntegrityValidator"/> over every account against the bare floor of
/// inflating the same log files on the same threads, in the same run.
/// </summary>
internal static class IntegrityBench
{
    public static int Run(string folder, int threads)
    {
        var trails = Directory.EnumerateDirectories(Path.Combine(folder, "aws")).Order(StringComparer.Ordinal)
            .Select(d => (Account: Path.GetFileName(d), Folder: Path.Combine(d, "cloudtrail"))).Where(t => Directory.Exists(t.Folder)).ToList();
        if (trails.Count == 0)
        {
            Console.Error.WriteLine($"no aws/ACCOUNT/cloudtrail under {folder} (make one with: bench trail 1000000 {folder})");
            return 2;
        }

        foreach (var (account, trail) in trails.Where(t => !Directory.EnumerateFiles(t.Folder, "*.json.gz", SearchOption.AllDirectories).Any(CloudTrailIntegrityValidator.IsDigest)))
        {
            var regions = Directory.EnumerateDirectories(Path.Combine(trail, "AWSLogs", account, "CloudTrail")).Select(Path.GetFileName).ToList();
            using var signer = new DigestedTrail(trail, account, regions.Single()!);
            signer.DigestExisting();
            Console.WriteLine($"digested {account}: {signer.Digests.Count} digest(s) over {signer.LogFiles.Count} log file(s)");
        }

        var logs = trails.SelectMany(t => Directory.EnumerateFiles(t.Folder, "*.json.gz", SearchOption.AllDirectories)).Where(CloudTrailIntegrityValidator.IsDeliveredLog).ToList();
        for (var round = 0; round < 2; round++)
        {
            var floor = Stopwatch.StartNew();
            long inflated = 0;
            Parallel.ForEach(logs, new ParallelOptions { MaxDegreeOfParallelism = threads }, file =>
            {
                using var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
                var buffer = new byte[81920];
                long n = 0;
                int read;
                while ((read = gz.Read(buffer)) > 0)
                {
                    n += read;
                }

                Interlocked.Add(ref inflated, n);
            });
            floor.Stop();

            var validate = Stopwatch.StartNew();
            var results = trails.Select(t => CloudTrailIntegrityValidator.Validate(t.Account, t.Folder, f => f, threads)).ToList();
            validate.Stop();
            var digests = results.Sum(r => r.Digests);
            var files = results.Sum(r => r.LogFilesVerified);
            Console.WriteLine($"round {round + 1}: validated {digests:N0} digest(s) and {files:N0} of {results.Sum(r => r.LogFilesListed):N0} log file(s) ({inflated / 1048576.0:N0} MiB inflated) on {threads} thread(s) in {validate.Elapsed.TotalSeconds:F2} s: "
                + $"{digests / validate.Elapsed.TotalSeconds:N0} digests/s, {files / validate.Elapsed.TotalSeconds:N0} log files/s, {inflated / 1048576.0 / validate.Elapsed.TotalSeconds:N0} MiB/s; "
                + $"gunzip floor {floor.Elapsed.TotalSeconds:F2} s ({validate.Elapsed.TotalSeconds / floor.Elapsed.TotalSeconds:F2}x); problems {results.Sum(r => r.Problems.Count)}");
        }

        return 0;
    }
}

/// <summary>
/// Gives the demo's production account digests as CloudTrail delivers them, then changes the trail the way issue 16's
/// demo shows: one log file altered after delivery (a deploy's source IP rewritten) and one deleted. Run after
/// demo/tools/make_demo.py (which writes the logs; signing needs .NET): <c>bench demo-digests demo/snapshot</c>.
/// </summary>
internal static class DemoDigests
{
    public static int Run(string snapshot)
    {
        const string account = "111122223333";
        var folder = Path.Combine(snapshot, "aws", account, "cloudtrail");
        var digests = Path.Combine(folder, "AWSLogs", account, "CloudTrail-Digest");
        if (Directory.Exists(digests))
        {
            Directory.Delete(digests, recursive: true);
        }

        using var trail = new DigestedTrail(folder, account, "us-east-1");
        var deleted = trail.WriteLog(new DateTimeOffset(2026, 11, 18, 22, 40, 0, TimeSpan.Zero), "demo-deleted-after-delivery");
        trail.DigestExisting();
        File.Delete(deleted);
        var altered = Directory.EnumerateFiles(folder, "*_20261118T2215Z_*.json.gz", SearchOption.AllDirectories).Single();
        DigestedTrail.Rewrite(altered, json => json.Replace("203.0.113.144", "198.51.100.7", StringComparison.Ordinal));
        Console.WriteLine($"{trail.Digests.Count} digest(s) for {account}; altered {Path.GetFileName(altered)}, deleted {Path.GetFileName(deleted)}");
        return 0;
    }
}
