using DriftSentinel.Core.Engine;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.Model;

namespace DriftSentinel.Tests.Support;

/// <summary>A scan's result with other findings or coverage, for outputs that must react to them.</summary>
public static class ScanResults
{
    public static ScanResult With(this ScanResult result, IReadOnlyList<Finding>? findings = null, IReadOnlyList<CoverageEntry>? coverage = null) => new()
    {
        Run = result.Run,
        Coverage = coverage ?? result.Coverage,
        Findings = findings ?? result.Findings,
        ProductionChanges = result.ProductionChanges,
        ProductionChangeCounts = result.ProductionChangeCounts,
        Baseline = result.Baseline,
        Inventory = result.Inventory,
        Catalogue = result.Catalogue,
        Entitlements = result.Entitlements,
    };
}
