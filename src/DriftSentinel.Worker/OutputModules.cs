using DriftSentinel.Core.Output;
using DriftSentinel.Reporting;

namespace DriftSentinel.Worker;

/// <summary>The one place the worker names its outputs: report writers and finding lifecycle sinks, one line each.</summary>
public static class OutputModules
{
    /// <summary>Every file output of a scan.</summary>
    public static ReportSet Reports() => new ReportSet()
        .AddStandardReports();

    /// <summary>
    /// The finding lifecycle sinks (tickets, notifications) configured in <paramref name="settings"/>; each receives
    /// every recorded run's transitions. None ships yet: the ticket sinks register here.
    /// </summary>
    public static IReadOnlyList<IFindingLifecycleSink> LifecycleSinks(LiveSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return [];
    }
}
