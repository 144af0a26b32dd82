using DriftSentinel.Core.Output;
using DriftSentinel.Core.Rules;
using DriftSentinel.Notifications;
using DriftSentinel.Reporting;
using DriftSentinel.Tickets;

namespace DriftSentinel.Worker;

/// <summary>The one place the worker names its outputs: report writers and finding lifecycle sinks, one line each.</summary>
public static class OutputModules
{
    /// <summary>Every file output of a scan, and the evidence packs of <paramref name="evidence"/> (framework slugs).</summary>
    public static ReportSet Reports(IReadOnlyList<string>? evidence = null)
    {
        var set = new ReportSet().AddStandardReports();
        return evidence is { Count: > 0 } ? set.AddBundle(new EvidencePackWriter(evidence)) : set;
    }

    /// <summary>
    /// The finding lifecycle sinks (tickets, notifications) configured in <paramref name="settings"/>; each receives
    /// every recorded run's transitions. Built before anything is scanned, so a missing token is one usage error, not a
    /// run recorded without its sinks.
    /// </summary>
    public static IReadOnlyList<IFindingLifecycleSink> LifecycleSinks(LiveSettings settings, TimeProvider clock, RuleCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var sinks = new List<IFindingLifecycleSink>();
        try
        {
            if (settings.Tickets is { } tickets)
            {
                sinks.Add(new TicketSink(tickets, catalogue, clock, Environment.GetEnvironmentVariable));
            }

            if (settings.Notifications is { } notifications)
            {
                sinks.Add(new ChatSink(notifications, clock, Environment.GetEnvironmentVariable));
            }
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message);
        }

        return sinks;
    }
}
