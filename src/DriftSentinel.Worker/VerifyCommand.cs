using System.CommandLine;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Output;

namespace DriftSentinel.Worker;

/// <summary>
/// `verify OUT-DIR` recomputes a report folder (and its run folders) against their manifests and signatures;
/// `verify --history STORE` walks the run chain the history store keeps. Exit 0 when everything matches, 1 when
/// something was altered, missing or re-ordered, 2 for a usage error.
/// </summary>
public static class VerifyCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var folder = new Argument<string?>("OUT-DIR") { Description = "A report folder (scan --out) or a worker's profile folder holding run-NNNNNN folders", Arity = ArgumentArity.ZeroOrOne };
        var key = new Option<string?>("--key") { Description = "PEM public key or certificate the manifests must be signed by" };
        var snapshot = new Option<string?>("--snapshot") { Description = "Re-hash the run's inputs from this snapshot folder (default: OUT-DIR/snapshot when a live scan left one)" };
        var history = new Option<string?>("--history") { Description = "Walk the run chain in this history store (SQLite file or PostgreSQL connection string); with OUT-DIR, also match each folder's manifest to its recorded run" };
        var command = new Command("verify", "Check that reports and recorded runs are as they were written: every file's SHA-256, the signature and the chain of runs");
        command.Arguments.Add(folder);
        command.Options.Add(key);
        command.Options.Add(snapshot);
        command.Options.Add(history);
        command.SetAction(parse => Run(stdout, stderr, parse.GetValue(folder), parse.GetValue(key), parse.GetValue(snapshot), parse.GetValue(history)));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string? outDir, string? keyFile, string? snapshot, string? historyStore)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (outDir is null && historyStore is null)
        {
            stderr.WriteLine("error: give a report folder (verify OUT-DIR), a history store (verify --history STORE), or both");
            return ExitCodes.Usage;
        }

        try
        {
            var trusted = keyFile is null ? null : File.ReadAllText(keyFile);
            var failed = false;
            IReadOnlyDictionary<long, StoredManifest> recorded = new Dictionary<long, StoredManifest>();
            if (historyStore is not null)
            {
                using var store = DriftSentinel.History.SqlHistoryStore.Open(historyStore);
                store.Migrate();
                var chain = HistoryChainVerifier.Verify(store);
                recorded = chain.Manifests;
                stdout.WriteLine($"History: {chain.RunsChecked} run manifest(s) checked in {chain.Profiles} profile(s)");
                foreach (var p in chain.Problems)
                {
                    stdout.WriteLine($"  FAIL {ConsoleText.Safe(p)}");
                }

                failed |= !chain.Passed;
            }

            if (outDir is not null)
            {
                var result = ManifestVerifier.Verify(outDir, trusted, snapshot);
                foreach (var f in result.Folders)
                {
                    var problems = f.Problems.ToList();
                    if (historyStore is not null && f.Manifest?.RunId is { } runId)
                    {
                        if (!recorded.TryGetValue(runId, out var stored))
                        {
                            problems.Add($"run #{runId} has no manifest in the history store");
                        }
                        else if (stored.Sha256 != f.ManifestSha256)
                        {
                            problems.Add($"{RunManifest.FileName} is not the manifest recorded for run #{runId} (SHA-256 {ManifestVerifier.Short(f.ManifestSha256!)}, recorded {ManifestVerifier.Short(stored.Sha256)}): it was rewritten after the run");
                        }
                    }

                    stdout.WriteLine($"{(problems.Count == 0 ? "OK  " : "FAIL")} {ConsoleText.Safe(f.Folder)}: {f.FilesChecked} file(s) checked{(f.Manifest?.RunId is { } id ? $", run #{id}" : "")}");
                    foreach (var p in problems)
                    {
                        stdout.WriteLine($"  FAIL {ConsoleText.Safe(p)}");
                    }

                    foreach (var n in f.Notes)
                    {
                        stdout.WriteLine($"  note {ConsoleText.Safe(n)}");
                    }

                    failed |= problems.Count > 0;
                }

                foreach (var p in result.ChainProblems)
                {
                    stdout.WriteLine($"  FAIL {ConsoleText.Safe(p)}");
                }

                failed |= result.ChainProblems.Count > 0;
            }

            stdout.WriteLine(failed ? "Verification FAILED: see the lines above." : "Verified: every file and run is as it was written.");
            return failed ? ExitCodes.FindingsAtOrAboveThreshold : ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Data.Common.DbException or InvalidOperationException or ArgumentException)
        {
            stderr.WriteLine($"error: {ConsoleText.Safe(e.Message)}");
            return ExitCodes.Usage;
        }
    }
}

/// <summary>Where a run's manifest signing key comes from: --sign-key, DRIFTSENTINEL_SIGNING_KEY (PEM text) or DRIFTSENTINEL_SIGNING_KEY_FILE.</summary>
public static class SigningKeys
{
    public static ManifestSigner? Resolve(string? file, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        try
        {
            if (file is not null)
            {
                return ManifestSigner.FromPem(File.ReadAllText(file), file);
            }

            if (environment("DRIFTSENTINEL_SIGNING_KEY") is { Length: > 0 } pem)
            {
                return ManifestSigner.FromPem(pem, "DRIFTSENTINEL_SIGNING_KEY");
            }

            return environment("DRIFTSENTINEL_SIGNING_KEY_FILE") is { Length: > 0 } path ? ManifestSigner.FromPem(File.ReadAllText(path), path) : null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The key's content is never echoed: only where it came from and what was expected.
            throw new UsageException($"signing key: {e.Message}");
        }
    }
}
