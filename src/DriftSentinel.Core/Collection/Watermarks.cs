using System.Text.Json;

namespace DriftSentinel.Core.Collection;

/// <summary>How far one incremental source (CloudTrail per account and region, an Activity Log, sign-ins) has been read.</summary>
public sealed class SourceWatermark
{
    /// <summary>Events (LookupEvents) or objects (S3, by LastModified) up to this time have been read.</summary>
    public DateTimeOffset ReadUntil { get; set; }

    /// <summary>Event ids read inside the overlap window, dropped when the next scan reads them again.</summary>
    public List<string> SeenEventIds { get; set; } = [];

    /// <summary>S3 keys read inside the overlap window, not fetched again.</summary>
    public List<string> SeenKeys { get; set; } = [];
}

/// <summary>Watermarks of every incremental source, keyed e.g. "account/region/source".</summary>
public sealed class WatermarkState
{
    public Dictionary<string, SourceWatermark> Sources { get; set; } = new(StringComparer.Ordinal);

    public static string Key(string account, string region, string source) => $"{account}/{region}/{source}";
}

/// <summary>Where watermarks are kept between scans.</summary>
internal interface IWatermarkStore
{
    WatermarkState Load();

    /// <summary>Called only after the scan's snapshot and reports were written, so a failed run re-reads.</summary>
    void Save(WatermarkState state);
}

/// <summary>Keeps watermarks in a JSON file (written to a temporary file, then moved into place).</summary>
public sealed class FileWatermarkStore(string path) : IWatermarkStore
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string Path { get; } = path;

    public WatermarkState Load()
    {
        if (!File.Exists(Path))
        {
            return new WatermarkState();
        }

        try
        {
            var state = JsonSerializer.Deserialize<WatermarkState>(File.ReadAllText(Path), Options) ?? new WatermarkState();
            state.Sources = new Dictionary<string, SourceWatermark>(state.Sources, StringComparer.Ordinal);
            return state;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path}: line {e.LineNumber + 1}: the watermark file is not valid JSON ({e.Message}); delete it to read from the configured lookback again", e);
        }
    }

    public void Save(WatermarkState state)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        var temp = Path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(state, Options));
        File.Move(temp, Path, overwrite: true);
    }
}
