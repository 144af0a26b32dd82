using System.Text.Json;

namespace DriftSentinel.Worker;

/// <summary>`driftsentinel health`: the container's HEALTHCHECK, with no curl in the runtime image.</summary>
public static class HealthProbe
{
    public static int Run(string url, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            stderr.WriteLine($"error: --url '{url}' is not an http(s) address");
            return ExitCodes.Usage;
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = http.GetAsync(uri).GetAwaiter().GetResult();
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            using var doc = JsonDocument.Parse(body);
            var status = doc.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
            stdout.WriteLine($"{(int)response.StatusCode} {status}");
            if (doc.RootElement.TryGetProperty("reasons", out var reasons) && reasons.ValueKind == JsonValueKind.Array)
            {
                foreach (var r in reasons.EnumerateArray())
                {
                    stdout.WriteLine($"  {r.GetString()}");
                }
            }

            return response.IsSuccessStatusCode && status is "healthy" or "degraded" ? ExitCodes.Ok : ExitCodes.Usage;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            stderr.WriteLine($"error: {uri}: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
