using System.Globalization;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Output;

namespace DriftSentinel.Notifications;

/// <summary>
/// What one channel is told about one recorded run: new critical and high findings, findings back (reopened, or an
/// exception or acceptance that ran out), exceptions ending soon, and every coverage gap, so a quiet message never
/// hides that part of the estate was not read. Findings are filtered by the channel's route; gaps are not.
/// </summary>
public sealed record ChatDigest(
    string Profile,
    long RunId,
    DateTimeOffset AsOf,
    IReadOnlyList<NoticeFinding> NewSevere,
    IReadOnlyList<(NoticeFinding Finding, string Why)> Back,
    IReadOnlyList<NoticeFinding> Expiring,
    DateOnly ExpiringBy,
    int Resolved,
    int Open,
    IReadOnlyList<NoticeGap> Gaps,
    int GapCount,
    string? ReportUrl)
{
    public bool IsQuiet => NewSevere.Count == 0 && Back.Count == 0 && Expiring.Count == 0 && GapCount == 0;

    public string Title => $"DriftSentinel {Profile}: run #{RunId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>One line for notifications and chat previews.</summary>
    public string Headline => IsQuiet
        ? $"{Title}: nothing new to report ({Open} open, {Resolved} resolved), as of {Time(AsOf)}"
        : $"{Title}: {NewSevere.Count} new critical or high, {Back.Count} back, {Expiring.Count} exception(s) expiring by {ExpiringBy:yyyy-MM-dd}, {GapCount} coverage gap(s)";

    public static ChatDigest For(LifecycleNotice notice, ChatChannel channel, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(options);
        var mine = notice.Transitions.Where(t => channel.Matches(t.Finding)).ToList();
        var by = DateOnly.FromDateTime(notice.AsOf.UtcDateTime).AddDays(options.ExpiringWithinDays);
        return new ChatDigest(
            notice.Profile,
            notice.RunId,
            notice.AsOf,
            [.. mine.Where(t => t.Change == LifecycleChange.New && t.Finding.Severity >= Severity.High).Select(t => t.Finding)],
            [.. mine.Where(t => t.Change is LifecycleChange.Reopened or LifecycleChange.ExceptionExpired)
                .Select(t => (t.Finding, t.Change == LifecycleChange.Reopened ? "reopened" : "exception or acceptance ended"))],
            [.. mine.Where(t => t.Change == LifecycleChange.Accepted && t.Finding.AcceptedUntil is { } until && until <= by).OrderBy(t => t.Finding.AcceptedUntil).Select(t => t.Finding)],
            by,
            mine.Count(t => t.Change == LifecycleChange.Resolved),
            mine.Count(t => t.Change is LifecycleChange.New or LifecycleChange.StillOpen or LifecycleChange.Reopened or LifecycleChange.ExceptionExpired
                or LifecycleChange.NotVerified),
            notice.GapList,
            notice.Gaps,
            options.ReportUrl);
    }

    /// <summary>A finding in one line: severity, rule, environment, principal, what was seen.</summary>
    public static string Line(NoticeFinding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var where = string.Join(" · ", new[] { f.Environment, f.Principal }.Where(s => !string.IsNullOrEmpty(s)));
        return $"{f.Severity.ToText()} {f.RuleId} {f.Title}{(where.Length == 0 ? "" : $" ({where})")}: {Clip(f.Message ?? f.Resource ?? f.Fingerprint, 240)}";
    }

    public static string GapLine(NoticeGap g)
    {
        ArgumentNullException.ThrowIfNull(g);
        return $"{g.Status} {g.Source} {g.Scope}{(g.Detail is null ? "" : $": {Clip(g.Detail, 200)}")}";
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Clip(string s, int max) => s.Length > max ? s[..(max - 1)] + "…" : s;
}
