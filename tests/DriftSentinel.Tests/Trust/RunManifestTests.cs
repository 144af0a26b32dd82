using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DriftSentinel.Core.Output;
using DriftSentinel.Tests.Support;
using DriftSentinel.Worker;
using Microsoft.Data.Sqlite;

namespace DriftSentinel.Tests.Trust;

/// <summary>manifest.json, its signature and `verify`: an edited report, a removed run and a re-ordered chain are named.</summary>
public sealed class RunManifestTests
{
    [Fact]
    public void Verify_passes_on_a_fresh_demo_report_and_names_an_edited_a_removed_and_an_added_file()
    {
        using var temp = new TempFolder();
        var outDir = Path.Combine(temp.Path, "out");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", outDir).Exit);
        var manifest = RunManifest.Parse(File.ReadAllBytes(Path.Combine(outDir, RunManifest.FileName)), "manifest.json");
        Assert.Equal(OutputModules.Reports().FileNames.Order(StringComparer.Ordinal), manifest.Outputs.Select(o => o.Path));
        Assert.Contains(manifest.Inputs, i => i.Path == "aws/111122223333/iam/authorization-details.json" && i.Sha256 is { Length: 64 });
        Assert.Contains(manifest.Inputs, i => i.Path.EndsWith(".head-object.json", StringComparison.Ordinal)); // the integrity evidence read is listed too
        Assert.Null(manifest.Previous);

        var clean = Cli.Run("verify", outDir);
        Assert.True(clean.Exit == 0, clean.Stdout + clean.Stderr);
        Assert.Contains($"{OutputModules.Reports().FileNames.Count} file(s) checked", clean.Stdout, StringComparison.Ordinal);

        // One changed character in the HTML report.
        var html = Path.Combine(outDir, "report.html");
        File.WriteAllText(html, File.ReadAllText(html).Replace("critical", "Critical", StringComparison.Ordinal));
        File.Delete(Path.Combine(outDir, "summary.md"));
        File.WriteAllText(Path.Combine(outDir, "findings-final.csv"), "fingerprint\n");
        var broken = Cli.Run("verify", outDir);
        Assert.Equal(1, broken.Exit);
        Assert.Contains("FAIL report.html was altered: SHA-256", broken.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAIL summary.md is missing", broken.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAIL findings-final.csv is not in the manifest", broken.Stdout, StringComparison.Ordinal);
        Assert.Contains("Verification FAILED", broken.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_with_the_snapshot_names_an_input_changed_after_the_run()
    {
        using var temp = new TempFolder();
        var snapshot = Path.Combine(temp.Path, "snapshot");
        CopyFolder(Path.Combine(TestPaths.RepositoryRoot, "demo", "snapshot"), snapshot);
        var outDir = Path.Combine(temp.Path, "out");
        var scan = Cli.Run("scan", "--snapshot", snapshot, "--baseline", Path.Combine(TestPaths.RepositoryRoot, "demo", "baseline.yaml"), "--as-of", "2026-11-20T12:00:00Z", "--out", outDir);
        Assert.True(scan.Exit is 0 or 1, scan.Stderr);
        Assert.Equal(0, Cli.Run("verify", outDir, "--snapshot", snapshot).Exit);

        var credentials = Path.Combine(snapshot, "aws", "111122223333", "iam", "credential-report.csv");
        File.AppendAllText(credentials, "\n");
        var changed = Cli.Run("verify", outDir, "--snapshot", snapshot);
        Assert.Equal(1, changed.Exit);
        Assert.Contains("FAIL input aws/111122223333/iam/credential-report.csv differs from what the run read", changed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signed_manifest_verifies_under_the_trusted_key_and_fails_under_another_key_or_after_an_edit()
    {
        using var temp = new TempFolder();
        using var key = RSA.Create(3072);
        using var other = RSA.Create(2048);
        var keyFile = Write(temp, "signing.pem", key.ExportPkcs8PrivateKeyPem());
        var publicFile = Write(temp, "signing.pub.pem", key.ExportSubjectPublicKeyInfoPem());
        var otherFile = Write(temp, "other.pub.pem", other.ExportSubjectPublicKeyInfoPem());
        var outDir = Path.Combine(temp.Path, "out");
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", outDir, "--sign-key", keyFile).Exit);
        Assert.True(File.Exists(Path.Combine(outDir, RunManifest.SignatureFileName)));
        Assert.DoesNotContain("PRIVATE", File.ReadAllText(Path.Combine(outDir, RunManifest.SignatureFileName)), StringComparison.Ordinal);

        var trusted = Cli.Run("verify", outDir, "--key", publicFile);
        Assert.True(trusted.Exit == 0, trusted.Stdout);
        Assert.Contains($"signature valid ({ManifestSignature.Rsa}, trusted key", trusted.Stdout, StringComparison.Ordinal);

        var wrongKey = Cli.Run("verify", outDir, "--key", otherFile);
        Assert.Equal(1, wrongKey.Exit);
        Assert.Contains("not by the trusted key", wrongKey.Stdout, StringComparison.Ordinal);

        // Someone edits a report and recomputes its hash in the manifest: the hashes agree again, the signature does not.
        var summary = Path.Combine(outDir, "summary.md");
        var before = RunManifest.HashFile(outDir, "summary.md").Sha256!;
        File.AppendAllText(summary, "All clear.\n");
        var manifestPath = Path.Combine(outDir, RunManifest.FileName);
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace(before, RunManifest.HashFile(outDir, "summary.md").Sha256!, StringComparison.Ordinal));
        var forged = Cli.Run("verify", outDir, "--key", publicFile);
        Assert.Equal(1, forged.Exit);
        Assert.DoesNotContain("summary.md was altered", forged.Stdout, StringComparison.Ordinal);
        Assert.Contains("the signature does not match manifest.json", forged.Stdout, StringComparison.Ordinal);

        // A trusted key demands a signature.
        File.Delete(Path.Combine(outDir, RunManifest.SignatureFileName));
        Assert.Contains("the manifest is not signed", Cli.Run("verify", outDir, "--key", publicFile).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ecdsa_key_with_its_certificate_signs_and_verifies_under_the_certificate()
    {
        using var temp = new TempFolder();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=DriftSentinel evidence, O=Example Corp", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(Cli.Now.AddDays(-1), Cli.Now.AddYears(1));
        var certFile = Write(temp, "evidence.crt", cert.ExportCertificatePem());
        var outDir = Path.Combine(temp.Path, "out");
        var pem = key.ExportPkcs8PrivateKeyPem() + "\n" + cert.ExportCertificatePem();

        // From the environment as the worker takes it (a fake environment: the process's is shared by parallel tests).
        using (var fromEnvironment = SigningKeys.Resolve(null, name => name == "DRIFTSENTINEL_SIGNING_KEY" ? pem : null))
        {
            Assert.Equal(ManifestSignature.KeyId(key.ExportSubjectPublicKeyInfo()), fromEnvironment!.KeyId);
        }

        Assert.Null(SigningKeys.Resolve(null, _ => null));
        Assert.Equal(0, Cli.Run("scan", "--demo", "--out", outDir, "--sign-key", Write(temp, "key-and-cert.pem", pem)).Exit);

        var selfCertified = Cli.Run("verify", outDir);
        Assert.Equal(0, selfCertified.Exit);
        Assert.Contains("signature valid under its own certificate's key", selfCertified.Stdout, StringComparison.Ordinal);
        Assert.Contains("not checked against a trusted key", selfCertified.Stdout, StringComparison.Ordinal);
        var trusted = Cli.Run("verify", outDir, "--key", certFile);
        Assert.True(trusted.Exit == 0, trusted.Stdout);
        Assert.Contains($"signature valid ({ManifestSignature.Ecdsa}, trusted key", trusted.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signing_key_that_is_not_a_private_key_is_a_usage_error_that_never_prints_the_key()
    {
        using var temp = new TempFolder();
        using var key = RSA.Create(2048);
        var publicPem = key.ExportSubjectPublicKeyInfoPem();
        var file = Write(temp, "public.pem", publicPem);
        var scan = Cli.Run("scan", "--demo", "--out", Path.Combine(temp.Path, "out"), "--sign-key", file);
        Assert.Equal(ExitCodes.Usage, scan.Exit);
        Assert.Contains("no RSA or ECDSA private key", scan.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(publicPem.Split('\n')[1], scan.Stderr + scan.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_history_names_a_removed_run_a_reordered_chain_and_an_edited_run_record()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        var profileDir = Path.Combine(temp.Path, "nightly");
        for (var run = 1; run <= 4; run++)
        {
            Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(profileDir, $"run-{run:D6}"), "--history", db, "--profile", "nightly").Exit);
        }

        var clean = Cli.Run("verify", profileDir, "--history", db);
        Assert.True(clean.Exit == 0, clean.Stdout);
        Assert.Contains("History: 4 run manifest(s) checked in 1 profile(s)", clean.Stdout, StringComparison.Ordinal);
        var second = RunManifest.Parse(File.ReadAllBytes(Path.Combine(profileDir, "run-000002", RunManifest.FileName)), "run 2");
        Assert.Equal(1, second.Previous?.Run);
        Assert.Equal(RunManifest.Sha256(File.ReadAllBytes(Path.Combine(profileDir, "run-000001", RunManifest.FileName))), second.Previous?.Sha256);

        var removed = Copy(db, temp, "removed.db");
        Sql(removed, "DELETE FROM run_findings WHERE run_id = 2; DELETE FROM run_manifests WHERE run_id = 2; DELETE FROM runs WHERE id = 2");
        var afterRemoval = Cli.Run("verify", "--history", removed);
        Assert.Equal(1, afterRemoval.Exit);
        Assert.Contains("nightly run #3 follows run #2", afterRemoval.Stdout, StringComparison.Ordinal);
        Assert.Contains("it was removed", afterRemoval.Stdout, StringComparison.Ordinal);

        var swapped = Copy(db, temp, "swapped.db");
        Sql(swapped, """
            UPDATE run_manifests SET run_id = -1 WHERE run_id = 2;
            UPDATE run_manifests SET run_id = 2 WHERE run_id = 3;
            UPDATE run_manifests SET run_id = 3 WHERE run_id = -1
            """);
        var afterSwap = Cli.Run("verify", "--history", swapped);
        Assert.Equal(1, afterSwap.Exit);
        Assert.Contains("nightly run #2 holds the manifest of nightly run #3", afterSwap.Stdout, StringComparison.Ordinal);
        Assert.Contains("the runs were re-ordered", afterSwap.Stdout, StringComparison.Ordinal);

        var edited = Copy(db, temp, "edited.db");
        Sql(edited, "UPDATE runs SET active = active - 3 WHERE id = 4");
        Assert.Contains("nightly run #4's record was edited", Cli.Run("verify", "--history", edited).Stdout, StringComparison.Ordinal);

        // A report folder rewritten whole — report edited and a fresh manifest computed over it — no longer matches the recorded manifest.
        var run4 = Path.Combine(profileDir, "run-000004");
        File.AppendAllText(Path.Combine(run4, "summary.md"), "All clear.\n");
        var manifestPath = Path.Combine(run4, RunManifest.FileName);
        var m = RunManifest.Parse(File.ReadAllBytes(manifestPath), "run 4");
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace(m.Outputs.Single(o => o.Path == "summary.md").Sha256!, RunManifest.HashFile(run4, "summary.md").Sha256!, StringComparison.Ordinal));
        Assert.Equal(0, Cli.Run("verify", run4).Exit); // self-consistent on its own
        var rewritten = Cli.Run("verify", profileDir, "--history", db);
        Assert.Equal(1, rewritten.Exit);
        Assert.Contains("is not the manifest recorded for run #4", rewritten.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_of_run_folders_names_a_removed_run_and_folders_swapped_out_of_order()
    {
        using var temp = new TempFolder();
        var db = Path.Combine(temp.Path, "history.db");
        var profileDir = Path.Combine(temp.Path, "nightly");
        for (var run = 1; run <= 3; run++)
        {
            Assert.Equal(0, Cli.Run("scan", "--demo", "--out", Path.Combine(profileDir, $"run-{run:D6}"), "--history", db, "--profile", "nightly").Exit);
        }

        Assert.Equal(0, Cli.Run("verify", profileDir).Exit);

        var removedDir = Path.Combine(temp.Path, "removed");
        CopyFolder(profileDir, removedDir);
        Directory.Delete(Path.Combine(removedDir, "run-000002"), recursive: true);
        var removed = Cli.Run("verify", removedDir);
        Assert.Equal(1, removed.Exit);
        Assert.Contains("run-000003 follows run #2", removed.Stdout, StringComparison.Ordinal);
        Assert.Contains("it was removed", removed.Stdout, StringComparison.Ordinal);

        Directory.Move(Path.Combine(profileDir, "run-000001"), Path.Combine(profileDir, "tmp"));
        Directory.Move(Path.Combine(profileDir, "run-000003"), Path.Combine(profileDir, "run-000001"));
        Directory.Move(Path.Combine(profileDir, "tmp"), Path.Combine(profileDir, "run-000003"));
        var swapped = Cli.Run("verify", profileDir);
        Assert.Equal(1, swapped.Exit);
        Assert.Contains("run-000001 holds the manifest of run #3: the folder was renamed or the runs re-ordered", swapped.Stdout, StringComparison.Ordinal);
    }

    private static string Write(TempFolder temp, string name, string text)
    {
        var path = Path.Combine(temp.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Copy(string db, TempFolder temp, string name)
    {
        // VACUUM INTO, not a file copy: the store runs in WAL mode, and a copy of the main file alone misses recent writes.
        var copy = Path.Combine(temp.Path, name);
        Sql(db, $"VACUUM INTO '{copy}'");
        return copy;
    }

    private static void Sql(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
