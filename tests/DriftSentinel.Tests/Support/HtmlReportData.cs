using System.IO.Compression;
using System.Text.Json;
using AngleSharp.Html.Parser;

namespace DriftSentinel.Tests.Support;

/// <summary>The data report.html embeds, read the way its script reads it.</summary>
public static class HtmlReportData
{
    /// <summary>The list data (<c>script#ds-data</c>): one array per finding in the page's default order.</summary>
    public static JsonDocument List(string html) =>
        JsonDocument.Parse(new HtmlParser().ParseDocument(html).QuerySelector("script#ds-data")!.TextContent);

    /// <summary>The expand-only data (<c>script#ds-detail</c>): gzip-compressed JSON in base64, as text.</summary>
    public static string DetailText(string html)
    {
        var element = new HtmlParser().ParseDocument(html).QuerySelector("script#ds-detail")!;
        Assert.Equal("gzip+base64", element.GetAttribute("data-encoding"));
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(element.TextContent.Trim())), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd();
    }
}
