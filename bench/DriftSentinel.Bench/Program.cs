using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Rules;
using DriftSentinel.Worker;

namespace DriftSentinel.Bench;

/// <summary>
/// Measures (1) the demo scan, end to end with reports, over repeated runs, and (2) peak memory of a scan over a
/// generated CloudTrail folder of gzip log files in the S3 delivery layout. Usage:
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- demo [runs]
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- trail [events] [folder] [busy|accounts|principals|findings]
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- findings [count]   (report writing at scale)
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- live [accounts] [events-per-region] [lookup|s3]
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- live-azure [subscriptions]
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- live-pipelines [repositories-per-provider]
///   dotnet run -c Release --project bench/DriftSentinel.Bench -- floor [folder] [threads]   (gunzip + Utf8JsonReader, no mapping)
///     (live AWS: driftsentinel snapshot, as a separate process, against a WireMock organization that throttles every
///      operation once per account and region; compares the findings with the hand-made snapshot's)
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var mode = args.FirstOrDefault() ?? "demo";
        return mode switch
        {
            "demo" => Demo(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20),
            "trail" => Trail(args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000, args.Length > 2 ? args[2] : null, TrailShape.Named(args.Length > 3 ? args[3] : "busy"), args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : Environment.ProcessorCount),
            "findings" => ManyFindings(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000),
            "live" => LiveCollectionBench.Run(
                args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60,
                args.Length > 3 ? args[3] : "lookup"),
            "live-azure" => LiveAzureBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10),
            "demo-digests" => DemoDigests.Run(args.Length > 1 ? args[1] : Path.Combine("demo", "snapshot")),
            "integrity" => IntegrityBench.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "ds-bench-trail-1000000"), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.ProcessorCount),
            "floor" => ParseFloorBench.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "ds-bench-trail-1000000"), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1),
            "rule-cost" => RuleCostBench.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "ds-bench-trail-1000000"), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.ProcessorCount, TrailShape.Named(args.Length > 3 ? args[3] : "busy")),
            "live-pipelines" => PipelineCollectionBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20),
            "fake-github" => FakeGitHub(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8089),
            _ => Usage(),
        };
    }

    /// <summary>
    /// A local GitHub Issues fake for the runnable tickets example (docs/operations.md): token ghs_demo, every request
    /// printed, the issues listed when stdin closes or Ctrl+C is pressed.
    /// </summary>
    private static int FakeGitHub(int port)
    {
        using var github = new DriftSentinel.FakeAws.FakeGitHubIssues("ghs_demo", port) { Log = line => Console.WriteLine(line) };
        Console.WriteLine($"GitHub Issues fake on {github.Url} (token ghs_demo); Ctrl+C or end of input stops it");
        using var stop = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Set();
        };
        _ = Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }

            stop.Set();
        });
        stop.Wait();
        foreach (var issue in github.Issues("example/security-drift"))
        {
            Console.WriteLine($"#{issue["number"]} {issue["state"]} {issue["state_reason"]} {issue["title"]}");
        }

        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: bench demo [runs] | bench trail [events] [folder] [busy|accounts|principals|findings] [threads] | bench findings [count] | bench live [accounts] [events-per-region] [lookup|s3] | bench live-azure [subscriptions] | bench live-pipelines [per-provider] | bench floor [folder] [threads] | bench integrity [folder] [threads] | bench demo-digests [demo-snapshot] | bench rule-cost [folder] [threads] [shape] | bench fake-github [port]");
        return 2;
    }

    private static int Demo(int runs)
    {
        var demo = DemoLocator.Find();
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var outDir = Path.Combine(Path.GetTempPath(), "ds-bench-demo");
        var times = new List<double>();
        for (var i = 0; i < runs + 3; i++)
        {
            var sw = Stopwatch.StartNew();
            var baseline = BaselineLoader.Load(Path.Combine(demo, "baseline.yaml"));
            var result = ScanCommand.Scan(Path.Combine(demo, "snapshot"), baseline, catalogue, DemoLocator.AsOf(demo), "demo");
            OutputModules.Reports().WriteAll(result, outDir);
            sw.Stop();
            if (i >= 3)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        Console.WriteLine($"demo scan (baseline + read + evaluate + 5 reports), {runs} runs after 3 warm-up: median {times[times.Count / 2]:0.0} ms, min {times[0]:0.0} ms, max {times[^1]:0.0} ms");
        return 0;
    }

    private static int Trail(long events, string? folder, TrailShape shape, int threads)
    {
        var root = folder ?? Path.Combine(Path.GetTempPath(), $"ds-bench-trail-{shape.Name}-{events}");
        var sw = Stopwatch.StartNew();
        var (files, bytes) = Generate(root, events, shape);
        Console.WriteLine($"generated {events:N0} events ({shape}) in {files:N0} .json.gz files ({bytes / 1048576.0:0.0} MiB compressed) in {sw.Elapsed.TotalSeconds:0.0} s: {root}");

        GC.Collect();
        var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Paused: GC.GetTotalPauseDuration());
        var before = Process.GetCurrentProcess().WorkingSet64;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var demo = DemoLocator.Find();
        var baseline = shape.Accounts.Length == 3 ? BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")) : BaselineLoader.Parse(shape.Baseline(), "bench-baseline.yaml");
        if (shape.Accounts.Length != 3)
        {
            // Beside the folder, for scanning it with the CLI or a worker profile.
            File.WriteAllText(root.TrimEnd(Path.DirectorySeparatorChar) + "-baseline.yaml", shape.Baseline());
        }

        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        sw.Restart();
        var result = new ScanEngine(catalogue) { Threads = threads }.Run(SourceModules.Default().Read(root, baseline), baseline, new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero), "bench");
        sw.Stop();
        if (int.TryParse(Environment.GetEnvironmentVariable("DS_BENCH_PAUSE_SECONDS"), CultureInfo.InvariantCulture, out var pause))
        {
            // Time to take a heap snapshot of the finished scan (dotnet-gcdump collect -p PID).
            Console.WriteLine($"pausing {pause} s for a heap snapshot of process {Environment.ProcessId}");
            Thread.Sleep(TimeSpan.FromSeconds(pause));
            GC.KeepAlive(result);
        }

        if (Environment.GetEnvironmentVariable("DS_BENCH_AGAIN") == "1")
        {
            // A second scan in the same process: what the first pays for JIT and warm-up.
            var again = Stopwatch.StartNew();
            new ScanEngine(catalogue) { Threads = threads }.Run(SourceModules.Default().Read(root, baseline), baseline, new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero), "bench");
            Console.WriteLine($"second scan in the same process: {again.Elapsed.TotalSeconds:0.00} s");
        }

        var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"scanned {result.Run.EventsRead:N0} events on {threads} thread(s) in {sw.Elapsed.TotalSeconds:0.00} s ({result.Run.EventsRead / sw.Elapsed.TotalSeconds:N0} events/s), {result.Findings.Count:N0} findings");
        Console.WriteLine($"peak working set {process.PeakWorkingSet64 / 1048576.0:0} MiB (before scan {before / 1048576.0:0} MiB), GC heap after scan {GC.GetTotalMemory(false) / 1048576.0:0} MiB, scan allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1048576.0:N0} MiB ({(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)Math.Max(1, result.Run.EventsRead):N0} bytes per event)");
        Console.WriteLine($"garbage collections during the scan: gen0 {GC.CollectionCount(0) - gcBefore.Gen0}, gen1 {GC.CollectionCount(1) - gcBefore.Gen1}, gen2 {GC.CollectionCount(2) - gcBefore.Gen2}, paused {(GC.GetTotalPauseDuration() - gcBefore.Paused).TotalSeconds:0.00} s");
        Console.WriteLine($"findings by rule: {string.Join(", ", result.Findings.GroupBy(f => f.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}"))}");
        return 0;
    }

    /// <summary>A scan with one DS-ACC-001 finding per distinct IAM user signing in to production, to time the reports.</summary>
    private static int ManyFindings(int count)
    {
        var root = Path.Combine(Path.GetTempPath(), $"ds-bench-findings-{count}");
        var dir = Path.Combine(root, "aws", "111122223333", "cloudtrail");
        Directory.CreateDirectory(dir);
        using (var w = new StreamWriter(Path.Combine(dir, "logins.json"), false, new UTF8Encoding(false)))
        {
            w.Write("{\"Records\":[");
            for (var i = 0; i < count; i++)
            {
                w.Write(i == 0 ? "" : ",");
                w.Write($$"""{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDA{{i}}","arn":"arn:aws:iam::111122223333:user/person{{i}}","accountId":"111122223333","userName":"person{{i}}"},"eventTime":"2026-11-18T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"},"eventID":"{{Guid.NewGuid()}}","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}""");
            }

            w.Write("]}");
        }

        var demo = DemoLocator.Find();
        var result = ScanCommand.Scan(root, BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")), RuleCatalogue.Load(RuleCatalogue.LocateFolder()),
            new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero), "bench");
        var outDir = Path.Combine(root, "out");
        var sw = Stopwatch.StartNew();
        OutputModules.Reports().WriteAll(result, outDir);
        sw.Stop();
        Console.WriteLine($"{result.Findings.Count:N0} findings: {OutputModules.Reports().FileNames.Count} reports and the manifest written in {sw.Elapsed.TotalSeconds:0.00} s; " +
            string.Join(", ", OutputModules.Reports().FileNames.Select(f => $"{f} {new FileInfo(Path.Combine(outDir, f)).Length / 1048576.0:0.0} MiB")));
        return 0;
    }

    /// <summary>Writes CloudTrail log files of 5,000 records each, the size CloudTrail delivers every few minutes for a busy account.</summary>
    private static (int Files, long Bytes) Generate(string root, long events, TrailShape shape)
    {
        if (Directory.Exists(root))
        {
            var existing = Directory.EnumerateFiles(root, "*.json.gz", SearchOption.AllDirectories).ToList();
            if (existing.Count > 0)
            {
                return (existing.Count, existing.Sum(f => new FileInfo(f).Length));
            }
        }

        var accounts = shape.Accounts;
        string[] reads = ["GetObject", "ListBuckets", "DescribeInstances", "Decrypt", "GetParameter", "HeadObject", "ListObjects"];
        var random = new Random(42);
        const int perFile = 5000;
        var files = 0;
        long bytes = 0;
        var start = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

        // A busy organization: most calls are reads by workload roles; a few writes, deploys and console logins.
        string Identity(string account, out string name)
        {
            var roll = random.Next(100);
            if (roll < 95 - shape.UserShare)
            {
                var role = $"app-role-{random.Next(20)}";
                name = reads[random.Next(reads.Length)];
                if (roll >= 88)
                {
                    name = "PutObject";
                }

                return $$"""{"type":"AssumedRole","principalId":"AROAEXAMPLE{{role}}:i-0abc","arn":"arn:aws:sts::{{account}}:assumed-role/{{role}}/i-0abc{{random.Next(50)}}","accountId":"{{account}}","accessKeyId":"ASIA{{random.Next(1_000_000):D16}}","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE{{role}}","arn":"arn:aws:iam::{{account}}:role/{{role}}","accountId":"{{account}}","userName":"{{role}}"},"attributes":{"creationDate":"2026-10-01T00:00:00Z","mfaAuthenticated":"false"} } }""";
            }

            if (roll < 98 - shape.UserShare)
            {
                name = "UpdateFunctionCode20150331v2";
                return $$"""{"type":"AssumedRole","principalId":"AROAEXAMPLEDEPLOY:GitHubActions","arn":"arn:aws:sts::{{account}}:assumed-role/github-deploy/GitHubActions","accountId":"{{account}}","accessKeyId":"ASIAEXAMPLEDEPLOY0","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEDEPLOY","arn":"arn:aws:iam::{{account}}:role/github-deploy","accountId":"{{account}}","userName":"github-deploy"},"attributes":{"creationDate":"2026-10-01T00:00:00Z","mfaAuthenticated":"false"} } }""";
            }

            if (shape.RootShare > 0 && random.NextDouble() < shape.RootShare)
            {
                name = "ConsoleLogin";
                return $$"""{"type":"Root","principalId":"{{account}}","arn":"arn:aws:iam::{{account}}:root","accountId":"{{account}}","accessKeyId":""}""";
            }

            var user = $"user{random.Next(shape.Users)}";
            if (shape.TamperShare > 0 && random.NextDouble() < shape.TamperShare)
            {
                name = random.Next(2) == 0 ? "StopLogging" : "DeleteTrail";
            }
            else
            {
                name = random.Next(2) == 0 ? "ConsoleLogin" : reads[random.Next(reads.Length)];
            }

            return $$"""{"type":"IAMUser","principalId":"AIDA{{user}}","arn":"arn:aws:iam::{{account}}:user/{{user}}","accountId":"{{account}}","accessKeyId":"AKIAEXAMPLE{{user.PadLeft(9, '0')}}","userName":"{{user}}"}""";
        }

        for (long written = 0; written < events; files++)
        {
            var account = accounts[files % accounts.Length];
            var time = start.AddSeconds(written * 4_000_000.0 / events);
            var dir = Path.Combine(root, "aws", account, "cloudtrail", "AWSLogs", account, "CloudTrail", "us-east-1", time.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"{account}_CloudTrail_us-east-1_{time:yyyyMMddTHHmm}Z_{files:x8}.json.gz");
            using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            using (var w = new StreamWriter(gz, new UTF8Encoding(false), 1 << 16))
            {
                w.Write("{\"Records\":[");
                var n = (int)Math.Min(perFile, events - written);
                for (var i = 0; i < n; i++)
                {
                    var t = time.AddMilliseconds(i * 50);
                    var identity = Identity(account, out var name);
                    var source = name.StartsWith("Update", StringComparison.Ordinal) ? "lambda" : name == "ConsoleLogin" ? "signin" : name is "StopLogging" or "DeleteTrail" ? "cloudtrail" : "s3";
                    var readOnly = name is not ("PutObject" or "ConsoleLogin" or "StopLogging" or "DeleteTrail") && !name.StartsWith("Update", StringComparison.Ordinal);
                    var mfa = shape.NoMfaShare > 0 && random.NextDouble() < shape.NoMfaShare ? "No" : "Yes"; // no draw for "busy": its data stays what it was
                    w.Write(i == 0 ? "" : ",");
                    w.Write($$"""{"eventVersion":"1.08","userIdentity":{{identity}},"eventTime":"{{t:yyyy-MM-ddTHH:mm:ssZ}}","eventSource":"{{source}}.amazonaws.com","eventName":"{{name}}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.{{random.Next(255)}}","userAgent":"aws-cli/2.15.30 Python/3.11.8","requestParameters":{"bucketName":"bucket-{{random.Next(50)}}","key":"data/{{random.Next(1_000_000)}}.csv"},"responseElements":{{(name == "ConsoleLogin" ? "{\"ConsoleLogin\":\"Success\"}" : "null")}},"additionalEventData":{"MFAUsed":"{{mfa}}"},"requestID":"{{Guid.NewGuid()}}","eventID":"{{Guid.NewGuid()}}","readOnly":{{(readOnly ? "true" : "false")}},"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{{account}}","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"s3.amazonaws.com"} }""");
                }

                w.Write("]}");
                written += n;
            }

            bytes += new FileInfo(path).Length;
        }

        return (files, bytes);
    }
}

