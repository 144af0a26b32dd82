using System.Diagnostics;
using DriftSentinel.Core.Baseline;
using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Rules;
using DriftSentinel.Worker;

namespace DriftSentinel.Bench;

/// <summary>
/// Where a scan's time and allocations go: the folder scanned with no rule (read, map, activity index), then with
/// each rule alone; a rule's cost is its run minus the no-rule run. Same threads for all, best of two runs each.
/// </summary>
internal static class RuleCostBench
{
    public static int Run(string folder, int threads, TrailShape shape)
    {
        var demo = DemoLocator.Find();
        var baseline = shape.Accounts.Length == 3 ? BaselineLoader.Load(Path.Combine(demo, "baseline.yaml")) : BaselineLoader.Parse(shape.Baseline(), "bench-baseline.yaml");
        var catalogue = RuleCatalogue.Load(RuleCatalogue.LocateFolder());
        var asOf = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

        (double Seconds, double BytesPerEvent) Measure(IReadOnlyList<Rule> rules)
        {
            var best = (Seconds: double.MaxValue, BytesPerEvent: 0.0);
            for (var run = 0; run < 2; run++)
            {
                GC.Collect();
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var sw = Stopwatch.StartNew();
                var result = new ScanEngine(catalogue, rules) { Threads = threads }.Run(SourceModules.Default().Read(folder, baseline), baseline, asOf, "bench");
                sw.Stop();
                var bytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, result.Run.EventsRead);
                if (sw.Elapsed.TotalSeconds < best.Seconds)
                {
                    best = (sw.Elapsed.TotalSeconds, bytes);
                }
            }

            return best;
        }

        var none = Measure([]);
        Console.WriteLine($"no rule (read, map, activity index), {threads} thread(s): {none.Seconds:0.00} s, {none.BytesPerEvent:N0} bytes/event");
        foreach (var rule in Rule.All())
        {
            var alone = Measure([rule.NewPartition()]);
            Console.WriteLine($"{rule.Id,-12} +{alone.Seconds - none.Seconds,6:0.00} s  +{alone.BytesPerEvent - none.BytesPerEvent,6:N0} bytes/event");
        }

        var all = Measure(Rule.All());
        Console.WriteLine($"all rules: {all.Seconds:0.00} s, {all.BytesPerEvent:N0} bytes/event");
        return 0;
    }
}
