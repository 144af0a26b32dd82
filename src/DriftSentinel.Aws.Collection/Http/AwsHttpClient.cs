using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Amazon.Runtime;

namespace DriftSentinel.Aws.Collection.Http;

/// <summary>Where and as whom one service is called: endpoint, SigV4 signing name and region, credentials.</summary>
/// <param name="Endpoint">Service URL (partition default or configured override).</param>
/// <param name="SigningService">SigV4 service name, e.g. iam.</param>
/// <param name="SigningRegion">SigV4 region (us-east-1 for IAM in the aws partition).</param>
/// <param name="Credentials">The account session.</param>
/// <param name="Gate">Awaited before every attempt, retries included (the LookupEvents rate limit).</param>
internal sealed record ServiceTarget(Uri Endpoint, string SigningService, string SigningRegion, AWSCredentials Credentials, Func<CancellationToken, Task>? Gate = null);

/// <summary>
/// Sends signed requests in the two protocols our thin clients speak — the Query protocol (form-encoded, XML
/// responses; IAM and EC2) and JSON 1.1 (X-Amz-Target; CloudTrail and Organizations) — and turns the services'
/// error bodies into <see cref="AwsServiceException"/>. Each attempt is signed afresh, inside the retry policy.
/// </summary>
internal sealed class AwsHttpClient(HttpClient http, AwsRetryPolicy retry, TimeProvider clock)
{
    private const string QueryContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private const string Json11ContentType = "application/x-amz-json-1.1";

    /// <summary>Calls a Query-protocol action and returns the parsed XML response document.</summary>
    public Task<XDocument> QueryAsync(ServiceTarget target, string action, string version, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var form = new StringBuilder().Append("Action=").Append(Uri.EscapeDataString(action)).Append("&Version=").Append(Uri.EscapeDataString(version));
        foreach (var (key, value) in parameters)
        {
            form.Append('&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        var body = Encoding.UTF8.GetBytes(form.ToString());
        return retry.ExecuteAsync(async ct =>
        {
            using var response = await SendAsync(target, body, QueryContentType, null, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw QueryError(target.SigningService, response, text);
            }

            try
            {
                return XDocument.Parse(text);
            }
            catch (System.Xml.XmlException e)
            {
                throw new AwsServiceException(target.SigningService, "MalformedResponse", response.StatusCode, $"{action} response is not XML: {e.Message}");
            }
        }, cancellationToken);
    }

    /// <summary>Calls a JSON 1.1 operation (<paramref name="targetHeader"/> is the X-Amz-Target) and returns the response JSON.</summary>
    public Task<JsonDocument> JsonAsync(ServiceTarget target, string targetHeader, object request, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), AwsJson.Options);
        return retry.ExecuteAsync(async ct =>
        {
            using var response = await SendAsync(target, body, Json11ContentType, targetHeader, ct).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw JsonError(target.SigningService, response, bytes);
            }

            try
            {
                return JsonDocument.Parse(bytes);
            }
            catch (JsonException e)
            {
                throw new AwsServiceException(target.SigningService, "MalformedResponse", response.StatusCode, $"{targetHeader} response is not JSON: {e.Message}");
            }
        }, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(ServiceTarget target, byte[] body, string contentType, string? amzTarget, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Endpoint);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (amzTarget is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", amzTarget);
        }

        var credentials = await target.Credentials.GetCredentialsAsync().ConfigureAwait(false);

        // The rate gate is passed last, just before sending, so the spacing it enforces is the spacing the service sees.
        if (target.Gate is { } gate)
        {
            await gate(ct).ConfigureAwait(false);
        }

        AwsRequestSigner.Sign(request, body, credentials, target.SigningService, target.SigningRegion, clock.GetUtcNow());
        return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
    }

    /// <summary>IAM/STS: ErrorResponse/Error/{Code,Message}; EC2: Response/Errors/Error/{Code,Message}.</summary>
    private AwsServiceException QueryError(string service, HttpResponseMessage response, string text)
    {
        string code = $"Http{(int)response.StatusCode}";
        string message = text.Length > 300 ? text[..300] : text;
        string? requestId = null;
        try
        {
            var doc = XDocument.Parse(text);
            var error = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? code;
            message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? message;
            requestId = doc.Descendants().FirstOrDefault(e => e.Name.LocalName is "RequestId" or "RequestID")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            // Not every 5xx comes with an XML body (a load balancer's HTML page): keep the status as the code.
        }

        return new AwsServiceException(service, code, response.StatusCode, message, requestId, RetryAfter(response));
    }

    /// <summary>JSON 1.1: {"__type": "[namespace#]Code", "message"|"Message": ...}, or the x-amzn-ErrorType header.</summary>
    private AwsServiceException JsonError(string service, HttpResponseMessage response, byte[] bytes)
    {
        string code = $"Http{(int)response.StatusCode}";
        string message = Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)));
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.First().Split(':')[0];
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("__type", out var type) && type.GetString() is { } t)
                {
                    code = t[(t.LastIndexOf('#') + 1)..];
                }

                foreach (var name in new[] { "message", "Message" })
                {
                    if (doc.RootElement.TryGetProperty(name, out var m) && m.GetString() is { } text)
                    {
                        message = text;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Keep the status-derived code.
        }

        response.Headers.TryGetValues("x-amzn-RequestId", out var ids);
        return new AwsServiceException(service, code, response.StatusCode, message, ids?.FirstOrDefault(), RetryAfter(response));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - clock.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return response.StatusCode == HttpStatusCode.TooManyRequests ? TimeSpan.FromSeconds(1) : null;
    }
}

/// <summary>JSON settings for AWS JSON 1.1 bodies: PascalCase members as the service defines them, nulls omitted.</summary>
internal static class AwsJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