/// <summary>
/// What a generated trail looks like: the demo's three accounts and 100 IAM users by default ("busy"); many accounts
/// ("accounts": 24, half production), many principals ("principals": 100,000 IAM users), many findings ("findings":
/// 100,000 users, a third of console logins without MFA, root sign-ins and trail tampering).
/// </summary>
internal sealed record TrailShape(string Name, string[] Accounts, int Users, int UserShare, double NoMfaShare, double RootShare, double TamperShare)
{
    public static TrailShape Named(string name) => name switch
    {
        "busy" => new("busy", ["111122223333", "444455556666", "777788889999"], 100, 0, 0, 0, 0),
        "accounts" => new("accounts", Many(24), 100, 0, 0, 0, 0),
        "principals" => new("principals", Many(24), 100_000, 20, 0, 0, 0),
        "findings" => new("findings", Many(24), 100_000, 20, 0.33, 0.001, 0.001),
        _ => throw new ArgumentException($"unknown trail shape '{name}' (busy, accounts, principals, findings)"),
    };

    private static string[] Many(int n) => [.. Enumerable.Range(0, n).Select(i => (210000000000L + i).ToString(CultureInfo.InvariantCulture))];

    /// <summary>Half the accounts production, half staging, the pipeline role a deployer.</summary>
    public string Baseline() => $$"""
        version: 1
        organization: Bench
        environments:
          - name: prod
            tier: production
            aws_accounts: [{{string.Join(", ", Accounts.Where((_, i) => i % 2 == 0).Select(a => $"\"{a}\""))}}]
          - name: staging
            tier: non-production
            aws_accounts: [{{string.Join(", ", Accounts.Where((_, i) => i % 2 == 1).Select(a => $"\"{a}\""))}}]
        deployers:
          - name: pipeline
            aws_roles: ["arn:aws:iam::*:role/github-deploy"]
        break_glass:
          aws_roles: ["arn:aws:iam::*:role/BreakGlass"]
        """;

    public override string ToString() => $"{Name}: {Accounts.Length} accounts, {Users:N0} IAM users, {NoMfaShare:P0} of logins without MFA";
}
