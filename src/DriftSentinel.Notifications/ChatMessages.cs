using System.Text.Json.Nodes;

namespace DriftSentinel.Notifications;

/// <summary>
/// A digest as the two chat services take it. Text from the scanned estate (principals, messages, resources) is
/// never given the power of markup: Slack's mrkdwn gets &amp;, &lt; and &gt; escaped (so no &lt;!channel&gt; mention or
/// link can be smuggled in a role name), Teams gets it as RichTextBlock text runs, which render no markdown.
/// </summary>
public static class ChatMessages
{
    /// <summary>Slack's limit on a section's text; longer lists are cut with a count of what was left out.</summary>
    private const int SlackSectionLimit = 2900;

    /// <summary>A Slack incoming-webhook payload: Block Kit blocks, and <c>text</c> as the notification fallback.</summary>
    public static JsonObject Slack(ChatDigest d, int maxListed)
    {
        ArgumentNullException.ThrowIfNull(d);
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Clip(d.Title, 150) } },
            Section(Escape(d.Headline)),
        };
        void List(string heading, IEnumerable<string> lines)
        {
            var all = lines.ToList();
            if (all.Count == 0)
            {
                return;
            }

            var text = $"*{heading}*";
            var shown = 0;
            foreach (var line in all.Take(maxListed))
            {
                var next = $"\n• {Escape(line)}";
                if (text.Length + next.Length > SlackSectionLimit)
                {
                    break;
                }

                text += next;
                shown++;
            }

            if (all.Count > shown)
            {
                text += $"\n_and {all.Count - shown} more in the report_";
            }

            blocks.Add(Section(text));
        }

        List("New critical and high", d.NewSevere.Select(ChatDigest.Line));
        List("Back", d.Back.Select(b => $"{b.Why}: {ChatDigest.Line(b.Finding)}"));
        List($"Exceptions ending by {d.ExpiringBy:yyyy-MM-dd}", d.Expiring.Select(f => $"{f.AcceptedUntil:yyyy-MM-dd} ({f.AcceptedBy}): {ChatDigest.Line(f)}"));
        List($"Coverage gaps ({d.GapCount}): no finding can appear for what was not read", d.Gaps.Select(ChatDigest.GapLine));
        var context = $"As of {ChatDigest.Time(d.AsOf)} · {d.Open} open · {d.Resolved} resolved";
        if (d.ReportUrl is { } url)
        {
            context += $" · <{Escape(url)}|Open the report>";
        }

        blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = context }) });
        return new JsonObject { ["text"] = d.Headline, ["blocks"] = blocks };
    }

    /// <summary>A Teams workflow-webhook payload: a message with one Adaptive Card (1.4) attachment.</summary>
    public static JsonObject Teams(ChatDigest d, int maxListed)
    {
        ArgumentNullException.ThrowIfNull(d);
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = d.Title, ["size"] = "Large", ["weight"] = "Bolder", ["wrap"] = true },
            Plain(d.Headline),
            new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray(
                    Fact("New critical or high", d.NewSevere.Count),
                    Fact("Back (reopened or exception ended)", d.Back.Count),
                    Fact($"Exceptions ending by {d.ExpiringBy:yyyy-MM-dd}", d.Expiring.Count),
                    Fact("Coverage gaps", d.GapCount),
                    Fact("Open", d.Open),
                    Fact("Resolved this run", d.Resolved)),
            },
        };
        void List(string heading, IEnumerable<string> lines)
        {
            var all = lines.ToList();
            if (all.Count == 0)
            {
                return;
            }

            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = heading, ["weight"] = "Bolder", ["wrap"] = true, ["spacing"] = "Medium" });
            foreach (var line in all.Take(maxListed))
            {
                body.Add(Plain("• " + line));
            }

            if (all.Count > maxListed)
            {
                body.Add(Plain($"and {all.Count - maxListed} more in the report"));
            }
        }

        List("New critical and high", d.NewSevere.Select(ChatDigest.Line));
        List("Back", d.Back.Select(b => $"{b.Why}: {ChatDigest.Line(b.Finding)}"));
        List($"Exceptions ending by {d.ExpiringBy:yyyy-MM-dd}", d.Expiring.Select(f => $"{f.AcceptedUntil:yyyy-MM-dd} ({f.AcceptedBy}): {ChatDigest.Line(f)}"));
        List($"Coverage gaps ({d.GapCount}): no finding can appear for what was not read", d.Gaps.Select(ChatDigest.GapLine));
        body.Add(Plain($"As of {ChatDigest.Time(d.AsOf)}"));
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["msteams"] = new JsonObject { ["width"] = "Full" },
            ["body"] = body,
        };
        if (d.ReportUrl is { } url)
        {
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open the report", ["url"] = url });
        }

        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card }),
        };
    }

    /// <summary>Slack's three control characters in mrkdwn (its documented escaping).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }

    private static JsonObject Section(string mrkdwn) =>
        new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = mrkdwn } };

    private static JsonObject Plain(string text) => new()
    {
        ["type"] = "RichTextBlock",
        ["inlines"] = new JsonArray(new JsonObject { ["type"] = "TextRun", ["text"] = text }),
    };

    private static JsonObject Fact(string title, int value) => new() { ["title"] = title, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static string Clip(string s, int max) => s.Length > max ? s[..(max - 1)] + "…" : s;
}
