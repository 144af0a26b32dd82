using System.Net;
using System.Security.Cryptography;
using System.Text;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Output;
using DriftSentinel.Http;

namespace DriftSentinel.Notifications;

/// <summary>
/// The lifecycle sink for chat: after each recorded run, one message per configured channel (Slack incoming webhook or
/// Teams workflow webhook) with what changed (<see cref="ChatDigest"/>). Each message is recorded in the state
/// database once sent, so a notice delivered twice posts once; a channel that fails is retried with the sink's
/// backoff without posting again to the channels that succeeded.
/// </summary>
public sealed class ChatSink : IFindingLifecycleSink, IDisposable
{
    private readonly NotificationOptions _options;
    private readonly TimeProvider _clock;
    private readonly HttpClient _http;
    private readonly Dictionary<string, Uri> _webhooks = new(StringComparer.Ordinal);
    private readonly RequestCounters _counters = new();
    private int _sent;
    private int _quiet;
    private int _already;

    /// <summary>Reads each channel's webhook address from the environment variable it names; refuses a missing or plain-http one.</summary>
    public ChatSink(NotificationOptions options, TimeProvider clock, Func<string, string?> environment, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _options = options;
        _clock = clock;
        foreach (var channel in options.Channels)
        {
            var text = environment(channel.WebhookVariable);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new InvalidOperationException($"notifications: channel {channel.Name}: the webhook variable {channel.WebhookVariable} is not set");
            }

            // The address is the credential: an http one would send it in clear text (loopback is allowed for tests).
            if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            {
                throw new InvalidOperationException($"notifications: channel {channel.Name}: {channel.WebhookVariable} is not an https address (value {Fingerprint(text)})");
            }

            _webhooks[channel.Name] = uri;
        }

        _http = new HttpClient(RestResilience.Handler(new RestRetryOptions { MaxAttempts = options.MaxAttempts, RequestBudget = options.RequestBudget, MaxWait = TimeSpan.FromMinutes(5) }, clock, _counters, transport))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Name => "chat";

    public void Dispose() => _http.Dispose();

    public string Summary => $"{_sent} message(s) sent, {_already} already sent, {_quiet} channel(s) with nothing to report; {_counters.Requests} request(s), {_counters.Throttled} throttled and retried";

    public void Deliver(LifecycleNotice notice, IHistoryStore state, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var ledger = state as INotificationLedger ?? throw new InvalidOperationException("the state database keeps no notification ledger");
        var failures = new List<string>();
        foreach (var channel in _options.Channels)
        {
            cancellation.ThrowIfCancellationRequested();
            var digest = ChatDigest.For(notice, channel, _options);
            if (digest.IsQuiet && !channel.SendWhenQuiet)
            {
                _quiet++;
                continue;
            }

            if (ledger.WasNotified(Name, notice.RunId, channel.Name))
            {
                _already++;
                continue;
            }

            var payload = channel.Kind == "teams" ? ChatMessages.Teams(digest, _options.MaxListed) : ChatMessages.Slack(digest, _options.MaxListed);
            try
            {
                Post(channel, payload.ToJsonString(), cancellation);
                ledger.RecordNotified(Name, notice.RunId, channel.Name, _clock.GetUtcNow());
                _sent++;
            }
            catch (ChatDeliveryException e)
            {
                failures.Add(e.Message);
            }
        }

        if (failures.Count > 0)
        {
            throw new ChatDeliveryException(string.Join("; ", failures));
        }
    }

    private void Post(ChatChannel channel, string json, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _webhooks[channel.Name]) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        HttpResponseMessage response;
        try
        {
            response = _http.Send(request, cancellation);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException && !cancellation.IsCancellationRequested)
        {
            // The exception text can carry the address, which is the secret: say what failed, not where.
            throw new ChatDeliveryException($"{channel.Name} ({channel.Kind}): {e.GetType().Name}, no answer");
        }

        using (response)
        {
            var body = ReadBody(response, cancellation);

            // Slack answers 200 "ok"; a Teams workflow 202 Accepted (200 on older connectors).
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.NoContent)
            {
                return;
            }

            throw new ChatDeliveryException($"{channel.Name} ({channel.Kind}): HTTP {(int)response.StatusCode} {Describe(body)}");
        }
    }

    private static string ReadBody(HttpResponseMessage response, CancellationToken cancellation)
    {
        using var stream = response.Content.ReadAsStream(cancellation);
        using var reader = new StreamReader(stream);
        var buffer = new char[512];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read);
    }

    /// <summary>The service's reason in one line (Slack: "channel_not_found"; Teams: its JSON error), never more than 200 characters.</summary>
    private static string Describe(string body)
    {
        var line = string.Join(' ', body.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length == 0 ? "(no body)" : line.Length > 200 ? line[..199] + "…" : line;
    }

    private static string Fingerprint(string secret) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8];
}

/// <summary>A chat message that was not delivered; the message names the channel and the service's answer, never the address.</summary>
public sealed class ChatDeliveryException(string message) : Exception(message);
