using DriftSentinel.Core.Model;

namespace DriftSentinel.Core.Io;

/// <summary>Reads one optional file of a snapshot and records the outcome as coverage, so one bad file never sinks a scan.</summary>
public static class SnapshotFiles
{
    public static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    /// <summary>Runs <paramref name="read"/> (path, display name → items read) if the file exists; a missing or unreadable file becomes a coverage entry.</summary>
    public static bool Read(string root, string path, string source, string scope, ScanInput input, Func<string, string, long> read, bool optional = false)
    {
        var display = Relative(root, path);
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
            input.Coverage.Read(source, scope, items, repaired == 0 ? null : $"{display}: {repaired} string(s) with invalid UTF-8 or a lone surrogate read with U+FFFD in their place");
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
