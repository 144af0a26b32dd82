using DriftSentinel.Core.Output;

namespace DriftSentinel.Notifications;

/// <summary>Configuration section DriftSentinel:Notifications (docs/operations.md, "Chat notifications").</summary>
public sealed class NotificationOptions
{
    /// <summary>Where messages go; each channel takes the findings its filter matches (every channel, not the first).</summary>
    public List<ChatChannel> Channels { get; set; } = [];

    /// <summary>The run's report for readers (e.g. an internal dashboard address), linked from every message.</summary>
    public string? ReportUrl { get; set; }

    /// <summary>Exceptions and acceptances ending within this many days of the run are listed as expiring.</summary>
    public int ExpiringWithinDays { get; set; } = 7;

    /// <summary>Findings listed per section; the rest are counted ("and 12 more").</summary>
    public int MaxListed { get; set; } = 10;

    /// <summary>Attempts per message, including the first (only 429 is retried: a lost answer may mean it was posted).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The longest a message may take, retries included.</summary>
    public TimeSpan RequestBudget { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<string> Validate(string prefix)
    {
        if (Channels.Count == 0)
        {
            yield return $"{prefix}:Channels: no channel; add at least one (Name, Kind, WebhookVariable) or remove the Notifications section";
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Channels.Count; i++)
        {
            var c = Channels[i];
            var key = $"{prefix}:Channels:{i}";
            if (string.IsNullOrWhiteSpace(c.Name) || !names.Add(c.Name))
            {
                yield return $"{key}:Name: '{c.Name}' must be a unique, non-empty name";
            }

            if (c.Kind is not ("slack" or "teams"))
            {
                yield return $"{key}:Kind: '{c.Kind}' is not slack or teams";
            }

            if (string.IsNullOrWhiteSpace(c.WebhookVariable))
            {
                yield return $"{key}:WebhookVariable: required: the environment variable holding the webhook address (the address is a secret, never configured)";
            }

            foreach (var error in c.ValidateFilter(key))
            {
                yield return error;
            }
        }

        if (ExpiringWithinDays is < 0 or > 90)
        {
            yield return $"{prefix}:ExpiringWithinDays: {ExpiringWithinDays} is not between 0 and 90";
        }

        if (MaxListed is < 1 or > 50)
        {
            yield return $"{prefix}:MaxListed: {MaxListed} is not between 1 and 50";
        }

        if (MaxAttempts is < 1 or > 20)
        {
            yield return $"{prefix}:MaxAttempts: {MaxAttempts} is not between 1 and 20";
        }

        if (ReportUrl is not null && !Uri.TryCreate(ReportUrl, UriKind.Absolute, out _))
        {
            yield return $"{prefix}:ReportUrl: '{ReportUrl}' is not an absolute URL";
        }
    }
}

/// <summary>
/// One chat destination: a Slack incoming webhook or a Microsoft Teams workflow webhook ("When a Teams webhook request
/// is received"), with the findings it takes (<see cref="NoticeRoute"/>). The webhook address carries its own secret,
/// so it is read from the environment variable <see cref="WebhookVariable"/> names, and never printed.
/// </summary>
public sealed class ChatChannel : NoticeRoute
{
    public string Name { get; set; } = "";

    /// <summary>slack or teams.</summary>
    public string Kind { get; set; } = "slack";

    public string WebhookVariable { get; set; } = "";

    /// <summary>Also post when a run has nothing to report (no new critical or high, nothing reopened or expiring, no gap).</summary>
    public bool SendWhenQuiet { get; set; }
}
