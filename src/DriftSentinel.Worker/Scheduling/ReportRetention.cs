using System.Globalization;
using System.Text.RegularExpressions;
using DriftSentinel.Core.History;

namespace DriftSentinel.Worker.Scheduling;

/// <summary>
/// Report retention for a worker profile (KeepRuns, KeepDays): deletes the oldest <c>run-NNNNNN</c> report folders.
/// A folder stays when either rule keeps it (among the newest KeepRuns, or its run finished within KeepDays), and the
/// newest is always kept. Only the oldest are ever removed, so the remaining folders still chain for `verify`
/// (which checks links between the folders present); the history store keeps every run's manifest regardless.
/// Safe to repeat: a folder already gone is skipped.
/// </summary>
public static partial class ReportRetention
{
    [GeneratedRegex("^run-(\\d{6,})$", RegexOptions.CultureInvariant)]
    private static partial Regex RunFolder();

    /// <summary>Deletes what the profile no longer keeps under <paramref name="outDir"/>; returns the folders deleted.</summary>
    /// <param name="outDir">The profile's report folder (its <c>run-NNNNNN</c> folders).</param>
    /// <param name="keepRuns">Keep the newest this many; null: no limit by count.</param>
    /// <param name="keepDays">Keep runs finished within this many days of <paramref name="now"/>; null: no limit by age.</param>
    /// <param name="now">The worker's clock.</param>
    /// <param name="finishedAt">When a run (by id) finished, from the history store; null when unknown (kept by age).</param>
    public static IReadOnlyList<string> Prune(string outDir, int? keepRuns, int? keepDays, DateTimeOffset now, Func<long, DateTimeOffset?> finishedAt)
    {
        ArgumentNullException.ThrowIfNull(finishedAt);
        if ((keepRuns is null && keepDays is null) || !Directory.Exists(outDir))
        {
            return [];
        }

        var runs = Directory.EnumerateDirectories(outDir)
            .Select(d => (Path: d, Match: RunFolder().Match(Path.GetFileName(d))))
            .Where(d => d.Match.Success)
            .Select(d => (d.Path, Id: long.Parse(d.Match.Groups[1].Value, CultureInfo.InvariantCulture)))
            .OrderByDescending(d => d.Id)
            .ToList();
        var deleted = new List<string>();
        for (var i = 1; i < runs.Count; i++)
        {
            var (path, id) = runs[i];
            var keptByCount = keepRuns is { } n && i < n;
            // A run whose finish time is unknown cannot be shown to be old: age alone never deletes it.
            var keptByAge = keepDays is { } d && (finishedAt(id) is not { } finished || finished > now.AddDays(-d));
            var onlyCount = keepDays is null;
            var onlyAge = keepRuns is null;
            var keep = onlyCount ? keptByCount : onlyAge ? keptByAge : keptByCount || keptByAge;
            if (keep)
            {
                continue;
            }

            try
            {
                Directory.Delete(path, recursive: true);
                deleted.Add(path);
            }
            catch (DirectoryNotFoundException)
            {
                // Another worker pruned it first.
            }
        }

        return deleted;
    }

    /// <summary>Finish times of a profile's runs from the history store, for <see cref="Prune"/>.</summary>
    public static Func<long, DateTimeOffset?> FinishTimes(IHistoryStore store, string profile)
    {
        ArgumentNullException.ThrowIfNull(store);
        var runs = store.ListRuns(profile, int.MaxValue).ToDictionary(r => r.Id, r => r.FinishedAt);
        return id => runs.GetValueOrDefault(id);
    }
}
