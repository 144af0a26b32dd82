using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Io;

/// <summary>Reads one optional file of a snapshot and records the outcome as coverage, so one bad file never sinks a scan.</summary>
public static class SnapshotFiles
{
    /// <summary>Largest whole-document input (IAM, RBAC, GitHub exports), parsed in memory: 256 MiB unless DRIFTSENTINEL_MAX_DOCUMENT_MIB says.</summary>
    public static long MaxDocumentBytes { get; } = Limit("DRIFTSENTINEL_MAX_DOCUMENT_MIB", 256);

    /// <summary>Largest streamed trail file (CloudTrail, Activity Log, sign-ins), on disk: 4 GiB unless DRIFTSENTINEL_MAX_TRAIL_FILE_MIB says.</summary>
    public static long MaxTrailFileBytes { get; } = Limit("DRIFTSENTINEL_MAX_TRAIL_FILE_MIB", 4096);

    public static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static long Limit(string variable, long defaultMib) =>
        (long.TryParse(Environment.GetEnvironmentVariable(variable), out var mib) && mib > 0 ? mib : defaultMib) * 1024 * 1024;

    /// <summary>Something is at the path (a file, a folder, a link, a FIFO): what is there gets a coverage entry, never "missing".</summary>
    public static bool Present(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Why a path must not be opened as an input, or null when it is a regular, non-empty file within
    /// <paramref name="maxBytes"/>: a folder, a dangling or looping symbolic link, or a zero-length entry (an empty file,
    /// and what a FIFO or a device reports — those are never opened, so they cannot hang or flood the scan).
    /// </summary>
    public static string? Refuse(string path, long maxBytes)
    {
        if (!Present(path))
        {
            return null; // absent: the caller's "not in the snapshot"
        }

        if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
        {
            return "is a folder; expected a file";
        }

        var real = path;
        try
        {
            if (File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target)
            {
                if (!target.Exists)
                {
                    return $"is a symbolic link to {target.FullName}, which does not exist";
                }

                if (target is DirectoryInfo || Directory.Exists(target.FullName))
                {
                    return $"is a symbolic link to the folder {target.FullName}; expected a file";
                }

                real = target.FullName; // the size and kind are the target's, not the link's
            }
        }
        catch (IOException e)
        {
            return $"is a symbolic link that cannot be followed (a loop?): {e.Message}";
        }

        var info = new FileInfo(real);
        if (!info.Exists)
        {
            return null; // absent: the caller's "not in the snapshot"
        }

        if (info.Length == 0)
        {
            return "is empty, or not a regular file (a FIFO or a device is never opened)";
        }

        return info.Length > maxBytes
            ? $"is {info.Length:N0} bytes, more than the {maxBytes / (1024 * 1024):N0} MiB allowed for this kind of input (see docs/operations.md to raise it)"
            : null;
    }

    /// <summary>Runs <paramref name="read"/> (path, display name → items read) if the file exists; a missing or unreadable file becomes a coverage entry.</summary>
    public static bool Read(string root, string path, string source, string scope, ScanInput input, Func<string, string, long> read, bool optional = false)
    {
        var display = Relative(root, path);
        if (Refuse(path, MaxDocumentBytes) is { } problem)
        {
            input.Coverage.Failed(source, scope, 0, $"{display} {problem}");
            return false;
        }

        if (!File.Exists(path))
        {
            if (!optional)
            {
                input.Coverage.Missing(source, scope, $"{display} not in the snapshot");
            }

            return false;
        }

        try
        {
            var repairedBefore = Json.RepairedStrings;
            var items = read(path, display);
            var repaired = Json.RepairedStrings - repairedBefore;
            input.InputsRead.Add(display);
            input.Coverage.Read(source, scope, items, Json.RepairNote(display, repaired));
            return true;
        }
        catch (InputFormatException e)
        {
            input.Coverage.Failed(source, scope, 0, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            input.Coverage.Failed(source, scope, 0, $"{display}: cannot read: {e.Message}");
        }

        return false;
    }
}
