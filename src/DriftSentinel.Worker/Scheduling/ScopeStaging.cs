using System.IO.Compression;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.History;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// Splits a profile's input into scopes that workers stage independently, and puts the staged parts back together
/// for the evaluation. A snapshot folder splits into its accounts, subscriptions, tenants and repository owners
/// (aws/ID, azure/ID, entra/ID, github/OWNER: every folder a registered source module owns) plus its top-level
/// files; a live profile into one scope per configured live source. A staged scope
/// is a zip of its files kept in the state database, so the worker that evaluates need not be the one that staged.
/// </summary>
public static class ScopeStaging
{
    /// <summary>The scope holding the files at the root of a snapshot folder (collection.json and the like).</summary>
    public const string RootScope = "(root)";

    public static IReadOnlyList<string> Discover(ScanProfile profile, LiveSettings settings)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        if (profile.Snapshot is null)
        {
            return [.. settings.Modules.Modules.Where(m => settings.Sources.ContainsKey(m.Name)).Select(m => $"live/{m.Name}")];
        }

        var root = settings.Resolve(profile.Snapshot);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"profile {profile.Name}: snapshot folder '{root}' does not exist");
        }

        var scopes = new List<string>();
        if (Directory.EnumerateFiles(root).Any())
        {
            scopes.Add(RootScope);
        }

        // Every folder a registered module owns is a source of scopes; a folder no module owns is not read by the CLI either.
        foreach (var source in settings.Modules.SnapshotFolders)
        {
            var folder = Path.Combine(root, source);
            if (Directory.Exists(folder))
            {
                scopes.AddRange(Directory.EnumerateDirectories(folder).Select(d => $"{source}/{Path.GetFileName(d)}").Order(StringComparer.Ordinal));
            }
        }

        return scopes;
    }

    /// <summary>Zips a snapshot folder's scope with paths relative to the snapshot root.</summary>
    public static byte[] StageFolder(string snapshotRoot, string scope, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            if (scope == RootScope)
            {
                foreach (var file in Directory.EnumerateFiles(snapshotRoot).Order(StringComparer.Ordinal))
                {
                    cancellation.ThrowIfCancellationRequested();
                    zip.CreateEntryFromFile(file, Path.GetFileName(file), CompressionLevel.Fastest);
                }
            }
            else
            {
                var folder = Path.Combine(snapshotRoot, scope);
                if (!Directory.Exists(folder))
                {
                    throw new DirectoryNotFoundException($"scope folder '{folder}' is gone");
                }

                foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    cancellation.ThrowIfCancellationRequested();
                    zip.CreateEntryFromFile(file, Path.GetRelativePath(snapshotRoot, file).Replace('\\', '/'), CompressionLevel.Fastest);
                }
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Zips a collected folder (a live scope), renaming its collection.json so the parts' manifests can be merged.</summary>
    public static byte[] StageCollected(string collectedRoot, string scope)
    {
        var manifest = Path.Combine(collectedRoot, CollectionManifest.FileName);
        if (File.Exists(manifest))
        {
            File.Move(manifest, Path.Combine(collectedRoot, PartManifestName(scope)));
        }

        using var buffer = new MemoryStream();
        ZipFile.CreateFromDirectory(collectedRoot, buffer, CompressionLevel.Fastest, includeBaseDirectory: false);
        return buffer.ToArray();
    }

    /// <summary>
    /// Unpacks every staged scope into <paramref name="snapshotRoot"/> and writes one collection.json holding the
    /// parts' own coverage plus a failed entry for each scope that could not be staged, so the scan reports it as a gap
    /// and the lifecycle does not resolve its findings.
    /// </summary>
    public static void Assemble(IReadOnlyList<StagedScope> scopes, string snapshotRoot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        if (Directory.Exists(snapshotRoot))
        {
            Directory.Delete(snapshotRoot, recursive: true); // a previous attempt's partial assembly
        }

        Directory.CreateDirectory(snapshotRoot);
        foreach (var scope in scopes.Where(s => s.Read && s.Payload is not null))
        {
            using var zip = new ZipArchive(new MemoryStream(scope.Payload!), ZipArchiveMode.Read);
            zip.ExtractToDirectory(snapshotRoot, overwriteFiles: true);
        }

        var parts = new List<CollectionManifest>();
        if (CollectionManifest.Read(snapshotRoot) is { } folderManifest)
        {
            parts.Add(folderManifest); // a collected snapshot scanned from its folder
        }

        foreach (var file in Directory.EnumerateFiles(snapshotRoot, "collection-*.json").ToList())
        {
            parts.Add(CollectionManifest.ReadFile(file)!);
            File.Delete(file); // merged into the one collection.json below
        }

        var failed = scopes.Where(s => !s.Read).Select(s => new CoverageEntry("worker.scope", CoverageScopeOf(s.Scope), CoverageStatus.Failed, 0,
            $"scope {s.Scope} could not be staged after {s.Attempts} attempt(s): {s.Detail}")).ToList();
        if (parts.Count == 0 && failed.Count == 0)
        {
            return;
        }

        var metrics = parts.SelectMany(p => p.Metrics).GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        new CollectionManifest
        {
            StartedAt = parts.Count > 0 ? parts.Min(p => p.StartedAt) : now,
            FinishedAt = parts.Count > 0 ? parts.Max(p => p.FinishedAt) : now,
            Coverage = [.. parts.SelectMany(p => p.Coverage), .. failed],
            Metrics = metrics,
        }.Write(snapshotRoot);
    }

    /// <summary>
    /// The coverage scope a failed staging scope stands for: the account, subscription or tenant id the findings carry
    /// (aws/123 → 123); a whole cloud or the root is "*", which keeps every finding from being resolved.
    /// </summary>
    public static string CoverageScopeOf(string scope) => scope switch
    {
        RootScope => "*",
        _ when scope.StartsWith("live/", StringComparison.Ordinal) => "*",
        _ => scope[(scope.IndexOf('/', StringComparison.Ordinal) + 1)..],
    };

    private static string PartManifestName(string scope) => $"collection-{scope.Replace('/', '-')}.json";
}
