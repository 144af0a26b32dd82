using DriftSentinel.Core.Engine;
using DriftSentinel.Core.History;

namespace DriftSentinel.Core.Output;

/// <summary>
/// The registered report writers, written together into one folder. Each output module adds its writers with one
/// extension method (<c>AddStandardReports()</c>); the worker composes the set once.
/// </summary>
public sealed class ReportSet
{
    private readonly List<IReportWriter> _writers = [];
    private readonly List<IReportBundle> _bundles = [];

    public IReadOnlyList<IReportWriter> Writers => _writers;

    /// <summary>Adds a folder of outputs (an evidence pack); two of one name is a wiring mistake and throws.</summary>
    public ReportSet AddBundle(IReportBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (_bundles.Any(b => b.Folder.Equals(bundle.Folder, StringComparison.OrdinalIgnoreCase)) || _writers.Any(w => w.FileName.Equals(bundle.Folder, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"two report outputs write {bundle.Folder}");
        }

        _bundles.Add(bundle);
        return this;
    }

    /// <summary>The folders written beside the files (evidence packs), in registration order.</summary>
    public IReadOnlyList<string> Folders => [.. _bundles.Select(b => b.Folder)];

    /// <summary>The file names, in registration order.</summary>
    public IReadOnlyList<string> FileNames => [.. _writers.Select(w => w.FileName)];

    /// <summary>Adds a writer; two writers of one file name is a wiring mistake and throws.</summary>
    public ReportSet Add(IReportWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_writers.Any(w => w.FileName.Equals(writer.FileName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"two report writers write {writer.FileName}");
        }

        _writers.Add(writer);
        return this;
    }

    private const string LockName = ".driftsentinel.lock";

    /// <summary>
    /// Creates the folder, proves it writable and takes its lock, so two scans writing one folder take turns. Waits up to
    /// <paramref name="wait"/> for another holder; throws <see cref="IOException"/> with the reason otherwise. The lock
    /// goes with the returned handle (and with the process, however it ends).
    /// </summary>
    public static IDisposable Lock(string folder, TimeSpan wait)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, LockName);
        var waited = System.Diagnostics.Stopwatch.StartNew(); // elapsed time, not the clock: a wait, not a timestamp
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException($"the report folder '{folder}' is not writable: {e.Message}", e);
            }
            catch (IOException) when (File.Exists(path) && waited.Elapsed < wait)
            {
                Thread.Sleep(250); // another scan holds it
            }
            catch (IOException e)
            {
                throw new IOException(File.Exists(path)
                    ? $"another scan has been writing the report folder '{folder}' for more than {wait.TotalSeconds:0} s (lock {LockName}); try again when it has finished"
                    : $"the report folder '{folder}' is not writable: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Writes every report and, last, manifest.json over them (and manifest.sig with a signer); with
    /// <paramref name="history"/> (a recorded run) they carry each finding's lifecycle and the changes since the last run.
    /// The files are written to a staging folder beside them and only then renamed over the previous ones, so a full
    /// disk or a crash while writing leaves the previous complete set in place.
    /// </summary>
    /// <returns>The manifest written, for the history store's chain.</returns>
    public WrittenManifest WriteAll(ScanResult result, string folder, RunHistoryReport? history = null, ManifestContext? manifest = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        var staging = Path.Combine(folder, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            Write(result, staging, history);
            var context = manifest ?? new ManifestContext();
            var outputs = RunManifest.HashFiles(staging, [.. Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(staging, f).Replace('\\', '/')).Order(StringComparer.Ordinal)]);
            var written = RunManifest.Build(result, outputs, context);
            File.WriteAllBytes(Path.Combine(staging, RunManifest.FileName), written.Bytes);
            var names = new List<string>(Entries(staging));
            if (context.Signer is { } signer)
            {
                File.WriteAllBytes(Path.Combine(staging, RunManifest.SignatureFileName), signer.Sign(written.Bytes));
                names.Add(RunManifest.SignatureFileName);
            }

            // Every rename must be possible before the first is made, so the set is replaced whole or not at all.
            foreach (var name in names.Where(n => File.Exists(Path.Combine(staging, n)) && Directory.Exists(Path.Combine(folder, n))))
            {
                throw new IOException($"cannot replace {Path.Combine(folder, name)}: it is a folder");
            }

            // A signature left from an earlier signed run would describe another manifest.
            if (context.Signer is null)
            {
                File.Delete(Path.Combine(folder, RunManifest.SignatureFileName));
            }

            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                var from = Path.Combine(staging, name);
                var to = Path.Combine(folder, name);
                if (Directory.Exists(from))
                {
                    if (Directory.Exists(to))
                    {
                        Directory.Delete(to, recursive: true);
                    }

                    Directory.Move(from, to);
                }
                else
                {
                    File.Move(from, to, overwrite: true);
                }
            }

            return written;
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover staging folder holds nothing the next scan needs.
            }
        }
    }

    // The top-level entries of a staged set: its files and the folders bundles wrote, manifest.json last.
    private static IEnumerable<string> Entries(string staging) =>
        Directory.EnumerateFileSystemEntries(staging).Select(Path.GetFileName).OfType<string>()
            .OrderBy(n => n == RunManifest.FileName).ThenBy(n => n, StringComparer.Ordinal);

    private void Write(ScanResult result, string folder, RunHistoryReport? history)
    {
        foreach (var writer in _writers)
        {
            using var output = File.Create(Path.Combine(folder, writer.FileName));
            writer.Write(result, history, output);
        }

        foreach (var bundle in _bundles)
        {
            var path = Path.Combine(folder, bundle.Folder);
            Directory.CreateDirectory(path);
            bundle.Write(result, history, path);
        }
    }
}
