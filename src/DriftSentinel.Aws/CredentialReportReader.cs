using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using DriftSentinel.Core.Io;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Aws;

/// <summary>Reads the IAM credential report CSV (the decoded Content of get-credential-report, or that command's JSON output).</summary>
internal static class CredentialReportReader
{
    private static readonly string[] RequiredColumns =
    [
        "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "mfa_active",
        "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
        "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    ];

    public static void Read(string path, string displayName, AwsAccountInventory into)
    {
        var text = File.ReadAllText(path);
        if (text.TrimStart().StartsWith('{'))
        {
            text = FromCliJson(text, displayName);
        }

        into.CredentialReport.AddRange(Parse(text, displayName));
        into.HasCredentialReport = true;
        into.CredentialReportFile = displayName;
    }

    /// <summary>
    /// Parses the report with CsvHelper's RFC 4180 parser: any line ending (CRLF, LF, or CR alone as some tools write),
    /// quoted cells; a duplicated or missing column, or a row of the wrong width, is an error naming the line.
    /// </summary>
    public static IReadOnlyList<CredentialReportRow> Parse(string csv, string displayName)
    {
        using var parser = new CsvParser(new StringReader(csv), new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null });
        if (!parser.Read() || parser.Record is not { } headerCells)
        {
            throw new InputFormatException(displayName, "line 1", "empty file; expected the header of aws iam get-credential-report starting with user,arn,user_creation_time");
        }

        var header = headerCells.Select(h => h.Trim()).ToArray();
        var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InputFormatException(displayName, "line 1", $"column '{duplicate.Key}' appears {duplicate.Count()} times in the header");
        }

        var missing = RequiredColumns.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new InputFormatException(displayName, "line 1", $"not a credential report header: missing column(s) {string.Join(", ", missing)}; expected the header of aws iam get-credential-report starting with user,arn,user_creation_time");
        }

        var col = header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i, StringComparer.Ordinal);
        var rows = new List<CredentialReportRow>();
        while (parser.Read())
        {
            var cells = parser.Record!.Select(c => c.Trim()).ToArray();
            var n = parser.Row - 1;
            if (cells.All(string.IsNullOrEmpty))
            {
                continue;
            }

            if (cells.Length != header.Length)
            {
                throw new InputFormatException(displayName, $"line {n + 1}", $"expected {header.Length} columns, found {cells.Length}");
            }

            string Cell(string name) => col.TryGetValue(name, out var i) ? cells[i] : "N/A";
            var line = n + 1;
            rows.Add(new CredentialReportRow
            {
                User = Cell("user"),
                Arn = Cell("arn"),
                UserCreationTime = Date(Cell("user_creation_time"), displayName, line, "user_creation_time"),
                PasswordEnabled = Cell("password_enabled") == "true",
                PasswordLastUsed = Date(Cell("password_last_used"), displayName, line, "password_last_used"),
                PasswordLastChanged = Date(Cell("password_last_changed"), displayName, line, "password_last_changed"),
                MfaActive = Cell("mfa_active") == "true",
                AccessKeys =
                [
                    Key(1, Cell, displayName, line),
                    Key(2, Cell, displayName, line),
                ],
                Line = line,
            });
        }

        return rows;
    }

    private static AccessKeyState Key(int slot, Func<string, string> cell, string file, int line) => new(
        slot,
        cell($"access_key_{slot}_active") == "true",
        Date(cell($"access_key_{slot}_last_rotated"), file, line, $"access_key_{slot}_last_rotated"),
        Date(cell($"access_key_{slot}_last_used_date"), file, line, $"access_key_{slot}_last_used_date"),
        cell($"access_key_{slot}_last_used_service") is var s && s != "N/A" ? s : null);

    private static DateTimeOffset? Date(string value, string file, int line, string column)
    {
        if (value is "N/A" or "not_supported" or "no_information" or "")
        {
            return null;
        }

        return Json.ParseTime(value)
            ?? throw new InputFormatException(file, $"line {line}, column {column}", $"'{value}' is not a date between 1990 and 2200 (ISO 8601, N/A, not_supported or no_information)");
    }

    private static string FromCliJson(string json, string displayName)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var content = doc.RootElement.Str("Content") ?? throw new InputFormatException(displayName, "line 1", "JSON credential report without a Content field");
            if (content.StartsWith("user,", StringComparison.Ordinal))
            {
                return content;
            }

            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(content));
            }
            catch (FormatException e)
            {
                throw new InputFormatException(displayName, "Content", "Content is neither CSV nor base64", e);
            }
        }
        catch (JsonException e)
        {
            throw new InputFormatException(displayName, $"line {e.LineNumber + 1}", $"malformed JSON: {e.Message}", e);
        }
    }
}
