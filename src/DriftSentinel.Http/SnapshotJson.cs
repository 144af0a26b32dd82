using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftSentinel.Http;

/// <summary>Writes a collected response into the snapshot layout, indented, as a user exporting by hand would.</summary>
public static class SnapshotJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string path, JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, node.ToJsonString(Indented) + "\n");
    }
}
