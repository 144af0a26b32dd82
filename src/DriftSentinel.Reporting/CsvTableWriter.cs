using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace DriftSentinel.Reporting;

/// <summary>
/// Writes CSV rows with CsvHelper: RFC 4180 quoting, rows ending in LF, and a cell is quoted whenever it holds a
/// character some spreadsheet locale splits on (comma, semicolon, tab, pipe) or a quote or line break, so a value such
/// as <c>x;=cmd|' /C calc'!A0</c> stays one inert cell under a semicolon locale. Every cell is neutralised against
/// formula injection first (<see cref="CsvSafety"/>, which leaves numbers such as -3 readable).
/// </summary>
internal sealed class CsvTableWriter : IDisposable
{
    private static readonly System.Buffers.SearchValues<char> QuoteWhenPresent = System.Buffers.SearchValues.Create(",;\t|\"\r\n");
    private readonly CsvWriter _csv;

    public CsvTableWriter(TextWriter output)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            NewLine = "\n",
            ShouldQuote = args => args.Field is { } field && field.AsSpan().IndexOfAny(QuoteWhenPresent) >= 0,
            // Done by CsvSafety, which knows a negative number from a formula; CsvHelper's Escape would prefix both.
            InjectionOptions = InjectionOptions.None,
        };
        _csv = new CsvWriter(output, config, leaveOpen: true);
    }

    public void WriteRow(params string?[] cells)
    {
        foreach (var cell in cells)
        {
            _csv.WriteField(CsvSafety.Neutralise(cell));
        }

        _csv.NextRecord();
        _csv.Flush();
    }

    public void Dispose() => _csv.Dispose();
}
