using System.Globalization;
using System.Text.RegularExpressions;

namespace DriftSentinel.Core.Output;

/// <summary>What verifying one report folder found: <see cref="Problems"/> fail verification, <see cref="Notes"/> do not.</summary>
public sealed class FolderVerification(string folder)
{
    public string Folder { get; } = folder;
    public ParsedManifest? Manifest { get; set; }
    public string? ManifestSha256 { get; set; }
    public List<string> Problems { get; } = [];
    public List<string> Notes { get; } = [];
    public int FilesChecked { get; set; }
}

/// <summary>What `verify OUT-DIR` found over a folder and its run folders, including the chain between them.</summary>
public sealed record OutputVerification(IReadOnlyList<FolderVerification> Folders, IReadOnlyList<string> ChainProblems)
{
    public bool Passed => ChainProblems.Count == 0 && Folders.All(f => f.Problems.Count == 0);
}

/// <summary>Recomputes a report folder's hashes against its manifest.json, checks its signature and the chain of run folders.</summary>
public static partial class ManifestVerifier
{
    [GeneratedRegex("^run-(\\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RunFolder();

    /// <summary>
    /// Verifies <paramref name="outDir"/>: its own manifest when it has one, and every <c>run-NNNNNN</c> folder (the
    /// worker's), each against its manifest, then the chain: each run's <c>previous</c> must be the manifest of the
    /// run folder before it, and each folder's number its manifest's run id.
    /// </summary>
    /// <param name="outDir">The report folder.</param>
    /// <param name="trustedKeyPem">The public key or certificate signatures must verify under; null accepts a self-certified signature as a note.</param>
    /// <param name="snapshotRoot">Where to re-hash the inputs from (a scan's snapshot folder); null skips the inputs.</param>
    public static OutputVerification Verify(string outDir, string? trustedKeyPem, string? snapshotRoot)
    {
        if (!Directory.Exists(outDir))
        {
            throw new DirectoryNotFoundException($"'{outDir}' is not a folder");
        }

        var folders = new List<FolderVerification>();
        var runs = Directory.EnumerateDirectories(outDir)
            .Select(d => (Path: d, Match: RunFolder().Match(Path.GetFileName(d))))
            .Where(d => d.Match.Success)
            .Select(d => (d.Path, Number: long.Parse(d.Match.Groups[1].Value, CultureInfo.InvariantCulture)))
            .OrderBy(d => d.Number)
            .ToList();
        var hasOwn = File.Exists(Path.Combine(outDir, RunManifest.FileName));
        if (hasOwn || runs.Count == 0)
        {
            var snapshot = snapshotRoot ?? (Directory.Exists(Path.Combine(outDir, "snapshot")) ? Path.Combine(outDir, "snapshot") : null);
            folders.Add(VerifyFolder(outDir, trustedKeyPem, snapshot));
        }

        var chain = new List<string>();
        FolderVerification? before = null;
        long beforeNumber = 0;
        foreach (var (path, number) in runs)
        {
            var v = VerifyFolder(path, trustedKeyPem, null);
            folders.Add(v);
            if (v.Manifest is not { } m)
            {
                before = null;
                continue;
            }

            var name = Path.GetFileName(path);
            if (m.RunId is { } id && id != number)
            {
                chain.Add($"{name} holds the manifest of run #{id}: the folder was renamed or the runs re-ordered");
            }

            if (before?.Manifest is { } prior)
            {
                chain.AddRange(Link(name, m, $"run-{beforeNumber:D6}", prior, before.ManifestSha256!));
            }

            before = v;
            beforeNumber = number;
        }

        return new OutputVerification(folders, chain);
    }

    /// <summary>
    /// The problems in the link from <paramref name="prior"/> (whose manifest hashes to <paramref name="priorSha"/>)
    /// to <paramref name="current"/>, which should name it as its previous run.
    /// </summary>
    public static IEnumerable<string> Link(string currentName, ParsedManifest current, string priorName, ParsedManifest prior, string priorSha)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(prior);
        if (current.Previous is not { } previous)
        {
            yield return $"{currentName} names no previous run, but {priorName} comes before it: the chain was restarted or a run re-ordered";
            yield break;
        }

        if (previous.Sha256 == priorSha)
        {
            yield break;
        }

        if (previous.Run is { } run && prior.RunId is { } priorRun && run > priorRun)
        {
            yield return $"{currentName} follows run #{run} (manifest {Short(previous.Sha256)}), which is not here: it was removed (the run before it here is {priorName})";
        }
        else if (previous.Run is { } named && prior.RunId is { } actual && named != actual)
        {
            yield return $"{currentName} follows run #{named}, but {priorName} (run #{actual}) comes before it: the runs were re-ordered";
        }
        else
        {
            yield return $"{currentName} follows a manifest {Short(previous.Sha256)}, but {priorName}'s manifest is {Short(priorSha)}: {priorName}'s manifest was altered or replaced";
        }
    }

    /// <summary>Verifies one folder's files (and signature, and optionally inputs) against its manifest.json.</summary>
    public static FolderVerification VerifyFolder(string folder, string? trustedKeyPem, string? snapshotRoot)
    {
        var v = new FolderVerification(folder);
        var manifestPath = Path.Combine(folder, RunManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            v.Problems.Add($"{RunManifest.FileName} is missing: nothing in this folder can be verified");
            return v;
        }

        var bytes = File.ReadAllBytes(manifestPath);
        v.ManifestSha256 = RunManifest.Sha256(bytes);
        try
        {
            v.Manifest = RunManifest.Parse(bytes, manifestPath);
        }
        catch (InvalidDataException e)
        {
            v.Problems.Add(e.Message);
            return v;
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var expected in v.Manifest.Outputs)
        {
            listed.Add(expected.Path);
            var actual = RunManifest.HashFile(folder, expected.Path);
            v.FilesChecked++;
            if (actual.Sha256 is null)
            {
                v.Problems.Add($"{expected.Path} is missing ({actual.Problem})");
            }
            else if (actual.Sha256 != expected.Sha256)
            {
                v.Problems.Add($"{expected.Path} was altered: SHA-256 {Short(actual.Sha256)} ({actual.Bytes:N0} bytes), the manifest says {Short(expected.Sha256 ?? "none")} ({expected.Bytes:N0} bytes)");
            }
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (!listed.Contains(relative) && !Ignored(relative))
            {
                v.Problems.Add($"{relative} is not in the manifest (added after the run)");
            }
        }

        var signaturePath = Path.Combine(folder, RunManifest.SignatureFileName);
        if (File.Exists(signaturePath))
        {
            var check = ManifestSignature.Verify(bytes, File.ReadAllBytes(signaturePath), trustedKeyPem);
            (check.Valid && (check.Trusted || trustedKeyPem is null) ? v.Notes : v.Problems).Add(check.Detail);
        }
        else if (trustedKeyPem is not null)
        {
            v.Problems.Add($"{RunManifest.SignatureFileName} is missing: the manifest is not signed, and a trusted key was given");
        }

        if (snapshotRoot is not null)
        {
            var inputs = v.Manifest.Inputs.Where(i => i.Sha256 is not null).ToList();
            var actual = RunManifest.HashFiles(snapshotRoot, [.. inputs.Select(i => i.Path)]);
            for (var i = 0; i < inputs.Count; i++)
            {
                if (actual[i].Sha256 is null)
                {
                    v.Problems.Add($"input {inputs[i].Path} is missing from {snapshotRoot} ({actual[i].Problem})");
                }
                else if (actual[i].Sha256 != inputs[i].Sha256)
                {
                    v.Problems.Add($"input {inputs[i].Path} differs from what the run read (SHA-256 {Short(actual[i].Sha256!)}, the manifest says {Short(inputs[i].Sha256!)})");
                }
            }

            v.FilesChecked += inputs.Count;
            v.Notes.Add($"{inputs.Count} input(s) re-hashed from {snapshotRoot}");
        }

        var unhashed = v.Manifest.Inputs.Count(i => i.Sha256 is null);
        if (unhashed > 0)
        {
            v.Notes.Add($"{unhashed} input(s) were not hashable when the run read them (listed with the reason in the manifest)");
        }

        return v;
    }

    // The lock, a staging folder, a live scan's snapshot, the worker's run folders and the signature sit beside the
    // reports and are not part of the set.
    private static bool Ignored(string relative) =>
        relative is RunManifest.FileName or RunManifest.SignatureFileName or ".driftsentinel.lock"
        || relative.StartsWith(".staging-", StringComparison.Ordinal)
        || relative.StartsWith("snapshot/", StringComparison.Ordinal)
        || RunFolder().IsMatch(relative.Split('/')[0]);

    /// <summary>The first 16 hex digits, for messages.</summary>
    public static string Short(string sha) => sha.Length > 16 ? sha[..16] + "…" : sha;
}
