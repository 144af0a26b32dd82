namespace DriftSentinel.Reporting;

/// <summary>
/// RFC 4180 writer: fields with a comma, quote, CR or LF are quoted, quotes doubled, rows end in LF; every cell is
/// neutralised against formula injection first. (The CsvHelper build in our package registry has a different API
/// from the documented one, so the few lines needed are written here; see docs/architecture.md.)
/// </summary>
public sealed class CsvTableWriter(TextWriter output)
{
    public void WriteRow(params string?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                output.Write(',');
            }

            var cell = CsvSafety.Neutralise(cells[i]);
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                output.Write('"');
                output.Write(cell.Replace("\"", "\"\"", StringComparison.Ordinal));
                output.Write('"');
            }
            else
            {
                output.Write(cell);
            }
        }

        output.Write('\n');
    }
}
