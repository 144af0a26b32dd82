using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Collection;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;
using DriftSentinel.Core.Sources;
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
    /// <summary>A staged scope's files: the audit trails apart from the rest (null when it has none).</summary>
    public sealed record StagedFiles(byte[] Payload, byte[]? Activity, IReadOnlyList<string> ActivityFiles);

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

    /// <summary>
    /// Zips a snapshot folder's scope with paths relative to the snapshot root: its audit-trail files apart from the
    /// rest, so each scope job reads every scope's inventory but only its own trail.
    /// </summary>
    public static StagedFiles StageFolder(string snapshotRoot, string scope, SourceRegistry modules, OrganizationBaseline baseline, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(modules);
        if (scope == RootScope)
        {
            return Zip(Directory.EnumerateFiles(snapshotRoot).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), f)), new HashSet<string>(), cancellation);
        }

        var folder = Path.Combine(snapshotRoot, scope);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"scope folder '{folder}' is gone");
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(snapshotRoot, f).Replace('\\', '/'), f));
        return Zip(files, ActivityFilesOfScope(snapshotRoot, scope, modules, baseline), cancellation);
    }

    /// <summary>Zips a collected folder (a live scope), renaming its collection.json so the parts' manifests can be merged.</summary>
    public static StagedFiles StageCollected(string collectedRoot, string scope, SourceRegistry modules, OrganizationBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(modules);
        var manifest = Path.Combine(collectedRoot, CollectionManifest.FileName);
        if (File.Exists(manifest))
        {
            File.Move(manifest, Path.Combine(collectedRoot, PartManifestName(scope)));
        }

        var files = Directory.EnumerateFiles(collectedRoot, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(collectedRoot, f).Replace('\\', '/'), f));
        return Zip(files, ActivityFiles(collectedRoot, modules, baseline), CancellationToken.None);
    }

    /// <summary>
    /// The audit-trail files of one scope of a snapshot folder, as the source modules' streams would read them: the
    /// modules read a folder holding only that scope (a link to it), so no other scope is parsed. Where a link cannot
    /// be made, none: the scope's trail then stays with its inventory and the final job reads it.
    /// </summary>
    private static HashSet<string> ActivityFilesOfScope(string snapshotRoot, string scope, SourceRegistry modules, OrganizationBaseline baseline)
    {
        var view = Path.Combine(Path.GetTempPath(), $"driftsentinel-scope-{Guid.NewGuid():N}");
        try
        {
            var link = Path.Combine(view, scope);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            Directory.CreateSymbolicLink(link, Path.GetFullPath(Path.Combine(snapshotRoot, scope)));
            return ActivityFiles(view, modules, baseline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return [];
        }
        finally
        {
            if (Directory.Exists(view))
            {
                Directory.Delete(view, recursive: true); // removes the link, never what it points to
            }
        }
    }

    private static HashSet<string> ActivityFiles(string root, SourceRegistry modules, OrganizationBaseline baseline) =>
        [.. modules.Read(root, baseline).Streams.SelectMany(s => s.InputFiles()).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))];

    /// <summary>
    /// The entry of a scope's inventory zip listing every staged file's SHA-256 (trail files too): the run manifest's
    /// input hashes, taken from the files as they were staged, since the final job never sees a merged trail's bytes.
    /// </summary>
    public const string DigestsEntry = ".driftsentinel-input-digests.json";

    private static StagedFiles Zip(IEnumerable<(string Entry, string File)> files, HashSet<string> activity, CancellationToken cancellation)
    {
        using var rest = new MemoryStream();
        using var trail = new MemoryStream();
        var trailFiles = new List<string>();
        var digests = new List<FileDigest>();
        using (var restZip = new ZipArchive(rest, ZipArchiveMode.Create, leaveOpen: true))
        using (var trailZip = new ZipArchive(trail, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (entry, file) in files)
            {
                cancellation.ThrowIfCancellationRequested();
                var isTrail = activity.Contains(entry);
                if (isTrail)
                {
                    trailFiles.Add(entry);
                }

                // Compressed logs are stored as they are: deflating gzip again costs time and saves nothing.
                digests.Add(AddEntry(isTrail ? trailZip : restZip, file, entry,
                    file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? CompressionLevel.NoCompression : CompressionLevel.Fastest));
            }

            using var list = restZip.CreateEntry(DigestsEntry, CompressionLevel.Fastest).Open();
            JsonSerializer.Serialize(list, digests);
        }

        return new StagedFiles(rest.ToArray(), trailFiles.Count > 0 ? trail.ToArray() : null, trailFiles);
    }

    /// <summary>
    /// Adds a file to a zip as <c>CreateEntryFromFile</c> does, hashing the same bytes on the way: each staged file is
    /// read once, however large its trail.
    /// </summary>
    private static FileDigest AddEntry(ZipArchive zip, string file, string entry, CompressionLevel level)
    {
        var zipEntry = zip.CreateEntry(entry, level);
        var written = File.GetLastWriteTime(file);

        // A zip holds times from 1980 to 2107; CreateEntryFromFile stores 1980-01-01 for any other, and so do we.
        zipEntry.LastWriteTime = written.Year is < 1980 or > 2107 ? new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Local) : written;
        using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var target = zipEntry.Open();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        long bytes = 0;
        try
        {
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                target.Write(buffer, 0, read);
                bytes += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new FileDigest(entry, Convert.ToHexStringLower(hash.GetHashAndReset()), bytes);
    }

    /// <summary>
    /// Unpacks every staged scope into <paramref name="snapshotRoot"/> and writes one collection.json holding the
    /// parts' own coverage plus a failed entry for each scope that could not be staged, so the scan reports it as a gap
    /// and the lifecycle does not resolve its findings.
    /// </summary>
    /// <param name="scopes">The scan's staged scopes.</param>
    /// <param name="snapshotRoot">Where to assemble the snapshot (emptied first).</param>
    /// <param name="now">The time a manifest written for failed scopes carries.</param>
    /// <param name="listOnly">Scopes whose trail is merged from a partial state: its files (by <see cref="StagedScope.ActivityFiles"/>) are created empty — listed, never read.</param>
    /// <returns>Every staged file's SHA-256 as it was staged, by its path in the snapshot.</returns>
    public static IReadOnlyDictionary<string, FileDigest> Assemble(IReadOnlyList<StagedScope> scopes, string snapshotRoot, DateTimeOffset now, IReadOnlySet<string>? listOnly = null)
    {
        var digests = new Dictionary<string, FileDigest>(StringComparer.Ordinal);
        ArgumentNullException.ThrowIfNull(scopes);
        if (Directory.Exists(snapshotRoot))
        {
            Directory.Delete(snapshotRoot, recursive: true); // a previous attempt's partial assembly
        }

        Directory.CreateDirectory(snapshotRoot);
        foreach (var scope in scopes.Where(s => s.Read))
        {
            if (scope.Payload is not null)
            {
                using var zip = new ZipArchive(new MemoryStream(scope.Payload), ZipArchiveMode.Read);
                zip.ExtractToDirectory(snapshotRoot, overwriteFiles: true);
                var listed = Path.Combine(snapshotRoot, DigestsEntry);
                if (File.Exists(listed))
                {
                    foreach (var d in JsonSerializer.Deserialize<List<FileDigest>>(File.ReadAllBytes(listed)) ?? [])
                    {
                        digests[d.Path] = d;
                    }

                    File.Delete(listed); // not a snapshot file
                }
            }

            if (listOnly?.Contains(scope.Scope) == true)
            {
                foreach (var name in scope.ActivityFiles)
                {
                    var path = Path.GetFullPath(Path.Combine(snapshotRoot, name));
                    if (!path.StartsWith(Path.GetFullPath(snapshotRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    {
                        throw new InvalidDataException($"staged scope {scope.Scope}: file '{name}' points outside the snapshot");
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.Create(path).Dispose();
                }
            }
            else if (scope.Activity is not null)
            {
                using var zip = new ZipArchive(new MemoryStream(scope.Activity), ZipArchiveMode.Read);
                zip.ExtractToDirectory(snapshotRoot, overwriteFiles: true);
            }
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
            return digests;
        }

        var metrics = parts.SelectMany(p => p.Metrics).GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        new CollectionManifest
        {
            StartedAt = parts.Count > 0 ? parts.Min(p => p.StartedAt) : now,
            FinishedAt = parts.Count > 0 ? parts.Max(p => p.FinishedAt) : now,
            Coverage = [.. parts.SelectMany(p => p.Coverage), .. failed],
            Metrics = metrics,
        }.Write(snapshotRoot);
        return digests;
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

    /// <summary>Whether a stream read from an assembled snapshot belongs to the scope: all its files came from the scope's trail zip.</summary>
    public static bool IsOwnStream(IActivityStream stream, string snapshotRoot, IReadOnlySet<string> trailEntries)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var files = stream.InputFiles();
        return files.Count > 0 && files.All(f => trailEntries.Contains(Path.GetRelativePath(snapshotRoot, f).Replace('\\', '/')));
    }

    private static string PartManifestName(string scope) => $"collection-{scope.Replace('/', '-')}.json";
}
