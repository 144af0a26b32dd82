using System.Globalization;
using System.Xml.Linq;

namespace DriftSentinel.Aws.Collection.Http;

/// <summary>Reads Query-protocol XML by local name (the namespaces differ per service and API version).</summary>
internal static class XmlShape
{
    public static XElement? Child(this XElement? e, string name) => e?.Elements().FirstOrDefault(c => c.Name.LocalName == name);

    public static XElement Result(this XDocument doc, string resultName) =>
        doc.Root?.Child(resultName) ?? throw new AwsServiceException("xml", "MalformedResponse", System.Net.HttpStatusCode.OK, $"response has no <{resultName}>");

    public static string? Str(this XElement? e, string name) => e.Child(name)?.Value;

    public static bool Bool(this XElement? e, string name) => string.Equals(e.Str(name), "true", StringComparison.OrdinalIgnoreCase);

    public static int? Int(this XElement? e, string name) =>
        int.TryParse(e.Str(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    public static DateTime? Date(this XElement? e, string name) =>
        DateTime.TryParse(e.Str(name), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var v) ? v : null;

    /// <summary>A Query-protocol list: &lt;Name&gt;&lt;member&gt;…&lt;/member&gt;&lt;/Name&gt; (EC2 uses &lt;item&gt;).</summary>
    public static List<T> List<T>(this XElement? e, string name, Func<XElement, T> map) =>
        e.Child(name)?.Elements().Where(c => c.Name.LocalName is "member" or "item").Select(map).ToList() ?? [];
}
