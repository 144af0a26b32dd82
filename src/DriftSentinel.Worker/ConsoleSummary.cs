using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Model;
using DriftSentinel.Reporting;

namespace DriftSentinel.Worker;

/// <summary>The short table printed after a scan.</summary>
public static class ConsoleSummary
{
    public static void Print(TextWriter w, ScanResult result, string outDir, TimeSpan elapsed)
    {
        var active = result.Active.ToList();
        w.WriteLine($"DriftSentinel scan of {ConsoleText.Safe(result.Run.Organization)} as of {ReportFormat.Time(result.Run.AsOf)}: {result.Run.EventsRead:N0} events, {result.Run.InputsRead.Count} files, {elapsed.TotalSeconds:0.0} s");
        w.WriteLine();
        w.WriteLine($"{"rule",-12} {"title",-46} {"crit",5} {"high",5} {"med",5} {"low",5} {"info",5} {"supp",5}");
        foreach (var rule in result.Catalogue.Rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var fs = result.Findings.Where(f => f.RuleId == rule.Id).ToList();
            int C(Severity s) => fs.Count(f => !f.IsSuppressed && f.Severity == s);
            var title = rule.Title.Length > 46 ? rule.Title[..45] + "…" : rule.Title;
            w.WriteLine($"{rule.Id,-12} {title,-46} {C(Severity.Critical),5} {C(Severity.High),5} {C(Severity.Medium),5} {C(Severity.Low),5} {C(Severity.Info),5} {fs.Count(f => f.IsSuppressed),5}");
        }

        w.WriteLine();
        w.WriteLine($"{active.Count} open findings ({string.Join(", ", Enum.GetValues<Severity>().Reverse().Select(s => $"{active.Count(f => f.Severity == s)} {s.ToText()}"))}), {result.Findings.Count(f => f.IsSuppressed)} suppressed.");
        if (result.ProductionChangeCounts.Count > 0)
        {
            w.WriteLine("Production changes: " + string.Join(", ", result.ProductionChangeCounts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {ChangeText.Of(kv.Key)}")));
        }

        var gaps = result.Gaps.ToList();
        var failed = result.Coverage.Count(c => c.Status is CoverageStatus.Failed or CoverageStatus.Partial);
        var missing = result.Coverage.Where(c => c.Status == CoverageStatus.Missing).ToList();
        var declaredMissing = missing.Count(gaps.Contains);
        w.WriteLine($"Coverage: {result.Coverage.Count(c => c.Status == CoverageStatus.Read)} sources read, {failed} failed or partial, {missing.Count} not in the snapshot ({declaredMissing} of a declared scope).");
        foreach (var g in gaps)
        {
            w.WriteLine($"  GAP {g.Status.ToText()} {ConsoleText.Safe(g.Source)} {ConsoleText.Safe(g.Scope)}: {ConsoleText.Safe(g.Detail)}");
        }

        w.WriteLine($"Reports: {string.Join(", ", OutputModules.Reports().FileNames.Select(f => Path.Combine(outDir, f)))}");
    }
}
