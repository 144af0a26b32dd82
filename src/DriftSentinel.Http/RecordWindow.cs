using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftSentinel.Http;

/// <summary>
/// Incremental collection of a list that only grows (deployments): the records of earlier runs, kept in the state
/// folder with the watermark of the newest one, merged with what was fetched since (the newer copy of a record wins)
/// and trimmed to the evaluation window — so the snapshot always holds the whole window while each run asks only for
/// what changed.
/// </summary>
public sealed class RecordWindow
{
    private readonly string _path;
    private readonly SortedDictionary<string, JsonNode> _records = new(StringComparer.Ordinal);

    /// <summary>The newest record time seen by earlier runs, or null on a first (or full) run.</summary>
    public DateTimeOffset? Watermark { get; private set; }

    public RecordWindow(string path, bool full)
    {
        _path = path;
        if (full || !File.Exists(path))
        {
            return;
        }

        try
        {
            var saved = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            Watermark = saved["watermark"] is { } w ? DateTimeOffset.Parse(w.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : null;
            foreach (var (id, record) in saved["records"]!.AsObject().ToList())
            {
                saved["records"]!.AsObject().Remove(id);
                _records[id] = record!;
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            Watermark = null; // unreadable state: this run reads the whole window again
            _records.Clear();
        }
    }

    /// <summary>Adds or replaces a record by id.</summary>
    public void Merge(string id, JsonNode record) => _records[id] = record;

    /// <summary>The records whose time (<paramref name="timeOf"/>) is inside the window, oldest first; the watermark advances to the newest.</summary>
    public IReadOnlyList<JsonNode> Window(DateTimeOffset windowStart, Func<JsonNode, DateTimeOffset?> timeOf)
    {
        ArgumentNullException.ThrowIfNull(timeOf);
        var kept = _records.Where(r => timeOf(r.Value) is not { } t || t >= windowStart).ToList();
        foreach (var old in _records.Keys.Except(kept.Select(k => k.Key)).ToList())
        {
            _records.Remove(old);
        }

        var times = kept.Select(r => timeOf(r.Value)).OfType<DateTimeOffset>().ToList();
        Watermark = times.Count > 0 ? times.Max() : Watermark;
        return [.. kept.Select(k => k.Value).OrderBy(r => timeOf(r) ?? DateTimeOffset.MinValue)];
    }

    public void Save()
    {
        var records = new JsonObject();
        foreach (var (id, record) in _records)
        {
            records[id] = record.DeepClone();
        }

        var saved = new JsonObject { ["watermark"] = Watermark?.ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["records"] = records };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        var temp = _path + ".tmp";
        File.WriteAllText(temp, saved.ToJsonString());
        File.Move(temp, _path, overwrite: true);
    }
}
